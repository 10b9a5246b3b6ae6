"""The ``gp`` strategy: Gaussian-process Bayesian optimization (Optuna's ``GPSampler``)."""

from __future__ import annotations

from optuna.samplers import BaseSampler, GPSampler

from hpsearch.config import Option, Schema
from hpsearch.strategies._base import Strategy, default_startup, quiet
from hpsearch.strategies._optuna_space import SpaceRandomSampler

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
    schema = Schema({"n_startup_trials": Option.integer(low=0, help="random trials first")})
    reseed_on_resume = True

    def _build_sampler(self, seed: int) -> BaseSampler:
        return quiet(
            GPSampler,
            seed=seed,
            n_startup_trials=self.startup_trials(),
            independent_sampler=SpaceRandomSampler(self.space, seed=seed),
            warn_independent_sampling=False,
        )

    def startup_trials(self) -> int:
        startup = self.option("n_startup_trials")
        return default_startup(self.budget) if startup is None else int(startup)
