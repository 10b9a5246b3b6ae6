"""A Space as Ray Tune sees it: a ``param_space`` of Tune domains (nested groups nested)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from hpsearch.space import Categorical, Constant, Dimension, Float, Int, Space, flatten, unflatten

__all__ = ["tune_domain", "tune_param_space"]


def tune_domain(dim: Dimension) -> Any:
    """The Tune domain of one dimension (a constant is its value)."""
    from ray import tune

    if isinstance(dim, Float):
        if dim.step is not None:
            return tune.quniform(dim.low, dim.high, dim.step)
        return tune.loguniform(dim.low, dim.high) if dim.log else tune.uniform(dim.low, dim.high)
    if isinstance(dim, Int):
        if dim.log:
            return tune.lograndint(dim.low, dim.high + 1)
        if dim.step != 1:
            return tune.qrandint(dim.low, dim.high, dim.step)
        return tune.randint(dim.low, dim.high + 1)
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
