"""Build a strategy by name from a space's ``strategy:`` block."""

from __future__ import annotations

from hpsearch.errors import ConfigError, did_you_mean
from hpsearch.space import Space
from hpsearch.strategies._base import Strategy
from hpsearch.strategies._bayes import BayesStrategy
from hpsearch.strategies._gp import GPStrategy
from hpsearch.strategies._grid import GridStrategy
from hpsearch.strategies._nsga2 import NSGA2Strategy
from hpsearch.strategies._random import RandomStrategy
from hpsearch.strategies._skopt import SkoptStrategy
from hpsearch.strategies._sobol import SobolStrategy
from hpsearch.strategies._tpe import TPEStrategy

__all__ = ["STRATEGIES", "make_strategy"]

STRATEGIES: dict[str, type[Strategy]] = {
    "grid": GridStrategy,
    "random": RandomStrategy,
    "sobol": SobolStrategy,
    "tpe": TPEStrategy,
    "gp": GPStrategy,
    "skopt": SkoptStrategy,
    "nsga2": NSGA2Strategy,
    "bayes": BayesStrategy,
}


def make_strategy(
    space: Space,
    *,
    name: str | None = None,
    seed: int | None = None,
    budget: int | None = None,
    workers: int = 1,
) -> Strategy:
    """The strategy a space asks for (or ``name``), with the space's options and seed.

    ``seed`` and ``budget`` default to the space's ``strategy.seed`` and ``budget.trials``.
    The space's strategy options apply only when ``name`` is the space's own strategy.

    Raises:
        ConfigError: unknown strategy name, bad option, or a space the strategy cannot search.

    Example:
        >>> from hpsearch import load_space
        >>> space = load_space({"strategy": {"name": "tpe", "seed": 1},
        ...                     "parameters": {"x": {"type": "float", "low": 0, "high": 1}}})
        >>> make_strategy(space).name
        'tpe'
    """
    spec = space.strategy
    chosen = spec.name if name is None else name
    if chosen not in STRATEGIES:
        raise ConfigError(
            f"unknown strategy {chosen!r}{did_you_mean(str(chosen), STRATEGIES)}; "
            f"allowed: {', '.join(STRATEGIES)}",
            path="strategy.name",
        )
    options = dict(spec.options) if chosen == spec.name else {}
    return STRATEGIES[chosen](
        space,
        seed=spec.seed if seed is None else seed,
        budget=space.budget.trials if budget is None else budget,
        workers=workers,
        **options,
    )
