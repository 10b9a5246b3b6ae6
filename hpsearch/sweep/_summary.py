"""The summary table printed at the end of a sweep."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from hpsearch.storage import SweepDirectory, SweepResult, describe_counts, summary_frame

__all__ = ["print_summary"]


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def print_summary(result: SweepResult, *, top: int = 5) -> None:
    """Print counts, the best trials and where the outputs are."""
    console = Console(highlight=False)
    table = result.trials
    counts = describe_counts(table)
    console.print(
        f"\n[bold]{result.name}[/bold]: {len(table)} trials — "
        f"{counts['COMPLETE']} complete, {counts['PRUNED']} pruned, "
        f"{counts['FAILED']} failed"
    )
    best = summary_frame(table, result.metrics, top=top)
    if not best.empty:
        view = Table(title=f"best {min(top, len(best))} trials", title_justify="left")
        view.add_column("trial", justify="right", no_wrap=True)
        values = [c for c in best.columns if c == "value" or c.startswith("value_")]
        for col in values:
            name = result.metrics[0].name if col == "value" else col[len("value_") :]
            view.add_column(name, justify="right", no_wrap=True)
        view.add_column("seconds", justify="right", no_wrap=True)
        view.add_column("params", ratio=1)
        params = [c for c in best.columns if c.startswith("param_")]
        for _, row in best.iterrows():
            shown = ", ".join(
                f"{c[len('param_') :]}={_fmt(row[c])}" for c in params if _fmt(row[c]) != ""
            )
            view.add_row(
                str(row["number"]), *(_fmt(row[c]) for c in values), _fmt(row["duration_s"]), shown
            )
        console.print(view)
    if result.directory is None:
        return
    sweep = SweepDirectory(result.directory)
    if result.best_params is not None:
        label = "Pareto front" if len(result.metrics) > 1 else "best"
        console.print(f"{label}: {sweep.best_file}", soft_wrap=True)
    console.print(f"trials: {sweep.trials_file}", soft_wrap=True)
    if sweep.report_file.exists():
        console.print(f"report: {sweep.report_file}", soft_wrap=True)
