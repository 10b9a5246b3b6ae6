"""A Space as Optuna sees it: distributions, define-by-run suggestion, and random sampling
through each dimension's own distribution (weights and priors honored)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.samplers import BaseSampler

from hpsearch.space import Categorical, Constant, Dimension, Float, Int, Space
from hpsearch.strategies._seeds import derive_seed, fresh_seed

if TYPE_CHECKING:
    from optuna.study import Study
    from optuna.trial import FrozenTrial

__all__ = ["SpaceRandomSampler", "distribution", "distributions", "suggest"]


def distribution(dim: Dimension) -> BaseDistribution | None:
    """The Optuna distribution of a dimension (``None`` for a constant).

    Example:
        >>> distribution(Float("lr", 1e-4, 1e-1, log=True))
        FloatDistribution(high=0.1, log=True, low=0.0001, step=None)
    """
    if isinstance(dim, Float):
        return FloatDistribution(dim.low, dim.high, log=dim.log, step=dim.step)
    if isinstance(dim, Int):
        return IntDistribution(dim.low, dim.high, log=dim.log, step=1 if dim.log else dim.step)
    if isinstance(dim, Categorical):
        return CategoricalDistribution([dim.encode(c) for c in dim.grid_values()])
    return None


def distributions(space: Space) -> dict[str, BaseDistribution]:
    """Optuna distributions for every searched dimension (conditional ones included)."""
    out = {}
    for dim in space.searched:
        dist = distribution(dim)
        if dist is not None:
            out[dim.name] = dist
    return out


def suggest(trial: optuna.Trial, space: Space) -> dict[str, Any]:
    """Ask an Optuna trial for every active parameter, define-by-run (user values returned,
    active constants added; constants are not stored in the study)."""
    params: dict[str, Any] = {}
    for dim in space.parameters:
        if not Space.is_active(dim, params):
            continue
        if isinstance(dim, Constant):
            params[dim.name] = dim.grid_values()[0]
        elif isinstance(dim, Float):
            params[dim.name] = trial.suggest_float(
                dim.name, dim.low, dim.high, log=dim.log, step=dim.step
            )
        elif isinstance(dim, Int):
            params[dim.name] = trial.suggest_int(
                dim.name, dim.low, dim.high, log=dim.log, step=1 if dim.log else dim.step
            )
        else:
            stored = trial.suggest_categorical(dim.name, [dim.encode(c) for c in dim.grid_values()])
            params[dim.name] = dim.decode(stored)
    return params


class SpaceRandomSampler(BaseSampler):
    """Independent random sampling through each dimension's own ``sample`` method.

    Honors ``Categorical.weights`` and ``Float/Int.prior``. Each value is drawn from a generator
    seeded by ``(seed, trial number, parameter name)``, so the sampler keeps no state: a resumed
    or parallel sweep never repeats the points of earlier trials, and a serial loop is
    reproducible.

    Example:
        >>> sampler = SpaceRandomSampler(Space((Float("x", 0, 1),)), seed=0)
        >>> study = optuna.create_study(sampler=sampler)
        >>> 0 <= study.ask().suggest_float("x", 0, 1) <= 1
        True
    """

    def __init__(self, space: Space, *, seed: int | None = None) -> None:
        self.space = space
        self.seed = fresh_seed() if seed is None else int(seed)

    def reseed_rng(self) -> None:
        self.seed = fresh_seed()

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return {}

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return {}

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        rng = np.random.default_rng(derive_seed(self.seed, trial.number, param_name))
        dim = self.space.get(param_name)
        if dim is not None and not isinstance(dim, Constant):
            value = dim.sample(rng)
            stored = dim.encode(value) if isinstance(dim, Categorical) else value
            if _within(param_distribution, stored):
                return stored
        # A parameter outside the space (or a distribution that differs from it): uniform.
        fallback = optuna.samplers.RandomSampler(seed=int(rng.integers(2**31)))
        return fallback.sample_independent(study, trial, param_name, param_distribution)


def _within(dist: BaseDistribution, value: Any) -> bool:
    """Whether ``value`` is a point of ``dist`` (a parameter's space may differ from it)."""
    if isinstance(dist, CategoricalDistribution):
        return any(type(c) is type(value) and c == value for c in dist.choices)
    if isinstance(dist, (FloatDistribution, IntDistribution)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if not dist.low <= value <= dist.high:
            return False
        if dist.step is not None:
            k = (value - dist.low) / dist.step
            return abs(k - round(k)) < 1e-8
        return True
    return False
