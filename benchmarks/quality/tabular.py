"""The scikit-learn tuning problems hpsearch was developed on (the ``dev`` split's models).

Each scores one estimator with 3-fold cross-validation on a dataset that scikit-learn ships
(small subsets where a fit would be slow); the value is the negated mean score (``-accuracy``,
``-neg_log_loss`` = log loss, ...). They also expose the base estimator, the fixed splitter and
the scoring, so ``RandomizedSearchCV`` runs on exactly the same objective.

Example:
    >>> x, y = dataset("wine")
    >>> x.shape
    (178, 13)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from benchmarks.quality.base import Problem

__all__ = ["SKLEARN", "ScaledKNN", "cv", "dataset", "sklearn_objective"]

CV_SEED = 0


def _silence() -> None:
    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    try:
        from sklearn.exceptions import ConvergenceWarning

        warnings.filterwarnings("ignore", category=ConvergenceWarning)
    except ImportError:  # pragma: no cover
        pass


def cv(classification: bool) -> Any:
    from sklearn.model_selection import KFold, StratifiedKFold

    cls = StratifiedKFold if classification else KFold
    return cls(n_splits=3, shuffle=True, random_state=CV_SEED)


@cache
def dataset(
    name: str, subset: int | None = None, *, scaled: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """A bundled dataset as float ``X`` and ``y`` (a fixed random subset of ``subset`` rows;
    ``scaled``: every feature standardized, as Bayesmark does before tuning)."""
    from sklearn import datasets

    loader = {
        "digits": datasets.load_digits,
        "wine": datasets.load_wine,
        "breast_cancer": datasets.load_breast_cancer,
        "diabetes": datasets.load_diabetes,
        "iris": datasets.load_iris,
    }[name]
    x, y = loader(return_X_y=True)
    if subset is not None and subset < len(y):
        rng = np.random.default_rng(CV_SEED)
        keep = np.sort(rng.choice(len(y), size=subset, replace=False))
        x, y = x[keep], y[keep]
    if name == "digits":
        x = x / 16.0
    if scaled:
        std = x.std(axis=0)
        x = (x - x.mean(axis=0)) / np.where(std > 0, std, 1.0)
    return np.ascontiguousarray(x, dtype=float), y


def _setup_svm() -> tuple[Any, Any, Any, Any, str]:
    from sklearn.svm import SVC

    x, y = dataset("digits", 600)
    return SVC(cache_size=500, max_iter=20_000), x, y, cv(True), "accuracy"


def _setup_rf() -> tuple[Any, Any, Any, Any, str]:
    from sklearn.ensemble import RandomForestClassifier

    x, y = dataset("wine")
    return RandomForestClassifier(random_state=0, n_jobs=1), x, y, cv(True), "neg_log_loss"


def _setup_hgb() -> tuple[Any, Any, Any, Any, str]:
    from sklearn.ensemble import HistGradientBoostingClassifier

    x, y = dataset("breast_cancer")
    est = HistGradientBoostingClassifier(random_state=0, early_stopping=False)
    return est, x, y, cv(True), "neg_log_loss"


def _setup_mlp() -> tuple[Any, Any, Any, Any, str]:
    from sklearn.neural_network import MLPClassifier

    x, y = dataset("digits", 500)
    return MLPClassifier(random_state=0, max_iter=60), x, y, cv(True), "neg_log_loss"


def _setup_knn() -> tuple[Any, Any, Any, Any, str]:
    x, y = dataset("wine")
    return ScaledKNN(), x, y, cv(True), "neg_log_loss"


def _setup_enet() -> tuple[Any, Any, Any, Any, str]:
    from sklearn.linear_model import ElasticNet

    x, y = dataset("diabetes")
    return ElasticNet(max_iter=5000), x, y, cv(False), "neg_mean_squared_error"


def sklearn_objective(setup: Callable[[], tuple[Any, Any, Any, Any, str]]) -> Callable:
    """``params -> value``: the negated mean cross-validated score of the estimator."""

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
    return Problem(name, "sklearn", parameters, sklearn_objective(setup), None, description, setup)


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
