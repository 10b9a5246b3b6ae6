"""The result of a sweep: its config, the trial table, the best trial or Pareto front.

One type for everything that reads a sweep: :func:`hpsearch.run` returns it,
:func:`hpsearch.open` reads it back from a directory, and the reports draw it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from hpsearch.storage._directory import SweepDirectory
from hpsearch.storage._outputs import best_entries
from hpsearch.storage._table import intermediate_table, trials_table
from hpsearch.trial import TrialState

if TYPE_CHECKING:
    import optuna

    from hpsearch.config import Metric, SweepConfig
    from hpsearch.space import Space

__all__ = ["SweepResult", "open_sweep"]


def _empty_intermediate() -> pd.DataFrame:
    return pd.DataFrame(columns=["number", "step", "value"])


@dataclass
class SweepResult:
    """What a sweep found, and everything the reports need about it.

    ``best_params``/``best_value`` describe the best trial (one metric); with several metrics,
    ``best_values`` maps each metric to the first Pareto-optimal trial's value and
    ``pareto_front`` lists every non-dominated trial. ``trials`` is the flat trial table and
    ``intermediate`` the long table of reported values (``number``, ``step``, ``value``).

    A result can also be made by hand from a table (``name``, ``metrics``, ``trials``), e.g.
    to draw a report of trials run elsewhere.
    """

    name: str
    metrics: list[Metric]
    trials: pd.DataFrame
    intermediate: pd.DataFrame = field(default_factory=_empty_intermediate)
    space: Space | None = None
    strategy: str = ""
    objective: str = ""
    directory: Path | None = None
    started: str | None = None
    finished: str | None = None
    config: SweepConfig | None = None
    pareto_front: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    study: optuna.Study | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_study(
        cls,
        study: optuna.Study,
        config: SweepConfig,
        *,
        directory: str | os.PathLike[str] | None = None,
        stats: dict[str, int] | None = None,
    ) -> SweepResult:
        """The result of the sweep ``config`` stored in ``study``."""
        trials = trials_table(study, config)
        starts = trials["datetime_start"].dropna()
        ends = trials["datetime_complete"].dropna()
        return cls(
            name=config.name,
            metrics=list(config.metrics),
            trials=trials,
            intermediate=intermediate_table(study),
            space=config.space,
            strategy=config.strategy.name,
            objective=config.objective.describe() if config.objective else "",
            directory=Path(directory) if directory is not None else None,
            started=str(starts.min()) if len(starts) else None,
            finished=str(ends.max()) if len(ends) else None,
            config=config,
            pareto_front=best_entries(study, config),
            stats=dict(stats or {}),
            study=study,
        )

    @property
    def best(self) -> dict[str, Any] | None:
        """The best trial as ``{trial, params, metrics}`` (the first Pareto-optimal one)."""
        return self.pareto_front[0] if self.pareto_front else None

    @property
    def best_params(self) -> dict[str, Any] | None:
        return dict(self.best["params"]) if self.best else None

    @property
    def best_value(self) -> float | None:
        if not self.best:
            return None
        return self.best["metrics"][self.metrics[0].name]

    @property
    def best_values(self) -> dict[str, float] | None:
        if not self.best:
            return None
        return {m.name: self.best["metrics"][m.name] for m in self.metrics}

    @property
    def n_complete(self) -> int:
        return int((self.trials["state"] == TrialState.COMPLETE).sum())


def open_sweep(directory: str | os.PathLike[str]) -> SweepResult:
    """Read the sweep stored in ``directory`` (finished or running; nothing is written).

    Example:
        >>> # hpsearch.open("runs/svm-digits").best_params
    """
    sweep = SweepDirectory(directory)
    study, config = sweep.load_study()
    return SweepResult.from_study(study, config, directory=sweep.path)
