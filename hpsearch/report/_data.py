"""Figure data: pure functions from the flat trial table to what the report draws.

Nothing here imports plotly; every function takes the trial table (or a
:class:`hpsearch.storage.SweepResult`) and returns plain pandas/numpy/dict data, so the numbers
behind each figure are tested without a browser.

The pieces live in ``_common`` (objectives, complete trials), ``_pareto`` (fronts, hypervolume)
and ``_importance`` (fANOVA); this module re-exports them next to the history, slice,
parallel-coordinates, learning-curve and summary data.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from hpsearch.report._common import (
    STATES,
    Objective,
    complete_trials,
    dimension,
    is_categorical,
    is_missing,
    label,
    objectives,
    param_names,
    python_value,
)
from hpsearch.report._importance import MIN_IMPORTANCE_TRIALS, Importances, param_importances
from hpsearch.report._pareto import hypervolume, hypervolume_history, pareto_front, pareto_mask

__all__ = [
    "MIN_IMPORTANCE_TRIALS",
    "Importances",
    "Objective",
    "Summary",
    "best_params",
    "best_so_far",
    "comparison_table",
    "complete_trials",
    "dimension",
    "hypervolume",
    "hypervolume_history",
    "is_missing",
    "label",
    "learning_curves",
    "objectives",
    "parallel_dimensions",
    "param_importances",
    "param_names",
    "pareto_front",
    "pareto_mask",
    "slice_data",
    "summarize",
]


def best_so_far(trials: pd.DataFrame, objective: Objective) -> pd.DataFrame:
    """Every complete trial's value and the running best (monotone in the goal's direction).

    Example:
        >>> t = pd.DataFrame({"number": [0, 1, 2], "state": ["COMPLETE"] * 3,
        ...                   "value": [3.0, 5.0, 1.0]})
        >>> best_so_far(t, Objective("loss", "minimize", "value"))["best"].tolist()
        [3.0, 3.0, 1.0]
    """
    done = complete_trials(trials, [objective])
    values = done[objective.column].to_numpy(dtype=float)
    signed = np.minimum.accumulate(values * objective.sign) if len(values) else values
    return pd.DataFrame(
        {
            "number": done["number"].to_numpy(dtype=int),
            "value": values,
            "best": signed * objective.sign,
        }
    )


def _user_value(space: Any, name: str, value: Any) -> Any:
    """A table cell back to the user's value (JSON-encoded list choices decoded)."""
    value = python_value(value)
    dim = dimension(space, name)
    kind = getattr(dim, "kind", "")
    if kind in ("categorical", "constant") and isinstance(value, str):
        choices = dim.grid_values()
        if value not in choices:
            try:
                decoded = json.loads(value)
            except ValueError:
                return value
            if isinstance(decoded, list):
                return decoded
    if kind == "int" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def best_params(record: Any, number: int) -> dict[str, Any]:
    """The parameters of trial ``number`` as the user wrote them (inactive ones left out)."""
    row = record.trials[record.trials["number"] == number]
    if row.empty:
        raise KeyError(f"no trial number {number}")
    out: dict[str, Any] = {}
    for name in param_names(record.trials):
        value = row.iloc[0][f"param_{name}"]
        if is_missing(value):
            continue
        out[name] = _user_value(record.space, name, value)
    return out


def _chosen(trials: pd.DataFrame, params: Sequence[str] | None) -> list[str]:
    names = param_names(trials)
    if params is None:
        return names
    return [p for p in params if p in names]


def slice_data(
    trials: pd.DataFrame,
    objective: Objective,
    *,
    space: Any = None,
    params: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Per parameter, the (value, objective) pairs of complete trials where it was active.

    Returns ``{name: {"x": [...], "y": [...], "number": [...], "categorical": bool}}``;
    categorical values become their string labels. ``params`` picks (and orders) the
    parameters; default: all of them.
    """
    done = complete_trials(trials, [objective])
    out: dict[str, Any] = {}
    for name in _chosen(trials, params):
        col = done[f"param_{name}"]
        present = done[col.notna()]
        categorical = is_categorical(space, name, trials[f"param_{name}"])
        xs = present[f"param_{name}"].tolist()
        out[name] = {
            "x": [label(x) for x in xs] if categorical else [float(x) for x in xs],
            "y": present[objective.column].astype(float).tolist(),
            "number": present["number"].astype(int).tolist(),
            "categorical": categorical,
            "log": bool(getattr(dimension(space, name), "log", False)),
        }
    return out


def parallel_dimensions(
    trials: pd.DataFrame,
    objs: Sequence[Objective],
    *,
    space: Any = None,
    params: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Axes for parallel coordinates over complete trials: params first, then the metrics.

    Each axis is ``{"label", "values", "tickvals"?, "ticktext"?}``. Categorical values are
    mapped to integers 0..n-1 with their labels as tick text; inactive values become NaN; log
    parameters are drawn as log10 with the original values as ticks. Constant axes are left out.
    ``params`` picks (and orders) the parameter axes; default: all of them.
    """
    done = complete_trials(trials, objs)
    dims: list[dict[str, Any]] = []
    for name in _chosen(trials, params):
        col = done[f"param_{name}"]
        if col.nunique(dropna=True) <= 1:
            continue
        dim = dimension(space, name)
        if is_categorical(space, name, trials[f"param_{name}"]):
            order = [label(c) for c in dim.grid_values()] if dim is not None else []
            seen = [label(v) for v in col.dropna()]
            labels = order + sorted({s for s in seen if s not in order})
            index = {lab: i for i, lab in enumerate(labels)}
            values = [float(index[label(v)]) if v is not None and v == v else math.nan for v in col]
            dims.append(
                {
                    "label": name,
                    "values": values,
                    "tickvals": list(range(len(labels))),
                    "ticktext": labels,
                }
            )
            continue
        values = pd.to_numeric(col, errors="coerce").astype(float)
        if getattr(dim, "log", False) and (values.dropna() > 0).all():
            logged = np.log10(values)
            lo, hi = math.floor(np.nanmin(logged)), math.ceil(np.nanmax(logged))
            ticks = list(range(lo, hi + 1))
            dims.append(
                {
                    "label": name,
                    "values": logged.tolist(),
                    "tickvals": ticks,
                    "ticktext": [f"1e{t}" for t in ticks],
                }
            )
            continue
        dims.append({"label": name, "values": values.tolist()})
    for o in objs:
        dims.append({"label": o.name, "values": done[o.column].astype(float).tolist()})
    return dims


# -- learning curves -------------------------------------------------------------------------


def learning_curves(record: Any) -> pd.DataFrame:
    """Intermediate values joined with each trial's state: ``number, step, value, state``.

    Rows are ordered by trial then step; a pruned trial's last row is where it was stopped.
    """
    inter = record.intermediate
    cols = ["number", "step", "value", "state"]
    if inter is None or inter.empty:
        return pd.DataFrame(columns=cols)
    states = record.trials.set_index("number")["state"]
    out = inter.copy()
    out["state"] = out["number"].map(states).fillna("UNKNOWN")
    out["value"] = pd.to_numeric(out["value"], errors="coerce")
    out = out[np.isfinite(out["value"].astype(float))]
    return out.sort_values(["number", "step"], kind="stable")[cols].reset_index(drop=True)


# -- summaries -------------------------------------------------------------------------------


@dataclass
class Summary:
    """What the summary cards show for one sweep."""

    name: str
    objective: str
    strategy: str
    counts: dict[str, int]
    total: int
    compute_s: float
    wall_s: float | None
    best_number: int | None
    best_values: dict[str, float] = field(default_factory=dict)
    best_params: dict[str, Any] = field(default_factory=dict)
    best_yaml: str = ""
    front_size: int | None = None
    note: str = ""


def _parse_time(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _wall_seconds(record: Any) -> float | None:
    start = _parse_time(record.started)
    end = _parse_time(record.finished)
    t = record.trials
    if (start is None or end is None) and not t.empty:
        empty = pd.Series(dtype=object)
        starts = [s for s in map(_parse_time, t.get("datetime_start", empty).dropna()) if s]
        ends = [s for s in map(_parse_time, t.get("datetime_complete", empty).dropna()) if s]
        start = start or (min(starts) if starts else None)
        end = end or (max(ends) if ends else None)
    if start is None or end is None:
        return None
    try:
        return max(0.0, (end - start).total_seconds())
    except TypeError:  # naive vs aware
        return None


def best_yaml(params: Mapping[str, Any]) -> str:
    """A config as YAML text (safe_dump, keys in order)."""
    import yaml

    if not params:
        return ""
    return yaml.safe_dump(
        {k: python_value(v) for k, v in params.items()},
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
    )


def summarize(record: Any) -> Summary:
    """Counts by state, compute and wall time, and the best trial with its config as YAML.

    With several objectives "best" is the Pareto-optimal trial best on the first objective.
    """
    t = record.trials
    counts = (
        {s: int((t["state"] == s).sum()) for s in STATES}
        if not t.empty
        else dict.fromkeys(STATES, 0)
    )
    objs = objectives(record)
    compute = pd.to_numeric(t.get("duration_s", pd.Series(dtype=float)), errors="coerce").sum()
    summary = Summary(
        name=record.name,
        objective=record.objective or "",
        strategy=record.strategy or "",
        counts=counts,
        total=len(t),
        compute_s=float(compute),
        wall_s=_wall_seconds(record),
        best_number=None,
    )
    done = pareto_front(t, objs) if len(objs) > 1 else complete_trials(t, objs)
    if done.empty:
        summary.note = "no trial completed yet"
        return summary
    first = objs[0]
    if len(objs) > 1:
        summary.front_size = int(done["pareto"].sum())
        done = done[done["pareto"]]
    idx = (done[first.column].astype(float) * first.sign).idxmin()
    row = done.loc[idx]
    summary.best_number = int(row["number"])
    summary.best_values = {o.name: float(row[o.column]) for o in objs}
    summary.best_params = best_params(record, summary.best_number)
    summary.best_yaml = best_yaml(summary.best_params)
    if len(objs) > 1:
        summary.note = (
            f"one of {summary.front_size} Pareto-optimal trials (the best on {first.name})"
        )
    return summary


def comparison_table(records: Sequence[Any]) -> pd.DataFrame:
    """One row per sweep and metric: complete trials, best, median, and the best trial.

    Example:
        >>> comparison_table([record_a, record_b])  # doctest: +SKIP
           sweep metric      goal  complete  best  median  best_trial
    """
    rows = []
    for rec in records:
        for o in objectives(rec):
            done = complete_trials(rec.trials, [o])
            vals = done[o.column].astype(float)
            row: dict[str, Any] = {
                "sweep": rec.name,
                "metric": o.name,
                "goal": o.goal,
                "complete": len(done),
                "best": math.nan,
                "median": math.nan,
                "best_trial": None,
            }
            if len(done):
                i = (vals * o.sign).to_numpy().argmin()
                row.update(
                    best=float(vals.iloc[i]),
                    median=float(vals.median()),
                    best_trial=int(done["number"].iloc[i]),
                )
            rows.append(row)
    return pd.DataFrame(
        rows, columns=["sweep", "metric", "goal", "complete", "best", "median", "best_trial"]
    )
