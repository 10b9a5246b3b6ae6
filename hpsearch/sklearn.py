"""``HPSearchCV``: a scikit-learn compatible search estimator backed by hpsearch sweeps.

It reads the same parameter specs as a space file, runs a durable sweep with any strategy, and
exposes the results the way ``GridSearchCV`` does (``best_params_``, ``best_estimator_``,
``cv_results_`` built from the shared trial table).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv
from sklearn.utils.metaestimators import available_if

from hpsearch.api import load_space, run
from hpsearch.config import Metric, SweepConfig
from hpsearch.objectives import CrossValidation
from hpsearch.space import Space

__all__ = ["HPSearchCV"]


def _best_has(attr: str):
    def check(self: HPSearchCV) -> bool:
        return hasattr(
            self.best_estimator_ if hasattr(self, "best_estimator_") else self.estimator, attr
        )

    return check


class HPSearchCV(MetaEstimatorMixin, BaseEstimator):
    """Search an estimator's hyperparameters with cross-validation.

    Args:
        estimator: a scikit-learn estimator (or pipeline: use ``step__param`` names).
        param_space: a mapping of parameter specs as in a space file's ``parameters:`` block, a
            path to a space file, or a :class:`hpsearch.Space`.
        strategy: any hpsearch strategy (default ``bayes``).
        n_trials: the trial budget.
        cv: an int, a CV splitter or an iterable of splits (``check_cv`` semantics).
        scoring: a scorer name or callable (default: the estimator's ``score``).
        refit: refit the best config on all data.
        random_state: the strategy's seed.
        n_jobs: trials run at once (worker processes).
        out: the sweep directory (default: a new temporary directory).

    Example:
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.svm import SVC
        >>> X, y = load_iris(return_X_y=True)
        >>> search = HPSearchCV(SVC(), {"C": {"type": "float", "low": 0.01, "high": 100,
        ...                                   "log": True}}, n_trials=5, random_state=0)
        >>> search.fit(X, y).best_score_ > 0.9
        True
    """

    def __init__(
        self,
        estimator: Any,
        param_space: Any,
        *,
        strategy: str = "bayes",
        n_trials: int = 30,
        cv: Any = 5,
        scoring: Any = None,
        refit: bool = True,
        random_state: int | None = None,
        n_jobs: int = 1,
        timeout: Any = None,
        out: str | None = None,
    ) -> None:
        self.estimator = estimator
        self.param_space = param_space
        self.strategy = strategy
        self.n_trials = n_trials
        self.cv = cv
        self.scoring = scoring
        self.refit = refit
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.timeout = timeout
        self.out = out

    def _config(self) -> SweepConfig:
        source = self.param_space
        if isinstance(source, Space):
            source = SweepConfig(source, name="hpsearchcv")
        elif isinstance(source, Mapping) and "parameters" not in source:
            source = {"name": "hpsearchcv", "parameters": dict(source)}
        config = load_space(source)
        return config.replace(objective=None, metrics=(Metric("score", "maximize"),))

    def fit(self, X: Any, y: Any = None, *, groups: Any = None) -> HPSearchCV:
        """Run the sweep, then refit the best config on all of ``X, y``."""
        config = self._config()
        splitter = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        folds = [(np.asarray(tr), np.asarray(te)) for tr, te in splitter.split(X, y, groups)]
        scorer = check_scoring(self.estimator, scoring=self.scoring)
        cv = CrossValidation(self.estimator, X, y, folds, [("score", scorer)], metric="score")
        out = Path(self.out) if self.out else Path(tempfile.mkdtemp(prefix="hpsearchcv-"))
        result = run(
            config,
            cv.score,
            strategy=self.strategy,
            trials=self.n_trials,
            timeout=self.timeout,
            seed=self.random_state,
            workers=self.n_jobs,
            out=out,
            report=False,
        )
        self.sweep_ = result
        self.n_trials_ = len(result.trials)
        self.cv_results_ = self._cv_results(result.trials, config)
        if result.best_params is None:
            raise RuntimeError(f"every trial failed; see {out / 'trials.csv'}")
        self.best_params_ = result.best_params
        self.best_score_ = float(result.best_value)
        self.best_index_ = int(
            np.flatnonzero(self.cv_results_["number"] == result.best["trial"])[0]
        )
        if self.refit:
            self.best_estimator_ = clone(self.estimator).set_params(**self.best_params_)
            self.best_estimator_.fit(X, y)
        return self

    @staticmethod
    def _cv_results(table: Any, config: SweepConfig) -> dict[str, np.ndarray]:
        """``cv_results_`` from the shared trial table (one entry per trial)."""
        names = config.space.names
        results: dict[str, Any] = {
            "number": table["number"].to_numpy(),
            "state": table["state"].to_numpy(),
        }
        for name in names:
            results[f"param_{name}"] = table[f"param_{name}"].to_numpy(dtype=object)
        results["params"] = [
            {n: row[f"param_{n}"] for n in names if row[f"param_{n}"] == row[f"param_{n}"]}
            for _, row in table.iterrows()
        ]
        score = table["value"].to_numpy(dtype=float)
        results["mean_test_score"] = score
        std = table.get("metric_score_std")
        results["std_test_score"] = (
            std.to_numpy(dtype=float) if std is not None else np.full(len(table), np.nan)
        )
        ranks = np.full(len(table), len(table), dtype=int)
        order = np.argsort(-np.nan_to_num(score, nan=-np.inf), kind="stable")
        valid = ~np.isnan(score)
        ranks[order[: valid.sum()]] = np.arange(1, valid.sum() + 1)
        results["rank_test_score"] = ranks
        results["duration_s"] = table["duration_s"].to_numpy(dtype=float)
        return results

    @available_if(_best_has("predict"))
    def predict(self, X: Any) -> Any:
        return self.best_estimator_.predict(X)

    @available_if(_best_has("predict_proba"))
    def predict_proba(self, X: Any) -> Any:
        return self.best_estimator_.predict_proba(X)

    @available_if(_best_has("transform"))
    def transform(self, X: Any) -> Any:
        return self.best_estimator_.transform(X)

    def score(self, X: Any, y: Any = None) -> float:
        scorer = check_scoring(self.best_estimator_, scoring=self.scoring)
        return float(scorer(self.best_estimator_, X, y))
