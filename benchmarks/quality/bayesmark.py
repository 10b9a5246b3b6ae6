"""Bayesmark-style scikit-learn problems: models x bundled datasets x a loss.

In the style of Bayesmark (the NeurIPS 2020 black-box optimisation challenge's suite): each
model has one fixed search space (close to Bayesmark's, with ranges for standardized
features), each dataset is standardized once, and each problem is the model's 3-fold
cross-validated loss on one dataset: ``acc`` (minus accuracy) or ``nll`` (log loss) for
classification, ``mse`` or ``mae`` for regression. Costly combinations are left out (SVC's
log loss needs Platt scaling, AdaBoost on digits); 54 problems in all.

Example:
    >>> names = [p.name for p in BAYESMARK]
    >>> len(names), names[0]
    (54, 'bm_knn_iris_acc')
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from benchmarks.quality.base import Problem
from benchmarks.quality.tabular import cv, dataset, sklearn_objective

__all__ = ["BAYESMARK"]

_F = "float"
_TREE = {
    "max_depth": {"type": "int", "low": 1, "high": 15},
    "min_samples_split": {"type": _F, "low": 0.01, "high": 0.99},
    "min_samples_leaf": {"type": _F, "low": 0.01, "high": 0.49},
    "min_weight_fraction_leaf": {"type": _F, "low": 0.01, "high": 0.49},
    "max_features": {"type": _F, "low": 0.01, "high": 0.99},
    "min_impurity_decrease": {"type": _F, "low": 0.0, "high": 0.5},
}
#: model -> its search space (``parameters:`` block)
SPACES: dict[str, dict[str, Any]] = {
    "knn": {
        "n_neighbors": {"type": "int", "low": 1, "high": 25},
        "p": {"type": "int", "low": 1, "high": 4},
    },
    "svm": {
        "C": {"type": _F, "low": 1.0, "high": 1e3, "log": True},
        "gamma": {"type": _F, "low": 1e-4, "high": 1e-1, "log": True},
        "tol": {"type": _F, "low": 1e-5, "high": 1e-1, "log": True},
    },
    "dt": _TREE,
    "rf": _TREE,
    "ada": {
        "n_estimators": {"type": "int", "low": 10, "high": 50},
        "learning_rate": {"type": _F, "low": 1e-4, "high": 1e1, "log": True},
    },
    # liblinear's logistic regression, one-vs-rest (as Bayesmark had it; scikit-learn >= 1.8
    # needs the explicit wrapper for multiclass data).
    "linear": {
        "estimator__C": {"type": _F, "low": 1e-2, "high": 1e2, "log": True},
        "estimator__intercept_scaling": {"type": _F, "low": 1e-2, "high": 1e2, "log": True},
    },
    "enet": {
        "alpha": {"type": _F, "low": 1e-4, "high": 1e1, "log": True},
        "l1_ratio": {"type": _F, "low": 0.01, "high": 1.0},
        "fit_intercept": {"type": "categorical", "choices": [True, False]},
    },
}
_SUBSET = {"digits": 500}
_SCORING = {
    "acc": "accuracy",
    "nll": "neg_log_loss",
    "mse": "neg_mean_squared_error",
    "mae": "neg_mean_absolute_error",
}


def _estimator(model: str, regression: bool) -> Any:
    from sklearn import ensemble, linear_model, multiclass, neighbors, svm, tree

    if regression:
        return {
            "knn": lambda: neighbors.KNeighborsRegressor(),
            "svm": lambda: svm.SVR(max_iter=20_000),
            "dt": lambda: tree.DecisionTreeRegressor(random_state=0),
            "rf": lambda: ensemble.RandomForestRegressor(n_estimators=10, random_state=0),
            "ada": lambda: ensemble.AdaBoostRegressor(random_state=0),
            "enet": lambda: linear_model.ElasticNet(max_iter=5000),
        }[model]()
    return {
        "knn": lambda: neighbors.KNeighborsClassifier(),
        "svm": lambda: svm.SVC(max_iter=20_000),
        "dt": lambda: tree.DecisionTreeClassifier(random_state=0),
        "rf": lambda: ensemble.RandomForestClassifier(n_estimators=10, random_state=0),
        "ada": lambda: ensemble.AdaBoostClassifier(random_state=0),
        "linear": lambda: multiclass.OneVsRestClassifier(
            linear_model.LogisticRegression(solver="liblinear", max_iter=500)
        ),
    }[model]()


def _setup(model: str, data: str, metric: str) -> tuple[Any, Any, Any, Any, str]:
    regression = data == "diabetes"
    x, y = dataset(data, _SUBSET.get(data), scaled=True)
    if regression:
        y = (y - y.mean()) / y.std()
    return _estimator(model, regression), x, y, cv(not regression), _SCORING[metric]


def _problem(model: str, data: str, metric: str) -> Problem:
    setup: Callable[[], tuple[Any, Any, Any, Any, str]] = partial(_setup, model, data, metric)
    return Problem(
        f"bm_{model}_{data}_{metric}",
        "sklearn",
        SPACES[model],
        sklearn_objective(setup),
        None,
        f"Bayesmark-style: {model} on {data} (standardized), 3-fold {metric}",
        setup,
    )


def _grid() -> list[tuple[str, str, str]]:
    out = []
    for model in ("knn", "svm", "dt", "rf", "ada", "linear"):
        for data in ("iris", "wine", "breast_cancer", "digits"):
            for metric in ("acc", "nll"):
                if (model == "svm" and metric == "nll") or (model == "ada" and data == "digits"):
                    continue
                out.append((model, data, metric))
    for model in ("knn", "svm", "dt", "rf", "ada", "enet"):
        for metric in ("mse", "mae"):
            out.append((model, "diabetes", metric))
    return out


BAYESMARK: tuple[Problem, ...] = tuple(_problem(*spec) for spec in _grid())
