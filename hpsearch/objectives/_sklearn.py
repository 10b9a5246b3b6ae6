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

``ensemble: {keep: K}`` (or ``true``) stores each completed trial's out-of-fold predictions for
ensembles (see :mod:`hpsearch.objectives._predictions`).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hpsearch.errors import ConfigError, did_you_mean
from hpsearch.objectives._datasets import Dataset, import_object, load_dataset
from hpsearch.objectives._predictions import estimator_outputs, make_writer
from hpsearch.objectives._racing import FoldRace, RacingRule

__all__ = ["CV_TYPES", "SklearnObjective", "make_folds"]

CV_TYPES = ("kfold", "stratified", "group", "timeseries")
_CV_KEYS = ("type", "n_splits", "shuffle", "seed")
Fold = tuple[np.ndarray, np.ndarray]


def _param_name(name: str) -> str:
    return name.replace(".", "__")


def make_folds(
    cv: Any,
    dataset: Dataset,
    *,
    classifier: bool,
    test_size: Any = None,
    path: str = "objective.cv",
) -> list[Fold]:
    """The (train, test) index arrays a ``cv:`` value describes, computed once.

    Example:
        >>> from hpsearch.objectives._datasets import load_dataset
        >>> folds = make_folds(3, load_dataset("sklearn:iris"), classifier=True)
        >>> [len(test) for _, test in folds]
        [50, 50, 50]
    """
    from sklearn import model_selection as ms

    stratify = classifier and dataset.task == "classification"
    if cv is None and test_size is not None:
        if isinstance(test_size, bool) or not isinstance(test_size, (int, float)) or test_size <= 0:
            raise ConfigError(
                f"must be a fraction in (0, 1) or a number of samples, got {test_size!r}",
                path="objective.test_size",
            )
        indices = np.arange(len(dataset.y))
        try:
            train, test = ms.train_test_split(
                indices,
                test_size=test_size,
                random_state=0,
                stratify=dataset.y if stratify else None,
            )
        except ValueError as exc:
            raise ConfigError(str(exc), path="objective.test_size") from None
        return [(np.sort(train), np.sort(test))]
    if cv is None:
        cv = 5
    if isinstance(cv, Mapping):
        for key in cv:
            if key not in _CV_KEYS:
                raise ConfigError(
                    f"unknown key {key!r}{did_you_mean(str(key), _CV_KEYS)}; "
                    f"allowed: {', '.join(_CV_KEYS)}",
                    path=f"{path}.{key}",
                )
        kind = cv.get("type", "stratified" if stratify else "kfold")
        n_splits = cv.get("n_splits", 5)
        shuffle = cv.get("shuffle", kind in ("kfold", "stratified"))
        seed = cv.get("seed", 0)
        spec_path = f"{path}.n_splits"
    else:
        kind, n_splits, shuffle, seed, spec_path = (
            "stratified" if stratify else "kfold",
            cv,
            True,
            0,
            path,
        )
    if kind not in CV_TYPES:
        raise ConfigError(
            f"unknown cv type {kind!r}{did_you_mean(str(kind), CV_TYPES)}; allowed: "
            f"{', '.join(CV_TYPES)}",
            path=f"{path}.type",
        )
    if isinstance(n_splits, bool) or not isinstance(n_splits, int) or n_splits < 2:
        raise ConfigError(
            f"must be an integer >= 2 (the number of folds), got {n_splits!r}", path=spec_path
        )
    if not isinstance(shuffle, bool):
        raise ConfigError(f"must be true or false, got {shuffle!r}", path=f"{path}.shuffle")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ConfigError(f"must be an integer, got {seed!r}", path=f"{path}.seed")
    state = seed if shuffle else None
    groups = None
    if kind == "kfold":
        splitter: Any = ms.KFold(n_splits, shuffle=shuffle, random_state=state)
    elif kind == "stratified":
        splitter = ms.StratifiedKFold(n_splits, shuffle=shuffle, random_state=state)
    elif kind == "timeseries":
        if shuffle:
            raise ConfigError(
                "a timeseries split keeps the order: shuffle must be false", path=f"{path}.shuffle"
            )
        splitter = ms.TimeSeriesSplit(n_splits)
    else:
        if dataset.groups is None:
            raise ConfigError(
                "group cross-validation needs group labels: give 'groups: <column>' "
                "for a table, or return (X, y, groups) from a module:function "
                "dataset",
                path=f"{path}.type",
            )
        groups = dataset.groups
        splitter = ms.GroupKFold(n_splits, shuffle=shuffle, random_state=state)
    try:
        return [
            (np.asarray(tr), np.asarray(te))
            for tr, te in splitter.split(dataset.X, dataset.y, groups)
        ]
    except ValueError as exc:
        raise ConfigError(
            f"cannot split {dataset.name or 'the dataset'} with {kind} cross-validation: {exc}",
            path=path,
        ) from None


def _fit_score(
    estimator: Any,
    X: np.ndarray,
    y: np.ndarray,
    fold: Fold,
    scorers: Sequence[tuple[str, Any]],
    outputs: Any = None,
) -> tuple[dict[str, float], float, Any]:
    train, test = fold
    start = time.perf_counter()
    estimator.fit(X[train], y[train])
    fit_time = time.perf_counter() - start
    scores = {name: float(scorer(estimator, X[test], y[test])) for name, scorer in scorers}
    return scores, fit_time, outputs(estimator, X[test]) if outputs is not None else None


class SklearnObjective:
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

    def __init__(self, spec: Mapping[str, Any], space: Any, *, base_dir: str | None = None) -> None:
        from sklearn.base import is_classifier

        self.spec = dict(spec)
        self.space = space
        self.metric = space.metrics[0]
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
        # -- opt-in: out-of-fold predictions for ensembles (hpsearch.objectives._predictions)
        from hpsearch.objectives._scoring import metric_for_scorer

        self.predictions = None
        if spec.get("ensemble") not in (None, False):
            classes = np.unique(self.dataset.y) if classifier else None
            self.predictions = make_writer(
                spec.get("ensemble"),
                y=self.dataset.y,
                test_parts=[test for _, test in self.folds],
                classes=classes,
                metric=metric_for_scorer(self.scorers[0][0]),
            )
            self._outputs = functools.partial(estimator_outputs, classes=classes)
        self.race = FoldRace(
            RacingRule.from_spec(spec.get("racing"), n_folds=len(self.folds)),
            goal=self.metric.goal,
            n_folds=len(self.folds),
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
        nested = {_param_name(k): v for k, v in fixed.items() if k not in direct}
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
            _set_params(estimator, nested, path="objective.params")
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

        params = self.space.sample(np.random.default_rng(0))
        try:
            clone(self.estimator).set_params(**{_param_name(k): v for k, v in params.items()})
        except ValueError as exc:
            known = list(self.estimator.get_params(deep=True))
            bad = next(
                (
                    k
                    for k in params
                    if _param_name(k).split("__")[0] not in {n.split("__")[0] for n in known}
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
            where = "metric.goal" if len(self.space.metrics) == 1 else "metrics[0].goal"
            raise ConfigError(
                f"scikit-learn scorers are greater-is-better (losses are negated, such as "
                f"neg_mean_squared_error), so the metric {self.metric.name!r} of a sklearn "
                f"objective needs goal: maximize, got {self.metric.goal}",
                path=where,
            )
        produced = self.produced()
        for i, metric in enumerate(self.space.metrics[1:], start=1):
            if metric.name not in produced:
                raise ConfigError(
                    f"the sklearn objective does not produce {metric.name!r}; it "
                    f"gives {', '.join(produced)}",
                    path=f"metrics[{i}].name",
                )

    # -- running ------------------------------------------------------------------------------
    def _fold_results(self, estimator: Any) -> Iterator[tuple[dict[str, float], float, Any]]:
        from sklearn.base import clone

        X, y = self.dataset.X, self.dataset.y
        outputs = self._outputs if self.predictions is not None else None
        if self.n_jobs in (None, 1):
            for fold in self.folds:
                yield _fit_score(clone(estimator), X, y, fold, self.scorers, outputs)
            return
        from joblib import Parallel, delayed, effective_n_jobs

        batch = max(1, effective_n_jobs(self.n_jobs))
        with Parallel(n_jobs=self.n_jobs) as parallel:
            for start in range(0, len(self.folds), batch):
                yield from parallel(
                    delayed(_fit_score)(clone(estimator), X, y, fold, self.scorers, outputs)
                    for fold in self.folds[start : start + batch]
                )

    def __call__(self, params: Mapping[str, Any], trial: Any = None) -> dict[str, float]:
        from optuna import TrialPruned
        from sklearn.base import clone

        if trial is None:
            from hpsearch.execution import TrialContext, TrialJob

            trial = TrialContext(TrialJob(number=0, params=dict(params)))
        estimator = clone(self.estimator)
        _set_params(estimator, {_param_name(k): v for k, v in params.items()}, path="params")
        name = self.metric.name
        first = self.scorers[0][0]
        scores: dict[str, list[float]] = {n: [] for n, _ in self.scorers}
        fit_time = 0.0
        n_folds = len(self.folds)
        fold_outputs = []
        for k, (fold_scores, seconds, out) in enumerate(self._fold_results(estimator)):
            fold_outputs.append(out)
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
                trial.set_user_attr(f"{name}_partial", mean)
                if stop:
                    trial.set_user_attr("racing_stopped", 1)
                raise TrialPruned(
                    f"stopped after fold {k + 1} of {n_folds}{' by fold racing' if stop else ''}"
                )
        self.race.record(scores[first])
        if self.predictions is not None and getattr(trial, "out_dir", None):
            self.predictions.save(
                trial.out_dir,
                [array for array, _ in fold_outputs],
                [test for _, test in self.folds],
                kind=fold_outputs[0][1],
            )
        out = {
            name: float(np.mean(scores[first])),
            f"{name}_std": float(np.std(scores[first])),
            "fit_time_s": fit_time,
            "folds_run": float(len(scores[first])),
        }
        for n, _ in self.scorers[1:]:
            out[n] = float(np.mean(scores[n]))
            out[f"{n}_std"] = float(np.std(scores[n]))
        return out


def _set_params(estimator: Any, params: Mapping[str, Any], *, path: str) -> None:
    try:
        estimator.set_params(**params)
    except ValueError as exc:
        raise ConfigError(str(exc), path=path) from None
