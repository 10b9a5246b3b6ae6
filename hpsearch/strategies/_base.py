"""The Strategy interface: ask for a point of the space, tell how it went.

A strategy is a thin layer over an Optuna sampler. The sampler is built once (seeded) and bound
to a study; everything a strategy needs to continue is read back from the study's trials, so a
fresh strategy attached to a stored study resumes where the last one stopped.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import optuna
from optuna.samplers import BaseSampler

from hpsearch.config import Schema, SweepConfig
from hpsearch.errors import ConfigError
from hpsearch.space import Categorical, Dimension, Float, Int, Space
from hpsearch.strategies._optuna_space import suggest
from hpsearch.strategies._seeds import derive_seed, fresh_seed
from hpsearch.trial import TrialState

if TYPE_CHECKING:
    from optuna.study import Study

__all__ = ["Strategy", "StrategyExhausted", "Suggestion", "default_startup", "is_varying"]


class StrategyExhausted(RuntimeError):
    """Raised by :meth:`Strategy.ask` when a grid has handed out every point."""


@dataclass(frozen=True)
class Suggestion:
    """One point to evaluate: the trial ``number``, user-facing ``params`` and the Optuna trial."""

    number: int
    params: dict[str, Any]
    trial: optuna.Trial


def quiet(factory: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """Call ``factory`` with Optuna's experimental warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return factory(*args, **kwargs)


def _check_int(value: Any, *, minimum: int, path: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        shown = "non-negative" if minimum == 0 else "positive"
        raise ConfigError(f"must be a {shown} integer, got {value!r}", path=path)


class Strategy:
    """Proposes points of a :class:`~hpsearch.space.Space` through an Optuna sampler.

    Subclasses set ``name`` and ``schema`` (their options) and implement
    :meth:`_build_sampler`; :func:`hpsearch.strategies.make_strategy` builds one from a
    config's ``strategy:`` block.

    Args:
        space: The search space, or a whole config (its space and metric directions).
        directions: ``minimize``/``maximize`` per metric (default: the config's, or one
            minimized metric).
        seed: Seed of every random choice; ``None`` draws one from OS entropy.
        budget: The planned number of trials (used to size startup phases), or ``None``.
        workers: How many trials run at once (parallel-aware samplers use it).
        **options: Strategy-specific options (see the subclass's ``schema``).

    Example:
        >>> from hpsearch.strategies import RandomStrategy
        >>> s = RandomStrategy(Space((Float("x", 0, 1),)), seed=0)
        >>> sug = s.ask()
        >>> s.tell(sug, sug.params["x"] ** 2)
    """

    name: ClassVar[str] = "base"
    #: the options this strategy accepts in its ``strategy:`` block
    schema: ClassVar[Schema] = Schema()
    #: whether it can optimize several metrics at once
    multi_objective: ClassVar[bool] = True
    #: Rebuild the sampler with a seed derived from the trial count when attached to a study
    #: that already has trials, so a resumed sweep does not replay the first run's random draws.
    reseed_on_resume: ClassVar[bool] = False

    def __init__(
        self,
        space: Space | SweepConfig,
        *,
        directions: Sequence[str] | None = None,
        seed: int | None = None,
        budget: int | None = None,
        workers: int = 1,
        **options: Any,
    ) -> None:
        if isinstance(space, SweepConfig):
            directions = space.directions if directions is None else directions
            space = space.space
        directions = ["minimize"] if directions is None else list(directions)
        _check_int(seed, minimum=0, path="strategy.seed")
        _check_int(budget, minimum=1, path="budget.trials")
        _check_int(workers, minimum=1, path="execution.workers")
        if len(directions) > 1 and not self.multi_objective:
            raise ConfigError(
                f"{self.name!r} optimizes a single metric; with several metrics use one of "
                "grid, random, sobol, tpe, gp, nsga2 or bayes",
                path="strategy.name",
            )
        self.space = space
        self.directions = [str(d) for d in directions]
        self.seed = None if seed is None else int(seed)
        self.budget = budget
        self.workers = int(workers)
        self.options = self.schema.read(options, path="strategy", owner=f"{self.name} strategy")
        self._seed = fresh_seed() if seed is None else int(seed)
        self._sampler: BaseSampler | None = None
        self.study: Study | None = None
        self._pending: dict[int, optuna.Trial] = {}
        self.sampler  # noqa: B018  (built now, so bad options fail before any trial runs)

    # -- extension-point hooks -------------------------------------------------------------
    @classmethod
    def check(cls, config: SweepConfig) -> None:
        """Raise ConfigError when this strategy cannot search ``config`` (called at load)."""
        cls.schema.read(config.strategy.options, path="strategy", owner=f"{cls.name} strategy")
        if config.is_multi_objective and not cls.multi_objective:
            multi = "grid, random, sobol, tpe, gp, nsga2 or bayes"
            raise ConfigError(
                f"{cls.name!r} optimizes a single metric; with several metrics use one of {multi}",
                path="strategy.name",
            )

    def option(self, key: str) -> Any:
        """The value of option ``key`` (its default when the block did not give it)."""
        return self.schema.value(self.options, key)

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
            ConfigError: the study optimizes other directions than the strategy's.
        """
        found = [d.name.lower() for d in study.directions]
        if found != self.directions:
            raise ConfigError(
                f"the study optimizes {found} but the metrics say {self.directions}",
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

    def _study(self) -> Study:
        if self.study is None:
            self.attach(
                quiet(optuna.create_study, directions=self.directions, sampler=self.sampler)
            )
        assert self.study is not None
        return self.study

    def ask(self) -> Suggestion:
        """Start a trial and return its parameters (user values, active constants included).

        Trials enqueued with ``study.enqueue_trial(space.encode(params))`` come out first, with
        their fixed values.

        Raises:
            StrategyExhausted: a grid has no point left (check :meth:`exhausted` first).
        """
        study = self._study()
        waiting = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.WAITING,))
        if self.exhausted() and not waiting:
            raise StrategyExhausted(f"the {self.name} strategy has handed out every point")
        trial = study.ask()
        try:
            params = suggest(trial, self.space)
        except BaseException:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            raise
        self._pending[trial.number] = trial
        return Suggestion(trial.number, params, trial)

    def tell(
        self,
        suggestion: Suggestion | int,
        values: float | Sequence[float] | None = None,
        *,
        state: TrialState | str = TrialState.COMPLETE,
    ) -> None:
        """Record how a trial ended: ``COMPLETE`` with its value(s), ``PRUNED`` or ``FAILED``.

        Example:
            >>> from hpsearch.strategies import RandomStrategy
            >>> s = RandomStrategy(Space((Float("x", 0, 1),)), seed=0)
            >>> s.tell(s.ask(), state="FAILED")
        """
        if self.study is None:
            raise RuntimeError("tell() before ask() or attach(): no study to record into")
        try:
            final = TrialState.parse(state)
        except ValueError:
            final = TrialState.RUNNING
        if not final.is_finished:
            raise ValueError(f"state must be COMPLETE, PRUNED or FAILED, got {state!r}")
        number = suggestion.number if isinstance(suggestion, Suggestion) else int(suggestion)
        trial: optuna.Trial | int = self._pending.pop(number, None) or number
        told: float | list[float] | None = None
        if final is TrialState.COMPLETE:
            if values is None:
                raise ValueError(f"trial {number}: a COMPLETE trial needs its value(s)")
            if isinstance(values, (int, float, np.number)):
                told = float(values)
            else:
                told = [float(v) for v in values]
        self.study.tell(trial, told, state=final.to_optuna())

    def exhausted(self) -> bool:
        """True once the strategy has no new point to hand out (only a grid ever is)."""
        return False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} seed={self.seed}>"


def default_startup(budget: int | None) -> int:
    """Random trials before a model-based sampler starts modelling: 10, fewer for small budgets.

    Example:
        >>> default_startup(None), default_startup(30), default_startup(10)
        (10, 6, 5)
    """
    if budget is None:
        return 10
    return max(5, min(10, budget // 5))


def is_varying(dim: Dimension) -> bool:
    """Whether a searched dimension has more than one value."""
    if isinstance(dim, (Float, Int)):
        return dim.low < dim.high
    if isinstance(dim, Categorical):
        return len(dim.choices) > 1
    return False
