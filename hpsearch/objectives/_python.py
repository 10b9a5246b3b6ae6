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

from hpsearch.errors import ConfigError
from hpsearch.objectives._datasets import import_object

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


class PythonObjective:
    """Call a user function with a trial's params.

    Example:
        >>> from hpsearch import load_space
        >>> space = load_space({"parameters": {"x": {"type": "float", "low": 0, "high": 1}},
        ...     "objective": {"type": "python", "function": "builtins:len"}})
        >>> PythonObjective(space.objective, space)({"x": 0.5})
        1
    """

    def __init__(self, spec: Mapping[str, Any], space: Any, *, base_dir: str | None = None) -> None:
        self.spec = dict(spec)
        self.space = space
        function = _import_function(spec.get("function"), base_dir)
        kwargs = spec.get("kwargs") or {}
        if not isinstance(kwargs, Mapping) or not all(isinstance(k, str) for k in kwargs):
            raise ConfigError(
                f"must be a mapping of keyword arguments, got {kwargs!r:.80}",
                path="objective.kwargs",
            )
        self.function = functools.partial(function, **kwargs) if kwargs else function

    def __call__(self, params: Mapping[str, Any], trial: Any = None) -> Any:
        from hpsearch.execution._worker import TrialContext, TrialJob, call_objective

        if trial is None:
            trial = TrialContext(TrialJob(number=0, params=dict(params)))
        return call_objective(self.function, dict(params), trial)
