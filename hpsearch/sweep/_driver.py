"""The sweep driver: ask the strategy, hand trials to an executor, store what comes back.

Only this loop writes the study. Durability: a trial's params are fsynced before it is
submitted, its result before the next trial is counted. A sweep killed at any point resumes:
trials left RUNNING are marked FAILED ``interrupted`` and retried with the same params, and
the budget counts only final results (COMPLETE, PRUNED, and FAILED trials that will not be
retried).
"""

from __future__ import annotations

import json
import math
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import optuna

from hpsearch.errors import ConfigError
from hpsearch.execution import Executor, Finished, Report, TrialJob
from hpsearch.objectives import ObjectiveSpec
from hpsearch.space import Space
from hpsearch.storage._journal import SweepJournal
from hpsearch.storage._reader import open_journal_storage
from hpsearch.storage._repair import LOST_ATTR
from hpsearch.storage._table import ATTEMPT_ATTR, ERROR_ATTR, METRICS_ATTR
from hpsearch.sweep._outputs import write_outputs
from hpsearch.sweep._progress import SweepProgress
from hpsearch.sweep._pruners import make_pruner

__all__ = ["SweepDriver", "SweepSettings"]

RETRY_OF_ATTR = "hpsearch:retry_of"
NEEDS_RETRY_ATTR = "hpsearch:needs_retry"
MAX_INFRA_RETRIES = 3
OUTPUT_INTERVAL_S = 2.0


@dataclass
class SweepSettings:
    """Resolved run settings (CLI flags and API arguments over the space file)."""

    out_dir: Path
    trials: int | None = None
    timeout: float | None = None
    strategy: str | None = None
    seed: int | None = None
    workers: int | None = None  # None: 1 locally, the whole cluster on Ray
    executor: str = "local"
    address: str | None = None
    storage: str | None = None
    resources: Mapping[str, float] = field(default_factory=dict)
    progress: str | None = None  # bar | lines | quiet | None (auto)


class SweepDriver:
    """Runs one sweep to its budget. Use :func:`hpsearch.run` rather than this class."""

    def __init__(self, space: Space, objective: ObjectiveSpec, settings: SweepSettings) -> None:
        self.space = space
        self.objective = objective
        self.settings = settings
        self.directory = settings.out_dir
        self.metric_names = [m.name for m in space.metrics]
        self.budget = space.budget
        self.journal: SweepJournal | None = None
        self._reported: dict[int, set[int]] = {}
        self._best_value: float | None = None

    # -- setup -------------------------------------------------------------------------------
    def open_study(self) -> optuna.Study:
        from hpsearch.strategies import make_strategy

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.strategy = make_strategy(
            self.space,
            name=self.settings.strategy,
            seed=self.settings.seed,
            budget=self.total_budget(),
            workers=self.settings.workers or 1,
        )
        if self.settings.storage:
            storage: Any = self.settings.storage
        else:
            self.journal = SweepJournal(self.directory / "study.journal")
            storage = open_journal_storage(self.journal)
        study = optuna.create_study(
            study_name=self.space.name,
            storage=storage,
            sampler=self.strategy.sampler,
            pruner=make_pruner(self.space.pruner),
            directions=self.space.directions,
            load_if_exists=True,
        )
        if [d.name.lower() for d in study.directions] != self.space.directions:
            raise ConfigError(
                f"the study in {self.directory} optimizes "
                f"{[d.name.lower() for d in study.directions]}, not "
                f"{self.space.directions}; use another --out directory"
            )
        self.strategy.attach(study)
        self.study = study
        return study

    def total_budget(self) -> int | None:
        if self.settings.trials is not None:
            return self.settings.trials
        if self.budget.trials is not None:
            return self.budget.trials
        if self.strategy_name() == "grid":
            return self.space.grid_size()
        if self.settings.timeout is not None or self.budget.timeout is not None:
            return None
        return 50

    def strategy_name(self) -> str:
        return self.settings.strategy or self.space.strategy.name

    def make_executor(self) -> Executor:
        kind = self.settings.executor
        timeout = self.budget.trial_timeout
        if kind == "local":
            from hpsearch.execution._local import ProcessExecutor, ThreadExecutor

            workers = self.settings.workers or 1
            if workers == 1 and timeout is None:
                return ThreadExecutor(metric_names=self.metric_names)
            return ProcessExecutor(workers, metric_names=self.metric_names, trial_timeout=timeout)
        if kind == "ray":
            try:
                from hpsearch.execution._ray import RayExecutor
            except ImportError as exc:
                raise ConfigError(
                    f"the ray executor needs Ray: pip install 'hpsearch[ray]' ({exc})",
                    path="execution.executor",
                ) from None
            return RayExecutor(
                address=self.settings.address,
                workers=self.settings.workers,
                resources=dict(self.settings.resources),
                metric_names=self.metric_names,
                trial_timeout=timeout,
            )
        raise ConfigError(
            f"unknown executor {kind!r}; allowed: local, ray, tune", path="execution.executor"
        )

    # -- bookkeeping -------------------------------------------------------------------------
    def _scan(self) -> tuple[int, int, int, int, deque[tuple[dict[str, Any], int, int]]]:
        """Count final trials and collect those to retry (left RUNNING, or marked for retry)."""
        trials = self.study.get_trials(deepcopy=False)
        retried = {t.user_attrs.get(RETRY_OF_ATTR) for t in trials}
        retries: deque[tuple[dict[str, Any], int, int]] = deque()
        counted = failed = pruned = complete = 0
        for t in trials:
            if t.user_attrs.get(LOST_ATTR):
                continue  # lost to a damaged journal (hpsearch repair): not counted, not retried
            state = t.state.name
            if state == "RUNNING":
                self._finish_interrupted(t)
                state = "FAIL"
                needs_retry = True
            else:
                needs_retry = bool(t.user_attrs.get(NEEDS_RETRY_ATTR))
            if state == "FAIL" and needs_retry:
                if t.number not in retried:
                    attempt = int(t.user_attrs.get(ATTEMPT_ATTR, 0))
                    retries.append((self.space.decode(t.params), attempt + 1, t.number))
                continue
            if state in ("COMPLETE", "PRUNED", "FAIL"):
                counted += 1
                complete += state == "COMPLETE"
                failed += state == "FAIL"
                pruned += state == "PRUNED"
        return counted, complete, failed, pruned, retries

    def _finish_interrupted(self, trial: Any) -> None:
        storage = self.study._storage
        storage.set_trial_user_attr(
            trial._trial_id, ERROR_ATTR, "interrupted: the sweep stopped while it ran"
        )
        storage.set_trial_user_attr(trial._trial_id, NEEDS_RETRY_ATTR, True)
        storage.set_trial_state_values(trial._trial_id, optuna.trial.TrialState.FAIL)

    def _sync(self) -> None:
        if self.journal is not None:
            self.journal.sync()

    # -- the loop ----------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        """Run until the budget is spent; returns counts. Raises KeyboardInterrupt through."""
        study = self.open_study()
        total = self.total_budget()
        timeout = (
            self.settings.timeout if self.settings.timeout is not None else self.budget.timeout
        )
        counted, n_complete, n_failed, n_pruned, retries = self._scan()
        self._sync()
        progress = SweepProgress(
            total=total, mode=self.settings.progress, metric=self.metric_names[0]
        )
        progress.set_done(counted, failed=n_failed, pruned=n_pruned)
        if self.journal is not None and self.journal.torn_file is not None:
            progress.message(
                f"dropped the torn last line of {self.journal.path} "
                f"({self.journal.torn_reason}); its bytes are in {self.journal.torn_file}"
            )
        if counted:
            progress.message(
                f"resuming {self.space.name}: {counted} trials already done"
                + (f", {len(retries)} to retry" if retries else "")
            )
        executor = self.make_executor()
        running: dict[int, tuple[Any, TrialJob]] = {}
        started = time.monotonic()
        last_output = time.monotonic()
        output_interval = OUTPUT_INTERVAL_S
        best = self._best_text()
        stats = {"complete": n_complete, "failed": n_failed, "pruned": n_pruned, "new": 0}
        try:
            executor.start(self.objective)
            while True:
                out_of_time = timeout is not None and time.monotonic() - started >= timeout
                launched = []
                while (
                    len(running) + len(launched) < executor.slots
                    and not out_of_time
                    and (total is None or counted + len(running) + len(launched) < total)
                ):
                    job = self._launch(retries)
                    if job is None:
                        break
                    launched.append(job)
                if launched:
                    self._sync()  # params (and the results told before them) are on disk
                    for job in launched:
                        running[job[1].number] = job
                        executor.submit(job[1])
                if not running:
                    break
                progress.set_running(len(running))
                for event in executor.poll(0.25):
                    if isinstance(event, Report):
                        self._on_report(executor, running, event)
                        continue
                    if event.number not in running:
                        continue
                    trial, job = running.pop(event.number)
                    final = self._on_finished(trial, job, event, retries)
                    state = event.outcome.state
                    if final:
                        counted += 1
                        stats[
                            {"COMPLETE": "complete", "FAILED": "failed", "PRUNED": "pruned"}[state]
                        ] += 1
                    stats["new"] += 1
                    if state == "COMPLETE":
                        best = self._improve_best(event, best)
                    progress.trial_finished(
                        event.number,
                        state,
                        self._outcome_text(event),
                        best=best,
                        running=len(running),
                    )
                if time.monotonic() - last_output > output_interval:
                    self._sync()
                    tic = time.monotonic()
                    write_outputs(self.directory, study, self.space)
                    last_output = time.monotonic()
                    output_interval = max(OUTPUT_INTERVAL_S, 20 * (last_output - tic))
        except KeyboardInterrupt:
            executor.shutdown()
            for trial, _job in running.values():
                self._finish_interrupted(trial)
            self._sync()
            write_outputs(self.directory, study, self.space)
            progress.close()
            raise
        finally:
            executor.shutdown()
            progress.close()
            self._sync()
        write_outputs(self.directory, study, self.space)
        self._sync()
        return stats

    def _launch(
        self, retries: deque[tuple[dict[str, Any], int, int]]
    ) -> tuple[Any, TrialJob] | None:
        user_attrs: dict[str, Any] = {}
        attempt = 0
        if retries:
            params, attempt, retry_of = retries.popleft()
            user_attrs = {RETRY_OF_ATTR: retry_of, ATTEMPT_ATTR: attempt}
            self.study.enqueue_trial(
                self.space.encode(params), user_attrs=user_attrs, skip_if_exists=False
            )
        elif self.strategy.exhausted():
            return None
        suggestion = self.strategy.ask()
        out = self.directory / "trials" / str(suggestion.number)
        job = TrialJob(
            suggestion.number,
            suggestion.params,
            attempt=attempt,
            timeout=self.budget.trial_timeout,
            out_dir=str(out),
            resources=dict(self.settings.resources),
        )
        return suggestion.trial, job

    def _on_report(
        self, executor: Executor, running: dict[int, tuple[Any, TrialJob]], event: Report
    ) -> None:
        entry = running.get(event.number)
        if entry is None:
            if event.wants_verdict:
                executor.answer(event.number, True)
            return
        trial = entry[0]
        if self.space.is_multi_objective:
            if event.wants_verdict:
                executor.answer(event.number, False)
            return
        if not event.wants_verdict:
            steps = self._reported.setdefault(event.number, set())
            if math.isfinite(event.value) and event.step not in steps:
                steps.add(event.step)
                trial.report(event.value, event.step)
            return
        executor.answer(event.number, bool(trial.should_prune()))

    def _on_finished(
        self,
        trial: Any,
        job: TrialJob,
        event: Finished,
        retries: deque[tuple[dict[str, Any], int, int]],
    ) -> bool:
        """Store a result; returns True when it is final (counts toward the budget)."""
        outcome = event.outcome
        self._reported.pop(trial.number, None)
        storage = self.study._storage
        tid = trial._trial_id
        if outcome.metrics:
            storage.set_trial_user_attr(tid, METRICS_ATTR, dict(outcome.metrics))
        if job.attempt:
            storage.set_trial_user_attr(tid, ATTEMPT_ATTR, job.attempt)
        if outcome.state == "COMPLETE":
            values = [float(outcome.metrics[m]) for m in self.metric_names]
            self.strategy.tell(trial.number, values, state="COMPLETE")
            return True
        if outcome.state == "PRUNED":
            self.strategy.tell(trial.number, None, state="PRUNED")
            return True
        storage.set_trial_user_attr(tid, ERROR_ATTR, outcome.error or "failed")
        if outcome.traceback:
            self._log_traceback(job, outcome.traceback)
        infra = outcome.error.startswith("worker died")
        retry = job.attempt < self.budget.max_retries or (infra and job.attempt < MAX_INFRA_RETRIES)
        if retry:
            storage.set_trial_user_attr(tid, NEEDS_RETRY_ATTR, True)
            retries.append((dict(job.params), job.attempt + 1, trial.number))
        self.strategy.tell(trial.number, None, state="FAILED")
        return not retry

    def _log_traceback(self, job: TrialJob, text: str) -> None:
        logs = self.directory / "logs"
        logs.mkdir(exist_ok=True)
        params = json.dumps(job.params, default=str)
        header = f"trial {job.number} (attempt {job.attempt}) params {params}\n"
        (logs / f"trial-{job.number}.log").write_text(header + text, encoding="utf-8")

    def _improve_best(self, event: Finished, best: str | None) -> str | None:
        if self.space.is_multi_objective:
            return self._best_text()
        value = event.outcome.metrics[self.metric_names[0]]
        sign = self.space.metrics[0].sign
        if self._best_value is None or sign * value < sign * self._best_value:
            self._best_value = value
            return f"{value:.6g}"
        return best

    def _best_text(self) -> str | None:
        try:
            if self.space.is_multi_objective:
                return f"{len(self.study.best_trials)} on the Pareto front"
            self._best_value = self.study.best_value
            return f"{self._best_value:.6g}"
        except ValueError:
            return None

    def _outcome_text(self, event: Finished) -> str:
        o = event.outcome
        if o.state == "COMPLETE":
            return (
                " ".join(f"{m}={o.metrics[m]:.6g}" for m in self.metric_names)
                + f" in {o.duration_s:.2f}s"
            )
        if o.state == "PRUNED":
            return f"at step {o.last_step}"
        return o.error
