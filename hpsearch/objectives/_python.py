"""The ``python`` objective: a function named ``package.module:function``.

The function is called as ``function(params)`` or ``function(params, trial)`` (chosen by its
signature), with the block's ``kwargs:`` mapping as extra keyword arguments, and returns a float or
a dict of metrics. ``trial.report(value, step)`` and ``trial.should_prune()`` allow early stopping;
raising ``optuna.TrialPruned`` stops the trial. A module next to the space file is importable: the
space file's folder is tried when the import fails otherwise.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Mapping
from typing import Any

from hpsearch.config import Option, Schema, SweepConfig
from hpsearch.errors import ConfigError
from hpsearch.objectives._base import Objective
from hpsearch.objectives._datasets import import_object
from hpsearch.trial import Trial, call_objective

__all__ = ["PythonObjective"]


def _import_function(path: Any, base_dir: str | None) -> Callable[..., Any]:
    if not isinstance(path, str) or ":" not in path:
        raise ConfigError(
            f"must look like package.module:function, got {path!r}", path="objective.function"
        )
    try:
        function = import_object(path, key="objective.function")
    except ConfigError:
        if not base_dir or base_dir in sys.path:
            raise
        sys.path.insert(0, base_dir)
        function = import_object(path, key="objective.function")
    if not callable(function):
        raise ConfigError(
            f"{path} is not callable (a {type(function).__name__})", path="objective.function"
        )
    return function


class PythonObjective(Objective):
    """Call a user function with a trial's params.

    Example:
        >>> from hpsearch import load_space
        >>> space = load_space({"parameters": {"x": {"type": "float", "low": 0, "high": 1}},
        ...     "objective": {"type": "python", "function": "builtins:len"}})
        >>> PythonObjective(space.objective, space)({"x": 0.5})
        1
    """

    name = "python"
    schema = Schema(
        {
            "function": Option("str", help="package.module:function"),
            "kwargs": Option("mapping", help="extra keyword arguments"),
        }
    )
    required = ("function",)

    @classmethod
    def check(cls, config: SweepConfig) -> None:
        super().check(config)
        function = config.objective.get("function") if config.objective else None
        if not (isinstance(function, str) and ":" in function):
            raise ConfigError(
                f"must look like package.module:function, got {function!r}",
                path="objective.function",
            )

    def __init__(
        self, spec: Mapping[str, Any], config: SweepConfig, *, base_dir: str | None = None
    ) -> None:
        super().__init__(spec, config, base_dir=base_dir)
        function = _import_function(spec.get("function"), base_dir)
        kwargs = spec.get("kwargs") or {}
        if not isinstance(kwargs, Mapping) or not all(isinstance(k, str) for k in kwargs):
            raise ConfigError(
                f"must be a mapping of keyword arguments, got {kwargs!r:.80}",
                path="objective.kwargs",
            )
        self.function = functools.partial(function, **kwargs) if kwargs else function

    def __call__(self, params: Mapping[str, Any], trial: Trial | None = None) -> Any:
        return call_objective(self.function, dict(params), trial or Trial(params=params))
