"""The bayes strategy picks what its documented rule says."""

from __future__ import annotations

import pytest

from hpsearch import load_space
from hpsearch.strategies import BayesStrategy, choose_bayes, make_strategy

from ._spaces import finite_svm_space, nested_space, svm_space

NUMERIC = {
    "parameters": {
        "x": {"type": "float", "low": -1, "high": 1},
        "n": {"type": "int", "low": 1, "high": 100},
    }
}
MIXED = {
    "parameters": {
        "x": {"type": "float", "low": -1, "high": 1},
        "k": {"type": "categorical", "choices": ["a", "b", "c"]},
        "c": {"type": "constant", "value": 1},
    }
}
TWO_METRICS = [{"name": "loss", "goal": "minimize"}, {"name": "ms", "goal": "minimize"}]


@pytest.mark.parametrize(
    ("space", "budget", "expected"),
    [
        (finite_svm_space, 36, "grid"),  # the whole grid fits in the budget
        (finite_svm_space, 35, "tpe"),  # it does not, and the space is conditional
        (finite_svm_space, None, "tpe"),
        (lambda: load_space(NUMERIC), 50, "gp"),
        (lambda: load_space(NUMERIC), 200, "gp"),
        (lambda: load_space(NUMERIC), 201, "tpe"),
        (lambda: load_space(NUMERIC), None, "tpe"),
        (svm_space, 30, "tpe"),  # conditional
        (nested_space, 100, "tpe"),  # conditional
        (lambda: load_space(MIXED), 100, "gp"),  # categorical, unconditional
        (lambda: load_space(MIXED), 300, "tpe"),
        (lambda: nested_space(metrics=TWO_METRICS), 100, "tpe"),
        (lambda: nested_space(metrics=TWO_METRICS), 500, "nsga2"),
        (lambda: load_space({**NUMERIC, "metrics": TWO_METRICS}), None, "nsga2"),
    ],
)
def test_rule(space, budget, expected):
    assert choose_bayes(space(), budget) == expected
    strategy = BayesStrategy(space(), seed=0, budget=budget)
    assert strategy.chosen == expected
    assert strategy.name == f"bayes({expected})"


def test_small_int_grid_within_budget_is_a_grid():
    space = load_space(
        {
            "parameters": {
                "a": {"type": "int", "low": 1, "high": 10},
                "b": {"type": "int", "low": 1, "high": 10},
            }
        }
    )
    assert choose_bayes(space, 100) == "grid"
    assert choose_bayes(space, 99) == "tpe"  # ints only: no float for a GP to model


def test_bayes_grid_runs_and_exhausts():
    space = load_space(
        {
            "strategy": {"name": "bayes", "seed": 1},
            "budget": {"trials": 10},
            "parameters": {"k": {"type": "categorical", "choices": ["a", "b", "c"]}},
        }
    )
    strategy = make_strategy(space)
    assert strategy.name == "bayes(grid)"
    seen = []
    while not strategy.exhausted():
        s = strategy.ask()
        seen.append(s.params["k"])
        strategy.tell(s, 0.0)
    assert seen == ["a", "b", "c"]


def test_n_startup_trials_is_passed_on():
    strategy = BayesStrategy(load_space(NUMERIC), seed=0, budget=50, n_startup_trials=4)
    assert strategy.chosen == "gp"
    assert strategy.sampler is strategy.inner.sampler
    assert strategy.sampler._n_startup_trials == 4


def test_bayes_gp_runs_and_resumes_on_the_same_study():
    space = load_space(MIXED)
    first = BayesStrategy(space, seed=0, budget=20, n_startup_trials=3)
    assert first.chosen == "gp"
    for _ in range(5):
        s = first.ask()
        space.space.check_params(s.params)
        first.tell(s, s.params["x"] ** 2 + (s.params["k"] != "b"))
    again = BayesStrategy(space, seed=0, budget=20, n_startup_trials=3).attach(first.study)
    # Reseeded on resume, and the inner strategy shares the sampler the study now uses.
    assert again.sampler is first.study.sampler is again.inner.sampler
    assert again.sampler is not first.sampler
    s = again.ask()
    again.tell(s, 0.0)
    assert len(again.study.trials) == 6
