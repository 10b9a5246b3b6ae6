"""Reports: one self-contained HTML file from one or several sweeps.

Figure data comes from pure functions over the trial table (:mod:`hpsearch.report._data`),
drawing is separate (:mod:`hpsearch.report._figures`), and :mod:`hpsearch.report._html` puts it
all in one offline page with a strict Content-Security-Policy.

Example:
    >>> from hpsearch.report import write_report
    >>> write_report([record], "report.html")  # doctest: +SKIP
    PosixPath('report.html')
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hpsearch.report._data import (
    Importances,
    Objective,
    Summary,
    best_so_far,
    comparison_table,
    hypervolume,
    hypervolume_history,
    learning_curves,
    objectives,
    param_importances,
    pareto_front,
    pareto_mask,
    slice_data,
    summarize,
)
from hpsearch.report._html import render

__all__ = [
    "Importances",
    "Objective",
    "Summary",
    "best_so_far",
    "build_report",
    "comparison_table",
    "hypervolume",
    "hypervolume_history",
    "learning_curves",
    "objectives",
    "param_importances",
    "pareto_front",
    "pareto_mask",
    "slice_data",
    "summarize",
    "write_report",
]


def _check(records: Sequence[Any]) -> list[Any]:
    records = list(records)
    if not records:
        raise ValueError("a report needs at least one sweep record, got none")
    return records


def build_report(records: Sequence[Any]) -> str:
    """The HTML text of a report over one or several :class:`hpsearch.storage.SweepResult`.

    With several records the page opens with a comparison section (best-so-far curves on one
    plot, a table of best and median metric per sweep, best configs side by side).

    Example:
        >>> html = build_report([record])  # doctest: +SKIP
        >>> html.startswith("<!DOCTYPE html>")  # doctest: +SKIP
        True
    """
    text, _ = render(_check(records))
    return text


def write_report(records: Sequence[Any], path: str | Path, *, images: bool = False) -> Path:
    """Write the report to ``path`` (parents created); returns the path.

    With ``images=True`` each figure is also saved as ``<stem>_<figure>.png`` next to it, via
    kaleido; where kaleido is not installed the images are skipped with a warning.

    Example:
        >>> write_report([record], "out/report.html", images=True)  # doctest: +SKIP
        PosixPath('out/report.html')
    """
    path = Path(path)
    text, figures = render(_check(records))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    if images:
        _write_images(figures, path)
    return path


def _write_images(figures: dict[str, Any], path: Path) -> list[Path]:
    try:
        import kaleido  # noqa: F401
    except ImportError:
        warnings.warn(
            "static images skipped: kaleido is not installed (pip install kaleido)",
            RuntimeWarning,
            stacklevel=3,
        )
        return []
    written = []
    for key, fig in figures.items():
        out = path.with_name(f"{path.stem}_{key}.png")
        try:
            fig.write_image(str(out))
        except Exception as err:  # kaleido needs a browser of its own; never lose the report
            warnings.warn(f"static image {out.name} skipped: {err}", RuntimeWarning, stacklevel=3)
            continue
        written.append(out)
    return written
