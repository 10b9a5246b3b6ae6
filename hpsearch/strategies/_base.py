"""The Strategy interface: ask for a point of the space, tell how it went.

A strategy is a thin layer over an Optuna sampler. The sampler is built once (seeded) and bound
to a study; everything a strategy needs to continue is read back from the study's trials, so a
fresh strategy attached to a stored study resumes where the last one stopped.
"""

from __future__ import annotations

import math
import warnings
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import optuna
from optuna.samplers import BaseSampler
from optuna.trial import FrozenTrial, TrialState

from hpsearch.errors import ConfigError, did_you_mean
from hpsearch.space import Categorical, Constant, Float, Int, Space

if TYPE_CHECKING:
    from optuna.distributions import BaseDistribution
    from optuna.study import Study

__all__ = [
    "SpaceRandomSampler",
    "Strategy",
    "StrategyExhausted",
    "Suggestion",
    "derive_seed",
    "fresh_seed",
]

_STATES = {
    "COMPLETE": TrialState.COMPLETE,
    "PRUNED": TrialState.PRUNED,
    "FAILED": TrialState.FAIL,
    "FAIL": TrialState.FAIL,
}


class StrategyExhausted(RuntimeError):
    """Raised by :meth:`Strategy.ask` when a grid has handed out every point."""


@dataclass(frozen=True)
class Suggestion:
    """One point to evaluate: the trial ``number``, user-facing ``params`` and the Optuna trial."""

    number: int
    params: dict[str, Any]
    trial: optuna.Trial


def fresh_seed() -> int:
    """A seed from operating-system entropy (never the global RNG)."""
    return int(np.random.SeedSequence().generate_state(1)[0])


def derive_seed(seed: int, *salt: int | str) -> int:
    """A 32-bit seed derived from ``seed`` and ``salt`` (stable across runs and platforms).

    Example:
        >>> derive_seed(0, 5) == derive_seed(0, 5) != derive_seed(0, 6)
        True
    """
    words = [int(seed)] + [s if isinstance(s, int) else zlib.crc32(s.encode()) for s in salt]
    return int(np.random.SeedSequence(words).generate_state(1)[0])


def quiet(factory: Any, /, *args: Any, **kwargs: Any) -> Any:
    """Call ``factory`` with Optuna's experimental warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return factory(*args, **kwargs)


class SpaceRandomSampler(BaseSampler):
    """Independent random sampling through each dimension's own ``sample`` method.

    Honors ``Categorical.weights`` and ``Float/Int.prior``. Each value is drawn from a generator
    seeded by ``(seed, trial number, parameter name)``, so the sampler keeps no state: a resumed
    or parallel sweep never repeats the points of earlier trials, and a serial loop is
    reproducible.

    Example:
        >>> import optuna
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
        rng = np.random.default_rng(derive_seed(self.seed, trial.number, param_name))
        try:
            dim = self.space[param_name]
        except KeyError:
            dim = None
        if dim is not None and not isinstance(dim, Constant):
            value = dim.sample(rng)
            stored = dim.encode(value) if isinstance(dim, Categorical) else value
            try:
                if param_distribution._contains(param_distribution.to_internal_repr(stored)):
                    return stored
            except ValueError:
                pass  # the distribution differs from the space: draw from it instead
        # A parameter outside the space (or a distribution that differs from it): uniform.
        fallback = optuna.samplers.RandomSampler(seed=int(rng.integers(2**31)))
        return fallback.sample_independent(study, trial, param_name, param_distribution)


class Strategy:
    """Proposes points of a :class:`~hpsearch.space.Space` through an Optuna sampler.

    Subclasses implement :meth:`_build_sampler`. Use :func:`make_strategy` to build one from a
    space's ``strategy:`` block.

    Args:
        space: The search space.
        seed: Seed of every random choice; ``None`` draws one from OS entropy.
        budget: The planned number of trials (used to size startup phases), or ``None``.
        workers: How many trials run at once (parallel-aware samplers use it).
        **options: Strategy-specific options (see ``STRATEGY_OPTIONS``).

    Example:
        >>> from hpsearch.strategies import RandomStrategy
        >>> s = RandomStrategy(Space((Float("x", 0, 1),)), seed=0)
        >>> sug = s.ask()
        >>> s.tell(sug, sug.params["x"] ** 2)
    """

    name: str = "base"
    #: Rebuild the sampler with a seed derived from the trial count when attached to a study
    #: that already has trials, so a resumed sweep does not replay the first run's random draws.
    reseed_on_resume: ClassVar[bool] = False
    single_objective_only: ClassVar[bool] = False

    def __init__(
        self,
        space: Space,
        *,
        seed: int | None = None,
        budget: int | None = None,
        workers: int = 1,
        **options: Any,
    ) -> None:
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0
        ):
            raise ConfigError(f"must be a non-negative integer, got {seed!r}", path="strategy.seed")
        if budget is not None and (
            isinstance(budget, bool) or not isinstance(budget, int) or budget < 1
        ):
            raise ConfigError(f"must be a positive integer, got {budget!r}", path="budget.trials")
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ConfigError(
                f"must be a positive integer, got {workers!r}", path="execution.workers"
            )
        if self.single_objective_only and space.is_multi_objective:
            raise ConfigError(
                f"{self.name!r} optimizes a single metric; with several metrics "
                "use nsga2, tpe, gp, random, sobol, grid or bayes",
                path="strategy.name",
            )
        from hpsearch.strategies import STRATEGY_OPTIONS

        allowed = STRATEGY_OPTIONS.get(self.name, ())
        for key in options:
            if key not in allowed:
                shown = ", ".join(allowed) if allowed else "none"
                raise ConfigError(
                    f"unknown option for the {self.name} strategy"
                    f"{did_you_mean(key, allowed)}; allowed: {shown}",
                    path=f"strategy.{key}",
                )
        self.space = space
        self.seed = None if seed is None else int(seed)
        self.budget = budget
        self.workers = workers
        self.options = dict(options)
        self._seed = fresh_seed() if seed is None else int(seed)
        self._sampler: BaseSampler | None = None
        self.study: Study | None = None
        self._pending: dict[int, optuna.Trial] = {}
        self.sampler  # noqa: B018  (built now, so bad options fail before any trial runs)

    # -- to implement ----------------------------------------------------------------------
    def _build_sampler(self, seed: int) -> BaseSampler:
        raise NotImplementedError

    # -- public interface --------------------------------------------------------------------
    @property
    def sampler(self) -> BaseSampler:
        """The seeded Optuna sampler (built on first use)."""
        if self._sampler is None:
            self._sampler = self._build_sampler(self._seed)
        return self._sampler

    def attach(self, study: Study) -> Strategy:
        """Bind to ``study`` (possibly stored, possibly with trials) and make it use our sampler.

        Raises:
            ConfigError: the study optimizes other directions than the space's metrics.
        """
        found = [d.name.lower() for d in study.directions]
        if found != list(self.space.directions):
            raise ConfigError(
                f"the study optimizes {found} but the space's metrics say "
                f"{list(self.space.directions)}",
                path="metrics",
            )
        sampler = self.sampler
        if self.reseed_on_resume:
            n = len(study.get_trials(deepcopy=False))
            if n:
                sampler = self._sampler = self._build_sampler(derive_seed(self._seed, n))
        if study.sampler is not sampler:
            study.sampler = sampler
        self.study = study
        return self

    def ask(self) -> Suggestion:
        """Start a trial and return its parameters (user values, active constants included).

        Trials enqueued with ``study.enqueue_trial(space.encode(params))`` come out first, with
        their fixed values.

        Raises:
            StrategyExhausted: a grid has no point left (check :meth:`exhausted` first).
        """
        if self.study is None:
            study = quiet(
                optuna.create_study, directions=self.space.directions, sampler=self.sampler
            )
            self.attach(study)
        study = self.study
        assert study is not None
        if self.exhausted() and not study.get_trials(deepcopy=False, states=(TrialState.WAITING,)):
            raise StrategyExhausted(f"the {self.name} strategy has handed out every point")
        trial = study.ask()
        try:
            params = self.space.suggest(trial)
        except BaseException:
            study.tell(trial, state=TrialState.FAIL)
            raise
        self._pending[trial.number] = trial
        return Suggestion(trial.number, params, trial)

    def tell(
        self,
        suggestion: Suggestion | int,
        values: float | Sequence[float] | None = None,
        *,
        state: str = "COMPLETE",
    ) -> None:
        """Record how a trial ended: ``COMPLETE`` with its value(s), ``PRUNED`` or ``FAILED``.

        Example:
            >>> from hpsearch.strategies import RandomStrategy
            >>> s = RandomStrategy(Space((Float("x", 0, 1),)), seed=0)
            >>> s.tell(s.ask(), state="FAILED")
        """
        if self.study is None:
            raise RuntimeError("tell() before ask() or attach(): no study to record into")
        key = state.name if isinstance(state, TrialState) else str(state).upper()
        if key not in _STATES:
            raise ValueError(f"state must be COMPLETE, PRUNED or FAILED, got {state!r}")
        number = suggestion.number if isinstance(suggestion, Suggestion) else int(suggestion)
        trial: optuna.Trial | int = self._pending.pop(number, None) or number
        if _STATES[key] != TrialState.COMPLETE:
            values = None
        elif values is None:
            raise ValueError(f"trial {number}: a COMPLETE trial needs its value(s)")
        elif isinstance(values, (int, float, np.number)):
            values = float(values)
        else:
            values = [float(v) for v in values]
        self.study.tell(trial, values, state=_STATES[key])

    def exhausted(self) -> bool:
        """True once the strategy has no new point to hand out (only a grid ever is)."""
        return False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} seed={self.seed}>"


# -- helpers for options --------------------------------------------------------------------
def int_option(options: Mapping[str, Any], key: str, default: Any, *, minimum: int = 0) -> Any:
    """``options[key]`` checked to be an integer >= ``minimum`` (or ``default`` when absent)."""
    value = options.get(key, default)
    if value is default:
        return value
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"must be an integer >= {minimum}, got {value!r}", path=f"strategy.{key}")
    return int(value)


def bool_option(options: Mapping[str, Any], key: str, default: bool) -> bool:
    value = options.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"must be true or false, got {value!r}", path=f"strategy.{key}")
    return value


def float_option(
    options: Mapping[str, Any], key: str, default: Any, *, low: float, high: float
) -> Any:
    value = options.get(key, default)
    if value is default:
        return value
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or not low <= value <= high
    ):
        raise ConfigError(
            f"must be a number in [{low:g}, {high:g}], got {value!r}", path=f"strategy.{key}"
        )
    return float(value)


def choice_option(
    options: Mapping[str, Any], key: str, default: str, allowed: Sequence[str]
) -> str:
    value = options.get(key, default)
    for name in allowed:  # case does not matter: ei is EI
        if isinstance(value, str) and value.lower() == name.lower():
            return name
    if value not in allowed:
        raise ConfigError(
            f"must be one of {', '.join(allowed)}, got {value!r}"
            f"{did_you_mean(str(value), allowed)}",
            path=f"strategy.{key}",
        )
    return str(value)


def default_startup(budget: int | None) -> int:
    """Random trials before a model-based sampler starts modelling: 10, fewer for small budgets.

    Example:
        >>> default_startup(None), default_startup(30), default_startup(10)
        (10, 6, 5)
    """
    if budget is None:
        return 10
    return max(5, min(10, budget // 5))


def is_varying(dim: Any) -> bool:
    """Whether a searched dimension has more than one value."""
    if isinstance(dim, (Float, Int)):
        return dim.low < dim.high
    if isinstance(dim, Categorical):
        return len(dim.choices) > 1
    return False
