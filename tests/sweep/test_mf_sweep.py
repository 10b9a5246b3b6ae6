"""The ``mf`` strategy driven the way a user runs it: a space file, ``hpsearch run``/``resume``.

Every trial is one segment of a configuration (user attrs name it, its rung and its target
step); a segment stops when it reports its rung's step, and a promotion continues in the
configuration's checkpoint folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import optuna
import pytest
import yaml

from hpsearch.storage import SweepDirectory
from hpsearch.strategies import rung_levels
from tests.sweep.drivers import states

HERE = Path(__file__).parent
LEVELS = rung_levels(1, 27, eta=3)  # (1, 3, 9, 27)
ENV = {**os.environ, "PYTHONPATH": f"{HERE}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}


def _space(tmp_path: Path, trials: int, **extra: object) -> Path:
    doc = {
        "name": "mf-curve",
        "objective": {"type": "python", "function": "mf_objectives:curve"},
        "strategy": {
            "name": "mf",
            "seed": 0,
            "fidelity": {"resource": "step", "min": 1, "max": 27, "eta": 3},
        },
        "budget": {"trials": trials},
        "parameters": {
            "x": {"type": "float", "low": -1, "high": 1},
            "y": {"type": "float", "low": -1, "high": 1},
        },
        **extra,
    }
    path = tmp_path / "space.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def _hpsearch(*args: str, env: dict[str, str] = ENV) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "hpsearch", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)


def _segments(out: Path) -> list[optuna.trial.FrozenTrial]:
    study, _ = SweepDirectory(out).load_study()
    return sorted(study.get_trials(), key=lambda t: t.number)


def _by_config(trials: list[optuna.trial.FrozenTrial]) -> dict[int, list]:
    configs: dict[int, list] = defaultdict(list)
    for t in trials:
        configs[t.user_attrs["hpsearch:mf_config"]].append(t)
    return configs


def test_mf_sweep_from_a_space_file_promotes_and_continues(tmp_path: Path) -> None:
    space = _space(tmp_path, trials=40)
    shown = _hpsearch("validate", str(space))
    assert shown.returncode == 0 and "fidelity:   step from 1 to 27, eta 3 (rungs 1, 3, 9, 27)" in (
        shown.stdout
    )
    out = tmp_path / "run"
    done = _hpsearch("run", str(space), "--out", str(out), "--workers", "2", "--quiet")
    assert done.returncode == 0, done.stderr
    trials = _segments(out)
    assert len(trials) == 40 and all("hpsearch:mf_rung" in t.user_attrs for t in trials)
    per_rung = Counter(t.user_attrs["hpsearch:mf_rung"] for t in trials)
    assert per_rung[0] > per_rung[1] >= per_rung[2] >= per_rung[3] >= 1
    for t in trials:
        target = t.user_attrs["hpsearch:mf_resource"]
        assert target == LEVELS[t.user_attrs["hpsearch:mf_rung"]]
        steps = sorted(t.intermediate_values)
        assert steps[-1] == target  # stopped at its rung (the top rung completes there)
        start = t.user_attrs["hpsearch:mf_resume_from"] or 0
        assert steps[0] == start + 1  # a promotion continued from its checkpoint
        expected = "COMPLETE" if target == 27 else "PRUNED"
        assert t.state.name == expected
    for segments in _by_config(trials).values():
        rungs = [s.user_attrs["hpsearch:mf_rung"] for s in segments]
        assert rungs == list(range(len(rungs)))  # climbed one rung at a time, once each
        log = SweepDirectory(out).checkpoint_dir(segments[0].number) / "steps.log"
        trained = [int(line.split()[1]) for line in log.read_text().split("\n") if line]
        assert trained == list(range(1, LEVELS[rungs[-1]] + 1))  # no step trained twice
    best = yaml.safe_load((out / "best.yaml").read_text())
    complete = [t for t in trials if t.state.name == "COMPLETE"]
    assert best["metrics"]["value"] == pytest.approx(min(t.value for t in complete))
    assert (out / "report.html").exists()


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        ({"pruner": {"type": "asha"}}, "pruner", "remove the pruner block"),
        ({"execution": {"executor": "tune"}}, "execution.executor", "cannot honour"),
        ({"strategy": {"name": "mf"}}, "strategy.fidelity", "missing"),
        ({"strategy": {"name": "mf", "fidelity": {"max": 9, "eta": 1}}}, "eta", "> 1"),
        (
            {"strategy": {"name": "mf", "fidelity": {"resource": "epochs", "max": 9}}},
            "resource",
            "use resource: step",
        ),
    ],
)
def test_mf_refuses_what_it_cannot_do_in_one_line(
    tmp_path: Path, change: dict, key: str, words: str
) -> None:
    shown = _hpsearch("validate", str(_space(tmp_path, 10, **change)))
    assert shown.returncode == 2
    lines = shown.stderr.strip().splitlines()
    assert len(lines) == 1 and key in lines[0] and words in lines[0], shown.stderr


def test_mf_with_a_command_objective_stops_it_at_each_rung(tmp_path: Path) -> None:
    doc = {
        "name": "mf-command",
        "objective": {"type": "command", "command": [sys.executable, str(HERE / "mf_command.py")]},
        "strategy": {"name": "mf", "seed": 1, "fidelity": {"min": 1, "max": 9}},
        "budget": {"trials": 14},
        "parameters": {"x": {"type": "float", "low": -1, "high": 1}},
    }
    space = tmp_path / "space.yaml"
    space.write_text(yaml.safe_dump(doc))
    out = tmp_path / "run"
    done = _hpsearch("run", str(space), "--out", str(out), "--quiet", "--no-report")
    assert done.returncode == 0, done.stderr
    trials = _segments(out)
    assert len(trials) == 14
    per_rung = Counter(t.user_attrs["hpsearch:mf_rung"] for t in trials)
    assert per_rung[0] >= 6 and per_rung[1] >= 2 and per_rung[2] >= 1
    assert any(t.state.name == "COMPLETE" and t.user_attrs["hpsearch:mf_rung"] == 2 for t in trials)
    for t in trials:
        steps = sorted(t.intermediate_values)
        if t.state.name == "PRUNED":  # stopped once it reported its rung's step (or a bit later)
            assert steps[-1] >= t.user_attrs["hpsearch:mf_resource"]
        if t.user_attrs["hpsearch:mf_rung"] > 0 and steps:  # continued from its state file
            assert steps[0] > t.user_attrs["hpsearch:mf_resume_from"]


@pytest.mark.slow
def test_mf_sweep_killed_mid_run_resumes_without_repeating_a_promotion(tmp_path: Path) -> None:
    space = _space(tmp_path, trials=30)
    out = tmp_path / "run"
    env = {**ENV, "MF_STEP_SLEEP": "0.15"}
    cmd = [sys.executable, "-m", "hpsearch", "run", str(space), "--out", str(out)]
    driver = subprocess.Popen([*cmd, "--workers", "2", "--quiet", "--no-report"], env=env)
    deadline = time.monotonic() + 120

    def mid_run() -> bool:
        """12 stages done and one running (not between two of them), read from the journal."""
        now = Counter(states(out))
        return now["COMPLETE"] + now["PRUNED"] >= 12 and now["RUNNING"] > 0

    while time.monotonic() < deadline and not mid_run():
        time.sleep(0.05)
        assert driver.poll() is None, "the sweep ended before it could be killed"
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    assert any(t.state.name == "RUNNING" for t in _segments(out))

    resumed = _hpsearch("resume", str(out), "--quiet", "--no-report", env=env)
    assert resumed.returncode == 0, resumed.stderr
    trials = _segments(out)
    final = [t for t in trials if t.state.name in ("COMPLETE", "PRUNED")]
    assert len(final) == 30
    for segments in _by_config(final).values():
        rungs = [s.user_attrs["hpsearch:mf_rung"] for s in segments]
        assert rungs == list(range(len(rungs)))  # each rung once, none skipped
    for t in trials:
        if t.user_attrs.get("hpsearch:retry_of") is not None:  # a retry runs the same segment
            origin = next(s for s in trials if s.number == t.user_attrs["hpsearch:retry_of"])
            for key in ("hpsearch:mf_config", "hpsearch:mf_rung", "hpsearch:mf_resource"):
                assert t.user_attrs[key] == origin.user_attrs[key]


@pytest.mark.slow
@pytest.mark.torch
def test_mf_torch_sweep_continues_promoted_trainings(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    doc = yaml.safe_load((HERE.parents[1] / "search_spaces" / "mlp_digits_mf.yaml").read_text())
    doc["objective"]["epochs"] = 9
    doc["strategy"]["fidelity"]["max"] = 9
    doc["budget"] = {"trials": 13}
    space = tmp_path / "space.yaml"
    space.write_text(yaml.safe_dump(doc))
    out = tmp_path / "run"
    done = _hpsearch("run", str(space), "--out", str(out), "--quiet", "--no-report")
    assert done.returncode == 0, done.stderr
    trials = _segments(out)
    ends = Counter((t.state.name, max(t.intermediate_values)) for t in trials)
    assert ends[("PRUNED", 1)] == 9 and ends[("PRUNED", 3)] == 3 and ends[("COMPLETE", 9)] == 1
    for t in trials:  # promoted from the saved training state: only the new epochs ran
        start = t.user_attrs["hpsearch:mf_resume_from"] or 0
        assert min(t.intermediate_values) == start + 1
    top = next(t for t in trials if t.state.name == "COMPLETE")
    first = _by_config(trials)[top.user_attrs["hpsearch:mf_config"]][0]
    assert top.value > 0.9 and top.value >= first.intermediate_values[1]
