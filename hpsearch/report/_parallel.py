"""Parallel coordinates over params and metrics, drawn with SVG line traces.

``go.Parcoords`` needs WebGL and ``eval`` (its regl shaders are compiled with ``Function``),
which the report's Content-Security-Policy forbids and headless or remote browsers often lack;
plain scatter lines work everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hpsearch.report import _data
from hpsearch.report._plotting import RED, esc, fmt, go_module, style

if TYPE_CHECKING:
    from hpsearch.storage import SweepResult

__all__ = ["parallel_figure"]


def _axis_ticks(d: dict[str, Any], lo: float, hi: float) -> list[tuple[float, str]]:
    if "tickvals" in d:
        return [
            (float(v), esc(t)) for v, t in zip(d["tickvals"], d["ticktext"]) if lo <= float(v) <= hi
        ]
    if hi == lo:
        return [(lo, fmt(lo))]
    return [(float(v), f"{float(v):.3g}") for v in np.linspace(lo, hi, 5)]


def _axis_decor(
    j: int, d: dict[str, Any], lo: float, hi: float, *, is_metric: bool
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The vertical line of axis ``j`` and its annotations: title, ticks, "inactive" row."""
    span = hi - lo
    line = {
        "type": "line",
        "x0": j,
        "x1": j,
        "y0": 0,
        "y1": 1,
        "line": {"color": "#334155" if is_metric else "#94a3b8", "width": 1.5},
    }
    tick = {"showarrow": False, "xanchor": "right", "xshift": -4, "x": j}
    notes: list[dict[str, Any]] = [
        {
            "x": j,
            "y": 1.06,
            "text": f"<b>{esc(d['label'])}</b>",
            "showarrow": False,
            "font": {"size": 12},
            "yanchor": "bottom",
        }
    ]
    for value, text in _axis_ticks(d, lo, hi):
        y = (value - lo) / span if span else 0.5
        notes.append({**tick, "y": y, "text": text, "font": {"size": 10, "color": "#475569"}})
    if not np.isfinite(np.asarray(d["values"], dtype=float)).all():
        notes.append(
            {
                **tick,
                "y": -0.12,
                "text": "<i>inactive</i>",
                "font": {"size": 10, "color": "#94a3b8"},
            }
        )
    return line, notes


def _axis_range(d: dict[str, Any], finite: np.ndarray) -> tuple[float, float]:
    lo = float(d["tickvals"][0]) if "tickvals" in d else float(finite.min())
    hi = float(d["tickvals"][-1]) if "tickvals" in d else float(finite.max())
    if "tickvals" in d and finite.size:
        lo, hi = min(lo, float(finite.min())), max(hi, float(finite.max()))
    return lo, hi


def _shown(d: dict[str, Any], v: float) -> str:
    """How one trial's value on axis ``d`` reads in the hover text."""
    shown = list(d.get("ticktext", []))
    if not np.isfinite(v):
        return "inactive"
    if shown and float(v).is_integer() and 0 <= int(v) < len(shown):
        return esc(shown[int(v)])
    if "ticktext" in d:  # log axis: show the original value
        return fmt(float(10**v))
    return fmt(float(v))


def _band_trace(
    go: Any, rows: np.ndarray, ys: np.ndarray, texts: list[list[str]], name: str, color: str
) -> Any:
    """One legend entry: the lines of every trial in one color band (gaps between trials)."""
    x = list(range(ys.shape[1]))
    xs: list[Any] = []
    yv: list[Any] = []
    tv: list[Any] = []
    for i in rows.tolist():
        xs += [*x, None]
        yv += [*ys[i].tolist(), None]
        tv += [*texts[i], ""]
    return go.Scatter(
        x=xs,
        y=yv,
        mode="lines",
        hovertext=tv,
        hoverinfo="text",
        line={"color": color, "width": 1.2},
        opacity=0.55,
        name=name,
    )


def parallel_figure(
    record: SweepResult, *, bins: int = 8, params: Sequence[str] | None = None
) -> Any | None:
    """Parallel coordinates over varying params and the metrics, colored by the first metric.

    Drawn with plain SVG line traces rather than ``go.Parcoords``: parcoords needs WebGL and
    ``eval`` (forbidden by the report's Content-Security-Policy). Trials are grouped into
    ``bins`` color bands of the first metric (click a band in the legend to hide it); inactive
    parameters sit on an "inactive" row below their axis; the best trial is drawn in red.
    ``params`` picks (and orders) the parameter axes.
    """
    # better whole: axes, then bands, then the best trial, in the order they are drawn
    from plotly.colors import sample_colorscale

    go = go_module()
    objs = _data.objectives(record)
    first = objs[0]
    dims = _data.parallel_dimensions(record.trials, objs, space=record.space, params=params)
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
        lo, hi = _axis_range(d, vals[np.isfinite(vals)])
        span = hi - lo
        ys[:, j] = np.where(np.isfinite(vals), (vals - lo) / span if span else 0.5, -0.12)
        line, notes = _axis_decor(j, d, lo, hi, is_metric=j >= len(dims) - len(objs))
        shapes.append(line)
        annotations += notes
        for i in range(n):
            texts[i][j] = f"trial {numbers[i]}<br>{esc(d['label'])} = {_shown(d, vals[i])}"
    score = done[first.column].to_numpy(dtype=float)
    good = -score * first.sign  # larger is better
    g_lo, g_hi = float(good.min()), float(good.max())
    rank = (good - g_lo) / (g_hi - g_lo) if g_hi > g_lo else np.ones(n)
    band = np.minimum((rank * bins).astype(int), bins - 1)
    colors = sample_colorscale("Viridis", [(b + 0.5) / bins for b in range(bins)])
    fig = go.Figure()
    for b in range(bins):
        rows = np.flatnonzero(band == b)
        if rows.size:
            lo_v, hi_v = float(np.min(score[rows])), float(np.max(score[rows]))
            name = f"{esc(first.name)} {fmt(lo_v)} to {fmt(hi_v)}"
            fig.add_trace(_band_trace(go, rows, ys, texts, name, colors[b]))
    best = int(np.argmax(good))
    fig.add_trace(
        go.Scatter(
            x=list(range(len(dims))),
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
    fig = style(fig, title="Parallel coordinates (better trials in brighter colors)", height=460)
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
