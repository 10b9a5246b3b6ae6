"""The Space: a sweep's parameters plus what to optimize, how, and within which budget."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hpsearch.errors import ConfigError
from hpsearch.space._dimensions import Categorical, Constant, Dimension, Float, Int

__all__ = ["Budget", "Metric", "Space", "StrategySpec"]

GOALS = ("minimize", "maximize")
MAX_GRID_ENUMERATION = 2_000_000


@dataclass(frozen=True)
class Metric:
    """A metric to optimize: ``{name: accuracy, goal: maximize}``."""

    name: str
    goal: str = "minimize"
    target: float | None = None

    def __post_init__(self) -> None:
        if self.goal not in GOALS:
            raise ConfigError(
                f"must be minimize or maximize, got {self.goal!r}", path="metric.goal"
            )

    @property
    def sign(self) -> float:
        """+1 when smaller is better, -1 when larger is better."""
        return 1.0 if self.goal == "minimize" else -1.0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "goal": self.goal}
        if self.target is not None:
            out["target"] = self.target
        return out


@dataclass(frozen=True)
class StrategySpec:
    """Which strategy proposes trials, its seed and its options."""

    name: str = "bayes"
    seed: int | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.seed is not None:
            out["seed"] = self.seed
        return {**out, **dict(self.options)}


@dataclass(frozen=True)
class Budget:
    """When a sweep stops, and per-trial limits. Times are in seconds."""

    trials: int | None = None
    timeout: float | None = None
    trial_timeout: float | None = None
    max_retries: int = 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in ("trials", "timeout", "trial_timeout"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.max_retries:
            out["max_retries"] = self.max_retries
        return out


@dataclass(frozen=True, eq=True)
class Space:
    """A search space and the sweep settings that come with it.

    Parameters are kept in dependency order (a parent before the parameters whose ``when``
    names it). Build one with :func:`hpsearch.load_space`.

    Example:
        >>> from hpsearch.space import Float, Categorical
        >>> space = Space((Float("C", 1e-3, 1e3, log=True), Categorical("k", ("rbf", "linear"))))
        >>> sorted(space.sample(np.random.default_rng(0)))
        ['C', 'k']
    """

    parameters: tuple[Dimension, ...]
    name: str = "sweep"
    metrics: tuple[Metric, ...] = (Metric("value", "minimize"),)
    objective: Mapping[str, Any] | None = None
    strategy: StrategySpec = StrategySpec()
    budget: Budget = Budget()
    pruner: Mapping[str, Any] | None = None
    execution: Mapping[str, Any] | None = None
    description: str | None = None
    source: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", _dependency_order(tuple(self.parameters)))
        object.__setattr__(self, "_by_name", {d.name: d for d in self.parameters})

    # -- lookup ---------------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        return [d.name for d in self.parameters]

    def __getitem__(self, name: str) -> Dimension:
        return self._by_name[name]  # type: ignore[attr-defined]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name  # type: ignore[attr-defined]

    def __len__(self) -> int:
        return len(self.parameters)

    @property
    def is_multi_objective(self) -> bool:
        return len(self.metrics) > 1

    @property
    def directions(self) -> list[str]:
        return [m.goal for m in self.metrics]

    @property
    def searched(self) -> list[Dimension]:
        """The dimensions a strategy chooses (constants excluded)."""
        return [d for d in self.parameters if not isinstance(d, Constant)]

    @property
    def is_conditional(self) -> bool:
        return any(d.when for d in self.parameters)

    @property
    def is_numeric(self) -> bool:
        """True when every searched dimension is a float or an int."""
        return all(isinstance(d, (Float, Int)) for d in self.searched)

    # -- activity and membership ---------------------------------------------------------
    @staticmethod
    def is_active(dim: Dimension, params: Mapping[str, Any]) -> bool:
        return all(c.holds(dict(params)) for c in dim.when)

    def check_params(self, params: Mapping[str, Any]) -> None:
        """Raise ConfigError unless ``params`` is a point of this space (conditions included)."""
        known = set(self.names)
        for key in params:
            if key not in known:
                raise ConfigError(f"unknown parameter {key!r}", path=f"params.{key}")
        chosen: dict[str, Any] = {}
        for dim in self.parameters:
            active = self.is_active(dim, chosen)
            if active and dim.name not in params:
                raise ConfigError("active parameter is missing", path=f"params.{dim.name}")
            if not active and dim.name in params:
                raise ConfigError(
                    "parameter is inactive under its when-condition", path=f"params.{dim.name}"
                )
            if active:
                if not dim.contains(params[dim.name]):
                    raise ConfigError(
                        f"{params[dim.name]!r} is outside {dim.describe_range()}",
                        path=f"params.{dim.name}",
                    )
                chosen[dim.name] = params[dim.name]

    def contains(self, params: Mapping[str, Any]) -> bool:
        try:
            self.check_params(params)
        except ConfigError:
            return False
        return True

    # -- sampling and grids --------------------------------------------------------------
    def sample(self, rng: np.random.Generator) -> dict[str, Any]:
        """One point drawn from each active dimension's distribution."""
        params: dict[str, Any] = {}
        for dim in self.parameters:
            if self.is_active(dim, params):
                params[dim.name] = dim.sample(rng)
        return params

    def suggest(self, trial: Any) -> dict[str, Any]:
        """Ask an Optuna trial for every active parameter, define-by-run.

        Constants are recorded as user attributes-free params: they are not suggested and are
        added to the returned dict only.
        """
        params: dict[str, Any] = {}
        for dim in self.parameters:
            if not self.is_active(dim, params):
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
                stored = trial.suggest_categorical(
                    dim.name, [dim.encode(c) for c in dim.grid_values()]
                )
                params[dim.name] = dim.decode(stored)
        return params

    def decode(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """Turn Optuna-stored params back into user values, adding active constants."""
        params: dict[str, Any] = {}
        for dim in self.parameters:
            if not self.is_active(dim, params):
                continue
            if isinstance(dim, Constant):
                params[dim.name] = dim.grid_values()[0]
            elif dim.name in stored:
                value = stored[dim.name]
                if isinstance(dim, Categorical):
                    value = dim.decode(value)
                elif isinstance(dim, Int):
                    value = int(value)
                params[dim.name] = value
        return params

    def encode(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """User values to what Optuna stores (constants dropped)."""
        out: dict[str, Any] = {}
        for dim in self.searched:
            if dim.name in params:
                value = params[dim.name]
                out[dim.name] = dim.encode(value) if isinstance(dim, Categorical) else value
        return out

    def is_finite(self) -> bool:
        return all(d.grid_values() is not None for d in self.parameters)

    def grid(self) -> Iterator[dict[str, Any]]:
        """Every point of the (finite) grid once, in a fixed order; conditions respected.

        Raises ConfigError naming the first dimension without a finite grid.
        """
        values = {}
        for dim in self.parameters:
            grid = dim.grid_values()
            if grid is None:
                raise ConfigError(
                    "a grid needs a finite set of values: give this float a step, or use "
                    "another strategy",
                    path=f"parameters.{dim.name}",
                )
            values[dim.name] = grid
        dims = self.parameters

        def expand(i: int, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
            if i == len(dims):
                yield dict(params)
                return
            dim = dims[i]
            if not self.is_active(dim, params):
                yield from expand(i + 1, params)
                return
            for value in values[dim.name]:
                params[dim.name] = value
                yield from expand(i + 1, params)
            del params[dim.name]

        yield from expand(0, {})

    def grid_size(self) -> int | None:
        """Number of grid points, or None when a dimension is continuous or it is too large."""
        sizes = {}
        for dim in self.parameters:
            grid = dim.grid_values()
            if grid is None:
                return None
            sizes[dim.name] = len(grid)
        parents = {c.parent for d in self.parameters for c in d.when}
        free = [d for d in self.parameters if not d.when and d.name not in parents]
        tied = tuple(d for d in self.parameters if d.when or d.name in parents)
        total = math.prod(sizes[d.name] for d in free)
        if not tied:
            return total
        count = sum(1 for _ in _bounded(Space(tied).grid(), MAX_GRID_ENUMERATION))
        if count >= MAX_GRID_ENUMERATION:
            return None
        return total * count

    # -- conversions ---------------------------------------------------------------------
    def to_optuna(self) -> dict[str, Any]:
        """Optuna distributions for every searched dimension (conditional ones included)."""
        return {d.name: d.to_optuna() for d in self.searched}

    def to_tune(self) -> dict[str, Any]:
        """A Ray Tune ``param_space``: nested groups become nested dicts.

        Conditional dimensions use ``tune.sample_from`` so they are only set when active
        (inactive ones are ``None``).
        """
        from ray import tune

        flat: dict[str, Any] = {}
        for dim in self.parameters:
            if not dim.when:
                flat[dim.name] = dim.to_tune()
                continue
            flat[dim.name] = tune.sample_from(_ConditionalTuneSampler(self, dim))
        return unflatten(flat)

    def to_dict(self) -> dict[str, Any]:
        """The native file form; ``load_space(space.to_dict()) == space``."""
        out: dict[str, Any] = {"name": self.name}
        if self.description:
            out["description"] = self.description
        if self.objective is not None:
            out["objective"] = dict(self.objective)
        if len(self.metrics) == 1:
            out["metric"] = self.metrics[0].to_dict()
        else:
            out["metrics"] = [m.to_dict() for m in self.metrics]
        out["strategy"] = self.strategy.to_dict()
        budget = self.budget.to_dict()
        if budget:
            out["budget"] = budget
        if self.pruner is not None:
            out["pruner"] = dict(self.pruner)
        if self.execution is not None:
            out["execution"] = dict(self.execution)
        out["parameters"] = {d.name: d.to_dict() for d in self.parameters}
        return out

    def replace(self, **changes: Any) -> Space:
        """A copy with some fields changed (``dataclasses.replace``)."""
        import dataclasses

        return dataclasses.replace(self, **changes)


class _ConditionalTuneSampler:
    """Tune ``sample_from`` callable for a conditional dimension (picklable)."""

    def __init__(self, space: Space, dim: Dimension) -> None:
        self.dim = dim
        self.parents = [c.parent for c in dim.when]
        self.space = space

    def __call__(self, spec: Any) -> Any:
        config = spec.config
        flat = flatten(config) if isinstance(config, Mapping) else {}
        known = {p: flat[p] for p in self.parents if flat.get(p) is not None}
        if not Space.is_active(self.dim, known):
            return None
        return self.dim.sample(np.random.default_rng())


def _bounded(it: Iterator[Any], limit: int) -> Iterator[Any]:
    for i, item in enumerate(it):
        if i >= limit:
            return
        yield item


def _dependency_order(dims: tuple[Dimension, ...]) -> tuple[Dimension, ...]:
    """Stable topological order: parents first; a cycle is a ConfigError."""
    by_name = {d.name: d for d in dims}
    if len(by_name) != len(dims):
        seen: set[str] = set()
        for d in dims:
            if d.name in seen:
                raise ConfigError("duplicate parameter name", path=f"parameters.{d.name}")
            seen.add(d.name)
    for d in dims:
        for c in d.when:
            if c.parent not in by_name:
                raise ConfigError(
                    f"names unknown parameter {c.parent!r}", path=f"parameters.{d.name}.when"
                )
            if c.parent == d.name:
                raise ConfigError(
                    "a parameter cannot depend on itself", path=f"parameters.{d.name}.when"
                )
            parent = by_name[c.parent]
            for v in c.values:
                if not parent.contains(v):
                    raise ConfigError(
                        f"{c.parent!r} can never be {v!r} (allowed: {parent.describe_range()})",
                        path=f"parameters.{d.name}.when.{c.parent}",
                    )
    order: list[Dimension] = []
    state: dict[str, int] = {}

    def visit(d: Dimension, chain: list[str]) -> None:
        if state.get(d.name) == 2:
            return
        if state.get(d.name) == 1:
            cycle = " -> ".join([*chain[chain.index(d.name) :], d.name])
            raise ConfigError(f"conditions form a cycle: {cycle}", path=f"parameters.{d.name}.when")
        state[d.name] = 1
        for c in d.when:
            visit(by_name[c.parent], [*chain, d.name])
        state[d.name] = 2
        order.append(d)

    for d in dims:
        visit(d, [])
    return tuple(order)


def flatten(nested: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``.

    Example:
        >>> flatten({"optimizer": {"lr": 0.1}, "epochs": 3})
        {'optimizer.lr': 0.1, 'epochs': 3}
    """
    out: dict[str, Any] = {}
    for key, value in nested.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.update(flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def unflatten(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``{"a.b": 1}`` -> ``{"a": {"b": 1}}``; the inverse of :func:`flatten`.

    Example:
        >>> unflatten({"optimizer.lr": 0.1, "epochs": 3})
        {'optimizer': {'lr': 0.1}, 'epochs': 3}
    """
    out: dict[str, Any] = {}
    for key, value in flat.items():
        parts = key.split(".")
        node = out
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = value
    return out
