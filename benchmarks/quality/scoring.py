"""The arithmetic of the quality benchmark: best-so-far, normalized scores, means, ranks, wins.

Pure functions on plain dicts, so they can be checked on hand-made numbers.

- **Best-so-far** at budget ``b``: the lowest finite value among a run's first ``b`` trials.
- **Normalized score** on one problem at one budget: ``0`` = the mean, over seeds, of the
  best-so-far of the baseline method (hpsearch ``random``), ``100`` = the best value any method
  found within that budget on any seed::

      score = 100 * (baseline_mean - best) / (baseline_mean - top)

  Below 0 means worse than random search on average. When nothing beats the baseline mean
  (``top == baseline_mean``) every score is 0. A run with no finite value scores ``nan`` and is
  left out of means.
- **Suite score** of a method: for each seed, the mean of its scores over problems; then mean
  and standard error (``std(ddof=1) / sqrt(n)``) over seeds.
- **Wins**: on each problem, the method(s) with the highest mean score (ties all win).
- **Mean rank**: on each problem, methods ranked by mean score (1 = best, ties share the
  better rank); then the mean over problems.
- **Equal wall time** (``by="time"``): budget ``b`` becomes a time limit, the median over the
  baseline's seeds of the simulated time at which its ``b``-th trial finished; a run's best is
  then its lowest value among the trials finished by that time.

Example:
    >>> normalize({"random": {0: 4.0, 1: 6.0}, "bayes": {0: 1.0, 1: 3.0}}, baseline="random")
    {'random': {0: 25.0, 1: -25.0}, 'bayes': {0: 100.0, 1: 50.0}}
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "best_by_time",
    "best_so_far",
    "mean_ranks",
    "mean_se",
    "normalize",
    "rank",
    "suite_scores",
    "summarize",
    "wins",
]

Scores = dict[str, dict[int, float]]  # method -> seed -> value


def best_so_far(values: Sequence[float], budget: int) -> float:
    """The lowest finite value among the first ``budget`` trials (``nan`` when none).

    Example:
        >>> best_so_far([3.0, float("nan"), 1.0, 0.5], 3)
        1.0
    """
    finite = [v for v in values[:budget] if v is not None and math.isfinite(v)]
    return min(finite) if finite else math.nan


def best_by_time(values: Sequence[float], times: Sequence[float], limit: float) -> float:
    """The lowest finite value among the trials finished by ``limit`` (``nan`` when none).

    Example:
        >>> best_by_time([3.0, 1.0, 0.5], [1.0, 2.5, 4.0], 3.0)
        1.0
    """
    finite = [v for v, t in zip(values, times) if t <= limit and v is not None and math.isfinite(v)]
    return min(finite) if finite else math.nan


def mean_ranks(per_problem_means: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """Per method: its rank on each problem (by mean score, 1 = best), averaged over problems.

    Example:
        >>> mean_ranks({"p1": {"a": 90.0, "b": 50.0}, "p2": {"a": 70.0, "b": 80.0}})
        {'a': 1.5, 'b': 1.5}
    """
    methods = sorted({m for means in per_problem_means.values() for m in means})
    ranks: dict[str, list[float]] = {m: [] for m in methods}
    for means in per_problem_means.values():
        for place, method, _ in rank(dict(means)):
            ranks[method].append(float(place))
    return {m: sum(r) / len(r) if r else math.nan for m, r in ranks.items()}


def _time_limits(runs: Sequence[Mapping[str, Any]], budget: int, baseline: str) -> dict[str, float]:
    """Per problem: the median finish time of the baseline's ``budget``-th trial."""
    out: dict[str, list[float]] = {}
    for r in runs:
        times = r.get("times") or []
        if r["method"] == baseline and len(times) >= budget:
            out.setdefault(r["problem"], []).append(float(times[budget - 1]))
    return {p: sorted(ts)[len(ts) // 2] for p, ts in out.items()}


def mean_se(xs: Iterable[float]) -> tuple[float, float]:
    """Mean and standard error of the finite values (``nan`` where undefined).

    Example:
        >>> [round(x, 4) for x in mean_se([1.0, 2.0, 3.0])]
        [2.0, 0.5774]
    """
    finite = [float(x) for x in xs if x is not None and math.isfinite(x)]
    n = len(finite)
    if n == 0:
        return math.nan, math.nan
    mean = sum(finite) / n
    if n == 1:
        return mean, math.nan
    var = sum((x - mean) ** 2 for x in finite) / (n - 1)
    return mean, math.sqrt(var / n)


def normalize(best: Mapping[str, Mapping[int, float]], *, baseline: str) -> Scores:
    """Normalized scores on one problem at one budget (see the module docstring).

    Args:
        best: method -> seed -> best-so-far value (minimized).
        baseline: The method whose mean is the 0 of the scale.

    Raises:
        KeyError: ``baseline`` is not among the methods.
    """
    if baseline not in best:
        raise KeyError(f"the baseline {baseline!r} has no runs on this problem")
    zero, _ = mean_se(best[baseline].values())
    found = [v for seeds in best.values() for v in seeds.values() if math.isfinite(v)]
    top = min(found) if found else math.nan
    span = zero - top
    out: Scores = {}
    for method, seeds in best.items():
        out[method] = {}
        for seed, value in seeds.items():
            if not math.isfinite(value):
                out[method][seed] = math.nan
            elif not span > 1e-12 * max(1.0, abs(zero)):
                out[method][seed] = 0.0
            else:
                out[method][seed] = 100.0 * (zero - value) / span
    return out


def suite_scores(per_problem: Mapping[str, Scores]) -> dict[str, tuple[float, float]]:
    """Per method: mean and standard error over seeds of its mean score over problems.

    Only seeds present on every problem for that method count.

    Example:
        >>> suite_scores({"a": {"m": {0: 10.0, 1: 20.0}}, "b": {"m": {0: 30.0, 1: 40.0}}})
        {'m': (25.0, 5.0)}
    """
    methods = sorted({m for scores in per_problem.values() for m in scores})
    out = {}
    for method in methods:
        runs = [scores[method] for scores in per_problem.values() if method in scores]
        if len(runs) < len(per_problem):
            out[method] = (math.nan, math.nan)
            continue
        seeds = sorted(set.intersection(*(set(r) for r in runs)))
        per_seed = []
        for seed in seeds:
            values = [r[seed] for r in runs if math.isfinite(r[seed])]
            per_seed.append(sum(values) / len(values) if values else math.nan)
        out[method] = mean_se(per_seed)
    return out


def rank(means: Mapping[str, float]) -> list[tuple[int, str, float]]:
    """``(rank, method, mean)`` best first; ties share the better rank (1, 1, 3); nan last.

    Example:
        >>> rank({"a": 10.0, "b": 30.0, "c": 10.0})
        [(1, 'b', 30.0), (2, 'a', 10.0), (2, 'c', 10.0)]
    """
    ordered = sorted(
        means.items(),
        key=lambda kv: (not math.isfinite(kv[1]), -kv[1] if math.isfinite(kv[1]) else 0.0, kv[0]),
    )
    out: list[tuple[int, str, float]] = []
    for i, (method, mean) in enumerate(ordered):
        if out and (out[-1][2] == mean or (math.isnan(mean) and math.isnan(out[-1][2]))):
            out.append((out[-1][0], method, mean))
        else:
            out.append((i + 1, method, mean))
    return out


def wins(per_problem_means: Mapping[str, Mapping[str, float]]) -> dict[str, int]:
    """Per method: on how many problems its mean score is the highest (ties all win).

    Example:
        >>> wins({"p1": {"a": 90.0, "b": 50.0}, "p2": {"a": 70.0, "b": 70.0}})
        {'a': 2, 'b': 1}
    """
    methods = sorted({m for means in per_problem_means.values() for m in means})
    out = dict.fromkeys(methods, 0)
    for means in per_problem_means.values():
        finite = [v for v in means.values() if math.isfinite(v)]
        if not finite:
            continue
        top = max(finite)
        for method, value in means.items():
            if math.isfinite(value) and value >= top - 1e-9:
                out[method] += 1
    return out


def summarize(
    runs: Iterable[Mapping[str, Any]],
    budgets: Sequence[int],
    *,
    baseline: str,
    by: str = "trials",
) -> dict[str, Any]:
    """Everything the report shows, from run records (``problem``, ``method``, ``seed``,
    ``values``, and ``times`` for ``by="time"``), for each budget.

    Returns:
        ``{str(budget): {"best", "scores", "problem_means", "suite", "ranking", "wins",
        "mean_rank", "limits"}}`` where ``best``/``scores`` are problem -> method -> seed ->
        number, ``problem_means`` is problem -> method -> [mean, se], ``suite`` method ->
        [mean, se], ``ranking`` a list of ``[rank, method, mean]``, ``wins`` method -> count,
        ``mean_rank`` method -> mean rank over problems and ``limits`` problem -> time limit
        (``by="time"`` only).
    """
    runs = list(runs)
    out: dict[str, Any] = {}
    for budget in budgets:
        best: dict[str, dict[str, dict[int, float]]] = {}
        limits = _time_limits(runs, budget, baseline) if by == "time" else {}
        for r in runs:
            problem = best.setdefault(r["problem"], {})
            if by == "time":
                limit = limits.get(r["problem"], math.nan)
                value = best_by_time(r["values"], r.get("times") or [], limit)
            else:
                value = best_so_far(r["values"], budget)
            problem.setdefault(r["method"], {})[int(r["seed"])] = value
        scores = {p: normalize(b, baseline=baseline) for p, b in best.items() if baseline in b}
        problem_means = {
            p: {m: mean_se(s.values()) for m, s in sc.items()} for p, sc in scores.items()
        }
        suite = suite_scores(scores)
        out[str(budget)] = {
            "best": best,
            "scores": scores,
            "problem_means": {
                p: {m: list(ms) for m, ms in pm.items()} for p, pm in problem_means.items()
            },
            "suite": {m: list(ms) for m, ms in suite.items()},
            "ranking": [list(r) for r in rank({m: ms[0] for m, ms in suite.items()})],
            "wins": wins(
                {p: {m: ms[0] for m, ms in pm.items()} for p, pm in problem_means.items()}
            ),
            "mean_rank": mean_ranks(
                {p: {m: ms[0] for m, ms in pm.items()} for p, pm in problem_means.items()}
            ),
            "limits": limits,
        }
    return out
