"""Benchmark problems: synthetic test functions and scikit-learn tuning tasks, all minimized.

A :class:`Problem` has a search space in hpsearch's native format and an ``evaluate(params)``
that returns the value to minimize. Every method in the suite evaluates the same function.

scikit-learn problems score one estimator with 3-fold cross-validation on a dataset that
scikit-learn ships (small subsets where a fit would be slow); the value is the negated mean
score (``-accuracy``, ``-neg_log_loss`` = log loss, ...). They also expose the base estimator,
the fixed splitter and the scoring, so ``RandomizedSearchCV`` runs on exactly the same objective.

Example:
    >>> p = get_problem("branin")
    >>> round(p.evaluate({"x1": -3.14159265, "x2": 12.275}), 4)
    0.3979
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

__all__ = ["PROBLEMS", "Problem", "get_problem"]


@dataclass(frozen=True)
class Problem:
    """One benchmark problem (minimized).

    Attributes:
        name: Short identifier (``branin``, ``svm_digits``, ...).
        kind: ``synthetic`` or ``sklearn``.
        parameters: The ``parameters:`` block of a native space file.
        evaluate: ``params -> value`` to minimize (params as hpsearch hands them to a trial).
        optimum: The known global minimum (synthetic problems), else ``None``.
        description: One line for the results table.
        sklearn: For sklearn problems, a zero-argument function returning
            ``(estimator, X, y, cv, scoring)``.
    """

    name: str
    kind: str
    parameters: dict[str, Any]
    evaluate: Callable[[dict[str, Any]], float]
    optimum: float | None = None
    description: str = ""
    sklearn: Callable[[], tuple[Any, Any, Any, Any, str]] | None = field(default=None)

    @property
    def space_dict(self) -> dict[str, Any]:
        """A native space file for this problem (minimize ``value``)."""
        return {"name": self.name, "parameters": self.parameters}


# -- synthetic functions ---------------------------------------------------------------------
def _vector(params: dict[str, Any], prefix: str, n: int) -> np.ndarray:
    return np.array([float(params[f"{prefix}{i}"]) for i in range(n)])


def branin(x1: float, x2: float) -> float:
    """Branin-Hoo on ``[-5, 10] x [0, 15]``; minimum 0.397887 (three minimizers)."""
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


_H6_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_H6_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)
_H3_A = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
_H3_P = 1e-4 * np.array(
    [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]]
)
_H_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def hartmann(x: np.ndarray) -> float:
    """Hartmann-3 or Hartmann-6 on the unit cube; minima -3.86278 and -3.32237."""
    a, p = (_H6_A, _H6_P) if len(x) == 6 else (_H3_A, _H3_P)
    return float(-np.sum(_H_ALPHA * np.exp(-np.sum(a * (x - p) ** 2, axis=1))))


def rosenbrock(x: np.ndarray) -> float:
    """Rosenbrock; minimum 0 at ``(1, ..., 1)``."""
    return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


def ackley(x: np.ndarray) -> float:
    """Ackley; minimum 0 at the origin."""
    d = len(x)
    return float(
        -20 * np.exp(-0.2 * np.sqrt(np.sum(x**2) / d))
        - np.exp(np.sum(np.cos(2 * np.pi * x)) / d)
        + 20
        + np.e
    )


def levy(x: np.ndarray) -> float:
    """Levy; minimum 0 at ``(1, ..., 1)``."""
    w = 1 + (x - 1) / 4
    head = np.sin(np.pi * w[0]) ** 2
    mid = np.sum((w[:-1] - 1) ** 2 * (1 + 10 * np.sin(np.pi * w[:-1] + 1) ** 2))
    tail = (w[-1] - 1) ** 2 * (1 + np.sin(2 * np.pi * w[-1]) ** 2)
    return float(head + mid + tail)


def _box(prefix: str, n: int, low: float, high: float) -> dict[str, Any]:
    return {f"{prefix}{i}": {"type": "float", "low": low, "high": high} for i in range(n)}


# Hartmann-3 with a categorical "variant": each variant transforms the point and adds a
# penalty, so the best variant and the best point must be found together.
_VARIANTS = {
    "plain": (lambda x: x, 0.5),
    "shifted": (lambda x: np.mod(x + 0.25, 1.0), 0.0),
    "mirrored": (lambda x: 1.0 - x, 0.1),
    "squashed": (lambda x: x**2, 1.0),
}


def _hartmann3_categorical(params: dict[str, Any]) -> float:
    transform, penalty = _VARIANTS[params["variant"]]
    return hartmann(transform(_vector(params, "x", 3))) + penalty


def _conditional(params: dict[str, Any]) -> float:
    """Three branches with their own parameters; the hardest branch holds the optimum 0."""
    branch = params["branch"]
    if branch == "branin":
        return branin(params["b_x1"], params["b_x2"])
    if branch == "rosenbrock":
        return rosenbrock(_vector(params, "r_x", 3)) / 50.0
    return (params["s_x"] - 7.3) ** 2 / 10.0 + 0.5 + 0.05 * abs(params["s_k"] - 3)


SYNTHETIC: tuple[Problem, ...] = (
    Problem(
        "branin",
        "synthetic",
        {
            "x1": {"type": "float", "low": -5, "high": 10},
            "x2": {"type": "float", "low": 0, "high": 15},
        },
        lambda p: branin(p["x1"], p["x2"]),
        0.397887,
        "Branin, 2-D",
    ),
    Problem(
        "hartmann6",
        "synthetic",
        _box("x", 6, 0, 1),
        lambda p: hartmann(_vector(p, "x", 6)),
        -3.32237,
        "Hartmann, 6-D",
    ),
    Problem(
        "rosenbrock4",
        "synthetic",
        _box("x", 4, -5, 10),
        lambda p: rosenbrock(_vector(p, "x", 4)),
        0.0,
        "Rosenbrock, 4-D on [-5, 10]",
    ),
    Problem(
        "ackley5",
        "synthetic",
        _box("x", 5, -32.768, 32.768),
        lambda p: ackley(_vector(p, "x", 5)),
        0.0,
        "Ackley, 5-D on [-32.8, 32.8]",
    ),
    Problem(
        "levy4",
        "synthetic",
        _box("x", 4, -10, 10),
        lambda p: levy(_vector(p, "x", 4)),
        0.0,
        "Levy, 4-D on [-10, 10]",
    ),
    Problem(
        "hartmann3_cat",
        "synthetic",
        {**_box("x", 3, 0, 1), "variant": {"type": "categorical", "choices": list(_VARIANTS)}},
        _hartmann3_categorical,
        -3.86278,
        "Hartmann-3 + a 4-way categorical (transform and penalty)",
    ),
    Problem(
        "conditional3",
        "synthetic",
        {
            "branch": {"type": "categorical", "choices": ["branin", "rosenbrock", "sphere"]},
            "b_x1": {"type": "float", "low": -5, "high": 10, "when": {"branch": "branin"}},
            "b_x2": {"type": "float", "low": 0, "high": 15, "when": {"branch": "branin"}},
            **{
                f"r_x{i}": {"type": "float", "low": -2, "high": 2, "when": {"branch": "rosenbrock"}}
                for i in range(3)
            },
            "s_x": {"type": "float", "low": 0, "high": 10, "when": {"branch": "sphere"}},
            "s_k": {"type": "int", "low": 0, "high": 10, "when": {"branch": "sphere"}},
        },
        _conditional,
        0.0,
        "conditional: branch -> Branin (2-D) | Rosenbrock/50 (3-D) | 1-D + int",
    ),
)


# -- scikit-learn problems -------------------------------------------------------------------
CV_SEED = 0


def _silence() -> None:
    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    try:
        from sklearn.exceptions import ConvergenceWarning

        warnings.filterwarnings("ignore", category=ConvergenceWarning)
    except ImportError:  # pragma: no cover
        pass


def _cv(classification: bool) -> Any:
    from sklearn.model_selection import KFold, StratifiedKFold

    cls = StratifiedKFold if classification else KFold
    return cls(n_splits=3, shuffle=True, random_state=CV_SEED)


@cache
def _dataset(name: str, subset: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    from sklearn import datasets

    loader = {
        "digits": datasets.load_digits,
        "wine": datasets.load_wine,
        "breast_cancer": datasets.load_breast_cancer,
        "diabetes": datasets.load_diabetes,
    }[name]
    x, y = loader(return_X_y=True)
    if subset is not None and subset < len(y):
        rng = np.random.default_rng(CV_SEED)
        keep = np.sort(rng.choice(len(y), size=subset, replace=False))
        x, y = x[keep], y[keep]
    if name == "digits":
        x = x / 16.0
    return np.ascontiguousarray(x, dtype=float), y


def _setup_svm() -> tuple[Any, Any, Any, Any, str]:
    from sklearn.svm import SVC

    x, y = _dataset("digits", 600)
    return SVC(cache_size=500, max_iter=20_000), x, y, _cv(True), "accuracy"


def _setup_rf() -> tuple[Any, Any, Any, Any, str]:
    from sklearn.ensemble import RandomForestClassifier

    x, y = _dataset("wine")
    return RandomForestClassifier(random_state=0, n_jobs=1), x, y, _cv(True), "neg_log_loss"


def _setup_hgb() -> tuple[Any, Any, Any, Any, str]:
    from sklearn.ensemble import HistGradientBoostingClassifier

    x, y = _dataset("breast_cancer")
    est = HistGradientBoostingClassifier(random_state=0, early_stopping=False)
    return est, x, y, _cv(True), "neg_log_loss"


def _setup_mlp() -> tuple[Any, Any, Any, Any, str]:
    from sklearn.neural_network import MLPClassifier

    x, y = _dataset("digits", 500)
    return MLPClassifier(random_state=0, max_iter=60), x, y, _cv(True), "neg_log_loss"


def _setup_knn() -> tuple[Any, Any, Any, Any, str]:
    x, y = _dataset("wine")
    return ScaledKNN(), x, y, _cv(True), "neg_log_loss"


def _setup_enet() -> tuple[Any, Any, Any, Any, str]:
    from sklearn.linear_model import ElasticNet

    x, y = _dataset("diabetes")
    return ElasticNet(max_iter=5000), x, y, _cv(False), "neg_mean_squared_error"


def _sklearn_objective(setup: Callable[[], tuple[Any, Any, Any, Any, str]]) -> Callable:
    def evaluate(params: dict[str, Any]) -> float:
        from sklearn.base import clone
        from sklearn.model_selection import cross_val_score

        _silence()
        est, x, y, cv, scoring = setup()
        model = clone(est).set_params(**params)
        scores = cross_val_score(model, x, y, cv=cv, scoring=scoring, error_score=np.nan)
        return float(-np.mean(scores))

    return evaluate


class ScaledKNN(ClassifierMixin, BaseEstimator):
    """k-NN with the feature scaling as a hyperparameter (a tiny scikit-learn estimator).

    Example:
        >>> ScaledKNN(scaler="minmax", n_neighbors=3).get_params()["scaler"]
        'minmax'
    """

    def __init__(
        self, scaler: str = "standard", n_neighbors: int = 5, weights: str = "uniform", p: int = 2
    ) -> None:
        self.scaler = scaler
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.p = p

    def fit(self, x: np.ndarray, y: np.ndarray) -> ScaledKNN:
        from sklearn.neighbors import KNeighborsClassifier
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

        scalers = {
            "none": "passthrough",
            "standard": StandardScaler(),
            "minmax": MinMaxScaler(),
            "robust": RobustScaler(),
        }
        knn = KNeighborsClassifier(
            n_neighbors=int(self.n_neighbors), weights=self.weights, p=int(self.p)
        )
        self.model_ = make_pipeline(scalers[self.scaler], knn).fit(x, y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.model_.predict(x)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return self.model_.predict_proba(x)


def _sk(name: str, setup: Callable, parameters: dict[str, Any], description: str) -> Problem:
    return Problem(name, "sklearn", parameters, _sklearn_objective(setup), None, description, setup)


SKLEARN: tuple[Problem, ...] = (
    _sk(
        "svm_digits",
        _setup_svm,
        {
            "kernel": {"type": "categorical", "choices": ["rbf", "poly", "sigmoid"]},
            "C": {"type": "float", "low": 1e-2, "high": 1e3, "log": True},
            "gamma": {"type": "float", "low": 1e-4, "high": 1e1, "log": True},
            "degree": {"type": "int", "low": 2, "high": 5, "when": {"kernel": "poly"}},
            "coef0": {
                "type": "float",
                "low": -1,
                "high": 1,
                "when": {"kernel": ["poly", "sigmoid"]},
            },
        },
        "SVC on digits (600 samples), 3-fold accuracy; conditional degree/coef0",
    ),
    _sk(
        "rf_wine",
        _setup_rf,
        {
            "n_estimators": {"type": "int", "low": 10, "high": 150},
            "max_depth": {"type": "int", "low": 1, "high": 12},
            "min_samples_leaf": {"type": "int", "low": 1, "high": 20},
            "max_features": {"type": "float", "low": 0.05, "high": 1.0},
            "criterion": {"type": "categorical", "choices": ["gini", "entropy"]},
        },
        "random forest on wine, 3-fold log loss",
    ),
    _sk(
        "hgb_breast_cancer",
        _setup_hgb,
        {
            "learning_rate": {"type": "float", "low": 1e-3, "high": 1.0, "log": True},
            "max_iter": {"type": "int", "low": 10, "high": 200},
            "max_leaf_nodes": {"type": "int", "low": 2, "high": 64},
            "min_samples_leaf": {"type": "int", "low": 2, "high": 60},
            "l2_regularization": {"type": "float", "low": 1e-6, "high": 10.0, "log": True},
        },
        "HistGradientBoosting on breast_cancer, 3-fold log loss",
    ),
    _sk(
        "mlp_digits",
        _setup_mlp,
        {
            "hidden_layer_sizes": {"type": "int", "low": 8, "high": 128},
            "alpha": {"type": "float", "low": 1e-6, "high": 1.0, "log": True},
            "learning_rate_init": {"type": "float", "low": 1e-4, "high": 1e-1, "log": True},
            "activation": {"type": "categorical", "choices": ["relu", "tanh", "logistic"]},
        },
        "MLPClassifier on digits (500 samples, 60 epochs), 3-fold log loss",
    ),
    _sk(
        "knn_wine",
        _setup_knn,
        {
            "scaler": {"type": "categorical", "choices": ["none", "standard", "minmax", "robust"]},
            "n_neighbors": {"type": "int", "low": 1, "high": 60},
            "weights": {"type": "categorical", "choices": ["uniform", "distance"]},
            "p": {"type": "int", "low": 1, "high": 3},
        },
        "k-NN (with the scaler as a choice) on wine, 3-fold log loss",
    ),
    _sk(
        "elasticnet_diabetes",
        _setup_enet,
        {
            "alpha": {"type": "float", "low": 1e-5, "high": 10.0, "log": True},
            "l1_ratio": {"type": "float", "low": 0.01, "high": 1.0},
        },
        "ElasticNet on diabetes, 3-fold mean squared error",
    ),
)

PROBLEMS: dict[str, Problem] = {p.name: p for p in SYNTHETIC + SKLEARN}


def get_problem(name: str) -> Problem:
    """The problem called ``name``.

    Raises:
        KeyError: no such problem (the message lists them).
    """
    try:
        return PROBLEMS[name]
    except KeyError:
        raise KeyError(f"unknown problem {name!r}; known: {', '.join(PROBLEMS)}") from None
