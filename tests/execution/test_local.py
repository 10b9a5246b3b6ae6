"""The local executors honour the executor contract: results, failures, pruning, deaths."""

from __future__ import annotations

import os
import time

import pytest
from optuna.exceptions import TrialPruned

from hpsearch.execution import Finished, ProcessExecutor, Report, ThreadExecutor, TrialJob


def _factory():
    def objective(params, trial):
        mode = params["mode"]
        if mode == "raise":
            raise KeyError("boom")
        if mode == "die":
            os._exit(3)
        if mode == "hang":
            time.sleep(60)
        for step in range(3):
            trial.report(float(step), step)
            if trial.should_prune():
                raise TrialPruned()
        return {"value": 1.0, "extra": 2.0}

    return objective


def _drive(executor, jobs, prune=(), limit=30.0):
    executor.start(_factory)
    pending = list(jobs)
    finished: dict[int, Finished] = {}
    reports: list[Report] = []
    deadline = time.monotonic() + limit
    running = 0
    try:
        while len(finished) < len(jobs) and time.monotonic() < deadline:
            while pending and running < executor.slots:
                executor.submit(pending.pop(0))
                running += 1
            for event in executor.poll(0.2):
                if isinstance(event, Report):
                    reports.append(event)
                    if event.wants_verdict:
                        executor.answer(event.number, event.number in prune and event.step >= 1)
                else:
                    finished[event.number] = event
                    running -= 1
    finally:
        executor.shutdown()
    return finished, reports


EXECUTORS = {
    "thread": lambda: ThreadExecutor(metric_names=["value"]),
    "process": lambda: ProcessExecutor(2, metric_names=["value"], trial_timeout=5),
}


@pytest.mark.parametrize("kind", list(EXECUTORS))
def test_complete_fail_and_prune(kind):
    jobs = [
        TrialJob(0, {"mode": "ok"}),
        TrialJob(1, {"mode": "raise"}),
        TrialJob(2, {"mode": "ok"}),
    ]
    finished, reports = _drive(EXECUTORS[kind](), jobs, prune={2})
    assert finished[0].outcome.state == "COMPLETE"
    assert finished[0].outcome.metrics == {"value": 1.0, "extra": 2.0}
    assert finished[1].outcome.state == "FAILED"
    assert finished[1].outcome.error == "KeyError: 'boom'"
    assert "Traceback" in finished[1].outcome.traceback
    assert finished[2].outcome.state == "PRUNED" and finished[2].outcome.last_step == 1
    assert [r.step for r in reports if r.number == 0 and not r.wants_verdict] == [0, 1, 2]


def test_process_executor_survives_dead_and_hung_workers():
    jobs = [
        TrialJob(0, {"mode": "die"}),
        TrialJob(1, {"mode": "hang"}),
        TrialJob(2, {"mode": "ok"}),
        TrialJob(3, {"mode": "ok"}),
    ]
    start = time.monotonic()
    finished, _ = _drive(EXECUTORS["process"](), jobs)
    assert finished[0].outcome.error == "worker died (exit code 3)"
    assert finished[1].outcome.error.startswith("timed out after 5s")
    assert finished[1].outcome.duration_s < 5 + 3
    assert finished[2].outcome.state == finished[3].outcome.state == "COMPLETE"
    assert time.monotonic() - start < 20


class _FakeCuda:
    @staticmethod
    def device_count():
        return 2


class _FakeTorch:
    cuda = _FakeCuda()


def _gpu_factory():
    import sys

    sys.modules["torch"] = _FakeTorch()  # in the forked worker only: torch with 2 GPUs

    def objective(params, trial):
        time.sleep(0.2)
        return int(trial.device.split(":")[1])

    return objective


def test_worker_processes_spread_over_the_visible_gpus():
    executor = ProcessExecutor(2, metric_names=["value"])
    executor.start(_gpu_factory)
    try:
        for number in range(4):
            executor.submit(TrialJob(number, {}))
        seen, deadline = [], time.monotonic() + 30
        while len(seen) < 4 and time.monotonic() < deadline:
            seen += [
                e.outcome.metrics["value"] for e in executor.poll(0.2) if isinstance(e, Finished)
            ]
    finally:
        executor.shutdown()
    assert sorted(set(seen)) == [0.0, 1.0]


def test_an_objective_that_cannot_be_built_is_an_objective_error():
    from hpsearch.errors import ObjectiveError

    def broken():
        raise ImportError("no module named 'missing'")

    executor = ProcessExecutor(1, metric_names=["value"])
    executor.start(broken)
    try:
        executor.submit(TrialJob(0, {}))
        with pytest.raises(ObjectiveError, match="could not be built in a worker"):
            for _ in range(50):
                executor.poll(0.2)
    finally:
        executor.shutdown()
