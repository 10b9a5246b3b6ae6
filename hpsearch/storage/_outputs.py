"""What a sweep leaves in its directory: trials.csv, best.yaml, the summary table."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from hpsearch.errors import ConfigError
from hpsearch.storage._table import METRICS_ATTR, trials_table
from hpsearch.trial import TrialState

if TYPE_CHECKING:
    import optuna

    from hpsearch.config import Metric, SweepConfig

__all__ = [
    "best_as",
    "best_entries",
    "describe_counts",
    "read_best",
    "summary_frame",
    "write_atomic",
    "write_outputs",
]

TRIALS_FILE = "trials.csv"
BEST_FILE = "best.yaml"


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename (never half a file)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _entry(trial: optuna.trial.FrozenTrial, config: SweepConfig) -> dict[str, Any]:
    metrics = dict(trial.user_attrs.get(METRICS_ATTR) or {})
    for metric, value in zip(config.metrics, trial.values or []):
        metrics[metric.name] = value
    return {
        "trial": trial.number,
        "params": {k: _plain(v) for k, v in config.space.decode(trial.params).items()},
        "metrics": {k: _plain(v) for k, v in metrics.items()},
    }


def best_entries(study: optuna.Study, config: SweepConfig) -> list[dict[str, Any]]:
    """The best trial (one metric) or the Pareto set (several), as plain dicts."""
    complete = [
        t
        for t in study.get_trials(deepcopy=False)
        if TrialState.from_optuna(t.state) is TrialState.COMPLETE
    ]
    if not complete:
        return []
    if len(config.metrics) == 1:
        sign = config.metrics[0].sign
        best = min(complete, key=lambda t: (sign * t.values[0], t.number))
        return [_entry(best, config)]
    return [_entry(t, config) for t in sorted(study.best_trials, key=lambda t: t.number)]


def write_outputs(directory: Path, study: optuna.Study, config: SweepConfig) -> pd.DataFrame:
    """Refresh ``trials.csv`` and ``best.yaml``; return the trial table."""
    table = trials_table(study, config)
    write_atomic(directory / TRIALS_FILE, table.to_csv(index=False))
    entries = best_entries(study, config)
    if entries:
        metrics = [m.to_dict() for m in config.metrics]
        if len(config.metrics) == 1:
            doc: dict[str, Any] = {"sweep": config.name, "metric": metrics[0], **entries[0]}
        else:
            doc = {"sweep": config.name, "metrics": metrics, "pareto_front": entries}
        text = (
            "# Best configuration found by hpsearch; 'params' is ready to train with.\n"
            + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
        )
        write_atomic(directory / BEST_FILE, text)
    return table


def read_best(directory: str | Path) -> dict[str, Any]:
    """Read ``best.yaml`` back as a dict."""
    path = Path(directory) / BEST_FILE
    if not path.exists():
        raise ConfigError(
            f"no best.yaml in {directory}: no trial has completed yet", file=str(path)
        )
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def best_as(directory: str | Path, fmt: str) -> str:
    """``best.yaml`` rendered as YAML or JSON."""
    doc = read_best(directory)
    if fmt == "json":
        return json.dumps(doc, indent=2)
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def summary_frame(
    table: pd.DataFrame, metrics: Sequence[Metric], top: int | None = 10
) -> pd.DataFrame:
    """The best ``top`` complete trials (sorted by the first metric), with their params."""
    value_cols = [c for c in table.columns if c == "value" or c.startswith("value_")]
    done = table[table["state"] == TrialState.COMPLETE]
    if done.empty:
        return done
    first = value_cols[0]
    done = done.sort_values(first, ascending=metrics[0].goal == "minimize", kind="stable")
    params = [c for c in table.columns if c.startswith("param_")]
    cols = ["number", *value_cols, *params, "duration_s"]
    return done[cols].head(top) if top else done[cols]


def describe_counts(table: pd.DataFrame) -> Mapping[str, int]:
    counts = table["state"].value_counts().to_dict() if len(table) else {}
    states = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAILED, TrialState.RUNNING)
    return {s.value: int(counts.get(s.value, 0)) for s in states}
