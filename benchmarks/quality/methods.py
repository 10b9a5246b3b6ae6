"""The methods compared: hpsearch's strategies and the tools a user would pick instead.

Every method is a function ``(problem, seed, n_trials, capped) -> list of values`` (one value per
trial, in the order evaluated; ``nan`` for a failed trial) and calls ``problem.evaluate`` itself,
so all methods see the same objective.

- ``hpsearch:<strategy>``: :func:`hpsearch.strategies.make_strategy` driven by ask/tell, with
  ``budget`` = the run's trial count (the automatic ``bayes`` choice and startup sizes see it).
- ``optuna:tpe`` / ``optuna:gp``: Optuna's default ``TPESampler`` / ``GPSampler`` (seeded).
- ``skopt:gp_minimize``: scikit-optimize's ``gp_minimize`` with its defaults.
- ``sklearn:random``: ``RandomizedSearchCV`` (sklearn problems) or ``ParameterSampler`` with
  scipy distributions (synthetic ones), i.e. uniform random search as scikit-learn does it.

``capped`` (the quick tier) makes ``skopt:gp_minimize`` optimize its acquisition by sampling
(``acq_optimizer="sampling"``) instead of L-BFGS restarts, for time; nothing else changes.

Example:
    >>> from benchmarks.quality.problems import get_problem
    >>> values = run_method("hpsearch:random", get_problem("branin"), seed=0, n_trials=3)
    >>> len(values)
    3
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.quality.problems import Problem

__all__ = ["HPSEARCH_STRATEGIES", "METHODS", "RANDOM_BASELINE", "run_method"]

HPSEARCH_STRATEGIES = ("bayes", "tpe", "gp", "skopt", "random", "sobol")
#: The method whose mean best value is the 0 of the normalized score.
RANDOM_BASELINE = "hpsearch:random"


def _space(problem: Problem) -> Any:
    import hpsearch

    return hpsearch.load_space(problem.space_dict)


def _safe(problem: Problem, params: dict[str, Any]) -> float:
    try:
        value = float(problem.evaluate(params))
    except Exception:  # a failed trial: recorded as nan, the method goes on
        return math.nan
    return value if math.isfinite(value) else math.nan


# -- hpsearch ------------------------------------------------------------------------------
def _hpsearch(strategy: str) -> Callable[..., list[float]]:
    def run(problem: Problem, seed: int, n_trials: int, capped: bool = False) -> list[float]:
        from hpsearch.strategies import make_strategy

        s = make_strategy(_space(problem), name=strategy, seed=seed, budget=n_trials)
        values = []
        for _ in range(n_trials):
            suggestion = s.ask()
            value = _safe(problem, suggestion.params)
            if math.isnan(value):
                s.tell(suggestion, state="FAILED")
            else:
                s.tell(suggestion, value)
            values.append(value)
        return values

    run.__name__ = f"hpsearch_{strategy}"
    return run


# -- Optuna --------------------------------------------------------------------------------
def _optuna(kind: str) -> Callable[..., list[float]]:
    def run(problem: Problem, seed: int, n_trials: int, capped: bool = False) -> list[float]:
        import optuna

        from hpsearch.strategies import suggest

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        space = _space(problem)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if kind == "tpe":
                sampler = optuna.samplers.TPESampler(seed=seed)
            else:
                sampler = optuna.samplers.GPSampler(seed=seed)
            study = optuna.create_study(sampler=sampler)
            values: list[float] = []

            def objective(trial: Any) -> float:
                value = _safe(problem, suggest(trial, space.space))
                values.append(value)
                return value  # nan: Optuna records the trial as FAILED

            study.optimize(objective, n_trials=n_trials)
        return values

    run.__name__ = f"optuna_{kind}"
    return run


# -- scikit-optimize -----------------------------------------------------------------------
def _skopt_dimensions(problem: Problem) -> tuple[list[Any], list[Any]]:
    """Every searched dimension (conditional ones too: skopt has no conditions)."""
    import skopt

    from hpsearch.space import Categorical, Float, Int

    dims, names = [], []
    for d in _space(problem).space.searched:
        if isinstance(d, Categorical):
            dims.append(skopt.space.Categorical(list(d.choices), name=d.name))
        elif isinstance(d, Int):
            dims.append(
                skopt.space.Integer(
                    int(d.low), int(d.high), prior="log-uniform" if d.log else "uniform"
                )
            )
        elif isinstance(d, Float):
            dims.append(
                skopt.space.Real(d.low, d.high, prior="log-uniform" if d.log else "uniform")
            )
        else:  # pragma: no cover - the suite has no other kind
            raise TypeError(f"unsupported dimension {d!r}")
        names.append(d)
    return dims, names


def _active(problem: Problem, flat: dict[str, Any]) -> dict[str, Any]:
    """Keep the parameters whose conditions hold (what hpsearch would hand a trial)."""
    space = _space(problem)
    params: dict[str, Any] = {}
    for d in space.space.parameters:
        if d.name in flat and space.space.is_active(d, params):
            value = flat[d.name]
            params[d.name] = value.item() if isinstance(value, np.generic) else value
    return params


def skopt_gp_minimize(
    problem: Problem, seed: int, n_trials: int, capped: bool = False
) -> list[float]:
    from skopt import gp_minimize

    dims, spec = _skopt_dimensions(problem)
    values: list[float] = []

    def objective(x: list[Any]) -> float:
        value = _safe(problem, _active(problem, {d.name: v for d, v in zip(spec, x)}))
        values.append(value)
        # gp_minimize cannot skip a failed point: tell it the worst value seen so far.
        seen = [v for v in values if not math.isnan(v)]
        return value if not math.isnan(value) else (max(seen) if seen else 1e12)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        options = {"acq_optimizer": "sampling"} if capped else {}
        gp_minimize(
            objective,
            dims,
            n_calls=n_trials,
            random_state=seed,
            n_initial_points=min(10, n_trials),
            **options,
        )
    return values


# -- scikit-learn random search ------------------------------------------------------------
def _scipy_distribution(d: Any) -> Any:
    from scipy import stats

    from hpsearch.space import Categorical, Float, Int

    if isinstance(d, Categorical):
        return list(d.choices)
    if isinstance(d, Int):
        if d.log:
            return list(range(int(d.low), int(d.high) + 1))
        return stats.randint(int(d.low), int(d.high) + 1)
    if isinstance(d, Float):
        if d.log:
            return stats.loguniform(d.low, d.high)
        return stats.uniform(d.low, d.high - d.low)
    raise TypeError(f"unsupported dimension {d!r}")  # pragma: no cover


def param_distributions(problem: Problem) -> list[dict[str, Any]]:
    """The space as scikit-learn ``param_distributions`` (one dict per conditional branch).

    Conditions must be one level deep on one categorical parent (as in this suite); each of
    the parent's choices gets its own dict holding the dimensions active under it, so
    ``ParameterSampler`` draws the branch uniformly, then its parameters.
    """
    from hpsearch.space import Categorical

    space = _space(problem)
    searched = space.space.searched
    parents = sorted({c.parent for d in searched for c in d.when})
    if not parents:
        return [{d.name: _scipy_distribution(d) for d in searched}]
    if len(parents) > 1 or not isinstance(space.space[parents[0]], Categorical):
        raise ValueError(f"{problem.name}: only one categorical parent is supported")
    parent = space.space[parents[0]]
    branches = []
    for choice in parent.choices:
        given = {parent.name: choice}
        branch: dict[str, Any] = {parent.name: [choice]}
        for d in searched:
            if d.name != parent.name and all(c.holds(given) for c in d.when):
                branch[d.name] = _scipy_distribution(d)
        branches.append(branch)
    return branches


def sklearn_random(problem: Problem, seed: int, n_trials: int, capped: bool = False) -> list[float]:
    from sklearn.model_selection import ParameterSampler, RandomizedSearchCV

    dists = param_distributions(problem)
    if problem.sklearn is None:
        sampler = ParameterSampler(dists, n_iter=n_trials, random_state=seed)
        return [_safe(problem, _active(problem, dict(p))) for p in sampler]
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
    return [-float(s) if math.isfinite(s) else math.nan for s in scores]


METHODS: dict[str, Callable[..., list[float]]] = {
    **{f"hpsearch:{name}": _hpsearch(name) for name in HPSEARCH_STRATEGIES},
    "optuna:tpe": _optuna("tpe"),
    "optuna:gp": _optuna("gp"),
    "skopt:gp_minimize": skopt_gp_minimize,
    "sklearn:random": sklearn_random,
}


def run_method(
    name: str, problem: Problem, *, seed: int, n_trials: int, capped: bool = False
) -> list[float]:
    """Run method ``name`` on ``problem`` for ``n_trials`` trials; the values in trial order.

    Raises:
        KeyError: unknown method (the message lists them).
    """
    if name not in METHODS:
        raise KeyError(f"unknown method {name!r}; known: {', '.join(METHODS)}")
    return METHODS[name](problem, seed, n_trials, capped)
