"""Search-quality benchmark: hpsearch's ``bayes`` against Optuna, scikit-optimize, Hyperopt,
SMAC3, HEBO, CMA-ES and random search, sequential and with parallel workers.

``problems`` (the registry and the fixed dev/test split of ``synthetic``, ``tabular`` and
``bayesmark`` problems), ``methods`` and ``peers`` (who searches), ``simulate`` (simulated
trial durations, asynchronous and batch workers), ``harness`` (tiers, runs in worker processes,
resumable), ``scoring`` (normalized scores, means, standard errors, ranks, equal-time scores),
``report`` (the markdown written to ``benchmarks/RESULTS.md``) and ``readme`` (the headline
copied into ``README.md``).
Run it with ``python -m benchmarks --tier quick``.
"""

from __future__ import annotations

from benchmarks.quality.harness import TIERS, Tier, run_one, run_tier, select
from benchmarks.quality.methods import METHODS, RANDOM_BASELINE, run_method
from benchmarks.quality.problems import PROBLEMS, Problem, get_problem
from benchmarks.quality.scoring import (
    best_so_far,
    mean_se,
    normalize,
    rank,
    suite_scores,
    summarize,
    wins,
)

__all__ = [
    "METHODS",
    "PROBLEMS",
    "RANDOM_BASELINE",
    "TIERS",
    "Problem",
    "Tier",
    "best_so_far",
    "get_problem",
    "mean_se",
    "normalize",
    "rank",
    "run_method",
    "run_one",
    "run_tier",
    "select",
    "suite_scores",
    "summarize",
    "wins",
]
