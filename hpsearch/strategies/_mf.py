"""The ``mf`` strategy: multi-fidelity search run by the sweep driver.

Each job of :class:`~._multifidelity.MultiFidelitySearch` (a configuration, trained up to a
rung's resource) is one trial of the study, with user attrs naming its configuration, rung
and target resource. The trial runs until it reports a step at or past the target
(:meth:`MultiFidelityStrategy.verdict` then stops it: it ends PRUNED, paused at that rung), or
until it returns (COMPLETE: its value counts at the last step it reported, or at the full
resource when it reported none). Every segment of a configuration shares the checkpoint folder
of its first trial, so an objective that saves its state there continues instead of
restarting. Nothing else is stored: :meth:`attach` rebuilds the search from the study.

Example:
    >>> from hpsearch import load_space
    >>> config = load_space({"strategy": {"name": "mf", "seed": 0,
    ...                                   "fidelity": {"min": 1, "max": 9}},
    ...                      "parameters": {"x": {"type": "float", "low": 0, "high": 1}}})
    >>> from hpsearch.strategies import make_strategy
    >>> s = make_strategy(config)
    >>> sug = s.ask()
    >>> s.job(sug.number).resource, s.verdict(sug.number, 1)
    (1, True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import optuna
from optuna.samplers import BaseSampler

from hpsearch.config import Option, Schema, SweepConfig
from hpsearch.errors import ConfigError
from hpsearch.strategies._base import Strategy, Suggestion
from hpsearch.strategies._fidelity import Fidelity, check_fidelity, read_fidelity
from hpsearch.strategies._multifidelity import Job, MultiFidelitySearch, Result
from hpsearch.strategies._optuna_space import SpaceRandomSampler, suggest
from hpsearch.trial import NEEDS_RETRY_ATTR, RETRY_OF_ATTR, TrialState

if TYPE_CHECKING:
    from optuna.study import Study
    from optuna.trial import FrozenTrial

__all__ = ["JOB_ATTRS", "MultiFidelityStrategy"]

CONFIG_ATTR, RUNG_ATTR = "hpsearch:mf_config", "hpsearch:mf_rung"
RESOURCE_ATTR, FROM_ATTR = "hpsearch:mf_resource", "hpsearch:mf_resume_from"
JOB_ATTRS = (CONFIG_ATTR, RUNG_ATTR, RESOURCE_ATTR, FROM_ATTR)
_TOL = 1e-9


class MultiFidelityStrategy(Strategy):
    """Asynchronous successive-halving promotions with a TPE over every rung's results.

    Options:
        fidelity: ``{resource: epochs|step, min: 1, max: N, eta: 3}`` (required).
        model: ``ladder`` (one TPE over every configuration ranked by the rung it reached,
            default) or ``rungs`` (a TPE per rung, weighted by rank agreement).
        random_fraction: Share of new configurations drawn at random (default 0.1).
        n_startup: Random configurations before the model proposes (default ``max(6, d+2)``).
    """

    name = "mf"
    multi_objective = False
    needs_driver = True
    schema = Schema(
        {
            "fidelity": Option("mapping", help="{resource, min, max, eta}"),
            "model": Option.one_of(("ladder", "rungs"), "ladder", help="the proposal model"),
            "random_fraction": Option.number(0.1, low=0, high=1, help="share drawn at random"),
            "n_startup": Option.integer(low=0, help="random configurations first"),
        }
    )

    def __init__(self, space: Any, **kwargs: Any) -> None:
        super().__init__(space, **kwargs)
        self.fidelity: Fidelity = read_fidelity(self.option("fidelity"))
        self._jobs: dict[int, Job] = {}  # trial number -> its job
        self._lineage: dict[int, int] = {}  # configuration -> its first trial
        self._last: dict[int, tuple[int, float]] = {}  # trial number -> last (step, value)
        self.search = self._new_search()

    @classmethod
    def check(cls, config: SweepConfig) -> None:
        super().check(config)
        fidelity = read_fidelity(config.strategy.options.get("fidelity"))
        if config.pruner is not None and config.pruner.type != "none":
            raise ConfigError(
                "the mf strategy stops trials at its rungs itself; remove the pruner block",
                path="pruner",
            )
        check_fidelity(config, fidelity)

    def _build_sampler(self, seed: int) -> BaseSampler:
        return SpaceRandomSampler(self.space, seed=seed)  # every job's params are enqueued

    def _settings(self) -> dict[str, Any]:
        f = self.fidelity
        return {
            "min_resource": f.min,
            "max_resource": f.max,
            "eta": f.eta,
            "integer": f.integer,
            "seed": self._seed,
            "direction": self.directions[0],
            "model": self.option("model"),
            "random_fraction": self.option("random_fraction"),
            "n_startup": self.option("n_startup"),
        }

    def _new_search(
        self, results: Sequence[Result] = (), running: Sequence[Job] = ()
    ) -> MultiFidelitySearch:
        return MultiFidelitySearch.rebuild(self.space, results, running, **self._settings())

    # -- the driver's side -----------------------------------------------------------------
    def job(self, number: int) -> Job:
        """The job trial ``number`` runs."""
        return self._jobs[number]

    def ask(self) -> Suggestion:
        """The next job as a trial: a retry queued by the driver, a promotion or a new config."""
        study = self._study()
        waiting = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.WAITING,))
        if waiting:
            trial = study.ask()
            job = self._waiting_job(trial)
        else:
            job = self.search.next_job()
            study.enqueue_trial(self.space.encode(job.params), user_attrs=_attrs(job))
            trial = study.ask()
        params = suggest(trial, self.space)
        self._jobs[trial.number] = job
        self._lineage.setdefault(job.config_id, trial.number)
        self._pending[trial.number] = trial
        return Suggestion(trial.number, params, trial, lineage=self._lineage[job.config_id])

    def _waiting_job(self, trial: optuna.Trial) -> Job:
        """The job of a WAITING trial: its own attrs, the attrs of the trial it retries, or
        (enqueued by hand) a new configuration at the lowest rung."""
        attrs = trial.user_attrs
        job = _job_from(attrs, self.space.decode(trial.params))
        retry_of = attrs.get(RETRY_OF_ATTR)
        if job is None and retry_of is not None and int(retry_of) in self._jobs:
            job = self._jobs[int(retry_of)]
            for key, value in _attrs(job).items():
                trial.set_user_attr(key, value)
        if job is None:
            job = self.search.start(self.space.decode(trial.params))
            for key, value in _attrs(job).items():
                trial.set_user_attr(key, value)
        self.search.resume(job)
        return job

    def reported(self, number: int, step: int, value: float) -> None:
        self._last[number] = (int(step), float(value))

    def verdict(self, number: int, step: int) -> bool | None:
        job = self._jobs.get(number)
        if job is None:
            return None
        if job.rung == len(self.search.levels) - 1:
            return False  # the full resource: the trial ends by itself (COMPLETE)
        return step >= job.resource * (1 - _TOL)

    def tell(
        self,
        suggestion: Suggestion | int,
        values: float | Sequence[float] | None = None,
        *,
        state: TrialState | str = TrialState.COMPLETE,
    ) -> None:
        number = suggestion.number if isinstance(suggestion, Suggestion) else int(suggestion)
        trial = self._pending.get(number)
        retry = bool(trial is not None and trial.user_attrs.get(NEEDS_RETRY_ATTR))
        super().tell(number, values, state=state)
        job = self._jobs.get(number)
        if job is None:
            return
        final = TrialState.parse(state)
        last = self._last.pop(number, None)
        if final is TrialState.COMPLETE:
            value = values if isinstance(values, (int, float)) else next(iter(values or [math.nan]))
            resource = last[0] if last is not None else self.fidelity.max
            self.search.record(job.config_id, resource, float(value))
        elif final is TrialState.PRUNED and last is not None:
            self.search.record(job.config_id, last[0], last[1])
        elif not retry:  # failed for good (or stopped before any report)
            self.search.fail(job.config_id)

    # -- resume --------------------------------------------------------------------------------
    def attach(self, study: Study) -> Strategy:
        """Bind to ``study`` and rebuild the search from its trials (see the module doc)."""
        super().attach(study)
        trials = sorted(study.get_trials(deepcopy=False), key=lambda t: t.number)
        retried = {t.user_attrs.get(RETRY_OF_ATTR) for t in trials}
        results: list[Result] = []
        running: dict[int, Job] = {}
        for t in trials:
            job = _job_from(t.user_attrs, self.space.decode(t.params))
            if job is None:
                continue
            self._jobs[t.number] = job
            self._lineage.setdefault(job.config_id, t.number)
            if t.number in retried:
                continue
            result = self._result(t, job)
            if result is None:
                running[job.config_id] = job  # to run (again): keep its promotion
            else:
                results.append(result)
        self.search = self._new_search(results, list(running.values()))
        return self

    def _result(self, t: FrozenTrial, job: Job) -> Result | None:
        """What a stored segment says (``None``: it is running or will be retried)."""
        steps = t.intermediate_values
        state = t.state
        if state == optuna.trial.TrialState.COMPLETE and t.values:
            resource = max(steps) if steps else self.fidelity.max
            return Result(job.config_id, job.params, resource, t.values[0])
        if state == optuna.trial.TrialState.PRUNED and steps:
            step = max(steps)
            return Result(job.config_id, job.params, step, steps[step])
        if state == optuna.trial.TrialState.FAIL and not t.user_attrs.get(NEEDS_RETRY_ATTR):
            return Result(job.config_id, job.params, job.resource, None)
        if state == optuna.trial.TrialState.PRUNED:
            return Result(job.config_id, job.params, job.resource, None)
        return None

    def rung_table(self) -> list[dict[str, Any]]:
        """Per rung: resource, configurations recorded and promoted, best value."""
        return self.search.rung_table()


def _attrs(job: Job) -> dict[str, Any]:
    return {
        CONFIG_ATTR: job.config_id,
        RUNG_ATTR: job.rung,
        RESOURCE_ATTR: job.resource,
        FROM_ATTR: job.resume_from,
    }


def _job_from(attrs: Any, params: dict[str, Any]) -> Job | None:
    if CONFIG_ATTR not in attrs:
        return None
    return Job(
        int(attrs[CONFIG_ATTR]),
        params,
        attrs[RESOURCE_ATTR],
        attrs.get(FROM_ATTR),
        int(attrs[RUNG_ATTR]),
    )
