"""Search-quality benchmark: hpsearch's strategies against Optuna, scikit-optimize, scikit-learn.

``problems`` (synthetic functions and scikit-learn tuning tasks), ``methods`` (who searches),
``harness`` (tiers, runs in worker processes, resumable), ``scoring`` (normalized scores, means,
standard errors, ranks, wins) and ``report`` (the markdown written to ``benchmarks/RESULTS.md``).
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
