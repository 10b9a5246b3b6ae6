"""Trial states, one enum for the whole package, and their Optuna counterparts."""

from __future__ import annotations

import enum

import optuna

__all__ = ["TrialState"]


class TrialState(str, enum.Enum):
    """How a trial stands. The values are the names used in ``trials.csv`` and reports.

    A ``str`` enum, so ``TrialState.COMPLETE == "COMPLETE"``.

    Example:
        >>> TrialState.from_optuna(optuna.trial.TrialState.FAIL)
        <TrialState.FAILED: 'FAILED'>
        >>> TrialState.PRUNED.to_optuna()
        <TrialState.PRUNED: 2>
        >>> TrialState.COMPLETE.is_finished
        True
    """

    COMPLETE = "COMPLETE"
    PRUNED = "PRUNED"
    FAILED = "FAILED"
    RUNNING = "RUNNING"
    WAITING = "WAITING"

    def __str__(self) -> str:
        return self.value

    @property
    def is_finished(self) -> bool:
        """COMPLETE, PRUNED or FAILED."""
        return self in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAILED)

    @classmethod
    def parse(cls, value: str | TrialState) -> TrialState:
        """A state from its name (``"FAIL"``, Optuna's name, is read as FAILED)."""
        if isinstance(value, TrialState):
            return value
        key = str(value).upper()
        return cls.FAILED if key == "FAIL" else cls(key)

    @classmethod
    def from_optuna(cls, state: optuna.trial.TrialState) -> TrialState:
        return _FROM_OPTUNA[state]

    def to_optuna(self) -> optuna.trial.TrialState:
        return _TO_OPTUNA[self]


_TO_OPTUNA = {
    TrialState.COMPLETE: optuna.trial.TrialState.COMPLETE,
    TrialState.PRUNED: optuna.trial.TrialState.PRUNED,
    TrialState.FAILED: optuna.trial.TrialState.FAIL,
    TrialState.RUNNING: optuna.trial.TrialState.RUNNING,
    TrialState.WAITING: optuna.trial.TrialState.WAITING,
}
_FROM_OPTUNA = {v: k for k, v in _TO_OPTUNA.items()}
