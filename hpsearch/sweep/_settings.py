"""Run settings: what the CLI flags and API arguments say, over the space file's values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hpsearch.config import SweepConfig

__all__ = ["DEFAULT_TRIALS", "SweepSettings"]

DEFAULT_TRIALS = 50


@dataclass
class SweepSettings:
    """Resolved run settings (CLI flags and API arguments over the space file)."""

    out_dir: Path
    trials: int | None = None
    timeout: float | None = None
    strategy: str | None = None
    seed: int | None = None
    workers: int | None = None  # None: 1 locally, the whole cluster on Ray
    executor: str = "local"
    address: str | None = None
    storage: str | None = None
    resources: Mapping[str, float] = field(default_factory=dict)
    progress: str | None = None  # bar | lines | quiet | None (auto)

    def strategy_name(self, config: SweepConfig) -> str:
        return self.strategy or config.strategy.name

    def time_budget(self, config: SweepConfig) -> float | None:
        return self.timeout if self.timeout is not None else config.budget.timeout

    def trial_budget(self, config: SweepConfig) -> int | None:
        """Trials to run in all: the flag, the file's budget, the whole grid, or 50 when no
        time limit stops the sweep either."""
        if self.trials is not None:
            return self.trials
        if config.budget.trials is not None:
            return config.budget.trials
        if self.strategy_name(config) == "grid":
            return config.space.grid_size()
        if self.time_budget(config) is not None:
            return None
        return DEFAULT_TRIALS
