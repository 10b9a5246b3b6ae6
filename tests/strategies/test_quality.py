"""Model-based strategies beat random search on an easy problem (a loose check)."""

from __future__ import annotations

import numpy as np
import pytest

from hpsearch import load_space
from hpsearch.strategies import GPStrategy, RandomStrategy, TPEStrategy

SPACE = {
    "parameters": {
        "x": {"type": "float", "low": -5.0, "high": 5.0},
        "y": {"type": "float", "low": -5.0, "high": 5.0},
    }
}


def best_of(cls, seed: int, n: int = 30) -> float:
    strategy = cls(load_space(SPACE), seed=seed, budget=n)
    for _ in range(n):
        s = strategy.ask()
        strategy.tell(s, (s.params["x"] - 1.3) ** 2 + (s.params["y"] + 2.1) ** 2)
    return strategy.study.best_value


# GP costs ~0.1-0.4 s per suggestion on 2 cores: fewer trials keep this test quick.
@pytest.mark.parametrize(("cls", "n"), [(TPEStrategy, 30), (GPStrategy, 12)])
def test_beats_random_on_a_quadratic(cls, n):
    seeds = (0, 1, 2)
    model = np.mean([best_of(cls, s, n) for s in seeds])
    random = np.mean([best_of(RandomStrategy, s, n) for s in seeds])
    assert model < random
