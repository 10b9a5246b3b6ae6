"""A training whose machine dies resumes on another node from its last epoch, not from epoch 0.

The sweep is submitted with ``hpsearch submit``; its one torch training runs on ``node_a`` or
``node_b`` (the nodes with a ``trainer`` resource), never on the head, where the driver and the
sweep directory are. The test waits until the trainer's state after epoch 3 has come back into
the sweep directory, SIGKILLs every process of the node the trial runs on, and checks that the
retry ran on the other node, reported only the epochs after the saved one, is counted once, and
reached exactly the per-epoch values and final metrics of an uninterrupted run.
"""

from __future__ import annotations

import time
from pathlib import Path

import optuna
import pytest

from hpsearch import load_space
from hpsearch.objectives import build_objective
from hpsearch.trial import Trial
from tests.cluster.conftest import LoopbackCluster, hp, wait_for

#: Bringing up the cluster (the first test's set-up) takes minutes on a loaded machine.
pytestmark = [pytest.mark.slow, pytest.mark.ray, pytest.mark.torch, pytest.mark.timeout(1200)]

SPACE = Path(__file__).parent / "torch_project" / "space.yaml"
KILL_AFTER_EPOCH = 3


class Recorder:
    """A channel that keeps every reported value."""

    def __init__(self) -> None:
        self.values: dict[int, float] = {}

    def report(self, step: int, value: float) -> None:
        self.values[step] = value

    def verdict(self, step: int) -> bool:
        return False


def uninterrupted() -> tuple[dict[int, float], dict[str, float]]:
    """Per-epoch values and metrics of the same training run here, start to end."""
    config = load_space(SPACE)
    objective = build_objective(config.objective, config, base_dir=str(SPACE.parent))
    recorder = Recorder()
    metrics = objective({"lr": 0.003}, Trial(0, {"lr": 0.003}, channel=recorder))
    return recorder.values, metrics


def trainer_nodes(cluster: LoopbackCluster, job: str, state: str | None = None) -> set[str]:
    """The names of the nodes where the sweep's trial actors lived (or live: ``ALIVE``)."""
    from ray.job_submission import JobSubmissionClient
    from ray.util.state import list_actors, list_nodes

    ray_job = JobSubmissionClient(cluster.dashboard).get_job_info(job).job_id
    filters = [("class_name", "=", "TrialWorker"), ("job_id", "=", ray_job)]
    if state:
        filters.append(("state", "=", state))
    actors = list_actors(address=cluster.dashboard, filters=filters, detail=True)
    nodes = {n.node_id: n for n in list_nodes(address=cluster.dashboard, detail=True)}
    names = set()
    for actor in actors:
        if actor.node_id in nodes:  # a replacement never placed has no node
            total = nodes[actor.node_id].resources_total
            names.add(next(name for name in ("node_a", "node_b") if name in total))
    return names


def test_a_training_on_a_killed_node_resumes_at_its_epoch_elsewhere(
    loopback_cluster, tmp_path, capsys
):
    cluster = loopback_cluster
    job = hp(capsys, "submit", str(SPACE), "--address", cluster.dashboard,
             "--storage", str(tmp_path)).strip()  # fmt: skip
    sweep = tmp_path / "resume-after-node-loss"
    state = sweep / "trials" / "0" / "checkpoint" / f"epoch-{KILL_AFTER_EPOCH:04d}.json"
    end = time.monotonic() + 240
    while not state.exists():  # written by the driver: the trial runs on another node
        assert time.monotonic() < end, "the trainer's state after epoch 3 never came back"
        time.sleep(0.05)
    (victim,) = trainer_nodes(cluster, job, "ALIVE")
    cluster.kill(cluster.node(victim))
    status = wait_for(capsys, cluster, job, lambda line: " SUCCEEDED " in line, limit=300)
    assert "done 1/1" in status and "failed 0" in status  # the lost attempt is not counted

    hp(capsys, "fetch", job, str(tmp_path / "fetched"), "--address", cluster.dashboard)
    storage = optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(str(tmp_path / "fetched" / "study.journal"))
    )
    trials = optuna.load_study(study_name="resume-after-node-loss", storage=storage).trials
    assert [t.state.name for t in trials] == ["FAIL", "COMPLETE"]
    lost, retry = trials
    assert lost.user_attrs["hpsearch:error"].startswith("worker died")
    assert retry.params == lost.params
    lost_steps, retry_steps = sorted(lost.intermediate_values), sorted(retry.intermediate_values)
    resumed_at = retry_steps[0] - 1  # the epoch whose state the retry loaded
    # an epoch's state is saved before its value is reported: a node that dies between the two
    # leaves a state one epoch ahead of the study, and that epoch is not trained again
    assert KILL_AFTER_EPOCH <= resumed_at <= lost_steps[-1] + 1 and lost_steps[-1] < 10
    assert retry_steps == list(range(resumed_at + 1, 11))  # not from epoch 1
    survivor = next(n for n in ("node_a", "node_b") if n != victim)
    assert trainer_nodes(cluster, job) == {victim, survivor}  # the retry ran on the survivor

    values, metrics = uninterrupted()
    assert {s: values[s] for s in lost_steps} == lost.intermediate_values
    assert {s: values[s] for s in retry_steps} == retry.intermediate_values
    assert retry.values[0] == metrics["accuracy"]
