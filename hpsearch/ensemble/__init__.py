"""Ensembles of a sweep's best trials, from the out-of-fold predictions they stored.

A sweep whose objective has ``ensemble: {keep: 50}`` keeps each good trial's predictions on its
validation rows (:mod:`hpsearch.objectives._predictions`). From them:

- :func:`build_ensemble` (``hpsearch ensemble DIR``) picks weights by greedy selection with
  replacement (Caruana et al. 2004, the default), a plain average of the top k, or a stacked
  non-negative linear model, and reports its score both in-sample and on rows the selection did
  not see (the honest, nested figure), next to the best single trial's;
- :func:`retrain_ensemble` (``hpsearch retrain DIR --ensemble``) fits the members on all the data
  and saves them without pickle; :func:`load_model` loads that in any process.

The array-level pieces (:func:`greedy_selection`, :func:`average_top_k`, :func:`stack_nnls`,
:func:`nested_estimate`) work on any ``(models, rows, columns)`` stack of predictions.

Example:
    >>> import hpsearch.ensemble
    >>> sorted(hpsearch.ensemble.METHODS)
    ['average', 'greedy', 'stack']
"""

from __future__ import annotations

from hpsearch.ensemble._build import EnsembleResult, Member, build_ensemble, read_ensemble
from hpsearch.ensemble._model import EnsembleModel, load_model
from hpsearch.ensemble._nested import Estimate, NestedEstimate, nested_estimate
from hpsearch.ensemble._retrain import retrain_ensemble
from hpsearch.ensemble._select import (
    DEFAULT_SIZE,
    METHODS,
    average_top_k,
    blend,
    fit_weights,
    greedy_selection,
    stack_nnls,
)
from hpsearch.ensemble._sweep import Pool, load_pool

__all__ = [
    "DEFAULT_SIZE",
    "METHODS",
    "EnsembleModel",
    "EnsembleResult",
    "Estimate",
    "Member",
    "NestedEstimate",
    "Pool",
    "average_top_k",
    "blend",
    "build_ensemble",
    "fit_weights",
    "greedy_selection",
    "load_model",
    "load_pool",
    "nested_estimate",
    "read_ensemble",
    "retrain_ensemble",
    "stack_nnls",
]
