"""Plotly figures drawn from the data in :mod:`hpsearch.report._data`.

Every user or trial string is escaped on the way in (see :mod:`hpsearch.report._plotting`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hpsearch.report import _data
from hpsearch.report._front_figures import hypervolume_figure, pareto_figure
from hpsearch.report._parallel import parallel_figure
from hpsearch.report._plotting import (
    BLUE,
    GREY,
    ORANGE,
    PALETTE,
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

__all__ = [
    "comparison_history_figure",
    "history_figure",
    "hover_texts",
    "hypervolume_figure",
    "importance_figure",
    "learning_curves_figure",
    "parallel_figure",
    "pareto_figure",
    "slice_figure",
]


def history_figure(record: SweepResult, *, hover: dict[int, str] | None = None) -> Any:
    """Every complete trial's value and the best-so-far line, one panel per objective."""
    # better whole: one figure assembled trace by trace, in the order it is drawn
    go = go_module()
    objs = _data.objectives(record)
    hover = hover if hover is not None else hover_texts(record)
    fig = subplots(
        rows=len(objs),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=gap(len(objs), 0.08, 60 / max(360, 260 * len(objs))),
        subplot_titles=[esc(o.name) for o in objs] if len(objs) > 1 else None,
    )
    for i, o in enumerate(objs, start=1):
        data = _data.best_so_far(record.trials, o)
        fig.add_trace(
            go.Scatter(
                x=data["number"],
                y=data["value"],
                mode="markers",
                name="trial",
                marker={"color": BLUE, "size": 6, "opacity": 0.55},
                hovertext=texts(
                    hover if i == 1 else {},
                    data["number"],
                    [f"{esc(o.name)} = {fmt(v)}" for v in data["value"]],
                )
                if i == 1
                else [
                    f"trial {n}<br>{esc(o.name)} = {fmt(v)}"
                    for n, v in zip(data["number"], data["value"])
                ],
                hoverinfo="text",
                showlegend=i == 1,
                legendgroup="trial",
            ),
            row=i,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=data["number"],
                y=data["best"],
                mode="lines",
                name="best so far",
                line={"color": ORANGE, "width": 2.5, "shape": "hv"},
                showlegend=i == 1,
                legendgroup="best",
                hovertemplate="best so far: %{y:.6g}<extra></extra>",
            ),
            row=i,
            col=1,
        )
        if len(data) and len(objs) == 1:
            at = int((data["value"] * o.sign).to_numpy().argmin())
            n_best, v_best = int(data["number"].iloc[at]), float(data["value"].iloc[at])
            fig.add_trace(
                go.Scatter(
                    x=[n_best],
                    y=[v_best],
                    mode="markers",
                    name="best trial",
                    marker={
                        "symbol": "star",
                        "size": 15,
                        "color": ORANGE,
                        "line": {"color": "white", "width": 1},
                    },
                    hovertext=[texts(hover, [n_best], [f"{esc(o.name)} = {fmt(v_best)}"])[0]],
                    hoverinfo="text",
                ),
                row=i,
                col=1,
            )
        fig.update_yaxes(title_text=f"{esc(o.name)} ({o.goal[:3]})", row=i, col=1)
    fig.update_xaxes(title_text="trial", row=len(objs), col=1)
    title = "Value of every complete trial, and the best so far"
    return style(fig, title=title, height=max(360, 260 * len(objs)))


def importance_figure(imps: Sequence[_data.Importances]) -> Any | None:
    """Horizontal bars of fANOVA importances (one color per objective), or None."""
    go = go_module()
    usable = [(imp, imp.values) for imp in imps if imp.values]
    if not usable:
        return None
    order: list[str] = []
    for _, values in usable:
        order += [k for k in values if k not in order]
    fig = go.Figure()
    for i, (imp, values) in enumerate(usable):
        vals = [values.get(k, 0.0) for k in order]
        fig.add_trace(
            go.Bar(
                y=[esc(k) for k in order],
                x=vals,
                orientation="h",
                name=esc(imp.metric),
                marker={"color": PALETTE[i % len(PALETTE)]},
                text=[f"{v:.2f}" for v in vals],
                textposition="outside",
                hovertemplate="%{y}: %{x:.3f}<extra>" + esc(imp.metric) + "</extra>",
            )
        )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text="importance (fANOVA, sums to 1)", range=[0, 1.08])
    return style(
        fig,
        title="Parameter importances",
        legend=len(usable) > 1,
        height=max(260, 90 + 34 * len(order) * max(1, len(usable) // 2 + 1)),
    )


def slice_figure(
    record: SweepResult,
    *,
    objective: _data.Objective | None = None,
    params: Sequence[str] | None = None,
) -> Any | None:
    """One scatter per parameter: its value against the objective, colored by trial number."""
    # better whole: one figure assembled trace by trace, in the order it is drawn
    go = go_module()
    objective = objective or _data.objectives(record)[0]
    data = _data.slice_data(record.trials, objective, space=record.space, params=params)
    data = {k: v for k, v in data.items() if v["x"]}
    if not data:
        return None
    cols = min(3, len(data))
    rows = math.ceil(len(data) / cols)
    fig = subplots(
        rows=rows,
        cols=cols,
        horizontal_spacing=0.07,
        vertical_spacing=gap(rows, 0.16, 80 / max(320, 280 * rows)),
        subplot_titles=[esc(k) for k in data],
    )
    last = max((max(d["number"]) for d in data.values()), default=1) or 1
    for k, (name, d) in enumerate(data.items()):
        r, c = k // cols + 1, k % cols + 1
        x = [esc(v) for v in d["x"]] if d["categorical"] else d["x"]
        fig.add_trace(
            go.Scatter(
                x=x,
                y=d["y"],
                mode="markers",
                name=esc(name),
                showlegend=False,
                marker={
                    "color": d["number"],
                    "colorscale": "Blues",
                    "cmin": -0.2 * last,
                    "cmax": last,
                    "size": 6,
                    "opacity": 0.75,
                    "showscale": k == 0,
                    "colorbar": {
                        "title": {"text": "trial"},
                        "thickness": 10,
                        "len": 0.6,
                        "x": 1.01,
                    },
                },
                customdata=d["number"],
                hovertemplate="trial %{customdata}<br>%{x}<br>"
                + esc(objective.name)
                + " = %{y:.6g}<extra></extra>",
            ),
            row=r,
            col=c,
        )
        if d["log"]:
            fig.update_xaxes(type="log", row=r, col=c)
        if d["categorical"]:
            dim = _data.dimension(record.space, name)
            order = [esc(_data.label(v)) for v in dim.grid_values()] if dim is not None else None
            fig.update_xaxes(
                type="category",
                categoryorder="array" if order else "trace",
                categoryarray=order,
                row=r,
                col=c,
            )
        if c == 1:
            fig.update_yaxes(title_text=esc(objective.name), row=r, col=c)
    return style(
        fig,
        title=f"Slices: {esc(objective.name)} by parameter",
        legend=False,
        height=max(320, 280 * rows),
    )


def _gapped(curves: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Steps and values of several trials as one line each, split by NaN gaps (typed arrays)."""
    curves = curves.sort_values(["number", "step"], kind="stable")
    starts = np.flatnonzero(np.diff(curves["number"].to_numpy()) != 0) + 1
    xs = np.insert(curves["step"].to_numpy(dtype=np.float32), starts, np.nan)
    ys = np.insert(curves["value"].to_numpy(dtype=np.float32), starts, np.nan)
    return xs, ys


def learning_curves_figure(record: SweepResult) -> Any | None:
    """Intermediate values per trial; pruned trials in red with an x where they stopped."""
    go = go_module()
    curves = _data.learning_curves(record)
    if curves.empty:
        return None
    fig = go.Figure()
    for state, color, width, name in (
        ("COMPLETE", BLUE, 1.4, "complete"),
        ("PRUNED", RED, 1.0, "pruned"),
    ):
        part = curves[curves["state"] == state]
        if part.empty:
            continue
        xs, ys = _gapped(part)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name=name,
                line={"color": color, "width": width},
                opacity=0.55,
                hoverinfo="skip",
                connectgaps=False,
            )
        )
    other = curves[~curves["state"].isin(["COMPLETE", "PRUNED"])]
    if not other.empty:
        xs, ys = _gapped(other)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name="failed / running",
                line={"color": GREY, "width": 1},
                hoverinfo="skip",
            )
        )
    ends = curves.groupby("number", sort=True).tail(1)
    for state, symbol, color, name in (
        ("PRUNED", "x", RED, "pruned here"),
        ("COMPLETE", "circle", BLUE, "final step"),
    ):
        e = ends[ends["state"] == state]
        if e.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=e["step"],
                y=e["value"],
                mode="markers",
                name=name,
                marker={"symbol": symbol, "color": color, "size": 7 if state == "PRUNED" else 5},
                customdata=e["number"],
                hovertemplate="trial %{customdata}<br>step %{x}<br>value %{y:.6g}<extra>"
                + state.lower()
                + "</extra>",
            )
        )
    fig.update_xaxes(title_text="step")
    fig.update_yaxes(title_text="intermediate value")
    return style(fig, title="Learning curves (intermediate values)", height=380)


def comparison_history_figure(records: Sequence[SweepResult]) -> Any:
    """Best-so-far of each sweep's first objective; one panel per distinct metric.

    Sweeps optimizing the same metric share a panel, so their curves compare directly.
    """
    go = go_module()
    groups: list[tuple[str, str]] = []
    for rec in records:
        o = _data.objectives(rec)[0]
        if (o.name, o.goal) not in groups:
            groups.append((o.name, o.goal))
    fig = subplots(
        rows=len(groups),
        cols=1,
        vertical_spacing=gap(len(groups), 0.12, 80 / max(400, 300 * len(groups))),
        subplot_titles=[f"{esc(n)} ({g})" for n, g in groups] if len(groups) > 1 else None,
    )
    for i, rec in enumerate(records):
        o = _data.objectives(rec)[0]
        row = groups.index((o.name, o.goal)) + 1
        data = _data.best_so_far(rec.trials, o)
        color = PALETTE[i % len(PALETTE)]
        fig.add_trace(
            go.Scatter(
                x=data["number"],
                y=data["best"],
                mode="lines",
                name=esc(rec.name),
                legendgroup=f"s{i}",
                line={"color": color, "width": 2.5, "shape": "hv"},
                hovertemplate=esc(rec.name)
                + "<br>trial %{x}<br>best "
                + esc(o.name)
                + " %{y:.6g}<extra></extra>",
            ),
            row=row,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=data["number"],
                y=data["value"],
                mode="markers",
                name=esc(rec.name),
                legendgroup=f"s{i}",
                marker={"color": color, "size": 4, "opacity": 0.25},
                showlegend=False,
                hoverinfo="skip",
            ),
            row=row,
            col=1,
        )
    for row, (name, _goal) in enumerate(groups, start=1):
        fig.update_yaxes(title_text=f"best {esc(name)}", row=row, col=1)
    fig.update_xaxes(title_text="trial", row=len(groups), col=1)
    return style(fig, title="Best so far, all sweeps", height=max(400, 300 * len(groups)))
