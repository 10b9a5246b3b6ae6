"""``hpsearch submit`` on a real multi-node cluster: ``ray start`` processes on loopback.

The sweep's driver runs on the cluster as a Ray job; the test drives it only through the CLI
(``submit``, ``status``, ``logs``, ``stop``, ``fetch``), kills nodes and drivers with SIGKILL,
and reads what ``fetch`` brings back.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pandas as pd
import pytest

from tests.cluster.conftest import (
    LoopbackCluster,
    hp,
    is_loopback,
    listening_addresses,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.ray, pytest.mark.timeout(1200)]

PROJECT = Path(__file__).parent / "project"
SPACE = str(PROJECT / "space.yaml")


def done_count(line: str) -> int:
    return int(line.split(" done ", 1)[1].split("/", 1)[0].split()[0])


def fetched_table(capsys, cluster: LoopbackCluster, job: str, into: Path) -> pd.DataFrame:
    out = hp(capsys, "fetch", job, str(into), "--address", cluster.dashboard)
    assert out.startswith("fetched ")
    for name in ("trials.csv", "best.yaml", "report.html", "study.journal", "space.yaml"):
        assert (into / name).is_file(), f"{name} was not fetched"
    return pd.read_csv(into / "trials.csv")


def assert_each_complete_once(table: pd.DataFrame, budget: int) -> pd.DataFrame:
    complete = table[table["state"] == "COMPLETE"]
    assert len(complete) == budget
    assert complete["param_x"].is_unique  # no trial counted twice
    others = table[table["state"] != "COMPLETE"]
    assert set(others["param_x"]) <= set(complete["param_x"])  # each retried, same params
    return complete


def test_stop_resubmit_and_a_killed_driver_lose_no_trial(loopback_cluster, tmp_path, capsys):
    cluster = loopback_cluster
    storage = str(tmp_path / "sweeps")
    submit = ["submit", SPACE, "--address", cluster.dashboard, "--storage", storage]
    submit += ["--name", "stop-resume", "--trials", "9"]
    job = hp(capsys, *submit).strip()
    assert job.startswith("hpsearch-stop-resume-")
    wait_for(capsys, cluster, job, lambda line: done_count(line) >= 2)
    stopped = hp(capsys, "stop", job, "--address", cluster.dashboard)
    assert " STOPPED " in stopped
    log = hp(capsys, "logs", job, "--address", cluster.dashboard)
    assert '"state":"stopped"' in log  # SIGTERM took the Ctrl-C path: outputs written, no loss
    first = done_count(stopped)

    again = hp(capsys, *submit).strip()  # continues the sweep found by name in its storage
    wait_for(capsys, cluster, again, lambda line: done_count(line) >= first + 2)
    driver = next(info for info in _jobs(cluster) if info.submission_id == again).driver_info.pid
    os.kill(int(driver), signal.SIGKILL)
    wait_for(capsys, cluster, again, lambda line: " FAILED " in line)

    last = hp(capsys, *submit).strip()
    wait_for(capsys, cluster, last, lambda line: " SUCCEEDED " in line)
    table = fetched_table(capsys, cluster, last, tmp_path / "fetched")
    complete = assert_each_complete_once(table, 9)
    interrupted = table[table["error"].fillna("").str.startswith("interrupted")]
    assert len(interrupted) >= 2  # the stop and the kill each interrupted running trials
    assert complete["number"].min() == 0  # the first submission's trials are kept
    assert "resuming stop-resume" in hp(capsys, "logs", last, "--address", cluster.dashboard)


def _jobs(cluster: LoopbackCluster):
    from ray.job_submission import JobSubmissionClient

    return JobSubmissionClient(cluster.dashboard).list_jobs()


def test_a_node_killed_mid_sweep_loses_no_trial(loopback_cluster, tmp_path, capsys):
    cluster = loopback_cluster
    alive = {float(n.index) for n in cluster.alive}
    job = hp(
        capsys, "submit", SPACE, "--address", cluster.dashboard, "--storage", str(tmp_path)
    ).strip()
    wait_for(capsys, cluster, job, lambda line: done_count(line) >= 5)
    listening = listening_addresses(cluster.processes())
    assert len(listening) >= 10  # head, two workers, the job's driver: all found
    assert all(is_loopback(a) for a in listening), listening
    victim = next(n for n in cluster.alive if n.name != "head")
    cluster.kill(victim)
    status = wait_for(capsys, cluster, job, lambda line: " SUCCEEDED " in line)
    assert "done 12/12" in status and "failed 0" in status

    table = fetched_table(capsys, cluster, job, tmp_path / "fetched")
    complete = assert_each_complete_once(table, 12)
    assert set(complete["metric_node"]) == alive  # trials ran on every node
    died = table[table["state"] == "FAILED"]
    assert len(died) >= 1 and died["error"].str.startswith("worker died").all()
    retried = complete[complete["param_x"].isin(died["param_x"])]
    assert (retried["metric_node"] != float(victim.index)).all()  # retried elsewhere
