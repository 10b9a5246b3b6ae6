"""The strategy registry, and building a strategy from a config's ``strategy:`` block.

Adding a strategy is one new module (a :class:`~hpsearch.strategies.Strategy` subclass with its
``name`` and ``schema``) plus one line in :data:`STRATEGIES`.
"""

from __future__ import annotations

from hpsearch.config import Registry, SweepConfig
from hpsearch.strategies._base import Strategy
from hpsearch.strategies._bayes import BayesStrategy
from hpsearch.strategies._gp import GPStrategy
from hpsearch.strategies._grid import GridStrategy
from hpsearch.strategies._nsga2 import NSGA2Strategy
from hpsearch.strategies._random import RandomStrategy
from hpsearch.strategies._skopt import SkoptStrategy
from hpsearch.strategies._sobol import SobolStrategy
from hpsearch.strategies._tpe import TPEStrategy

__all__ = ["MULTI_OBJECTIVE", "STRATEGIES", "make_strategy"]

STRATEGIES: Registry[type[Strategy]] = Registry(
    "strategy",
    "strategy.name",
    {
        "grid": GridStrategy,
        "random": RandomStrategy,
        "sobol": SobolStrategy,
        "tpe": TPEStrategy,
        "gp": GPStrategy,
        "skopt": SkoptStrategy,
        "nsga2": NSGA2Strategy,
        "bayes": BayesStrategy,
    },
)
MULTI_OBJECTIVE = tuple(name for name, cls in STRATEGIES.items() if cls.multi_objective)


def make_strategy(
    config: SweepConfig,
    *,
    name: str | None = None,
    seed: int | None = None,
    budget: int | None = None,
    workers: int = 1,
) -> Strategy:
    """The strategy a config asks for (or ``name``), with the config's options and seed.

    ``seed`` and ``budget`` default to the config's ``strategy.seed`` and ``budget.trials``.
    The config's strategy options apply only when ``name`` is the config's own strategy.

    Raises:
        ConfigError: unknown strategy name, bad option, or a space the strategy cannot search.

    Example:
        >>> from hpsearch import load_space
        >>> config = load_space({"strategy": {"name": "tpe", "seed": 1},
        ...                      "parameters": {"x": {"type": "float", "low": 0, "high": 1}}})
        >>> make_strategy(config).name
        'tpe'
    """
    spec = config.strategy
    chosen = spec.name if name is None else name
    cls = STRATEGIES.lookup(chosen)
    options = dict(spec.options) if chosen == spec.name else {}
    return cls(
        config.space,
        directions=config.directions,
        seed=spec.seed if seed is None else seed,
        budget=config.budget.trials if budget is None else budget,
        workers=workers,
        **options,
    )
