"""Reading a sweep directory's stored predictions into a pool of ensemble candidates.

:func:`completed_trials` is the one place that reads the study (trial numbers, params, metrics);
:func:`load_pool` adds each trial's ``oof.npy`` (see :mod:`hpsearch.objectives._predictions`),
keeping only complete trials whose predictions were made on the sweep's stored rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hpsearch.errors import ConfigError
from hpsearch.objectives._oof_index import OOFIndex
from hpsearch.objectives._predictions import read_trial_predictions
from hpsearch.objectives._scoring import PredictionMetric, get_metric
from hpsearch.storage import METRICS_ATTR, SweepDirectory

__all__ = ["Candidate", "Pool", "completed_trials", "load_pool"]


@dataclass(frozen=True)
class Candidate:
    """A complete trial: its number, params, recorded metrics and objective value(s)."""

    number: int
    params: dict[str, Any]
    metrics: dict[str, float]
    values: tuple[float, ...]


@dataclass
class Pool:
    """Candidates with stored predictions, stacked ``(m, n, c)`` in ``candidates`` order."""

    directory: Path
    predictions: np.ndarray
    candidates: list[Candidate]
    index: OOFIndex
    metric: PredictionMetric
    sweep_name: str
    sweep_metrics: list[Any]
    n_complete: int
    n_pruned: int = 0
    skipped: list[int] = field(default_factory=list)

    @property
    def y(self) -> np.ndarray:
        return self.index.y


def completed_trials(directory: Path) -> tuple[list[Candidate], Any, int]:
    """The sweep's COMPLETE trials (by number), its config and how many trials were pruned."""
    study, config = SweepDirectory(directory).load_study()
    space = config.space
    out = []
    pruned = 0
    for t in study.get_trials(deepcopy=False):
        pruned += t.state.name == "PRUNED"
        if t.state.name != "COMPLETE":
            continue
        params = {k: _plain(v) for k, v in space.decode(t.params).items()}
        metrics = dict(t.user_attrs.get(METRICS_ATTR) or {})
        out.append(Candidate(t.number, params, metrics, tuple(t.values or ())))
    return sorted(out, key=lambda c: c.number), config, pruned


def load_pool(directory: str | Path) -> Pool:
    """Every complete trial of the sweep in ``directory`` that kept its predictions.

    Raises :class:`~hpsearch.errors.ConfigError` when the sweep stored no predictions, or no
    complete trial kept them.
    """
    sweep = SweepDirectory(directory)
    directory = sweep.path
    index_dir = sweep.predictions_dir
    if not (index_dir / "index.json").exists():
        if not sweep.exists():
            raise ConfigError(
                f"{directory} holds no sweep (no {sweep.SPACE_FILE})", file=str(directory)
            )
        raise ConfigError(
            f"the sweep in {directory} stored no predictions: add 'ensemble: {{keep: 50}}' to "
            "its objective block and run it (stored predictions are opt-in)",
            file=str(sweep.space_file),
            path="objective.ensemble",
        )
    index, info = OOFIndex.read(index_dir)
    trials, config, pruned = completed_trials(directory)
    kept, arrays, skipped = [], [], []
    width = None
    for cand in trials:
        stored = read_trial_predictions(sweep.trial_dir(cand.number))
        if stored is None:
            continue
        array, meta = stored
        width = width or array.shape[1]
        if meta.get("fingerprint") != info["fingerprint"] or array.shape != (len(index.y), width):
            skipped.append(cand.number)  # made on other rows (the data changed)
            continue
        kept.append(cand)
        arrays.append(array)
    if not kept:
        raise ConfigError(
            f"no complete trial in {directory} kept its predictions (pruned and failed trials "
            "store none)",
            file=str(directory),
        )
    return Pool(
        directory=directory,
        predictions=np.stack(arrays),
        candidates=kept,
        index=index,
        metric=get_metric(info["metric"]),
        sweep_name=config.name,
        sweep_metrics=list(config.metrics),
        n_complete=len(trials),
        n_pruned=pruned,
        skipped=skipped,
    )


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value
