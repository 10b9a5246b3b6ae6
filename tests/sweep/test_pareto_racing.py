"""Multi-objective sweeps keep their Pareto candidates: early stopping never stops one.

A brute-force sweep (racing off) and the same sweep with fold racing on (the default) try the same
configurations (a seeded random strategy does not look at results). Every trial on the brute-force
run's Pareto front must run all its folds in the racing run, while racing still stops trials that
are worse on every metric.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import hpsearch
from hpsearch.cli import main
from hpsearch.report import _data

pytestmark = pytest.mark.slow

SPACE = {
    "name": "precision-recall",
    "objective": {
        "type": "sklearn",
        "estimator": "sklearn.tree.DecisionTreeClassifier",
        "params": {"random_state": 0},
        "dataset": "sklearn:breast_cancer",
        "cv": 5,
        "scoring": ["precision", "recall"],
    },
    "metrics": [{"name": "precision", "goal": "maximize"}, {"name": "recall", "goal": "maximize"}],
    "strategy": {"name": "random", "seed": 3},
    "budget": {"trials": 40},
    "parameters": {
        "max_depth": {"type": "int", "low": 1, "high": 12},
        "min_samples_leaf": {"type": "int", "low": 1, "high": 80, "log": True},
        "class_weight": {"type": "categorical", "choices": [None, "balanced"]},
        "max_features": {"type": "categorical", "choices": [None, "sqrt", "log2"]},
        "criterion": {"type": "categorical", "choices": ["gini", "entropy"]},
    },
}


def _sweep(tmp_path: Path, name: str, racing: str | None) -> hpsearch.SweepResult:
    doc = yaml.safe_load(yaml.safe_dump(SPACE))
    if racing is not None:
        doc["objective"]["racing"] = racing
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    out = tmp_path / name
    assert main(["run", str(path), "--out", str(out), "--no-report", "--quiet"]) == 0
    return hpsearch.open(out)


def test_racing_never_stops_a_trial_of_the_brute_force_front(tmp_path):
    brute = _sweep(tmp_path, "brute", "none")
    raced = _sweep(tmp_path, "raced", None)
    assert (brute.trials["state"] == "COMPLETE").all()
    front = _data.pareto_front(brute.trials, _data.objectives(brute))
    front_numbers = set(front.loc[front["pareto"], "number"])
    assert front_numbers

    params = [c for c in brute.trials.columns if c.startswith("param_")]
    merged = brute.trials.merge(raced.trials, on="number", suffixes=("", "_raced"))
    for column in params:  # the same configurations, trial by trial
        assert list(map(repr, merged[column])) == list(map(repr, merged[f"{column}_raced"]))
    raced_state = dict(zip(raced.trials["number"], raced.trials["state"]))
    stopped = {n for n, state in raced_state.items() if state == "PRUNED"}
    assert not stopped & front_numbers, f"front trials stopped: {sorted(stopped & front_numbers)}"
    assert stopped, "fold racing stopped nothing: the check above proved nothing"
    assert _data.stopped_by(raced) == {"fold racing": len(stopped)}


def test_a_pruner_in_a_multi_objective_sweep_is_refused_in_one_line(tmp_path, capsys):
    doc = {**SPACE, "pruner": {"type": "median"}}
    path = tmp_path / "mo.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "pruner.type" in err and "Pareto" in err


def test_validate_says_how_a_multi_objective_sweep_stops_trials(tmp_path, capsys):
    path = tmp_path / "mo.yaml"
    path.write_text(yaml.safe_dump(SPACE), encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "dominated on precision, recall" in out
