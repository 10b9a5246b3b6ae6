"""From traces to scores: incumbents at budget points, normalized per task, and the compute
ratio to reach full training's best accuracy.

A trace is ``[(units consumed, simulated seconds, incumbent value)]``; values are minimized.

Example:
    >>> at_budget([(10, 1.0, 5.0), (20, 2.0, 3.0)], 15, axis=0)
    5.0
    >>> normalize(4.0, low=5.0, high=3.0)
    50.0
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["at_budget", "normalize", "summarize", "to_target"]


def at_budget(trace: Sequence[Sequence[float]], budget: float, *, axis: int) -> float:
    """The incumbent value once ``trace[axis]`` (0: units, 1: seconds) reached ``budget``."""
    value = math.nan
    for row in trace:
        if row[axis] > budget * (1 + 1e-9):
            break
        value = row[2]
    return value


def normalize(value: float, *, low: float, high: float) -> float:
    """100 * how far ``value`` got from ``low`` (random search) towards ``high`` (best)."""
    if not math.isfinite(value):
        return math.nan
    if not math.isfinite(low) or not math.isfinite(high) or low - high <= 1e-12:
        return math.nan
    return 100.0 * (low - value) / (low - high)


def to_target(trace: Sequence[Sequence[float]], target: float) -> tuple[float, float]:
    """(units, seconds) consumed when the incumbent first reached ``target`` (nan: never)."""
    for units, seconds, value in trace:
        if value <= target + 1e-12:
            return float(units), float(seconds)
    return math.nan, math.nan


def _mean(xs: Sequence[float]) -> float:
    xs = [x for x in xs if math.isfinite(x)]
    return float(np.mean(xs)) if xs else math.nan


def summarize(
    runs: Sequence[Mapping[str, Any]], fractions: Sequence[float], *, baseline: str = "random"
) -> dict[str, Any]:
    """Scores per (task, method, axis, budget point), and compute ratios on target tasks.

    Each run holds ``task, method, seed, trace, total_units, ref_seconds, accuracy_target``.
    ``0`` is the mean of ``baseline`` at that point, ``100`` the best value any run reached.
    """
    tasks = sorted({r["task"] for r in runs})
    methods = list(dict.fromkeys(r["method"] for r in runs))
    scores: dict[str, Any] = {}
    ratios: dict[str, Any] = {}
    for task in tasks:
        mine = [r for r in runs if r["task"] == task and r["trace"]]
        if not mine:
            continue
        best = min(row[2] for r in mine for row in r["trace"] if math.isfinite(row[2]))
        scores[task] = {}
        for axis, name in ((0, "units"), (1, "seconds")):
            for f in fractions:
                point = {}
                for r in mine:
                    limit = (r["total_units"] if axis == 0 else r["ref_seconds"]) * f
                    point.setdefault(r["method"], []).append(
                        at_budget(r["trace"], limit, axis=axis)
                    )
                low = _mean(point.get(baseline, []))
                for m, values in point.items():
                    s = [normalize(v, low=low, high=best) for v in values]
                    scores[task].setdefault(m, {}).setdefault(name, []).append(_mean(s))
        if any(r.get("accuracy_target") for r in mine):
            ratios[task] = _ratios(mine, baseline)
    return {"tasks": tasks, "methods": methods, "scores": scores, "ratios": ratios}


def _ratios(runs: Sequence[Mapping[str, Any]], baseline: str) -> dict[str, Any]:
    """Per method: compute to reach the best accuracy random full training reached."""
    out: dict[str, Any] = {}
    base = {r["seed"]: r for r in runs if r["method"] == baseline}
    for method in dict.fromkeys(r["method"] for r in runs):
        units, secs, base_units, base_secs, reached, total = 0.0, 0.0, 0.0, 0.0, 0, 0
        for r in runs:
            if r["method"] != method or r["seed"] not in base:
                continue
            ref = base[r["seed"]]["trace"]
            target = min(row[2] for row in ref)
            bu, bs = to_target(ref, target)
            mu, ms = to_target(r["trace"], target)
            total += 1
            if math.isfinite(mu):
                reached += 1
                units, secs, base_units, base_secs = (
                    units + mu,
                    secs + ms,
                    base_units + bu,
                    base_secs + bs,
                )
            else:  # not reached within the same budget: charge its whole run
                units += r["trace"][-1][0]
                secs += r["trace"][-1][1]
                base_units, base_secs = base_units + bu, base_secs + bs
        out[method] = {
            "units": units / base_units if base_units else math.nan,
            "seconds": secs / base_secs if base_secs else math.nan,
            "reached": reached,
            "seeds": total,
        }
    return out
