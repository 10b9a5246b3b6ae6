"""Parameter dimensions: small, immutable value objects that validate themselves.

Each dimension knows its values (``contains``), its grid when finite (``grid_values``), how to
sample itself (``sample``), its storable form (``Categorical.encode``) and its native-format dict
(``to_dict``). Backends convert dimensions themselves (Optuna distributions in
:mod:`hpsearch.strategies`, Tune domains with the Tune executor); nothing here imports them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, ClassVar, Union

import numpy as np

from hpsearch.space._base import MAX_GRID_POINTS_PER_DIM, Condition, _Base, _same
from hpsearch.space._numeric import Float, Int, Prior

__all__ = [
    "MAX_GRID_POINTS_PER_DIM",
    "Categorical",
    "Condition",
    "Constant",
    "Dimension",
    "Float",
    "Int",
    "Prior",
]


_SCALARS = (str, int, float, bool, type(None))


def _check_choice(value: Any) -> bool:
    if isinstance(value, float) and not math.isfinite(value):
        return False
    if isinstance(value, _SCALARS):
        return True
    if isinstance(value, (list, tuple)):
        return all(_check_choice(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _check_choice(v) for k, v in value.items())
    return False


def _freeze(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    return value


@dataclass(frozen=True)
class Categorical(_Base):
    """One of a list of choices (strings, numbers, booleans, null, lists).

    Example:
        >>> Categorical("kernel", ("rbf", "linear")).grid_values()
        ['rbf', 'linear']
    """

    choices: tuple[Any, ...]
    weights: tuple[float, ...] | None = None

    kind: ClassVar[str] = "categorical"

    def __post_init__(self) -> None:
        if not isinstance(self.choices, (list, tuple)):
            raise self._fail("choices", f"must be a list, got {type(self.choices).__name__}")
        object.__setattr__(self, "choices", tuple(self.choices))
        if not self.choices:
            raise self._fail("choices", "must not be empty")
        for i, choice in enumerate(self.choices):
            if not _check_choice(choice):
                raise self._fail(
                    f"choices[{i}]",
                    f"must be a string, number, boolean, null or list of those, got {choice!r}",
                )
        seen: set[Any] = set()
        for i, choice in enumerate(self.choices):
            key = (type(choice).__name__, repr(_freeze(choice)))
            if key in seen:
                raise self._fail(f"choices[{i}]", f"duplicate choice {choice!r}")
            seen.add(key)
        if self.weights is not None:
            w = tuple(float(x) for x in self.weights)
            if len(w) != len(self.choices):
                raise self._fail(
                    "weights",
                    f"must have one weight per choice ({len(self.choices)}), got {len(w)}",
                )
            if any(not math.isfinite(x) or x < 0 for x in w) or not sum(w) > 0:
                raise self._fail("weights", "must be non-negative numbers with a positive sum")
            object.__setattr__(self, "weights", w)

    @property
    def encoded(self) -> bool:
        """Whether the choices are stored JSON-encoded (any non-scalar choice)."""
        return any(not isinstance(c, _SCALARS) for c in self.choices)

    def encode(self, value: Any) -> Any:
        """The value as stored in a study (JSON text for non-scalar choices)."""
        return json.dumps(value) if self.encoded else value

    def decode(self, stored: Any) -> Any:
        """Inverse of :meth:`encode`."""
        return json.loads(stored) if self.encoded and isinstance(stored, str) else stored

    def index(self, value: Any) -> int:
        for i, choice in enumerate(self.choices):
            if _same(_thaw(choice), value) or _same(choice, value):
                return i
        raise ValueError(f"{value!r} is not a choice of {self.name}")

    def contains(self, value: Any) -> bool:
        try:
            self.index(value)
        except ValueError:
            return False
        return True

    def grid_values(self) -> list[Any]:
        return [_thaw(c) for c in self.choices]

    def sample(self, rng: np.random.Generator) -> Any:
        if self.weights is None:
            i = int(rng.integers(0, len(self.choices)))
        else:
            p = np.asarray(self.weights) / sum(self.weights)
            i = int(rng.choice(len(self.choices), p=p))
        return _thaw(self.choices[i])

    def describe_range(self) -> str:
        shown = ", ".join(repr(_thaw(c)) for c in self.choices[:8])
        more = f", ... ({len(self.choices)} in all)" if len(self.choices) > 8 else ""
        return f"{{{shown}{more}}}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "categorical", "choices": [_thaw(c) for c in self.choices]}
        if self.weights is not None:
            out["weights"] = list(self.weights)
        return {**out, **self._when_dict()}


def _thaw(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


@dataclass(frozen=True)
class Constant(_Base):
    """A fixed value passed to every trial (not searched).

    Example:
        >>> Constant("shrinking", True).grid_values()
        [True]
    """

    value: Any

    kind: ClassVar[str] = "constant"

    def __post_init__(self) -> None:
        if not _check_choice(self.value):
            raise self._fail(
                "value", f"must be a string, number, boolean, null or list, got {self.value!r}"
            )
        object.__setattr__(
            self, "value", _freeze(self.value) if isinstance(self.value, list) else self.value
        )

    def contains(self, value: Any) -> bool:
        return _same(value, _thaw(self.value))

    def grid_values(self) -> list[Any]:
        return [_thaw(self.value)]

    def sample(self, rng: np.random.Generator) -> Any:
        return _thaw(self.value)

    def describe_range(self) -> str:
        return f"= {_thaw(self.value)!r}"

    def to_dict(self) -> dict[str, Any]:
        return {"type": "constant", "value": _thaw(self.value), **self._when_dict()}


Dimension = Union[Float, Int, Categorical, Constant]  # noqa: UP007 - a runtime alias
