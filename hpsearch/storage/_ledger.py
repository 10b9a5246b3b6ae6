"""The trial ledger: every write to a sweep's study, through Optuna's public APIs, in one place.

The driver asks the strategy for trials and tells it results (``study.ask``/``study.tell``);
everything else it records about a trial (its metrics, error, attempt, retry links) goes
through the ledger, which also repairs what an interrupted run left behind: trials still
RUNNING become FAILED ``interrupted`` and are queued for a retry with the same params.
"""

from __future__ import annotations

import contextlib
import logging
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import optuna

from hpsearch.errors import ConfigError
from hpsearch.space import Space
from hpsearch.storage._journal import SweepJournal
from hpsearch.storage._table import ATTEMPT_ATTR, ERROR_ATTR, METRICS_ATTR
from hpsearch.trial import TrialState

__all__ = ["Recovery", "Retry", "TrialLedger", "quiet_optuna"]

RETRY_OF_ATTR = "hpsearch:retry_of"
NEEDS_RETRY_ATTR = "hpsearch:needs_retry"
INTERRUPTED = "interrupted: the sweep stopped while it ran"


@contextlib.contextmanager
def quiet_optuna() -> Iterator[None]:
    """Optuna's own INFO lines off while the block runs, its level restored after (hpsearch
    reports progress itself)."""
    logger = logging.getLogger("optuna")
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)


@dataclass(frozen=True)
class Retry:
    """A trial to run again with the same params: attempt number and the trial it repeats."""

    params: Mapping[str, Any]
    attempt: int
    retry_of: int


@dataclass
class Recovery:
    """What a study holds when a run starts: final trials by state, and retries owed."""

    complete: int = 0
    failed: int = 0
    pruned: int = 0
    retries: deque[Retry] = field(default_factory=deque)

    @property
    def counted(self) -> int:
        """Trials that count toward the budget (final results)."""
        return self.complete + self.failed + self.pruned


class TrialLedger:
    """The writer of one sweep's study.

    Args:
        storage: the study's Optuna storage.
        study: the study, loaded or created on ``storage``.
        journal: the journal backend when the study is a journal file (fsynced by :meth:`sync`).

    Use :meth:`open` to create or load the study.
    """

    def __init__(
        self,
        storage: optuna.storages.BaseStorage,
        study: optuna.Study,
        journal: SweepJournal | None = None,
    ) -> None:
        self.storage = storage
        self.study = study
        self.journal = journal
        self._study_id = storage.get_study_id_from_name(study.study_name)

    @classmethod
    def open(
        cls,
        storage: optuna.storages.BaseStorage,
        *,
        name: str,
        directions: Sequence[str],
        sampler: optuna.samplers.BaseSampler,
        pruner: optuna.pruners.BasePruner,
        journal: SweepJournal | None = None,
    ) -> TrialLedger:
        """Create the study ``name`` on ``storage``, or load it when it exists.

        Raises:
            ConfigError: the stored study optimizes other directions.
        """
        with quiet_optuna():
            study = optuna.create_study(
                study_name=name,
                storage=storage,
                sampler=sampler,
                pruner=pruner,
                directions=list(directions),
                load_if_exists=True,
            )
        found = [d.name.lower() for d in study.directions]
        if found != list(directions):
            raise ConfigError(
                f"the stored study {name!r} optimizes {found}, not {list(directions)}; "
                "use another --out directory"
            )
        return cls(storage, study, journal)

    def sync(self) -> None:
        """Make every write so far durable (fsync of the journal file)."""
        if self.journal is not None:
            self.journal.sync()

    def _trial_id(self, number: int) -> int:
        return self.storage.get_trial_id_from_study_id_trial_number(self._study_id, number)

    # -- recovery -------------------------------------------------------------------------
    def recover(self, space: Space) -> Recovery:
        """Count final trials; mark trials left RUNNING as FAILED ``interrupted``; collect
        every trial owed a retry (once each, even across several interrupted runs)."""
        trials = self.study.get_trials(deepcopy=False)
        retried = {t.user_attrs.get(RETRY_OF_ATTR) for t in trials}
        out = Recovery()
        for t in trials:
            state = TrialState.from_optuna(t.state)
            needs_retry = bool(t.user_attrs.get(NEEDS_RETRY_ATTR))
            if state is TrialState.RUNNING:
                self.interrupted(t.number)
                state, needs_retry = TrialState.FAILED, True
            if state is TrialState.FAILED and needs_retry:
                if t.number not in retried:
                    attempt = int(t.user_attrs.get(ATTEMPT_ATTR, 0)) + 1
                    out.retries.append(Retry(space.decode(t.params), attempt, t.number))
                continue
            out.complete += state is TrialState.COMPLETE
            out.failed += state is TrialState.FAILED
            out.pruned += state is TrialState.PRUNED
        return out

    def interrupted(self, number: int) -> None:
        """Mark RUNNING trial ``number`` FAILED ``interrupted``, to be retried."""
        trial_id = self._trial_id(number)
        self.storage.set_trial_user_attr(trial_id, ERROR_ATTR, INTERRUPTED)
        self.storage.set_trial_user_attr(trial_id, NEEDS_RETRY_ATTR, True)
        self.storage.set_trial_state_values(trial_id, optuna.trial.TrialState.FAIL)

    # -- a trial's life ---------------------------------------------------------------------
    def enqueue_retry(self, retry: Retry, space: Space) -> None:
        """Queue ``retry``'s params so the next ask hands them out."""
        self.study.enqueue_trial(
            space.encode(retry.params),
            user_attrs={RETRY_OF_ATTR: retry.retry_of, ATTEMPT_ATTR: retry.attempt},
            skip_if_exists=False,
        )

    @staticmethod
    def record(
        trial: optuna.Trial,
        *,
        metrics: Mapping[str, float],
        attempt: int,
        error: str = "",
        retry: bool = False,
    ) -> None:
        """Store what a finished trial produced, before its state is told."""
        if metrics:
            trial.set_user_attr(METRICS_ATTR, dict(metrics))
        if attempt:
            trial.set_user_attr(ATTEMPT_ATTR, attempt)
        if error:
            trial.set_user_attr(ERROR_ATTR, error)
        if retry:
            trial.set_user_attr(NEEDS_RETRY_ATTR, True)

    def retry_root(self, number: int) -> int:
        """The first trial of the chain of retries ``number`` belongs to."""
        seen: set[int] = set()
        trial = self.storage.get_trial(self._trial_id(number))
        while trial.number not in seen:
            seen.add(trial.number)
            parent = trial.user_attrs.get(RETRY_OF_ATTR)
            if parent is None:
                return trial.number
            trial = self.storage.get_trial(self._trial_id(int(parent)))
        return number
