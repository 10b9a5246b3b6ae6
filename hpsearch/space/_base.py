"""What every parameter dimension shares: a name, its ``when`` conditions and value equality."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from hpsearch.errors import ConfigError

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
