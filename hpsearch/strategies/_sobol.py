"""The ``sobol`` strategy: a scrambled Sobol sequence (quasi-random, space-filling)."""

from __future__ import annotations

from optuna.samplers import BaseSampler, QMCSampler

from hpsearch.config import Option, Schema
from hpsearch.strategies._base import Strategy, quiet
from hpsearch.strategies._optuna_space import SpaceRandomSampler

__all__ = ["SobolStrategy"]


class SobolStrategy(Strategy):
    """Quasi-random search with Optuna's ``QMCSampler`` (Sobol, scrambled and seeded).

    The sequence position is kept in the study, so a resumed sweep continues the sequence.
    The first trial, and parameters outside the first trial's search space (conditional ones),
    are drawn at random (weights and priors honored).

    Options:
        scramble: Scramble the sequence with the seed (default true).

    Example:
        >>> from hpsearch.space import Float, Space
        >>> s = SobolStrategy(Space((Float("x", 0, 1),)), seed=0)
        >>> 0 <= s.ask().params["x"] <= 1
        True
    """

    name = "sobol"
    schema = Schema({"scramble": Option.flag(True, help="scramble the sequence with the seed")})

    def _build_sampler(self, seed: int) -> BaseSampler:
        return quiet(
            QMCSampler,
            qmc_type="sobol",
            scramble=self.option("scramble"),
            seed=seed,
            independent_sampler=SpaceRandomSampler(self.space, seed=seed),
            warn_asynchronous_seeding=False,
            warn_independent_sampling=False,
        )
