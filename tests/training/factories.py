"""A user model factory for the tests (``objective.factory``)."""

from __future__ import annotations

import math
from typing import Any

from torch import nn


def tiny_net(params: dict[str, Any], input_shape: tuple[int, ...], n_outputs: int) -> nn.Module:
    width = int(params.get("hidden_size", 16))
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(math.prod(input_shape), width),
        nn.ReLU(),
        nn.Linear(width, n_outputs),
    )


def not_a_module(params: dict[str, Any], input_shape: tuple[int, ...], n_outputs: int) -> Any:
    return "nope"
