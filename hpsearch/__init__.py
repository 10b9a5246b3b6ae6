"""hpsearch: hyperparameter search from one space file.

The public API mirrors the CLI: :func:`load_space` reads and validates a space file into a
:class:`SweepConfig`, :func:`run` runs a sweep, :func:`resume` continues one, :func:`open`
reads a sweep directory back as a :class:`SweepResult`, :mod:`report` writes HTML reports,
and :class:`HPSearchCV` is a scikit-learn compatible search estimator. Objectives receive a
:class:`Trial`.

Example:
    >>> import hpsearch
    >>> config = hpsearch.load_space({"parameters": {"x": {"type": "float", "low": 0, "high": 1}}})
    >>> config.space.names
    ['x']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from hpsearch._version import __version__
from hpsearch.errors import ConfigError, HPSearchError, ObjectiveError

if TYPE_CHECKING:
    from optuna.exceptions import TrialPruned

    from hpsearch import report
    from hpsearch.api import load_space, open, resume, run
    from hpsearch.config import SweepConfig
    from hpsearch.sklearn import HPSearchCV
    from hpsearch.space import Space
    from hpsearch.storage import SweepResult
    from hpsearch.trial import Trial, TrialState

__all__ = [
    "ConfigError",
    "HPSearchCV",
    "HPSearchError",
    "ObjectiveError",
    "Space",
    "SweepConfig",
    "SweepResult",
    "Trial",
    "TrialPruned",
    "TrialState",
    "__version__",
    "load_space",
    "open",
    "report",
    "resume",
    "run",
]

# Imported on first use, so `import hpsearch` stays light (optuna, pandas and the driver load
# only when a sweep needs them).
_LAZY = {
    "load_space": "hpsearch.api",
    "run": "hpsearch.api",
    "resume": "hpsearch.api",
    "open": "hpsearch.api",
    "HPSearchCV": "hpsearch.sklearn",
    "Space": "hpsearch.space",
    "SweepConfig": "hpsearch.config",
    "SweepResult": "hpsearch.storage",
    "Trial": "hpsearch.trial",
    "TrialState": "hpsearch.trial",
    "TrialPruned": "hpsearch.trial",
}


def __getattr__(name: str) -> Any:
    if name == "report":  # the subpackage: hpsearch.report.write_report(...)
        return importlib.import_module("hpsearch.report")
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hpsearch' has no attribute {name!r}")
