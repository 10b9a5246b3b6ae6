"""Strategies: what to try next (grid, random, sobol, tpe, gp, skopt, nsga2, bayes).

Each strategy is a thin layer over an Optuna sampler with one interface: ``ask()`` returns a
:class:`Suggestion` (trial number and user-facing params), ``tell()`` records the outcome.
Nothing is kept that the study's trials cannot rebuild, so a resumed sweep continues.

Example:
    >>> from hpsearch import load_space
    >>> space = load_space({"strategy": {"name": "random", "seed": 0},
    ...                     "parameters": {"x": {"type": "float", "low": -1, "high": 1}}})
    >>> strategy = make_strategy(space)
    >>> for _ in range(3):
    ...     s = strategy.ask()
    ...     strategy.tell(s, s.params["x"] ** 2)
"""

from __future__ import annotations

STRATEGY_OPTIONS: dict[str, tuple[str, ...]] = {
    "grid": ("shuffle",),
    "random": (),
    "sobol": ("scramble",),
    "tpe": ("n_startup_trials", "multivariate", "constant_liar", "n_ei_candidates"),
    "gp": ("n_startup_trials",),
    "skopt": ("n_initial_points", "acq_func", "base_estimator", "acq_optimizer"),
    "nsga2": ("population_size", "mutation_prob", "crossover_prob"),
    "bayes": ("n_startup_trials",),
}
MULTI_OBJECTIVE = ("grid", "random", "sobol", "tpe", "gp", "nsga2", "bayes")

from hpsearch.strategies._base import (  # noqa: E402
    SpaceRandomSampler,
    Strategy,
    StrategyExhausted,
    Suggestion,
)
from hpsearch.strategies._bayes import BayesStrategy, choose_bayes  # noqa: E402
from hpsearch.strategies._factory import STRATEGIES, make_strategy  # noqa: E402
from hpsearch.strategies._gp import GPStrategy  # noqa: E402
from hpsearch.strategies._grid import GridSampler, GridStrategy  # noqa: E402
from hpsearch.strategies._nsga2 import NSGA2Strategy  # noqa: E402
from hpsearch.strategies._random import RandomStrategy  # noqa: E402
from hpsearch.strategies._skopt import SkoptSampler, SkoptStrategy  # noqa: E402
from hpsearch.strategies._sobol import SobolStrategy  # noqa: E402
from hpsearch.strategies._tpe import TPEStrategy  # noqa: E402

__all__ = [
    "MULTI_OBJECTIVE",
    "STRATEGIES",
    "STRATEGY_OPTIONS",
    "BayesStrategy",
    "GPStrategy",
    "GridSampler",
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
    "make_strategy",
]
