"""Validation metrics computed from a model's outputs (numpy, no sklearn call per epoch).

Classification: ``accuracy``, ``f1`` (macro), ``precision`` (macro), ``recall`` (macro),
``log_loss``. Regression (in the target's original units): ``mse``, ``rmse``, ``mae``, ``r2``.
Both: ``val_loss`` (the training loss on the validation part). Cost metrics, computed once per
trial: ``n_params``, ``train_time_s``, ``latency_ms`` (one batch-1 forward pass on the CPU, median
of warm repeats, of the model as deployed: after ``quantize`` when that knob is set).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "CLASSIFICATION_METRICS",
    "COST_METRICS",
    "MAXIMIZE",
    "REGRESSION_METRICS",
    "compute_metrics",
    "improved",
]

CLASSIFICATION_METRICS = ("accuracy", "f1", "precision", "recall", "log_loss")
REGRESSION_METRICS = ("mse", "rmse", "mae", "r2")
COST_METRICS = ("n_params", "train_time_s", "latency_ms")
ALIASES = {
    "f1_macro": "f1",
    "precision_macro": "precision",
    "recall_macro": "recall",
    "acc": "accuracy",
    "neg_log_loss": "log_loss",
    "loss": "val_loss",
}
MAXIMIZE = frozenset({"accuracy", "f1", "precision", "recall", "r2"})


def improved(name: str, new: float, best: float | None, min_delta: float = 0.0) -> bool:
    """Whether ``new`` beats ``best`` by more than ``min_delta`` in ``name``'s direction.

    Example:
        >>> improved("accuracy", 0.9, 0.8), improved("mse", 0.9, 0.8)
        (True, False)
    """
    if best is None:
        return bool(np.isfinite(new))
    if name in MAXIMIZE:
        return new > best + min_delta
    return new < best - min_delta


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def compute_metrics(
    task: str,
    y_true: np.ndarray,
    outputs: np.ndarray,
    *,
    names: tuple[str, ...] | None = None,
    y_mean: float = 0.0,
    y_std: float = 1.0,
) -> dict[str, float]:
    """Metrics of ``outputs`` (logits, or standardized predictions) against ``y_true``.

    ``names`` limits the work to those metrics (all of the task's metrics when None).

    Example:
        >>> logits = np.array([[2.0, 0.0], [0.0, 1.0], [3.0, 0.0]])
        >>> compute_metrics("classification", np.array([0, 1, 1]), logits, names=("accuracy",))
        {'accuracy': 0.6666666666666666}
    """
    out: dict[str, float] = {}
    if task == "regression":
        wanted = names or REGRESSION_METRICS
        pred = outputs.reshape(-1).astype(np.float64) * y_std + y_mean
        true = y_true.reshape(-1).astype(np.float64) * y_std + y_mean
        err = pred - true
        mse = float(np.mean(err**2))
        if "mse" in wanted:
            out["mse"] = mse
        if "rmse" in wanted:
            out["rmse"] = float(np.sqrt(mse))
        if "mae" in wanted:
            out["mae"] = float(np.mean(np.abs(err)))
        if "r2" in wanted:
            sst = float(np.sum((true - true.mean()) ** 2))
            out["r2"] = 1.0 - float(np.sum(err**2)) / sst if sst > 0 else 0.0
        return out
    wanted = names or CLASSIFICATION_METRICS
    logits = outputs.astype(np.float64)
    k = logits.shape[1]
    y = y_true.astype(np.int64)
    pred = logits.argmax(axis=1)
    if "accuracy" in wanted:
        out["accuracy"] = float(np.mean(pred == y))
    if {"f1", "precision", "recall"} & set(wanted):
        cm = np.bincount(y * k + pred, minlength=k * k).reshape(k, k)
        tp = np.diag(cm).astype(np.float64)
        predicted = cm.sum(axis=0)
        actual = cm.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            prec = np.where(predicted > 0, tp / predicted, 0.0)
            rec = np.where(actual > 0, tp / actual, 0.0)
            f1 = np.where(prec + rec > 0, 2 * prec * rec / (prec + rec), 0.0)
        present = actual > 0  # macro average over the classes present in y_true
        if "precision" in wanted:
            out["precision"] = float(prec[present].mean())
        if "recall" in wanted:
            out["recall"] = float(rec[present].mean())
        if "f1" in wanted:
            out["f1"] = float(f1[present].mean())
    if "log_loss" in wanted:
        probs = np.clip(_softmax(logits)[np.arange(len(y)), y], 1e-15, 1.0)
        out["log_loss"] = float(-np.mean(np.log(probs)))
    return out
