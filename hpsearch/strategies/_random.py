"""The ``random`` strategy: independent draws from each dimension's distribution."""

from __future__ import annotations

from optuna.samplers import BaseSampler

from hpsearch.strategies._base import Strategy
from hpsearch.strategies._optuna_space import SpaceRandomSampler

__all__ = ["RandomStrategy"]


class RandomStrategy(Strategy):
    """Random search that honors categorical ``weights`` and W&B-style ``prior`` s.

    Every value is drawn from a generator seeded by (seed, trial number, parameter), so a
    resumed sweep continues with new points and the same seed gives the same sequence.

    Example:
        >>> from hpsearch.space import Float, Space
        >>> s = RandomStrategy(Space((Float("x", 0, 1),)), seed=0)
        >>> 0 <= s.ask().params["x"] <= 1
        True
    """

    name = "random"

    def _build_sampler(self, seed: int) -> BaseSampler:
        return SpaceRandomSampler(self.space, seed=seed)
