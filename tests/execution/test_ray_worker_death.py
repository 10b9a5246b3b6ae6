"""Ray actors that die mid-trial cost the sweep nothing: the engine (``hpsearch.run``, the
driver loop) retries each of their trials once with the same params and counts it once.

The chaos test kills random actors, as the OOM killer would, all through a 200-point grid.
"""

from __future__ import annotations

import os
import random
import signal
import sys
import threading
import time

import pytest

import hpsearch
from hpsearch.execution import RayExecutor, TrialJob
from hpsearch.storage import SweepDirectory
from tests.execution.conftest import drive
from tests.processes import descendants
from tests.sweep.drivers import assert_deaths_retried

ray = pytest.importorskip("ray")
ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])

pytestmark = pytest.mark.ray

DOOMED = (1, 4)
CHAOS_POINTS = 200
CHAOS_EVERY_S = (1.0, 3.0)  # a kill every 1 to 3 s (a new actor takes about 2 s to start)


@pytest.fixture
def local_ray(ray_manager):
    ray_manager.local()  # 2 CPUs: two actors of one CPU each
    return ray_manager


def dies_on_first_attempt(params, trial):
    time.sleep(0.2)
    if params["x"] in DOOMED and trial.attempt == 0:
        os.kill(os.getpid(), signal.SIGKILL)  # the actor's process, mid-trial
    return (params["x"] - 0.3) ** 2


def test_an_actor_killed_mid_trial_is_retried_with_its_params_and_counted_once(local_ray, tmp_path):
    """x=1 and x=4 lose their actor on the first attempt; the budget of 8 (of 12 grid points)
    still ends with x=0..7 completed and nothing else run."""
    space = {
        "name": "actor-death",
        "strategy": {"name": "grid"},  # x = 0, 1, 2, ... in order
        "budget": {"trials": 8},
        "parameters": {"x": {"type": "int", "low": 0, "high": 11}},
    }
    out = tmp_path / "run"
    hpsearch.run(space, dies_on_first_attempt, out=out, executor="ray", workers=2, report=False)
    study, _ = SweepDirectory(out).load_study()
    trials = study.get_trials()
    died = assert_deaths_retried(trials, 8)
    assert sorted(t.params["x"] for t in died) == list(DOOMED)
    assert all("Actor" in t.user_attrs["hpsearch:error"] for t in died)
    assert sorted(t.params["x"] for t in trials if t.state.name == "COMPLETE") == list(range(8))


def dies_while_starting(marker):
    """A factory whose first actor is SIGKILLed while it builds the objective."""

    def factory():
        if not os.path.exists(marker):
            open(marker, "w").close()
            os.kill(os.getpid(), signal.SIGKILL)
        return lambda params: params["x"] ** 2

    return factory


def test_an_actor_killed_while_starting_is_started_again(local_ray, tmp_path):
    ex = RayExecutor(workers=1, resources={"cpu": 1})
    ex.start(dies_while_starting(str(tmp_path / "died")))
    try:
        finished, _ = drive(ex, [TrialJob(0, {"x": 3.0})])
    finally:
        ex.shutdown()
    assert (tmp_path / "died").exists()  # the first actor did die
    assert [f.outcome.metrics["value"] for f in finished] == [9.0]


def short_trial(params):
    time.sleep(0.1)
    return float(params["x"])


def _busy_actors() -> list[int]:
    """The trial actors' processes that are up (running a trial, or between two)."""
    return [
        p.pid
        for p in descendants(os.getpid())
        if p.cmdline.startswith("ray::TrialWorker") and "__init__" not in p.cmdline
    ]


class _Chaos:
    """A side thread that SIGKILLs a random trial actor every few seconds (not one that is
    still starting: that is :func:`test_an_actor_killed_while_starting_is_started_again`)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.killed: list[int] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="chaos", daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(self.rng.uniform(*CHAOS_EVERY_S)):
            victims = _busy_actors()
            if victims:
                victim = self.rng.choice(victims)
                os.kill(victim, signal.SIGKILL)
                self.killed.append(victim)

    def __enter__(self) -> _Chaos:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(10)


@pytest.mark.slow
def test_a_sweep_whose_actors_keep_dying_still_runs_every_point_once(local_ray, tmp_path):
    space = {
        "name": "chaos",
        "strategy": {"name": "grid", "shuffle": True, "seed": 0},
        "budget": {"trials": CHAOS_POINTS},
        "parameters": {"x": {"type": "int", "low": 0, "high": CHAOS_POINTS - 1}},
    }
    out = tmp_path / "run"
    with _Chaos(seed=0) as chaos:
        hpsearch.run(space, short_trial, out=out, executor="ray", workers=2, report=False)
    study, _ = SweepDirectory(out).load_study()
    trials = study.get_trials()
    died = assert_deaths_retried(trials, CHAOS_POINTS)
    complete = [t for t in trials if t.state.name == "COMPLETE"]
    assert sorted(t.params["x"] for t in complete) == list(range(CHAOS_POINTS))
    assert len(chaos.killed) >= 3, "the chaos thread killed too few actors to mean anything"
    assert died, "no actor died mid-trial"
