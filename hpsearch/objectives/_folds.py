"""Cross-validation splits from a ``cv:`` value, computed once per objective.

``cv:`` is an int (stratified k-fold for classifiers, k-fold otherwise, shuffled with seed 0) or
``{type: kfold|stratified|group|timeseries, n_splits, shuffle, seed}``; without ``cv:``,
``test_size:`` asks for one shuffled hold-out split, and the default is 5 folds. Every trial of
a sweep sees the same folds, which fold racing and ensembles rely on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from hpsearch.config import check_keys
from hpsearch.errors import ConfigError, did_you_mean
from hpsearch.objectives._datasets import Dataset

__all__ = ["CV_TYPES", "Fold", "make_folds"]

CV_TYPES = ("kfold", "stratified", "group", "timeseries")
_CV_KEYS = ("type", "n_splits", "shuffle", "seed")
Fold = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class _Plan:
    kind: str
    n_splits: int
    shuffle: bool
    seed: int | None


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
    stratify = classifier and dataset.task == "classification"
    if cv is None and test_size is not None:
        return [_holdout(dataset, test_size, stratify=stratify)]
    plan = _plan(5 if cv is None else cv, stratify=stratify, path=path)
    splitter, groups = _splitter(plan, dataset, path)
    try:
        return [
            (np.asarray(tr), np.asarray(te))
            for tr, te in splitter.split(dataset.X, dataset.y, groups)
        ]
    except ValueError as exc:
        raise ConfigError(
            f"cannot split {dataset.name or 'the dataset'} with {plan.kind} cross-validation: "
            f"{exc}",
            path=path,
        ) from None


def _holdout(dataset: Dataset, test_size: Any, *, stratify: bool) -> Fold:
    from sklearn.model_selection import train_test_split

    if isinstance(test_size, bool) or not isinstance(test_size, (int, float)) or test_size <= 0:
        raise ConfigError(
            f"must be a fraction in (0, 1) or a number of samples, got {test_size!r}",
            path="objective.test_size",
        )
    indices = np.arange(len(dataset.y))
    try:
        train, test = train_test_split(
            indices, test_size=test_size, random_state=0, stratify=dataset.y if stratify else None
        )
    except ValueError as exc:
        raise ConfigError(str(exc), path="objective.test_size") from None
    return np.sort(train), np.sort(test)


def _plan(cv: Any, *, stratify: bool, path: str) -> _Plan:
    default_kind = "stratified" if stratify else "kfold"
    if isinstance(cv, Mapping):
        error = check_keys(cv, _CV_KEYS, path=path)
        if error is not None:
            raise error
        kind = cv.get("type", default_kind)
        n_splits, n_path = cv.get("n_splits", 5), f"{path}.n_splits"
        shuffle = cv.get("shuffle", kind in ("kfold", "stratified"))
        seed = cv.get("seed", 0)
    else:
        kind, n_splits, n_path, shuffle, seed = default_kind, cv, path, True, 0
    if kind not in CV_TYPES:
        raise ConfigError(
            f"unknown cv type {kind!r}{did_you_mean(str(kind), CV_TYPES)}; allowed: "
            f"{', '.join(CV_TYPES)}",
            path=f"{path}.type",
        )
    if isinstance(n_splits, bool) or not isinstance(n_splits, int) or n_splits < 2:
        raise ConfigError(
            f"must be an integer >= 2 (the number of folds), got {n_splits!r}", path=n_path
        )
    if not isinstance(shuffle, bool):
        raise ConfigError(f"must be true or false, got {shuffle!r}", path=f"{path}.shuffle")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ConfigError(f"must be an integer, got {seed!r}", path=f"{path}.seed")
    return _Plan(kind, n_splits, shuffle, seed)


def _splitter(plan: _Plan, dataset: Dataset, path: str) -> tuple[Any, Any]:
    from sklearn import model_selection as ms

    state = plan.seed if plan.shuffle else None
    if plan.kind == "kfold":
        return ms.KFold(plan.n_splits, shuffle=plan.shuffle, random_state=state), None
    if plan.kind == "stratified":
        return ms.StratifiedKFold(plan.n_splits, shuffle=plan.shuffle, random_state=state), None
    if plan.kind == "timeseries":
        if plan.shuffle:
            raise ConfigError(
                "a timeseries split keeps the order: shuffle must be false", path=f"{path}.shuffle"
            )
        return ms.TimeSeriesSplit(plan.n_splits), None
    if dataset.groups is None:
        raise ConfigError(
            "group cross-validation needs group labels: give 'groups: <column>' for a table, "
            "or return (X, y, groups) from a module:function dataset",
            path=f"{path}.type",
        )
    splitter = ms.GroupKFold(plan.n_splits, shuffle=plan.shuffle, random_state=state)
    return splitter, dataset.groups
