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
        for col in best.columns:
            name = col.removeprefix("param_").replace("duration_s", "seconds")
            if col == "value":
                name = result.space.metrics[0].name
            name = name.removeprefix("value_")
            view.add_column(name, justify="right", overflow="fold")
        for _, row in best.iterrows():
            view.add_row(*(_fmt(v) for v in row.tolist()))
        console.print(view)
    if result.best_params is not None:
        label = "Pareto front" if result.space.is_multi_objective else "best"
        console.print(f"{label}: {result.directory / 'best.yaml'}")
    console.print(f"trials: {result.directory / 'trials.csv'}")
    if (result.directory / "report.html").exists():
        console.print(f"report: {result.directory / 'report.html'}")
