"""Plotly figures drawn from the data in :mod:`hpsearch.report._data`.

Every string that came from a user or a trial (parameter names and values, metric and sweep
names) is HTML-escaped before it goes into a figure: plotly.js renders its text as a small HTML
subset, and decodes the entities back, so the reader sees the literal text and nothing runs.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from hpsearch.report import _data

__all__ = [
    "comparison_history_figure",
    "history_figure",
    "hypervolume_figure",
    "importance_figure",
    "learning_curves_figure",
    "parallel_figure",
    "pareto_figure",
    "slice_figure",
]

BLUE = "#2563eb"
ORANGE = "#ea580c"
GREEN = "#16a34a"
RED = "#dc2626"
GREY = "#94a3b8"
PALETTE = [
    "#2563eb",
    "#ea580c",
    "#16a34a",
    "#9333ea",
    "#dc2626",
    "#0891b2",
    "#ca8a04",
    "#db2777",
    "#4b5563",
    "#65a30d",
]
FONT = "Inter, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif"
MAX_HOVER_PARAMS = 12


def esc(value: Any) -> str:
    """``html.escape`` of the value's text (quotes included)."""
    return html.escape(value if isinstance(value, str) else str(value), quote=True)


def _go() -> Any:
    import plotly.graph_objects as go

    return go


def _subplots(**kwargs: Any) -> Any:
    from plotly.subplots import make_subplots

    return make_subplots(**kwargs)


def _style(fig: Any, *, title: str, height: int = 380, legend: bool = True) -> Any:
    fig.update_layout(
        template="plotly_white",
        title={"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 15}},
        font={"family": FONT, "size": 12, "color": "#1f2937"},
        height=height,
        margin={"l": 60, "r": 24, "t": 56, "b": 48},
        showlegend=legend,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "right", "x": 1},
        hoverlabel={"font": {"family": FONT}, "align": "left"},
    )
    return fig


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:.6g}"
    return str(value)


def hover_texts(record: Any) -> dict[int, str]:
    """Per trial number, an escaped hover text: the trial and its (first 12) active params."""
    t = record.trials
    names = _data.param_names(t)
    columns = {name: t[f"param_{name}"].tolist() for name in names}
    out: dict[int, str] = {}
    for i, number in enumerate(t["number"].astype(int).tolist()):
        lines = [f"<b>trial {number}</b>"]
        active = [(n, columns[n][i]) for n in names if not _data.is_missing(columns[n][i])]
        for name, value in active[:MAX_HOVER_PARAMS]:
            lines.append(f"{esc(name)} = {esc(_fmt(value))}")
        if len(active) > MAX_HOVER_PARAMS:
            lines.append(f"… {len(active) - MAX_HOVER_PARAMS} more")
        out[number] = "<br>".join(lines)
    return out


def _texts(hover: dict[int, str], numbers: Sequence[int], extra: Sequence[str] = ()) -> list[str]:
    if extra:
        return [f"{hover.get(int(n), '')}<br>{e}" for n, e in zip(numbers, extra)]
    return [hover.get(int(n), "") for n in numbers]


def history_figure(record: Any, *, hover: dict[int, str] | None = None) -> Any:
    """Every complete trial's value and the best-so-far line, one panel per objective."""
    go = _go()
    objs = _data.objectives(record)
    hover = hover if hover is not None else hover_texts(record)
    fig = _subplots(
        rows=len(objs),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
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
                hovertext=_texts(
                    hover if i == 1 else {},
                    data["number"],
                    [f"{esc(o.name)} = {_fmt(v)}" for v in data["value"]],
                )
                if i == 1
                else [
                    f"trial {n}<br>{esc(o.name)} = {_fmt(v)}"
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
                    hovertext=[_texts(hover, [n_best], [f"{esc(o.name)} = {_fmt(v_best)}"])[0]],
                    hoverinfo="text",
                ),
                row=i,
                col=1,
            )
        fig.update_yaxes(title_text=f"{esc(o.name)} ({o.goal[:3]})", row=i, col=1)
    fig.update_xaxes(title_text="trial", row=len(objs), col=1)
    title = "Value of every complete trial, and the best so far"
    return _style(fig, title=title, height=max(360, 260 * len(objs)))


def pareto_figure(record: Any, *, hover: dict[int, str] | None = None) -> Any:
    """Pareto front scatter (pairwise for three or more objectives), dominated points dimmed."""
    go = _go()
    objs = _data.objectives(record)
    if len(objs) < 2:
        raise ValueError("a Pareto plot needs two or more objectives")
    hover = hover if hover is not None else hover_texts(record)
    data = _data.pareto_front(record.trials, objs)
    pairs = list(combinations(range(len(objs)), 2))
    cols = min(3, len(pairs))
    rows = math.ceil(len(pairs) / cols)
    fig = _subplots(rows=rows, cols=cols, horizontal_spacing=0.09, vertical_spacing=0.14)
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
                f"{esc(oa.name)} = {_fmt(x)}<br>{esc(ob.name)} = {_fmt(y)}"
                for x, y in zip(part[oa.column], part[ob.column])
            ]
            fig.add_trace(
                go.Scatter(
                    x=part[oa.column].astype(float),
                    y=part[ob.column].astype(float),
                    mode="markers",
                    name=name,
                    marker=marker,
                    hovertext=_texts(hover, part["number"], extra),
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
    return _style(fig, title=title, height=max(400, 340 * rows))


def hypervolume_figure(record: Any) -> Any:
    """Hypervolume of the front after each complete trial (reference: worst values seen)."""
    go = _go()
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
    return _style(
        fig,
        title="Hypervolume over trials (reference: worst value of each metric)",
        legend=False,
        height=320,
    )


def _axis_ticks(d: dict[str, Any], lo: float, hi: float) -> list[tuple[float, str]]:
    if "tickvals" in d:
        return [
            (float(v), esc(t)) for v, t in zip(d["tickvals"], d["ticktext"]) if lo <= float(v) <= hi
        ]
    if hi == lo:
        return [(lo, _fmt(lo))]
    return [(float(v), f"{float(v):.3g}") for v in np.linspace(lo, hi, 5)]


def parallel_figure(record: Any, *, bins: int = 8) -> Any | None:
    """Parallel coordinates over varying params and the metrics, colored by the first metric.

    Drawn with plain SVG line traces rather than ``go.Parcoords``: parcoords needs WebGL and
    ``eval`` (forbidden by the report's Content-Security-Policy). Trials are grouped into
    ``bins`` color bands of the first metric (click a band in the legend to hide it); inactive
    parameters sit on an "inactive" row below their axis; the best trial is drawn in red.
    """
    from plotly.colors import sample_colorscale

    go = _go()
    objs = _data.objectives(record)
    first = objs[0]
    dims = _data.parallel_dimensions(record.trials, objs, space=record.space)
    done = _data.complete_trials(record.trials, objs)
    if len(dims) < 2 or done.empty:
        return None
    n = len(done)
    numbers = done["number"].astype(int).to_numpy()
    ys = np.full((n, len(dims)), np.nan)
    texts: list[list[str]] = [[""] * len(dims) for _ in range(n)]
    annotations: list[dict[str, Any]] = []
    shapes: list[dict[str, Any]] = []
    for j, d in enumerate(dims):
        vals = np.asarray(d["values"], dtype=float)
        finite = vals[np.isfinite(vals)]
        lo = float(d["tickvals"][0]) if "tickvals" in d else float(finite.min())
        hi = float(d["tickvals"][-1]) if "tickvals" in d else float(finite.max())
        if "tickvals" in d and finite.size:
            lo, hi = min(lo, float(finite.min())), max(hi, float(finite.max()))
        span = hi - lo
        ys[:, j] = np.where(np.isfinite(vals), (vals - lo) / span if span else 0.5, -0.12)
        label = esc(d["label"])
        is_metric = j >= len(dims) - len(objs)
        shapes.append(
            {
                "type": "line",
                "x0": j,
                "x1": j,
                "y0": 0,
                "y1": 1,
                "line": {"color": "#334155" if is_metric else "#94a3b8", "width": 1.5},
            }
        )
        annotations.append(
            {
                "x": j,
                "y": 1.06,
                "text": f"<b>{label}</b>",
                "showarrow": False,
                "font": {"size": 12},
                "yanchor": "bottom",
            }
        )
        for value, text in _axis_ticks(d, lo, hi):
            y = (value - lo) / span if span else 0.5
            annotations.append(
                {
                    "x": j,
                    "y": y,
                    "text": text,
                    "showarrow": False,
                    "xanchor": "right",
                    "xshift": -4,
                    "font": {"size": 10, "color": "#475569"},
                }
            )
        if not np.isfinite(vals).all():
            annotations.append(
                {
                    "x": j,
                    "y": -0.12,
                    "text": "<i>inactive</i>",
                    "showarrow": False,
                    "xanchor": "right",
                    "xshift": -4,
                    "font": {"size": 10, "color": "#94a3b8"},
                }
            )
        shown = [t for t in d.get("ticktext", [])]
        for i in range(n):
            v = vals[i]
            if not np.isfinite(v):
                shown_value = "inactive"
            elif shown and float(v).is_integer() and 0 <= int(v) < len(shown):
                shown_value = esc(shown[int(v)])
            elif "ticktext" in d:  # log axis: show the original value
                shown_value = _fmt(float(10**v))
            else:
                shown_value = _fmt(float(v))
            texts[i][j] = f"trial {numbers[i]}<br>{label} = {shown_value}"
    score = done[first.column].to_numpy(dtype=float)
    good = -score * first.sign  # larger is better
    g_lo, g_hi = float(good.min()), float(good.max())
    rank = (good - g_lo) / (g_hi - g_lo) if g_hi > g_lo else np.ones(n)
    band = np.minimum((rank * bins).astype(int), bins - 1)
    colors = sample_colorscale("Viridis", [(b + 0.5) / bins for b in range(bins)])
    x = list(range(len(dims)))
    fig = go.Figure()
    for b in range(bins):
        rows = np.flatnonzero(band == b)
        if rows.size == 0:
            continue
        xs: list[Any] = []
        yv: list[Any] = []
        tv: list[Any] = []
        for i in rows:
            xs += [*x, None]
            yv += [*ys[i].tolist(), None]
            tv += [*texts[i], ""]
        lo_v = np.min(score[rows])
        hi_v = np.max(score[rows])
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=yv,
                mode="lines",
                hovertext=tv,
                hoverinfo="text",
                line={"color": colors[b], "width": 1.2},
                opacity=0.55,
                name=f"{esc(first.name)} {_fmt(float(lo_v))} to {_fmt(float(hi_v))}",
            )
        )
    best = int(np.argmax(good))
    fig.add_trace(
        go.Scatter(
            x=x,
            y=ys[best].tolist(),
            mode="lines+markers",
            hovertext=texts[best],
            hoverinfo="text",
            line={"color": RED, "width": 3},
            marker={"size": 7},
            name=f"best trial #{numbers[best]}",
        )
    )
    fig.update_xaxes(visible=False, range=[-0.45, len(dims) - 0.7])
    fig.update_yaxes(visible=False, range=[-0.2, 1.16])
    fig.update_layout(shapes=shapes, annotations=annotations, hovermode="closest")
    fig = _style(fig, title="Parallel coordinates (better trials in brighter colors)", height=460)
    fig.update_layout(
        legend={
            "orientation": "v",
            "x": 1.08,
            "y": 1,
            "xanchor": "left",
            "yanchor": "top",
            "font": {"size": 11},
        },
        margin={"l": 40, "r": 24, "t": 56, "b": 20},
    )
    return fig


def importance_figure(imps: Sequence[_data.Importances]) -> Any | None:
    """Horizontal bars of fANOVA importances (one color per objective), or None."""
    go = _go()
    usable = [imp for imp in imps if imp.values]
    if not usable:
        return None
    order = list(usable[0].values)
    for imp in usable[1:]:
        order += [k for k in imp.values if k not in order]
    fig = go.Figure()
    for i, imp in enumerate(usable):
        vals = [imp.values.get(k, 0.0) for k in order]
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
    return _style(
        fig,
        title="Parameter importances",
        legend=len(usable) > 1,
        height=max(260, 90 + 34 * len(order) * max(1, len(usable) // 2 + 1)),
    )


def slice_figure(record: Any, *, objective: _data.Objective | None = None) -> Any | None:
    """One scatter per parameter: its value against the objective, colored by trial number."""
    go = _go()
    objective = objective or _data.objectives(record)[0]
    data = _data.slice_data(record.trials, objective, space=record.space)
    data = {k: v for k, v in data.items() if v["x"]}
    if not data:
        return None
    cols = min(3, len(data))
    rows = math.ceil(len(data) / cols)
    fig = _subplots(
        rows=rows,
        cols=cols,
        horizontal_spacing=0.07,
        vertical_spacing=0.16,
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
    return _style(
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


def learning_curves_figure(record: Any) -> Any | None:
    """Intermediate values per trial; pruned trials in red with an x where they stopped."""
    go = _go()
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
    return _style(fig, title="Learning curves (intermediate values)", height=380)


def comparison_history_figure(records: Sequence[Any]) -> Any:
    """Best-so-far of each sweep's first objective; one panel per distinct metric.

    Sweeps optimizing the same metric share a panel, so their curves compare directly.
    """
    go = _go()
    groups: list[tuple[str, str]] = []
    for rec in records:
        o = _data.objectives(rec)[0]
        if (o.name, o.goal) not in groups:
            groups.append((o.name, o.goal))
    fig = _subplots(
        rows=len(groups),
        cols=1,
        vertical_spacing=0.12 if len(groups) > 1 else 0.05,
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
    return _style(fig, title="Best so far, all sweeps", height=max(400, 300 * len(groups)))
