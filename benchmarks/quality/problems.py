"""Every benchmark problem, and the fixed split into ``dev`` and ``test`` problems.

- :mod:`.synthetic`: continuous test functions and mixed spaces (ints, categoricals,
  conditions), all with known optima.
- :mod:`.tabular`: the six scikit-learn problems hpsearch's strategies were developed on.
- :mod:`.bayesmark`: 54 Bayesmark-style problems (models x bundled datasets x a loss).

**The split** (:data:`SPLIT`), fixed once: ``dev`` holds every problem that existed before the
split (hpsearch's ``bayes`` rule was chosen after looking at them) and the new problems whose
``sha1(name)`` is divisible by 4; ``test`` holds the other new problems. Strategy design looks
only at ``dev``; ``test`` is only ever scored, and it is the headline of ``RESULTS.md``.

Example:
    >>> p = get_problem("branin")
    >>> round(p.evaluate({"x1": -3.14159265, "x2": 12.275}), 4)
    0.3979
    >>> split_of("branin"), len(PROBLEMS)
    ('dev', 75)
"""

from __future__ import annotations

import hashlib

from benchmarks.quality.base import Problem
from benchmarks.quality.bayesmark import BAYESMARK
from benchmarks.quality.synthetic import MIXED, SYNTHETIC
from benchmarks.quality.tabular import SKLEARN

__all__ = ["MIXED", "PROBLEMS", "SKLEARN", "SPLIT", "SYNTHETIC", "Problem", "get_problem"]

#: The problems that existed when ``bayes``'s rule was chosen: always ``dev``.
SEEN = (
    "branin",
    "hartmann6",
    "rosenbrock4",
    "ackley5",
    "levy4",
    "hartmann3_cat",
    "conditional3",
    "svm_digits",
    "rf_wine",
    "hgb_breast_cancer",
    "mlp_digits",
    "knn_wine",
    "elasticnet_diabetes",
)

PROBLEMS: dict[str, Problem] = {p.name: p for p in SYNTHETIC + MIXED + SKLEARN + BAYESMARK}


def _is_dev(name: str) -> bool:
    return name in SEEN or int(hashlib.sha1(name.encode()).hexdigest(), 16) % 4 == 0


#: split name -> problem names, in registry order
SPLIT: dict[str, tuple[str, ...]] = {
    "dev": tuple(n for n in PROBLEMS if _is_dev(n)),
    "test": tuple(n for n in PROBLEMS if not _is_dev(n)),
}


def split_of(name: str) -> str:
    """``dev`` or ``test``.

    Raises:
        KeyError: no such problem.
    """
    return "dev" if _is_dev(get_problem(name).name) else "test"


def get_problem(name: str) -> Problem:
    """The problem called ``name``.

    Raises:
        KeyError: no such problem (the message lists them).
    """
    try:
        return PROBLEMS[name]
    except KeyError:
        raise KeyError(f"unknown problem {name!r}; known: {', '.join(PROBLEMS)}") from None
