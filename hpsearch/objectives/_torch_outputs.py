"""What a torch trial keeps besides its checkpoint: stored validation predictions (for
ensembles) and the metrics of its compressed model (the ``quantize`` knob).

Both work on the trainer's :class:`~hpsearch.training.TrainResult`; the trainer package is
imported only by the torch objective that calls them (it imports torch).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from hpsearch.objectives._predictions import PredictionWriter

__all__ = ["compression_metrics", "save_torch_predictions", "torch_parts"]


def torch_parts(result: Any, data: Any) -> tuple[list[np.ndarray], str]:
    """The best epoch's validation outputs per fold in the stored layout (class probabilities,
    or values in the target's units) and their kind.

    Example:
        >>> from types import SimpleNamespace as NS
        >>> fold = NS(y_std=2.0, y_mean=1.0)
        >>> parts, kind = torch_parts(NS(val_outputs=[np.array([0.5])]),
        ...                           NS(task="regression", folds=[fold]))
        >>> parts[0].tolist(), kind
        ([[2.0]], 'predict')
    """
    parts = []
    for outputs, fold in zip(result.val_outputs, data.folds):
        if data.task == "regression":
            parts.append(np.asarray(outputs).reshape(-1, 1) * fold.y_std + fold.y_mean)
        else:
            z = outputs - outputs.max(axis=1, keepdims=True)
            parts.append(np.exp(z) / np.exp(z).sum(axis=1, keepdims=True))
    return parts, "predict" if data.task == "regression" else "proba"


def save_torch_predictions(
    writer: PredictionWriter, result: Any, data: Any, trial_dir: Path
) -> float | None:
    """Store a torch trial's validation predictions through ``writer``; returns their score."""
    parts, kind = torch_parts(result, data)
    return writer.save(trial_dir, parts, [f.val_index for f in data.folds], kind=kind)


def compression_metrics(
    result: Any,
    cfg: Any,
    data: Any,
    shape: tuple[int, ...],
    meta: Mapping[str, Any],
    out_dir: Path | None,
    *,
    fmt: str = "auto",
) -> dict[str, float]:
    """``size_mb``, ``latency_ms`` and ``compressed_<metric>`` of the trial's model after its
    ``quantize`` mode; the compressed model is saved in ``out_dir`` when one is given."""
    import hpsearch.training  # imports torch: only torch objectives get here

    return hpsearch.training.compression_metrics(
        result.models, cfg.quantize, data, shape, meta=dict(meta), out_dir=out_dir, fmt=fmt
    )
