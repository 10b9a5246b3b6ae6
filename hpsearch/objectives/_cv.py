"""Cross-validation, fold by fold: the one loop behind the sklearn objective and HPSearchCV.

After each fold the running mean of the first scorer is reported (``trial.report(mean, k)``),
fold racing decides (:mod:`hpsearch.objectives._racing`) and the driver's pruner is consulted
(``trial.should_prune()``). A stopped trial raises ``TrialPruned`` after recording the user
attributes ``folds_run`` and ``<metric>_partial`` (the running mean).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from hpsearch.errors import ConfigError
from hpsearch.objectives._folds import Fold
from hpsearch.objectives._racing import FoldRace, RacingRule
from hpsearch.trial import Trial, TrialPruned

__all__ = ["CrossValidation", "sklearn_params"]

Scorer = tuple[str, Any]


def sklearn_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Trial params as ``set_params`` wants them: dotted names become ``step__param``.

    Example:
        >>> sklearn_params({"clf.C": 1.0, "k": 3})
        {'clf__C': 1.0, 'k': 3}
    """
    return {name.replace(".", "__"): value for name, value in params.items()}


def set_params(estimator: Any, params: Mapping[str, Any], *, path: str) -> None:
    """``estimator.set_params(**params)``, a ConfigError at ``path`` when a name is unknown."""
    try:
        estimator.set_params(**params)
    except ValueError as exc:
        raise ConfigError(str(exc), path=path) from None


def _fit_score(
    estimator: Any, X: Any, y: Any, fold: Fold, scorers: Sequence[Scorer]
) -> tuple[dict[str, float], float]:
    train, test = fold
    start = time.perf_counter()
    estimator.fit(X[train], y[train])
    fit_time = time.perf_counter() - start
    scores = {name: float(scorer(estimator, X[test], y[test])) for name, scorer in scorers}
    return scores, fit_time


class CrossValidation:
    """Scores an estimator's configurations on fixed folds, one fold at a time.

    Args:
        estimator: the unfitted base estimator (cloned per fold).
        X, y: the data (indexable by the fold index arrays).
        folds: the (train, test) index arrays, the same for every configuration.
        scorers: ``(name, scorer)`` pairs; the first is the one reported and raced on.
        metric: the name the first scorer's mean is returned under.
        race: fold racing (default: none), its memory shared by the calls of this instance.
        n_jobs: folds fitted at once (joblib).

    Example:
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.metrics import get_scorer
        >>> from sklearn.model_selection import KFold
        >>> from sklearn.svm import SVC
        >>> X, y = load_iris(return_X_y=True)
        >>> folds = list(KFold(3, shuffle=True, random_state=0).split(X))
        >>> cv = CrossValidation(SVC(), X, y, folds, [("accuracy", get_scorer("accuracy"))])
        >>> round(cv.score({"C": 1.0})["value"], 2)
        0.96
    """

    def __init__(
        self,
        estimator: Any,
        X: Any,
        y: Any,
        folds: Sequence[Fold],
        scorers: Sequence[Scorer],
        *,
        metric: str = "value",
        goal: str = "maximize",
        race: RacingRule | None = None,
        n_jobs: int | None = None,
    ) -> None:
        self.estimator = estimator
        self.X, self.y = X, y
        self.folds = list(folds)
        self.scorers = list(scorers)
        self.metric = metric
        self.n_jobs = n_jobs
        self.race = FoldRace(race or RacingRule(rule="none"), goal=goal, n_folds=len(self.folds))

    def _fold_results(self, estimator: Any) -> Iterator[tuple[dict[str, float], float]]:
        from sklearn.base import clone

        if self.n_jobs in (None, 1):
            for fold in self.folds:
                yield _fit_score(clone(estimator), self.X, self.y, fold, self.scorers)
            return
        from joblib import Parallel, delayed, effective_n_jobs

        batch = max(1, effective_n_jobs(self.n_jobs))
        with Parallel(n_jobs=self.n_jobs) as parallel:
            for start in range(0, len(self.folds), batch):
                yield from parallel(
                    delayed(_fit_score)(clone(estimator), self.X, self.y, fold, self.scorers)
                    for fold in self.folds[start : start + batch]
                )

    def score(self, params: Mapping[str, Any], trial: Trial | None = None) -> dict[str, float]:
        """Cross-validate ``params``; returns the metric's mean, ``<metric>_std``, the other
        scorers' means and stds, ``fit_time_s`` and ``folds_run``.

        Raises:
            TrialPruned: fold racing or the driver's pruner stopped the trial.
        """
        from sklearn.base import clone

        trial = trial or Trial(params=params)
        estimator = clone(self.estimator)
        set_params(estimator, sklearn_params(params), path="params")
        first = self.scorers[0][0]
        scores: dict[str, list[float]] = {n: [] for n, _ in self.scorers}
        fit_time = 0.0
        n_folds = len(self.folds)
        for k, (fold_scores, seconds) in enumerate(self._fold_results(estimator)):
            for n, value in fold_scores.items():
                scores[n].append(value)
            fit_time += seconds
            mean = float(np.mean(scores[first]))
            trial.report(mean, k)
            if k + 1 == n_folds:
                break
            stop = self.race.should_stop(scores[first])
            if stop or trial.should_prune():
                trial.set_user_attr("folds_run", k + 1)
                trial.set_user_attr(f"{self.metric}_partial", mean)
                if stop:
                    trial.set_user_attr("racing_stopped", 1)
                raise TrialPruned(
                    f"stopped after fold {k + 1} of {n_folds}{' by fold racing' if stop else ''}"
                )
        self.race.record(scores[first])
        return self._summary(scores, fit_time)

    def _summary(self, scores: Mapping[str, list[float]], fit_time: float) -> dict[str, float]:
        first = self.scorers[0][0]
        out = {
            self.metric: float(np.mean(scores[first])),
            f"{self.metric}_std": float(np.std(scores[first])),
            "fit_time_s": fit_time,
            "folds_run": float(len(scores[first])),
        }
        for n, _ in self.scorers[1:]:
            out[n] = float(np.mean(scores[n]))
            out[f"{n}_std"] = float(np.std(scores[n]))
        return out
