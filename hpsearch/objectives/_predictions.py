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
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hpsearch.config import Option, Schema
from hpsearch.errors import ConfigError
from hpsearch.objectives._oof_index import INDEX_DIR, OOFIndex, save_npy, write_text
from hpsearch.objectives._scoring import PredictionMetric, get_metric

__all__ = [
    "DEFAULT_KEEP",
    "ENSEMBLE_OPTION",
    "ENSEMBLE_SCHEMA",
    "INDEX_DIR",
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
OOF_FILE, OOF_META = "oof.npy", "oof.json"

#: the options of an objective's ``ensemble:`` block
ENSEMBLE_SCHEMA = Schema(
    {
        "keep": Option.integer(
            DEFAULT_KEEP, low=1, help="how many best trials keep their predictions"
        ),
    }
)
#: how an objective's schema declares ``ensemble:`` (its value is read by
#: :meth:`KeepPredictions.from_spec` when the config is checked)
ENSEMBLE_OPTION = Option("any", help="true, false or {keep: K}: store out-of-fold predictions")


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
        """Read ``ensemble:``: absent/false (off), true (keep 50) or a mapping read through
        :data:`ENSEMBLE_SCHEMA`."""
        if spec is None or spec is False:
            return None
        if spec is True:
            return cls()
        if not isinstance(spec, Mapping):
            raise ConfigError(
                f"must be true, false or {{keep: K}}, got {type(spec).__name__}", path=path
            )
        options = ENSEMBLE_SCHEMA.read(spec, path=path, owner="ensemble block")
        return cls(keep=ENSEMBLE_SCHEMA.value(options, "keep"))


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
        save_npy(trial_dir / OOF_FILE, predictions)
        meta = {
            "trial": _trial_number(trial_dir),
            "fingerprint": self.index.fingerprint,
            "metric": self.metric.name,
            "score": score,
            "kind": kind,
        }
        write_text(trial_dir / OOF_META, json.dumps(meta) + "\n")
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
