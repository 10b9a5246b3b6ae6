"""The scikit-optimize strategy: converges on a small problem, reports what is missing."""

from __future__ import annotations

import importlib.util

import pytest

from hpsearch import load_space
from hpsearch.errors import ConfigError
from hpsearch.strategies import SkoptStrategy, make_strategy

pytest.importorskip("skopt")


def test_gets_near_the_optimum_in_one_dimension():
    space = load_space(
        {
            "metric": {"name": "score", "goal": "maximize"},
            "parameters": {"x": {"type": "float", "low": -2.0, "high": 2.0}},
        }
    )
    strategy = SkoptStrategy(space, seed=0, n_initial_points=4, acq_func="EI")
    assert strategy.sampler.acq_optimizer == "sampling"
    for _ in range(12):
        s = strategy.ask()
        strategy.tell(s, -((s.params["x"] - 0.7) ** 2))
    best = strategy.study.best_trial
    assert abs(best.params["x"] - 0.7) < 0.1


def test_maps_every_dimension_kind():
    space = load_space(
        {
            "parameters": {
                "lr": {"type": "float", "low": 1e-4, "high": 1.0, "log": True},
                "drop": {"type": "float", "low": 0.0, "high": 0.5, "step": 0.1},
                "n": {"type": "int", "low": 2, "high": 64, "log": True},
                "s": {"type": "int", "low": 0, "high": 20, "step": 5},
                "h": {"type": "categorical", "choices": [[16], [32, 16]]},
                "fixed": {"type": "float", "low": 1.0, "high": 1.0},
            }
        }
    )
    strategy = SkoptStrategy(space, seed=1, n_initial_points=2)
    for _ in range(5):
        s = strategy.ask()
        space.space.check_params(s.params)
        strategy.tell(s, s.params["lr"] + s.params["drop"] + s.params["n"] / 64)


def test_missing_package_says_what_to_install(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "skopt" else real(name, *a)
    )
    space = load_space({"parameters": {"x": {"type": "float", "low": 0, "high": 1}}})
    with pytest.raises(ConfigError, match=r"install hpsearch\[skopt\]"):
        make_strategy(space, name="skopt")


def test_single_objective_only():
    space = load_space(
        {
            "metrics": [{"name": "a"}, {"name": "b"}],
            "parameters": {"x": {"type": "float", "low": 0, "high": 1}},
        }
    )
    with pytest.raises(ConfigError, match=r"strategy\.name: 'skopt' optimizes a single metric"):
        SkoptStrategy(space)


def test_bad_option_values():
    space = load_space({"parameters": {"x": {"type": "float", "low": 0, "high": 1}}})
    with pytest.raises(ConfigError, match=r"strategy\.acq_func: must be one of .*'EIS'.*'EI'"):
        SkoptStrategy(space, acq_func="EIS")
    assert SkoptStrategy(space, acq_func="lcb").sampler.acq_func == "LCB"
    with pytest.raises(ConfigError, match=r"strategy\.n_initial_points: must be an integer >= 1"):
        SkoptStrategy(space, n_initial_points=0)
