"""Synthetic test functions (continuous) and mixed spaces (ints, categoricals, conditions).

All minimized, all with a known optimum, all cheap: the search strategy is the only cost.

Example:
    >>> from benchmarks.quality.synthetic import SYNTHETIC
    >>> p = {q.name: q for q in SYNTHETIC}["branin"]
    >>> round(p.evaluate({"x1": -3.14159265, "x2": 12.275}), 4)
    0.3979
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from benchmarks.quality.base import Problem

__all__ = ["MIXED", "SYNTHETIC"]


def _vector(params: dict[str, Any], prefix: str, n: int) -> np.ndarray:
    return np.array([float(params[f"{prefix}{i}"]) for i in range(n)])


def branin(x1: float, x2: float) -> float:
    """Branin-Hoo on ``[-5, 10] x [0, 15]``; minimum 0.397887 (three minimizers)."""
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


_H6_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_H6_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)
_H3_A = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
_H3_P = 1e-4 * np.array(
    [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]]
)
_H_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def hartmann(x: np.ndarray) -> float:
    """Hartmann-3 or Hartmann-6 on the unit cube; minima -3.86278 and -3.32237."""
    a, p = (_H6_A, _H6_P) if len(x) == 6 else (_H3_A, _H3_P)
    return float(-np.sum(_H_ALPHA * np.exp(-np.sum(a * (x - p) ** 2, axis=1))))


def rosenbrock(x: np.ndarray) -> float:
    """Rosenbrock; minimum 0 at ``(1, ..., 1)``."""
    return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


def ackley(x: np.ndarray) -> float:
    """Ackley; minimum 0 at the origin."""
    d = len(x)
    return float(
        -20 * np.exp(-0.2 * np.sqrt(np.sum(x**2) / d))
        - np.exp(np.sum(np.cos(2 * np.pi * x)) / d)
        + 20
        + np.e
    )


def levy(x: np.ndarray) -> float:
    """Levy; minimum 0 at ``(1, ..., 1)``."""
    w = 1 + (x - 1) / 4
    head = np.sin(np.pi * w[0]) ** 2
    mid = np.sum((w[:-1] - 1) ** 2 * (1 + 10 * np.sin(np.pi * w[:-1] + 1) ** 2))
    tail = (w[-1] - 1) ** 2 * (1 + np.sin(2 * np.pi * w[-1]) ** 2)
    return float(head + mid + tail)


def _box(prefix: str, n: int, low: float, high: float) -> dict[str, Any]:
    return {f"{prefix}{i}": {"type": "float", "low": low, "high": high} for i in range(n)}


# Hartmann-3 with a categorical "variant": each variant transforms the point and adds a
# penalty, so the best variant and the best point must be found together.
_VARIANTS = {
    "plain": (lambda x: x, 0.5),
    "shifted": (lambda x: np.mod(x + 0.25, 1.0), 0.0),
    "mirrored": (lambda x: 1.0 - x, 0.1),
    "squashed": (lambda x: x**2, 1.0),
}


def _hartmann3_categorical(params: dict[str, Any]) -> float:
    transform, penalty = _VARIANTS[params["variant"]]
    return hartmann(transform(_vector(params, "x", 3))) + penalty


def _conditional(params: dict[str, Any]) -> float:
    """Three branches with their own parameters; the hardest branch holds the optimum 0."""
    branch = params["branch"]
    if branch == "branin":
        return branin(params["b_x1"], params["b_x2"])
    if branch == "rosenbrock":
        return rosenbrock(_vector(params, "r_x", 3)) / 50.0
    return (params["s_x"] - 7.3) ** 2 / 10.0 + 0.5 + 0.05 * abs(params["s_k"] - 3)


_CLASSIC: tuple[Problem, ...] = (
    Problem(
        "branin",
        "synthetic",
        {
            "x1": {"type": "float", "low": -5, "high": 10},
            "x2": {"type": "float", "low": 0, "high": 15},
        },
        lambda p: branin(p["x1"], p["x2"]),
        0.397887,
        "Branin, 2-D",
    ),
    Problem(
        "hartmann6",
        "synthetic",
        _box("x", 6, 0, 1),
        lambda p: hartmann(_vector(p, "x", 6)),
        -3.32237,
        "Hartmann, 6-D",
    ),
    Problem(
        "rosenbrock4",
        "synthetic",
        _box("x", 4, -5, 10),
        lambda p: rosenbrock(_vector(p, "x", 4)),
        0.0,
        "Rosenbrock, 4-D on [-5, 10]",
    ),
    Problem(
        "ackley5",
        "synthetic",
        _box("x", 5, -32.768, 32.768),
        lambda p: ackley(_vector(p, "x", 5)),
        0.0,
        "Ackley, 5-D on [-32.8, 32.8]",
    ),
    Problem(
        "levy4",
        "synthetic",
        _box("x", 4, -10, 10),
        lambda p: levy(_vector(p, "x", 4)),
        0.0,
        "Levy, 4-D on [-10, 10]",
    ),
)

_CLASSIC_MIXED: tuple[Problem, ...] = (
    Problem(
        "hartmann3_cat",
        "mixed",
        {**_box("x", 3, 0, 1), "variant": {"type": "categorical", "choices": list(_VARIANTS)}},
        _hartmann3_categorical,
        -3.86278,
        "Hartmann-3 + a 4-way categorical (transform and penalty)",
    ),
    Problem(
        "conditional3",
        "mixed",
        {
            "branch": {"type": "categorical", "choices": ["branin", "rosenbrock", "sphere"]},
            "b_x1": {"type": "float", "low": -5, "high": 10, "when": {"branch": "branin"}},
            "b_x2": {"type": "float", "low": 0, "high": 15, "when": {"branch": "branin"}},
            **{
                f"r_x{i}": {"type": "float", "low": -2, "high": 2, "when": {"branch": "rosenbrock"}}
                for i in range(3)
            },
            "s_x": {"type": "float", "low": 0, "high": 10, "when": {"branch": "sphere"}},
            "s_k": {"type": "int", "low": 0, "high": 10, "when": {"branch": "sphere"}},
        },
        _conditional,
        0.0,
        "conditional: branch -> Branin (2-D) | Rosenbrock/50 (3-D) | 1-D + int",
    ),
)


# -- more continuous functions (new with the dev/test split) ----------------------------------
def styblinski_tang(x: np.ndarray) -> float:
    """Styblinski-Tang; minimum ``-39.16617 * d`` at ``x_i = -2.903534``."""
    return float(np.sum(x**4 - 16 * x**2 + 5 * x) / 2)


def six_hump_camel(x1: float, x2: float) -> float:
    """Six-hump camel on ``[-3, 3] x [-2, 2]``; minimum -1.031628 (two minimizers)."""
    return (4 - 2.1 * x1**2 + x1**4 / 3) * x1**2 + x1 * x2 + (-4 + 4 * x2**2) * x2**2


def michalewicz(x: np.ndarray, m: int = 10) -> float:
    """Michalewicz on ``[0, pi]^d``; minimum -4.687658 for ``d = 5``."""
    i = np.arange(1, len(x) + 1)
    return float(-np.sum(np.sin(x) * np.sin(i * x**2 / math.pi) ** (2 * m)))


def rastrigin(x: np.ndarray) -> float:
    """Rastrigin; minimum 0 at the origin."""
    return float(10 * len(x) + np.sum(x**2 - 10 * np.cos(2 * np.pi * x)))


def _ints(prefix: str, n: int, low: int, high: int) -> dict[str, Any]:
    return {f"{prefix}{i}": {"type": "int", "low": low, "high": high} for i in range(n)}


_NEW: tuple[Problem, ...] = (
    Problem(
        "styblinski_tang4",
        "synthetic",
        _box("x", 4, -5, 5),
        lambda p: styblinski_tang(_vector(p, "x", 4)),
        -39.16617 * 4,
        "Styblinski-Tang, 4-D on [-5, 5]",
    ),
    Problem(
        "camel",
        "synthetic",
        {
            "x1": {"type": "float", "low": -3, "high": 3},
            "x2": {"type": "float", "low": -2, "high": 2},
        },
        lambda p: six_hump_camel(p["x1"], p["x2"]),
        -1.031628,
        "Six-hump camel, 2-D",
    ),
    Problem(
        "michalewicz5",
        "synthetic",
        _box("x", 5, 0, math.pi),
        lambda p: michalewicz(_vector(p, "x", 5)),
        -4.687658,
        "Michalewicz (m = 10), 5-D on [0, pi]",
    ),
    Problem(
        "rastrigin3",
        "synthetic",
        _box("x", 3, -5.12, 5.12),
        lambda p: rastrigin(_vector(p, "x", 3)),
        0.0,
        "Rastrigin, 3-D on [-5.12, 5.12]",
    ),
)


# -- more mixed spaces ------------------------------------------------------------------------
_SCALES = {"x1": 1.0, "x2": 2.0, "x4": 4.0}


def _mixed_ackley(p: dict[str, Any]) -> float:
    """3 floats and 2 ints through Ackley; a categorical scales the ints' grid."""
    x = np.array([p["f0"], p["f1"], p["f2"], p["i0"] / _SCALES[p["grid"]], p["i1"] / 4.0])
    return ackley(x) + (0.3 if p["grid"] != "x2" else 0.0)


def _nested(p: dict[str, Any]) -> float:
    """A model-choice space: a linear branch (easy, floor 1.0) and a tree branch whose int
    depth and float rate must be tuned together to reach 0."""
    if p["model"] == "linear":
        return 1.0 + (math.log10(p["alpha"]) + 2) ** 2 / 20
    if p["model"] == "kernel":
        return 0.6 + (math.log10(p["gamma"]) - 0.5) ** 2 / 4 + 0.1 * abs(p["degree"] - 3)
    depth, rate = p["depth"], p["rate"]
    return ((depth - 7) / 3) ** 2 + (math.log10(rate) + 1.5) ** 2 + 0.02 * (p["loss"] == "l2")


def _high_dim(p: dict[str, Any]) -> float:
    """24 parameters (16 floats, 8 ints), of which 6 matter a lot and the rest a little."""
    f = np.array([p[f"f{i}"] for i in range(16)])
    k = np.array([p[f"k{i}"] for i in range(8)], dtype=float)
    w = np.where(np.arange(16) < 4, 1.0, 0.05)
    return float(
        np.sum(w * (f - 0.3) ** 2) + np.sum(np.where(np.arange(8) < 2, 0.1, 0.005) * (k - 2) ** 2)
    )


_NEW_MIXED: tuple[Problem, ...] = (
    Problem(
        "int_rosenbrock4",
        "mixed",
        _ints("x", 4, -5, 10),
        lambda p: rosenbrock(_vector(p, "x", 4)),
        0.0,
        "Rosenbrock on a 4-D integer grid [-5, 10]^4 (ints only)",
    ),
    Problem(
        "mixed_ackley",
        "mixed",
        {
            **_box("f", 3, -5, 5),
            "i0": {"type": "int", "low": -8, "high": 8},
            "i1": {"type": "int", "low": -8, "high": 8},
            "grid": {"type": "categorical", "choices": list(_SCALES)},
        },
        _mixed_ackley,
        0.0,
        "Ackley over 3 floats + 2 ints, a 3-way categorical scales one int",
    ),
    Problem(
        "nested_model",
        "mixed",
        {
            "model": {"type": "categorical", "choices": ["linear", "kernel", "tree"]},
            "alpha": {
                "type": "float",
                "low": 1e-4,
                "high": 1e2,
                "log": True,
                "when": {"model": "linear"},
            },
            "gamma": {
                "type": "float",
                "low": 1e-3,
                "high": 1e3,
                "log": True,
                "when": {"model": "kernel"},
            },
            "degree": {"type": "int", "low": 1, "high": 6, "when": {"model": "kernel"}},
            "depth": {"type": "int", "low": 1, "high": 16, "when": {"model": "tree"}},
            "rate": {
                "type": "float",
                "low": 1e-4,
                "high": 1.0,
                "log": True,
                "when": {"model": "tree"},
            },
            "loss": {"type": "categorical", "choices": ["l1", "l2"], "when": {"model": "tree"}},
        },
        _nested,
        0.0,
        "conditional model choice: linear (floor 1.0) | kernel (0.6) | tree: int + log float (0)",
    ),
    Problem(
        "highdim24",
        "mixed",
        {**_box("f", 16, 0, 1), **_ints("k", 8, 0, 10)},
        _high_dim,
        0.0,
        "24 parameters (16 floats, 8 ints), 6 of them important",
    ),
)

SYNTHETIC: tuple[Problem, ...] = _CLASSIC + _NEW
MIXED: tuple[Problem, ...] = _CLASSIC_MIXED + _NEW_MIXED
