"""The sweep driver seen by Ray Tune: a Searcher that asks hpsearch's strategy, a scheduler that
asks hpsearch's pruner (or Tune's PBT), a stopper for ``trial_timeout`` and a callback that
writes each result into the study as it arrives (imported only when Ray Tune runs a sweep).

All of it runs in the driver process, in Tune's control loop, around one
:class:`~hpsearch.sweep._driver.SweepDriver`: the budget, retries, pruning decisions and the
ledger are the same as for the local and ray executors.
"""

from __future__ import annotations

import math
import time
from typing import Any

from ray.tune import Callback, Stopper
from ray.tune.schedulers import FIFOScheduler, PopulationBasedTraining, TrialScheduler
from ray.tune.search import Searcher

from hpsearch.config import SweepConfig
from hpsearch.errors import ObjectiveError
from hpsearch.execution import Outcome
from hpsearch.execution._tune import (
    ERROR_KEY,
    FATAL_KEY,
    JOB_KEY,
    METRICS_KEY,
    STATE_KEY,
    STEP_KEY,
    TRACE_KEY,
    VALUE_KEY,
    job_config,
)
from hpsearch.execution._tune_space import InBounds, pbt_mutations
from hpsearch.pruners import PRUNERS, mutable_parameters
from hpsearch.sweep._driver import OUTPUT_INTERVAL_S, SweepDriver
from hpsearch.trial import TrialState

__all__ = ["PBT_SCHEDULE_ATTR", "TuneBridge"]

#: user attribute of a PBT trial: the params it ran with from each step on
PBT_SCHEDULE_ATTR = "pbt_schedule"
STOPPED = "worker died: Ray Tune stopped the trial before it returned"


class TuneBridge:
    """Maps Tune trials to the driver's running trials; builds Tune's pieces around it."""

    def __init__(self, driver: SweepDriver, *, time_budget: float | None) -> None:
        self.driver = driver
        self.config: SweepConfig = driver.config
        self.deadline = None if time_budget is None else time.monotonic() + time_budget
        self.timeout = driver.config.budget.trial_timeout
        self.numbers: dict[str, int] = {}  # Tune trial id -> hpsearch trial number
        self.started: dict[int, float] = {}
        self.reasons: dict[int, str] = {}  # "pruned" / "timeout", decided driver-side
        self.finals: dict[int, dict[str, Any]] = {}
        self.schedules: dict[int, list[dict[str, Any]]] = {}
        self.fatal: ObjectiveError | None = None
        self.tune_trials: dict[str, Any] = {}  # started Tune trials, by id

    def __reduce__(self) -> tuple[Any, tuple[()]]:
        """Tune pickles its searcher, scheduler and callbacks for its own restore, which
        hpsearch never uses (the study is the record): the bridge pickles as a stub."""
        return (_Detached, ())

    @property
    def pbt(self) -> bool:
        return self.config.pruner is not None and self.config.pruner.type == "pbt"

    # -- Tune's pieces -------------------------------------------------------------------
    def searcher(self) -> Searcher:
        return _StrategySearcher(self)

    def scheduler(self) -> TrialScheduler:
        if not self.pbt:
            return _PrunerScheduler(self)
        assert self.config.pruner is not None
        pruner = PRUNERS.lookup("pbt")(**self.config.pruner.options)
        metric = self.config.metrics[0]
        return _PBT(
            time_attr=STEP_KEY,
            metric=VALUE_KEY,
            mode="min" if metric.goal == "minimize" else "max",
            perturbation_interval=pruner.option("perturbation_interval"),
            burn_in_period=pruner.option("burn_in_period"),
            quantile_fraction=pruner.option("quantile_fraction"),
            resample_probability=pruner.option("resample_probability"),
            synch=pruner.option("synch"),
            hyperparam_mutations=pbt_mutations(self.config.space, mutable_parameters(self.config)),
            custom_explore_fn=InBounds(self.config.space),
        )

    def stopper(self) -> Stopper | None:
        return None if self.timeout is None else _TrialTimeout(self)

    def callback(self) -> Callback:
        return _LedgerCallback(self)

    # -- what they do ---------------------------------------------------------------------
    def suggest(self, trial_id: str) -> dict[str, Any] | str | None:
        out_of_time = self.deadline is not None and time.monotonic() >= self.deadline
        if self.fatal is not None or out_of_time:
            return Searcher.FINISHED
        self.reconcile()
        job = self.driver.start_trial()
        if job is None:  # a running trial may still fail and be owed a retry
            return None if self.driver.running else Searcher.FINISHED
        self.numbers[trial_id] = job.number
        self.started[job.number] = time.monotonic()
        return job_config(job)

    def reconcile(self) -> None:
        """Record trials Tune ended without telling the callback (a failed worker reset, a
        restart of a paused PBT trial), so the sweep never waits for them."""
        for trial_id, trial in list(self.tune_trials.items()):
            if trial_id not in self.numbers:
                self.tune_trials.pop(trial_id)
            elif trial.status == "ERROR":
                self.on_end(trial, _error_of(trial))
            elif trial.status == "TERMINATED":
                self.on_end(trial)

    def on_result(self, trial: Any, result: dict[str, Any]) -> None:
        number = self.numbers.get(trial.trial_id)
        if number is None:
            return
        if STATE_KEY in result:
            self.finals[number] = dict(result)
        elif STEP_KEY in result and VALUE_KEY in result:
            self.driver.report(number, int(result[STEP_KEY]), float(result[VALUE_KEY]))
        if self.pbt:
            self._follow_schedule(number, trial.config, result.get(STEP_KEY))

    def _follow_schedule(self, number: int, config: dict[str, Any], step: Any) -> None:
        params = {k: v for k, v in config.items() if k != JOB_KEY}
        schedule = self.schedules.setdefault(number, [])
        if not schedule or schedule[-1]["params"] != params:
            schedule.append({"step": step, "params": params})

    def verdict(self, trial: Any, result: dict[str, Any]) -> str:
        number = self.numbers.get(trial.trial_id)
        if number is None or STEP_KEY not in result or STATE_KEY in result:
            return TrialScheduler.CONTINUE
        self.driver.report(number, int(result[STEP_KEY]), float(result[VALUE_KEY]))
        if self.driver.should_prune(number):
            self.reasons[number] = "pruned"
            return TrialScheduler.STOP
        return TrialScheduler.CONTINUE

    def past_timeout(self, trial_id: str) -> bool:
        number = self.numbers.get(trial_id)
        if number is None or self.timeout is None:
            return False
        if time.monotonic() - self.started[number] >= self.timeout:
            self.reasons[number] = "timeout"
            return True
        return False

    def on_end(self, trial: Any, error: BaseException | None = None) -> None:
        number = self.numbers.pop(trial.trial_id, None)
        if number is None:
            return
        outcome = self._outcome(number, error)
        schedule = self.schedules.pop(number, None)
        entry = self.driver.running.get(number)
        if schedule and entry is not None:
            entry.trial.set_user_attr(PBT_SCHEDULE_ATTR, schedule)
        self.driver.finish(number, outcome, worker=str(getattr(trial, "node_ip", "") or ""))

    def _outcome(self, number: int, error: BaseException | None) -> Outcome:
        reason = self.reasons.pop(number, None)
        final = self.finals.pop(number, None) or {}
        seconds = time.monotonic() - self.started.pop(number)
        timed_out = self.timeout is not None and seconds >= self.timeout
        if reason == "timeout" or (error is not None and timed_out):
            assert self.timeout is not None
            error_text = f"timed out after {self.timeout:g}s (process tree killed)"
            return Outcome(TrialState.FAILED, error=error_text, duration_s=seconds)
        if reason == "pruned":
            reported = self.driver.running[number].reported
            last = max(reported) if reported else None
            return Outcome(TrialState.PRUNED, duration_s=seconds, last_step=last)
        if final:
            if final.get(FATAL_KEY):
                message = f"the objective could not be built on Ray Tune: {final[ERROR_KEY]}"
                self.fatal = ObjectiveError(message)
            state = TrialState.parse(str(final[STATE_KEY]))
            metrics = {k: float(v) for k, v in dict(final.get(METRICS_KEY) or {}).items()}
            return Outcome(
                state,
                metrics=metrics,
                error=str(final.get(ERROR_KEY) or ""),
                traceback=str(final.get(TRACE_KEY) or ""),
                duration_s=seconds,
                last_step=_step(final),
            )
        text = STOPPED if error is None else f"worker died: {_first_line(error)}"
        return Outcome(TrialState.FAILED, error=text, duration_s=seconds)


class _Detached:
    """What a pickled :class:`TuneBridge` becomes (it holds the study and open files)."""


def _step(result: dict[str, Any]) -> int | None:
    step = result.get(STEP_KEY)
    return None if step is None or (isinstance(step, float) and math.isnan(step)) else int(step)


def _first_line(error: BaseException) -> str:
    lines = [ln.strip() for ln in str(error).splitlines() if ln.strip()]
    found = next((ln for ln in lines if "Error" in ln or "died" in ln), None)
    return (found or (lines[0] if lines else type(error).__name__))[:300]


class _StrategySearcher(Searcher):
    """Tune's search algorithm: hpsearch's strategy (and its retries) choose every config."""

    def __init__(self, bridge: TuneBridge) -> None:
        super().__init__()
        self.bridge = bridge

    def set_search_properties(self, metric: Any, mode: Any, config: Any, **spec: Any) -> bool:
        return True

    # Tune also takes the string Searcher.FINISHED, which its annotation leaves out
    def suggest(self, trial_id: str) -> dict[str, Any] | str | None:  # type: ignore[override]
        return self.bridge.suggest(trial_id)

    def on_trial_complete(self, trial_id: str, result: Any = None, error: bool = False) -> None:
        """Nothing: the ledger callback records the trial (it sees the error text)."""

    def save(self, checkpoint_path: str) -> None:
        """Nothing: the study is the searcher's state (a resumed sweep reads it back)."""

    def restore(self, checkpoint_path: str) -> None:
        """Nothing: see :meth:`save`."""


class _PrunerScheduler(FIFOScheduler):
    """Tune's scheduler: hpsearch's pruner, with the same verdicts as under the driver."""

    def __init__(self, bridge: TuneBridge) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # Ray's FIFOScheduler is untyped
        self.bridge = bridge

    def on_trial_result(self, tune_controller: Any, trial: Any, result: dict[str, Any]) -> str:
        return self.bridge.verdict(trial, result)


class _PBT(PopulationBasedTraining):
    """Tune's PBT, with hpsearch's strategy choosing the first population and each trial
    keeping its own number and folders when it copies another's checkpoint."""

    def on_trial_add(self, tune_controller: Any, trial: Any) -> None:
        # PBT refuses a searcher only so that it is not told results of mutated configs; ours
        # proposes the starting population and is told each trial's final result
        super().on_trial_add(_WithoutSearcher(tune_controller), trial)  # type: ignore[arg-type]

    def _get_new_config(
        self, trial: Any, trial_to_clone: Any
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        config, operations = super()._get_new_config(trial, trial_to_clone)
        config[JOB_KEY] = trial.config[JOB_KEY]
        return config, operations


class _WithoutSearcher:
    search_alg = None

    def __init__(self, controller: Any) -> None:
        self._controller = controller

    def __getattr__(self, name: str) -> Any:
        return getattr(self._controller, name)


class _TrialTimeout(Stopper):
    """``budget.trial_timeout`` for trials that report (the watchdog kills the others)."""

    def __init__(self, bridge: TuneBridge) -> None:
        self.bridge = bridge

    def __call__(self, trial_id: str, result: dict[str, Any]) -> bool:
        return self.bridge.past_timeout(trial_id)

    def stop_all(self) -> bool:
        return False


class _LedgerCallback(Callback):
    """Writes each intermediate value and each finished trial into the study as it arrives."""

    def __init__(self, bridge: TuneBridge) -> None:
        self.bridge = bridge
        self.next_output = time.monotonic() + OUTPUT_INTERVAL_S

    def on_trial_start(self, iteration: int, trials: Any, trial: Any, **info: Any) -> None:
        number = self.bridge.numbers.get(trial.trial_id)
        if number is not None:  # the trial's clock starts when Tune starts it
            self.bridge.started[number] = time.monotonic()
            self.bridge.tune_trials[trial.trial_id] = trial

    def on_trial_result(
        self, iteration: int, trials: Any, trial: Any, result: Any, **info: Any
    ) -> None:
        self.bridge.on_result(trial, result)

    def on_trial_complete(self, iteration: int, trials: Any, trial: Any, **info: Any) -> None:
        self.bridge.on_end(trial)

    def on_step_end(self, iteration: int, trials: Any, **info: Any) -> None:
        self.bridge.reconcile()
        if time.monotonic() >= self.next_output:  # trials.csv and best.yaml kept current
            self.bridge.driver.write_outputs()
            self.next_output = time.monotonic() + OUTPUT_INTERVAL_S

    def on_trial_error(self, iteration: int, trials: Any, trial: Any, **info: Any) -> None:
        self.bridge.on_end(trial, _error_of(trial))


def _error_of(trial: Any) -> BaseException:
    try:
        error = trial.get_error()
    except OSError:
        error = None
    return error or RuntimeError("the Tune trial errored")
