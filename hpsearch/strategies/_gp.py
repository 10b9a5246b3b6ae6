"""The ``gp`` strategy: Gaussian-process Bayesian optimization (Optuna's ``GPSampler``)."""

from __future__ import annotations

from optuna.samplers import BaseSampler, GPSampler

from hpsearch.strategies._base import (
    SpaceRandomSampler,
    Strategy,
    default_startup,
    int_option,
    quiet,
)

__all__ = ["GPStrategy"]


class GPStrategy(Strategy):
    """Optuna's ``GPSampler``: best for small budgets on numeric spaces, costly per trial.

    Handles floats, ints and categoricals, one or several metrics, and running trials.
    Startup trials and conditional parameters are drawn at random (weights and priors honored).

    Options:
        n_startup_trials: Random trials before modelling (default
            ``max(5, min(10, budget//5))``, 10 without a budget).

    Example:
        >>> from hpsearch.space import Float, Space
        >>> s = GPStrategy(Space((Float("x", 0, 1),)), seed=0)
        >>> type(s.sampler).__name__
        'GPSampler'
    """

    name = "gp"
    reseed_on_resume = True

    def _build_sampler(self, seed: int) -> BaseSampler:
        return quiet(
            GPSampler,
            seed=seed,
            n_startup_trials=int_option(
                self.options, "n_startup_trials", default_startup(self.budget)
            ),
            independent_sampler=SpaceRandomSampler(self.space, seed=seed),
            warn_independent_sampling=False,
        )
