"""Strategies: what to try next (grid, random, sobol, tpe, gp, skopt, nsga2, bayes)."""

from __future__ import annotations

STRATEGY_OPTIONS: dict[str, tuple[str, ...]] = {
    "grid": ("shuffle",),
    "random": (),
    "sobol": ("scramble",),
    "tpe": ("n_startup_trials", "multivariate", "constant_liar", "n_ei_candidates"),
    "gp": ("n_startup_trials",),
    "skopt": ("n_initial_points", "acq_func", "base_estimator"),
    "nsga2": ("population_size", "mutation_prob", "crossover_prob"),
    "bayes": ("n_startup_trials",),
}
MULTI_OBJECTIVE = ("grid", "random", "sobol", "tpe", "gp", "nsga2", "bayes")
