"""``hpsearch run --executor tune`` writes Tune's trials into the same study and outputs."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from hpsearch.cli import main

pytestmark = pytest.mark.ray


def test_cli_run_with_the_tune_executor(ray_local, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "tune_objective.py").write_text(
        "def objective(params, trial):\n"
        "    for step in range(3):\n"
        "        trial.report((params['x'] - 0.2) ** 2 + 1 / (step + 1), step)\n"
        "    return (params['x'] - 0.2) ** 2\n"
    )
    space = tmp_path / "space.yaml"
    space.write_text(
        yaml.safe_dump(
            {
                "name": "tuned",
                "objective": {"type": "python", "function": "tune_objective:objective"},
                "strategy": {"name": "random", "seed": 0},
                "budget": {"trials": 6},
                "pruner": {"type": "asha", "min_resource": 1},
                "parameters": {
                    "x": {"type": "float", "low": -1, "high": 1},
                    "k": {"type": "categorical", "choices": ["a", "b"]},
                },
            }
        )
    )
    out = tmp_path / "run"
    assert (
        main(["run", str(space), "--executor", "tune", "--out", str(out), "--quiet", "--no-report"])
        == 0
    )
    table = pd.read_csv(out / "trials.csv")
    assert len(table) == 6
    assert set(table["state"]) <= {"COMPLETE", "PRUNED"} and "COMPLETE" in set(table["state"])
    assert table["param_x"].between(-1, 1).all() and set(table["param_k"]) <= {"a", "b"}
    best = yaml.safe_load((out / "best.yaml").read_text())
    assert best["metrics"]["value"] == pytest.approx(table["value"].min())
