"""Pareto fronts and hypervolume, honoring each metric's goal (pure numpy/pandas)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from hpsearch.report._common import Objective, complete_trials

__all__ = ["hypervolume", "hypervolume_history", "pareto_front", "pareto_mask"]


def pareto_mask(points: np.ndarray) -> np.ndarray:
    """Which rows of ``points`` (n x k, all minimized) no other row dominates.

    A row dominates another when it is no worse on every column and better on at least one.
    Duplicated non-dominated points are all kept.

    Example:
        >>> pareto_mask(np.array([[1.0, 2.0], [2.0, 1.0], [2.0, 2.0]])).tolist()
        [True, True, False]
    """
    pts = np.asarray(points, dtype=float)
    n = len(pts)
    keep = np.ones(n, dtype=bool)
    order = np.lexsort(pts.T[::-1])  # by first column, then the next ones
    front: list[int] = []
    for i in order:
        p = pts[i]
        if front:
            f = pts[front]
            dominated = np.all(f <= p, axis=1) & np.any(f < p, axis=1)
            if dominated.any():
                keep[i] = False
                continue
        front.append(i)
    return keep


def pareto_front(trials: pd.DataFrame, objs: Sequence[Objective]) -> pd.DataFrame:
    """Complete trials with a boolean ``pareto`` column marking the non-dominated ones."""
    done = complete_trials(trials, objs).copy()
    if done.empty:
        done["pareto"] = pd.Series(dtype=bool)
        return done
    signed = np.column_stack([done[o.column].to_numpy(dtype=float) * o.sign for o in objs])
    done["pareto"] = pareto_mask(signed)
    return done


def hypervolume(points: np.ndarray, reference: Sequence[float]) -> float:
    """Volume dominated by ``points`` (minimized) and bounded by ``reference``.

    Exact: a sweep in two dimensions, recursive slicing beyond. Points not strictly better than
    the reference on every axis add nothing.

    Example:
        >>> hypervolume(np.array([[1.0, 2.0], [2.0, 1.0]]), [3.0, 3.0])
        3.0
    """
    ref = np.asarray(reference, dtype=float)
    pts = np.asarray(points, dtype=float).reshape(-1, len(ref))
    pts = pts[np.all(pts < ref, axis=1)]
    if len(pts) == 0:
        return 0.0
    pts = pts[pareto_mask(pts)]
    return float(_hv(pts, ref))


def _hv(pts: np.ndarray, ref: np.ndarray) -> float:
    k = pts.shape[1]
    if k == 1:
        return float(ref[0] - pts[:, 0].min())
    if k == 2:
        order = np.argsort(pts[:, 0], kind="stable")
        total, y_best = 0.0, ref[1]
        for x, y in pts[order]:
            if y < y_best:
                total += (ref[0] - x) * (y_best - y)
                y_best = y
        return total
    # slice along the last axis: between consecutive levels the dominated cross-section is fixed
    order = np.argsort(pts[:, -1], kind="stable")
    pts = pts[order]
    total = 0.0
    for i in range(len(pts)):
        upper = pts[i + 1, -1] if i + 1 < len(pts) else ref[-1]
        depth = upper - pts[i, -1]
        if depth <= 0:
            continue
        section = pts[: i + 1, :-1]
        section = section[pareto_mask(section)]
        total += _hv(section, ref[:-1]) * depth
    return total


def hypervolume_history(trials: pd.DataFrame, objs: Sequence[Objective]) -> pd.DataFrame:
    """Hypervolume of the complete trials seen so far, after each complete trial.

    The reference point is the worst value observed on each objective over all complete trials,
    so the curve never decreases and its last value measures the final front. Needs two or more
    objectives.

    Example:
        >>> t = pd.DataFrame({"number": [0, 1, 2], "state": ["COMPLETE"] * 3,
        ...                   "value_a": [1.0, 0.0, 0.5], "value_b": [0.0, 1.0, 0.5]})
        >>> o = [Objective("a", "maximize", "value_a"), Objective("b", "maximize", "value_b")]
        >>> hypervolume_history(t, o)["hypervolume"].tolist()
        [0.0, 0.0, 0.25]
    """
    if len(objs) < 2:
        raise ValueError("hypervolume needs two or more objectives")
    done = complete_trials(trials, objs)
    signed = np.column_stack([done[o.column].to_numpy(dtype=float) * o.sign for o in objs]).reshape(
        len(done), len(objs)
    )
    if len(done) == 0:
        return pd.DataFrame({"number": [], "hypervolume": []})
    ref = signed.max(axis=0)
    values = []
    front = np.empty((0, len(objs)))
    current = 0.0
    for p in signed:
        dominated = len(front) and bool(np.any(np.all(front <= p, axis=1)))
        if not dominated:
            front = np.vstack([front, p])
            front = front[pareto_mask(front)]
            current = max(current, hypervolume(front, ref))
        values.append(current)
    return pd.DataFrame({"number": done["number"].to_numpy(dtype=int), "hypervolume": values})
