"""What every report module shares: objectives, the complete trials, parameter values.

Values are compared in *minimization space*: a metric whose goal is ``maximize`` is negated
(``Objective.sign``) before dominance and hypervolume are computed, and turned back for display.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "STATES",
    "Objective",
    "complete_trials",
    "dimension",
    "is_categorical",
    "is_missing",
    "label",
    "objectives",
    "param_names",
    "python_value",
]

STATES = ("COMPLETE", "PRUNED", "FAILED", "RUNNING", "WAITING")


@dataclass(frozen=True)
class Objective:
    """One optimized metric and the table column holding it."""

    name: str
    goal: str
    column: str

    @property
    def sign(self) -> float:
        """+1 when smaller is better, -1 when larger is better."""
        return 1.0 if self.goal == "minimize" else -1.0


def objectives(record: Any) -> list[Objective]:
    """The objectives of a record, in order, with their value columns.

    Example:
        >>> from hpsearch.config import Metric
        >>> class R: metrics = [Metric("acc", "maximize"), Metric("ms")]
        >>> [o.column for o in objectives(R())]
        ['value_acc', 'value_ms']
    """
    metrics = list(record.metrics)
    if len(metrics) == 1:
        return [Objective(metrics[0].name, metrics[0].goal, "value")]
    return [Objective(m.name, m.goal, f"value_{m.name}") for m in metrics]


def param_names(trials: pd.DataFrame) -> list[str]:
    """Parameter names, from the ``param_<name>`` columns, in table order."""
    return [c[len("param_") :] for c in trials.columns if c.startswith("param_")]


def complete_trials(trials: pd.DataFrame, objs: Sequence[Objective]) -> pd.DataFrame:
    """COMPLETE trials whose every objective value is a finite number, ordered by number."""
    if trials.empty:
        return trials.copy()
    done = trials[trials["state"] == "COMPLETE"].copy()
    for o in objs:
        if o.column not in done.columns:
            return done.iloc[0:0]
        done[o.column] = pd.to_numeric(done[o.column], errors="coerce")
        done = done[np.isfinite(done[o.column].astype(float))]
    return done.sort_values("number", kind="stable")


def dimension(space: Any, name: str) -> Any:
    """The space's dimension called ``name``, or None (no space, or not in it)."""
    if space is None or name not in space:
        return None
    return space[name]


def is_categorical(space: Any, name: str, column: pd.Series) -> bool:
    dim = dimension(space, name)
    if dim is not None:
        return getattr(dim, "kind", "") in ("categorical", "constant")
    present = column.dropna()
    return not pd.api.types.is_numeric_dtype(present) or pd.api.types.is_bool_dtype(present)


def is_missing(value: Any) -> bool:
    """True for None and NaN (an inactive parameter or an empty cell)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def python_value(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def label(value: Any) -> str:
    """A parameter value as display text: strings as they are, anything else as JSON."""
    value = python_value(value)
    if isinstance(value, str):
        return value
    return json.dumps(value)
