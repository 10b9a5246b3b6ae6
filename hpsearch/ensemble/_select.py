"""Choosing ensemble weights from out-of-fold predictions: pure functions on arrays.

``predictions`` is a stack of shape ``(m, n, c)``: ``m`` candidate models, ``n`` rows, ``c``
columns (class probabilities, or one column of values). Every function returns ``m`` weights
that are >= 0 and sum to 1; the ensemble predicts ``blend(predictions, weights)``.

- :func:`greedy_selection`: ensemble selection with replacement (Caruana, Niculescu-Mizil,
  Crew and Ksikes, "Ensemble selection from libraries of models", ICML 2004): start empty; each
  round add the model (repeats allowed) whose addition gives the best score of the running
  average; weights are how often each model was picked, taken at the best round.
- :func:`average_top_k`: the plain average of the ``k`` best single models.
- :func:`stack_nnls`: a stacked linear model: non-negative weights summing to 1 that minimize
  the squared error of the blend against the targets (one-hot targets for classification),
  over the ``k`` best single models (Breiman 1996, "Stacked regressions").

Example:
    >>> from hpsearch.objectives._scoring import get_metric
    >>> y = np.array([0, 1, 1, 0])
    >>> a = np.array([[0.9, 0.1], [0.4, 0.6], [0.6, 0.4], [0.8, 0.2]])  # misses row 2
    >>> b = np.array([[0.4, 0.6], [0.2, 0.8], [0.1, 0.9], [0.9, 0.1]])  # misses row 0
    >>> greedy_selection(np.stack([a, b]), y, get_metric("accuracy"), rounds=5).tolist()
    [0.5, 0.5]
"""

from __future__ import annotations

import numpy as np

from hpsearch.errors import ConfigError, did_you_mean
from hpsearch.objectives._scoring import PredictionMetric

__all__ = [
    "DEFAULT_SIZE",
    "METHODS",
    "average_top_k",
    "blend",
    "check_method",
    "fit_weights",
    "greedy_selection",
    "rank_candidates",
    "stack_nnls",
]

METHODS = ("greedy", "average", "stack")
#: the default ``size`` per method: greedy rounds, or the number of best models used
DEFAULT_SIZE = {"greedy": 25, "average": 5, "stack": 10}


def blend(predictions: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The weighted average of the candidates' predictions, shape ``(n, c)``."""
    used = np.flatnonzero(weights)
    out = np.zeros(predictions.shape[1:], dtype=np.float64)
    for j in used:
        out += float(weights[j]) * predictions[j]
    return out


def rank_candidates(predictions: np.ndarray, y: np.ndarray, metric: PredictionMetric) -> np.ndarray:
    """Candidate indices from best to worst single score (ties: lower index first)."""
    scores = metric.score_many(y, predictions) * metric.sign
    return np.lexsort((np.arange(len(scores)), -scores))


def greedy_selection(
    predictions: np.ndarray, y: np.ndarray, metric: PredictionMetric, *, rounds: int
) -> np.ndarray:
    """Caruana's greedy selection with replacement, ``rounds`` rounds; ties go to the better
    single model. The weights are those of the best round (the earliest when several tie), so
    one round gives the best single model."""
    m = len(predictions)
    order = rank_candidates(predictions, y, metric)
    ranked = predictions[order]
    total = np.zeros(predictions.shape[1:], dtype=np.float64)
    counts = np.zeros(m, dtype=np.int64)
    best_counts, best_score = counts, -np.inf
    for r in range(1, max(1, rounds) + 1):
        scores = _scores_with_each(ranked, total, r, y, metric)
        j = int(np.argmax(scores))
        total += ranked[j]
        counts = counts.copy()
        counts[j] += 1
        if scores[j] > best_score:
            best_score, best_counts = float(scores[j]), counts
    weights = np.zeros(m)
    weights[order] = best_counts / best_counts.sum()
    return weights


def _scores_with_each(
    ranked: np.ndarray, total: np.ndarray, r: int, y: np.ndarray, metric: PredictionMetric
) -> np.ndarray:
    """Oriented scores (larger is better) of the running average with each candidate added."""
    step = max(1, 2**22 // max(1, total.size))
    out = []
    for start in range(0, len(ranked), step):
        trial = (total[None] + ranked[start : start + step]) / r
        out.append(metric.score_many(y, trial) * metric.sign)
    return np.concatenate(out)


def average_top_k(
    predictions: np.ndarray, y: np.ndarray, metric: PredictionMetric, *, k: int
) -> np.ndarray:
    """Equal weights on the ``k`` best single models."""
    order = rank_candidates(predictions, y, metric)[: max(1, k)]
    weights = np.zeros(len(predictions))
    weights[order] = 1.0 / len(order)
    return weights


def stack_nnls(
    predictions: np.ndarray, y: np.ndarray, metric: PredictionMetric, *, k: int
) -> np.ndarray:
    """Least-squares stacking of the ``k`` best models with weights >= 0 summing to 1.

    The sum-to-one constraint is a heavily weighted extra row of the non-negative least-squares
    problem (the Lawson-Hanson weighting method), then normalized exactly.
    """
    from scipy.optimize import nnls

    order = rank_candidates(predictions, y, metric)[: max(1, k)]
    chosen = np.asarray(predictions[order], dtype=np.float64)
    if metric.task == "classification":
        target: np.ndarray = np.zeros(chosen.shape[1:])
        target[np.arange(len(y)), y] = 1.0
    else:
        target = np.asarray(y, dtype=np.float64).reshape(-1, 1)
    design = chosen.reshape(len(order), -1).T
    penalty = 1e3 * max(1.0, float(np.abs(design).max())) * np.sqrt(len(design))
    design = np.vstack([design, np.full((1, len(order)), penalty)])
    rhs = np.concatenate([target.ravel(), [penalty]])
    solution, _ = nnls(design, rhs, maxiter=50 * len(order) + 100)
    weights = np.zeros(len(predictions))
    if solution.sum() <= 0:
        weights[order[0]] = 1.0  # degenerate fit: the best single model
    else:
        weights[order] = solution / solution.sum()
    return weights


def check_method(method: str, size: int | None) -> int:
    """Validate ``method`` and ``size``; return the size to use (the method's default for None).

    Example:
        >>> check_method("average", None)
        5
    """
    if method not in METHODS:
        raise ConfigError(
            f"unknown ensemble method {method!r}{did_you_mean(method, METHODS)}; "
            f"allowed: {', '.join(METHODS)}",
            path="method",
        )
    if size is None:
        return DEFAULT_SIZE[method]
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ConfigError(f"must be an integer >= 1, got {size!r}", path="size")
    return size


def fit_weights(
    method: str, predictions: np.ndarray, y: np.ndarray, metric: PredictionMetric, size: int
) -> np.ndarray:
    """Weights by ``method``: ``size`` is the greedy rounds, or the number of best models that
    the average or the stack uses.

    Example:
        >>> from hpsearch.objectives._scoring import get_metric
        >>> p = np.array([[[1.0], [2.0]], [[3.0], [2.0]]])
        >>> fit_weights("average", p, np.array([2.0, 2.0]), get_metric("mse"), 2).tolist()
        [0.5, 0.5]
    """
    size = check_method(method, size)
    if method == "greedy":
        return greedy_selection(predictions, y, metric, rounds=size)
    if method == "average":
        return average_top_k(predictions, y, metric, k=size)
    return stack_nnls(predictions, y, metric, k=size)
