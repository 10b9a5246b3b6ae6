"""Worker side of a trial: the call that turns whatever the objective does (returns, raises,
prunes) into an :class:`~hpsearch.execution.Outcome`."""

from __future__ import annotations

import math
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hpsearch.execution._base import Outcome, TrialJob
from hpsearch.trial import Channel, Trial, TrialPruned, TrialState, call_objective

__all__ = ["make_trial", "normalize_result", "run_trial"]


def make_trial(
    job: TrialJob, channel: Channel | None = None, *, device: str | None = None
) -> Trial:
    """The :class:`~hpsearch.Trial` an objective receives for ``job``."""
    return Trial(
        job.number,
        job.params,
        attempt=job.attempt,
        directory=job.directory,
        checkpoint_dir=job.checkpoint_dir,
        resume_from=job.resume_from,
        device=device,
        channel=channel,
    )


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _metrics_from_mapping(
    result: Mapping[str, Any], metric_names: Sequence[str]
) -> tuple[dict[str, float], str]:
    metrics: dict[str, float] = {}
    for key, raw in result.items():
        number = _as_number(raw)
        if key in metric_names:
            if number is None:
                return {}, f"objective returned a non-number for {key!r}: {raw!r:.80}"
            if not math.isfinite(number):
                return {}, f"objective returned {number} for {key!r}"
        if number is not None and math.isfinite(number):
            metrics[str(key)] = number
    missing = [m for m in metric_names if m not in metrics]
    if missing:
        got = ", ".join(map(str, result)) or "none"
        return {}, f"objective returned no {missing[0]!r} (got keys: {got})"
    return metrics, ""


def normalize_result(result: Any, metric_names: Sequence[str]) -> tuple[dict[str, float], str]:
    """Turn an objective's return value into metrics; the second item is an error or ``""``.

    Example:
        >>> normalize_result(0.5, ["loss"])
        ({'loss': 0.5}, '')
        >>> normalize_result(float("nan"), ["loss"])
        ({}, 'objective returned nan')
    """
    if isinstance(result, Mapping):
        return _metrics_from_mapping(result, metric_names)
    if len(metric_names) > 1 and isinstance(result, (list, tuple)):
        if len(result) != len(metric_names):
            return {}, f"objective returned {len(result)} values for {len(metric_names)} metrics"
        return _metrics_from_mapping(dict(zip(metric_names, result)), metric_names)
    if result is None:
        return {}, "objective returned None"
    number = _as_number(result)
    if number is None:
        return {}, f"objective returned a non-number: {type(result).__name__} {result!r:.80}"
    if not math.isfinite(number):
        return {}, f"objective returned {number}"
    if len(metric_names) > 1:
        return {}, f"objective returned one number for {len(metric_names)} metrics"
    return {metric_names[0]: number}, ""


def run_trial(
    objective: Callable[..., Any],
    job: TrialJob,
    *,
    metric_names: Sequence[str],
    channel: Channel | None = None,
    device: str | None = None,
) -> Outcome:
    """Run one trial and describe how it ended; never raises for the objective's faults."""
    trial = make_trial(job, channel, device=device)
    start = time.perf_counter()
    try:
        result = call_objective(objective, dict(job.params), trial)
    except TrialPruned:
        return Outcome(
            TrialState.PRUNED,
            duration_s=time.perf_counter() - start,
            last_step=trial.last_step,
            metrics=_numeric(trial.user_attrs),
        )
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        message = f"{type(exc).__name__}: {exc}".strip().splitlines()
        return Outcome(
            TrialState.FAILED,
            error=(message[0] if message else type(exc).__name__)[:500],
            traceback=traceback.format_exc(),
            duration_s=time.perf_counter() - start,
            last_step=trial.last_step,
        )
    duration = time.perf_counter() - start
    metrics, error = normalize_result(result, metric_names)
    if error:
        return Outcome(
            TrialState.FAILED, error=error, duration_s=duration, last_step=trial.last_step
        )
    metrics = {**_numeric(trial.user_attrs), **metrics}
    return Outcome(
        TrialState.COMPLETE, metrics=metrics, duration_s=duration, last_step=trial.last_step
    )


def _numeric(attrs: Mapping[str, Any]) -> dict[str, float]:
    out = {}
    for key, value in attrs.items():
        number = _as_number(value)
        if number is not None and math.isfinite(number):
            out[key] = number
    return out
