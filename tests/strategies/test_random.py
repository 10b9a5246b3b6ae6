"""The random strategy honors categorical weights and W&B-style priors."""

from __future__ import annotations

import numpy as np

from hpsearch import load_space
from hpsearch.strategies import RandomStrategy, SobolStrategy


def draws(strategy, n: int) -> list[dict]:
    out = []
    for _ in range(n):
        s = strategy.ask()
        out.append(s.params)
        strategy.tell(s, 0.0)
    return out


SPACE = {
    "parameters": {
        "opt": {
            "type": "categorical",
            "choices": ["adam", "sgd", "rmsprop"],
            "weights": [0.8, 0.2, 0.0],
        },
        "x": {
            "type": "float",
            "low": 0.0,
            "high": 1.0,
            "prior": {"type": "normal", "mu": 0.3, "sigma": 0.05},
        },
        "b": {
            "type": "float",
            "low": 0.0,
            "high": 1.0,
            "prior": {"type": "beta", "alpha": 8, "beta": 2},
        },
        "n": {"type": "int", "low": 1, "high": 1000, "log": True},
    }
}


def test_weights_and_priors_are_honored():
    points = draws(RandomStrategy(load_space(SPACE), seed=0), 400)
    opts = [p["opt"] for p in points]
    assert "rmsprop" not in opts
    assert 0.7 < opts.count("adam") / len(opts) < 0.9
    xs = np.array([p["x"] for p in points])
    assert abs(xs.mean() - 0.3) < 0.02 and xs.std() < 0.08
    bs = np.array([p["b"] for p in points])
    assert abs(bs.mean() - 0.8) < 0.04
    ns = np.array([p["n"] for p in points])
    assert np.median(ns) < 100  # log scale: half the draws below ~sqrt(1000)
    assert all(isinstance(n, int) for n in ns.tolist())


def test_draws_do_not_depend_on_the_order_of_asks():
    space = load_space(SPACE)
    serial = draws(RandomStrategy(space, seed=7), 6)
    strategy = RandomStrategy(space, seed=7)
    batch = [strategy.ask() for _ in range(6)]
    for s in batch[::-1]:
        strategy.tell(s, 1.0)
    assert [s.params for s in batch] == serial


def test_sobol_conditional_dims_fall_back_to_weighted_random():
    space = load_space(
        {
            "parameters": {
                "k": {"type": "categorical", "choices": ["a", "b"]},
                "w": {
                    "type": "categorical",
                    "choices": ["u", "v"],
                    "weights": [1, 0],
                    "when": {"k": "b"},
                },
                "x": {"type": "float", "low": 0, "high": 1},
            }
        }
    )
    points = draws(SobolStrategy(space, seed=0), 16)
    assert {p.get("w") for p in points} <= {"u", None}
    xs = sorted(p["x"] for p in points)
    assert max(np.diff(xs)) < 0.3  # space-filling
