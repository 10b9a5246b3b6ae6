"""Models shaped by a trial's knobs: an MLP, a small CNN, or a user factory."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from hpsearch.errors import ConfigError
from hpsearch.training._knobs import TrainConfig

__all__ = ["build_model", "count_parameters", "image_shape"]

_ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "gelu": nn.GELU,
    "tanh": nn.Tanh,
    "silu": nn.SiLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
}


def _dense_stack(n_in: int, sizes: Sequence[int], cfg: TrainConfig) -> list[nn.Module]:
    layers: list[nn.Module] = []
    width = n_in
    for size in sizes:
        layers.append(nn.Linear(width, size))
        if cfg.norm == "batch":
            layers.append(nn.BatchNorm1d(size))
        elif cfg.norm == "layer":
            layers.append(nn.LayerNorm(size))
        layers.append(_ACTIVATIONS[cfg.activation]())
        if cfg.dropout > 0:
            layers.append(nn.Dropout(cfg.dropout))
        width = size
    return layers


def build_mlp(n_features: int, n_outputs: int, cfg: TrainConfig) -> nn.Module:
    """Linear -> [norm] -> activation -> [dropout] per hidden layer, then a linear head."""
    sizes = cfg.layer_sizes
    layers = [nn.Flatten(), *_dense_stack(n_features, sizes, cfg)]
    layers.append(nn.Linear(sizes[-1] if sizes else n_features, n_outputs))
    return nn.Sequential(*layers)


def build_cnn(shape: Sequence[int], n_outputs: int, cfg: TrainConfig) -> nn.Module:
    """Conv blocks (conv -> [norm] -> activation -> [2x2 pool]) then an MLP head."""
    if len(shape) != 3:
        raise ConfigError(
            f"a CNN needs (channels, height, width) input, got shape {tuple(shape)}",
            path="objective.model",
        )
    c, h, w = (int(s) for s in shape)
    layers: list[nn.Module] = []
    pad = cfg.kernel_size // 2
    for out in cfg.channels:
        layers.append(nn.Conv2d(c, out, cfg.kernel_size, padding=pad))
        h, w = h + 2 * pad - cfg.kernel_size + 1, w + 2 * pad - cfg.kernel_size + 1
        if h < 1 or w < 1:
            raise ConfigError(
                f"kernel_size {cfg.kernel_size} is too large for input {shape}",
                path="params.kernel_size",
            )
        if cfg.norm == "batch":
            layers.append(nn.BatchNorm2d(out))
        elif cfg.norm == "layer":
            layers.append(nn.GroupNorm(1, out))
        layers.append(_ACTIVATIONS[cfg.activation]())
        if cfg.pooling != "none" and h >= 2 and w >= 2:
            layers.append(nn.MaxPool2d(2) if cfg.pooling == "max" else nn.AvgPool2d(2))
            h, w = h // 2, w // 2
        c = out
    layers.append(nn.Flatten())
    if cfg.dropout > 0:
        layers.append(nn.Dropout(cfg.dropout))
    head = cfg.layer_sizes
    layers += _dense_stack(c * h * w, head, cfg)
    layers.append(nn.Linear(head[-1] if head else c * h * w, n_outputs))
    return nn.Sequential(*layers)


def image_shape(n_features: int, given: Sequence[int] | None = None) -> tuple[int, int, int]:
    """``given`` checked against the feature count, or 1 x s x s for a square count (digits: 64)."""
    if given is not None:
        shape = tuple(int(s) for s in given)
        if len(shape) == 2:
            shape = (1, *shape)
        if len(shape) != 3 or math.prod(shape) != n_features:
            raise ConfigError(
                f"input_shape {list(given)} does not hold {n_features} features",
                path="objective.model.input_shape",
            )
        return shape
    side = math.isqrt(n_features)
    if side * side != n_features:
        raise ConfigError(
            f"{n_features} features are not a square image: give "
            "model: {type: cnn, input_shape: [C, H, W]}",
            path="objective.model.input_shape",
        )
    return (1, side, side)


def build_model(
    cfg: TrainConfig,
    input_shape: Sequence[int],
    n_outputs: int,
    *,
    factory: Callable[..., Any] | None = None,
    params: dict[str, Any] | None = None,
) -> nn.Module:
    """The network for one trial; ``input_shape`` excludes the batch dimension.

    Example:
        >>> model = build_model(TrainConfig(hidden_sizes=(8,)), (4,), 3)
        >>> model(torch.zeros(2, 4)).shape
        torch.Size([2, 3])
    """
    if factory is not None:
        model = factory(dict(params or {}), tuple(input_shape), n_outputs)
        if not isinstance(model, nn.Module):
            raise ConfigError(
                f"the factory returned {type(model).__name__}, not a torch.nn.Module",
                path="objective.factory",
            )
        return model
    if cfg.model == "cnn":
        return build_cnn(input_shape, n_outputs, cfg)
    return build_mlp(math.prod(input_shape), n_outputs, cfg)


def count_parameters(model: nn.Module) -> int:
    """Trainable parameter count."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def weight_parameters(model: nn.Module) -> list[torch.nn.Parameter]:
    """The parameters the L1 penalty applies to: weights of linear and conv layers."""
    return [p for name, p in model.named_parameters() if name.endswith("weight") and p.dim() > 1]
