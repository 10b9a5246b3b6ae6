"""The executor registry: where trials can run, each kind checking the settings it honours.

``local`` runs trials in this process (one at a time, no timeout) or in worker processes;
``ray`` runs them as calls on long-lived Ray actors; ``tune`` hands the sweep to Ray Tune's
Tuner. Adding an executor is one new module plus one line in :data:`EXECUTORS`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from hpsearch.config import Registry, SweepConfig
from hpsearch.errors import ConfigError
from hpsearch.execution._base import Executor
from hpsearch.execution._local import ProcessExecutor, ThreadExecutor
from hpsearch.execution._ray import RayExecutor

__all__ = ["EXECUTORS", "ExecutorKind", "Placement"]


@dataclass(frozen=True)
class Placement:
    """Resolved settings an executor is built from (file values under CLI/API overrides)."""

    workers: int | None = None
    address: str | None = None
    resources: Mapping[str, float] = field(default_factory=dict)
    trial_timeout: float | None = None
    metric_names: Sequence[str] = ("value",)


class ExecutorKind:
    """One way of running trials: checks a config, builds the executor."""

    name: ClassVar[str] = "base"
    #: True when the kind runs the whole sweep loop itself (Ray Tune) instead of an Executor
    runs_the_loop: ClassVar[bool] = False

    @classmethod
    def check(cls, config: SweepConfig) -> None:
        """Raise ConfigError when this executor cannot honour ``config`` (called at load)."""

    @classmethod
    def build(cls, placement: Placement) -> Executor:
        raise NotImplementedError(f"the {cls.name} executor runs the sweep loop itself")


class LocalKind(ExecutorKind):
    """This machine: a trial thread (one worker, no trial timeout) or worker processes."""

    name = "local"

    @classmethod
    def build(cls, placement: Placement) -> Executor:
        workers = placement.workers or 1
        if workers == 1 and placement.trial_timeout is None:
            return ThreadExecutor(metric_names=placement.metric_names)
        return ProcessExecutor(
            workers, metric_names=placement.metric_names, trial_timeout=placement.trial_timeout
        )


class RayKind(ExecutorKind):
    """Long-lived Ray actors, one per resource slot, on a private instance or a cluster."""

    name = "ray"

    @classmethod
    def build(cls, placement: Placement) -> Executor:
        return RayExecutor(
            address=placement.address,
            workers=placement.workers,
            resources=dict(placement.resources),
            metric_names=placement.metric_names,
            trial_timeout=placement.trial_timeout,
        )


class TuneKind(ExecutorKind):
    """Ray Tune's Tuner runs the sweep (its schedulers decide early stopping)."""

    name = "tune"
    runs_the_loop = True

    @classmethod
    def check(cls, config: SweepConfig) -> None:
        if config.is_multi_objective:
            raise ConfigError(
                "--executor tune optimizes one metric; use the local or ray executor for several",
                path="execution.executor",
            )


EXECUTORS: Registry[type[ExecutorKind]] = Registry(
    "executor",
    "execution.executor",
    {"local": LocalKind, "ray": RayKind, "tune": TuneKind},
)
