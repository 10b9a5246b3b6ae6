"""The Space: a sweep's parameters, their conditions, and what follows from them (grids,
sampling, membership, the storable form of a point)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from hpsearch.errors import ConfigError
from hpsearch.space._dimensions import Categorical, Constant, Dimension, Float, Int

__all__ = ["Space", "flatten", "unflatten"]

MAX_GRID_ENUMERATION = 2_000_000


@dataclass(frozen=True)
class Space:
    """The parameters of a search, kept in dependency order (a parent before the parameters
    whose ``when`` names it).

    A Space holds parameters only; what to optimize and how lives in
    :class:`hpsearch.config.SweepConfig`. Build one from a file with :func:`hpsearch.load_space`
    (then ``config.space``) or directly from dimensions.

    Example:
        >>> from hpsearch.space import Float, Categorical
        >>> space = Space((Float("C", 1e-3, 1e3, log=True), Categorical("k", ("rbf", "linear"))))
        >>> sorted(space.sample(np.random.default_rng(0)))
        ['C', 'k']
    """

    parameters: tuple[Dimension, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", _dependency_order(tuple(self.parameters)))
        object.__setattr__(self, "_by_name", {d.name: d for d in self.parameters})

    # -- lookup ---------------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        return [d.name for d in self.parameters]

    def __getitem__(self, name: str) -> Dimension:
        return self._by_name[name]  # type: ignore[attr-defined]

    def get(self, name: str, default: Dimension | None = None) -> Dimension | None:
        """The dimension called ``name``, or ``default``."""
        return self._by_name.get(name, default)  # type: ignore[attr-defined]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name  # type: ignore[attr-defined]

    def __len__(self) -> int:
        return len(self.parameters)

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

    def decode(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """Turn stored params back into user values, adding active constants."""
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
        """User values to their storable form (constants dropped; see ``Categorical.encode``)."""
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

    # -- the native form ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The ``parameters:`` block in the native file format (dotted names kept flat)."""
        return {d.name: d.to_dict() for d in self.parameters}


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
