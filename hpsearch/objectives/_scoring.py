"""Scoring stored predictions with a sweep's metric: pure numpy, vectorized over candidates.

Predictions are arrays of shape ``(n_rows, n_columns)``: class probabilities (or one-hot votes
for classifiers without ``predict_proba``) with one column per class, in the sorted order of the
class labels, for classification; one column of predicted values for regression. Targets are
class indices into that order (classification) or numbers (regression).

A :class:`PredictionMetric` scores one prediction array (:meth:`~PredictionMetric.score`) or a
stack of candidates at once (:meth:`~PredictionMetric.score_many`, shape ``(m, n, c)``), which is
what keeps greedy ensemble selection cheap. Metrics keep their natural sign (``log_loss`` is a
positive loss, minimized); :func:`metric_for_scorer` maps scikit-learn scorer names
(``neg_log_loss`` -> ``log_loss``) and :func:`metric_for_torch` the torch trainer's names.
For binary ``f1``/``precision``/``recall``/``roc_auc`` the positive class is the second class in
sorted order (scikit-learn's ``pos_label=1`` for 0/1 labels).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hpsearch.errors import ConfigError, did_you_mean

__all__ = [
    "METRICS",
    "SCORER_NAMES",
    "PredictionMetric",
    "get_metric",
    "metric_for_scorer",
    "metric_for_torch",
]

EPS = 1e-15
_CHUNK = 2**22  # elements per block of candidates scored at once


@dataclass(frozen=True)
class PredictionMetric:
    """A metric on ``(y, predictions)`` with its goal and task.

    Example:
        >>> m = get_metric("accuracy")
        >>> m.score(np.array([0, 1]), np.array([[0.9, 0.1], [0.2, 0.8]]))
        1.0
        >>> m.goal, m.better(0.9, 0.8)
        ('maximize', True)
    """

    name: str
    goal: str
    task: str
    many: Callable[[np.ndarray, np.ndarray], np.ndarray]

    def score(self, y: np.ndarray, predictions: np.ndarray) -> float:
        """The metric of one ``(n, c)`` prediction array."""
        return float(self.score_many(y, np.asarray(predictions)[None])[0])

    def score_many(self, y: np.ndarray, stack: np.ndarray) -> np.ndarray:
        """The metric of each of ``m`` candidates, ``stack`` of shape ``(m, n, c)``."""
        stack = np.asarray(stack)
        if stack.ndim != 3:
            raise ValueError(f"expected a (m, n, c) stack of predictions, got {stack.shape}")
        step = max(1, _CHUNK // max(1, stack.shape[1] * stack.shape[2]))
        parts = [
            self.many(y, np.asarray(stack[i : i + step], dtype=np.float64))
            for i in range(0, len(stack), step)
        ]
        return np.concatenate(parts) if parts else np.empty(0)

    @property
    def sign(self) -> float:
        """+1 when larger is better, -1 when smaller is better."""
        return 1.0 if self.goal == "maximize" else -1.0

    def better(self, a: float, b: float) -> bool:
        """Whether ``a`` is strictly better than ``b``."""
        return a * self.sign > b * self.sign


# -- classification ------------------------------------------------------------------------------
def _labels(stack: np.ndarray) -> np.ndarray:
    return stack.argmax(axis=2)


def _confusion(y: np.ndarray, stack: np.ndarray) -> np.ndarray:
    """Confusion matrices ``(m, k, k)``: rows true class, columns predicted class."""
    m, _, k = stack.shape
    pred = _labels(stack)
    flat = (np.arange(m)[:, None] * k * k + y[None, :] * k + pred).ravel()
    return np.bincount(flat, minlength=m * k * k).reshape(m, k, k).astype(np.float64)


def _prf(y: np.ndarray, stack: np.ndarray, average: str, what: str) -> np.ndarray:
    cm = _confusion(y, stack)
    tp = np.diagonal(cm, axis1=1, axis2=2)
    predicted, actual = cm.sum(axis=1), cm.sum(axis=2)
    if average == "micro":
        tp, predicted, actual = (a.sum(axis=1, keepdims=True) for a in (tp, predicted, actual))
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(actual > 0, tp / actual, 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    value = {"precision": precision, "recall": recall, "f1": f1}[what]
    if average == "binary":
        return value[:, 1]
    if average == "micro":
        return value[:, 0]
    present = actual > 0  # scikit-learn averages over the labels present in y or predictions
    present |= predicted > 0
    if average == "weighted":
        weights = actual / actual.sum(axis=1, keepdims=True)
        return (value * weights).sum(axis=1)
    return np.where(present, value, 0.0).sum(axis=1) / np.maximum(present.sum(axis=1), 1)


def _accuracy(y: np.ndarray, stack: np.ndarray) -> np.ndarray:
    return (_labels(stack) == y[None, :]).mean(axis=1)


def _balanced_accuracy(y: np.ndarray, stack: np.ndarray) -> np.ndarray:
    cm = _confusion(y, stack)
    actual = cm.sum(axis=2)
    recall = np.diagonal(cm, axis1=1, axis2=2) / np.maximum(actual, 1)
    present = actual > 0
    return np.where(present, recall, 0.0).sum(axis=1) / present.sum(axis=1)


def _normalized(stack: np.ndarray) -> np.ndarray:
    total = stack.sum(axis=2, keepdims=True)
    return np.where(total > 0, stack / np.where(total > 0, total, 1.0), 1.0 / stack.shape[2])


def _log_loss(y: np.ndarray, stack: np.ndarray) -> np.ndarray:
    probs = _normalized(stack)[:, np.arange(len(y)), y]
    return -np.log(np.clip(probs, EPS, 1.0)).mean(axis=1)


def _brier(y: np.ndarray, stack: np.ndarray) -> np.ndarray:
    if stack.shape[2] != 2:
        raise ConfigError("neg_brier_score needs a binary target", path="objective.scoring")
    return ((_normalized(stack)[:, :, 1] - y[None, :]) ** 2).mean(axis=1)


def _mcc(y: np.ndarray, stack: np.ndarray) -> np.ndarray:
    cm = _confusion(y, stack)
    t, p = cm.sum(axis=2), cm.sum(axis=1)
    c = np.trace(cm, axis1=1, axis2=2)
    s = cm.sum(axis=(1, 2))
    num = c * s - (t * p).sum(axis=1)
    den = np.sqrt((s**2 - (p * p).sum(axis=1)) * (s**2 - (t * t).sum(axis=1)))
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)


def _binary_auc(y: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """ROC AUC of each row of ``scores`` (m, n) for labels ``y`` (1 = positive), all at once:
    the Mann-Whitney statistic from average ranks, so ties count one half as in scikit-learn.

    Example:
        >>> _binary_auc(np.array([0, 1, 1]), np.array([[0.1, 0.4, 0.35], [0.5, 0.5, 0.5]]))
        array([1. , 0.5])
    """
    from scipy.stats import rankdata

    positive = np.asarray(y) == 1
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("ROC AUC needs both classes among the scored rows")
    ranks = rankdata(scores, axis=1)
    return (ranks[:, positive].sum(axis=1) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def _roc_auc(multi_class: str, average: str) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    def many(y: np.ndarray, stack: np.ndarray) -> np.ndarray:
        from sklearn.metrics import roc_auc_score

        probs = _normalized(stack)
        if stack.shape[2] == 2:
            return _binary_auc(y, probs[:, :, 1])
        labels = np.arange(stack.shape[2])
        return np.array(
            [
                roc_auc_score(y, p, multi_class=multi_class, average=average, labels=labels)
                for p in probs
            ]
        )

    return many


# -- regression ----------------------------------------------------------------------------------
def _errors(y: np.ndarray, stack: np.ndarray) -> np.ndarray:
    return stack[:, :, 0] - y[None, :]


def _mse(y: np.ndarray, stack: np.ndarray) -> np.ndarray:
    return (_errors(y, stack) ** 2).mean(axis=1)


def _r2(y: np.ndarray, stack: np.ndarray) -> np.ndarray:
    sst = float(((y - y.mean()) ** 2).sum())
    sse = (_errors(y, stack) ** 2).sum(axis=1)
    return 1.0 - sse / sst if sst > 0 else np.where(sse == 0, 1.0, 0.0)


def _explained_variance(y: np.ndarray, stack: np.ndarray) -> np.ndarray:
    var = float(y.var())
    resid = _errors(y, stack).var(axis=1)
    return 1.0 - resid / var if var > 0 else np.where(resid == 0, 1.0, 0.0)


def _mape(y: np.ndarray, stack: np.ndarray) -> np.ndarray:
    scale = np.maximum(np.abs(y), np.finfo(np.float64).eps)
    return (np.abs(_errors(y, stack)) / scale[None, :]).mean(axis=1)


_C, _R = "classification", "regression"
METRICS: dict[str, PredictionMetric] = {
    m.name: m
    for m in (
        PredictionMetric("accuracy", "maximize", _C, _accuracy),
        PredictionMetric("balanced_accuracy", "maximize", _C, _balanced_accuracy),
        PredictionMetric("log_loss", "minimize", _C, _log_loss),
        PredictionMetric("brier", "minimize", _C, _brier),
        PredictionMetric("matthews_corrcoef", "maximize", _C, _mcc),
        PredictionMetric("roc_auc", "maximize", _C, _roc_auc("raise", "macro")),
        *(
            PredictionMetric(f"roc_auc_{mc}{suffix}", "maximize", _C, _roc_auc(mc, avg))
            for mc in ("ovr", "ovo")
            for suffix, avg in (("", "macro"), ("_weighted", "weighted"))
        ),
        *(
            PredictionMetric(
                what if avg == "binary" else f"{what}_{avg}",
                "maximize",
                _C,
                lambda y, s, a=avg, w=what: _prf(y, s, a, w),  # type: ignore[misc]
            )
            for what in ("f1", "precision", "recall")
            for avg in ("binary", "macro", "micro", "weighted")
        ),
        PredictionMetric("mse", "minimize", _R, _mse),
        PredictionMetric("rmse", "minimize", _R, lambda y, s: np.sqrt(_mse(y, s))),
        PredictionMetric("mae", "minimize", _R, lambda y, s: np.abs(_errors(y, s)).mean(axis=1)),
        PredictionMetric(
            "median_ae", "minimize", _R, lambda y, s: np.median(np.abs(_errors(y, s)), axis=1)
        ),
        PredictionMetric("mape", "minimize", _R, _mape),
        PredictionMetric("r2", "maximize", _R, _r2),
        PredictionMetric("explained_variance", "maximize", _R, _explained_variance),
    )
}

_NEGATED = {
    "neg_log_loss": "log_loss",
    "neg_brier_score": "brier",
    "neg_mean_squared_error": "mse",
    "neg_root_mean_squared_error": "rmse",
    "neg_mean_absolute_error": "mae",
    "neg_median_absolute_error": "median_ae",
    "neg_mean_absolute_percentage_error": "mape",
}
#: scikit-learn scorer name -> metric name
SCORER_NAMES = {
    **{n: n for n in METRICS if n not in _NEGATED.values()},
    **_NEGATED,
}
_TORCH_NAMES = {
    "f1": "f1_macro",
    "precision": "precision_macro",
    "recall": "recall_macro",
    "f1_macro": "f1_macro",
    "precision_macro": "precision_macro",
    "recall_macro": "recall_macro",
    "acc": "accuracy",
    "accuracy": "accuracy",
    "log_loss": "log_loss",
    "neg_log_loss": "log_loss",
    "mse": "mse",
    "rmse": "rmse",
    "mae": "mae",
    "r2": "r2",
}


def get_metric(name: str) -> PredictionMetric:
    """The metric called ``name`` (see :data:`METRICS`)."""
    try:
        return METRICS[name]
    except KeyError:
        raise ConfigError(
            f"unknown prediction metric {name!r}{did_you_mean(name, METRICS)}; "
            f"allowed: {', '.join(METRICS)}"
        ) from None


def metric_for_scorer(scorer: str, *, path: str = "objective.scoring") -> PredictionMetric:
    """The metric a scikit-learn scorer name stands for.

    Example:
        >>> metric_for_scorer("neg_log_loss").name, metric_for_scorer("r2").goal
        ('log_loss', 'maximize')
    """
    if scorer not in SCORER_NAMES:
        raise ConfigError(
            f"ensembles cannot score predictions with the scorer {scorer!r}"
            f"{did_you_mean(scorer, SCORER_NAMES)}; supported: {', '.join(SCORER_NAMES)}",
            path=path,
        )
    return METRICS[SCORER_NAMES[scorer]]


def metric_for_torch(names: list[str], task: str) -> PredictionMetric:
    """The first of the torch sweep's metric names that scores predictions (``compressed_`` and
    aliases stripped); cross-entropy (``log_loss``) or ``mse`` when none does.

    Example:
        >>> metric_for_torch(["size_mb", "compressed_accuracy"], "classification").name
        'accuracy'
    """
    for name in names:
        base = name.removeprefix("compressed_")
        canonical = _TORCH_NAMES.get(base)
        if canonical is not None and METRICS[canonical].task == task:
            return METRICS[canonical]
    return METRICS["log_loss" if task == "classification" else "mse"]
