"""Objectives: turn params into metrics (sklearn + CV, a Python function, a command, torch).

Every objective is a callable ``objective(params, trial) -> float | dict[str, float]`` built inside
the worker that runs it by an :class:`ObjectiveSpec` (picklable), so data is loaded once per worker.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hpsearch.errors import ConfigError

__all__ = ["ObjectiveSpec", "build_objective"]

_BUILDERS = {
    "sklearn": "hpsearch.objectives._sklearn:SklearnObjective",
    "python": "hpsearch.objectives._python:PythonObjective",
    "command": "hpsearch.objectives._command:CommandObjective",
    "torch": "hpsearch.objectives._torch:TorchObjective",
}


def build_objective(
    spec: Mapping[str, Any], space: Any, *, base_dir: str | None = None
) -> Callable[..., Any]:
    """Build the objective an ``objective:`` block describes.

    Example:
        >>> import hpsearch
        >>> space = hpsearch.load_space({
        ...     "parameters": {"x": {"type": "float", "low": 0, "high": 1}},
        ...     "objective": {"type": "python", "function": "builtins:len"}})
        >>> build_objective(space.objective, space)({"x": 0.5})  # len(params)
        1
    """
    kind = spec.get("type")
    if kind not in _BUILDERS:
        raise ConfigError(
            f"unknown objective type {kind!r}; allowed: {', '.join(_BUILDERS)}",
            path="objective.type",
        )
    from hpsearch.objectives._datasets import import_object

    cls = import_object(_BUILDERS[kind], key="objective.type")
    return cls(dict(spec), space, base_dir=base_dir)


@dataclass(frozen=True)
class ObjectiveSpec:
    """A picklable recipe for an objective: the block, the space (as a dict) and the base dir.

    ``callable_`` overrides the block with a Python callable given to :func:`hpsearch.run`.
    """

    spec: Mapping[str, Any] | None
    space_dict: Mapping[str, Any]
    base_dir: str | None = None
    callable_: Callable[..., Any] | None = None

    def __call__(self) -> Callable[..., Any]:
        if self.callable_ is not None:
            return self.callable_
        if self.spec is None:
            raise ConfigError(
                "the space file has no objective block and none was given", path="objective"
            )
        from hpsearch.space import load_space

        return build_objective(self.spec, load_space(self.space_dict), base_dir=self.base_dir)
