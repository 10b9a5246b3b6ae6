"""The ``skopt`` strategy: scikit-optimize's ``Optimizer`` wrapped as an Optuna sampler."""

from __future__ import annotations

import importlib.util
import math
import warnings
from typing import TYPE_CHECKING, Any

from optuna.samplers import BaseSampler
from optuna.study import StudyDirection
from optuna.trial import TrialState

from hpsearch.config import Option, Schema
from hpsearch.errors import ConfigError
from hpsearch.space import Categorical, Float, Int, Space
from hpsearch.strategies._base import Strategy, default_startup, is_varying
from hpsearch.strategies._optuna_space import SpaceRandomSampler, distribution
from hpsearch.strategies._seeds import derive_seed

if TYPE_CHECKING:
    from optuna.distributions import BaseDistribution
    from optuna.study import Study
    from optuna.trial import FrozenTrial

__all__ = ["SkoptSampler", "SkoptStrategy"]

ACQ_FUNCS = ("gp_hedge", "EI", "PI", "LCB")
ESTIMATORS = ("GP", "RF", "ET", "GBRT")
ACQ_OPTIMIZERS = ("sampling", "lbfgs", "auto")
MISSING = "the skopt strategy needs scikit-optimize: install hpsearch[skopt]"


def _import_skopt() -> Any:
    try:
        import skopt
    except ImportError:
        raise ConfigError(MISSING, path="strategy.name") from None
    return skopt


class _Codec:
    """Maps one dimension between Optuna-stored values and a scikit-optimize dimension."""

    def __init__(self, dim: Float | Int | Categorical) -> None:
        self.dim = dim
        self.indexed = isinstance(dim, Categorical) or (
            dim.step is not None and not (isinstance(dim, Int) and dim.step == 1)
        )

    def skopt_dimension(self, skopt: Any) -> Any:
        dim = self.dim
        if isinstance(dim, Categorical):
            return skopt.space.Categorical([str(i) for i in range(len(dim.choices))], name=dim.name)
        if self.indexed:
            n = round((dim.high - dim.low) / dim.step)
            return skopt.space.Integer(0, n, name=dim.name)
        prior = "log-uniform" if dim.log else "uniform"
        cls = skopt.space.Integer if isinstance(dim, Int) else skopt.space.Real
        return cls(dim.low, dim.high, prior=prior, name=dim.name)

    def to_skopt(self, stored: Any) -> Any:
        dim = self.dim
        if isinstance(dim, Categorical):
            return str(dim.index(dim.decode(stored)))
        if self.indexed:
            return round((stored - dim.low) / dim.step)
        if isinstance(dim, Int):
            return int(stored)
        return min(max(float(stored), dim.low), dim.high)

    def from_skopt(self, value: Any) -> Any:
        dim = self.dim
        if isinstance(dim, Categorical):
            return dim.encode(dim.grid_values()[int(value)])
        if self.indexed:
            x = dim.low + int(value) * dim.step
            return int(x) if isinstance(dim, Int) else float(round(x, 12))
        return int(value) if isinstance(dim, Int) else float(value)


class SkoptSampler(BaseSampler):
    """scikit-optimize's Bayesian ``Optimizer`` as an Optuna sampler (single objective).

    The unconditional, non-constant dimensions are searched jointly by skopt; conditional ones
    are drawn at random (weights and priors honored). The optimizer is rebuilt from the study's
    COMPLETE trials at each suggestion, so it keeps no state of its own. Running trials are
    told the worst value seen so far (a pessimistic constant liar), spreading parallel workers.

    Example:
        >>> import optuna
        >>> from hpsearch.space import Float, Space
        >>> sampler = SkoptSampler(Space((Float("x", -1, 1),)), seed=0, n_initial_points=2)
        >>> study = optuna.create_study(sampler=sampler)
        >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=4)
    """

    def __init__(
        self,
        space: Space,
        *,
        seed: int,
        n_initial_points: int = 10,
        acq_func: str = "gp_hedge",
        base_estimator: str = "GP",
        acq_optimizer: str = "sampling",
    ) -> None:
        self.space = space
        self.seed = seed
        self.n_initial_points = n_initial_points
        self.acq_func = acq_func
        self.base_estimator = base_estimator
        self.acq_optimizer = acq_optimizer
        self._codecs = [_Codec(d) for d in space.searched if not d.when and is_varying(d)]
        self._fallback = SpaceRandomSampler(space, seed=seed)

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return {c.dim.name: distribution(c.dim) for c in self._codecs}

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        if len(study.directions) > 1:
            raise ValueError("the skopt strategy optimizes a single metric")
        skopt = _import_skopt()
        codecs = [c for c in self._codecs if c.dim.name in search_space]
        sign = -1.0 if study.direction == StudyDirection.MAXIMIZE else 1.0
        xs, ys, pending = [], [], []
        states = (TrialState.COMPLETE, TrialState.RUNNING)
        for t in study.get_trials(deepcopy=False, states=states):
            if t.number == trial.number or any(c.dim.name not in t.params for c in codecs):
                continue
            try:
                x = [c.to_skopt(t.params[c.dim.name]) for c in codecs]
            except (TypeError, ValueError):
                continue  # a value outside the space (enqueued by hand)
            if t.state == TrialState.RUNNING:
                pending.append(x)
            elif t.value is not None and math.isfinite(t.value):
                xs.append(x)
                ys.append(sign * t.value)
        if pending and ys:
            xs += pending
            ys += [max(ys)] * len(pending)
        optimizer = skopt.Optimizer(
            [c.skopt_dimension(skopt) for c in codecs],
            base_estimator=self.base_estimator,
            n_initial_points=self.n_initial_points,
            acq_func=self.acq_func,
            random_state=derive_seed(self.seed, trial.number) % (2**31),
            acq_optimizer=self.acq_optimizer,
        )
        from threadpoolctl import threadpool_limits  # a scikit-learn dependency

        # Small GP fits run several times faster on one BLAS thread (4x measured on 2 cores).
        with warnings.catch_warnings(), threadpool_limits(limits=1):
            warnings.simplefilter("ignore")  # skopt warns about repeated points
            if xs:
                optimizer.tell(xs, ys)
            point = optimizer.ask()
        return {c.dim.name: c.from_skopt(v) for c, v in zip(codecs, point)}

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        return self._fallback.sample_independent(study, trial, param_name, param_distribution)


class SkoptStrategy(Strategy):
    """Bayesian optimization with scikit-optimize (``pip install hpsearch[skopt]``).

    Options:
        n_initial_points: Random points before modelling (default
            ``max(5, min(10, budget//5))``, 10 without a budget).
        acq_func: ``gp_hedge`` (default), ``EI``, ``PI`` or ``LCB``.
        base_estimator: ``GP`` (default), ``RF``, ``ET`` or ``GBRT``.
        acq_optimizer: ``sampling`` (default: scores 10,000 random points; as good as
            ``lbfgs`` on our checks and about 5x faster), ``lbfgs`` or ``auto``.

    Example:
        >>> from hpsearch.space import Float, Space
        >>> s = SkoptStrategy(Space((Float("x", 0, 1),)), seed=0)
        >>> 0 <= s.ask().params["x"] <= 1
        True
    """

    name = "skopt"
    multi_objective = False
    schema = Schema(
        {
            "n_initial_points": Option.integer(low=1, help="random points before modelling"),
            "acq_func": Option.one_of(ACQ_FUNCS, "gp_hedge", help="acquisition function"),
            "base_estimator": Option.one_of(ESTIMATORS, "GP", help="surrogate model"),
            "acq_optimizer": Option.one_of(ACQ_OPTIMIZERS, "sampling", help="how to maximize"),
        }
    )

    def _build_sampler(self, seed: int) -> BaseSampler:
        if importlib.util.find_spec("skopt") is None:
            raise ConfigError(MISSING, path="strategy.name")
        return SkoptSampler(
            self.space,
            seed=seed,
            n_initial_points=self.option("n_initial_points") or default_startup(self.budget),
            acq_func=self.option("acq_func"),
            base_estimator=self.option("base_estimator"),
            acq_optimizer=self.option("acq_optimizer"),
        )
