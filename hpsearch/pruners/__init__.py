"""Pruners: when to stop a trial early (the ``pruner:`` block).

Each pruner declares its options as a ``schema``; :data:`PRUNERS` is the registry, and
:func:`make_pruner` builds the Optuna pruner for a config. Adding a pruner is one new module
plus one line in the registry (see CONTRIBUTING.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hpsearch.config import PrunerConfig, Registry
from hpsearch.pruners._base import Pruner
from hpsearch.pruners._optuna import (
    HyperbandPruner,
    MedianPruner,
    NoPruner,
    PercentilePruner,
    SuccessiveHalvingPruner,
    WilcoxonPruner,
)

if TYPE_CHECKING:
    import optuna

__all__ = [
    "PRUNERS",
    "HyperbandPruner",
    "MedianPruner",
    "NoPruner",
    "PercentilePruner",
    "Pruner",
    "SuccessiveHalvingPruner",
    "WilcoxonPruner",
    "make_pruner",
]

PRUNERS: Registry[type[Pruner]] = Registry(
    "pruner",
    "pruner.type",
    {
        "none": NoPruner,
        "median": MedianPruner,
        "percentile": PercentilePruner,
        "asha": SuccessiveHalvingPruner,
        "hyperband": HyperbandPruner,
        "wilcoxon": WilcoxonPruner,
    },
)


def make_pruner(block: PrunerConfig | None) -> optuna.pruners.BasePruner:
    """The Optuna pruner for a ``pruner:`` block (``None``: never prune).

    Example:
        >>> type(make_pruner(PrunerConfig("asha", {"min_resource": 1}))).__name__
        'SuccessiveHalvingPruner'
    """
    if block is None:
        return NoPruner().build()
    return PRUNERS.lookup(block.type)(**block.options).build()
