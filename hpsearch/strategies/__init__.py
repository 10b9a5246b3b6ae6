"""Strategies: what to try next (grid, random, sobol, tpe, gp, skopt, nsga2, bayes).

Each strategy is a thin layer over an Optuna sampler with one interface: ``ask()`` returns a
:class:`Suggestion` (trial number and user-facing params), ``tell()`` records the outcome.
Nothing is kept that the study's trials cannot rebuild, so a resumed sweep continues. Each
strategy declares its options as a ``schema``; :data:`STRATEGIES` is the registry.

Example:
    >>> from hpsearch import load_space
    >>> config = load_space({"strategy": {"name": "random", "seed": 0},
    ...                      "parameters": {"x": {"type": "float", "low": -1, "high": 1}}})
    >>> strategy = make_strategy(config)
    >>> for _ in range(3):
    ...     s = strategy.ask()
    ...     strategy.tell(s, s.params["x"] ** 2)
"""

from hpsearch.strategies._base import Strategy, StrategyExhausted, Suggestion
from hpsearch.strategies._bayes import BayesStrategy, choose_bayes
from hpsearch.strategies._factory import MULTI_OBJECTIVE, STRATEGIES, make_strategy
from hpsearch.strategies._gp import GPStrategy
from hpsearch.strategies._grid import GridStrategy
from hpsearch.strategies._nsga2 import NSGA2Strategy
from hpsearch.strategies._optuna_space import SpaceRandomSampler, distributions, suggest
from hpsearch.strategies._random import RandomStrategy
from hpsearch.strategies._seeds import derive_seed, fresh_seed
from hpsearch.strategies._skopt import SkoptSampler, SkoptStrategy
from hpsearch.strategies._sobol import SobolStrategy
from hpsearch.strategies._tpe import TPEStrategy

__all__ = [
    "MULTI_OBJECTIVE",
    "STRATEGIES",
    "BayesStrategy",
    "GPStrategy",
    "GridStrategy",
    "NSGA2Strategy",
    "RandomStrategy",
    "SkoptSampler",
    "SkoptStrategy",
    "SobolStrategy",
    "SpaceRandomSampler",
    "Strategy",
    "StrategyExhausted",
    "Suggestion",
    "TPEStrategy",
    "choose_bayes",
    "derive_seed",
    "distributions",
    "fresh_seed",
    "make_strategy",
    "suggest",
]
