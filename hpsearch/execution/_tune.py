"""Ray Tune's side of ``--executor tune``: the trainable that runs one hpsearch trial, and
:func:`fit_tune`, which runs a Tuner with the searcher, scheduler, stopper and callbacks the
sweep layer builds (hpsearch's strategy asks, its ledger records; Tune only runs and schedules).

A Tune trial's config is the trial's params plus :data:`JOB_KEY` (its number, attempt and
folders). Intermediate values go to Tune as ``{VALUE_KEY, STEP_KEY}``; the last report carries
the outcome (``STATE_KEY``, ``METRICS_KEY``, ``ERROR_KEY``), so an objective's failure is an
ordinary result and a Tune-level trial error always means the worker died (or was killed at its
``trial_timeout`` by the watchdog). Tune costs far more per trial than
:class:`~hpsearch.execution._ray.RayExecutor` (``benchmarks/ray_overhead.py``); use it for PBT.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import shutil
import signal
import threading
import uuid
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hpsearch._processes import descendants
from hpsearch.execution._base import ObjectiveFactory, Outcome, TrialJob
from hpsearch.execution._ray_connect import (
    actor_options,
    connect_ray,
    import_ray,
    parse_resources,
    plan_slots,
)
from hpsearch.execution._ray_instance import release_instance
from hpsearch.execution._worker import run_trial

__all__ = [
    "ERROR_KEY",
    "FATAL_KEY",
    "JOB_KEY",
    "METRICS_KEY",
    "STATE_KEY",
    "STEP_KEY",
    "TRACE_KEY",
    "VALUE_KEY",
    "fit_tune",
    "job_config",
    "job_from_config",
]

JOB_KEY = "__hpsearch_job"
STATE_KEY = "hp_state"
STEP_KEY = "hp_step"
VALUE_KEY = "hp_value"
METRICS_KEY = "hp_metrics"
ERROR_KEY = "hp_error"
TRACE_KEY = "hp_traceback"
FATAL_KEY = "hp_fatal"
_JOB_FIELDS = ("number", "attempt", "timeout", "directory", "checkpoint_dir", "resume_from")
_OBJECTIVES: dict[str, Any] = {}  # per worker process: built objectives by run token


def job_config(job: TrialJob) -> dict[str, Any]:
    """The Tune config of ``job``: its params and, under :data:`JOB_KEY`, the rest (folders
    made absolute: a Tune worker does not share the driver's working directory)."""
    fields = {k: getattr(job, k) for k in _JOB_FIELDS}
    for key in ("directory", "checkpoint_dir", "resume_from"):
        if fields[key] is not None:
            fields[key] = str(Path(fields[key]).resolve())
    return {**job.params, JOB_KEY: fields}


def job_from_config(config: Mapping[str, Any]) -> TrialJob:
    """The job a Tune config describes (params as Tune hands them, PBT mutations included)."""
    params = {k: v for k, v in config.items() if k != JOB_KEY}
    return TrialJob(params=params, **dict(config[JOB_KEY]))


class _Stopped(BaseException):
    """Ends an objective whose Tune session is gone, before it writes its checkpoint again."""


class _TuneChannel:
    """Intermediate values go to Tune (its scheduler decides); never prunes by itself.

    With ``checkpoints`` (PBT), each report carries ``checkpoint_dir`` as a Tune checkpoint.
    Once Tune has stopped or paused this run, the next report ends the objective at once (so
    Tune can reuse the worker) and :attr:`stopped` is set.
    """

    def __init__(self, job: TrialJob, checkpoints: bool) -> None:
        self._dir = Path(job.checkpoint_dir) if checkpoints and job.checkpoint_dir else None
        self.stopped = False

    def report(self, step: int, value: float) -> None:
        from ray import tune

        if self.stopped or not _in_session():
            self.stopped = True
            raise _Stopped("Ray Tune stopped this run of the trial")
        result = {VALUE_KEY: value, STEP_KEY: step}
        checkpoint = None
        if self._dir is not None and self._dir.is_dir() and any(self._dir.iterdir()):
            checkpoint = tune.Checkpoint.from_directory(str(self._dir))
        try:
            tune.report(result, checkpoint=checkpoint)
        except SystemExit:  # how Tune tells a reporting function that it was stopped
            self.stopped = True
            raise _Stopped("Ray Tune stopped this run of the trial") from None

    def verdict(self, step: int) -> bool:
        return False


def _in_session() -> bool:
    from ray.train._internal.session import get_session  # no public "was I stopped?"

    return get_session() is not None


def _restore(job: TrialJob) -> TrialJob:
    """A trial PBT restarted from another's checkpoint resumes from a copy of it."""
    from ray import tune

    checkpoint = tune.get_checkpoint()
    if checkpoint is None or not job.checkpoint_dir:
        return job
    target = Path(job.checkpoint_dir)
    with checkpoint.as_directory() as source:
        if Path(source).resolve() != target.resolve():
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target)
    return dataclasses.replace(job, resume_from=str(target))


def _expire() -> None:
    """The trial ran past its timeout: kill what it started, then this worker process."""
    for pid in descendants(os.getpid()):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    os._exit(70)


def _final(outcome: Outcome, *, metric: str | None) -> dict[str, Any]:
    result: dict[str, Any] = {
        STATE_KEY: outcome.state.value,
        METRICS_KEY: dict(outcome.metrics),
        ERROR_KEY: outcome.error,
        TRACE_KEY: outcome.traceback,
    }
    if outcome.last_step is not None:
        result[STEP_KEY] = outcome.last_step
    if metric is not None:  # PBT needs its metric in every result
        result[VALUE_KEY] = float(outcome.metrics.get(metric, float("nan")))
    return result


def _trainable(
    config: dict[str, Any],
    *,
    factory: ObjectiveFactory,
    token: str,
    metric_names: Sequence[str],
    checkpoints: bool,
    cwd: str,
) -> None:
    from ray import tune

    if os.path.isdir(cwd):  # Tune moves each trial into its own folder; objectives expect ours
        os.chdir(cwd)
    objective = _OBJECTIVES.get(token)
    if objective is None:  # built once per worker process (actors are reused)
        try:
            objective = _OBJECTIVES[token] = factory()
        except Exception as exc:  # reported, so the driver stops the sweep with it
            tune.report({STATE_KEY: "FAILED", ERROR_KEY: f"{type(exc).__name__}: {exc}",
                         FATAL_KEY: True, VALUE_KEY: float("nan")})  # fmt: skip
            return
    job = job_from_config(config)
    if checkpoints:
        job = _restore(job)
    watchdog = threading.Timer(job.timeout, _expire) if job.timeout else None
    if watchdog is not None:
        watchdog.daemon = True
        watchdog.start()
    channel = _TuneChannel(job, checkpoints)
    try:
        outcome = run_trial(objective, job, metric_names=metric_names, channel=channel)
    finally:
        if watchdog is not None:
            watchdog.cancel()
    if not channel.stopped and _in_session():  # else Tune stopped this run: nothing to say
        tune.report(_final(outcome, metric=metric_names[0] if checkpoints else None))


def _slots(workers: int | None, per_trial: Mapping[str, float]) -> int:
    import ray

    if workers is not None:
        return workers
    nodes = [n["Resources"] for n in ray.nodes() if n.get("Alive")]
    return plan_slots(nodes, per_trial)


def fit_tune(
    factory: ObjectiveFactory,
    *,
    searcher: Any,
    scheduler: Any,
    stopper: Any,
    callbacks: Sequence[Any],
    metric_names: Sequence[str],
    storage_path: str | os.PathLike[str],
    resources: Mapping[str, float] | None = None,
    workers: int | None = None,
    address: str | None = None,
    pbt: bool = False,
) -> None:
    """Run a Tune experiment whose trials run ``factory()``'s objective on ``searcher``'s jobs.

    Args:
        factory: builds the objective (in each trial's worker process).
        searcher, scheduler, stopper, callbacks: Tune's search algorithm (it hands out configs
            made by :func:`job_config`), trial scheduler, stopper and callbacks.
        metric_names: every metric the objective returns (the first is PBT's).
        storage_path: where Tune keeps its files (made absolute).
        resources: per trial, ``{"cpu": 1, "gpu": 0.5, "<custom>": 1}``.
        workers: at most this many trials at once (default: as many as the cluster fits).
        address: a Ray cluster to join (default: ``RAY_ADDRESS`` or a local instance).
        pbt: the scheduler is PBT (trials report checkpoints; results carry the metric).

    Example:
        >>> fit_tune(factory, searcher=s, scheduler=None, stopper=None, callbacks=[],
        ...          metric_names=["loss"], storage_path="runs/x/tune")  # doctest: +SKIP
    """
    per_trial = parse_resources(resources)
    import_ray()
    owns = connect_ray(address)
    from ray import tune

    try:
        trainable = tune.with_parameters(
            _trainable,
            factory=factory,
            token=uuid.uuid4().hex,
            metric_names=tuple(metric_names),
            checkpoints=pbt,
            cwd=os.getcwd(),
        )
        options = actor_options(per_trial)  # the same mapping as the ray executor's actors
        wanted = {
            "cpu": options["num_cpus"],
            "gpu": options["num_gpus"],
            **options.get("resources", {}),
        }
        if "memory" in options:
            wanted["memory"] = options["memory"]
        trainable = tune.with_resources(trainable, wanted)
        tuner = tune.Tuner(
            trainable,
            param_space={},
            tune_config=tune.TuneConfig(
                num_samples=-1,
                search_alg=searcher,
                scheduler=scheduler,
                # a fresh worker per trial: Ray 2.60 cannot reset a function trainable whose
                # stopped run is still blocked in its report, and the trial then never ends
                reuse_actors=False,
                trial_dirname_creator=_trial_folder,
                max_concurrent_trials=_slots(workers, per_trial),
            ),
            run_config=tune.RunConfig(
                storage_path=str(Path(storage_path).resolve()),
                name=f"run-{uuid.uuid4().hex[:8]}",
                stop=stopper,
                callbacks=list(callbacks),
                verbose=0,
                log_to_file=False,
                failure_config=tune.FailureConfig(max_failures=0),
            ),
        )
        # Tune prints a banner, and advice to reuse workers (which 2.60 cannot, see above)
        with (
            contextlib.redirect_stdout(io.StringIO()),
            _no_tune_sigint(),
            warnings.catch_warnings(),
        ):
            warnings.filterwarnings("ignore", message="Consider boosting PBT")
            tuner.fit()
    finally:
        if owns:
            import ray

            ray.shutdown()
            release_instance()  # stops what of a private instance ray.shutdown() left


def _trial_folder(trial: Any) -> str:
    """Tune's folder of a trial (its default spells out the whole config)."""
    number = trial.config.get(JOB_KEY, {}).get("number")
    return f"trial-{number}-{trial.trial_id}"


@contextlib.contextmanager
def _no_tune_sigint() -> Any:
    """Ctrl+C interrupts the sweep like any other (Tune's own handler would swallow it)."""
    saved = os.environ.get("TUNE_DISABLE_SIGINT_HANDLER")
    os.environ["TUNE_DISABLE_SIGINT_HANDLER"] = "1"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("TUNE_DISABLE_SIGINT_HANDLER", None)
        else:
            os.environ["TUNE_DISABLE_SIGINT_HANDLER"] = saved
