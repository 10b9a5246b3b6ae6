"""RayExecutor conformance on the shared local Ray instance (2 CPUs, 1 fake GPU)."""

from __future__ import annotations

import math
import os
import sys
import time

import pytest

from hpsearch.errors import ConfigError, ObjectiveError
from hpsearch.execution import TrialJob
from hpsearch.trial import TrialPruned
from tests.execution.conftest import drive

ray = pytest.importorskip("ray")
ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])

from hpsearch.execution import RayExecutor, plan_slots  # noqa: E402

pytestmark = pytest.mark.ray


def make_objective():
    """The factory: builds the objective once per actor (counts builds in a module global)."""
    loaded = {"data": list(range(1000))}

    def objective(params, trial):
        kind = params.get("kind", "square")
        if kind == "raise":
            raise ValueError(f"bad x={params['x']}")
        if kind == "sleep":
            time.sleep(params["seconds"])
        if kind == "die":
            os._exit(3)
        if kind == "steps":
            for step in range(5):
                trial.report(params["x"] + step, step=step)
                if trial.should_prune():
                    raise TrialPruned()
        return {"loss": params["x"] ** 2, "pid": os.getpid(), "n": len(loaded["data"])}

    return objective


def broken_factory():
    raise FileNotFoundError("data.csv not found")


@pytest.fixture(scope="module")
def executor(ray_manager):
    ray_manager.local()
    # half a CPU each: the other CPU stays free for the tests that start their own executor
    ex = RayExecutor(workers=2, resources={"cpu": 0.5}, metric_names=("loss",))
    ex.start(make_objective)
    ex.wait_for_workers(60)
    yield ex
    ex.shutdown()


def test_a_job_completes_with_its_metrics(executor):
    finished, reports = drive(executor, [TrialJob(0, {"x": 3.0}), TrialJob(1, {"x": -1.0})])
    by_number = {f.number: f for f in finished}
    assert by_number[0].outcome.state == "COMPLETE"
    assert by_number[0].outcome.metrics["loss"] == 9.0
    assert by_number[0].outcome.metrics["n"] == 1000
    assert by_number[1].outcome.metrics["loss"] == 1.0
    assert all("/" in f.worker for f in finished)
    assert reports == []
    assert executor.slots == 2
    assert {info["device"] for info in executor.workers_info()} == {"cpu"}


def test_a_raising_objective_fails_with_its_reason(executor):
    finished, _ = drive(executor, [TrialJob(0, {"x": 2.0, "kind": "raise"})])
    outcome = finished[0].outcome
    assert outcome.state == "FAILED"
    assert outcome.error == "ValueError: bad x=2.0"
    assert "Traceback" in outcome.traceback


def test_pruning_round_trip(executor):
    finished, reports = drive(executor, [TrialJob(7, {"x": 10.0, "kind": "steps"})], prune_at=2)
    assert finished[0].outcome.state == "PRUNED"
    assert finished[0].outcome.last_step == 2
    values = [(r.step, r.value) for r in reports if not r.wants_verdict]
    assert values == [(0, 10.0), (1, 11.0), (2, 12.0)]
    assert [r.step for r in reports if r.wants_verdict] == [0, 1, 2]
    assert {r.number for r in reports} == {7}


def test_unpruned_trial_reports_every_step_and_completes(executor):
    finished, reports = drive(executor, [TrialJob(1, {"x": 1.0, "kind": "steps"})])
    assert finished[0].outcome.state == "COMPLETE"
    assert [r.step for r in reports if not r.wants_verdict] == [0, 1, 2, 3, 4]


def test_timeout_kills_the_actor_and_a_fresh_one_takes_over(ray_local):
    ex = RayExecutor(workers=1, metric_names=("loss",), trial_timeout=1.0)
    ex.start(make_objective)
    try:
        started = time.monotonic()
        finished, _ = drive(ex, [TrialJob(0, {"x": 1.0, "kind": "sleep", "seconds": 120})])
        elapsed = time.monotonic() - started
        assert finished[0].outcome.state == "FAILED"
        assert finished[0].outcome.error == "timed out after 1s"
        assert elapsed < 60  # killed, not waited for (the trial sleeps 120 s)
        old_pid = finished[0].worker.split("/")[1]
        finished, _ = drive(ex, [TrialJob(1, {"x": 2.0})])
        assert finished[0].outcome.state == "COMPLETE"
        assert finished[0].worker.split("/")[1] != old_pid
    finally:
        ex.shutdown()


def test_a_job_timeout_overrides_the_executor_default(executor):
    job = TrialJob(0, {"x": 1.0, "kind": "sleep", "seconds": 120}, timeout=0.5)
    finished, _ = drive(executor, [job])
    assert finished[0].outcome.error == "timed out after 0.5s"


def test_a_dead_worker_fails_its_trial_as_worker_died_and_is_replaced(executor):
    finished, _ = drive(executor, [TrialJob(0, {"x": 1.0, "kind": "die"})], retry_died=False)
    assert finished[0].outcome.state == "FAILED"
    assert finished[0].outcome.error.startswith("worker died")
    finished, _ = drive(executor, [TrialJob(n, {"x": float(n)}) for n in range(1, 5)])
    assert sorted(f.number for f in finished) == [1, 2, 3, 4]
    assert {f.outcome.state for f in finished} == {"COMPLETE"}


def test_a_failing_factory_stops_start_with_its_error(ray_local):
    ex = RayExecutor(workers=1)
    with pytest.raises(ObjectiveError, match=r"could not be built on Ray: FileNotFoundError: data"):
        ex.start(broken_factory)
    ex.shutdown()


@pytest.mark.parametrize(
    ("resources", "message"),
    [
        ({"cpu": 64}, r"resources\.cpu: a trial asks for 64 CPUs but no Ray node has that many"),
        ({"cpu": 1, "gpu": 2}, r"resources\.gpu: a trial asks for 2 GPUs .* \(largest: 1"),
        ({"cpu": 1, "tpu_pod": 1}, r"resources\.tpu_pod: .*of resource 'tpu_pod'"),
    ],
)
def test_a_request_no_node_can_hold_fails_fast(ray_local, resources, message):
    ex = RayExecutor(resources=resources)
    with pytest.raises(ConfigError, match=message):
        ex.start(make_objective)
    ex.shutdown()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"resources": {"gpu": 1.5}}, r"resources\.gpu: a trial takes a fraction of one GPU"),
        ({"resources": {"cpu": -1}}, r"resources\.cpu: must be >= 0, got -1"),
        ({"resources": {"cpu": "two"}}, r"resources\.cpu: must be a number, got 'two'"),
        ({"resources": {"cpu": 0}}, r"resources: a trial must ask for some CPU or GPU"),
        ({"workers": 0}, r"workers: must be a whole number >= 1, got 0"),
        ({"trial_timeout": 0}, r"trial_timeout: must be > 0 seconds"),
    ],
)
def test_bad_options_are_config_errors(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        RayExecutor(**kwargs)


def test_plan_slots_counts_what_fits_per_node():
    nodes = [{"CPU": 4.0, "GPU": 1.0}, {"CPU": 2.0}, {"CPU": 8.0, "GPU": 2.0}]
    assert plan_slots(nodes, {"cpu": 1}) == 14
    assert plan_slots(nodes, {"cpu": 1, "gpu": 0.25}) == 4 + 8
    assert plan_slots(nodes, {"cpu": 0.5, "gpu": 0.5}) == 2 + 4
    assert plan_slots(nodes, {"cpu": 3}) == 1 + 2


def test_more_workers_than_fit_are_capped_with_a_warning(ray_local):
    ex = RayExecutor(workers=5, resources={"cpu": 1})
    with pytest.warns(UserWarning, match=r"5 workers asked, the cluster fits 2"):
        ex.start(make_objective)  # returns once one actor is up (one CPU is taken)
    try:
        assert ex.slots == 2
    finally:
        ex.shutdown()


def test_the_shared_instance_binds_to_loopback(ray_local):
    assert {n["NodeManagerAddress"] for n in ray.nodes()} == {"127.0.0.1"}
    assert ray.get_runtime_context().gcs_address.startswith("127.0.0.1:")


def test_a_sweep_through_the_engine(ray_local, tmp_path):
    hpsearch = pytest.importorskip("hpsearch")
    if not hasattr(hpsearch, "run"):
        pytest.skip("hpsearch.run is not there yet")
    space = {
        "name": "ray-engine",
        "metric": {"name": "loss", "goal": "minimize"},
        "strategy": {"name": "random"},
        "parameters": {"x": {"type": "float", "low": -2.0, "high": 2.0}},
    }
    result = hpsearch.run(
        space,
        lambda p: {"loss": p["x"] ** 2},
        executor="ray",
        workers=2,
        trials=6,
        seed=0,
        out=tmp_path / "sweep",
        report=False,
    )
    assert result.n_complete == 6
    assert math.isfinite(result.best_value)
