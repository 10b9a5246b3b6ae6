"""The multi-fidelity benchmark's harness: compute accounting, scoring, paused real training."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from benchmarks.mf.harness import Env, Work, simulate, synthetic_env
from benchmarks.mf.methods import METHODS, to_configspace
from benchmarks.mf.scoring import at_budget, normalize, summarize, to_target
from benchmarks.mf.synthetic import SYNTHETIC


class _Curve:
    """A run whose value after r units is 1/r and each unit costs 2 seconds."""

    def __init__(self) -> None:
        self.advanced: list[int] = []

    def advance(self, r: int) -> float:
        self.advanced.append(r)
        return 1.0 / r

    def cost(self, start: int, end: int) -> float:
        return 2.0 * (end - start)

    def close(self) -> None:
        pass


class _Script:
    """A method that hands out fixed work, one piece per call."""

    def __init__(self, works: list[Work]) -> None:
        self.works = list(works)
        self.seen: list[tuple[int, float]] = []

    def next(self) -> Work | None:
        return self.works.pop(0) if self.works else None

    def done(self, work: Work, value: float) -> None:
        self.seen.append((work.end, value))


def test_resumed_work_is_charged_only_for_new_units() -> None:
    env = Env(lambda params: _Curve())
    a = {"x": 1}
    method = _Script([Work(a, 0, 3), Work(a, 3, 9), Work({"x": 2}, 0, 9), Work(a, 0, 9)])
    trace = simulate(method, env, workers=1, total_units=100)
    assert [row[0] for row in trace] == [3, 9, 18, 18]  # the last one was trained already
    assert [row[1] for row in trace] == [6, 18, 36, 36]  # 2 seconds per new unit
    assert trace[-1][2] == pytest.approx(1 / 9)
    assert method.seen == [(3, 1 / 3), (9, 1 / 9), (9, 1 / 9), (9, 1 / 9)]


def test_workers_run_in_parallel_on_the_simulated_clock() -> None:
    env = Env(lambda params: _Curve())
    works = [Work({"x": i}, 0, 5) for i in range(4)]
    trace = simulate(_Script(works), env, workers=2, total_units=100)
    assert [row[1] for row in trace] == [10, 10, 20, 20]


def test_budget_stops_new_work_and_a_trace_is_monotone() -> None:
    task = SYNTHETIC["branin_lc"]
    method = METHODS["mf"](task.space, task, seed=0)
    trace = simulate(method, synthetic_env(task, 0), workers=3, total_units=6 * 81)
    units = [row[0] for row in trace]
    values = [row[2] for row in trace]
    assert units == sorted(units) and 6 * 81 <= units[-1] < 6 * 81 + 3 * 81
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(values))  # noise-free incumbent
    assert values[-1] >= task.optimum


def test_synthetic_optima_are_the_minimum_of_each_curve() -> None:
    rng = np.random.default_rng(0)
    for task in SYNTHETIC.values():
        for _ in range(200):
            params = task.space.sample(rng)
            for r in (1, 9, task.max_resource):
                assert task.curve(params, r) >= task.optimum - 1e-9


def test_scoring_arithmetic() -> None:
    trace = [(10, 1.0, 5.0), (20, 3.0, 3.0), (40, 4.0, 2.0)]
    assert at_budget(trace, 25, axis=0) == 3.0 and math.isnan(at_budget(trace, 5, axis=0))
    assert at_budget(trace, 3.5, axis=1) == 3.0
    assert normalize(5.0, low=5.0, high=1.0) == 0.0 and normalize(1.0, low=5.0, high=1.0) == 100
    assert to_target(trace, 3.0) == (20.0, 3.0) and math.isnan(to_target(trace, 1.0)[0])
    runs = [
        {"task": "t", "method": "random", "seed": 0, "trace": [(40, 8.0, 3.0)],
         "total_units": 40, "ref_seconds": 8.0, "accuracy_target": True},
        {"task": "t", "method": "mf", "seed": 0, "trace": trace, "total_units": 40,
         "ref_seconds": 8.0, "accuracy_target": True},
    ]  # fmt: skip
    summary = summarize(runs, (0.5, 1.0))
    assert math.isnan(summary["scores"]["t"]["random"]["units"][0])  # nothing done yet
    first, last = summary["scores"]["t"]["mf"]["units"]
    assert math.isnan(first) and last == 100.0  # no baseline yet: no score; then the best
    assert summary["scores"]["t"]["random"]["units"][1] == 0.0
    assert summary["ratios"]["t"]["mf"] == {
        "units": 0.5,
        "seconds": 0.375,
        "reached": 1,
        "seeds": 1,
    }  # 3.0 after 20 of random's 40 units


def test_configspace_round_trip_keeps_conditions() -> None:
    task = SYNTHETIC["netlike_lc"]
    cs, decode = to_configspace(task.space, seed=0)
    for config in cs.sample_configuration(20):
        params = decode(config)
        task.space.check_params(params)


@pytest.mark.slow
@pytest.mark.torch
def test_a_paused_torch_run_continues_where_it_stopped() -> None:
    pytest.importorskip("torch")
    from benchmarks.mf.real import REAL

    task = REAL["torch_mlp"]
    params = task.space.sample(np.random.default_rng(0))
    params.update(batch_size=128, hidden_sizes=[64])
    paused = task.make_run(params, 0)
    straight = task.make_run(params, 0)
    try:
        first = paused.advance(1)
        third = paused.advance(3)  # continued, not retrained
        assert len(paused.run.values) == 3 and paused.cost(0, 3) > 0
        assert straight.advance(3) == pytest.approx(third)
        assert straight.run.values[0] == pytest.approx(1 - first)
        assert 0.0 <= third <= 1.0
    finally:
        paused.close()
        straight.close()
