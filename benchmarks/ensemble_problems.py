"""The ensemble benchmark's problems: scikit-learn CV sweeps on bundled or generated data, and
torch trainer sweeps, each a native space file (a dict) with ``ensemble:`` on.

The model/dataset pairs are chosen apart from the search-quality suite's
(:mod:`benchmarks.quality.problems`: SVC/digits, random forest/wine, HistGradientBoosting/
breast cancer, MLPClassifier/digits, k-NN/wine, ElasticNet/diabetes): no pair repeats, and only
SVC appears in both, on other data (breast cancer with scaling and Platt probabilities; moons with
hard labels). ``TUNING`` problems are the ones looked at when choosing the ensemble defaults; the
others are only scored.

Example:
    >>> sorted(PROBLEMS)[:3]
    ['adaboost_breast_cancer', 'extratrees_digits', 'gbc_wine']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["PROBLEMS", "TUNING", "EnsembleProblem"]

CV = {"type": "stratified", "n_splits": 5, "shuffle": True, "seed": 0}
CV_REG = {"type": "kfold", "n_splits": 5, "shuffle": True, "seed": 0}


@dataclass(frozen=True)
class EnsembleProblem:
    """A sweep to run, with what the results table says about it."""

    name: str
    description: str
    space: dict[str, Any]
    trials: int


# -- datasets (module:function, so that worker processes can load them) ---------------------
def moons() -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles, 500 points, noise 0.3 (scikit-learn's make_moons)."""
    from sklearn.datasets import make_moons

    return make_moons(n_samples=500, noise=0.3, random_state=0)


def friedman1() -> tuple[np.ndarray, np.ndarray]:
    """Friedman #1 regression, 400 points, 10 features (5 informative), noise 1.0."""
    from sklearn.datasets import make_friedman1

    return make_friedman1(n_samples=400, n_features=10, noise=1.0, random_state=0)


def friedman3() -> tuple[np.ndarray, np.ndarray]:
    """Friedman #3 regression (an arctangent of feature interactions), 400 points."""
    from sklearn.datasets import make_friedman3

    return make_friedman3(n_samples=400, noise=0.1, random_state=0)


# -- estimators that need scaling first (factories: the sweep sets model.<param>) ----------
def _scaled(model: Any) -> Any:
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline([("scale", StandardScaler()), ("model", model)])


def scaled_logreg(**params: Any) -> Any:
    from sklearn.linear_model import LogisticRegression

    return _scaled(LogisticRegression(max_iter=2000, **params))


def scaled_svc(**params: Any) -> Any:
    from sklearn.svm import SVC

    return _scaled(SVC(probability=True, random_state=0, **params))


def scaled_kernel_ridge(**params: Any) -> Any:
    from sklearn.kernel_ridge import KernelRidge

    return _scaled(KernelRidge(kernel="rbf", **params))


def _log(low: float, high: float) -> dict[str, Any]:
    return {"type": "float", "low": low, "high": high, "log": True}


def _sk(
    name: str,
    description: str,
    estimator: str,
    dataset: str,
    scoring: str,
    parameters: dict[str, Any],
    *,
    params: dict[str, Any] | None = None,
    regression: bool = False,
    trials: int = 40,
) -> EnsembleProblem:
    space = {
        "name": name,
        "objective": {
            "type": "sklearn",
            "estimator": estimator,
            "params": params or {},
            "dataset": dataset,
            "cv": CV_REG if regression else CV,
            "scoring": scoring,
            "racing": False,  # racing-stopped trials store no predictions
            "ensemble": {"keep": 50},
        },
        "metric": {"name": scoring, "goal": "maximize"},
        "strategy": {"name": "bayes", "seed": 0},
        "parameters": parameters,
    }
    return EnsembleProblem(name, description, space, trials)


def _torch(
    name: str, description: str, dataset: str, metric: tuple[str, str], block: dict[str, Any]
) -> EnsembleProblem:
    space = {
        "name": name,
        "objective": {
            "type": "torch",
            "dataset": dataset,
            "seed": 0,
            "num_workers": 1,
            "ensemble": {"keep": 50},
            **block,
        },
        "metric": {"name": metric[0], "goal": metric[1]},
        "strategy": {"name": "bayes", "seed": 0},
        "parameters": {
            "lr": _log(3e-4, 3e-2),
            "hidden_sizes": {"type": "categorical", "choices": [[32], [64], [128], [128, 64]]},
            "dropout": {"type": "float", "low": 0.0, "high": 0.4},
            "weight_decay": _log(1e-6, 1e-2),
        },
    }
    return EnsembleProblem(name, description, space, 24)


SKLEARN = (
    _sk(
        "tree_wine",
        "DecisionTreeClassifier on wine, log loss",
        "sklearn.tree.DecisionTreeClassifier",
        "sklearn:wine",
        "neg_log_loss",
        {
            "max_depth": {"type": "int", "low": 1, "high": 12},
            "min_samples_leaf": {"type": "int", "low": 1, "high": 30},
            "max_features": {"type": "float", "low": 0.2, "high": 1.0},
            "criterion": {"type": "categorical", "choices": ["gini", "entropy"]},
        },
        params={"random_state": 0},
    ),
    _sk(
        "adaboost_breast_cancer",
        "AdaBoostClassifier on breast cancer, ROC AUC",
        "sklearn.ensemble.AdaBoostClassifier",
        "sklearn:breast_cancer",
        "roc_auc",
        {
            "n_estimators": {"type": "int", "low": 10, "high": 200, "log": True},
            "learning_rate": _log(0.01, 2.0),
        },
        params={"random_state": 0},
    ),
    _sk(
        "gbr_friedman1",
        "GradientBoostingRegressor on Friedman #1 (400 rows), MSE",
        "sklearn.ensemble.GradientBoostingRegressor",
        "benchmarks.ensemble_problems:friedman1",
        "neg_mean_squared_error",
        {
            "n_estimators": {"type": "int", "low": 20, "high": 300, "log": True},
            "learning_rate": _log(0.01, 0.5),
            "max_depth": {"type": "int", "low": 1, "high": 6},
            "subsample": {"type": "float", "low": 0.5, "high": 1.0},
        },
        params={"random_state": 0},
        regression=True,
    ),
    _sk(
        "extratrees_digits",
        "ExtraTreesClassifier on digits, accuracy",
        "sklearn.ensemble.ExtraTreesClassifier",
        "sklearn:digits",
        "accuracy",
        {
            "n_estimators": {"type": "int", "low": 10, "high": 120, "log": True},
            "max_features": {"type": "float", "low": 0.05, "high": 0.6},
            "min_samples_leaf": {"type": "int", "low": 1, "high": 10},
            "max_depth": {"type": "int", "low": 3, "high": 30},
        },
        params={"random_state": 0, "n_jobs": 1},
    ),
    _sk(
        "logreg_digits",
        "scaled LogisticRegression on digits (C only), log loss",
        "benchmarks.ensemble_problems:scaled_logreg",
        "sklearn:digits",
        "neg_log_loss",
        {"model.C": _log(1e-4, 1e2)},
    ),
    _sk(
        "svc_breast_cancer",
        "scaled SVC (Platt probabilities) on breast cancer, accuracy",
        "benchmarks.ensemble_problems:scaled_svc",
        "sklearn:breast_cancer",
        "accuracy",
        {"model.C": _log(1e-2, 1e3), "model.gamma": _log(1e-4, 1.0)},
    ),
    _sk(
        "gbc_wine",
        "GradientBoostingClassifier on wine, log loss",
        "sklearn.ensemble.GradientBoostingClassifier",
        "sklearn:wine",
        "neg_log_loss",
        {
            "n_estimators": {"type": "int", "low": 10, "high": 150, "log": True},
            "learning_rate": _log(0.01, 1.0),
            "max_depth": {"type": "int", "low": 1, "high": 5},
            "subsample": {"type": "float", "low": 0.5, "high": 1.0},
        },
        params={"random_state": 0},
    ),
    _sk(
        "svc_labels_moons",
        "SVC without probabilities (hard-label votes) on moons (500 rows), accuracy",
        "sklearn.svm.SVC",
        "benchmarks.ensemble_problems:moons",
        "accuracy",
        {"C": _log(1e-2, 1e3), "gamma": _log(1e-3, 1e2)},
    ),
    _sk(
        "kernel_ridge_diabetes",
        "scaled RBF KernelRidge on diabetes, MSE",
        "benchmarks.ensemble_problems:scaled_kernel_ridge",
        "sklearn:diabetes",
        "neg_mean_squared_error",
        {"model.alpha": _log(1e-3, 10.0), "model.gamma": _log(1e-4, 1.0)},
        regression=True,
    ),
    _sk(
        "forest_friedman3",
        "RandomForestRegressor on Friedman #3 (400 rows), R^2",
        "sklearn.ensemble.RandomForestRegressor",
        "benchmarks.ensemble_problems:friedman3",
        "r2",
        {
            "n_estimators": {"type": "int", "low": 10, "high": 100, "log": True},
            "max_depth": {"type": "int", "low": 2, "high": 20},
            "min_samples_leaf": {"type": "int", "low": 1, "high": 20},
            "max_features": {"type": "float", "low": 0.2, "high": 1.0},
        },
        params={"random_state": 0, "n_jobs": 1},
        regression=True,
    ),
)
TORCH = (
    _torch(
        "torch_mlp_digits",
        "torch MLP on digits (25% hold-out), accuracy",
        "sklearn:digits",
        ("accuracy", "maximize"),
        {"validation": {"split": 0.25, "seed": 0}, "epochs": 12},
    ),
    _torch(
        "torch_mlp_diabetes",
        "torch MLP regression on diabetes (5-fold validation), MSE",
        "sklearn:diabetes",
        ("mse", "minimize"),
        {"validation": {"folds": 5, "seed": 0}, "epochs": 40, "params": {"batch_size": 32}},
    ),
)
PROBLEMS: dict[str, EnsembleProblem] = {p.name: p for p in SKLEARN + TORCH}
#: problems looked at while choosing the defaults (the first three by plan; svc_labels_moons and
#: torch_mlp_diabetes because a smoke run showed them); the rest are only scored
TUNING = (
    "tree_wine",
    "adaboost_breast_cancer",
    "gbr_friedman1",
    "svc_labels_moons",
    "torch_mlp_diabetes",
)
