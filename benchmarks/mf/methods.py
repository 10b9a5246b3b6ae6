"""The methods compared, each with its own defaults, behind one small interface.

``next() -> Work | None`` gives a free worker something to train; ``done(work, value) ->
Work | None`` reports the value at ``work.end`` and may continue the same trial on the same
worker (stopping-type methods train one unit at a time and ask their pruner after each).
Values are minimized. Every method is told the resource range (``min_resource``,
``max_resource``); everything else is the package's default.

- ``mf``: hpsearch's multi-fidelity core (the adapter is :class:`HpsearchMF`, the one place
  the benchmark touches it).
- ``random``: random search, every configuration trained fully (the zero point).
- ``optuna_hyperband`` / ``optuna_sha``: Optuna's TPESampler with HyperbandPruner /
  SuccessiveHalvingPruner (stopping type: a trial keeps training until pruned).
- ``ray_asha``: Ray Tune's ``ASHAScheduler`` (stopping type) on random configurations, its
  scheduler code driven directly (no Ray processes: the harness is the trial runner).
- ``smac_mf``: SMAC3's ``MultiFidelityFacade`` (random forest + Hyperband), ask/tell.
- ``dehb``: DEHB (differential evolution + Hyperband), ask/tell.
- ``syne_bohb``: Syne Tune's BOHB (asynchronous successive halving + KDE searcher).
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import tempfile
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.mf.harness import Work
from hpsearch.space import Categorical, Float, Int, Space
from hpsearch.strategies import suggest

__all__ = ["METHODS", "OPTIONAL"]


class RandomFull:
    """Random configurations, each trained to the full resource."""

    def __init__(self, space: Space, task: Any, *, seed: int) -> None:
        self.space, self.R = space, task.max_resource
        self.rng = np.random.default_rng(seed)

    def next(self) -> Work:
        return Work(self.space.sample(self.rng), 0, self.R)

    def done(self, work: Work, value: float) -> None:
        return None


class HpsearchMF:
    """hpsearch's multi-fidelity core through its own ask/tell API (the one adapter)."""

    def __init__(self, space: Space, task: Any, *, seed: int, **options: Any) -> None:
        from hpsearch.strategies._multifidelity import MultiFidelitySearch

        self.search = MultiFidelitySearch(
            space,
            min_resource=task.min_resource,
            max_resource=task.max_resource,
            seed=np.random.default_rng(seed),
            **options,
        )

    def next(self) -> Work:
        job = self.search.next_job()
        return Work(job.params, job.resume_from or 0, job.resource, tag=job)

    def done(self, work: Work, value: float) -> None:
        job = work.tag
        if math.isfinite(value):
            self.search.record(job.config_id, job.resource, value)
        else:
            self.search.fail(job.config_id)
        return None


class OptunaPruned:
    """Optuna TPE (defaults) with a pruner; each trial reports every unit."""

    def __init__(self, space: Space, task: Any, *, seed: int, pruner: str) -> None:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.space, self.R = space, task.max_resource
        if pruner == "hyperband":
            made = optuna.pruners.HyperbandPruner(
                min_resource=task.min_resource, max_resource=task.max_resource
            )
        else:
            made = optuna.pruners.SuccessiveHalvingPruner(min_resource=task.min_resource)
        self.study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed), pruner=made)

    def next(self) -> Work:
        trial = self.study.ask()
        return Work(suggest(trial, self.space), 0, 1, tag=trial)

    def done(self, work: Work, value: float) -> Work | None:
        import optuna

        trial = work.tag
        if not math.isfinite(value):
            self.study.tell(trial, state=optuna.trial.TrialState.FAIL)
            return None
        trial.report(value, work.end)
        if work.end >= self.R:
            self.study.tell(trial, value)
            return None
        if trial.should_prune():
            self.study.tell(trial, state=optuna.trial.TrialState.PRUNED)
            return None
        return Work(work.params, work.end, work.end + 1, tag=trial, key=work.key)


class _TuneTrial:
    def __init__(self, trial_id: str) -> None:
        self.trial_id = trial_id


class RayASHA:
    """Ray Tune's ASHAScheduler with its defaults on random configurations."""

    def __init__(self, space: Space, task: Any, *, seed: int) -> None:
        from ray.tune.schedulers import ASHAScheduler

        self.space, self.R = space, task.max_resource
        self.rng = np.random.default_rng(seed)
        self.scheduler = ASHAScheduler(
            time_attr="training_iteration",
            metric="loss",
            mode="min",
            max_t=task.max_resource,
            grace_period=task.min_resource,
        )
        self.count = 0

    def next(self) -> Work:
        trial = _TuneTrial(str(self.count))
        self.count += 1
        self.scheduler.on_trial_add(None, trial)
        return Work(self.space.sample(self.rng), 0, 1, tag=trial)

    def done(self, work: Work, value: float) -> Work | None:
        trial = work.tag
        if not math.isfinite(value):
            self.scheduler.on_trial_remove(None, trial)
            return None
        result = {"training_iteration": work.end, "loss": value}
        action = self.scheduler.on_trial_result(None, trial, result)
        if action == "STOP" or work.end >= self.R:
            self.scheduler.on_trial_complete(None, trial, result)
            return None
        return Work(work.params, work.end, work.end + 1, tag=trial, key=work.key)


# -- ConfigSpace for SMAC3 and DEHB ---------------------------------------------------------
def to_configspace(space: Space, seed: int) -> tuple[Any, Callable[[Any], dict[str, Any]]]:
    """A ConfigSpace for ``space`` and a function turning its configurations into params.

    Categorical choices are named by index (``"0"``, ``"1"``...) since ConfigSpace wants
    plain values; conditions become ``InCondition``.
    """
    import ConfigSpace as CS

    cs = CS.ConfigurationSpace(seed=seed)
    hps: dict[str, Any] = {}
    for dim in space.searched:
        if isinstance(dim, Float):
            hp = CS.UniformFloatHyperparameter(dim.name, dim.low, dim.high, log=dim.log)
        elif isinstance(dim, Int):
            hp = CS.UniformIntegerHyperparameter(dim.name, dim.low, dim.high, log=dim.log)
        else:
            hp = CS.CategoricalHyperparameter(dim.name, [str(i) for i in range(len(dim.choices))])
        hps[dim.name] = hp
        cs.add(hp)
    for dim in space.searched:
        for cond in dim.when:
            parent = space[cond.parent]
            values = [str(parent.index(v)) for v in cond.values]
            cs.add(CS.InCondition(hps[dim.name], hps[cond.parent], values))

    def decode(config: Any) -> dict[str, Any]:
        raw = dict(config)
        params: dict[str, Any] = {}
        for dim in space.parameters:
            if not space.is_active(dim, params):
                continue
            if dim.name not in raw:
                params[dim.name] = dim.grid_values()[0]  # a constant
            elif isinstance(dim, Categorical):
                params[dim.name] = dim.choices[int(raw[dim.name])]
            elif isinstance(dim, Int):
                params[dim.name] = int(raw[dim.name])
            else:
                params[dim.name] = float(raw[dim.name])
        return params

    return cs, decode


class SmacMF:
    """SMAC3's MultiFidelityFacade (Hyperband intensifier, random forest), ask/tell."""

    def __init__(self, space: Space, task: Any, *, seed: int) -> None:
        from smac import MultiFidelityFacade, Scenario

        logging.getLogger("smac").setLevel(logging.ERROR)
        cs, self.decode = to_configspace(space, seed)
        self.tmp = tempfile.TemporaryDirectory()
        scenario = Scenario(
            cs,
            deterministic=True,
            n_trials=100_000,
            min_budget=task.min_resource,
            max_budget=task.max_resource,
            seed=seed,
            output_directory=self.tmp.name,
        )
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.smac = MultiFidelityFacade(
                scenario, lambda config, seed=0, budget=None: 0.0, overwrite=True, logging_level=40
            )

    def next(self) -> Work:
        info = self.smac.ask()
        return Work(self.decode(info.config), 0, max(1, round(info.budget)), tag=info)

    def done(self, work: Work, value: float) -> None:
        from smac.runhistory.dataclasses import TrialValue

        cost = value if math.isfinite(value) else 1e9
        self.smac.tell(work.tag, TrialValue(cost=cost))
        return None


class Dehb:
    """DEHB with its defaults, ask/tell."""

    def __init__(self, space: Space, task: Any, *, seed: int) -> None:
        from dehb import DEHB

        with contextlib.suppress(Exception):
            from loguru import logger

            logger.remove()
        cs, self.decode = to_configspace(space, seed)
        self.tmp = tempfile.TemporaryDirectory()
        self.dehb = DEHB(
            cs=cs,
            dimensions=len(cs),
            min_fidelity=task.min_resource,
            max_fidelity=task.max_resource,
            n_workers=1,
            output_path=self.tmp.name,
            seed=seed,
            save_freq=None,
        )

    def next(self) -> Work:
        job = self.dehb.ask()
        config = job["config"]  # a Configuration (DEHB's configspace mode)
        return Work(self.decode(config), 0, max(1, round(job["fidelity"])), tag=job)

    def done(self, work: Work, value: float) -> None:
        fitness = value if math.isfinite(value) else 1e9
        self.dehb.tell(work.tag, {"fitness": fitness, "cost": float(work.end)})
        return None


class SyneBOHB:
    """Syne Tune's BOHB: asynchronous successive halving (stopping) with a KDE searcher."""

    def __init__(self, space: Space, task: Any, *, seed: int) -> None:
        from syne_tune.optimizer.baselines import BOHB

        logging.getLogger("syne_tune").setLevel(logging.ERROR)
        self.space, self.R = space, task.max_resource
        self.cs, self.decode = _syne_space(space)
        self.scheduler = BOHB(
            self.cs,
            metric="loss",
            time_attr="epoch",
            max_t=task.max_resource,
            grace_period=task.min_resource,
            random_seed=seed,
        )
        self.count = 0

    def next(self) -> Work | None:
        from syne_tune.backend.trial_status import Trial

        suggestion = self.scheduler.suggest()
        if suggestion is None:
            return None
        trial = Trial(trial_id=self.count, config=suggestion.config, creation_time=None)
        self.count += 1
        self.scheduler.on_trial_add(trial)
        return Work(self.decode(suggestion.config), 0, 1, tag=trial)

    def done(self, work: Work, value: float) -> Work | None:
        trial = work.tag
        value = value if math.isfinite(value) else 1e9
        result = {"epoch": work.end, "loss": value}
        action = self.scheduler.on_trial_result(trial, result)
        if action == "STOP" or work.end >= self.R:
            self.scheduler.on_trial_complete(trial, result)
            return None
        return Work(work.params, work.end, work.end + 1, tag=trial, key=work.key)


def _syne_space(space: Space) -> tuple[dict[str, Any], Callable[[Any], dict[str, Any]]]:
    """Syne Tune domains (conditions dropped: inactive values are ignored when decoding)."""
    from syne_tune import config_space as st

    domains: dict[str, Any] = {}
    for dim in space.searched:
        if isinstance(dim, Float):
            domains[dim.name] = (st.loguniform if dim.log else st.uniform)(dim.low, dim.high)
        elif isinstance(dim, Int):
            domains[dim.name] = (st.lograndint if dim.log else st.randint)(dim.low, dim.high)
        else:
            domains[dim.name] = st.choice([str(i) for i in range(len(dim.choices))])

    def decode(config: Any) -> dict[str, Any]:
        params: dict[str, Any] = {}
        for dim in space.parameters:
            if not space.is_active(dim, params):
                continue
            if dim.name not in config:
                params[dim.name] = dim.grid_values()[0]
            elif isinstance(dim, Categorical):
                params[dim.name] = dim.choices[int(config[dim.name])]
            elif isinstance(dim, Int):
                params[dim.name] = int(config[dim.name])
            else:
                params[dim.name] = float(config[dim.name])
        return params

    return domains, decode


METHODS: dict[str, Callable[..., Any]] = {
    "mf": HpsearchMF,
    # design variants, compared on the dev tasks only (see DESIGN.md)
    "mf_rungs": lambda s, t, *, seed: HpsearchMF(s, t, seed=seed, model="rungs"),
    "mf_explore": lambda s, t, *, seed: HpsearchMF(s, t, seed=seed, random_fraction=0.3),
    "mf_random": lambda s, t, *, seed: HpsearchMF(s, t, seed=seed, random_fraction=1.0),
    "random": RandomFull,
    "optuna_hyperband": lambda s, t, *, seed: OptunaPruned(s, t, seed=seed, pruner="hyperband"),
    "optuna_sha": lambda s, t, *, seed: OptunaPruned(s, t, seed=seed, pruner="sha"),
    "ray_asha": RayASHA,
    "smac_mf": SmacMF,
    "dehb": Dehb,
    "syne_bohb": SyneBOHB,
}
#: Methods whose package may be missing: reported as "not installed", not an error.
OPTIONAL = {"ray_asha": "ray", "smac_mf": "smac", "dehb": "dehb", "syne_bohb": "syne_tune"}
