"""Small Optuna studies turned into sweep records, shared by the report tests."""

from __future__ import annotations

import math

import numpy as np
import optuna
import pytest

from hpsearch import load_space
from hpsearch.storage import SweepResult
from hpsearch.strategies import suggest

optuna.logging.set_verbosity(optuna.logging.ERROR)


def make_space(*, metrics=None, name="demo sweep", parameters=None):
    """A small space: a log float, an int and a categorical (or the given parameters)."""
    spec = {
        "name": name,
        "objective": {"type": "python", "function": "demo:objective"},
        "strategy": {"name": "random", "seed": 0},
        "parameters": parameters
        or {
            "lr": {"type": "float", "low": 1e-4, "high": 1.0, "log": True},
            "depth": {"type": "int", "low": 1, "high": 8},
            "kernel": {"type": "categorical", "choices": ["rbf", "linear", "poly"]},
        },
    }
    if metrics is None:
        spec["metric"] = {"name": "loss", "goal": "minimize"}
    else:
        spec["metrics"] = metrics
    return load_space(spec)


def single_record(n_trials=30, *, seed=0, name="demo sweep", prune=True, fail=True):
    """One-objective study: loss driven mostly by lr, with pruned and failed trials."""
    space = make_space(name=name)
    study = optuna.create_study(
        direction="minimize", sampler=optuna.samplers.RandomSampler(seed=seed)
    )

    def objective(trial):
        p = suggest(trial, space.space)
        loss = (math.log10(p["lr"]) + 2) ** 2 + 0.05 * p["depth"] + (p["kernel"] == "poly")
        for step in range(5):
            trial.report(loss + 1.0 / (step + 1), step)
        if fail and trial.number % 9 == 4:
            trial.set_user_attr("hpsearch:error", "ValueError: diverged at step 3")
            raise RuntimeError("diverged")
        if prune and trial.number % 7 == 3:
            raise optuna.TrialPruned()
        trial.set_user_attr("hpsearch:metrics", {"loss": loss, "cv_std": 0.01 * p["depth"]})
        return loss

    study.optimize(objective, n_trials=n_trials, catch=(RuntimeError,))
    return SweepResult.from_study(study, space)


def multi_record(n_trials=40, *, k=2, seed=1):
    """Multi-objective study (accuracy up, latency down, optionally size down)."""
    metrics = [
        {"name": "accuracy", "goal": "maximize"},
        {"name": "latency", "goal": "minimize"},
        {"name": "size", "goal": "minimize"},
    ][:k]
    space = make_space(metrics=metrics, name="multi")
    study = optuna.create_study(
        directions=[m["goal"] for m in metrics], sampler=optuna.samplers.RandomSampler(seed=seed)
    )
    rng = np.random.default_rng(seed)

    def objective(trial):
        p = suggest(trial, space.space)
        acc = 1 - abs(math.log10(p["lr"]) + 2) / 5 + 0.01 * p["depth"] + rng.normal(0, 0.01)
        lat = p["depth"] * 2.0 + rng.normal(0, 0.5) + (p["kernel"] == "poly")
        size = p["depth"] ** 1.5 + rng.normal(0, 0.2)
        return (acc, lat, size)[:k]

    study.optimize(objective, n_trials=n_trials)
    return SweepResult.from_study(study, space)


@pytest.fixture(scope="session")
def single():
    return single_record()


@pytest.fixture(scope="session")
def multi():
    return multi_record()


@pytest.fixture(scope="session")
def multi3():
    return multi_record(k=3, n_trials=50)
