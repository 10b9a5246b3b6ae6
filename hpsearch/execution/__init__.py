"""Executors: where trials run (this process, worker processes, Ray actors, Ray Tune).

The driver hands :class:`TrialJob` s to an :class:`Executor` and gets :class:`Report` and
:class:`Finished` events back; executors only run trials (through :func:`run_trial`) and never
decide anything. :data:`EXECUTORS` is the registry of the ``execution.executor`` kinds.
"""

from hpsearch.execution._base import (
    Executor,
    Finished,
    ObjectiveFactory,
    Outcome,
    Report,
    TrialJob,
)
from hpsearch.execution._local import ProcessExecutor, ThreadExecutor
from hpsearch.execution._ray import RayExecutor
from hpsearch.execution._ray_connect import (
    connect_ray,
    import_ray,
    loopback_only,
    plan_slots,
    start_local_ray,
)
from hpsearch.execution._registry import EXECUTORS, ExecutorKind, Placement
from hpsearch.execution._tune import TuneTrial, run_with_tune, tune_scheduler
from hpsearch.execution._tune_space import tune_param_space
from hpsearch.execution._worker import make_trial, normalize_result, run_trial

__all__ = [
    "EXECUTORS",
    "Executor",
    "ExecutorKind",
    "Finished",
    "ObjectiveFactory",
    "Outcome",
    "Placement",
    "ProcessExecutor",
    "RayExecutor",
    "Report",
    "ThreadExecutor",
    "TrialJob",
    "TuneTrial",
    "connect_ray",
    "import_ray",
    "loopback_only",
    "make_trial",
    "normalize_result",
    "plan_slots",
    "run_trial",
    "run_with_tune",
    "start_local_ray",
    "tune_param_space",
    "tune_scheduler",
]
