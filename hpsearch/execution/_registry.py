"""The executor registry: where trials can run, each kind checking the settings it honours.

``local`` runs trials in this process (one at a time, no timeout) or in worker processes;
``ray`` runs them as calls on long-lived Ray actors; ``tune`` hands the sweep to Ray Tune's
Tuner. Adding an executor is one new module plus one line in :data:`EXECUTORS`.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from hpsearch.config import Registry, SweepConfig
from hpsearch.errors import ConfigError
from hpsearch.execution._base import Executor
from hpsearch.execution._local import ProcessExecutor, ThreadExecutor
from hpsearch.execution._ray import RayExecutor

__all__ = ["EXECUTORS", "ExecutorKind", "Placement", "refuse_ray_settings"]


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


def refuse_ray_settings(config: SweepConfig, executor: str) -> None:
    """Refuse ``execution.address``/``resources`` for an executor that has no use for them.

    Example:
        >>> from hpsearch.config import ExecutionConfig, read_config
        >>> config = read_config({"execution": {"resources": {"gpu": 1}},
        ...                       "parameters": {"x": {"type": "float", "low": 0, "high": 1}}})
        >>> refuse_ray_settings(config, "local")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        hpsearch.errors.ConfigError: execution.resources: reserves Ray resources per trial...
    """
    if config.execution.resources:
        raise ConfigError(
            f"reserves Ray resources per trial, which the {executor} executor does not use "
            "(it runs `workers` trials at once, spread over the visible GPUs); use "
            "executor: ray, or remove resources",
            path="execution.resources",
        )
    if config.execution.address:
        raise ConfigError(
            f"names a Ray cluster, which the {executor} executor does not use; use "
            "executor: ray, or remove address",
            path="execution.address",
        )


def _refuse_pbt(config: SweepConfig, name: str) -> None:
    if config.pruner is not None and config.pruner.type == "pbt":
        raise ConfigError(
            f"pbt runs only in Ray Tune, not on the {name} executor: set execution.executor: "
            "tune or pass --executor tune",
            path="pruner.type",
        )


class LocalKind(ExecutorKind):
    """This machine: a trial thread (one worker, no trial timeout) or worker processes."""

    name = "local"

    @classmethod
    def check(cls, config: SweepConfig) -> None:
        custom = config.execution.custom_resources
        if custom:
            raise ConfigError(
                f"custom resources {sorted(custom)} are Ray node resources; the local executor "
                "has none: use executor: ray (or drop them)",
                file=config.source,
                path="execution.resources.custom",
            )
        if "executor" in config.execution.given:  # without it, --executor may still pick ray
            refuse_ray_settings(config, cls.name)
        _refuse_pbt(config, cls.name)

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
    def check(cls, config: SweepConfig) -> None:
        _refuse_pbt(config, cls.name)

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
    """Ray Tune's Tuner runs the sweep: hpsearch's strategy is its searcher, hpsearch's pruner
    its scheduler (or Tune's PBT with ``pruner: {type: pbt}``), the study records every result
    as it arrives (see :mod:`hpsearch.sweep._tune_sweep`)."""

    name = "tune"
    runs_the_loop = True

    @classmethod
    def check(cls, config: SweepConfig) -> None:
        if importlib.util.find_spec("ray") is None or importlib.util.find_spec("ray.tune") is None:
            raise ConfigError(
                "the tune executor needs Ray Tune: pip install 'hpsearch[ray]'",
                path="execution.executor",
            )
        for i, metric in enumerate(config.metrics):
            if metric.target is not None:
                where = "metric.target" if len(config.metrics) == 1 else f"metrics[{i}].target"
                raise ConfigError(
                    "the tune executor cannot stop starting trials at a metric target;"
                    " use executor local or ray, or remove target",
                    path=where,
                )
        if config.objective is not None and config.objective.get("ensemble") not in (None, False):
            raise ConfigError(
                "stored predictions need trial directories, which "
                "--executor tune does not give; use the local or ray executor",
                file=config.source,
                path="objective.ensemble",
            )


EXECUTORS: Registry[type[ExecutorKind]] = Registry(
    "executor",
    "execution.executor",
    {"local": LocalKind, "ray": RayKind, "tune": TuneKind},
)
