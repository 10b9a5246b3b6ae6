"""hpsearch: hyperparameter search from one space file.

Example:
    >>> import hpsearch
    >>> space = hpsearch.load_space({"parameters": {"x": {"type": "float", "low": 0, "high": 1}}})
    >>> space.names
    ['x']
"""

from __future__ import annotations

from typing import Any

from hpsearch._version import __version__
from hpsearch.errors import ConfigError, ObjectiveError
from hpsearch.space import Space, load_space

__all__ = [
    "ConfigError",
    "HPSearchCV",
    "ObjectiveError",
    "Space",
    "SweepResult",
    "TrialPruned",
    "__version__",
    "load_space",
    "report",
    "resume",
    "run",
]

_LAZY = {
    "run": "hpsearch.sweep:run",
    "resume": "hpsearch.sweep:resume",
    "SweepResult": "hpsearch.sweep:SweepResult",
    "TrialPruned": "optuna.exceptions:TrialPruned",
    "HPSearchCV": "hpsearch.sklearn:HPSearchCV",
}


def __getattr__(name: str) -> Any:
    """Import the heavier parts (optuna, the driver, reports) on first use."""
    if name == "report":
        import importlib

        return importlib.import_module("hpsearch.report")
    if name in _LAZY:
        import importlib

        module, _, attr = _LAZY[name].partition(":")
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hpsearch' has no attribute {name!r}")
