"""Objectives: turn params into metrics (sklearn + CV, a Python function, a command, torch).

Every objective is a callable ``objective(params, trial) -> float | dict[str, float]`` built
inside the worker that runs it by an :class:`ObjectiveSpec` (picklable), so data is loaded
once per worker. Each objective type declares the keys of its block as a ``schema``;
:data:`OBJECTIVES` is the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hpsearch.config import Registry, SweepConfig
from hpsearch.errors import ConfigError
from hpsearch.objectives._base import Objective
from hpsearch.objectives._command import CommandObjective
from hpsearch.objectives._cv import CrossValidation
from hpsearch.objectives._datasets import Dataset, import_object, load_dataset
from hpsearch.objectives._folds import make_folds
from hpsearch.objectives._python import PythonObjective
from hpsearch.objectives._racing import FoldRace, RacingRule
from hpsearch.objectives._sklearn import SklearnObjective
from hpsearch.objectives._torch import TorchObjective

__all__ = [
    "OBJECTIVES",
    "CommandObjective",
    "CrossValidation",
    "Dataset",
    "FoldRace",
    "Objective",
    "ObjectiveSpec",
    "PythonObjective",
    "RacingRule",
    "SklearnObjective",
    "TorchObjective",
    "build_objective",
    "import_object",
    "load_dataset",
    "make_folds",
]

OBJECTIVES: Registry[type[Objective]] = Registry(
    "objective type",
    "objective.type",
    {
        "sklearn": SklearnObjective,
        "python": PythonObjective,
        "command": CommandObjective,
        "torch": TorchObjective,
    },
)


def build_objective(
    spec: Mapping[str, Any], config: SweepConfig, *, base_dir: str | None = None
) -> Callable[..., Any]:
    """Build the objective an ``objective:`` block describes.

    Example:
        >>> import hpsearch
        >>> config = hpsearch.load_space({
        ...     "parameters": {"x": {"type": "float", "low": 0, "high": 1}},
        ...     "objective": {"type": "python", "function": "builtins:len"}})
        >>> build_objective(config.objective, config)({"x": 0.5})  # len(params)
        1
    """
    cls = OBJECTIVES.lookup(spec.get("type"))
    return cls(spec, config, base_dir=base_dir)


@dataclass(frozen=True)
class ObjectiveSpec:
    """A picklable recipe for an objective: the config and the folder relative paths start
    from. Calling it builds the objective (inside a worker, so data loads there once).

    ``callable_`` overrides the config's block with a Python callable given to
    :func:`hpsearch.run`.
    """

    config: SweepConfig
    base_dir: str | None = None
    callable_: Callable[..., Any] | None = None

    def __call__(self) -> Callable[..., Any]:
        if self.callable_ is not None:
            return self.callable_
        if self.config.objective is None:
            raise ConfigError(
                "the space file has no objective block and none was given", path="objective"
            )
        return build_objective(self.config.objective, self.config, base_dir=self.base_dir)
