"""The summary table printed at the end of a sweep."""

from __future__ import annotations

from typing import Any

__all__ = ["print_summary"]


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def print_summary(result: Any, *, top: int = 5) -> None:
    """Print counts, the best trials and where the outputs are."""
    from rich.console import Console
    from rich.table import Table

    from hpsearch.sweep._outputs import describe_counts, summary_frame

    console = Console(highlight=False)
    table = result.trials
    counts = describe_counts(table)
    console.print(
        f"\n[bold]{result.space.name}[/bold]: {len(table)} trials — "
        f"{counts['COMPLETE']} complete, {counts['PRUNED']} pruned, "
        f"{counts['FAILED']} failed"
    )
    best = summary_frame(table, list(result.space.metrics), top=top)
    if not best.empty:
        view = Table(title=f"best {min(top, len(best))} trials", title_justify="left")
        view.add_column("trial", justify="right", no_wrap=True)
        values = [c for c in best.columns if c == "value" or c.startswith("value_")]
        for col in values:
            name = result.space.metrics[0].name if col == "value" else col[len("value_") :]
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
    if result.best_params is not None:
        label = "Pareto front" if result.space.is_multi_objective else "best"
        console.print(f"{label}: {result.directory / 'best.yaml'}")
    console.print(f"trials: {result.directory / 'trials.csv'}")
    if (result.directory / "report.html").exists():
        console.print(f"report: {result.directory / 'report.html'}")
