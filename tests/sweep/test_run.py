"""Sweeps driven as a user would: the Python API and the CLI on real files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

import hpsearch
from hpsearch.cli import main

HERE = Path(__file__).parent


@pytest.fixture(autouse=True)
def _importable(monkeypatch):
    monkeypatch.syspath_prepend(str(HERE))


def _space(tmp_path: Path, **extra) -> Path:
    doc = {
        "name": "quad",
        "objective": {"type": "python", "function": "objectives_for_tests:quadratic"},
        "metric": {"name": "loss", "goal": "minimize"},
        "strategy": {"name": "random", "seed": 1},
        "budget": {"trials": 8},
        "parameters": {"x": {"type": "float", "low": -1, "high": 1}},
        **extra,
    }
    path = tmp_path / "space.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def test_run_writes_outputs_and_resumes_to_a_larger_budget(tmp_path):
    out = tmp_path / "run"
    result = hpsearch.run(_space(tmp_path), out=out, report=False)
    assert result.n_complete == 8
    table = pd.read_csv(out / "trials.csv")
    assert list(table.columns[:4]) == ["number", "state", "value", "param_x"]
    assert (table["state"] == "COMPLETE").all()
    best = yaml.safe_load((out / "best.yaml").read_text())
    assert best["params"]["x"] == pytest.approx(result.best_params["x"])
    assert best["metrics"]["loss"] == pytest.approx(table["value"].min())
    assert result.best_value == pytest.approx(table["value"].min())

    again = hpsearch.resume(out, trials=12, report=False)
    assert again.n_complete == 12
    assert sorted(again.trials["number"]) == list(range(12))


def test_same_seed_gives_same_trials(tmp_path):
    a = hpsearch.run(_space(tmp_path), out=tmp_path / "a", report=False)
    b = hpsearch.run(_space(tmp_path), out=tmp_path / "b", report=False)
    assert a.trials["param_x"].tolist() == b.trials["param_x"].tolist()


def test_callable_objective_overrides_file_and_reports_intermediate_values(tmp_path):
    def objective(params, trial):
        for step in range(3):
            trial.report(params["x"] + step, step)
        return {"loss": abs(params["x"]), "extra": 1.5}

    result = hpsearch.run(_space(tmp_path), objective, out=tmp_path / "o", trials=3, report=False)
    assert result.n_complete == 3
    assert (result.trials["metric_extra"] == 1.5).all()
    assert (result.trials["last_step"] == 2).all()


def test_cli_run_prints_summary_and_best_reads_back(tmp_path, capsys):
    out = tmp_path / "cli"
    assert (
        main(["run", str(_space(tmp_path)), "--out", str(out), "--trials", "4", "--no-report"]) == 0
    )
    printed = capsys.readouterr().out
    assert "4 complete" in printed and "best.yaml" in printed
    assert main(["best", str(out), "--format", "json"]) == 0
    best = json.loads(capsys.readouterr().out)
    assert set(best) >= {"trial", "params", "metrics"}
    assert main(["trials", str(out), "--top", "2"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 3


def test_failures_are_recorded_and_the_sweep_goes_on(tmp_path):
    space = _space(
        tmp_path,
        objective={"type": "python", "function": "objectives_for_tests:troublesome"},
        strategy={"name": "grid"},
        budget={"trial_timeout": 3},
        parameters={
            "x": {"type": "float", "low": 0, "high": 1, "step": 0.5},
            "mode": {
                "type": "categorical",
                "choices": ["ok", "raise", "nan", "none", "text", "hang"],
            },
        },
    )
    result = hpsearch.run(space, out=tmp_path / "f", workers=2, report=False)
    table = result.trials
    assert len(table) == 18
    by_mode = {mode: rows for mode, rows in table.groupby("param_mode")}
    assert (by_mode["ok"]["state"] == "COMPLETE").all()
    assert by_mode["raise"]["error"].str.startswith("ValueError: cannot handle x=").all()
    assert by_mode["nan"]["error"].eq("objective returned nan").all()
    assert by_mode["none"]["error"].eq("objective returned None").all()
    assert by_mode["text"]["error"].str.contains("non-number").all()
    hang = by_mode["hang"]
    assert hang["error"].str.startswith("timed out after 3s").all()
    assert (hang["duration_s"] < 3 + 5).all()
    for mode in ("raise", "nan", "none", "text", "hang"):
        assert (by_mode[mode]["state"] == "FAILED").all()
    log = (tmp_path / "f" / "logs").glob("trial-*.log")
    assert any("ValueError" in p.read_text() for p in log)


def test_every_trial_failing_exits_1(tmp_path, capsys):
    space = _space(
        tmp_path,
        objective={"type": "python", "function": "objectives_for_tests:troublesome"},
        parameters={
            "x": {"type": "float", "low": 0, "high": 1},
            "mode": {"type": "constant", "value": "raise"},
        },
    )
    assert (
        main(
            [
                "run",
                str(space),
                "--out",
                str(tmp_path / "x"),
                "--trials",
                "2",
                "--quiet",
                "--no-report",
            ]
        )
        == 1
    )
    assert "every trial failed" in capsys.readouterr().err


def test_max_retries_retries_with_the_same_params(tmp_path):
    calls = []

    def flaky(params):
        calls.append(params["x"])
        if len(calls) % 2:
            raise RuntimeError("transient")
        return params["x"]

    space = _space(tmp_path, budget={"trials": 3, "max_retries": 1})
    result = hpsearch.run(space, flaky, out=tmp_path / "r", report=False)
    assert result.n_complete == 3
    assert calls[0] == calls[1] and calls[2] == calls[3]
    assert (result.trials["state"] == "FAILED").sum() == 3


def test_a_second_driver_on_the_same_directory_is_refused(tmp_path):
    from hpsearch.storage._journal import SweepLock

    out = tmp_path / "busy"
    with SweepLock(out), pytest.raises(hpsearch.errors.SweepLockedError, match="already running"):
        hpsearch.run(_space(tmp_path), out=out, report=False)


def test_resume_refuses_a_different_space(tmp_path):
    out = tmp_path / "d"
    hpsearch.run(_space(tmp_path), out=out, trials=1, report=False)
    other = _space(tmp_path, parameters={"x": {"type": "float", "low": 0, "high": 5}})
    with pytest.raises(hpsearch.ConfigError, match="different parameters"):
        hpsearch.run(other, out=out, report=False)


def test_python_api_rejects_bad_arguments(tmp_path):
    with pytest.raises(hpsearch.ConfigError, match="unknown strategy 'bogus'"):
        hpsearch.run(_space(tmp_path), strategy="bogus", out=tmp_path / "b")
    with pytest.raises(hpsearch.ConfigError, match="no objective"):
        hpsearch.run(
            {"parameters": {"x": {"type": "float", "low": 0, "high": 1}}}, out=tmp_path / "n"
        )


def test_module_entry_point(tmp_path):
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-m", "hpsearch", "validate", str(_space(tmp_path))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0 and "quad" in proc.stdout
