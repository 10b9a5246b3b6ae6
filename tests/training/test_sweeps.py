"""Sweeps over the torch objective: ASHA on a bad space, a Pareto front, the example file."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest

import hpsearch
from hpsearch.config import ObjectiveConfig
from hpsearch.sweep import retrain

from .conftest import make_objective, make_space, optuna_objective

ROOT = Path(__file__).resolve().parents[2]


def test_asha_stops_most_of_a_bad_space_at_the_lowest_rung() -> None:
    params = {
        "lr": {"type": "float", "low": 1e-6, "high": 1.0, "log": True},
        "hidden_size": {"type": "int", "low": 2, "high": 32, "log": True},
    }
    space = make_space(
        params, epochs=9, params={"optimizer": "sgd", "momentum": 0.0}, max_batches=8
    )
    objective = make_objective(
        params, epochs=9, params={"optimizer": "sgd", "momentum": 0.0}, max_batches=8
    )
    study = optuna.create_study(
        direction="maximize",
        sampler=optuna.samplers.RandomSampler(seed=0),
        pruner=optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3),
    )
    study.optimize(optuna_objective(space, objective), n_trials=12, gc_after_trial=False)
    pruned_first_rung = [
        t
        for t in study.trials
        if t.state == optuna.trial.TrialState.PRUNED and max(t.intermediate_values) == 1
    ]
    assert len(pruned_first_rung) >= len(study.trials) / 2
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert complete and all(len(t.intermediate_values) > 1 for t in complete)


def _dominates(a: list[float], b: list[float]) -> bool:
    """a dominates b: accuracy (max) and latency (min) no worse, one strictly better."""
    no_worse = a[0] >= b[0] and a[1] <= b[1]
    return no_worse and (a[0] > b[0] or a[1] < b[1])


@pytest.mark.slow
def test_multi_objective_pareto_front_has_no_dominated_point(tmp_path: Path) -> None:
    doc = make_space(
        {
            "hidden_sizes": {
                "type": "categorical",
                "choices": [[4], [16], [64], [256, 256], [512, 512]],
            },
            "lr": {"type": "float", "low": 1e-3, "high": 3e-2, "log": True},
        },
        metric=[
            {"name": "accuracy", "goal": "maximize"},
            {"name": "latency_ms", "goal": "minimize"},
        ],
        epochs=2,
        max_batches=10,
    ).to_dict()
    doc["strategy"] = {"name": "random", "seed": 0}
    result = hpsearch.run(doc, trials=8, out=tmp_path / "run", report=False)
    table = result.trials[result.trials["state"] == "COMPLETE"]
    points = table[["value_accuracy", "value_latency_ms"]].to_numpy().tolist()
    assert len(points) == 8
    front = [[e["metrics"]["accuracy"], e["metrics"]["latency_ms"]] for e in result.pareto_front]
    assert front
    for p in front:
        assert not any(_dominates(q, p) for q in points)
    # and every point left out is dominated by one on the front
    for q in points:
        assert q in front or any(_dominates(p, q) for p in front)


@pytest.mark.slow
def test_mlp_digits_example_runs_with_asha(tmp_path: Path) -> None:
    space = hpsearch.load_space(ROOT / "search_spaces" / "mlp_digits.yaml")
    assert space.pruner and space.pruner["type"] == "asha"
    small = space.replace(
        objective=ObjectiveConfig("torch", {**space.objective.options, "epochs": 9})
    )
    result = hpsearch.run(small, trials=10, out=tmp_path / "run", report=False)
    states = result.trials["state"].value_counts().to_dict()
    assert states.get("COMPLETE", 0) >= 1 and states.get("PRUNED", 0) >= 3
    assert result.best_value > 0.9
    best = result.trials.loc[result.trials["value"].idxmax(), "number"]
    assert (tmp_path / "run" / "trials" / str(best) / "checkpoint.safetensors").exists()
    final = retrain(tmp_path / "run")
    assert (final / "config.yaml").exists()


@pytest.mark.slow
def test_asha_pruner_block_through_the_sweep_engine(tmp_path: Path) -> None:
    params = {
        "lr": {"type": "float", "low": 1e-6, "high": 1.0, "log": True},
        "hidden_size": {"type": "int", "low": 2, "high": 32, "log": True},
    }
    doc = make_space(
        params, epochs=9, params={"optimizer": "sgd", "momentum": 0.0}, max_batches=8
    ).to_dict()
    doc["strategy"] = {"name": "random", "seed": 0}
    doc["pruner"] = {"type": "asha", "min_resource": 1, "reduction_factor": 3}
    result = hpsearch.run(doc, trials=12, out=tmp_path / "run", report=False)
    trials = result.study.trials
    first_rung = [
        t
        for t in trials
        if t.state == optuna.trial.TrialState.PRUNED and max(t.intermediate_values) == 1
    ]
    assert len(trials) == 12 and len(first_rung) >= 6
