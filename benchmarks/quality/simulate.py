"""Simulated time: every trial takes a duration drawn per configuration, and ``w`` workers run
trials at once, so a parallel optimizer must suggest while earlier trials are still running.

A method is driven either through a :class:`Searcher` (ask/tell; asynchronous: a worker that
finishes is handed a new point at once, the others keep running) or, for peers that only have
a batch interface, a :class:`BatchSearcher` (``w`` points at once; the next batch starts when
the slowest of them ends: that is how those peers run in parallel). A function-style peer
(sequential only) returns its ``(params, value)`` pairs and gets its times from the same
durations.

The duration of a configuration is ``exp(N(0, 0.5))`` from a generator seeded by a hash of
its parameters (mean about 1.13): the same point always takes the same time, whoever asks.

Example:
    >>> d = duration({"x": 0.5})
    >>> d == duration({"x": 0.5}) and 0.05 < d < 20
    True
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from benchmarks.quality.base import Problem

__all__ = ["BatchSearcher", "Run", "Searcher", "duration", "run_async", "run_batches", "timed"]

#: ``(values, finish times)``, both in order of completion.
Run = tuple[list[float], list[float]]


class Searcher(Protocol):
    """An asynchronous optimizer: ``ask`` may be called again before earlier points are told."""

    def ask(self) -> tuple[Any, dict[str, Any]]: ...

    def tell(self, token: Any, value: float) -> None:
        """``value`` is ``nan`` for a failed trial."""


class BatchSearcher(Protocol):
    """An optimizer that proposes ``n`` points at once and is told all of them together."""

    def ask_batch(self, n: int) -> list[tuple[Any, dict[str, Any]]]: ...

    def tell_batch(self, results: Sequence[tuple[Any, float]]) -> None: ...


def duration(params: dict[str, Any]) -> float:
    """The simulated running time of a configuration (deterministic)."""
    text = repr(sorted((k, round(v, 9) if isinstance(v, float) else v) for k, v in params.items()))
    seed = int.from_bytes(hashlib.sha1(text.encode()).digest()[:8], "little")
    return float(math.exp(np.random.default_rng(seed).normal(0.0, 0.5)))


def safe(problem: Problem, params: dict[str, Any]) -> float:
    """``problem.evaluate``; ``nan`` for an exception or a non-finite value (a failed trial)."""
    try:
        value = float(problem.evaluate(params))
    except Exception:  # a failed trial: recorded as nan, the method goes on
        return math.nan
    return value if math.isfinite(value) else math.nan


def run_async(problem: Problem, searcher: Searcher, n_trials: int, workers: int = 1) -> Run:
    """``workers`` trials at a time; each finished one is told, then a new one asked."""
    running: list[tuple[float, int, Any, float]] = []
    asked, now = 0, 0.0
    values: list[float] = []
    times: list[float] = []
    while len(values) < n_trials:
        while asked < n_trials and len(running) < workers:
            token, params = searcher.ask()
            value = safe(problem, params)
            heapq.heappush(running, (now + duration(params), asked, token, value))
            asked += 1
        now, _, token, value = heapq.heappop(running)
        searcher.tell(token, value)
        values.append(value)
        times.append(now)
    return values, times


def run_batches(problem: Problem, searcher: BatchSearcher, n_trials: int, workers: int) -> Run:
    """Batches of ``workers`` points; a batch ends when its slowest point does."""
    now = 0.0
    values: list[float] = []
    times: list[float] = []
    while len(values) < n_trials:
        batch = searcher.ask_batch(min(workers, n_trials - len(values)))
        done = sorted(
            (now + duration(params), i, token, safe(problem, params))
            for i, (token, params) in enumerate(batch)
        )
        searcher.tell_batch([(token, value) for _, _, token, value in done])
        values += [value for *_, value in done]
        times += [t for t, *_ in done]
        now = done[-1][0]
    return values, times


def timed(pairs: Sequence[tuple[dict[str, Any], float]]) -> Run:
    """A sequential run's values and finish times from its ``(params, value)`` pairs."""
    times = np.cumsum([duration(p) for p, _ in pairs]).tolist()
    return [v for _, v in pairs], times


def drive(
    make: Callable[[int], Searcher | BatchSearcher], problem: Problem, n_trials: int, workers: int
) -> Run:
    """Build the searcher for ``workers`` and run it the way it runs in parallel."""
    searcher = make(workers)
    if hasattr(searcher, "ask_batch"):
        return run_batches(problem, searcher, n_trials, workers)  # type: ignore[arg-type]
    return run_async(problem, searcher, n_trials, workers)  # type: ignore[arg-type]
