"""Reading a torch objective's block: the knobs it fixes and its simple typed options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hpsearch.errors import ConfigError

__all__ = ["fixed_knobs", "flag", "opt_int"]


def fixed_knobs(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The knob values a torch objective's block fixes (``model``, ``epochs``, ...,
    ``early_stopping`` and ``params``).

    Example:
        >>> fixed_knobs({"model": {"type": "cnn", "channels": [8]}, "early_stopping": 3})
        {'model': 'cnn', 'channels': [8], 'patience': 3}
    """
    fixed: dict[str, Any] = {}
    model = spec.get("model")
    if isinstance(model, str):
        fixed["model"] = model
    elif isinstance(model, Mapping):
        for key, value in model.items():
            if key == "type":
                fixed["model"] = value
            elif key != "input_shape":
                fixed[key] = value
    elif model is not None:
        raise ConfigError(
            f"must be mlp, cnn or a mapping with a type, got {model!r}", path="objective.model"
        )
    for key in ("epochs", "loss", "amp", "seed"):
        if spec.get(key) is not None:
            fixed[key] = spec[key]
    stopping = spec.get("early_stopping")
    if isinstance(stopping, Mapping):
        unknown = set(stopping) - {"patience", "min_delta"}
        if unknown:
            raise ConfigError(
                f"unknown key {sorted(unknown)[0]!r}; allowed: patience, min_delta",
                path="objective.early_stopping",
            )
        fixed.update(stopping)
    elif isinstance(stopping, int) and not isinstance(stopping, bool):
        fixed["patience"] = stopping
    elif stopping not in (None, False):
        raise ConfigError(
            f"must be {{patience: N, min_delta: x}} or false, got {stopping!r}",
            path="objective.early_stopping",
        )
    params = spec.get("params") or {}
    if not isinstance(params, Mapping):
        raise ConfigError(
            f"must be a mapping of knob values, got {params!r}", path="objective.params"
        )
    fixed.update(params)
    return fixed


def flag(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"must be true or false, got {value!r}", path=f"objective.{key}")
    return value


def opt_int(value: Any, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"must be a positive integer, got {value!r}", path=f"objective.{key}")
    return value
