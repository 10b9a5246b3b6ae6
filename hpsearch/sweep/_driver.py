"""The sweep driver: ask the strategy, hand trials to an executor, record what comes back.

Only this loop writes the study (through the :class:`~hpsearch.storage.TrialLedger`).
Durability: a trial's params are fsynced before it is submitted, its result before the next
trial is counted. A sweep killed at any point resumes: trials left RUNNING are marked FAILED
``interrupted`` and retried with the same params, and the budget counts only final results
(COMPLETE, PRUNED, and FAILED trials that will not be retried).
"""

from __future__ import annotations

import json
import math
import time
from collections import deque
from dataclasses import dataclass, field

import optuna

from hpsearch.config import SweepConfig
from hpsearch.execution import EXECUTORS, Executor, Finished, Placement, Report, TrialJob
from hpsearch.objectives import ObjectiveSpec
from hpsearch.pruners import make_pruner
from hpsearch.storage import Retry, SweepDirectory, TrialLedger, write_outputs
from hpsearch.strategies import Strategy, make_strategy
from hpsearch.sweep._progress import SweepProgress
from hpsearch.sweep._settings import SweepSettings
from hpsearch.trial import TrialState

__all__ = ["SweepDriver"]

MAX_INFRA_RETRIES = 3
OUTPUT_INTERVAL_S = 2.0


@dataclass
class _Running:
    trial: optuna.Trial
    job: TrialJob
    reported: set[int] = field(default_factory=set)


class SweepDriver:
    """Runs one sweep to its budget. Use :func:`hpsearch.run` rather than this class."""

    def __init__(
        self, config: SweepConfig, objective: ObjectiveSpec, settings: SweepSettings
    ) -> None:
        self.config = config
        self.objective = objective
        self.settings = settings
        self.sweep = SweepDirectory(settings.out_dir)
        self.metric_names = config.metric_names
        self.total = settings.trial_budget(config)
        self.running: dict[int, _Running] = {}
        self.retries: deque[Retry] = deque()
        self.counted = 0
        self.stats = {"complete": 0, "failed": 0, "pruned": 0, "new": 0}
        self._best_value: float | None = None
        self._best_text: str | None = None

    # -- setup -------------------------------------------------------------------------------
    def open(self) -> optuna.Study:
        """Build the strategy and open (or create) the study; returns the study."""
        self.strategy: Strategy = make_strategy(
            self.config,
            name=self.settings.strategy,
            seed=self.settings.seed,
            budget=self.total,
            workers=self.settings.workers or 1,
        )
        storage, journal = self.sweep.open_storage(self.settings.storage)
        self.ledger = TrialLedger.open(
            storage,
            name=self.config.name,
            directions=self.config.directions,
            sampler=self.strategy.sampler,
            pruner=make_pruner(self.config.pruner),
            journal=journal,
        )
        self.strategy.attach(self.ledger.study)
        self.study = self.ledger.study
        return self.study

    def make_executor(self) -> Executor:
        placement = Placement(
            workers=self.settings.workers,
            address=self.settings.address,
            resources=dict(self.settings.resources),
            trial_timeout=self.config.budget.trial_timeout,
            metric_names=self.metric_names,
        )
        return EXECUTORS.lookup(self.settings.executor).build(placement)

    # -- the loop ----------------------------------------------------------------------------
    def run(self) -> dict[str, int]:
        """Run until the budget is spent; returns counts. Raises KeyboardInterrupt through."""
        self.open()
        recovery = self.ledger.recover(self.config.space)
        self.ledger.sync()
        self.retries = recovery.retries
        self.counted = recovery.counted
        self.stats.update(complete=recovery.complete, failed=recovery.failed)
        self.stats["pruned"] = recovery.pruned
        self.progress = SweepProgress(
            total=self.total, mode=self.settings.progress, metric=self.metric_names[0]
        )
        self.progress.set_done(self.counted, failed=recovery.failed, pruned=recovery.pruned)
        if self.counted:
            more = f", {len(self.retries)} to retry" if self.retries else ""
            self.progress.message(
                f"resuming {self.config.name}: {self.counted} trials already done{more}"
            )
        self._best_text = self._study_best()
        executor = self.make_executor()
        try:
            executor.start(self.objective)
            self._loop(executor)
        except KeyboardInterrupt:
            executor.shutdown()
            for entry in self.running.values():
                self.ledger.interrupted(entry.trial.number)
            self._write_outputs()
            raise
        finally:
            executor.shutdown()
            self.progress.close()
            self.ledger.sync()
        self._write_outputs()
        return self.stats

    def _loop(self, executor: Executor) -> None:
        started = time.monotonic()
        timeout = self.settings.time_budget(self.config)
        next_output, interval = time.monotonic() + OUTPUT_INTERVAL_S, OUTPUT_INTERVAL_S
        while True:
            out_of_time = timeout is not None and time.monotonic() - started >= timeout
            if not out_of_time:
                self._launch(executor)
            if not self.running:
                return
            self.progress.set_running(len(self.running))
            for event in executor.poll(0.25):
                if isinstance(event, Report):
                    self._on_report(executor, event)
                elif event.number in self.running:
                    self._on_finished(self.running.pop(event.number), event)
            if time.monotonic() > next_output:
                tic = time.monotonic()
                self._write_outputs()
                interval = max(OUTPUT_INTERVAL_S, 20 * (time.monotonic() - tic))
                next_output = time.monotonic() + interval

    def _write_outputs(self) -> None:
        self.ledger.sync()
        write_outputs(self.sweep.path, self.study, self.config)
        self.ledger.sync()

    # -- launching ------------------------------------------------------------------------
    def _launch(self, executor: Executor) -> None:
        """Start trials on every free slot the budget allows (params fsynced first)."""
        launched: list[_Running] = []
        while len(self.running) + len(launched) < executor.slots and (
            self.total is None or self.counted + len(self.running) + len(launched) < self.total
        ):
            entry = self._next_trial()
            if entry is None:
                break
            launched.append(entry)
        if not launched:
            return
        self.ledger.sync()  # params (and the results told before them) are on disk
        for entry in launched:
            self.running[entry.job.number] = entry
            executor.submit(entry.job)

    def _next_trial(self) -> _Running | None:
        attempt, root = 0, None
        if self.retries:
            retry = self.retries.popleft()
            self.ledger.enqueue_retry(retry, self.config.space)
            attempt, root = retry.attempt, self.ledger.retry_root(retry.retry_of)
        elif self.strategy.exhausted():
            return None
        suggestion = self.strategy.ask()
        number = suggestion.number
        checkpoint = self.sweep.checkpoint_dir(number if root is None else root)
        resume = checkpoint.is_dir() and any(checkpoint.iterdir())
        job = TrialJob(
            number,
            suggestion.params,
            attempt=attempt,
            timeout=self.config.budget.trial_timeout,
            directory=str(self.sweep.trial_dir(number)),
            checkpoint_dir=str(checkpoint),
            resume_from=str(checkpoint) if resume else None,
            resources=dict(self.settings.resources),
        )
        return _Running(suggestion.trial, job)

    # -- events ---------------------------------------------------------------------------
    def _on_report(self, executor: Executor, event: Report) -> None:
        entry = self.running.get(event.number)
        if entry is None:
            if event.wants_verdict:
                executor.answer(event.number, True)
            return
        if self.config.is_multi_objective:
            if event.wants_verdict:
                executor.answer(event.number, False)
            return
        if not event.wants_verdict:
            if math.isfinite(event.value) and event.step not in entry.reported:
                entry.reported.add(event.step)
                entry.trial.report(event.value, event.step)
            return
        executor.answer(event.number, bool(entry.trial.should_prune()))

    def _on_finished(self, entry: _Running, event: Finished) -> None:
        """Record a result; count it when it is final."""
        outcome, job = event.outcome, entry.job
        state = TrialState.parse(outcome.state)
        retry = False
        if state is TrialState.FAILED:
            infra = outcome.error.startswith("worker died")
            retry = job.attempt < self.config.budget.max_retries or (
                infra and job.attempt < MAX_INFRA_RETRIES
            )
            if outcome.traceback:
                self._log_traceback(job, outcome.traceback)
            if retry:
                self.retries.append(Retry(dict(job.params), job.attempt + 1, job.number))
        self.ledger.record(
            entry.trial,
            metrics=outcome.metrics,
            attempt=job.attempt,
            error=(outcome.error or "failed") if state is TrialState.FAILED else "",
            retry=retry,
        )
        values = None
        if state is TrialState.COMPLETE:
            values = [float(outcome.metrics[m]) for m in self.metric_names]
        self.strategy.tell(job.number, values, state=state)
        self.stats["new"] += 1
        if not retry:
            self.counted += 1
            self.stats[state.value.lower()] += 1
        if state is TrialState.COMPLETE:
            self._improve_best(outcome.metrics)
        self.progress.trial_finished(
            job.number,
            state,
            self._outcome_text(event),
            best=self._best_text,
            running=len(self.running),
        )

    def _log_traceback(self, job: TrialJob, text: str) -> None:
        self.sweep.logs_dir.mkdir(exist_ok=True)
        params = json.dumps(job.params, default=str)
        header = f"trial {job.number} (attempt {job.attempt}) params {params}\n"
        log = self.sweep.logs_dir / f"trial-{job.number}.log"
        log.write_text(header + text, encoding="utf-8")

    # -- progress text --------------------------------------------------------------------
    def _improve_best(self, metrics: dict[str, float]) -> None:
        if self.config.is_multi_objective:
            self._best_text = self._study_best()
            return
        value = metrics[self.metric_names[0]]
        sign = self.config.metrics[0].sign
        if self._best_value is None or sign * value < sign * self._best_value:
            self._best_value = value
            self._best_text = f"{value:.6g}"

    def _study_best(self) -> str | None:
        try:
            if self.config.is_multi_objective:
                return f"{len(self.study.best_trials)} on the Pareto front"
            self._best_value = self.study.best_value
            return f"{self._best_value:.6g}"
        except ValueError:
            return None

    def _outcome_text(self, event: Finished) -> str:
        o = event.outcome
        if o.state == TrialState.COMPLETE:
            shown = " ".join(f"{m}={o.metrics[m]:.6g}" for m in self.metric_names)
            return f"{shown} in {o.duration_s:.2f}s"
        if o.state == TrialState.PRUNED:
            return f"at step {o.last_step}"
        return o.error
