"""Synthetic multi-fidelity functions: a known optimum at the full resource, learning curves
that decay as power laws with configuration-dependent rates (so curves cross), U-shaped
curves where a configuration overfits, and noise that shrinks with the resource.

``curve(params, r)`` is the noise-free value after ``r`` resource units; the observed value
adds noise drawn from ``(seed, configuration, r)``, so a configuration trained to ``r`` twice
reads the same value (as a seeded training run would). ``unit_cost(params)`` is the simulated
seconds per resource unit (bigger models are slower).

Example:
    >>> task = SYNTHETIC["branin_lc"]
    >>> best = {"x1": -math.pi, "x2": 12.275}
    >>> round(task.curve(best, task.max_resource), 4) == round(task.optimum, 4)
    True
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from hpsearch.space import Categorical, Condition, Float, Int, Space

__all__ = ["SYNTHETIC", "SyntheticTask"]


@dataclass(frozen=True)
class SyntheticTask:
    name: str
    space: Space
    curve: Callable[[Mapping[str, Any], float], float]
    unit_cost: Callable[[Mapping[str, Any]], float]
    optimum: float
    max_resource: int = 81
    min_resource: int = 1
    noise: float = 0.0
    note: str = ""

    def observe(self, params: Mapping[str, Any], r: float, seed: int) -> float:
        """The noisy value a run of ``params`` reports after ``r`` units."""
        value = self.curve(params, r)
        if self.noise <= 0:
            return value
        key = zlib.crc32(repr(sorted(params.items())).encode())
        rng = np.random.default_rng([seed, key, round(r * 1000)])
        return value + self.noise * (r / self.max_resource) ** -0.25 * float(rng.normal())


def _power(r: float, R: float, rate: float) -> float:
    """1 at r=1 falling to 0 at r=R, as ``r**-rate``."""
    return (r**-rate - R**-rate) / (1 - R**-rate)


# -- Branin with learning curves (2-d; dev) -------------------------------------------------
def _branin(x1: float, x2: float) -> float:
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def _branin_curve(p: Mapping[str, Any], r: float) -> float:
    # configurations with large x1 learn fast (rate near 1) but start higher
    u = (p["x1"] + 5) / 15
    rate = 0.3 + 0.9 * u
    return _branin(p["x1"], p["x2"]) + (20 + 60 * u) * _power(r, 81, rate)


BRANIN = SyntheticTask(
    "branin_lc",
    Space((Float("x1", -5.0, 10.0), Float("x2", 0.0, 15.0))),
    _branin_curve,
    lambda p: 1.0 + (p["x2"] / 15),
    optimum=0.397887,
    noise=0.5,
    note="Branin at the full resource; power-law curves whose rate grows with x1 (crossing)",
)


# -- Hartmann-6 with learning curves (6-d; test) --------------------------------------------
_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)
_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def _hartmann6(x: np.ndarray) -> float:
    return float(-np.sum(_ALPHA * np.exp(-np.sum(_A * (x - _P) ** 2, axis=1))))


def _hartmann_curve(p: Mapping[str, Any], r: float) -> float:
    x = np.array([p[f"x{i}"] for i in range(6)])
    rate = 0.4 + 0.8 * x[0] * (1 - x[5])  # some regions learn slowly but end well
    return _hartmann6(x) + (1.0 + 1.5 * x[3]) * _power(r, 81, rate)


HARTMANN = SyntheticTask(
    "hartmann6_lc",
    Space(tuple(Float(f"x{i}", 0.0, 1.0) for i in range(6))),
    _hartmann_curve,
    lambda p: 1.0 + p["x1"],
    optimum=-3.32237,
    noise=0.05,
    note="Hartmann-6 at the full resource; rate and start height depend on x0, x3, x5",
)


# -- A network-like mixed, conditional space (test) -----------------------------------------
_NET = Space(
    (
        Categorical("optimizer", ("sgd", "adam")),
        Float("lr", 1e-5, 1.0, log=True),
        Float("momentum", 0.0, 0.99, when=(Condition("optimizer", ("sgd",)),)),
        Int("width", 16, 1024, log=True),
        Float("dropout", 0.0, 0.6),
        Float("weight_decay", 1e-6, 1e-1, log=True),
    )
)


def _net_parts(p: Mapping[str, Any]) -> tuple[float, float, float, float]:
    """(asymptote, rate, start gap, overfitting slope) of a network-like learning curve."""
    adam = p["optimizer"] == "adam"
    best_lr = 3e-3 if adam else 0.1 * (1 - p.get("momentum", 0.0)) + 0.01
    lr_gap = (math.log10(p["lr"]) - math.log10(best_lr)) ** 2
    width = math.log2(p["width"] / 256) ** 2  # 256 is the sweet spot
    wd = (math.log10(p["weight_decay"]) + 4) ** 2  # 1e-4 is best
    asym = 0.05 + 0.04 * lr_gap + 0.01 * width + 0.004 * wd + (0.0 if adam else 0.01)
    # larger learning rates learn faster (crossing curves); sgd without momentum is slow
    rate = float(np.clip(0.35 + 0.25 * (math.log10(p["lr"]) + 3), 0.15, 1.2))
    if not adam:
        rate *= 0.6 + 0.4 * p.get("momentum", 0.0)
    overfit = max(0.0, 0.35 - p["dropout"]) * max(0.0, math.log2(p["width"] / 64)) * 0.01
    return asym, rate, 0.8, overfit


def _net_curve(p: Mapping[str, Any], r: float) -> float:
    asym, rate, gap, overfit = _net_parts(p)
    # validation loss falls along a power law, then rises once overfitting sets in (U-shape)
    return asym + gap * _power(r, 81, rate) + overfit * max(0.0, r - 20) / 61 * 3


NET = SyntheticTask(
    "netlike_lc",
    _NET,
    _net_curve,
    lambda p: 0.5 + math.sqrt(p["width"] / 256),
    optimum=0.05,
    noise=0.004,
    note="mixed conditional space (optimizer, lr, momentum|sgd, width, dropout, weight decay); "
    "U-shaped curves when wide nets lack dropout",
)


# -- Rosenbrock-4 in log scale with slow starters (dev) ------------------------------------
def _rosen_curve(p: Mapping[str, Any], r: float) -> float:
    x = np.array([p[f"x{i}"] for i in range(4)])
    base = float(np.log1p(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)))
    rate = 0.25 + 0.5 / (1 + np.exp(-2 * x[0]))
    return base + 3.0 * _power(r, 81, rate)


ROSEN = SyntheticTask(
    "rosenbrock4_lc",
    Space(tuple(Float(f"x{i}", -2.0, 2.0) for i in range(4))),
    _rosen_curve,
    lambda p: 1.0,
    optimum=0.0,
    noise=0.05,
    note="log(1 + Rosenbrock-4) at the full resource; small x0 learns slowly",
)

SYNTHETIC: dict[str, SyntheticTask] = {t.name: t for t in (BRANIN, HARTMANN, NET, ROSEN)}
