"""What executors exchange with the driver: jobs in, events out.

The driver alone asks the strategy, stores results and decides pruning. An executor only runs
trials somewhere (this process, worker processes, Ray actors) and streams back events:

- :class:`Report`: an intermediate value; when ``wants_verdict`` is set, the worker is waiting in
  ``trial.should_prune()`` and the driver must call :meth:`Executor.answer`.
- :class:`Finished`: the trial's :class:`Outcome`.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hpsearch.trial import TrialState

__all__ = ["Executor", "Finished", "ObjectiveFactory", "Outcome", "Report", "TrialJob"]

ObjectiveFactory = Callable[[], Callable[..., Any]]
"""A picklable callable that builds the objective inside a worker (data loaded once there)."""


@dataclass(frozen=True)
class TrialJob:
    """One trial to run: its number, params, limits and folders.

    ``directory`` is the trial's own folder; ``checkpoint_dir`` is the folder for resumable
    state, shared by every attempt at the same params; ``resume_from`` is set when an earlier
    attempt left a checkpoint there.
    """

    number: int
    params: Mapping[str, Any]
    attempt: int = 0
    timeout: float | None = None
    directory: str | None = None
    checkpoint_dir: str | None = None
    resume_from: str | None = None
    resources: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """How a trial ended: COMPLETE, PRUNED or FAILED, with its metrics or its error."""

    state: TrialState
    metrics: Mapping[str, float] = field(default_factory=dict)
    error: str = ""
    traceback: str = ""
    duration_s: float = 0.0
    last_step: int | None = None


@dataclass(frozen=True)
class Report:
    """An intermediate value streamed by a running trial."""

    number: int
    step: int
    value: float
    wants_verdict: bool = False


@dataclass(frozen=True)
class Finished:
    """A trial ended (or its worker died: then ``outcome.state == "FAILED"``)."""

    number: int
    outcome: Outcome
    worker: str = ""


Event = Report | Finished


class Executor(abc.ABC):
    """Runs trials somewhere. One driver thread calls every method."""

    #: how many trials can run at the same time
    slots: int = 1

    @abc.abstractmethod
    def start(self, factory: ObjectiveFactory) -> None:
        """Prepare workers; ``factory()`` builds the objective once per worker."""

    @abc.abstractmethod
    def submit(self, job: TrialJob) -> None:
        """Start ``job`` on a free slot (the driver never submits more than ``slots``)."""

    @abc.abstractmethod
    def poll(self, timeout: float) -> list[Report | Finished]:
        """Events since the last poll, waiting up to ``timeout`` seconds for the first."""

    @abc.abstractmethod
    def answer(self, number: int, prune: bool) -> None:
        """Reply to a :class:`Report` with ``wants_verdict``: should trial ``number`` stop?"""

    @abc.abstractmethod
    def shutdown(self) -> None:
        """Stop every worker (killing running trials); safe to call twice."""

    def describe(self) -> str:
        return f"{type(self).__name__}({self.slots} slots)"
