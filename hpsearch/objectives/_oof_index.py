"""The row index of stored out-of-fold predictions: which dataset rows they cover, the fold
that predicted each, the targets and classes, and a fingerprint of all that.

Written once per sweep under ``DIR/predictions/`` (see :mod:`hpsearch.objectives._predictions`
for the layout); ``.npy`` files are written and read with ``allow_pickle=False``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hpsearch.errors import ConfigError
from hpsearch.objectives._scoring import PredictionMetric

__all__ = ["INDEX_DIR", "OOFIndex", "save_npy", "write_text"]

INDEX_DIR = "predictions"


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
            save_npy(directory / f"{name}.npy", array)
        info = {
            "task": self.task,
            "metric": metric.name,
            "n_rows": len(self.rows),
            "n_folds": int(self.folds.max()) + 1 if len(self.folds) else 0,
            "fingerprint": self.fingerprint,
        }
        write_text(directory / "index.json", json.dumps(info, indent=2) + "\n")

    @classmethod
    def read(cls, directory: Path) -> tuple[OOFIndex, dict[str, Any]]:
        """The index stored under ``directory`` and its ``index.json``."""
        info = json.loads((directory / "index.json").read_text(encoding="utf-8"))
        load = lambda name: np.load(directory / f"{name}.npy", allow_pickle=False)  # noqa: E731
        classes = load("classes") if (directory / "classes.npy").exists() else None
        index = cls(load("rows"), load("folds"), load("y"), info["task"], classes)
        return index, info


def save_npy(path: Path, array: np.ndarray) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as fh:
        np.save(fh, array, allow_pickle=False)
    os.replace(tmp, path)


def write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
