"""Loading valid native files: kinds, conditions, groups, round trips, conversions."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hpsearch
from hpsearch import load_space
from hpsearch.cli import main
from hpsearch.execution import tune_param_space
from hpsearch.space import Categorical, Constant, Float
from hpsearch.strategies import distributions, suggest

from ..conftest import SEARCH_SPACES

ISSUE_EXAMPLE = """
name: svm-digits
objective: {type: sklearn, estimator: sklearn.svm.SVC, dataset: "sklearn:digits", cv: 5}
metric: {name: accuracy, goal: maximize}
strategy: {name: bayes, seed: 0}
budget: {trials: 60, timeout: 30m}
parameters:
  C:         {type: float, low: 1e-3, high: 1e3, log: true}
  kernel:    {type: categorical, choices: [rbf, poly, linear]}
  degree:    {type: int, low: 2, high: 5, when: {kernel: poly}}
  gamma:     {type: float, low: 1e-5, high: 1e-1, log: true, when: {kernel: [rbf, poly]}}
  shrinking: {type: constant, value: true}
  optimizer:
    lr:       {type: float, low: 1e-5, high: 1e-1, log: true}
    momentum: {type: float, low: 0.0, high: 0.99, step: 0.01}
"""


@pytest.fixture
def example(tmp_path):
    path = tmp_path / "svm.yaml"
    path.write_text(ISSUE_EXAMPLE)
    return load_space(path)


def test_issue_example_loads_with_kinds_scales_and_groups(example):
    assert example.name == "svm-digits"
    assert example.space["C"] == Float("C", 1e-3, 1e3, log=True)
    assert isinstance(example.space["kernel"], Categorical)
    assert example.space["degree"].when[0].parent == "kernel"
    assert example.space["gamma"].when[0].values == ("rbf", "poly")
    assert isinstance(example.space["shrinking"], Constant)
    assert example.space["optimizer.lr"].low == 1e-5 and isinstance(
        example.space["optimizer.lr"].low, float
    )
    assert example.space["optimizer.momentum"].step == 0.01
    assert example.metrics[0].goal == "maximize"
    assert example.budget.timeout == 1800 and example.budget.trials == 60
    assert example.strategy.seed == 0


def test_inactive_parameters_are_absent(example):
    rng = np.random.default_rng(0)
    for _ in range(50):
        params = example.space.sample(rng)
        assert ("degree" in params) == (params["kernel"] == "poly")
        assert ("gamma" in params) == (params["kernel"] in ("rbf", "poly"))
        example.space.check_params(params)


def test_round_trip_through_dict_yaml_and_json(example, tmp_path):
    assert load_space(example.to_dict()) == example
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(example.to_dict(), sort_keys=False))
    assert load_space(tmp_path / "a.yaml") == example
    (tmp_path / "a.json").write_text(json.dumps(example.to_dict()))
    assert load_space(tmp_path / "a.json") == example


def test_grid_of_conditional_space_counts_each_branch():
    space = load_space(
        {
            "strategy": "grid",
            "parameters": {
                "k": {"type": "categorical", "choices": ["a", "b"]},
                "n": {"type": "int", "low": 1, "high": 3, "when": {"k": "a"}},
                "x": {"type": "float", "low": 0, "high": 1, "step": 0.5},
            },
        }
    )
    points = list(space.space.grid())
    assert space.space.grid_size() == len(points) == (3 + 1) * 3
    assert len({json.dumps(p, sort_keys=True) for p in points}) == len(points)
    assert all(space.space.contains(p) for p in points)


def test_categorical_choices_of_every_kind_work_with_optuna():
    import optuna

    space = load_space(
        {
            "parameters": {
                "c": {"type": "categorical", "choices": ["s", 1, 2.5, True, None, [1, 2], []]}
            }
        }
    )
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    seen = []
    for _ in range(40):
        trial = study.ask()
        seen.append(suggest(trial, space.space)["c"])
        study.tell(trial, 0.0)
    assert [1, 2] in seen and [] in seen and None in seen and True in seen
    assert space.space.decode(study.trials[0].params)["c"] == seen[0]


def test_conversions_to_optuna_and_tune(example):
    dists = distributions(example.space)
    assert dists["C"].log and dists["C"].low == 1e-3
    assert "shrinking" not in dists
    pytest.importorskip("ray")
    param_space = tune_param_space(example.space)
    assert param_space["optimizer"]["lr"].lower == 1e-5
    assert param_space["shrinking"] is True


def test_numbers_without_dot_are_numbers(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("parameters:\n  lr: {type: float, low: 1e-5, high: 1E-1, log: true}\n")
    space = load_space(path)
    assert space.space["lr"].low == 1e-5 and space.space["lr"].high == 0.1


@pytest.mark.parametrize("path", sorted(SEARCH_SPACES.glob("*.yaml")), ids=lambda p: p.name)
def test_example_files_validate(path, capsys):
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "parameters (" in out and "strategy:" in out


def test_examples_cover_the_promised_kinds():
    kinds = {load_space(p).objective["type"] for p in SEARCH_SPACES.glob("*.yaml")}
    assert {"sklearn", "torch"} <= kinds
    assert any(load_space(p).is_multi_objective for p in SEARCH_SPACES.glob("*.yaml"))
    assert len(list(SEARCH_SPACES.glob("*.yaml"))) >= 4


def test_validate_prints_summary_with_grid_size(tmp_path, capsys):
    path = tmp_path / "g.yaml"
    path.write_text(
        "name: g\nstrategy: grid\nparameters:\n  k: {type: categorical, choices: [a, b]}\n"
        "  n: {type: int, low: 1, high: 4, when: {k: a}}\n"
    )
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "grid size:  5" in out and "when k = 'a'" in out and "[1, 4] linear" in out


# -- hypothesis: random mutations of valid files give clean errors or valid spaces ------------
_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
_KEYS = st.sampled_from(
    [
        "type",
        "low",
        "high",
        "log",
        "step",
        "choices",
        "value",
        "when",
        "name",
        "goal",
        "strategy",
        "parameters",
        "metric",
        "budget",
        "bogus",
        "seed",
        "trials",
    ]
)


def _paths(doc, prefix=()):
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, (*prefix, k))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_files_give_clean_errors_or_valid_spaces(data):
    doc = yaml.safe_load(ISSUE_EXAMPLE)
    for _ in range(data.draw(st.integers(1, 3))):
        paths = list(_paths(doc))
        path = data.draw(st.sampled_from(paths))
        op = data.draw(st.sampled_from(["set", "delete", "add"]))
        if not path:
            continue
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        if op == "set":
            parent[path[-1]] = data.draw(_VALUES)
        elif op == "delete":
            del parent[path[-1]]
        elif isinstance(parent[path[-1]], dict):
            parent[path[-1]][data.draw(_KEYS)] = data.draw(_VALUES)
    try:
        space = load_space(doc)
    except hpsearch.ConfigError as exc:
        message = str(exc)
        assert message and "\n" not in message
        return
    rng = np.random.default_rng(0)
    for _ in range(3):
        params = space.space.sample(rng)
        space.space.check_params(params)
        for value in params.values():
            assert not (isinstance(value, float) and math.isnan(value))
