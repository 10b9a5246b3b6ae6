"""Markdown tables for the multi-fidelity benchmark (written into ``benchmarks/RESULTS.md``).

Example:
    >>> _cell(12.345), _cell(float("nan"))
    ('12.3', 'n/a')
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

__all__ = ["render"]


def _cell(x: float, digits: int = 1) -> str:
    return f"{x:.{digits}f}" if isinstance(x, (int, float)) and math.isfinite(x) else "n/a"


def _mean(xs: Sequence[float]) -> float:
    xs = [x for x in xs if isinstance(x, (int, float)) and math.isfinite(x)]
    return sum(xs) / len(xs) if xs else math.nan


def _split_table(
    summary: Mapping[str, Any],
    tasks: Sequence[str],
    axis: str,
    methods: Sequence[str],
    fractions: Sequence[float],
) -> list[str]:
    scores = summary["scores"]
    present = [t for t in tasks if t in scores]
    head = "| method | " + " | ".join(f"{f:g} of budget" for f in fractions) + " |"
    lines = [head, "|---" * (len(fractions) + 1) + "|"]
    rows = []
    for m in methods:
        means = [
            _mean([scores[t].get(m, {}).get(axis, [math.nan] * 4)[i] for t in present])
            for i in range(len(fractions))
        ]
        rows.append((m, means))
    firsts = [
        max((r[1][i] for r in rows if math.isfinite(r[1][i])), default=math.nan)
        for i in range(len(fractions))
    ]
    for m, means in rows:
        cells = [
            (f"**{_cell(v)}**" if math.isfinite(v) and v == firsts[i] else _cell(v))
            for i, v in enumerate(means)
        ]
        lines.append(f"| `{m}` | " + " | ".join(cells) + " |")
    return lines


def _task_table(summary: Mapping[str, Any], methods: Sequence[str]) -> list[str]:
    scores = summary["scores"]
    tasks = [t for t in summary["tasks"] if t in scores]
    lines = ["| method | " + " | ".join(tasks) + " |", "|---" * (len(tasks) + 1) + "|"]
    for m in methods:
        cells = []
        for t in tasks:
            s = scores[t].get(m, {}).get("units")
            cells.append("n/a" if not s else " / ".join(_cell(x, 0) for x in s))
        lines.append(f"| `{m}` | " + " | ".join(cells) + " |")
    return lines


def _ratio_table(summary: Mapping[str, Any], methods: Sequence[str]) -> list[str]:
    ratios = summary["ratios"]
    if not ratios:
        return []
    tasks = list(ratios)
    lines = [
        "| method | " + " | ".join(f"{t}: epochs / seconds (seeds reached)" for t in tasks) + " |",
        "|---" * (len(tasks) + 1) + "|",
    ]
    for m in methods:
        cells = []
        for t in tasks:
            r = ratios[t].get(m)
            cells.append(
                "n/a"
                if not r
                else f"{_cell(r['units'], 2)} / {_cell(r['seconds'], 2)}"
                f" ({r['reached']}/{r['seeds']})"
            )
        lines.append(f"| `{m}` | " + " | ".join(cells) + " |")
    return lines


def render(
    tier: Any,
    summary: Mapping[str, Any],
    runs: Sequence[Mapping[str, Any]],
    *,
    wall: float,
    jobs: int,
    dev: Sequence[str],
    test: Sequence[str],
    errors: Sequence[tuple[str, str]],
    when: datetime,
) -> str:
    """The whole results section."""
    from benchmarks.mf.runner import FRACTIONS, get_task

    methods = [m for m in tier.methods if any(r["method"] == m for r in runs)]
    out = [
        f"_`python -m benchmarks.mf --tier {tier.name} --jobs {jobs}`, "
        f"{when.strftime('%Y-%m-%d %H:%M UTC')}, {wall / 60:.1f} min on {jobs} process(es) "
        f"at nice 10; {tier.workers} simulated asynchronous workers per run._",
        "",
        "Scores: the incumbent (best validation value of any model trained so far) at 1/8, "
        "1/4, 1/2 and all of each run's budget, normalized per task (0 = random search with "
        "full training at that point, 100 = the best value any run reached) and averaged over "
        "seeds, then tasks. Budgets count resource units (epochs, boosting rounds); the "
        "seconds table uses the simulated clock of the same runs (synthetic: per-unit cost of "
        "each configuration; real tasks: measured CPU seconds of each epoch).",
        "",
        "| task | split | searched | resource | budget (full trainings) | seeds | about |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in tier.seeds:
        task = get_task(name)
        split = "dev" if name in dev else "test"
        out.append(
            f"| {name} | {split} | {len(task.space.searched)} | {task.min_resource}.."
            f"{task.max_resource} | {tier.budgets[name]} | {tier.seeds[name]} | {task.note} |"
        )
    for split, names in (("test", test), ("dev", dev)):
        present = [t for t in names if t in summary["scores"]]
        if not present:
            continue
        for axis, label in (("units", "resource units"), ("seconds", "simulated seconds")):
            out += ["", f"**{split} tasks ({', '.join(present)}), budget in {label}:**", ""]
            out += _split_table(summary, present, axis, methods, FRACTIONS)
    out += ["", "Per task (resource units; scores at 1/8 / 1/4 / 1/2 / all of the budget):", ""]
    out += _task_table(summary, methods)
    ratio = _ratio_table(summary, methods)
    if ratio:
        out += [
            "",
            "Compute to reach the best validation accuracy that random search with full "
            "training reached in its run, as a fraction of the compute it needed (summed over "
            "seeds; a run that never reached it is charged its whole budget; target <= 0.33):",
            "",
            *ratio,
        ]
    if errors:
        out += ["", "Not run or failed: " + "; ".join(f"`{m}`: {e}" for m, e in errors) + "."]
    return "\n".join(out)
