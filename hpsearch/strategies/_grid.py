"""The ``grid`` strategy: every point of a finite space exactly once, conditions respected."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from optuna.samplers import BaseSampler

from hpsearch.errors import ConfigError
from hpsearch.space import Categorical, Int, Space
from hpsearch.strategies._base import SpaceRandomSampler, Strategy, bool_option

if TYPE_CHECKING:
    from optuna.distributions import BaseDistribution
    from optuna.study import Study
    from optuna.trial import FrozenTrial

__all__ = ["GridSampler", "GridStrategy", "point_key"]

#: Trial system attribute holding the grid point a trial evaluates.
GRID_ATTR = "hpsearch:grid_point"
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


class GridSampler(BaseSampler):
    """An Optuna sampler that hands out each point of ``space.grid()`` once.

    Unlike Optuna's own ``GridSampler`` it supports conditional spaces: each trial gets one
    whole point (stored in the trial's system attribute ``hpsearch:grid_point``) before any
    parameter is suggested. A point is *taken* once any trial, in any state, holds it, which
    includes trials enqueued with fixed parameters; so resumed and parallel sweeps never hand a
    point out twice.

    Example:
        >>> import optuna
        >>> from hpsearch.space import Categorical, Space
        >>> space = Space((Categorical("k", ("a", "b")),))
        >>> study = optuna.create_study(sampler=GridSampler(space))
        >>> [space.suggest(study.ask())["k"] for _ in range(2)]
        ['a', 'b']
    """

    def __init__(self, space: Space, *, shuffle: bool = False, seed: int | None = None) -> None:
        size = space.grid_size()
        if space.is_finite() and (size is None or size > MAX_GRID):
            raise ConfigError(
                f"the grid has more than {MAX_GRID:,} points; use another strategy or fewer values",
                path="strategy.name",
            )
        points = list(space.grid())
        self.space = space
        self._points: dict[str, dict[str, Any]] = {}
        for point in points:
            key = point_key(space, point)
            assert key is not None
            self._points[key] = space.encode(point)
        self._order = list(self._points)
        if shuffle:
            perm = np.random.default_rng(seed).permutation(len(self._order))
            self._order = [self._order[i] for i in perm]
        self._fallback = SpaceRandomSampler(space, seed=seed)
        self._known: dict[tuple[int, int, int], str | None] = {}

    def __len__(self) -> int:
        return len(self._order)

    def _key_of_stored(self, stored: Mapping[str, Any]) -> str | None:
        return point_key(self.space, self.space.decode(stored))

    def taken(self, study: Study) -> set[str]:
        """Keys of the points held by any trial of ``study`` (any state, enqueued included)."""
        keys: set[str] = set()
        for t in study._storage.get_all_trials(study._study_id, deepcopy=False):
            cache = (id(study._storage), study._study_id, t._trial_id)
            if cache in self._known:
                key = self._known[cache]
            elif GRID_ATTR in t.system_attrs:
                key = self._known[cache] = t.system_attrs[GRID_ATTR]
            elif "fixed_params" in t.system_attrs:
                key = self._known[cache] = self._key_of_stored(t.system_attrs["fixed_params"])
            else:  # a trial from another sampler: whatever it holds so far
                key = self._key_of_stored(t.params) if t.params else None
            if key is not None:
                keys.add(key)
        return keys

    def untaken(self, study: Study) -> list[str]:
        """Keys of the points no trial holds yet, in visiting order."""
        taken = self.taken(study)
        return [k for k in self._order if k not in taken]

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        if GRID_ATTR in trial.system_attrs:
            return
        fixed = trial.system_attrs.get("fixed_params")
        if fixed is not None:
            key = self._key_of_stored(fixed)
            if key not in self._points:
                return  # enqueued off-grid: missing values are drawn at random
        else:
            left = self.untaken(study)
            if not left:
                return  # exhausted (a race between drivers): draw at random
            key = left[0]
        study._storage.set_trial_system_attr(trial._trial_id, GRID_ATTR, key)
        trial.system_attrs[GRID_ATTR] = key  # the Trial caches this frozen trial

    def infer_relative_search_space(self, study: Study, trial: FrozenTrial) -> dict[str, Any]:
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
        point = self._points.get(trial.system_attrs.get(GRID_ATTR, ""))
        if point is None or param_name not in point:
            return self._fallback.sample_independent(study, trial, param_name, param_distribution)
        return point[param_name]


class GridStrategy(Strategy):
    """Exhaustive search over ``space.grid()``: each point once, across resumes and workers.

    Floats need a ``step`` (or ``low == high``). A FAILED point is not handed out again (the
    driver retries failures by enqueueing the same parameters, which count as the same point).

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

    def _build_sampler(self, seed: int) -> BaseSampler:
        shuffle = bool_option(self.options, "shuffle", False)
        return GridSampler(self.space, shuffle=shuffle, seed=seed)

    @property
    def size(self) -> int:
        """Number of grid points."""
        return len(self.sampler)  # type: ignore[arg-type]

    def remaining(self) -> int:
        """Points no trial holds yet (all of them before :meth:`attach`)."""
        if self.study is None:
            return self.size
        return len(self.sampler.untaken(self.study))  # type: ignore[attr-defined]

    def exhausted(self) -> bool:
        return self.remaining() == 0
