"""The methods compared: hpsearch's strategies and the optimizers a user would pick instead.

Every method is a :class:`Method`: ``run(problem, seed, n_trials, workers) -> (values, times)``
(values in order of completion, ``nan`` for a failed trial; simulated finish times, see
:mod:`.simulate`). All call ``problem.evaluate``, so all see the same objective. Peers run at
their documented defaults (seeded); :data:`NOTES` says where a peer needed anything more.

- ``hpsearch:<strategy>``: :func:`hpsearch.strategies.make_strategy` driven by ask/tell with
  ``budget`` = the run's trial count and ``workers`` (running trials stay pending).
- ``optuna:tpe`` / ``optuna:gp`` / ``optuna:cmaes``: Optuna's ``TPESampler`` (its default
  ``constant_liar=True`` handles running trials), ``GPSampler``, ``CmaEsSampler``, ask/tell.
- ``skopt:gp_minimize``: scikit-optimize's ``gp_minimize``, defaults (its acquisition
  optimizer too); sequential only.
- ``sklearn:random``: ``RandomizedSearchCV`` / ``ParameterSampler``; sequential only.
- ``hyperopt:tpe``, ``smac:hpo``, ``smac:bb``, ``hebo``: see :mod:`.peers`.

Example:
    >>> from benchmarks.quality.problems import get_problem
    >>> values, times = run_method("hpsearch:random", get_problem("branin"), seed=0, n_trials=3)
    >>> len(values), times == sorted(times)
    (3, True)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.quality import peers
from benchmarks.quality.problems import Problem
from benchmarks.quality.simulate import Run, drive, safe, timed

__all__ = ["HPSEARCH_STRATEGIES", "METHODS", "NOTES", "RANDOM_BASELINE", "Method", "run_method"]

HPSEARCH_STRATEGIES = ("bayes", "tpe", "gp", "skopt", "random", "sobol")
#: The method whose mean best value is the 0 of the normalized score.
RANDOM_BASELINE = "hpsearch:random"


@dataclass(frozen=True)
class Method:
    """One method: ``run(problem, seed, n_trials, workers)``; ``parallel``: it can run with
    several workers (else only ``workers == 1``)."""

    run: Callable[[Problem, int, int, int], Run]
    parallel: bool = True


def space_of(problem: Problem) -> Any:
    import hpsearch

    return hpsearch.load_space(problem.space_dict).space


# -- hpsearch ------------------------------------------------------------------------------
class _Strategy:
    def __init__(self, problem: Problem, strategy: str, seed: int, n: int, workers: int) -> None:
        import hpsearch
        from hpsearch.strategies import make_strategy

        config = hpsearch.load_space(problem.space_dict)
        self.s = make_strategy(config, name=strategy, seed=seed, budget=n, workers=workers)

    def ask(self) -> tuple[Any, dict[str, Any]]:
        suggestion = self.s.ask()
        return suggestion, suggestion.params

    def tell(self, token: Any, value: float) -> None:
        if math.isnan(value):
            self.s.tell(token, state="FAILED")
        else:
            self.s.tell(token, value)


def _hpsearch(strategy: str) -> Method:
    def run(problem: Problem, seed: int, n_trials: int, workers: int = 1) -> Run:
        return drive(
            lambda w: _Strategy(problem, strategy, seed, n_trials, w), problem, n_trials, workers
        )

    return Method(run)


# -- Optuna --------------------------------------------------------------------------------
class _Optuna:
    def __init__(self, problem: Problem, kind: str, seed: int) -> None:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.space = space_of(problem)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sampler = {
                "tpe": optuna.samplers.TPESampler,
                "gp": optuna.samplers.GPSampler,
                "cmaes": optuna.samplers.CmaEsSampler,
            }[kind](seed=seed)
            self.study = optuna.create_study(sampler=sampler)

    def ask(self) -> tuple[Any, dict[str, Any]]:
        from hpsearch.strategies import suggest

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            trial = self.study.ask()
            return trial, suggest(trial, self.space)

    def tell(self, token: Any, value: float) -> None:
        import optuna

        if math.isnan(value):
            self.study.tell(token, state=optuna.trial.TrialState.FAIL)
        else:
            self.study.tell(token, value)


def _optuna(kind: str) -> Method:
    def run(problem: Problem, seed: int, n_trials: int, workers: int = 1) -> Run:
        return drive(lambda w: _Optuna(problem, kind, seed), problem, n_trials, workers)

    return Method(run)


# -- scikit-optimize -----------------------------------------------------------------------
def skopt_gp_minimize(problem: Problem, seed: int, n_trials: int, workers: int = 1) -> Run:
    from skopt import gp_minimize

    dims, spec = peers.skopt_dimensions(problem)
    pairs: list[tuple[dict[str, Any], float]] = []

    def objective(x: list[Any]) -> float:
        params = peers.active(problem, {d.name: v for d, v in zip(spec, x)})
        value = safe(problem, params)
        pairs.append((params, value))
        # gp_minimize cannot skip a failed point: tell it the worst value seen so far.
        seen = [v for _, v in pairs if not math.isnan(v)]
        return value if not math.isnan(value) else (max(seen) if seen else 1e12)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gp_minimize(objective, dims, n_calls=n_trials, random_state=seed)
    return timed(pairs)


# -- scikit-learn random search ------------------------------------------------------------
def sklearn_random(problem: Problem, seed: int, n_trials: int, workers: int = 1) -> Run:
    from sklearn.model_selection import ParameterSampler, RandomizedSearchCV

    dists = peers.param_distributions(problem)
    if problem.sklearn is None:
        sampler = ParameterSampler(dists, n_iter=n_trials, random_state=seed)
        points = [peers.active(problem, dict(p)) for p in sampler]
        return timed([(p, safe(problem, p)) for p in points])
    estimator, x, y, cv, scoring = problem.sklearn()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search = RandomizedSearchCV(
            estimator,
            dists,
            n_iter=n_trials,
            cv=cv,
            scoring=scoring,
            refit=False,
            random_state=seed,
            n_jobs=1,
            error_score=np.nan,
        )
        search.fit(x, y)
    scores = np.asarray(search.cv_results_["mean_test_score"], dtype=float)
    params = [dict(p) for p in search.cv_results_["params"]]
    return timed([(p, -float(s) if math.isfinite(s) else math.nan) for p, s in zip(params, scores)])


METHODS: dict[str, Method] = {
    **{f"hpsearch:{name}": _hpsearch(name) for name in HPSEARCH_STRATEGIES},
    "optuna:tpe": _optuna("tpe"),
    "optuna:gp": _optuna("gp"),
    "optuna:cmaes": _optuna("cmaes"),
    "skopt:gp_minimize": Method(skopt_gp_minimize, parallel=False),
    "sklearn:random": Method(sklearn_random, parallel=False),
    "hyperopt:tpe": Method(peers.hyperopt_tpe, parallel=False),
    "smac:hpo": Method(peers.smac_method("hpo")),
    "smac:bb": Method(peers.smac_method("bb")),
    "hebo": Method(peers.hebo_method),
}

#: What each peer needed beyond its defaults, and why (shown in the results header).
NOTES: dict[str, str] = {
    "optuna:cmaes": "categorical parameters are drawn by its default independent (random) "
    "sampler, as CMA-ES has no categoricals",
    "skopt:gp_minimize": "no conditions in scikit-optimize: it searches every parameter, the "
    "objective gets the active ones; a failed trial is told the worst value seen",
    "hyperopt:tpe": "conditions as `hp.choice` over the parent's branches (hyperopt's own way)",
    "smac:hpo": "`HyperparameterOptimizationFacade`, ask/tell, `deterministic=True` (the "
    "objectives are deterministic); parallel: several asks before the tells",
    "smac:bb": "`BlackBoxFacade`, as `smac:hpo`",
    "hebo": "no conditions in HEBO: every parameter searched, the active ones evaluated; "
    "parallel: `suggest(n_suggestions=workers)` batches; failed trials told the worst value",
}


def run_method(name: str, problem: Problem, *, seed: int, n_trials: int, workers: int = 1) -> Run:
    """Run method ``name`` on ``problem``: values and simulated finish times.

    Raises:
        KeyError: unknown method (the message lists them).
        ValueError: a sequential-only method asked for several workers.
    """
    if name not in METHODS:
        raise KeyError(f"unknown method {name!r}; known: {', '.join(METHODS)}")
    method = METHODS[name]
    if workers > 1 and not method.parallel:
        raise ValueError(f"{name} runs one trial at a time (asked for {workers} workers)")
    return method.run(problem, seed, n_trials, workers)
