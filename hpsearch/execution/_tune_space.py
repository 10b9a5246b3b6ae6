"""A Space as Ray Tune sees it: a ``param_space`` of Tune domains (nested groups nested)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from hpsearch.space import Categorical, Constant, Dimension, Float, Int, Space, flatten, unflatten

__all__ = ["InBounds", "pbt_mutations", "tune_domain", "tune_param_space"]


def tune_domain(dim: Dimension) -> Any:
    """The Tune domain of one dimension (a constant is its value)."""
    from ray import tune

    if isinstance(dim, Float):
        if dim.step is not None:
            return tune.quniform(dim.low, dim.high, dim.step)
        return tune.loguniform(dim.low, dim.high) if dim.log else tune.uniform(dim.low, dim.high)
    if isinstance(dim, Int):
        low, high, step = dim.int_range
        if dim.log:
            return tune.lograndint(low, high + 1)
        if step != 1:
            return tune.qrandint(low, high, step)
        return tune.randint(low, high + 1)
    if isinstance(dim, Categorical):
        return tune.choice(dim.grid_values())
    assert isinstance(dim, Constant)
    return dim.grid_values()[0]


def tune_param_space(space: Space) -> dict[str, Any]:
    """A Ray Tune ``param_space``: nested groups become nested dicts.

    Conditional dimensions use ``tune.sample_from`` so they are only set when active
    (inactive ones are ``None``).
    """
    from ray import tune

    flat: dict[str, Any] = {}
    for dim in space.parameters:
        if not dim.when:
            flat[dim.name] = tune_domain(dim)
        else:
            flat[dim.name] = tune.sample_from(_ConditionalSampler(dim))
    return unflatten(flat)


class _ConditionalSampler:
    """Tune ``sample_from`` callable for a conditional dimension (picklable)."""

    def __init__(self, dim: Dimension) -> None:
        self.dim = dim
        self.parents = [c.parent for c in dim.when]

    def __call__(self, spec: Any) -> Any:
        config = spec.config
        flat = flatten(config) if isinstance(config, Mapping) else {}
        known = {p: flat[p] for p in self.parents if flat.get(p) is not None}
        if not Space.is_active(self.dim, known):
            return None
        return self.dim.sample(np.random.default_rng())


def pbt_mutations(space: Space, names: list[str]) -> dict[str, Any]:
    """PBT's ``hyperparam_mutations`` for the parameters ``names``: a categorical's choices,
    a numeric parameter's own sampler (its prior honoured when PBT resamples)."""
    out: dict[str, Any] = {}
    for name in names:
        dim = space[name]
        out[name] = list(dim.choices) if isinstance(dim, Categorical) else _Resample(dim)
    return out


class _Resample:
    """Draws a fresh value of one dimension (picklable, for PBT's resampling)."""

    def __init__(self, dim: Dimension) -> None:
        self.dim = dim

    def __call__(self) -> Any:
        return self.dim.sample(np.random.default_rng())


class InBounds:
    """PBT's ``custom_explore_fn``: a perturbed value clipped to its parameter's bounds and
    snapped to its step (``x * 1.2`` may leave ``[low, high]``).

    Example:
        >>> InBounds(Space((Int("n", 1, 10),)))({"n": 12})
        {'n': 10}
    """

    def __init__(self, space: Space) -> None:
        self.dims = {d.name: d for d in space.parameters if isinstance(d, (Float, Int))}

    def __call__(self, config: dict[str, Any]) -> dict[str, Any]:
        for name, dim in self.dims.items():
            value = config.get(name)
            if value is None or isinstance(value, bool):
                continue
            x = min(max(float(value), dim.low), dim.high)
            if dim.step is not None:
                x = dim.low + round((x - dim.low) / dim.step) * dim.step
                x = min(x, dim.high)
            config[name] = round(x) if isinstance(dim, Int) else float(x)
        return config
