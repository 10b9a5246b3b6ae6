"""Figures of a multi-objective sweep: its Pareto front and its hypervolume over trials."""

from __future__ import annotations

import math
from itertools import combinations
from typing import TYPE_CHECKING, Any

from hpsearch.report import _data
from hpsearch.report._plotting import (
    GREEN,
    GREY,
    RED,
    esc,
    fmt,
    gap,
    go_module,
    hover_texts,
    style,
    subplots,
    texts,
)

if TYPE_CHECKING:
    from hpsearch.storage import SweepResult

__all__ = ["hypervolume_figure", "pareto_figure"]


def pareto_figure(record: SweepResult, *, hover: dict[int, str] | None = None) -> Any:
    """Pareto front scatter (pairwise for three or more objectives), dominated points dimmed."""
    # better whole: one figure assembled trace by trace, in the order it is drawn
    go = go_module()
    objs = _data.objectives(record)
    if len(objs) < 2:
        raise ValueError("a Pareto plot needs two or more objectives")
    hover = hover if hover is not None else hover_texts(record)
    data = _data.pareto_front(record.trials, objs)
    pairs = list(combinations(range(len(objs)), 2))
    cols = min(3, len(pairs))
    rows = math.ceil(len(pairs) / cols)
    fig = subplots(
        rows=rows,
        cols=cols,
        horizontal_spacing=0.09,
        vertical_spacing=gap(rows, 0.14, 80 / max(400, 340 * rows)),
    )
    front = data[data["pareto"]]
    dominated = data[~data["pareto"]]
    for k, (a, b) in enumerate(pairs):
        r, c = k // cols + 1, k % cols + 1
        oa, ob = objs[a], objs[b]
        for part, name, marker in (
            (dominated, "dominated", {"color": GREY, "size": 6, "opacity": 0.35}),
            (
                front,
                "Pareto front",
                {"color": RED, "size": 9, "opacity": 0.95, "line": {"color": "white", "width": 1}},
            ),
        ):
            extra = [
                f"{esc(oa.name)} = {fmt(x)}<br>{esc(ob.name)} = {fmt(y)}"
                for x, y in zip(part[oa.column], part[ob.column])
            ]
            fig.add_trace(
                go.Scatter(
                    x=part[oa.column].astype(float),
                    y=part[ob.column].astype(float),
                    mode="markers",
                    name=name,
                    marker=marker,
                    hovertext=texts(hover, part["number"], extra),
                    hoverinfo="text",
                    legendgroup=name,
                    showlegend=k == 0,
                ),
                row=r,
                col=c,
            )
        if len(objs) == 2 and len(front) > 1:  # the 2-D front as a staircase
            ordered = front.sort_values(oa.column)
            fig.add_trace(
                go.Scatter(
                    x=ordered[oa.column].astype(float),
                    y=ordered[ob.column].astype(float),
                    mode="lines",
                    line={
                        "color": RED,
                        "width": 1.2,
                        "dash": "dot",
                        "shape": "hv" if oa.goal == "minimize" else "vh",
                    },
                    hoverinfo="skip",
                    showlegend=False,
                ),
                row=r,
                col=c,
            )
        fig.update_xaxes(title_text=f"{esc(oa.name)} ({oa.goal[:3]})", row=r, col=c)
        fig.update_yaxes(title_text=f"{esc(ob.name)} ({ob.goal[:3]})", row=r, col=c)
    title = f"Pareto front: {int(front.shape[0])} of {int(data.shape[0])} complete trials"
    return style(fig, title=title, height=max(400, 340 * rows))


def hypervolume_figure(record: SweepResult) -> Any:
    """Hypervolume of the front after each complete trial (reference: worst values seen)."""
    go = go_module()
    data = _data.hypervolume_history(record.trials, _data.objectives(record))
    fig = go.Figure(
        go.Scatter(
            x=data["number"],
            y=data["hypervolume"],
            mode="lines",
            line={"color": GREEN, "width": 2.5, "shape": "hv"},
            fill="tozeroy",
            fillcolor="rgba(22,163,74,0.08)",
            hovertemplate="trial %{x}<br>hypervolume %{y:.6g}<extra></extra>",
        )
    )
    fig.update_xaxes(title_text="trial")
    fig.update_yaxes(title_text="hypervolume")
    return style(
        fig,
        title="Hypervolume over trials (reference: worst value of each metric)",
        legend=False,
        height=320,
    )
