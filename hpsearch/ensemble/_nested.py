"""An honest score for an ensemble: select on some out-of-fold rows, score on the others.

Choosing weights on the same rows that then score the ensemble flatters it: with enough
candidates, greedy selection finds a blend that fits those rows' noise. :func:`nested_estimate`
splits the stored rows into ``n_splits`` parts (stratified by class for classification), fits
the weights on all parts but one and scores the blend on the part left out, for every part and
``n_repeats`` shufflings. The best single model goes through the same procedure (picked on the
selection rows, scored on the others), so the two are compared on equal terms, and their
per-part difference is the gain.

Each figure is the mean over the ``n_splits x n_repeats`` scored parts, with the standard error
of a ``n_splits``-fold mean: the standard deviation over all scored parts divided by
``sqrt(n_splits)`` (the repeats steady the mean, but they reuse the same rows, so they do not
shrink the error).

Example:
    >>> from hpsearch.objectives._scoring import get_metric
    >>> from hpsearch.ensemble._select import fit_weights
    >>> rng = np.random.default_rng(0)
    >>> y = rng.normal(size=200)
    >>> preds = y[None, :, None] + rng.normal(size=(4, 200, 1))   # four noisy models
    >>> fit = lambda p, t: fit_weights("average", p, t, get_metric("mse"), 4)
    >>> est = nested_estimate(preds, y, get_metric("mse"), fit, seed=0)
    >>> est.gain.mean > 0   # averaging four independent errors beats any one of them
    True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hpsearch.ensemble._select import blend, rank_candidates
from hpsearch.objectives._scoring import PredictionMetric

__all__ = ["Estimate", "NestedEstimate", "nested_estimate", "split_ids"]

WeightFit = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Estimate:
    """A mean over scored parts and its standard error (``values``: each part's score)."""

    mean: float
    se: float
    n: int
    values: tuple[float, ...] = ()

    @classmethod
    def of(cls, values: np.ndarray, n_splits: int) -> Estimate:
        values = np.asarray(values, dtype=np.float64)
        se = float(values.std(ddof=1) / np.sqrt(n_splits)) if len(values) > 1 else float("nan")
        return cls(float(values.mean()), se, len(values), tuple(values.tolist()))

    def to_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "se": self.se}


@dataclass(frozen=True)
class NestedEstimate:
    """Scores of the ensemble and of the best single model on rows not used to choose them.

    ``gain`` is ensemble minus best single, oriented so that positive means the ensemble is
    better (for a loss: best single's loss minus the ensemble's).
    """

    ensemble: Estimate
    single: Estimate
    gain: Estimate
    n_splits: int
    n_repeats: int
    seed: int


def split_ids(y: np.ndarray, task: str, n_splits: int, rng: np.random.Generator) -> np.ndarray:
    """A part number in ``0..n_splits-1`` for each row: shuffled, and for classification dealt
    class by class so every part holds each class in proportion.

    Example:
        >>> ids = split_ids(np.array([0, 0, 0, 1, 1, 1]), "classification", 3,
        ...                 np.random.default_rng(0))
        >>> sorted(np.bincount(ids).tolist())
        [2, 2, 2]
    """
    n = len(y)
    ids = np.empty(n, dtype=np.int64)
    if task == "classification":
        groups = [np.flatnonzero(y == c) for c in np.unique(y)]
    else:
        groups = [np.arange(n)]
    offset = 0
    for rows in groups:
        shuffled = rows[rng.permutation(len(rows))]
        ids[shuffled] = (np.arange(len(rows)) + offset) % n_splits
        offset += len(rows)
    return ids


def nested_estimate(
    predictions: np.ndarray,
    y: np.ndarray,
    metric: PredictionMetric,
    fit: WeightFit,
    *,
    n_splits: int = 5,
    n_repeats: int = 3,
    seed: int = 0,
) -> NestedEstimate:
    """Score ``fit`` (``(predictions, y) -> weights``) and the best single model on held-out
    parts of the rows, ``n_splits`` parts x ``n_repeats`` shufflings (see the module)."""
    if n_splits < 2 or len(y) < 2 * n_splits:
        raise ValueError(
            f"a nested estimate needs n_splits >= 2 and at least {2 * n_splits} rows, "
            f"got n_splits={n_splits} and {len(y)} rows"
        )
    rng = np.random.default_rng(seed)
    ens, single, gain = [], [], []
    for _ in range(max(1, n_repeats)):
        ids = split_ids(y, metric.task, n_splits, rng)
        for part in range(n_splits):
            pick, held = ids != part, ids == part
            chosen, target = predictions[:, pick], y[pick]
            weights = fit(chosen, target)
            best = int(rank_candidates(chosen, target, metric)[0])
            e = metric.score(y[held], blend(predictions[:, held], weights))
            s = metric.score(y[held], predictions[best, held])
            ens.append(e)
            single.append(s)
            gain.append((e - s) * metric.sign)
    return NestedEstimate(
        Estimate.of(np.array(ens), n_splits),
        Estimate.of(np.array(single), n_splits),
        Estimate.of(np.array(gain), n_splits),
        n_splits,
        max(1, n_repeats),
        seed,
    )
