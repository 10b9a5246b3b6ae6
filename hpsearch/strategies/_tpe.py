"""The ``tpe`` strategy: multivariate Tree-structured Parzen Estimator."""

from __future__ import annotations

from optuna.samplers import BaseSampler, TPESampler

from hpsearch.strategies._base import Strategy, bool_option, default_startup, int_option, quiet

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
    reseed_on_resume = True

    def _build_sampler(self, seed: int) -> BaseSampler:
        multivariate = bool_option(self.options, "multivariate", True)
        return quiet(
            TPESampler,
            n_startup_trials=int_option(
                self.options, "n_startup_trials", default_startup(self.budget)
            ),
            n_ei_candidates=int_option(self.options, "n_ei_candidates", 24, minimum=1),
            multivariate=multivariate,
            group=multivariate and self.space.is_conditional,
            constant_liar=bool_option(self.options, "constant_liar", self.workers > 1),
            seed=seed,
        )
