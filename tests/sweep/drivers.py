"""Sweeps run the way a user runs them (the CLI, in a subprocess), killed with SIGKILL, resumed.

The crash tests share these: start a driver, wait until some trials are done, SIGKILL it while
trials run, check that nothing it started is left running, then ``hpsearch resume``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from hpsearch.errors import ConfigError
from hpsearch.storage import SweepDirectory
from tests.processes import Proc, descendants, kill_all, wait_until_gone

HERE = Path(__file__).parent
LOSS_S = 2.0  # a killed driver's worker processes must all have ended this many seconds later
RAY_LOSS_S = 10.0  # a Ray instance's processes, or a cluster's actors (slow on a busy machine)


def sweep_env(**extra: str) -> dict[str, str]:
    """This environment, with the test objectives importable and no Ray cluster to join."""
    env = {**os.environ, **extra}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(HERE), os.environ.get("PYTHONPATH")) if p)
    env.pop("RAY_ADDRESS", None)
    return env


def write_space(path: Path, doc: Mapping[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(dict(doc)))
    return path


def start_sweep(
    space: Path, out: Path, *args: str, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """``hpsearch run SPACE --out OUT ARGS`` in the background (quiet, no report)."""
    cmd = [sys.executable, "-m", "hpsearch", "run", str(space), "--out", str(out)]
    cmd += ["--quiet", "--no-report", *args]
    return subprocess.Popen(cmd, env=dict(env or sweep_env()))


def wait_for_trials(
    driver: subprocess.Popen[bytes],
    out: Path,
    *,
    complete: int,
    running: int = 1,
    timeout: float = 120.0,
) -> None:
    """Wait until the study holds ``complete`` completed and ``running`` running trials."""
    deadline = time.monotonic() + timeout
    while True:
        assert driver.poll() is None, "the sweep ended before it could be killed"
        now = states(out) if (out / "study.journal").exists() else []
        if now.count("COMPLETE") >= complete and now.count("RUNNING") >= running:
            return
        assert time.monotonic() < deadline, f"no {complete} complete + {running} running trials"
        time.sleep(0.1)


def sigkill(
    driver: subprocess.Popen[bytes], within: float = LOSS_S
) -> tuple[list[Proc], list[Proc]]:
    """SIGKILL ``driver``; its descendants just before, and those still running ``within`` s later.

    Whatever is left is killed, so a failing test leaves nothing to the next one.
    """
    before = descendants(driver.pid)
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    left = wait_until_gone(before, within)
    kill_all(left)
    return before, left


def completed(out: Path) -> dict[int, tuple[dict[str, Any], float]]:
    """The sweep's completed trials: number -> (params, value)."""
    study, _ = SweepDirectory(out).load_study()
    return {
        t.number: (dict(t.params), t.values[0])
        for t in study.get_trials()
        if t.state.name == "COMPLETE"
    }


def states(out: Path) -> list[str]:
    """The state of each trial so far (none while the sweep is starting)."""
    try:
        study, _ = SweepDirectory(out).load_study()
    except ConfigError:
        return []
    return [t.state.name for t in study.get_trials()]


def resume(out: Path, *args: str, env: Mapping[str, str] | None = None) -> None:
    """``hpsearch resume OUT`` to the end; it must succeed."""
    resumed = subprocess.run(
        [sys.executable, "-m", "hpsearch", "resume", str(out), "--quiet", "--no-report", *args],
        env=dict(env or sweep_env()),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert resumed.returncode == 0, resumed.stderr


def assert_resumed(
    out: Path, budget: int, kept: Mapping[int, tuple[dict[str, Any], float]]
) -> list[Any]:
    """The budget is complete, nothing is left running, and every trial ``kept`` is unchanged."""
    study, _ = SweepDirectory(out).load_study()
    trials = study.get_trials()
    complete = [t for t in trials if t.state.name == "COMPLETE"]
    assert len(complete) == budget
    assert not [t for t in trials if t.state.name in ("RUNNING", "WAITING")]
    assert completed(out).items() >= kept.items()  # every completed trial kept as it was
    interrupted = [t for t in trials if t.user_attrs.get("hpsearch:error", "").startswith("int")]
    assert interrupted, "no trial was running when the driver was killed"
    for t in interrupted:
        retry = [r for r in trials if r.user_attrs.get("hpsearch:retry_of") == t.number]
        assert len(retry) == 1 and retry[0].params == t.params
        assert retry[0].state.name == "COMPLETE"
    return trials


def assert_deaths_retried(trials: list[Any], budget: int) -> list[Any]:
    """Each trial that lost its worker was retried with the same params, and counted once.

    ``budget`` COMPLETE trials with ``budget`` different params sets, none left running, and
    nothing else ran: every FAILED trial is a ``worker died`` one, followed by exactly one retry
    with its params. Returns the trials that lost their worker.
    """
    complete = [t for t in trials if t.state.name == "COMPLETE"]
    assert len(complete) == budget
    assert not [t for t in trials if t.state.name in ("RUNNING", "WAITING")]
    died = [t for t in trials if t.state.name == "FAIL"]
    errors = {t.user_attrs.get("hpsearch:error", "") for t in died}
    assert all(e.startswith("worker died") for e in errors), errors
    assert len(trials) == budget + len(died)  # a death is retried, not counted as a result
    for t in died:
        retries = [r for r in trials if r.user_attrs.get("hpsearch:retry_of") == t.number]
        assert len(retries) == 1 and retries[0].params == t.params, (t.number, retries)
    done = [tuple(sorted(t.params.items())) for t in complete]
    assert len(set(done)) == budget  # each params set completed once
    assert {tuple(sorted(t.params.items())) for t in died} <= set(done)
    return died
