"""A driver killed with SIGKILL mid-sweep leaves no process of its sweep running, and the sweep
resumes with nothing lost and nothing duplicated."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest

from hpsearch.storage import SweepDirectory
from tests.processes import descendants
from tests.sweep.drivers import (
    LOSS_S,
    RAY_LOSS_S,
    assert_deaths_retried,
    assert_resumed,
    completed,
    resume,
    sigkill,
    start_sweep,
    states,
    sweep_env,
    wait_for_trials,
    write_space,
)

BUDGET = 16
X = {"x": {"type": "float", "low": -1, "high": 1}}


def _kill_mid_sweep(space, out, *args, done=4, wait_for=None, env=None, within=LOSS_S):
    """Run the sweep, SIGKILL its driver while a trial runs after ``done`` trials (and once
    ``wait_for`` holds for its descendants), and check that nothing it started runs on; returns
    the descendants it had and the completed trials."""
    driver = start_sweep(space, out, *args, env=env)
    try:
        wait_for_trials(driver, out, complete=done)
        deadline = time.monotonic() + 30
        while wait_for is not None and not wait_for(descendants(driver.pid)):
            assert driver.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline, "the sweep never reached the state to kill it in"
            time.sleep(0.05)
    except BaseException:
        driver.kill()
        driver.wait()
        raise
    before, left = sigkill(driver, within)
    assert not left, "still running after the driver was killed:\n" + "\n".join(map(str, left))
    assert "RUNNING" in states(out)  # it really died mid-trial
    kept = completed(out)
    assert done <= len(kept)
    return before, kept


def test_sigkill_mid_sweep_then_resume(tmp_path):
    space = write_space(
        tmp_path / "space.yaml",
        {
            "name": "crash",
            "objective": {"type": "python", "function": "objectives_for_tests:slow_quadratic"},
            "strategy": {"name": "random", "seed": 3},
            "budget": {"trials": BUDGET},
            "parameters": X,
        },
    )
    out = tmp_path / "run"
    before, kept = _kill_mid_sweep(space, out, "--workers", "2")
    assert len([p for p in before if "hpsearch run" in p.cmdline]) >= 2  # the two workers
    assert len(kept) < BUDGET

    resume(out)  # no stale lock, no worker of the old run in the way
    trials = assert_resumed(out, BUDGET, kept)
    complete = [t for t in trials if t.state.name == "COMPLETE"]
    assert len({t.params["x"] for t in complete}) == BUDGET  # none duplicated
    for t in trials:
        if t.state.name == "FAIL":
            assert t.user_attrs["hpsearch:error"].startswith("interrupted")
    table = pd.read_csv(out / "trials.csv")
    assert (table["state"] == "COMPLETE").sum() == BUDGET


@pytest.mark.slow
@pytest.mark.torch
def test_sigkill_mid_torch_sweep_then_resume(tmp_path):
    pytest.importorskip("torch")
    space = write_space(
        tmp_path / "space.yaml",
        {
            "name": "crash-torch",
            "objective": {
                "type": "torch",
                "dataset": "sklearn:digits",
                "epochs": 3,
                "validation": {"split": 0.25, "seed": 0},
                "early_stopping": False,
            },
            "metric": {"name": "accuracy", "goal": "maximize"},
            "strategy": {"name": "random", "seed": 0},
            "budget": {"trials": 4, "trial_timeout": "5m"},  # one worker process
            "parameters": {"lr": {"type": "float", "low": 1e-3, "high": 1e-1, "log": True}},
        },
    )
    out = tmp_path / "run"
    before, kept = _kill_mid_sweep(space, out, done=1)
    assert any("hpsearch run" in p.cmdline for p in before)  # the worker
    resume(out)
    assert_resumed(out, 4, kept)


PROGRAM = textwrap.dedent("""
    import json, subprocess, sys, time
    # What the program starts is in its process group: it must end with the sweep too.
    helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)  # helper"])
    x = float(sys.argv[1].split("=")[1])
    for step in range(12):
        time.sleep(0.1)
        print(json.dumps({"step": step, "loss": x * x + 1.0 / (step + 1)}), flush=True)
    helper.kill()
    print(json.dumps({"loss": x * x}))
""")


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_sigkill_mid_command_sweep_ends_the_programs_and_theirs(tmp_path, workers):
    """One worker: the command runs under the driver itself; two: under worker processes."""
    (tmp_path / "train.py").write_text(PROGRAM)
    space = write_space(
        tmp_path / "space.yaml",
        {
            "name": "crash-command",
            "objective": {"type": "command", "program": "train.py"},
            "metric": {"name": "loss", "goal": "minimize"},
            "strategy": {"name": "random", "seed": 1},
            "budget": {"trials": 6},
            "parameters": X,
        },
    )
    out = tmp_path / "run"

    def helper_running(procs):
        return any("# helper" in p.cmdline for p in procs)

    before, kept = _kill_mid_sweep(
        space, out, "--workers", str(workers), done=2, wait_for=helper_running
    )
    assert helper_running(before)
    resume(out)
    assert_resumed(out, 6, kept)


@pytest.mark.slow
@pytest.mark.ray
def test_sigkill_mid_ray_sweep_stops_the_private_instance(tmp_path):
    """No raylet, GCS, agent or actor of the Ray instance the driver started stays up."""
    pytest.importorskip("ray")
    space = write_space(
        tmp_path / "space.yaml",
        {
            "name": "crash-ray",
            "objective": {"type": "python", "function": "objectives_for_tests:sleepy_quadratic"},
            "strategy": {"name": "random", "seed": 4},
            "budget": {"trials": 8},
            "execution": {"executor": "ray", "workers": 2},
            "parameters": X,
        },
    )
    out = tmp_path / "run"
    env = sweep_env(RAY_DEFAULT_OBJECT_STORE_MEMORY_PROPORTION="0.01")

    def actors_running(procs):
        return sum("ray::TrialWorker" in p.cmdline for p in procs) == 2

    before, kept = _kill_mid_sweep(
        space, out, done=2, wait_for=actors_running, env=env, within=RAY_LOSS_S
    )
    names = " ".join(p.cmdline for p in before)
    assert "raylet" in names and "gcs_server" in names and "ray::RuntimeEnvAgent" in names
    resume(out, "--executor", "local", "--workers", "2")  # spares the suite a second Ray start
    assert_resumed(out, 8, kept)


def test_ctrl_c_stops_cleanly_and_the_sweep_resumes(tmp_path):
    space = write_space(
        tmp_path / "space.yaml",
        {
            "name": "interrupt",
            "objective": {"type": "python", "function": "objectives_for_tests:slow_quadratic"},
            "strategy": {"name": "random", "seed": 5},
            "budget": {"trials": 20},
            "parameters": X,
        },
    )
    out = tmp_path / "run"
    cli = [sys.executable, "-m", "hpsearch", "run", str(space), "--out", str(out), "--quiet"]
    driver = subprocess.Popen(
        [*cli, "--no-report"],
        env=sweep_env(),
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_trials(driver, out, complete=1, running=0)
    driver.send_signal(signal.SIGINT)
    _, err = driver.communicate(timeout=30)
    assert driver.returncode == 130
    assert "hpsearch resume" in err and "Traceback" not in err
    resume(out)
    table = pd.read_csv(out / "trials.csv")
    assert (table["state"] == "COMPLETE").sum() == 20
    assert not table["state"].isin(["RUNNING", "WAITING"]).any()


def test_a_worker_killed_mid_trial_is_retried_with_its_params_and_counted_once(tmp_path):
    """The engine, as a user runs it: a worker process SIGKILLed mid-trial (x=1 and x=4, first
    attempt) is replaced, its trial retried with the same params, and the budget of 8 (of 12
    grid points) still ends with 8 completed trials and nothing else run."""
    space = write_space(
        tmp_path / "space.yaml",
        {
            "name": "worker-death",
            "objective": {
                "type": "python",
                "function": "objectives_for_tests:dies_on_first_attempt",
            },
            "strategy": {"name": "grid"},  # x = 0, 1, 2, ... in order
            "budget": {"trials": 8},
            "parameters": {"x": {"type": "int", "low": 0, "high": 11}},
        },
    )
    out = tmp_path / "run"
    driver = start_sweep(space, out, "--workers", "2")
    assert driver.wait(timeout=180) == 0
    study, _ = SweepDirectory(out).load_study()
    died = assert_deaths_retried(study.get_trials(), 8)
    assert sorted(t.params["x"] for t in died) == [1, 4]
    table = pd.read_csv(out / "trials.csv")
    assert sorted(table.loc[table["state"] == "COMPLETE", "param_x"]) == list(range(8))
