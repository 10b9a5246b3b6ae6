"""The one flat trial table shared by trials.csv, the reports and HPSearchCV.cv_results_.

Columns, in this order:

- ``number``: the trial number (0-based, in order of creation);
- ``state``: ``COMPLETE``, ``PRUNED``, ``FAILED``, ``RUNNING`` or ``WAITING``;
- ``value`` (one metric) or ``value_<metric>`` (several): the objective value(s);
- ``param_<name>``: each parameter (empty where inactive);
- ``metric_<name>``: other metrics the trial recorded (CV std, extra scorers, costs);
- ``duration_s``, ``datetime_start``, ``datetime_complete``, ``error``, ``attempt``, ``last_step``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from hpsearch.trial import TrialState

if TYPE_CHECKING:
    import optuna

    from hpsearch.config import SweepConfig

__all__ = ["intermediate_table", "trials_table", "value_columns"]

METRICS_ATTR = "hpsearch:metrics"
ERROR_ATTR = "hpsearch:error"
ATTEMPT_ATTR = "hpsearch:attempt"


def value_columns(metric_names: Sequence[str]) -> list[str]:
    """``["value"]`` for one metric, else ``["value_<name>", ...]``.

    Example:
        >>> value_columns(["acc", "latency"])
        ['value_acc', 'value_latency']
    """
    if len(metric_names) == 1:
        return ["value"]
    return [f"value_{name}" for name in metric_names]


def trials_table(study: optuna.Study, config: SweepConfig) -> pd.DataFrame:
    """The trial table of an Optuna study whose trials were made from ``config``.

    Example:
        >>> import optuna, hpsearch
        >>> config = hpsearch.load_space({"parameters": {"x": {"type": "float", "high": 1,
        ...                                                     "low": 0}}})
        >>> study = optuna.create_study()
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
        >>> list(trials_table(study, config).columns)[:4]
        ['number', 'state', 'value', 'param_x']
    """
    space = config.space
    metric_names = config.metric_names
    value_cols = value_columns(metric_names)
    param_cols = [f"param_{n}" for n in space.names]
    rows = []
    extra: list[str] = []
    for t in study.get_trials(deepcopy=False):
        row: dict[str, Any] = {
            "number": t.number,
            "state": TrialState.from_optuna(t.state).value,
        }
        values = t.values if t.values is not None else [None] * len(value_cols)
        if len(values) != len(value_cols):
            values = [None] * len(value_cols)
        row.update(zip(value_cols, values))
        for name, value in space.decode(t.params).items():
            row[f"param_{name}"] = json.dumps(value) if isinstance(value, list) else value
        metrics = t.user_attrs.get(METRICS_ATTR) or {}
        for key, value in metrics.items():
            if key in metric_names:
                continue
            col = f"metric_{key}"
            if col not in extra:
                extra.append(col)
            row[col] = value
        start, end = t.datetime_start, t.datetime_complete
        row["duration_s"] = (end - start).total_seconds() if start and end else None
        row["datetime_start"] = start.isoformat(timespec="seconds") if start else None
        row["datetime_complete"] = end.isoformat(timespec="seconds") if end else None
        row["error"] = t.user_attrs.get(ERROR_ATTR) or ""
        row["attempt"] = t.user_attrs.get(ATTEMPT_ATTR, 0)
        steps = t.intermediate_values
        row["last_step"] = max(steps) if steps else None
        rows.append(row)
    columns = [
        "number",
        "state",
        *value_cols,
        *param_cols,
        *sorted(extra),
        "duration_s",
        "datetime_start",
        "datetime_complete",
        "error",
        "attempt",
        "last_step",
    ]
    return pd.DataFrame(rows, columns=columns)


def intermediate_table(study: optuna.Study) -> pd.DataFrame:
    """Long table of reported intermediate values: ``number``, ``step``, ``value``."""
    rows = [
        {"number": t.number, "step": step, "value": value}
        for t in study.get_trials(deepcopy=False)
        for step, value in sorted(t.intermediate_values.items())
    ]
    return pd.DataFrame(rows, columns=["number", "step", "value"])
