"""Markdown for ``benchmarks/RESULTS.md``: the search-quality section, written between markers.

Only the text between ``<!-- quality:start -->`` and ``<!-- quality:end -->`` is rewritten;
other engineers' sections (and hand-written notes outside the markers) are kept.

Example:
    >>> replace_block("# R\\n", "quality", "body").splitlines()[-3:]
    ['<!-- quality:start -->', 'body', '<!-- quality:end -->']
"""

from __future__ import annotations

import math
import os
import platform
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchmarks.quality.methods import NOTES, RANDOM_BASELINE
from benchmarks.quality.problems import PROBLEMS, SPLIT

__all__ = ["machine", "render", "replace_block", "write_section"]

HEADER = (
    "# Benchmark results\n\nWritten by `python -m benchmarks`; each section says how it was made.\n"
)


def machine() -> dict[str, Any]:
    """Where the numbers were measured."""
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
    }


def _fmt(mean: float, se: float | None = None) -> str:
    if not math.isfinite(mean):
        return "n/a"
    if se is None or not math.isfinite(se):
        return f"{mean:.1f}"
    return f"{mean:.1f} ± {se:.1f}"


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def bayes_verdict(summary: Mapping[str, Any], method: str = "hpsearch:bayes") -> str:
    """One sentence per budget: where ``method`` ranks and its gap to the best other method,
    with both standard errors."""
    parts = []
    for budget, s in summary.items():
        ranking = s["ranking"]
        mine = [r for r in ranking if r[1] == method]
        if not mine or not math.isfinite(mine[0][2]):
            continue
        place, _, score = mine[0]
        se = s["suite"][method][1]
        other = next((r for r in ranking if r[1] != method), None)
        if other is None:
            continue
        other_se = s["suite"][other[1]][1]
        where = "**1st**" if place == 1 else f"**{_ordinal(place)}**"
        gap = score - other[2]
        parts.append(
            f"{where} at {budget} ({_fmt(score, se)}; "
            f"{'ahead of' if gap >= 0 else 'behind'} `{other[1]}` {_fmt(other[2], other_se)} "
            f"by {abs(gap):.1f})"
        )
    return f"`{method}` ranks " + "; ".join(parts) + "." if parts else ""


def _bayes_choice(problem: str, budget: int, workers: int = 1) -> str:
    try:
        import hpsearch
        from hpsearch.strategies import choose_bayes

        space = hpsearch.load_space(PROBLEMS[problem].space_dict)
        return choose_bayes(space, budget, workers=workers)
    except Exception:  # the report still renders without it
        return "?"


def _suite_table(summary: Mapping[str, Any], budgets: Sequence[int], timed: Any) -> list[str]:
    """Methods ranked by score at the largest budget: score, mean rank (and equal-time score)."""
    last = summary[str(max(budgets))]
    header = ["rank", "method"] + [f"score @{b}" for b in budgets]
    header += [f"mean rank @{b}" for b in budgets]
    if timed:
        header += [f"score @time of {b}" for b in budgets]
    lines = [_row(header), _row(["---"] * len(header))]
    for place, method, _ in last["ranking"]:
        cells = [str(place), f"`{method}`"]
        cells += [_fmt(*summary[str(b)]["suite"][method]) for b in budgets]
        cells += [f"{summary[str(b)]['mean_rank'].get(method, math.nan):.2f}" for b in budgets]
        if timed:
            cells += [
                _fmt(*timed[str(b)]["suite"].get(method, [math.nan, math.nan])) for b in budgets
            ]
        lines.append(_row(cells))
    return [*lines, ""]


def _problem_table(
    s: Mapping[str, Any], problems: Sequence[str], methods: Sequence[str]
) -> list[str]:
    """Mean score per problem (rows) and method (columns); the best in bold."""
    present = [m for m in methods if any(m in s["problem_means"].get(p, {}) for p in problems)]
    lines = [_row(["problem"] + [f"`{m}`" for m in present]), _row(["---"] * (1 + len(present)))]
    for p in (p for p in problems if p in s["problem_means"]):
        means = s["problem_means"].get(p, {})
        top = max((v[0] for v in means.values() if math.isfinite(v[0])), default=math.nan)
        cells = [f"`{p}`"]
        for m in present:
            mean, _ = means.get(m, [math.nan, math.nan])
            text = _fmt(mean)
            cells.append(f"**{text}**" if math.isfinite(mean) and mean >= top - 1e-9 else text)
        lines.append(_row(cells))
    return [*lines, ""]


def render(
    *,
    tier: str,
    problems: Sequence[str],
    methods: Sequence[str],
    seeds: int,
    baseline_seeds: int,
    budgets: Sequence[int],
    workers: Sequence[int],
    runs: Sequence[Mapping[str, Any]],
    summary: Mapping[str, Any],
    wall_seconds: float,
    jobs: int,
    notes: str = "",
    json_path: str = "",
    when: datetime | None = None,
) -> str:
    """The generated part of the ``## Search quality`` section.

    ``summary``: split -> str(workers) -> ``{"trials": ..., "time": ...}`` (see
    :func:`~benchmarks.quality.scoring.summarize`).
    """
    when = when or datetime.now(timezone.utc)
    m = machine()
    cpu = sum(float(r.get("cpu_seconds") or 0.0) for r in runs)
    reused = sum(1 for r in runs if r.get("reused"))
    lines = [
        f"_Generated by `python -m benchmarks --tier {tier}` on "
        f"{when.strftime('%Y-%m-%d %H:%M UTC')}; machine: {m['platform']}, {m['cpu_count']} "
        f"CPUs (shared), Python {m['python']}; {wall_seconds / 60:.1f} min wall time with {jobs} "
        f"worker process(es); the runs used {cpu / 60:.1f} CPU-minutes"
        + (
            f"; {reused} of {len(runs)} runs were reused from an earlier invocation"
            if reused
            else ""
        )
        + "._",
        "",
        f"Tier `{tier}`: {len(problems)} problems x {len(methods)} methods, {seeds} seeds per "
        f"method ({baseline_seeds} for `{RANDOM_BASELINE}`), "
        f"workers {', '.join(map(str, workers))}; "
        f"one {max(budgets)}-trial run per method, seed and worker count, scored at budgets "
        f"{', '.join(map(str, budgets))}. {notes}".rstrip(),
        "",
        f"Score, per problem, budget and worker count: 0 = mean best value of `{RANDOM_BASELINE}` "
        f"over its {baseline_seeds} seeds, 100 = best value any method found within that budget. "
        "Suite score = mean over problems for each seed, then mean ± standard error over seeds. "
        "Mean rank = rank by mean score on each problem (1 = best), averaged over problems. With "
        "several workers every trial takes a simulated time drawn per configuration (log-normal, "
        "the same for every method); asynchronous methods hand a free worker a new point at once, "
        "batch methods (HEBO) wait for their slowest point; *score @time of b* counts the trials "
        "finished by the time random search's b-th trial finished (median over its seeds). "
        "Sequential-only peers (skopt, scikit-learn, Hyperopt) appear only at 1 worker.",
        "",
        "Peers at their documented defaults"
        + "".join(
            ["; where a peer needed more: ", "; ".join(f"`{k}`: {v}" for k, v in noted), "."]
            if (noted := [(k, v) for k, v in NOTES.items() if k in methods])
            else ["."]
        ),
        "",
    ]
    for split in ("test", "dev"):
        if split not in summary:
            continue
        names = [p for p in problems if p in SPLIT[split]]
        title = "held-out problems, the headline" if split == "test" else "problems looked at"
        lines += [f"### `{split}` split ({len(names)} {title})", ""]
        for w in workers:
            part = summary[split].get(str(w))
            if part is None:
                continue
            lines += [f"#### {w} worker{'s' if w > 1 else ''}", ""]
            verdict = bayes_verdict(part["trials"])
            lines += [verdict, ""] if verdict else []
            lines += _suite_table(part["trials"], budgets, part.get("time"))
        one = summary[split].get("1")
        if one:
            b = str(max(budgets))
            lines += [f"Mean score per problem, 1 worker, budget {b}:", ""]
            lines += _problem_table(one["trials"][b], names, methods)
    choices = [f"`{p}` {_bayes_choice(p, max(budgets))}" for p in problems]
    lines += [f"`bayes` ran (budget {max(budgets)}, 1 worker): " + ", ".join(choices) + ".", ""]
    lines += _time_table(runs, methods)
    if json_path:
        lines += [f"Raw numbers (every trial value and time of every run): `{json_path}`.", ""]
    return "\n".join(lines).rstrip() + "\n"


def _time_table(runs: Sequence[Mapping[str, Any]], methods: Sequence[str]) -> list[str]:
    lines = [
        "### Time per run (seconds of real time, mean over problems, seeds and worker counts)",
        "",
        _row(["method", "wall", "CPU", "runs", "errors"]),
        _row(["---"] * 5),
    ]
    for method in methods:
        mine = [r for r in runs if r["method"] == method]
        if not mine:
            continue
        wall = sum(r["seconds"] for r in mine) / len(mine)
        cpu = sum(r.get("cpu_seconds", math.nan) for r in mine) / len(mine)
        errors = sum(1 for r in mine if r.get("error"))
        lines.append(
            _row([f"`{method}`", f"{wall:.2f}", f"{cpu:.2f}", str(len(mine)), str(errors)])
        )
    return [*lines, ""]


def _median(xs: Sequence[float]) -> float:
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def replace_block(text: str, name: str, body: str, *, heading: str | None = None) -> str:
    """``text`` with the block between ``<!-- name:start -->`` and ``<!-- name:end -->``
    replaced by ``body`` (appended under ``heading`` when the markers are absent)."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in text and end in text and text.index(start) < text.index(end):
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        return before + block + after
    text = text.rstrip() + "\n\n" if text.strip() else ""
    if heading:
        text += f"{heading}\n\n"
    return text + block + "\n"


def write_section(path: Path, name: str, body: str, *, heading: str) -> None:
    """Rewrite one marked block of the results file (created when missing)."""
    text = path.read_text() if path.exists() else HEADER
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(replace_block(text, name, body, heading=heading))
