"""The ``grid`` strategy: every point of a finite space exactly once, conditions respected."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import optuna
from optuna.samplers import BaseSampler

from hpsearch.config import Option, Schema
from hpsearch.errors import ConfigError
from hpsearch.space import Categorical, Int, Space
from hpsearch.strategies._base import Strategy, StrategyExhausted, Suggestion
from hpsearch.strategies._optuna_space import SpaceRandomSampler

if TYPE_CHECKING:
    from optuna.study import Study

    from hpsearch.config import SweepConfig

__all__ = ["GridStrategy", "point_key"]

MAX_GRID = 1_000_000


def point_key(space: Space, params: Mapping[str, Any]) -> str | None:
    """A canonical string for a point given as user values (None when it is not in the space).

    Example:
        >>> from hpsearch.space import Float, Space
        >>> point_key(Space((Float("x", 0, 1, step=0.5),)), {"x": 0.5})
        '[["x", "0.5"]]'
    """
    parts: list[list[Any]] = []
    for dim in space.searched:
        if dim.name not in params:
            continue
        value = params[dim.name]
        try:
            if isinstance(dim, Categorical):
                canon: Any = dim.index(value)
            elif isinstance(dim, Int):
                canon = int(value)
            else:
                canon = f"{float(value):.10g}"
        except (TypeError, ValueError):
            return None
        parts.append([dim.name, canon])
    return json.dumps(parts)


class GridStrategy(Strategy):
    """Exhaustive search over ``space.grid()``: each point once, across resumes and workers.

    Each new trial is enqueued with its whole grid point before it starts (through Optuna's
    public ``enqueue_trial``), so conditional spaces work and a point is *taken* as soon as any
    trial, in any state, holds it, retries enqueued by the driver included: resumed and
    parallel sweeps never hand a point out twice. Floats need a ``step`` (or ``low == high``).
    A FAILED point is not handed out again (the driver retries failures with the same params).

    Options:
        shuffle: Visit the points in a seeded random order (default false: file order).

    Example:
        >>> from hpsearch.space import Categorical, Int, Space
        >>> s = GridStrategy(Space((Int("a", 1, 2), Categorical("b", ("x", "y")))))
        >>> [s.ask().params for _ in range(4)][-1]
        {'a': 2, 'b': 'y'}
        >>> s.exhausted()
        True
    """

    name = "grid"
    schema = Schema({"shuffle": Option.flag(False, help="visit the points in a seeded order")})

    @classmethod
    def check(cls, config: SweepConfig) -> None:
        super().check(config)
        for dim in config.space.parameters:
            if dim.grid_values() is None:
                raise ConfigError(
                    "the grid strategy needs a finite set of values: give this "
                    f"{dim.kind} a step, or choose another strategy",
                    path=f"parameters.{dim.name}",
                )

    def _build_sampler(self, seed: int) -> BaseSampler:
        space = self.space
        size = space.grid_size()
        if space.is_finite() and (size is None or size > MAX_GRID):
            raise ConfigError(
                f"the grid has more than {MAX_GRID:,} points; use another strategy or fewer values",
                path="strategy.name",
            )
        self._points: dict[str, dict[str, Any]] = {}
        for point in space.grid():
            key = point_key(space, point)
            assert key is not None  # every grid point is a point of its space
            self._points[key] = space.encode(point)
        self._order = list(self._points)
        if self.option("shuffle"):
            perm = np.random.default_rng(seed).permutation(len(self._order))
            self._order = [self._order[i] for i in perm]
        self._known: dict[int, str] = {}
        return SpaceRandomSampler(space, seed=seed)

    @property
    def size(self) -> int:
        """Number of grid points."""
        self.sampler  # noqa: B018  (the points are built with the sampler)
        return len(self._order)

    def _taken(self, study: Study) -> set[str]:
        """Keys of the points held by any trial of ``study`` (any state, enqueued included)."""
        keys: set[str] = set()
        for t in study.get_trials(deepcopy=False):
            key = self._known.get(t.number)
            if key is None:
                fixed = t.system_attrs.get("fixed_params")
                found = point_key(self.space, self.space.decode(fixed if fixed else t.params))
                if found is None or (not fixed and not t.params):
                    continue  # a trial from elsewhere that holds no point (yet)
                key = found
                if fixed:
                    self._known[t.number] = key
            keys.add(key)
        return keys

    def untaken(self) -> list[str]:
        """Keys of the points no trial holds yet, in visiting order."""
        if self.study is None:
            return list(self._order)
        taken = self._taken(self.study)
        return [k for k in self._order if k not in taken]

    def remaining(self) -> int:
        """Points no trial holds yet (all of them before :meth:`attach`)."""
        return len(self.untaken())

    def exhausted(self) -> bool:
        return self.remaining() == 0

    def ask(self) -> Suggestion:
        study = self._study()
        if not study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.WAITING,)):
            left = self.untaken()
            if not left:
                raise StrategyExhausted(f"the {self.name} strategy has handed out every point")
            study.enqueue_trial(self._points[left[0]], skip_if_exists=False)
        return super().ask()
