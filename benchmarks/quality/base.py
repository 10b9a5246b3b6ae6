"""The :class:`Problem` record every benchmark problem is (kept apart so the problem modules
can share it without importing each other).

Example:
    >>> p = Problem("sq", "synthetic", {"x": {"type": "float", "low": 0, "high": 1}},
    ...             lambda params: params["x"] ** 2)
    >>> p.space_dict["parameters"]["x"]["high"], p.evaluate({"x": 0.5})
    (1, 0.25)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Problem"]


@dataclass(frozen=True)
class Problem:
    """One benchmark problem (minimized).

    Attributes:
        name: Short identifier (``branin``, ``svm_digits``, ...).
        kind: ``synthetic``, ``mixed`` (ints, categoricals or conditions) or ``sklearn``.
        parameters: The ``parameters:`` block of a native space file.
        evaluate: ``params -> value`` to minimize (params as hpsearch hands them to a trial).
        optimum: The known global minimum (synthetic problems), else ``None``.
        description: One line for the results table.
        sklearn: For sklearn problems, a zero-argument function returning
            ``(estimator, X, y, cv, scoring)``.
    """

    name: str
    kind: str
    parameters: dict[str, Any]
    evaluate: Callable[[dict[str, Any]], float]
    optimum: float | None = None
    description: str = ""
    sklearn: Callable[[], tuple[Any, Any, Any, Any, str]] | None = field(default=None)

    @property
    def space_dict(self) -> dict[str, Any]:
        """A native space file for this problem (minimize ``value``)."""
        return {"name": self.name, "parameters": self.parameters}
