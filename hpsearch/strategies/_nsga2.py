"""The ``nsga2`` strategy: the NSGA-II genetic algorithm for several metrics."""

from __future__ import annotations

from optuna.samplers import BaseSampler, NSGAIISampler

from hpsearch.config import Option, Schema
from hpsearch.strategies._base import Strategy, quiet

__all__ = ["NSGA2Strategy"]


def default_population(budget: int | None) -> int:
    """50, or fewer for small budgets so that at least four generations run.

    Example:
        >>> default_population(None), default_population(100), default_population(20)
        (50, 25, 10)
    """
    if budget is None:
        return 50
    return max(10, min(50, budget // 4))


class NSGA2Strategy(Strategy):
    """Optuna's ``NSGAIISampler``: evolves a population towards the Pareto front.

    Options:
        population_size: Individuals per generation (default 50, or ``budget // 4`` when that
            is smaller, at least 10).
        mutation_prob: Per-parameter mutation probability (default ``1 / n_params``).
        crossover_prob: Probability of crossover (default 0.9).

    Example:
        >>> from hpsearch.space import Float, Space
        >>> s = NSGA2Strategy(Space((Float("x", 0, 1),)), seed=0, budget=100)
        >>> s.sampler._population_size
        25
    """

    name = "nsga2"
    schema = Schema(
        {
            "population_size": Option.integer(low=2, help="individuals per generation"),
            "mutation_prob": Option.number(low=0, high=1, help="per-parameter mutation"),
            "crossover_prob": Option.number(0.9, low=0, high=1, help="crossover probability"),
        }
    )
    reseed_on_resume = True

    def _build_sampler(self, seed: int) -> BaseSampler:
        return quiet(
            NSGAIISampler,
            population_size=self.option("population_size") or default_population(self.budget),
            mutation_prob=self.option("mutation_prob"),
            crossover_prob=self.option("crossover_prob"),
            seed=seed,
        )
