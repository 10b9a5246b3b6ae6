"""Worker side of a trial: the context an objective sees, and the call that turns whatever the
objective does (returns, raises, prunes) into an :class:`Outcome`."""

from __future__ import annotations

import inspect
import math
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from optuna.exceptions import TrialPruned

from hpsearch.execution._base import Outcome, TrialJob

__all__ = ["Channel", "TrialContext", "TrialPruned", "call_objective", "run_trial"]


class Channel(Protocol):
    """How a running trial talks to the driver."""

    def report(self, step: int, value: float) -> None:
        """Send an intermediate value (does not wait)."""

    def verdict(self, step: int) -> bool:
        """Wait for the driver's pruning decision on the value reported at ``step``."""


class NullChannel:
    """A channel for trials run outside a sweep: reports go nowhere, nothing is pruned."""

    def report(self, step: int, value: float) -> None:
        pass

    def verdict(self, step: int) -> bool:
        return False


class TrialContext:
    """What an objective's ``trial`` argument offers.

    Example:
        >>> def objective(params, trial):
        ...     for epoch in range(3):
        ...         trial.report(1.0 / (epoch + 1), step=epoch)
        ...         if trial.should_prune():
        ...             raise TrialPruned()
        ...     return 0.5
    """

    def __init__(
        self, job: TrialJob, channel: Channel | None = None, *, device: str | None = None
    ) -> None:
        self.number = job.number
        self.params = dict(job.params)
        self.attempt = job.attempt
        self.out_dir = job.out_dir
        self.device = device
        self.user_attrs: dict[str, Any] = {}
        self._channel = channel or NullChannel()
        self._last_step: int | None = None
        self._answered: int | None = None
        self._verdict = False

    @property
    def last_step(self) -> int | None:
        return self._last_step

    def report(self, value: float, step: int | None = None) -> None:
        """Record an intermediate value (a validation score after ``step`` epochs or folds)."""
        if step is None:
            step = 0 if self._last_step is None else self._last_step + 1
        value = float(value)
        self._last_step = int(step)
        if math.isfinite(value):
            self._channel.report(int(step), value)
        else:
            self._answered = self._last_step

    def should_prune(self) -> bool:
        """Whether the driver's pruner says this trial should stop now."""
        if self._last_step is None:
            return False
        if self._answered != self._last_step:
            self._verdict = bool(self._channel.verdict(self._last_step))
            self._answered = self._last_step
        return self._verdict

    def set_user_attr(self, key: str, value: Any) -> None:
        """Store an extra number with the trial (shown as ``metric_<key>``)."""
        self.user_attrs[key] = value


def _wants_trial(objective: Callable[..., Any]) -> bool:
    try:
        sig = inspect.signature(objective)
    except (TypeError, ValueError):
        return False
    params = [
        p for p in sig.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    has_var = any(p.kind == p.VAR_POSITIONAL for p in sig.parameters.values())
    return has_var or len(params) >= 2


def call_objective(
    objective: Callable[..., Any], params: dict[str, Any], trial: TrialContext
) -> Any:
    """Call ``objective(params, trial)`` or ``objective(params)``, by its signature."""
    if _wants_trial(objective):
        return objective(params, trial)
    return objective(params)


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number


def normalize_result(result: Any, metric_names: Sequence[str]) -> tuple[dict[str, float], str]:
    """Turn an objective's return value into metrics; the second item is an error or ``""``."""
    if isinstance(result, Mapping):
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
            return {}, (
                f"objective returned no {missing[0]!r} (got keys: "
                f"{', '.join(map(str, result)) or 'none'})"
            )
        return metrics, ""
    if len(metric_names) > 1 and isinstance(result, (list, tuple)):
        if len(result) != len(metric_names):
            return {}, f"objective returned {len(result)} values for {len(metric_names)} metrics"
        return normalize_result(dict(zip(metric_names, result)), metric_names)
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
    trial = TrialContext(job, channel, device=device)
    start = time.perf_counter()
    try:
        result = call_objective(objective, dict(job.params), trial)
    except TrialPruned:
        return Outcome(
            "PRUNED",
            duration_s=time.perf_counter() - start,
            last_step=trial.last_step,
            metrics=_numeric(trial.user_attrs),
        )
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        message = f"{type(exc).__name__}: {exc}".strip().splitlines()
        return Outcome(
            "FAILED",
            error=(message[0] if message else type(exc).__name__)[:500],
            traceback=traceback.format_exc(),
            duration_s=time.perf_counter() - start,
            last_step=trial.last_step,
        )
    duration = time.perf_counter() - start
    metrics, error = normalize_result(result, metric_names)
    if error:
        return Outcome("FAILED", error=error, duration_s=duration, last_step=trial.last_step)
    metrics = {**_numeric(trial.user_attrs), **metrics}
    return Outcome("COMPLETE", metrics=metrics, duration_s=duration, last_step=trial.last_step)


def _numeric(attrs: Mapping[str, Any]) -> dict[str, float]:
    out = {}
    for key, value in attrs.items():
        number = _as_number(value)
        if number is not None and math.isfinite(number):
            out[key] = number
    return out
