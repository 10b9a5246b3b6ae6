"""Numeric dimensions: ``Float`` and ``Int`` ranges, with log scales, steps and priors."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from hpsearch.space._base import MAX_GRID_POINTS_PER_DIM, MAX_MAGNITUDE, _Base, _is_number

__all__ = ["Float", "Int", "Prior"]


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
            return bool(abs(k - round(k)) < 1e-6)
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
        step = float(self.step or 1)
        if step != int(step):
            raise self._fail("step", f"must be an integer for an int parameter, got {self.step!r}")
        object.__setattr__(self, "step", int(step))
        if (self.high - self.low) % step:
            raise self._fail(
                "step", f"must divide the range {self.high - self.low}, got {self.step}"
            )

    @property
    def int_range(self) -> tuple[int, int, int]:
        """``(low, high, step)`` as integers.

        Example:
            >>> Int("units", 16, 64, step=16).int_range
            (16, 64, 16)
        """
        return int(self.low), int(self.high), int(self.step or 1)

    def contains(self, value: Any) -> bool:
        if not _is_number(value) or (isinstance(value, float) and not value.is_integer()):
            return False
        low, high, step = self.int_range
        return low <= value <= high and (int(value) - low) % step == 0

    def grid_values(self) -> list[int] | None:
        low, high, step = self.int_range
        if (high - low) // step + 1 > MAX_GRID_POINTS_PER_DIM:
            return None
        return list(range(low, high + 1, step))

    def sample(self, rng: np.random.Generator) -> int:
        low, high, step = self.int_range
        if self.prior is not None:
            x = self.prior.draw(rng)
        elif self.log:
            x = math.exp(
                rng.uniform(math.log(low - 0.5 if low > 0.5 else low), math.log(high + 0.5))
            )
        else:
            return int(low + step * int(rng.integers(0, (high - low) // step + 1)))
        k = round((x - low) / step)
        return int(min(max(low + k * step, low), high))
