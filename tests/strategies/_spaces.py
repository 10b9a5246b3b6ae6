"""Spaces and objectives shared by the strategy tests."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from hpsearch import load_space
from hpsearch.space import Space

REPO = Path(__file__).parents[2]
SVM = REPO / "search_spaces" / "svm_digits.yaml"

NESTED = {
    "name": "nested",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {
        "optimizer": {
            "name": {"type": "categorical", "choices": ["adam", "sgd"], "weights": [3, 1]},
            "lr": {"type": "float", "low": 1e-4, "high": 1e-1, "log": True},
            "momentum": {"type": "float", "low": 0.0, "high": 0.99, "when": {"name": "sgd"}},
            "nesterov": {"type": "categorical", "choices": [True, False], "when": {"name": "sgd"}},
        },
        "model": {
            "layers": {"type": "int", "low": 1, "high": 4},
            "width": {"type": "int", "low": 16, "high": 256, "log": True},
            "dropout": {"type": "float", "low": 0.0, "high": 0.5, "step": 0.1},
            "hidden": {"type": "categorical", "choices": [[32], [64, 32], [128, 64, 32]]},
        },
        "epochs": {"type": "constant", "value": 3},
    },
}

# Finite spaces (for grid): a conditional one and a nested-group one.
FINITE_SVM = {
    "name": "svm-grid",
    "metric": {"name": "accuracy", "goal": "maximize"},
    "parameters": {
        "C": {"type": "float", "low": 0.5, "high": 2.0, "step": 0.5},
        "kernel": {"type": "categorical", "choices": ["rbf", "poly", "linear"]},
        "degree": {"type": "int", "low": 2, "high": 4, "when": {"kernel": "poly"}},
        "gamma": {
            "type": "categorical",
            "choices": ["scale", "auto"],
            "when": {"kernel": ["rbf", "poly"]},
        },
        "shrinking": {"type": "constant", "value": True},
    },
}
FINITE_NESTED = {
    "name": "nested-grid",
    "parameters": {
        "optimizer": {
            "name": {"type": "categorical", "choices": ["adam", "sgd"]},
            "momentum": {
                "type": "float",
                "low": 0.0,
                "high": 0.9,
                "step": 0.45,
                "when": {"name": "sgd"},
            },
        },
        "model": {
            "layers": {"type": "int", "low": 1, "high": 3},
            "hidden": {"type": "categorical", "choices": [[32], [64, 32]]},
        },
    },
}


def svm_space() -> Space:
    return load_space(SVM)


def nested_space(**top: Any) -> Space:
    base = {k: v for k, v in NESTED.items() if not ("metrics" in top and k == "metric")}
    return load_space({**base, **top})


def finite_svm_space() -> Space:
    return load_space(FINITE_SVM)


def finite_nested_space() -> Space:
    return load_space(FINITE_NESTED)


def score(params: dict[str, Any]) -> float:
    """A deterministic number for any point of the test spaces."""
    total = 0.0
    for key, value in sorted(params.items()):
        if isinstance(value, bool) or value is None:
            total += 0.3 * bool(value)
        elif isinstance(value, (int, float)):
            x = math.log10(value) if value > 0 and key in ("C", "gamma", "optimizer.lr") else value
            total += (float(x) - 0.5) ** 2 / (1 + abs(float(x)))
        else:
            total += (len(str(value)) % 5) / 10
    return total
