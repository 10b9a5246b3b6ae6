"""``--executor tune`` runs the file's sweep: its strategy, budget, limits, retries and pruner,
each result written into the study as it arrives; PBT is reachable from the file."""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from hpsearch.cli import main
from hpsearch.storage import SweepDirectory
from tests.sweep.drivers import states

pytestmark = [pytest.mark.ray, pytest.mark.slow]

HERE = Path(__file__).parent


def write_space(folder: Path, **blocks) -> Path:
    """A space file next to a copy of the test objectives."""
    shutil.copy(HERE / "tune_objectives.py", folder / "tune_objectives.py")
    doc = {
        "name": "tuned",
        "objective": {"type": "python", "function": "tune_objectives:curve"},
        "parameters": {
            "x": {"type": "float", "low": -1, "high": 1},
            "k": {"type": "categorical", "choices": ["a", "b"]},
        },
        **blocks,
    }
    path = folder / "space.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def run(space: Path, out: Path | str, *extra: str) -> pd.DataFrame:
    assert main(["run", str(space), "--out", str(out), "--quiet", "--no-report", *extra]) == 0
    return pd.read_csv(Path(out) / "trials.csv")


def test_same_file_same_sweep_on_local_ray_and_tune(ray_local, tmp_path):
    space = write_space(
        tmp_path,
        strategy={"name": "tpe", "seed": 3, "n_startup_trials": 3},
        budget={"trials": 5},
        execution={"workers": 1},
    )
    kinds = ("local", "ray", "tune")
    tables = {kind: run(space, tmp_path / kind, "--executor", kind) for kind in kinds}
    columns = ["number", "state", "value", "param_x", "param_k"]
    local = tables["local"][columns]
    assert len(local) == 5 and set(local["state"]) == {"COMPLETE"}
    for kind in ("ray", "tune"):
        pd.testing.assert_frame_equal(tables[kind][columns], local, check_exact=False)
    bests = {kind: yaml.safe_load((tmp_path / kind / "best.yaml").read_text()) for kind in tables}
    assert bests["tune"]["params"] == bests["local"]["params"] == bests["ray"]["params"]


def test_a_multi_objective_sweep_is_the_same_on_tune(ray_local, tmp_path):
    space = write_space(
        tmp_path,
        objective={"type": "python", "function": "tune_objectives:tradeoff"},
        metrics=[{"name": "loss", "goal": "minimize"}, {"name": "size", "goal": "minimize"}],
        strategy={"name": "nsga2", "seed": 5},
        budget={"trials": 6},
        execution={"workers": 1},
    )
    tables = {kind: run(space, tmp_path / kind, "--executor", kind) for kind in ("local", "tune")}
    columns = ["number", "state", "value_loss", "value_size", "param_x", "param_k"]
    assert len(tables["local"]) == 6 and set(tables["local"]["state"]) == {"COMPLETE"}
    pd.testing.assert_frame_equal(tables["tune"][columns], tables["local"][columns])
    fronts = {kind: yaml.safe_load((tmp_path / kind / "best.yaml").read_text()) for kind in tables}
    assert fronts["tune"] == fronts["local"]


def test_percentile_pruner_prunes_the_same_trials_as_locally(ray_local, tmp_path):
    space = write_space(
        tmp_path,
        strategy={"name": "random", "seed": 1},
        budget={"trials": 8},
        pruner={"type": "percentile", "percentile": 40, "n_startup_trials": 2},
        execution={"workers": 1},
    )
    local = run(space, tmp_path / "local")
    tuned = run(space, tmp_path / "tune", "--executor", "tune")
    assert "PRUNED" in set(local["state"])
    columns = ["number", "state", "param_x", "param_k", "last_step"]
    pd.testing.assert_frame_equal(tuned[columns], local[columns])


def test_grid_covers_every_point_once_with_a_relative_out(ray_local, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    space = write_space(
        tmp_path,
        strategy={"name": "grid"},
        parameters={
            "x": {"type": "float", "low": 0, "high": 1, "step": 0.5},
            "k": {"type": "categorical", "choices": ["a", "b"]},
        },
    )
    table = run(space.name, "run", "--executor", "tune")
    points = sorted(zip(table["param_x"], table["param_k"]))
    assert points == sorted(itertools.product([0.0, 0.5, 1.0], ["a", "b"]))
    assert set(table["state"]) == {"COMPLETE"}


def test_time_limits_and_retries_are_honoured(ray_local, tmp_path):
    space = write_space(
        tmp_path,
        objective={"type": "python", "function": "tune_objectives:sleepy"},
        strategy={"name": "grid"},
        parameters={"x": {"type": "categorical", "choices": [0.1, 0.9, 0.2]}},
        budget={"trial_timeout": "3s", "max_retries": 1, "timeout": "90s"},
        execution={"workers": 2},
    )
    table = run(space, tmp_path / "run", "--executor", "tune")
    hung = table[table["param_x"] == 0.9]
    assert list(hung["attempt"]) == [0, 1] and set(hung["state"]) == {"FAILED"}
    assert all(error.startswith("timed out after 3s") for error in hung["error"])
    assert set(table[table["param_x"] != 0.9]["state"]) == {"COMPLETE"}
    assert len(table) == 4  # a grid of 3 and one retry, not 50 trials


def test_a_tune_sweep_resumes_like_any_other(ray_local, tmp_path):
    space = write_space(tmp_path, strategy={"name": "random", "seed": 5}, budget={"trials": 3})
    first = run(space, tmp_path / "run", "--executor", "tune")
    assert (
        main(
            [
                "resume",
                str(tmp_path / "run"),
                "--trials",
                "5",
                "--executor",
                "tune",
                "--quiet",
                "--no-report",
            ]
        )
        == 0
    )
    table = pd.read_csv(tmp_path / "run" / "trials.csv")
    assert len(table) == 5 and "RUNNING" not in set(table["state"])
    pd.testing.assert_frame_equal(table.head(3)[first.columns[:5]], first[first.columns[:5]])


def test_pbt_from_the_file_mutates_within_bounds(ray_local, tmp_path):
    space = write_space(
        tmp_path,
        objective={"type": "python", "function": "tune_objectives:population"},
        metric={"name": "value", "goal": "maximize"},
        strategy={"name": "random", "seed": 0},
        parameters={"lr": {"type": "float", "low": 0.01, "high": 1.0}},
        budget={"trials": 2},  # a population that fits at once: PBT never time-shares
        pruner={"type": "pbt", "perturbation_interval": 4, "quantile_fraction": 0.5},
        execution={"workers": 2},
    )
    table = run(space, tmp_path / "run", "--executor", "tune")
    assert len(table) == 2 and set(table["state"]) == {"COMPLETE"}
    study, _ = SweepDirectory(tmp_path / "run").load_study()
    schedules = [t.user_attrs.get("pbt_schedule", []) for t in study.trials]
    assert any(len(s) > 1 for s in schedules), schedules  # some trial copied a better one
    for schedule in schedules:
        for entry in schedule:
            assert 0.01 <= entry["params"]["lr"] <= 1.0


def _complete(out: Path) -> int:
    return states(out).count("COMPLETE")


@pytest.mark.parametrize("stop", ["SIGKILL", "Ctrl-C"])
def test_a_stopped_tune_sweep_resumes_with_every_point_once(ray_local, tmp_path, stop):
    space = write_space(
        tmp_path,
        objective={"type": "python", "function": "tune_objectives:steady"},
        strategy={"name": "grid"},
        parameters={"x": {"type": "categorical", "choices": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]}},
        execution={"workers": 1},
    )
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parents[1]), str(tmp_path)])}
    env.pop("RAY_ADDRESS", None)
    argv = [sys.executable, "-m", "hpsearch.cli", "run", str(space), "--executor", "tune"]
    proc = subprocess.Popen(
        [*argv, "--out", str(out), "--quiet", "--no-report"],
        env=env,
        start_new_session=True,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 240
        # read from the journal: trials.csv lags by seconds
        while time.monotonic() < deadline and proc.poll() is None and _complete(out) < 2:
            time.sleep(0.5)
        assert proc.poll() is None, "the sweep ended before it could be stopped"
        if stop == "Ctrl-C":  # the terminal sends SIGINT to the whole foreground group
            os.killpg(proc.pid, signal.SIGINT)
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 130, err
            assert err.strip().splitlines()[-1].startswith("interrupted: the sweep is saved")
            assert "RUNNING" not in states(out)  # the running trial was recorded as interrupted
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
    argv = ["resume", str(out), "--executor", "tune", "--quiet", "--no-report"]
    assert main(argv) == 0
    table = pd.read_csv(out / "trials.csv")
    complete = table[table["state"] == "COMPLETE"]
    assert sorted(complete["param_x"]) == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
    assert "RUNNING" not in set(table["state"])
