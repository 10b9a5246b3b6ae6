"""A driver killed with SIGKILL mid-sweep resumes with nothing lost and nothing duplicated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import yaml

from hpsearch.storage import SweepDirectory

HERE = Path(__file__).parent
BUDGET = 16


def _complete_rows(csv: Path) -> int:
    try:
        return int((pd.read_csv(csv)["state"] == "COMPLETE").sum())
    except (FileNotFoundError, pd.errors.EmptyDataError, KeyError):
        return 0


def test_sigkill_mid_sweep_then_resume(tmp_path):
    space = tmp_path / "space.yaml"
    space.write_text(
        yaml.safe_dump(
            {
                "name": "crash",
                "objective": {"type": "python", "function": "objectives_for_tests:slow_quadratic"},
                "strategy": {"name": "random", "seed": 3},
                "budget": {"trials": BUDGET},
                "parameters": {"x": {"type": "float", "low": -1, "high": 1}},
            }
        )
    )
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": f"{HERE}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    cmd = [
        sys.executable,
        "-m",
        "hpsearch",
        "run",
        str(space),
        "--out",
        str(out),
        "--workers",
        "2",
        "--quiet",
        "--no-report",
    ]
    driver = subprocess.Popen(cmd, env=env)
    deadline = time.monotonic() + 60
    while _complete_rows(out / "trials.csv") < 4 and time.monotonic() < deadline:
        time.sleep(0.1)
        assert driver.poll() is None, "the sweep ended before it could be killed"
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()

    study, _ = SweepDirectory(out).load_study()
    states = [t.state.name for t in study.get_trials()]
    assert "RUNNING" in states  # it really died mid-trial
    assert states.count("COMPLETE") < BUDGET

    resumed = subprocess.run(
        [sys.executable, "-m", "hpsearch", "resume", str(out), "--quiet", "--no-report"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert resumed.returncode == 0, resumed.stderr

    study, _ = SweepDirectory(out).load_study()
    trials = study.get_trials()
    complete = [t for t in trials if t.state.name == "COMPLETE"]
    assert len(complete) == BUDGET
    assert not [t for t in trials if t.state.name in ("RUNNING", "WAITING")]
    assert len({t.params["x"] for t in complete}) == BUDGET  # none duplicated
    interrupted = [t for t in trials if t.state.name == "FAIL"]
    assert interrupted
    for t in interrupted:
        assert t.user_attrs["hpsearch:error"].startswith("interrupted")
        retry = [r for r in trials if r.user_attrs.get("hpsearch:retry_of") == t.number]
        assert len(retry) == 1 and retry[0].params == t.params
        assert retry[0].state.name == "COMPLETE"
    table = pd.read_csv(out / "trials.csv")
    assert (table["state"] == "COMPLETE").sum() == BUDGET


def test_ctrl_c_stops_cleanly_and_the_sweep_resumes(tmp_path):
    space = tmp_path / "space.yaml"
    space.write_text(
        yaml.safe_dump(
            {
                "name": "interrupt",
                "objective": {"type": "python", "function": "objectives_for_tests:slow_quadratic"},
                "strategy": {"name": "random", "seed": 5},
                "budget": {"trials": 20},
                "parameters": {"x": {"type": "float", "low": -1, "high": 1}},
            }
        )
    )
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": f"{HERE}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    driver = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hpsearch",
            "run",
            str(space),
            "--out",
            str(out),
            "--quiet",
            "--no-report",
        ],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while _complete_rows(out / "trials.csv") < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    driver.send_signal(signal.SIGINT)
    _, err = driver.communicate(timeout=30)
    assert driver.returncode == 130
    assert "hpsearch resume" in err and "Traceback" not in err
    resumed = subprocess.run(
        [sys.executable, "-m", "hpsearch", "resume", str(out), "--quiet", "--no-report"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert resumed.returncode == 0, resumed.stderr
    table = pd.read_csv(out / "trials.csv")
    assert (table["state"] == "COMPLETE").sum() == 20
    assert not table["state"].isin(["RUNNING", "WAITING"]).any()
