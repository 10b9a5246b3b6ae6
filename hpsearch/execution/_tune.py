"""Run a sweep through Ray Tune's Tuner, for users who want Tune's schedulers (ASHA, PBT, ...).

The space becomes a Tune ``param_space`` (:meth:`Space.to_tune`), the objective runs in a Tune
function trainable through the same :func:`run_trial` as everywhere else, and each trial comes
back as a :class:`TuneTrial` the caller writes into its study. Tune decides early stopping
itself: ``trial.should_prune()`` is always False, and a trial its scheduler stopped comes back
PRUNED. Tune costs far more per trial than :class:`~hpsearch.execution._ray.RayExecutor`
(see ``benchmarks/ray_overhead.py``); use it for the schedulers, not for speed.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hpsearch.config import PrunerConfig, SweepConfig
from hpsearch.errors import ConfigError
from hpsearch.execution._base import ObjectiveFactory, TrialJob
from hpsearch.execution._ray_connect import connect_ray, import_ray, parse_resources
from hpsearch.execution._ray_instance import release_instance
from hpsearch.execution._tune_space import tune_param_space
from hpsearch.execution._worker import run_trial
from hpsearch.space import Space, flatten
from hpsearch.trial import TrialState

__all__ = ["TuneTrial", "run_with_tune", "tune_scheduler"]

_STATE_KEY = "hp_state"
_STEP_KEY = "hp_step"
_OBJECTIVES: dict[str, Any] = {}  # per worker process: built objectives by run token


@dataclass(frozen=True)
class TuneTrial:
    """One Tune trial's result; unpacks as ``params, metrics, state``."""

    params: Mapping[str, Any]
    metrics: Mapping[str, float]
    state: str
    error: str = ""
    intermediate: Mapping[int, float] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.params, self.metrics, self.state))


class _TrialFailed(RuntimeError):
    """Raised in the trainable so Tune records the trial as errored, with our reason."""


class _TuneChannel:
    """Intermediate values go to Tune (its scheduler decides); never prunes by itself."""

    def __init__(self, metric: str) -> None:
        self._metric = metric

    def report(self, step: int, value: float) -> None:
        from ray import tune

        tune.report({self._metric: value, _STEP_KEY: step})

    def verdict(self, step: int) -> bool:
        return False


def _flat_params(config: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in flatten(config).items() if v is not None}


def _trial_number(trial_id: str) -> int:
    match = re.search(r"(\d+)$", trial_id or "")
    return int(match.group(1)) if match else 0


def _trainable(
    config: dict[str, Any],
    *,
    factory: ObjectiveFactory,
    token: str,
    metric: str,
    metric_names: Sequence[str],
) -> None:
    from ray import tune

    objective = _OBJECTIVES.get(token)
    if objective is None:  # built once per worker process (with reuse_actors)
        objective = _OBJECTIVES[token] = factory()
    number = _trial_number(tune.get_context().get_trial_id())
    job = TrialJob(number, _flat_params(config))
    outcome = run_trial(objective, job, metric_names=metric_names, channel=_TuneChannel(metric))
    if outcome.state is TrialState.FAILED:
        raise _TrialFailed(outcome.error)
    final = {**outcome.metrics, _STATE_KEY: outcome.state.value}
    final.setdefault(metric, math.nan)
    tune.report(final)


def _error_text(error: BaseException) -> str:
    """The objective's own reason (``ValueError: ...``) out of Tune's wrapped error."""
    lines = [ln.strip() for ln in str(error).strip().splitlines() if ln.strip()]
    ours = next((ln for ln in reversed(lines) if "_TrialFailed: " in ln), None)
    if ours is not None:
        return ours.split("_TrialFailed: ", 1)[1]
    return next(
        (ln for ln in reversed(lines) if "Error" in ln),
        lines[-1] if lines else type(error).__name__,
    )


def _intermediate(result: Any, metric: str) -> dict[int, float]:
    frame = getattr(result, "metrics_dataframe", None)
    if frame is None or _STEP_KEY not in frame or metric not in frame:
        return {}
    rows = frame[[_STEP_KEY, metric]].dropna()
    return {int(step): float(value) for step, value in rows.itertuples(index=False)}


def run_with_tune(
    space: Space | SweepConfig,
    objective_factory: ObjectiveFactory,
    *,
    trials: int,
    metric: str,
    mode: str = "min",
    metric_names: Sequence[str] | None = None,
    scheduler: Any = None,
    search_alg: Any = None,
    resources: Mapping[str, float] | None = None,
    max_concurrent: int | None = None,
    reuse_actors: bool = True,
    address: str | None = None,
    storage_path: str | None = None,
    seed: int | None = None,
) -> list[TuneTrial]:
    """Run ``trials`` trials of ``space`` with Ray Tune; return each trial's outcome.

    Args:
        space: a :class:`~hpsearch.space.Space` (or a config: its space).
        objective_factory: builds the objective (once per Tune worker process).
        trials: how many trials (Tune's ``num_samples``).
        metric, mode: what Tune's scheduler optimizes (``"min"`` or ``"max"``).
        metric_names: every metric the objective returns (default: ``[metric]``).
        scheduler, search_alg: a Tune scheduler (e.g. ``ASHAScheduler()``) / searcher.
        resources: per trial, ``{"cpu": 1, "gpu": 0.5}``.
        max_concurrent: at most this many trials at once.
        reuse_actors: let Tune reuse its actors between trials (much faster).
        address: a Ray cluster to join (default: ``RAY_ADDRESS`` or a local instance).
        storage_path: where Tune keeps its files (default: a temporary folder, removed after).
        seed: seeds Tune's random search when no ``search_alg`` is given.

    Example:
        >>> from ray.tune.schedulers import ASHAScheduler  # doctest: +SKIP
        >>> results = run_with_tune(space, factory, trials=20, metric="loss",
        ...                         scheduler=ASHAScheduler())  # doctest: +SKIP
        >>> [(params, state) for params, metrics, state in results]  # doctest: +SKIP
    """
    if isinstance(space, SweepConfig):
        space = space.space
    if mode not in ("min", "max"):
        raise ConfigError(f"mode must be 'min' or 'max', got {mode!r}", path="mode")
    if not isinstance(trials, int) or trials < 1:
        raise ConfigError(f"must be a whole number >= 1, got {trials!r}", path="trials")
    names = tuple(metric_names or (metric,))
    if metric not in names:
        raise ConfigError(f"{metric!r} is not one of the metrics {list(names)}", path="metric")
    per_trial = parse_resources(resources)
    import_ray()
    owns = connect_ray(address)
    from ray import tune
    from ray.tune.search.basic_variant import BasicVariantGenerator

    trainable = tune.with_parameters(
        _trainable,
        factory=objective_factory,
        token=uuid.uuid4().hex,
        metric=metric,
        metric_names=names,
    )
    trainable = tune.with_resources(
        trainable, {"cpu": per_trial.get("cpu", 0.0), "gpu": per_trial.get("gpu", 0.0)}
    )
    if search_alg is None:
        search_alg = BasicVariantGenerator(random_state=seed, max_concurrent=max_concurrent or 0)
    path = storage_path or tempfile.mkdtemp(prefix="hpsearch-tune-")
    try:
        tuner = tune.Tuner(
            trainable,
            param_space=tune_param_space(space),
            tune_config=tune.TuneConfig(
                metric=metric,
                mode=mode,
                num_samples=trials,
                scheduler=scheduler,
                search_alg=search_alg,
                reuse_actors=reuse_actors,
                max_concurrent_trials=max_concurrent,
            ),
            run_config=tune.RunConfig(
                storage_path=path, name="hpsearch", verbose=0, log_to_file=False
            ),
        )
        with contextlib.redirect_stdout(io.StringIO()):  # Tune prints a banner
            grid = tuner.fit()
        out: list[TuneTrial] = []
        for result in grid:
            params = _flat_params(result.config or {})
            last = dict(result.metrics or {})
            if result.error is not None:
                error = _error_text(result.error)
                out.append(
                    TuneTrial(
                        params,
                        {},
                        "FAILED",
                        error=error.strip()[:500],
                        intermediate=_intermediate(result, metric),
                    )
                )
                continue
            metrics = {k: float(last[k]) for k in names if isinstance(last.get(k), (int, float))}
            state = str(last.get(_STATE_KEY) or "PRUNED")  # no final report: Tune stopped it
            if state == "PRUNED":
                metrics = {}
            out.append(
                TuneTrial(params, metrics, state, intermediate=_intermediate(result, metric))
            )
        return out
    finally:
        if storage_path is None:
            shutil.rmtree(path, ignore_errors=True)
        if owns:
            import ray

            ray.shutdown()
            release_instance()  # stops what of a private instance ray.shutdown() left


def tune_scheduler(pruner: PrunerConfig | None) -> Any:
    """The Ray Tune scheduler for a ``pruner:`` block (``None`` -> Tune's FIFO default)."""
    if pruner is None or pruner.type == "none":
        return None
    from ray.tune import schedulers

    kind = pruner.type
    eta = int(pruner.get("reduction_factor", 3))
    if kind == "asha":
        return schedulers.ASHAScheduler(
            grace_period=int(pruner.get("min_resource", 1) or 1), reduction_factor=eta
        )
    if kind == "hyperband":
        max_t = pruner.get("max_resource")
        return schedulers.HyperBandScheduler(
            max_t=int(max_t) if max_t else 81, reduction_factor=eta
        )
    if kind in ("median", "percentile"):
        return schedulers.MedianStoppingRule(
            grace_period=float(pruner.get("n_warmup_steps", 0)),
            min_samples_required=int(pruner.get("n_startup_trials", 3)),
        )
    return None
