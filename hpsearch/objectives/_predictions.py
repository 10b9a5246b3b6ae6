"""Out-of-fold predictions kept for ensembles: ``objective: {..., ensemble: {keep: 50}}``.

Opt-in. When the objective block has ``ensemble:`` (``true``, or ``{keep: K}``; default K = 50),
every completed trial stores the predictions its validation parts made (scikit-learn: each CV
fold's model predicts that fold's test rows, ``predict_proba`` when the estimator has it, else
``predict``; torch: the best epoch's model predicts its validation rows). Every trial of a sweep
uses the same folds, so row ``i`` of one trial's predictions lines up with row ``i`` of
another's. Only the ``K`` trials whose predictions score best (by the sweep's metric) keep
them: the others' are deleted as better ones arrive. Pruned trials (fold racing, a pruner)
store nothing, having no complete set of predictions.

Files (``.npy`` written and read with ``allow_pickle=False``)::

    DIR/predictions/rows.npy      int64 (n,)   dataset row of each stored prediction row, sorted
    DIR/predictions/folds.npy     int64 (n,)   index of the fold whose model predicted the row
    DIR/predictions/y.npy         (n,)         class index (classification) or target value
    DIR/predictions/classes.npy   (k,)         class labels in sorted order (classification)
    DIR/predictions/index.json    task, metric, sizes and the fingerprint of the arrays above
    DIR/trials/<n>/oof.npy        float32 (n, c): probabilities or one-hot votes per class, or
                                  predicted values (c = 1); row i is dataset row rows[i]
    DIR/trials/<n>/oof.json       the trial's fingerprint, metric, score and prediction kind

The index is written once per sweep (by the first trial that stores predictions); each trial
records the index's fingerprint, so predictions made on other rows (the data changed between
runs) are recognised and left out of an ensemble.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hpsearch.errors import ConfigError, did_you_mean
from hpsearch.objectives._scoring import PredictionMetric, get_metric

__all__ = [
    "DEFAULT_KEEP",
    "ENSEMBLE_KEYS",
    "KeepPredictions",
    "OOFIndex",
    "PredictionWriter",
    "encode_labels",
    "estimator_outputs",
    "make_writer",
    "read_trial_predictions",
    "sweep_directory",
]

DEFAULT_KEEP = 50
ENSEMBLE_KEYS = ("keep",)
INDEX_DIR = "predictions"
OOF_FILE, OOF_META = "oof.npy", "oof.json"


@dataclass(frozen=True)
class KeepPredictions:
    """The ``ensemble:`` block: how many trials keep their out-of-fold predictions.

    Example:
        >>> KeepPredictions.from_spec({"keep": 20})
        KeepPredictions(keep=20)
        >>> KeepPredictions.from_spec(None) is None
        True
    """

    keep: int = DEFAULT_KEEP

    @classmethod
    def from_spec(cls, spec: Any, *, path: str = "objective.ensemble") -> KeepPredictions | None:
        """Read ``ensemble:``: absent/false (off), true (keep 50) or ``{keep: K}``."""
        if spec is None or spec is False:
            return None
        if spec is True:
            return cls()
        if not isinstance(spec, Mapping):
            raise ConfigError(
                f"must be true, false or {{keep: K}}, got {type(spec).__name__}", path=path
            )
        for key in spec:
            if key not in ENSEMBLE_KEYS:
                raise ConfigError(
                    f"unknown key {key!r}{did_you_mean(str(key), ENSEMBLE_KEYS)}; "
                    f"allowed: {', '.join(ENSEMBLE_KEYS)}",
                    path=f"{path}.{key}",
                )
        keep = spec.get("keep", DEFAULT_KEEP)
        if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
            raise ConfigError(
                f"must be an integer >= 1 (trials that keep predictions), got {keep!r}",
                path=f"{path}.keep",
            )
        return cls(keep=keep)


def encode_labels(labels: Any, classes: np.ndarray) -> np.ndarray:
    """Indices of ``labels`` in ``classes`` (ValueError for a label that is not a class).

    Example:
        >>> encode_labels(np.array(["b", "a"]), np.array(["a", "b"])).tolist()
        [1, 0]
    """
    lookup = {c: i for i, c in enumerate(np.asarray(classes).tolist())}
    try:
        return np.array([lookup[v] for v in np.asarray(labels).tolist()], dtype=np.int64)
    except KeyError as exc:
        raise ValueError(f"label {exc.args[0]!r} is not one of the classes") from None


def estimator_outputs(
    estimator: Any, X: np.ndarray, classes: np.ndarray | None
) -> tuple[np.ndarray, str]:
    """A fitted estimator's predictions for ``X`` in the stored layout, and their kind.

    Classification (``classes`` given): ``predict_proba`` columns placed at their classes'
    positions (kind ``proba``), or one-hot votes from ``predict`` (kind ``labels``).
    Regression: ``predict`` as one column (kind ``predict``).
    """
    if classes is None:
        return np.asarray(estimator.predict(X), dtype=np.float64).reshape(len(X), 1), "predict"
    out = np.zeros((len(X), len(classes)), dtype=np.float64)
    if hasattr(estimator, "predict_proba"):
        proba = np.asarray(estimator.predict_proba(X), dtype=np.float64)
        own = getattr(estimator, "classes_", classes)
        out[:, encode_labels(own, classes)] = proba
        return out, "proba"
    out[np.arange(len(X)), encode_labels(estimator.predict(X), classes)] = 1.0
    return out, "labels"


@dataclass
class OOFIndex:
    """Which dataset rows the stored predictions cover, the fold of each, and their targets."""

    rows: np.ndarray
    folds: np.ndarray
    y: np.ndarray
    task: str
    classes: np.ndarray | None = None

    @classmethod
    def from_parts(
        cls,
        test_parts: Sequence[np.ndarray],
        y: np.ndarray,
        task: str,
        classes: np.ndarray | None = None,
        *,
        path: str = "objective.ensemble",
    ) -> OOFIndex:
        """Build the index of the validation parts ``test_parts`` (dataset row indices);
        ``y`` is the whole dataset's target (class indices for classification)."""
        parts = [np.asarray(p, dtype=np.int64) for p in test_parts]
        rows = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
        folds = np.concatenate([np.full(len(p), i, dtype=np.int64) for i, p in enumerate(parts)])
        if len(np.unique(rows)) != len(rows):
            raise ConfigError(
                "stored predictions need validation parts that do not overlap (each row "
                "predicted once); these folds test some rows twice",
                path=path,
            )
        order = np.argsort(rows, kind="stable")
        rows, folds = rows[order], folds[order]
        target = np.asarray(y)[rows]
        target = target.astype(np.int64 if task == "classification" else np.float64)
        if classes is not None:
            classes = np.asarray(classes)
            if classes.dtype.kind == "O":
                classes = classes.astype(str)
        return cls(rows, folds, target, task, classes)

    @functools.cached_property
    def fingerprint(self) -> str:
        """A hash of the rows, folds, targets and classes (equal index, equal fingerprint)."""
        digest = hashlib.sha256()
        for array in (self.rows, self.folds, self.y):
            digest.update(np.ascontiguousarray(array).tobytes())
        if self.classes is not None:
            digest.update(json.dumps(self.classes.tolist()).encode())
        digest.update(self.task.encode())
        return digest.hexdigest()[:32]

    def assemble(self, parts: Sequence[np.ndarray], test_parts: Sequence[np.ndarray]) -> np.ndarray:
        """Per-fold outputs (``parts[i]`` predicts ``test_parts[i]`` in that order) placed in
        the index's row order."""
        width = parts[0].shape[1]
        out = np.full((len(self.rows), width), np.nan, dtype=np.float32)
        for part, test in zip(parts, test_parts):
            out[np.searchsorted(self.rows, np.asarray(test))] = part
        if np.isnan(out).any():
            raise ValueError("some stored rows got no prediction")
        return out

    def write(self, directory: Path, metric: PredictionMetric) -> None:
        """Write the index under ``directory`` (arrays first, ``index.json`` last)."""
        directory.mkdir(parents=True, exist_ok=True)
        arrays = {"rows": self.rows, "folds": self.folds, "y": self.y}
        if self.classes is not None:
            arrays["classes"] = self.classes
        for name, array in arrays.items():
            _save_npy(directory / f"{name}.npy", array)
        info = {
            "task": self.task,
            "metric": metric.name,
            "n_rows": len(self.rows),
            "n_folds": int(self.folds.max()) + 1 if len(self.folds) else 0,
            "fingerprint": self.fingerprint,
        }
        _write_text(directory / "index.json", json.dumps(info, indent=2) + "\n")

    @classmethod
    def read(cls, directory: Path) -> tuple[OOFIndex, dict[str, Any]]:
        """The index stored under ``directory`` and its ``index.json``."""
        info = json.loads((directory / "index.json").read_text(encoding="utf-8"))
        load = lambda name: np.load(directory / f"{name}.npy", allow_pickle=False)  # noqa: E731
        classes = load("classes") if (directory / "classes.npy").exists() else None
        index = cls(load("rows"), load("folds"), load("y"), info["task"], classes)
        return index, info


def make_writer(
    spec: Any,
    *,
    y: np.ndarray,
    test_parts: Sequence[np.ndarray],
    classes: np.ndarray | None,
    metric: PredictionMetric,
    path: str = "objective.ensemble",
) -> PredictionWriter | None:
    """The writer an objective's ``ensemble:`` block asks for (None when it is off).

    ``y`` is the whole dataset's target (labels when ``classes`` is given: classification);
    ``test_parts`` are the validation parts' dataset row indices.
    """
    keep = KeepPredictions.from_spec(spec, path=path)
    if keep is None:
        return None
    task = "regression" if classes is None else "classification"
    if metric.task != task:
        raise ConfigError(
            f"the metric {metric.name!r} scores {metric.task}, but this objective does {task}",
            path=path,
        )
    codes = np.asarray(y, dtype=np.float64) if classes is None else encode_labels(y, classes)
    index = OOFIndex.from_parts(test_parts, codes, task, classes, path=path)
    return PredictionWriter(keep, index, metric)


def sweep_directory(trial_dir: str | Path) -> Path:
    """Where the sweep-level index lives for a trial directory (``DIR/trials/<n>`` -> ``DIR``);
    a trial directory outside that layout keeps its own index."""
    trial_dir = Path(trial_dir)
    return trial_dir.parent.parent if trial_dir.parent.name == "trials" else trial_dir


class PredictionWriter:
    """Stores a trial's out-of-fold predictions and keeps the best ``keep`` trials' files.

    Example:
        >>> import tempfile
        >>> sweep = Path(tempfile.mkdtemp())
        >>> index = OOFIndex.from_parts([np.array([0, 2]), np.array([1])], np.array([0, 1, 1]),
        ...                             "classification", np.array([0, 1]))
        >>> writer = PredictionWriter(KeepPredictions(keep=1), index, get_metric("accuracy"))
        >>> parts = [np.array([[0.9, 0.1], [0.2, 0.8]]), np.array([[0.3, 0.7]])]
        >>> writer.save(sweep / "trials" / "0", parts, [np.array([0, 2]), np.array([1])],
        ...             kind="proba")
        1.0
    """

    def __init__(self, keep: KeepPredictions, index: OOFIndex, metric: PredictionMetric) -> None:
        self.keep = keep
        self.index = index
        self.metric = metric

    def save(
        self,
        trial_dir: str | Path,
        parts: Sequence[np.ndarray],
        test_parts: Sequence[np.ndarray],
        *,
        kind: str,
    ) -> float | None:
        """Write the trial's predictions (row order), then prune; returns their score, or None
        when the score is not finite (nothing is stored then)."""
        trial_dir = Path(trial_dir)
        predictions = self.index.assemble(parts, test_parts)
        score = self.metric.score(self.index.y, predictions)
        if not np.isfinite(score):
            return None
        sweep = sweep_directory(trial_dir)
        index_dir = sweep / INDEX_DIR if sweep != trial_dir else trial_dir
        if not (index_dir / "index.json").exists():
            self.index.write(index_dir, self.metric)
        trial_dir.mkdir(parents=True, exist_ok=True)
        _save_npy(trial_dir / OOF_FILE, predictions)
        meta = {
            "trial": _trial_number(trial_dir),
            "fingerprint": self.index.fingerprint,
            "metric": self.metric.name,
            "score": score,
            "kind": kind,
        }
        _write_text(trial_dir / OOF_META, json.dumps(meta) + "\n")
        if sweep != trial_dir:
            with _locked(index_dir / ".lock"):
                prune_predictions(sweep / "trials", self.keep.keep, get_metric(self.metric.name))
        return score


def prune_predictions(trials_dir: Path, keep: int, metric: PredictionMetric) -> list[int]:
    """Delete the stored predictions of all but the ``keep`` best trials; returns the numbers
    of the trials that lost theirs."""
    entries = []
    for meta_path in trials_dir.glob(f"*/{OOF_META}"):
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            score = float(meta["score"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # being written by another worker, or damaged: leave it
        entries.append((-metric.sign * score, _trial_number(meta_path.parent), meta_path))
    entries.sort(key=lambda e: (e[0], e[1]))
    dropped = []
    for _, number, meta_path in entries[keep:]:
        (meta_path.parent / OOF_FILE).unlink(missing_ok=True)
        meta_path.unlink(missing_ok=True)
        dropped.append(number)
    return dropped


def read_trial_predictions(trial_dir: str | Path) -> tuple[np.ndarray, dict[str, Any]] | None:
    """A trial's stored predictions and their ``oof.json``, or None when it has none."""
    trial_dir = Path(trial_dir)
    meta_path, data_path = trial_dir / OOF_META, trial_dir / OOF_FILE
    if not (meta_path.exists() and data_path.exists()):
        return None
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    return np.load(data_path, allow_pickle=False), meta


def _trial_number(trial_dir: Path) -> int:
    return int(trial_dir.name) if trial_dir.name.isdigit() else -1


def _save_npy(path: Path, array: np.ndarray) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as fh:
        np.save(fh, array, allow_pickle=False)
    os.replace(tmp, path)


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock between the workers of one sweep (POSIX ``flock``; none elsewhere)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
