"""The peers outside Optuna: Hyperopt's TPE, SMAC3's two facades and HEBO, plus the space
conversions they and scikit-optimize / scikit-learn need.

Each converts hpsearch's space to the peer's own (conditions where the peer has them:
Hyperopt's nested ``hp.choice``, SMAC's ConfigSpace conditions; skopt and HEBO search every
parameter and the objective gets the active ones) and runs the peer at its defaults.

Example:
    >>> from benchmarks.quality.problems import get_problem
    >>> [sorted(b) for b in param_distributions(get_problem("conditional3"))][2]
    ['branch', 's_k', 's_x']
"""

from __future__ import annotations

import math
import tempfile
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from benchmarks.quality.base import Problem
from benchmarks.quality.simulate import Run, drive, safe, timed

__all__ = [
    "active",
    "hebo_method",
    "hyperopt_tpe",
    "param_distributions",
    "skopt_dimensions",
    "smac_method",
]


def _space(problem: Problem) -> Any:
    import hpsearch

    return hpsearch.load_space(problem.space_dict).space


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def active(problem: Problem, flat: dict[str, Any]) -> dict[str, Any]:
    """Keep the parameters whose conditions hold (what hpsearch would hand a trial)."""
    space = _space(problem)
    params: dict[str, Any] = {}
    for d in space.parameters:
        if d.name in flat and space.is_active(d, params):
            params[d.name] = _plain(flat[d.name])
    return params


def _kinds() -> tuple[type, type, type]:
    from hpsearch.space import Categorical, Float, Int

    return Categorical, Float, Int


# -- scikit-optimize and scikit-learn ------------------------------------------------------
def skopt_dimensions(problem: Problem) -> tuple[list[Any], list[Any]]:
    """Every searched dimension (conditional ones too: skopt has no conditions)."""
    import skopt

    categorical, real, integer = _kinds()
    dims, names = [], []
    for d in _space(problem).searched:
        if isinstance(d, categorical):
            dims.append(skopt.space.Categorical(list(d.choices), name=d.name))
        elif isinstance(d, integer):
            prior = "log-uniform" if d.log else "uniform"
            dims.append(skopt.space.Integer(int(d.low), int(d.high), prior=prior))
        elif isinstance(d, real):
            prior = "log-uniform" if d.log else "uniform"
            dims.append(skopt.space.Real(d.low, d.high, prior=prior))
        else:  # pragma: no cover - the suite has no other kind
            raise TypeError(f"unsupported dimension {d!r}")
        names.append(d)
    return dims, names


def _scipy_distribution(d: Any) -> Any:
    from scipy import stats

    categorical, _, integer = _kinds()
    if isinstance(d, categorical):
        return list(d.choices)
    if isinstance(d, integer):
        if d.log:
            return list(range(int(d.low), int(d.high) + 1))
        return stats.randint(int(d.low), int(d.high) + 1)
    if d.log:
        return stats.loguniform(d.low, d.high)
    return stats.uniform(d.low, d.high - d.low)


def _branches(problem: Problem) -> tuple[Any, list[tuple[Any, list[Any]]]] | None:
    """``(parent, [(choice, dimensions active under it)])`` for a one-level conditional space
    on one categorical parent; ``None`` for an unconditional space."""
    categorical, _, _ = _kinds()
    searched = _space(problem).searched
    parents = sorted({c.parent for d in searched for c in d.when})
    if not parents:
        return None
    parent = _space(problem)[parents[0]]
    if len(parents) > 1 or not isinstance(parent, categorical):
        raise ValueError(f"{problem.name}: only one categorical parent is supported")
    out = []
    for choice in parent.choices:
        given = {parent.name: choice}
        dims = [
            d for d in searched if d.name != parent.name and all(c.holds(given) for c in d.when)
        ]
        out.append((choice, dims))
    return parent, out


def param_distributions(problem: Problem) -> list[dict[str, Any]]:
    """The space as scikit-learn ``param_distributions`` (one dict per conditional branch)."""
    branches = _branches(problem)
    if branches is None:
        return [{d.name: _scipy_distribution(d) for d in _space(problem).searched}]
    parent, options = branches
    return [
        {parent.name: [choice], **{d.name: _scipy_distribution(d) for d in dims}}
        for choice, dims in options
    ]


# -- Hyperopt ------------------------------------------------------------------------------
def _hp(d: Any, label: str) -> Any:
    from hyperopt import hp

    categorical, _, integer = _kinds()
    if isinstance(d, categorical):
        return hp.choice(label, list(d.choices))
    if isinstance(d, integer):
        if d.log:
            return hp.qloguniform(label, math.log(d.low), math.log(d.high + 0.5), 1)
        return hp.uniformint(label, int(d.low), int(d.high))
    if d.log:
        return hp.loguniform(label, math.log(d.low), math.log(d.high))
    return hp.uniform(label, d.low, d.high)


def hyperopt_space(problem: Problem) -> dict[str, Any]:
    """Hyperopt's space: a dict of expressions; a conditional space is ``hp.choice`` over the
    parent's branches, each a dict of its own parameters (labels ``name@choice``)."""
    from hyperopt import hp

    branches = _branches(problem)
    searched = _space(problem).searched
    if branches is None:
        return {d.name: _hp(d, d.name) for d in searched}
    parent, options = branches
    unconditional = {
        d.name: _hp(d, d.name) for d in searched if not d.when and d.name != parent.name
    }
    choice = hp.choice(
        parent.name,
        [
            {parent.name: c, **{d.name: _hp(d, f"{d.name}@{c}") for d in dims}}
            for c, dims in options
        ],
    )
    return {**unconditional, "_branch": choice}


def hyperopt_tpe(problem: Problem, seed: int, n_trials: int, workers: int = 1) -> Run:
    """``hyperopt.fmin`` with ``tpe.suggest`` and its defaults; sequential only."""
    from hyperopt import STATUS_FAIL, STATUS_OK, Trials, fmin, tpe

    pairs: list[tuple[dict[str, Any], float]] = []

    def objective(point: dict[str, Any]) -> dict[str, Any]:
        flat = dict(point.pop("_branch", {}))
        flat.update(point)
        params = {k: _plain(v) for k, v in flat.items()}
        for d in _space(problem).searched:  # hp.uniformint/qloguniform give floats
            if type(d).__name__ == "Int" and d.name in params:
                params[d.name] = round(float(params[d.name]))
        value = safe(problem, params)
        pairs.append((params, value))
        return (
            {"status": STATUS_FAIL} if math.isnan(value) else {"loss": value, "status": STATUS_OK}
        )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fmin(
            objective,
            hyperopt_space(problem),
            algo=tpe.suggest,
            max_evals=n_trials,
            trials=Trials(),
            rstate=np.random.default_rng(seed),
            show_progressbar=False,
        )
    return timed(pairs)


# -- SMAC3 ---------------------------------------------------------------------------------
def configspace(problem: Problem, seed: int) -> Any:
    """The space as a ConfigSpace ``ConfigurationSpace`` with its conditions."""
    import ConfigSpace as cs

    categorical, _, integer = _kinds()
    out = cs.ConfigurationSpace(seed=seed)
    made = {}
    for d in _space(problem).searched:
        if isinstance(d, categorical):
            made[d.name] = cs.Categorical(d.name, [str(c) for c in d.choices])
        elif isinstance(d, integer):
            made[d.name] = cs.Integer(d.name, (int(d.low), int(d.high)), log=bool(d.log))
        else:
            made[d.name] = cs.Float(d.name, (float(d.low), float(d.high)), log=bool(d.log))
    out.add(list(made.values()))
    for d in _space(problem).searched:
        for c in d.when:
            values = [str(v) for v in c.values]
            if len(values) == 1:
                out.add(cs.EqualsCondition(made[d.name], made[c.parent], values[0]))
            else:
                out.add(cs.InCondition(made[d.name], made[c.parent], values))
    return out


class _Smac:
    def __init__(self, problem: Problem, facade: str, seed: int, n: int, workers: int) -> None:
        import smac

        self.problem = problem
        self.tmp = tempfile.TemporaryDirectory(prefix="smac-")
        space = configspace(problem, seed)
        scenario = smac.Scenario(
            space, deterministic=True, n_trials=n, seed=seed, output_directory=self.tmp.name
        )
        cls = {"hpo": smac.HyperparameterOptimizationFacade, "bb": smac.BlackBoxFacade}[facade]
        self.smac = cls(scenario, lambda config, seed=0: 0.0, overwrite=True, logging_level=40)
        self.choices = {
            d.name: {str(c): c for c in d.choices}
            for d in _space(problem).searched
            if hasattr(d, "choices")
        }

    def ask(self) -> tuple[Any, dict[str, Any]]:
        info = self.smac.ask()
        raw = dict(info.config)
        params = {k: self.choices[k][v] if k in self.choices else _plain(v) for k, v in raw.items()}
        return info, params

    def tell(self, token: Any, value: float) -> None:
        from smac.runhistory.dataclasses import TrialValue
        from smac.runhistory.enumerations import StatusType

        if math.isnan(value):
            self.smac.tell(token, TrialValue(cost=math.inf, status=StatusType.CRASHED))
        else:
            self.smac.tell(token, TrialValue(cost=value))


def smac_method(facade: str) -> Callable[[Problem, int, int, int], Run]:
    def run(problem: Problem, seed: int, n_trials: int, workers: int = 1) -> Run:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return drive(
                lambda w: _Smac(problem, facade, seed, n_trials, w), problem, n_trials, workers
            )

    run.__name__ = f"smac_{facade}"
    return run


# -- HEBO ----------------------------------------------------------------------------------
class _Hebo:
    def __init__(self, problem: Problem, seed: int) -> None:
        import torch
        from hebo.design_space.design_space import DesignSpace
        from hebo.optimizers.hebo import HEBO

        torch.manual_seed(seed)
        np.random.seed(seed)
        self.problem = problem
        categorical, _, integer = _kinds()
        spec = []
        self.choices: dict[str, list[Any]] = {}
        for d in _space(problem).searched:
            if isinstance(d, categorical):
                self.choices[d.name] = list(d.choices)
                spec.append(
                    {"name": d.name, "type": "cat", "categories": [str(c) for c in d.choices]}
                )
            elif isinstance(d, integer):
                kind = "pow_int" if d.log else "int"
                spec.append({"name": d.name, "type": kind, "lb": int(d.low), "ub": int(d.high)})
            else:
                kind = "pow" if d.log else "num"
                spec.append({"name": d.name, "type": kind, "lb": d.low, "ub": d.high})
        self.opt = HEBO(DesignSpace().parse(spec), scramble_seed=seed)
        self.seen: list[float] = []

    def ask_batch(self, n: int) -> list[tuple[Any, dict[str, Any]]]:
        rec = self.opt.suggest(n_suggestions=n)
        out = []
        for i in range(len(rec)):
            row = rec.iloc[[i]]
            flat = {k: _plain(v) for k, v in row.iloc[0].to_dict().items()}
            for name, choices in self.choices.items():
                flat[name] = next(c for c in choices if str(c) == str(flat[name]))
            out.append((row, active(self.problem, flat)))
        return out

    def tell_batch(self, results: Sequence[tuple[Any, float]]) -> None:
        import pandas as pd

        finite = [v for _, v in results if not math.isnan(v)]
        self.seen += finite
        worst = max(self.seen) if self.seen else 1e12
        rows = pd.concat([row for row, _ in results])
        y = np.array([[worst if math.isnan(v) else v] for _, v in results])
        self.opt.observe(rows, y)


def hebo_method(problem: Problem, seed: int, n_trials: int, workers: int = 1) -> Run:
    """HEBO at its defaults; with several workers, batches of ``workers`` suggestions."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return drive(lambda w: _Hebo(problem, seed), problem, n_trials, workers)
