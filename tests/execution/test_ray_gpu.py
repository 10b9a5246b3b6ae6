"""GPU packing with declared (fake) GPUs: the shared local instance has 2 CPUs and 1 GPU."""

from __future__ import annotations

import os
import sys
import time

import pytest

from hpsearch.execution import TrialJob
from tests.execution.conftest import drive

ray = pytest.importorskip("ray")
ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])

from hpsearch.execution import RayExecutor  # noqa: E402

pytestmark = pytest.mark.ray


def gpu_factory():
    def objective(params, trial):
        time.sleep(0.2)
        visible = os.environ.get("CUDA_VISIBLE_DEVICES", "")
        return {
            "value": params["x"],
            "visible": float(visible) if visible.isdigit() else -1.0,
            "on_cpu": float(trial.device == "cpu"),
        }

    return objective


def test_quarter_gpus_pack_four_actors_on_gpu_0(ray_local):
    ex = RayExecutor(resources={"cpu": 0.5, "gpu": 0.25})
    ex.start(gpu_factory)
    try:
        assert ex.slots == 4
        assert ex.wait_for_workers(60) == 4
        infos = ex.workers_info()
        finished, _ = drive(ex, [TrialJob(n, {"x": float(n)}) for n in range(8)])
    finally:
        ex.shutdown()
    assert len({i["pid"] for i in infos}) == 4
    assert [i["gpu_ids"] for i in infos] == [["0"]] * 4
    assert [i["cuda_visible_devices"] for i in infos] == ["0"] * 4
    assert {f.outcome.state for f in finished} == {"COMPLETE"}
    assert {f.outcome.metrics["visible"] for f in finished} == {0.0}
    # a declared GPU but no CUDA on this machine: the objective is told to use the CPU
    assert {f.outcome.metrics["on_cpu"] for f in finished} == {1.0}


def test_cpu_trials_see_no_gpu(ray_local):
    ex = RayExecutor(workers=1, resources={"cpu": 1})
    ex.start(gpu_factory)
    try:
        finished, _ = drive(ex, [TrialJob(0, {"x": 1.0})])
        infos = ex.workers_info()
    finally:
        ex.shutdown()
    assert infos[0]["gpu_ids"] == []
    assert finished[0].outcome.metrics["visible"] == -1.0
    assert finished[0].outcome.metrics["on_cpu"] == 1.0
