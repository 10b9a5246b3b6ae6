"""Datasets named in an objective block: ``sklearn:digits``, a CSV/NPZ/Parquet file, or
``module:function`` returning ``X, y``."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hpsearch.errors import ConfigError

__all__ = ["SKLEARN_DATASETS", "Dataset", "import_object", "load_dataset"]

SKLEARN_DATASETS = {
    "digits": ("load_digits", "classification"),
    "iris": ("load_iris", "classification"),
    "wine": ("load_wine", "classification"),
    "breast_cancer": ("load_breast_cancer", "classification"),
    "diabetes": ("load_diabetes", "regression"),
}


@dataclass
class Dataset:
    """Features and target as numpy arrays, plus whether the target is a class label."""

    X: np.ndarray
    y: np.ndarray
    task: str  # classification | regression
    name: str = ""
    groups: np.ndarray | None = None

    @property
    def n_classes(self) -> int:
        return len(np.unique(self.y)) if self.task == "classification" else 0


def import_object(path: str, *, key: str = "objective.function") -> Any:
    """Import ``package.module:attr`` or ``package.module.attr``.

    Example:
        >>> import_object("sklearn.svm:SVC").__name__
        'SVC'
    """
    module_name, sep, attr = path.partition(":")
    if not sep:
        module_name, _, attr = path.rpartition(".")
    if not module_name or not attr:
        raise ConfigError(f"must look like package.module:name, got {path!r}", path=key)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"cannot import module {module_name!r}: {exc}", path=key) from None
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ConfigError(f"module {module_name!r} has no attribute {attr!r}", path=key)
        obj = getattr(obj, part)
    return obj


def _guess_task(y: np.ndarray) -> str:
    if y.dtype.kind in "OUSb":
        return "classification"
    if y.dtype.kind in "iu" and len(np.unique(y)) <= max(20, int(0.05 * len(y))):
        return "classification"
    return "regression"


def load_dataset(
    spec: str,
    *,
    target: str | None = None,
    base_dir: str | Path | None = None,
    task: str | None = None,
    groups: str | None = None,
) -> Dataset:
    """Load the dataset an objective names.

    ``groups`` names a table column (or an ``.npz`` array) holding group labels for group
    cross-validation; a ``module:function`` dataset gives them as a third return value.

    Example:
        >>> ds = load_dataset("sklearn:iris")
        >>> ds.X.shape, ds.task
        ((150, 4), 'classification')
    """
    # better whole: one dispatch over the dataset forms a file may name, read top to bottom
    if not isinstance(spec, str) or not spec:
        raise ConfigError(
            f"must be a string such as 'sklearn:digits', got {spec!r}", path="objective.dataset"
        )
    if spec.startswith("sklearn:"):
        name = spec.split(":", 1)[1]
        if name not in SKLEARN_DATASETS:
            raise ConfigError(
                f"unknown scikit-learn dataset {name!r}; allowed: {', '.join(SKLEARN_DATASETS)}",
                path="objective.dataset",
            )
        loader, kind = SKLEARN_DATASETS[name]
        import sklearn.datasets

        X, y = getattr(sklearn.datasets, loader)(return_X_y=True)
        return Dataset(np.asarray(X, dtype=np.float64), np.asarray(y), task or kind, spec)
    path = Path(spec)
    if base_dir is not None and not path.is_absolute():
        candidate = Path(base_dir) / path
        if candidate.exists() or not path.exists():
            path = candidate
    suffix = path.suffix.lower()
    if suffix in (".csv", ".parquet", ".npz"):
        if not path.exists():
            raise ConfigError(f"dataset file not found: {path}", path="objective.dataset")
        if suffix == ".npz":
            with np.load(path, allow_pickle=False) as data:
                keys = list(data.keys())
                xkey = "X" if "X" in keys else "x" if "x" in keys else None
                ykey = target or ("y" if "y" in keys else None)
                if xkey is None or ykey not in keys:
                    raise ConfigError(
                        f"an .npz dataset needs arrays X and {ykey or 'y'}; found {keys}",
                        path="objective.dataset",
                    )
                X, y = np.asarray(data[xkey]), np.asarray(data[ykey])
                if groups is not None and groups not in keys:
                    raise ConfigError(
                        f"array {groups!r} is not in {path.name} (arrays: {keys})",
                        path="objective.groups",
                    )
                group_labels = np.asarray(data[groups]) if groups is not None else None
        else:
            import pandas as pd

            frame = pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)
            if target is None:
                raise ConfigError(
                    "a table dataset needs 'target: <column>'", path="objective.target"
                )
            if target not in frame.columns:
                raise ConfigError(
                    f"column {target!r} is not in {path.name} (columns: "
                    f"{', '.join(map(str, frame.columns[:20]))})",
                    path="objective.target",
                )
            y = frame.pop(target).to_numpy()
            if groups is not None and groups not in frame.columns:
                raise ConfigError(
                    f"column {groups!r} is not in {path.name}", path="objective.groups"
                )
            group_labels = frame.pop(groups).to_numpy() if groups is not None else None
            X = pd.get_dummies(frame, dtype=float).to_numpy(dtype=np.float64)
        y = np.asarray(y)
        return Dataset(
            np.asarray(X, dtype=np.float64), y, task or _guess_task(y), str(spec), group_labels
        )
    if ":" in spec:
        fn = import_object(spec, key="objective.dataset")
        result = fn()
        if not (isinstance(result, tuple) and len(result) >= 2):
            raise ConfigError(
                f"{spec} must return (X, y), got {type(result).__name__}", path="objective.dataset"
            )
        X, y = np.asarray(result[0]), np.asarray(result[1])
        group_labels = np.asarray(result[2]) if len(result) > 2 and result[2] is not None else None
        return Dataset(X, y, task or _guess_task(y), spec, group_labels)
    raise ConfigError(
        f"unknown dataset {spec!r}: use sklearn:<name>, a .csv/.npz/.parquet file, "
        "or module:function",
        path="objective.dataset",
    )
