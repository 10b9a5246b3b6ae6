"""The ``tpe`` strategy: multivariate Tree-structured Parzen Estimator."""

from __future__ import annotations

from optuna.samplers import BaseSampler, TPESampler

from hpsearch.config import Option, Schema
from hpsearch.strategies._base import Strategy, default_startup, quiet

__all__ = ["TPEStrategy"]


class TPEStrategy(Strategy):
    """Optuna's ``TPESampler``, multivariate, grouped for conditional spaces.

    Options:
        n_startup_trials: Random trials before modelling (default ``max(5, min(10, budget//5))``,
            10 without a budget).
        multivariate: Model parameters jointly (default true).
        constant_liar: Treat running trials as bad to spread parallel workers (default: true
            when ``workers > 1``).
        n_ei_candidates: Candidates scored per suggestion (default 24).

    Example:
        >>> from hpsearch.space import Float, Space
        >>> s = TPEStrategy(Space((Float("x", 0, 1),)), seed=0, budget=20)
        >>> s.sampler._n_startup_trials
        5
    """

    name = "tpe"
    schema = Schema(
        {
            "n_startup_trials": Option.integer(low=0, help="random trials before modelling"),
            "multivariate": Option.flag(True, help="model parameters jointly"),
            "constant_liar": Option.flag(help="treat running trials as bad (parallel workers)"),
            "n_ei_candidates": Option.integer(24, low=1, help="candidates per suggestion"),
        }
    )
    reseed_on_resume = True

    def _build_sampler(self, seed: int) -> BaseSampler:
        multivariate = self.option("multivariate")
        startup = self.option("n_startup_trials")
        liar = self.option("constant_liar")
        return quiet(
            TPESampler,
            n_startup_trials=default_startup(self.budget) if startup is None else startup,
            n_ei_candidates=self.option("n_ei_candidates"),
            multivariate=multivariate,
            group=multivariate and self.space.is_conditional,
            constant_liar=self.workers > 1 if liar is None else liar,
            seed=seed,
        )
