"""Figure data: pure functions from the flat trial table to what the report draws.

Nothing here imports plotly; every function takes the trial table (or a
:class:`hpsearch.storage.SweepRecord`) and returns plain pandas/numpy/dict data, so the numbers
behind each figure are tested without a browser.

Values are compared in *minimization space*: a metric whose goal is ``maximize`` is negated
(``Objective.sign``) before dominance and hypervolume are computed, and turned back for display.
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

MIN_IMPORTANCE_TRIALS = 10
# fANOVA forest size: Optuna's defaults (64 trees, depth 64) take ~40 s on 900 trials; shallow
# trees give the same ranking on our benchmark studies in well under a second.
FANOVA_TREES = 32
FANOVA_DEPTH = 6
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
        >>> from hpsearch.space import Metric
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


def pareto_mask(points: np.ndarray) -> np.ndarray:
    """Which rows of ``points`` (n x k, all minimized) no other row dominates.

    A row dominates another when it is no worse on every column and better on at least one.
    Duplicated non-dominated points are all kept.

    Example:
        >>> pareto_mask(np.array([[1.0, 2.0], [2.0, 1.0], [2.0, 2.0]])).tolist()
        [True, True, False]
    """
    pts = np.asarray(points, dtype=float)
    n = len(pts)
    keep = np.ones(n, dtype=bool)
    order = np.lexsort(pts.T[::-1])  # by first column, then the next ones
    front: list[int] = []
    for i in order:
        p = pts[i]
        if front:
            f = pts[front]
            dominated = np.all(f <= p, axis=1) & np.any(f < p, axis=1)
            if dominated.any():
                keep[i] = False
                continue
        front.append(i)
    return keep


def pareto_front(trials: pd.DataFrame, objs: Sequence[Objective]) -> pd.DataFrame:
    """Complete trials with a boolean ``pareto`` column marking the non-dominated ones."""
    done = complete_trials(trials, objs).copy()
    if done.empty:
        done["pareto"] = pd.Series(dtype=bool)
        return done
    signed = np.column_stack([done[o.column].to_numpy(dtype=float) * o.sign for o in objs])
    done["pareto"] = pareto_mask(signed)
    return done


def hypervolume(points: np.ndarray, reference: Sequence[float]) -> float:
    """Volume dominated by ``points`` (minimized) and bounded by ``reference``.

    Exact: a sweep in two dimensions, recursive slicing beyond. Points not strictly better than
    the reference on every axis add nothing.

    Example:
        >>> hypervolume(np.array([[1.0, 2.0], [2.0, 1.0]]), [3.0, 3.0])
        3.0
    """
    ref = np.asarray(reference, dtype=float)
    pts = np.asarray(points, dtype=float).reshape(-1, len(ref))
    pts = pts[np.all(pts < ref, axis=1)]
    if len(pts) == 0:
        return 0.0
    pts = pts[pareto_mask(pts)]
    return float(_hv(pts, ref))


def _hv(pts: np.ndarray, ref: np.ndarray) -> float:
    k = pts.shape[1]
    if k == 1:
        return float(ref[0] - pts[:, 0].min())
    if k == 2:
        order = np.argsort(pts[:, 0], kind="stable")
        total, y_best = 0.0, ref[1]
        for x, y in pts[order]:
            if y < y_best:
                total += (ref[0] - x) * (y_best - y)
                y_best = y
        return total
    # slice along the last axis: between consecutive levels the dominated cross-section is fixed
    order = np.argsort(pts[:, -1], kind="stable")
    pts = pts[order]
    total = 0.0
    for i in range(len(pts)):
        upper = pts[i + 1, -1] if i + 1 < len(pts) else ref[-1]
        depth = upper - pts[i, -1]
        if depth <= 0:
            continue
        section = pts[: i + 1, :-1]
        section = section[pareto_mask(section)]
        total += _hv(section, ref[:-1]) * depth
    return total


def hypervolume_history(trials: pd.DataFrame, objs: Sequence[Objective]) -> pd.DataFrame:
    """Hypervolume of the complete trials seen so far, after each complete trial.

    The reference point is the worst value observed on each objective over all complete trials,
    so the curve never decreases and its last value measures the final front. Needs two or more
    objectives.

    Example:
        >>> t = pd.DataFrame({"number": [0, 1], "state": ["COMPLETE"] * 2,
        ...                   "value_a": [1.0, 0.0], "value_b": [0.0, 1.0]})
        >>> o = [Objective("a", "maximize", "value_a"), Objective("b", "maximize", "value_b")]
        >>> hypervolume_history(t, o)["hypervolume"].tolist()
        [0.0, 1.0]
    """
    if len(objs) < 2:
        raise ValueError("hypervolume needs two or more objectives")
    done = complete_trials(trials, objs)
    signed = np.column_stack([done[o.column].to_numpy(dtype=float) * o.sign for o in objs]).reshape(
        len(done), len(objs)
    )
    if len(done) == 0:
        return pd.DataFrame({"number": [], "hypervolume": []})
    ref = signed.max(axis=0)
    values = []
    front = np.empty((0, len(objs)))
    current = 0.0
    for p in signed:
        dominated = len(front) and bool(np.any(np.all(front <= p, axis=1)))
        if not dominated:
            front = np.vstack([front, p])
            front = front[pareto_mask(front)]
            current = max(current, hypervolume(front, ref))
        values.append(current)
    return pd.DataFrame({"number": done["number"].to_numpy(dtype=int), "hypervolume": values})


# -- parameter values ------------------------------------------------------------------------


def dimension(space: Any, name: str) -> Any:
    """The space's dimension called ``name``, or None (no space, or not in it)."""
    if space is None or name not in space:
        return None
    return space[name]


def _is_categorical(space: Any, name: str, column: pd.Series) -> bool:
    dim = dimension(space, name)
    if dim is not None:
        return getattr(dim, "kind", "") in ("categorical", "constant")
    present = column.dropna()
    return not pd.api.types.is_numeric_dtype(present) or pd.api.types.is_bool_dtype(present)


def is_missing(value: Any) -> bool:
    """True for None and NaN (an inactive parameter or an empty cell)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _python(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def _user_value(space: Any, name: str, value: Any) -> Any:
    """A table cell back to the user's value (JSON-encoded list choices decoded)."""
    value = _python(value)
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


def label(value: Any) -> str:
    """A parameter value as display text: strings as they are, anything else as JSON."""
    value = _python(value)
    if isinstance(value, str):
        return value
    return json.dumps(value)


def slice_data(trials: pd.DataFrame, objective: Objective, *, space: Any = None) -> dict[str, Any]:
    """Per parameter, the (value, objective) pairs of complete trials where it was active.

    Returns ``{name: {"x": [...], "y": [...], "number": [...], "categorical": bool}}``;
    categorical values become their string labels.
    """
    done = complete_trials(trials, [objective])
    out: dict[str, Any] = {}
    for name in param_names(trials):
        col = done[f"param_{name}"]
        present = done[col.notna()]
        categorical = _is_categorical(space, name, trials[f"param_{name}"])
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
    trials: pd.DataFrame, objs: Sequence[Objective], *, space: Any = None
) -> list[dict[str, Any]]:
    """Axes for parallel coordinates over complete trials: params first, then the metrics.

    Each axis is ``{"label", "values", "tickvals"?, "ticktext"?}``. Categorical values are
    mapped to integers 0..n-1 with their labels as tick text; inactive values become NaN; log
    parameters are drawn as log10 with the original values as ticks. Constant axes are left out.
    """
    done = complete_trials(trials, objs)
    dims: list[dict[str, Any]] = []
    for name in param_names(trials):
        col = done[f"param_{name}"]
        if col.nunique(dropna=True) <= 1:
            continue
        dim = dimension(space, name)
        if _is_categorical(space, name, trials[f"param_{name}"]):
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


# -- importances -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Importances:
    """Parameter importances for one objective, or the plain reason there are none."""

    metric: str
    values: dict[str, float] | None
    reason: str = ""


def _distributions(trials: pd.DataFrame, space: Any) -> dict[str, Any]:
    from optuna.distributions import CategoricalDistribution, FloatDistribution

    dists: dict[str, Any] = {}
    known = space.to_optuna() if space is not None else {}
    for name in param_names(trials):
        if name in known:
            dists[name] = known[name]
            continue
        col = trials[f"param_{name}"].dropna()
        if col.empty:
            continue
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            lo, hi = float(col.min()), float(col.max())
            if lo < hi:
                dists[name] = FloatDistribution(lo, hi)
        else:
            choices = sorted({label(v) for v in col})
            if len(choices) > 1:
                dists[name] = CategoricalDistribution(choices)
    return dists


def _internal(dist: Any, value: Any) -> Any:
    """A table value as the distribution's stored value, or None when it does not fit."""
    from optuna.distributions import CategoricalDistribution, IntDistribution

    value = _python(value)
    if isinstance(dist, CategoricalDistribution):
        for choice in dist.choices:
            if choice == value and type(choice) is type(value):
                return choice
        text = label(value)
        for choice in dist.choices:
            if label(choice) == text or choice == text:
                return choice
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not dist.low <= number <= dist.high:
        return None
    return round(number) if isinstance(dist, IntDistribution) else number


def param_importances(
    record: Any, *, objective: Objective | None = None, seed: int = 0, max_trials: int = 1000
) -> Importances:
    """fANOVA importances of each parameter for one objective (they sum to 1).

    A throwaway in-memory Optuna study is rebuilt from the table, so this works for any record.
    Beyond ``max_trials`` complete trials a seeded random subset is used (for speed).
    Returns ``Importances(values=None, reason=...)`` with fewer than
    :data:`MIN_IMPORTANCE_TRIALS` complete trials, or when no parameter varies or the objective is
    constant.

    Example:
        >>> imp = param_importances(record)  # doctest: +SKIP
        >>> imp.values or imp.reason  # doctest: +SKIP
        {'lr': 0.81, 'depth': 0.19}
    """
    import optuna
    from optuna.importance import FanovaImportanceEvaluator, get_param_importances

    objective = objective or objectives(record)[0]
    done = complete_trials(record.trials, [objective])
    if len(done) > max_trials:
        done = done.sample(n=max_trials, random_state=seed).sort_values("number")
    if len(done) < MIN_IMPORTANCE_TRIALS:
        return Importances(
            objective.name,
            None,
            f"too few complete trials to say which parameters matter ({len(done)}; "
            f"need at least {MIN_IMPORTANCE_TRIALS})",
        )
    y = done[objective.column].to_numpy(dtype=float)
    if np.ptp(y) == 0:
        return Importances(
            objective.name,
            None,
            f"every complete trial has the same {objective.name}, so no parameter can explain it",
        )
    dists = _distributions(record.trials, record.space)
    made = []
    for _, row in done.iterrows():
        params, used = {}, {}
        for name, dist in dists.items():
            value = row.get(f"param_{name}")
            if is_missing(value):
                continue
            internal = _internal(dist, value)
            if internal is not None:
                params[name], used[name] = internal, dist
        try:
            made.append(
                optuna.trial.create_trial(
                    params=params, distributions=used, value=float(row[objective.column])
                )
            )
        except ValueError:  # a value outside its distribution (the space changed): leave it out
            continue
    if len(made) < MIN_IMPORTANCE_TRIALS:
        return Importances(objective.name, None, "too few trials match the search space")
    varied = {
        name for name in dists if len({repr(t.params[name]) for t in made if name in t.params}) > 1
    }
    if not varied:
        return Importances(objective.name, None, "no parameter varied between complete trials")
    study = optuna.create_study(direction=objective.goal)
    study.add_trials(made)
    try:
        values = get_param_importances(
            study,
            evaluator=FanovaImportanceEvaluator(
                n_trees=FANOVA_TREES, max_depth=FANOVA_DEPTH, seed=seed
            ),
            normalize=True,
        )
    except (RuntimeError, ValueError) as err:
        return Importances(objective.name, None, f"importances could not be computed: {err}")
    values = {k: float(v) for k, v in values.items() if k in varied or v > 0}
    if not values or not math.isfinite(sum(values.values())) or sum(values.values()) <= 0:
        return Importances(objective.name, None, "the parameters explain none of the variation")
    return Importances(objective.name, dict(sorted(values.items(), key=lambda kv: -kv[1])))


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
        {k: _python(v) for k, v in params.items()},
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
