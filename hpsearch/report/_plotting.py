"""Shared plotting helpers: colors, layout style, escaping and hover texts.

Every string that came from a user or a trial (parameter names and values, metric and sweep
names) is HTML-escaped before it goes into a figure: plotly.js renders its text as a small HTML
subset, and decodes the entities back, so the reader sees the literal text and nothing runs.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from hpsearch.report import _data

if TYPE_CHECKING:
    from hpsearch.storage import SweepResult

__all__ = ["esc", "fmt", "gap", "go_module", "hover_texts", "style", "subplots", "texts"]

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
    """``html.escape`` of the value's text for plotly's text renderer.

    Quotes stay as they are: plotly.js decodes ``&lt;``, ``&gt;``, ``&amp;`` and numeric
    entities but shows ``&quot;`` literally, and with ``<`` escaped no tag (so no attribute)
    can form in the first place.
    """
    return html.escape(value if isinstance(value, str) else str(value), quote=False)


def go_module() -> Any:
    """``plotly.graph_objects``, imported on first use."""
    import plotly.graph_objects as go

    return go


def subplots(**kwargs: Any) -> Any:
    """``plotly.subplots.make_subplots``, imported on first use."""
    from plotly.subplots import make_subplots

    return make_subplots(**kwargs)


def gap(rows: int, preferred: float, fraction: float) -> float:
    """Vertical subplot spacing: ``preferred``, or less when many rows make it too tall.

    ``fraction`` is the wanted gap in pixels over the figure height; plotly needs the result
    below ``1 / (rows - 1)``.
    """
    if rows <= 1:
        return preferred
    return min(preferred, fraction, 0.9 / (rows - 1))


def style(fig: Any, *, title: str, height: int = 380, legend: bool = True) -> Any:
    """The house look: white template, left title, horizontal legend on top."""
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


def fmt(value: Any) -> str:
    """Six significant digits for floats, empty for NaN, ``str`` for the rest."""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:.6g}"
    return str(value)


def hover_texts(record: SweepResult) -> dict[int, str]:
    """Per trial number, an escaped hover text: the trial and its (first 12) active params."""
    t = record.trials
    names = _data.param_names(t)
    columns = {name: t[f"param_{name}"].tolist() for name in names}
    out: dict[int, str] = {}
    for i, number in enumerate(t["number"].astype(int).tolist()):
        lines = [f"<b>trial {number}</b>"]
        active = [(n, columns[n][i]) for n in names if not _data.is_missing(columns[n][i])]
        for name, value in active[:MAX_HOVER_PARAMS]:
            lines.append(f"{esc(name)} = {esc(fmt(value))}")
        if len(active) > MAX_HOVER_PARAMS:
            lines.append(f"… {len(active) - MAX_HOVER_PARAMS} more")
        out[number] = "<br>".join(lines)
    return out


def texts(hover: dict[int, str], numbers: Sequence[int], extra: Sequence[str] = ()) -> list[str]:
    """Hover texts for ``numbers``, each followed by its ``extra`` line when given."""
    if extra:
        return [f"{hover.get(int(n), '')}<br>{e}" for n, e in zip(numbers, extra)]
    return [hover.get(int(n), "") for n in numbers]
