"""Parameter dimensions: small, immutable value objects that validate themselves.

Each dimension knows its values (``contains``), its grid when finite (``grid_values``), how to
sample itself (``sample``), its storable form (``Categorical.encode``) and its native-format dict
(``to_dict``). Backends convert dimensions themselves (Optuna distributions in
:mod:`hpsearch.strategies`, Tune domains with the Tune executor); nothing here imports them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Union

import numpy as np

from hpsearch.errors import ConfigError

__all__ = [
    "Categorical",
    "Condition",
    "Constant",
    "Dimension",
    "Float",
    "Int",
    "Prior",
]

MAX_GRID_POINTS_PER_DIM = 100_000
MAX_MAGNITUDE = 2**53  # beyond it floats skip integers and ranges overflow


@dataclass(frozen=True)
class Condition:
    """``when: {parent: [values]}``: active only while ``parent`` takes one of ``values``."""

    parent: str
    values: tuple[Any, ...]

    def holds(self, params: dict[str, Any]) -> bool:
        return self.parent in params and any(_same(params[self.parent], v) for v in self.values)

    def to_dict(self) -> Any:
        return self.values[0] if len(self.values) == 1 else list(self.values)


@dataclass(frozen=True)
class Prior:
    """A non-uniform prior for random sampling (W&B ``normal``, ``log_normal``, ``beta``).

    Model-based strategies search the dimension's ``[low, high]`` box; ``random`` samples the
    prior and clips it to the box.
    """

    kind: str  # normal | log_normal | beta
    a: float  # mu (normal, log_normal) or alpha (beta)
    b: float  # sigma (normal, log_normal) or beta (beta)

    KINDS: ClassVar[tuple[str, ...]] = ("normal", "log_normal", "beta")

    def draw(self, rng: np.random.Generator) -> float:
        if self.kind == "normal":
            return float(rng.normal(self.a, self.b))
        if self.kind == "log_normal":
            return float(math.exp(rng.normal(self.a, self.b)))
        return float(rng.beta(self.a, self.b))


def _same(a: Any, b: Any) -> bool:
    """Value equality that keeps ``True`` apart from ``1`` and lists apart from tuples."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return (type(a) is type(b) and a == b) or (
        isinstance(a, (int, float)) and isinstance(b, (int, float)) and a == b
    )


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


@dataclass(frozen=True)
class _Base:
    name: str
    when: tuple[Condition, ...] = field(default=(), kw_only=True)

    kind: ClassVar[str] = ""

    def _fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(
            message, path=f"parameters.{self.name}.{key}" if key else f"parameters.{self.name}"
        )

    def _when_dict(self) -> dict[str, Any]:
        return {"when": {c.parent: c.to_dict() for c in self.when}} if self.when else {}

    def describe_condition(self) -> str:
        return " and ".join(
            f"{c.parent} in {list(c.values)}"
            if len(c.values) > 1
            else f"{c.parent} = {c.values[0]!r}"
            for c in self.when
        )


@dataclass(frozen=True)
class _Numeric(_Base):
    low: float
    high: float
    log: bool = False
    step: float | None = None
    prior: Prior | None = None

    def __post_init__(self) -> None:
        for key in ("low", "high"):
            value = getattr(self, key)
            if not _is_number(value):
                raise self._fail(key, f"must be a number, got {value!r}")
            if not math.isfinite(value):
                raise self._fail(key, f"must be finite, got {value!r}")
        for key in ("low", "high"):
            if abs(getattr(self, key)) > MAX_MAGNITUDE:
                raise self._fail(key, f"must be within ±2**53, got {getattr(self, key)!r}")
        if self.low > self.high:
            raise self._fail("low", f"must be <= high ({self.high!r}), got {self.low!r}")
        if self.log and self.low <= 0:
            raise self._fail("low", f"must be > 0 on a log scale, got {self.low!r}")
        if self.step is not None:
            if not _is_number(self.step) or not math.isfinite(self.step) or self.step <= 0:
                raise self._fail("step", f"must be a positive number, got {self.step!r}")
            if self.log and not (self.kind == "int" and self.step == 1):
                raise self._fail("step", "cannot be combined with log: true")
            span = self.high - self.low
            if self.step > span and span > 0:
                raise self._fail("step", f"is larger than the range {span!r}, got {self.step!r}")
        if self.prior is not None and self.prior.kind not in Prior.KINDS:
            raise self._fail(
                "prior", f"must be one of {list(Prior.KINDS)}, got {self.prior.kind!r}"
            )

    def describe_range(self) -> str:
        scale = "log" if self.log else "linear"
        show_step = self.step is not None and not (self.kind == "int" and self.step == 1)
        step = f", step {self.step:g}" if show_step else ""
        prior = (
            f", prior {self.prior.kind}({self.prior.a:g}, {self.prior.b:g})" if self.prior else ""
        )
        return f"[{self.low:g}, {self.high:g}] {scale}{step}{prior}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.kind, "low": self.low, "high": self.high}
        if self.log:
            out["log"] = True
        if self.step is not None and not (self.kind == "int" and self.step == 1):
            out["step"] = self.step
        if self.prior is not None:
            out["prior"] = {"type": self.prior.kind, **_prior_args(self.prior)}
        return {**out, **self._when_dict()}


def _prior_args(prior: Prior) -> dict[str, float]:
    if prior.kind == "beta":
        return {"alpha": prior.a, "beta": prior.b}
    return {"mu": prior.a, "sigma": prior.b}


@dataclass(frozen=True)
class Float(_Numeric):
    """A real-valued parameter in ``[low, high]``, optionally on a log scale or a step grid.

    Example:
        >>> Float("lr", 1e-5, 1e-1, log=True).contains(0.01)
        True
    """

    kind: ClassVar[str] = "float"

    def __post_init__(self) -> None:
        object.__setattr__(self, "low", float(self.low) if _is_number(self.low) else self.low)
        object.__setattr__(self, "high", float(self.high) if _is_number(self.high) else self.high)
        super().__post_init__()
        if self.step is not None:
            n = (self.high - self.low) / self.step
            if abs(n - round(n)) > 1e-6 * max(1.0, abs(n)):
                raise self._fail(
                    "step", f"must divide the range {self.high - self.low:g}, got {self.step:g}"
                )

    def contains(self, value: Any) -> bool:
        if not _is_number(value) or not math.isfinite(value):
            return False
        tol = 1e-9 * max(1.0, abs(self.high), abs(self.low))
        if not self.low - tol <= value <= self.high + tol:
            return False
        if self.step is not None:
            k = (value - self.low) / self.step
            return abs(k - round(k)) < 1e-6
        return True

    def grid_values(self) -> list[float] | None:
        if self.low == self.high:
            return [self.low]
        if self.step is None:
            return None
        n = round((self.high - self.low) / self.step) + 1
        if n > MAX_GRID_POINTS_PER_DIM:
            return None
        return [float(round(self.low + i * self.step, 12)) for i in range(n)]

    def sample(self, rng: np.random.Generator) -> float:
        if self.prior is not None:
            x = min(max(self.prior.draw(rng), self.low), self.high)
        elif self.log:
            x = math.exp(rng.uniform(math.log(self.low), math.log(self.high)))
        else:
            x = float(rng.uniform(self.low, self.high))
        return self._snap(x)

    def _snap(self, x: float) -> float:
        if self.step is not None:
            x = self.low + round((x - self.low) / self.step) * self.step
            x = float(round(x, 12))
        return min(max(x, self.low), self.high)


@dataclass(frozen=True)
class Int(_Numeric):
    """An integer parameter in ``[low, high]`` (both included).

    Example:
        >>> Int("depth", 2, 8).grid_values()
        [2, 3, 4, 5, 6, 7, 8]
    """

    kind: ClassVar[str] = "int"

    def __post_init__(self) -> None:
        for key in ("low", "high"):
            value = getattr(self, key)
            if _is_number(value) and math.isfinite(value):
                if float(value) != int(value):
                    raise self._fail(key, f"must be an integer, got {value!r}")
                object.__setattr__(self, key, int(value))
        if self.step is None:
            object.__setattr__(self, "step", 1)
        super().__post_init__()
        if float(self.step) != int(self.step):
            raise self._fail("step", f"must be an integer for an int parameter, got {self.step!r}")
        object.__setattr__(self, "step", int(self.step))
        if (self.high - self.low) % self.step:
            raise self._fail(
                "step", f"must divide the range {self.high - self.low}, got {self.step}"
            )

    def contains(self, value: Any) -> bool:
        if not _is_number(value) or (isinstance(value, float) and not value.is_integer()):
            return False
        return self.low <= value <= self.high and (int(value) - self.low) % self.step == 0

    def grid_values(self) -> list[int] | None:
        n = (self.high - self.low) // self.step + 1
        if n > MAX_GRID_POINTS_PER_DIM:
            return None
        return list(range(self.low, self.high + 1, self.step))

    def sample(self, rng: np.random.Generator) -> int:
        if self.prior is not None:
            x = self.prior.draw(rng)
        elif self.log:
            x = math.exp(
                rng.uniform(
                    math.log(self.low - 0.5 if self.low > 0.5 else self.low),
                    math.log(self.high + 0.5),
                )
            )
        else:
            return int(
                self.low + self.step * rng.integers(0, (self.high - self.low) // self.step + 1)
            )
        k = round((x - self.low) / self.step)
        return int(min(max(self.low + k * self.step, self.low), self.high))


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
