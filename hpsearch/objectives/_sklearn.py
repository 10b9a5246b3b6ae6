"""The ``sklearn`` objective: a scikit-learn estimator scored by cross-validation, fold by fold.

The block names an estimator (``estimator: sklearn.svm.SVC``, or any import path of a scikit-learn
compatible class or factory), fixed ``params:``, a ``dataset:`` (see
:func:`hpsearch.objectives._datasets.load_dataset`; ``target:`` and ``groups:`` name table
columns), ``cv:`` and ``scoring:``. Trial params go to ``set_params``; dotted names such as
``clf.C`` become scikit-learn's ``clf__C`` for pipelines.

``cv:`` is an int (stratified k-fold for classifiers, k-fold otherwise, shuffled with seed 0) or
``{type: kfold|stratified|group|timeseries, n_splits, shuffle, seed}``; without ``cv:``,
``test_size:`` asks for one shuffled hold-out split, and the default is 5 folds. The splits are
computed once, so every trial sees the same folds (which fold racing relies on).

Folds run one at a time (``n_jobs: N`` runs N at a time in parallel). After each fold the running
mean of the first scorer is reported (``trial.report(mean, fold_index)``), fold racing decides (see
:mod:`hpsearch.objectives._racing`) and the driver's pruner is consulted
(``trial.should_prune()``). A stopped trial raises ``optuna.TrialPruned`` after recording the user
attributes ``folds_run`` and ``<metric>_partial`` (the running mean).

The result holds the first scorer's mean under the sweep's metric name, ``<metric>_std`` (its
standard deviation over folds), the other scorers' means (``<scorer>``) and standard deviations
(``<scorer>_std``), ``fit_time_s`` (fitting time summed over folds) and ``folds_run``. Scorers are
greater-is-better (``neg_*`` for losses) and reported as is, so the sweep's (first) metric must
have ``goal: maximize``; anything else is a configuration error.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from hpsearch.config import Metric, Option, Schema, SweepConfig
from hpsearch.errors import ConfigError, did_you_mean
from hpsearch.objectives._base import Objective
from hpsearch.objectives._cv import CrossValidation, set_params, sklearn_params
from hpsearch.objectives._datasets import import_object, load_dataset
from hpsearch.objectives._folds import make_folds
from hpsearch.objectives._racing import RacingRule
from hpsearch.trial import Trial

__all__ = ["SklearnObjective"]


class SklearnObjective(Objective):
    """Cross-validated score of a scikit-learn estimator for a trial's params.

    Example:
        >>> from hpsearch import load_space
        >>> space = load_space({"parameters": {"C": {"type": "float", "low": 0.1, "high": 10}},
        ...     "metric": {"name": "accuracy", "goal": "maximize"},
        ...     "objective": {"type": "sklearn", "estimator": "sklearn.svm.SVC",
        ...                   "dataset": "sklearn:iris", "cv": 3}})
        >>> objective = SklearnObjective(space.objective, space)
        >>> round(objective({"C": 1.0})["accuracy"], 2)
        0.97
    """

    name = "sklearn"
    schema = Schema(
        {
            "estimator": Option("str", help="import path of the estimator (or a factory)"),
            "params": Option("mapping", help="fixed estimator params"),
            "dataset": Option("any", help="sklearn:<name>, a table file or module:function"),
            "target": Option("str", help="the target column of a table"),
            "groups": Option("str", help="the group column (group cross-validation)"),
            "cv": Option("any", help="folds (an int) or {type, n_splits, shuffle, seed}"),
            "test_size": Option("float", low=0, open_low=True, help="one hold-out split"),
            "scoring": Option("any", help="scorer name(s); the first is the metric"),
            "racing": Option("any", help="fold racing: median, wilcoxon, none or a mapping"),
            "n_jobs": Option("int", help="folds fitted at once (-1: all cores)"),
        }
    )
    required = ("estimator", "dataset")

    @classmethod
    def default_metrics(cls, config: SweepConfig) -> tuple[Metric, ...] | None:
        """Without ``metric:``, maximize the first scorer (scikit-learn scores: larger is
        better)."""
        scoring = (config.objective or {}).get("scoring") or "score"
        first = scoring[0] if isinstance(scoring, list) and scoring else scoring
        return (Metric(str(first), "maximize"),)

    def __init__(
        self, spec: Mapping[str, Any], config: SweepConfig, *, base_dir: str | None = None
    ) -> None:
        from sklearn.base import is_classifier

        super().__init__(spec, config, base_dir=base_dir)
        self.metric = config.metrics[0]
        self.estimator = self._build_estimator(spec.get("estimator"), spec.get("params"))
        self.dataset = load_dataset(
            spec.get("dataset"),
            target=spec.get("target"),
            base_dir=str(Path(base_dir)) if base_dir else None,
            groups=spec.get("groups"),
        )
        classifier = bool(is_classifier(self.estimator))
        self.scorers = self._scorers(spec.get("scoring"), classifier=classifier)
        self.folds = make_folds(
            spec.get("cv"), self.dataset, classifier=classifier, test_size=spec.get("test_size")
        )
        self.n_jobs = spec.get("n_jobs")
        if self.n_jobs is not None and (
            isinstance(self.n_jobs, bool) or not isinstance(self.n_jobs, int) or self.n_jobs == 0
        ):
            raise ConfigError(
                f"must be a non-zero integer (-1: all cores), got {self.n_jobs!r}",
                path="objective.n_jobs",
            )
        self.cv = CrossValidation(
            self.estimator,
            self.dataset.X,
            self.dataset.y,
            self.folds,
            self.scorers,
            metric=self.metric.name,
            goal=self.metric.goal,
            race=RacingRule.from_spec(spec.get("racing"), n_folds=len(self.folds)),
            n_jobs=self.n_jobs,
        )
        self._check_params()
        self._check_metrics()

    # -- building ---------------------------------------------------------------------------
    @staticmethod
    def _build_estimator(path: Any, fixed: Any) -> Any:
        if not isinstance(path, str) or not path:
            raise ConfigError(
                f"must be an import path such as sklearn.svm.SVC, got {path!r}",
                path="objective.estimator",
            )
        factory = import_object(path, key="objective.estimator")
        if fixed is None:
            fixed = {}
        if not isinstance(fixed, Mapping):
            raise ConfigError(
                f"must be a mapping of estimator params, got {type(fixed).__name__}",
                path="objective.params",
            )
        direct = {k: v for k, v in fixed.items() if "." not in k and "__" not in k}
        nested = sklearn_params({k: v for k, v in fixed.items() if k not in direct})
        if not callable(factory):
            raise ConfigError(f"{path} is not a class or function", path="objective.estimator")
        try:
            estimator = factory(**direct)
        except TypeError as exc:
            raise ConfigError(
                f"cannot build {path}(**params): {exc}", path="objective.params"
            ) from None
        if not (hasattr(estimator, "fit") and hasattr(estimator, "set_params")):
            raise ConfigError(
                f"{path} did not give a scikit-learn estimator (no fit/set_params), "
                f"got {type(estimator).__name__}",
                path="objective.estimator",
            )
        if nested:
            set_params(estimator, nested, path="objective.params")
        return estimator

    @staticmethod
    def _scorers(scoring: Any, *, classifier: bool) -> list[tuple[str, Any]]:
        from sklearn.metrics import get_scorer, get_scorer_names

        if scoring is None:
            scoring = "accuracy" if classifier else "r2"
        names = [scoring] if isinstance(scoring, str) else scoring
        if not isinstance(names, list) or not names:
            raise ConfigError(
                f"must be a scorer name or a non-empty list of them, got {scoring!r}",
                path="objective.scoring",
            )
        out = []
        for i, name in enumerate(names):
            where = "objective.scoring" if isinstance(scoring, str) else f"objective.scoring[{i}]"
            try:
                out.append((str(name), get_scorer(name)))
            except (ValueError, TypeError):
                hint = did_you_mean(str(name), get_scorer_names())
                raise ConfigError(
                    f"unknown scorer {name!r}{hint}; see sklearn.metrics.get_scorer_names()",
                    path=where,
                ) from None
        return out

    def _check_params(self) -> None:
        """Fail before any trial when a searched parameter is not one of the estimator's."""
        from sklearn.base import clone

        params = self.sweep_config.space.sample(np.random.default_rng(0))
        try:
            clone(self.estimator).set_params(**sklearn_params(params))
        except ValueError as exc:
            known = list(self.estimator.get_params(deep=True))
            bad = next(
                (
                    k
                    for k in params
                    if k.replace(".", "__").split("__")[0] not in {n.split("__")[0] for n in known}
                ),
                None,
            )
            hint = did_you_mean(bad, known) if bad else ""
            raise ConfigError(
                f"{exc}{hint}", path=f"parameters.{bad}" if bad else "parameters"
            ) from None

    def produced(self) -> list[str]:
        """The metric names a trial's result holds."""
        first = self.metric.name
        names = [first, f"{first}_std", "fit_time_s", "folds_run"]
        for name, _ in self.scorers[1:]:
            names += [name, f"{name}_std"]
        return names

    def _check_metrics(self) -> None:
        if self.metric.goal != "maximize":
            where = "metric.goal" if len(self.sweep_config.metrics) == 1 else "metrics[0].goal"
            raise ConfigError(
                f"scikit-learn scorers are greater-is-better (losses are negated, such as "
                f"neg_mean_squared_error), so the metric {self.metric.name!r} of a sklearn "
                f"objective needs goal: maximize, got {self.metric.goal}",
                path=where,
            )
        produced = self.produced()
        for i, metric in enumerate(self.sweep_config.metrics[1:], start=1):
            if metric.name not in produced:
                raise ConfigError(
                    f"the sklearn objective does not produce {metric.name!r}; it "
                    f"gives {', '.join(produced)}",
                    path=f"metrics[{i}].name",
                )

    # -- running ------------------------------------------------------------------------------
    def __call__(self, params: Mapping[str, Any], trial: Trial | None = None) -> dict[str, float]:
        return self.cv.score(params, trial)
