"""The trial an objective receives: its params, where to write, and how to report progress.

This is the whole contract between objectives and the rest of hpsearch. Executors build a
:class:`Trial` around a :class:`Channel` to the driver; objectives never see an executor.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

__all__ = ["Channel", "NullChannel", "Trial", "call_objective"]


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


class Trial:
    """What an objective's ``trial`` argument offers.

    Attributes:
        number: the trial number in its sweep.
        params: the trial's parameters (user values, dotted names for nested groups).
        attempt: 0 for the first run of these params, 1, 2, ... for retries.
        directory: this trial's own folder in the sweep directory (or ``None``).
        checkpoint_dir: a folder for resumable state, the same for every attempt at these
            params, so a retried trial finds what its earlier attempt saved (or ``None``).
        resume_from: ``checkpoint_dir`` when an earlier attempt left something in it, else
            ``None``: an objective that checkpoints continues from there.
        device: the device the executor assigned (``"cuda:0"``, ``"cpu"``) or ``None``.

    Example:
        >>> def objective(params, trial):
        ...     for epoch in range(3):
        ...         trial.report(1.0 / (epoch + 1), step=epoch)
        ...         if trial.should_prune():
        ...             raise StopIteration  # hpsearch.TrialPruned in real code
        ...     return 0.5
        >>> objective({}, Trial())
        0.5
    """

    def __init__(
        self,
        number: int = 0,
        params: Mapping[str, Any] | None = None,
        *,
        attempt: int = 0,
        directory: str | Path | None = None,
        checkpoint_dir: str | Path | None = None,
        resume_from: str | Path | None = None,
        device: str | None = None,
        channel: Channel | None = None,
    ) -> None:
        self.number = number
        self.params = dict(params or {})
        self.attempt = attempt
        self.directory = Path(directory) if directory is not None else None
        self.checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir is not None else None
        self.resume_from = Path(resume_from) if resume_from is not None else None
        self.device = device
        self.user_attrs: dict[str, Any] = {}
        self._channel: Channel = channel or NullChannel()
        self._last_step: int | None = None
        self._answered: int | None = None
        self._verdict = False

    @property
    def last_step(self) -> int | None:
        """The step of the last reported value."""
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

    def __repr__(self) -> str:
        return f"Trial(number={self.number}, attempt={self.attempt}, params={self.params!r})"


def _wants_trial(objective: Callable[..., Any]) -> bool:
    try:
        sig = inspect.signature(objective)
    except (TypeError, ValueError):
        return False
    positional = [
        p for p in sig.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    has_var = any(p.kind == p.VAR_POSITIONAL for p in sig.parameters.values())
    return has_var or len(positional) >= 2


def call_objective(objective: Callable[..., Any], params: dict[str, Any], trial: Trial) -> Any:
    """Call ``objective(params, trial)`` or ``objective(params)``, by its signature.

    Example:
        >>> call_objective(lambda p: p["x"] + 1, {"x": 1}, Trial())
        2
    """
    if _wants_trial(objective):
        return objective(params, trial)
    return objective(params)
