"""RayExecutor on Ray instances it starts itself and on a simulated multi-node cluster.

This file runs before the other Ray test files: it starts (and stops) its own local instance,
then the multi-node cluster (head + node_a + node_b on loopback, one CPU each).
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hpsearch.execution import Finished, TrialJob
from tests.execution.conftest import drive
from tests.processes import descendants, kill_all, wait_until_gone
from tests.sweep.drivers import RAY_LOSS_S, start_sweep, sweep_env, wait_for_trials, write_space

ray = pytest.importorskip("ray")
ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])

from hpsearch.execution import RayExecutor  # noqa: E402

pytestmark = pytest.mark.ray


def where_factory():
    def objective(params):
        time.sleep(params.get("seconds", 0.0))
        node_id = ray.get_runtime_context().get_node_id()
        gpus = os.environ.get("CUDA_VISIBLE_DEVICES", "")
        return {
            "value": params["x"],
            "node": float(int(node_id[:8], 16)),
            "gpu": float(gpus) if gpus.isdigit() else -1.0,
        }

    return objective


def _descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        children = [c for c, p in parents.items() if p == pid and c not in found]
        found.update(children)
        frontier.extend(children)
    return found


def test_a_ray_instance_it_starts_listens_on_loopback_only(ray_manager, monkeypatch):
    if shutil.which("ss") is None:
        pytest.skip("needs the ss tool")
    ray_manager.close()  # no Ray connected: the executor starts its own
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    ex = RayExecutor(workers=1)
    ex.start(where_factory)
    try:
        finished, _ = drive(ex, [TrialJob(0, {"x": 1.0})])
        assert finished[0].outcome.state == "COMPLETE"
        assert ray.get_runtime_context().gcs_address.startswith("127.0.0.1:")
        ours = _descendants(os.getpid())
        listening = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True).stdout
        addresses = [
            line.split()[3]
            for line in listening.splitlines()
            if {int(p) for p in re.findall(r"pid=(\d+)", line)} & ours
        ]
        assert addresses, "found no listening socket of the Ray instance"
        assert all(a.startswith(("127.0.0.1:", "[::ffff:127.0.0.1]:")) for a in addresses)
        assert not any(a.endswith(":8265") for a in addresses)  # no dashboard
    finally:
        ex.shutdown()
    assert not ray.is_initialized()  # it stops what it started


def test_trials_spread_across_nodes(ray_cluster):
    ex = RayExecutor(resources={"cpu": 1})
    ex.start(where_factory)
    try:
        assert ex.slots == 3
        assert ex.wait_for_workers(60) == 3
        jobs = [TrialJob(n, {"x": float(n), "seconds": 0.3}) for n in range(6)]
        finished, _ = drive(ex, jobs)
    finally:
        ex.shutdown()
    assert sorted(f.number for f in finished) == list(range(6))
    assert {f.outcome.state for f in finished} == {"COMPLETE"}
    alive = {n["NodeID"][:8] for n in ray.nodes() if n["Alive"]}
    used = {f"{int(f.outcome.metrics['node']):08x}" for f in finished}
    assert used == alive
    assert {f.worker.split("/")[0] for f in finished} == alive


def test_fractional_gpus_split_across_two_fake_gpus(ray_cluster):
    node = ray_cluster.add_node(num_cpus=2, num_gpus=2, include_dashboard=False)
    ray_cluster.wait_for_nodes()
    try:
        ex = RayExecutor(resources={"cpu": 0.5, "gpu": 0.5})
        ex.start(where_factory)
        try:
            assert ex.slots == 4
            assert ex.wait_for_workers(60) == 4
            infos = ex.workers_info()
            finished, _ = drive(ex, [TrialJob(n, {"x": 1.0, "seconds": 0.2}) for n in range(8)])
        finally:
            ex.shutdown()
    finally:
        ray_cluster.remove_node(node)
    assert sorted(len(i["gpu_ids"]) for i in infos) == [1, 1, 1, 1]
    per_gpu = sorted(i["cuda_visible_devices"] for i in infos)
    assert per_gpu == ["0", "0", "1", "1"]
    assert {i["node_id"] for i in infos} == {node.node_id}
    assert {i["device"] for i in infos} == {"cpu"}  # a declared GPU, but no CUDA here
    assert {f.outcome.metrics["gpu"] for f in finished} == {0.0, 1.0}


SLEEPY_PROGRAM = "import sys, time; time.sleep(1); print(float(sys.argv[1].split('=')[1]) ** 2)"


def _trial_workers() -> list:
    return [p for p in descendants(os.getpid()) if "ray::TrialWorker" in p.cmdline]


@pytest.mark.slow
def test_a_sigkilled_driver_frees_its_actors_on_a_cluster(ray_cluster, tmp_path):
    """A driver joining an existing cluster: its actors end with it (they are not detached)."""
    space = write_space(
        tmp_path / "space.yaml",
        {
            "name": "external",
            "objective": {  # a command: the cluster's workers cannot import the tests' modules
                "type": "command",
                "command": ["${interpreter}", "-c", SLEEPY_PROGRAM, "${args}"],
            },
            "budget": {"trials": 20},
            "parameters": {"x": {"type": "float", "low": -1, "high": 1}},
        },
    )
    out = tmp_path / "run"
    earlier = {p.pid for p in _trial_workers()}
    env = sweep_env(RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0")  # keep the 127.0.0.1 address as is
    args = ("--executor", "ray", "--address", ray_cluster.address, "--workers", "2")
    driver = start_sweep(space, out, *args, env=env)
    try:
        wait_for_trials(driver, out, complete=1)
        actors = [p for p in _trial_workers() if p.pid not in earlier]
        assert len(actors) >= 2  # two slots (more when a busy machine had one replaced)
        actors += [p for p in descendants(os.getpid()) if "time.sleep(1)" in p.cmdline]
    finally:
        os.kill(driver.pid, signal.SIGKILL)
        driver.wait()
    left = wait_until_gone(actors, RAY_LOSS_S)
    kill_all(left)
    assert not left, f"actors (or their programs) still run: {[str(p) for p in left]}"
    assert sum(n["Alive"] for n in ray.nodes()) == 3  # the cluster itself lives on


def test_killing_a_worker_node_mid_sweep_loses_no_trial(ray_cluster, ray_manager):
    victim = next(n for n in ray_cluster.worker_nodes if n.node_id != ray_cluster.head_node.node_id)
    ex = RayExecutor(resources={"cpu": 1})
    ex.start(where_factory)
    assert ex.wait_for_workers(60) == 3
    started = time.monotonic()
    removed: list[str] = []

    def kill_once() -> None:
        if not removed and time.monotonic() - started > 1.0:
            ray_cluster.remove_node(victim, allow_graceful=False)
            removed.append(victim.node_id[:8])

    try:
        jobs = [TrialJob(n, {"x": float(n), "seconds": 2.0}) for n in range(6)]
        finished, _ = drive(ex, jobs, on_poll=kill_once)
    finally:
        ex.shutdown()
        ray_manager.close()  # the cluster lost a node: do not hand it to later tests
    died = [f for f in finished if f.outcome.state == "FAILED"]
    assert len(died) == 1
    assert died[0].outcome.error.startswith("worker died")
    assert died[0].worker.startswith(removed[0])
    complete = [f for f in finished if f.outcome.state == "COMPLETE"]
    assert sorted(f.number for f in complete) == list(range(6))
    retried = next(f for f in complete if f.number == died[0].number)
    assert not retried.worker.startswith(removed[0])


def resumable_factory():
    """Ten 0.3 s steps; the state after each is saved in ``trial.checkpoint_dir``."""

    def objective(params, trial):
        import json

        start = 0
        if trial.resume_from is not None:
            start = json.loads((trial.resume_from / "state.json").read_text())["steps"]
        trial.checkpoint_dir.mkdir(parents=True, exist_ok=True)
        for step in range(start, 10):
            time.sleep(0.3)
            tmp = trial.checkpoint_dir / ".state.json.tmp"
            tmp.write_text(json.dumps({"steps": step + 1}))
            os.replace(tmp, trial.checkpoint_dir / "state.json")
            trial.report(float(step), step=step + 1)
        node = ray.get_runtime_context().get_node_id()
        return {"value": float(start), "node": float(int(node[:8], 16))}

    return objective


def test_a_trial_on_a_lost_node_resumes_on_another_from_its_last_checkpoint(
    ray_cluster, ray_manager, tmp_path
):
    """Worker nodes do not write into the driver's folders: the checkpoint travels both ways."""
    alive = [n for n in ray.nodes() if n["Alive"]]
    nodes = {
        name: next(n for n in alive if name in n["Resources"]) for name in ("node_a", "node_b")
    }
    checkpoint = tmp_path / "trials" / "0" / "checkpoint"
    job = TrialJob(0, {"x": 1.0}, directory=str(tmp_path / "trials" / "0"),
                   checkpoint_dir=str(checkpoint))  # fmt: skip
    first = RayExecutor(workers=1, resources={"cpu": 1, "node_a": 1})
    first.start(resumable_factory)
    try:
        first.submit(job)
        events, end = [], time.monotonic() + 60
        while not (checkpoint / "state.json").exists() or json_steps(checkpoint) < 3:
            events += first.poll(0.2)
            assert time.monotonic() < end, "no checkpoint came back from node_a"
        victim = next(n for n in ray_cluster.worker_nodes
                      if n.node_id == nodes["node_a"]["NodeID"])  # fmt: skip
        ray_cluster.remove_node(victim, allow_graceful=False)
        while not any(isinstance(e, Finished) for e in events):
            events += first.poll(0.5)
            assert time.monotonic() < end + 60, "the lost node's trial never ended"
    finally:
        first.shutdown()
    died = next(e for e in events if isinstance(e, Finished))
    assert died.outcome.error.startswith("worker died")
    saved = json_steps(checkpoint)
    assert 3 <= saved < 10
    assert [p.name for p in checkpoint.iterdir()] == ["state.json"]  # no temporary files
    second = RayExecutor(workers=1, resources={"cpu": 1, "node_b": 1})
    second.start(resumable_factory)
    try:
        retry = dataclasses.replace(job, attempt=1, resume_from=str(checkpoint))
        finished, reports = drive(second, [retry])
    finally:
        second.shutdown()
        ray_manager.close()  # the cluster lost a node: do not hand it to later tests
    outcome = finished[0].outcome
    assert outcome.state == "COMPLETE"
    assert outcome.metrics["value"] == saved  # it started after the last saved step
    assert f"{int(outcome.metrics['node']):08x}" == nodes["node_b"]["NodeID"][:8]
    assert [r.step for r in reports if not r.wants_verdict] == list(range(saved + 1, 11))
    assert json_steps(checkpoint) == 10  # the retry's checkpoints came back too


def json_steps(directory: Path) -> int:
    import json

    try:
        return int(json.loads((directory / "state.json").read_text())["steps"])
    except (FileNotFoundError, ValueError):
        return 0
