"""Multi-fidelity search: asynchronous successive-halving promotions and a model over rungs.

Self-contained (no driver, executor or storage): :class:`MultiFidelitySearch` hands out
:class:`Job` objects (a configuration, the resource to train it to, the checkpoint resource to
resume from) and learns from :meth:`~MultiFidelitySearch.record`. The sweep driver and the
``mf`` strategy build on it. Design notes: ``benchmarks/mf/DESIGN.md``.
"""

from __future__ import annotations

from hpsearch.strategies._multifidelity._model import RungTPE
from hpsearch.strategies._multifidelity._rungs import PromotionLadder, rung_levels
from hpsearch.strategies._multifidelity._search import (
    Job,
    MultiFidelitySearch,
    Result,
    results_from,
)

__all__ = [
    "Job",
    "MultiFidelitySearch",
    "PromotionLadder",
    "Result",
    "RungTPE",
    "results_from",
    "rung_levels",
]
