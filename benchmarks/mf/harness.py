"""The simulated cluster: several asynchronous workers, a clock, and honest compute accounting.

A method hands out :class:`Work` (train a configuration from ``start`` to ``end`` resource
units); the harness evaluates it, charges the units the configuration had not been trained to
before (every method may continue a configuration it trained earlier, as a checkpointing
objective would; a restart from zero pays again only if the method asks for a new
configuration) and the seconds those units take (simulated per-unit cost on synthetic
functions, the measured CPU seconds of the real training runs), and tells the method when the
simulated clock reaches the end of the work. Stopping-type methods (Optuna pruners, Ray ASHA)
work one unit at a time and keep their worker while they continue.

Every value a method's runs produced counts for the incumbent: a model trained to any
resource is a model one could use. The incumbent is picked by its observed value; its score
is its noise-free value (synthetic) or its value (real training, which has no other truth).

Example:
    >>> from benchmarks.mf.synthetic import SYNTHETIC
    >>> from benchmarks.mf.methods import METHODS
    >>> task = SYNTHETIC["branin_lc"]
    >>> trace = simulate(METHODS["random"](task.space, task, seed=0), synthetic_env(task, 0),
    ...                  workers=2, total_units=5 * 81)
    >>> trace[-1][0] >= 5 * 81
    True
"""

from __future__ import annotations

import heapq
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["Env", "Work", "simulate", "synthetic_env"]


@dataclass
class Work:
    """Train ``params`` from ``start`` to ``end`` units; ``tag`` is the method's own handle."""

    params: dict[str, Any]
    start: float
    end: int
    tag: Any = None
    key: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        self.end = round(self.end)
        if not self.key:
            self.key = json.dumps(self.params, sort_keys=True, default=str)


class Method(Protocol):
    def next(self) -> Work | None: ...

    def done(self, work: Work, value: float) -> Work | None: ...


class Env:
    """Evaluates work: ``run(params)`` objects with ``advance``, ``cost``, ``close``."""

    def __init__(self, make_run: Any, truth: Any = None) -> None:
        self.make_run = make_run
        self.truth = truth  # (params, r) -> noise-free value, or None (real tasks)
        self.runs: dict[str, Any] = {}
        self.trained: dict[str, int] = {}

    def evaluate(self, work: Work) -> tuple[float, int, float, list[tuple[float, float]]]:
        """(value at end, units charged, seconds, [(observed, true)] for each new unit)."""
        run = self.runs.get(work.key)
        if run is None:
            run = self.runs[work.key] = self.make_run(work.params)
        before = self.trained.get(work.key, 0)
        end = max(1, work.end)
        value = run.advance(end)
        units = max(0, end - before)
        seconds = run.cost(before, end) if units else 0.0
        seen = []
        for r in range(before + 1, end + 1):
            observed = run.advance(r)
            true = self.truth(work.params, r) if self.truth else observed
            seen.append((observed, true))
        self.trained[work.key] = max(before, end)
        return value, units, seconds, seen

    def close(self) -> None:
        for run in self.runs.values():
            run.close()
        self.runs.clear()


class _SyntheticRun:
    def __init__(self, task: Any, params: Mapping[str, Any], seed: int) -> None:
        self.task, self.params, self.seed = task, params, seed
        self.unit = task.unit_cost(params)

    def advance(self, r: int) -> float:
        return self.task.observe(self.params, r, self.seed)

    def cost(self, start: int, end: int) -> float:
        return self.unit * (end - start)

    def close(self) -> None:
        pass


def synthetic_env(task: Any, seed: int) -> Env:
    return Env(lambda params: _SyntheticRun(task, params, seed), truth=task.curve)


def real_env(task: Any, seed: int) -> Env:
    return Env(lambda params: task.make_run(params, seed))


def simulate(
    method: Method,
    env: Env,
    *,
    workers: int,
    total_units: float,
    min_seconds: float = 0.0,
) -> list[tuple[float, float, float]]:
    """Run ``method`` on ``workers`` until ``total_units`` (and ``min_seconds``) are spent.

    Returns the trace ``[(units consumed, simulated seconds, incumbent's true value)]``, one
    entry per finished piece of work.
    """
    now, consumed, committed, seq = 0.0, 0.0, 0.0, 0
    best_observed, best_true = math.inf, math.nan
    trace: list[tuple[float, float, float]] = []
    events: list[tuple[float, int, Work, tuple]] = []
    free = workers

    def more() -> bool:
        return committed < total_units or now < min_seconds

    def start(work: Work) -> None:
        nonlocal seq, committed
        outcome = env.evaluate(work)
        committed += outcome[1]
        seq += 1
        heapq.heappush(events, (now + outcome[2], seq, work, outcome))

    try:
        while True:
            while free and more():
                work = method.next()
                if work is None:
                    break
                free -= 1
                start(work)
            if not events:
                break
            now, _, work, (value, units, _secs, seen) = heapq.heappop(events)
            consumed += units
            for observed, true in seen:
                if observed < best_observed:
                    best_observed, best_true = observed, true
            trace.append((consumed, now, best_true))
            follow = method.done(work, value)
            if follow is not None and more():
                start(follow)
            else:
                free += 1
    finally:
        env.close()
    return trace
