"""The pruners Optuna provides: median, percentile, successive halving (asha), hyperband,
wilcoxon, and none."""

from __future__ import annotations

import optuna

from hpsearch.config import Option, Schema
from hpsearch.pruners._base import Pruner

__all__ = [
    "HyperbandPruner",
    "MedianPruner",
    "NoPruner",
    "PercentilePruner",
    "SuccessiveHalvingPruner",
    "WilcoxonPruner",
]

_WARMUP = {
    "n_startup_trials": Option.integer(5, low=0, help="trials that finish before any pruning"),
    "n_warmup_steps": Option.integer(0, low=0, help="steps of a trial before it can be pruned"),
    "interval_steps": Option.integer(1, low=1, help="check every this many steps"),
}


class NoPruner(Pruner):
    """Never stop a trial early."""

    name = "none"

    def build(self) -> optuna.pruners.BasePruner:
        return optuna.pruners.NopPruner()


class MedianPruner(Pruner):
    """Stop a trial whose value is worse than the median of earlier trials at the same step."""

    name = "median"
    schema = Schema(_WARMUP)

    def build(self) -> optuna.pruners.BasePruner:
        return optuna.pruners.MedianPruner(
            n_startup_trials=self.option("n_startup_trials"),
            n_warmup_steps=self.option("n_warmup_steps"),
            interval_steps=self.option("interval_steps"),
        )


class PercentilePruner(Pruner):
    """Stop a trial outside the best ``percentile`` percent of earlier trials at its step."""

    name = "percentile"
    schema = Schema(
        {
            "percentile": Option.number(25.0, low=0, high=100, help="keep the best p percent"),
            **_WARMUP,
        }
    )

    def build(self) -> optuna.pruners.BasePruner:
        return optuna.pruners.PercentilePruner(
            self.option("percentile"),
            n_startup_trials=self.option("n_startup_trials"),
            n_warmup_steps=self.option("n_warmup_steps"),
            interval_steps=self.option("interval_steps"),
        )


class SuccessiveHalvingPruner(Pruner):
    """Asynchronous successive halving: keep the top 1/eta of trials at each rung."""

    name = "asha"
    schema = Schema(
        {
            "min_resource": Option.integer(low=1, help="steps before the first rung (auto)"),
            "reduction_factor": Option.integer(3, low=2, help="keep 1/eta at each rung"),
            "min_early_stopping_rate": Option.integer(0, low=0, help="skip the first rungs"),
            "bootstrap_count": Option.integer(0, low=0, help="trials a rung needs to decide"),
        }
    )

    def build(self) -> optuna.pruners.BasePruner:
        return optuna.pruners.SuccessiveHalvingPruner(
            min_resource=self.option("min_resource") or "auto",
            reduction_factor=self.option("reduction_factor"),
            min_early_stopping_rate=self.option("min_early_stopping_rate"),
            bootstrap_count=self.option("bootstrap_count"),
        )


class HyperbandPruner(Pruner):
    """Hyperband: several successive-halving brackets with different first rungs."""

    name = "hyperband"
    schema = Schema(
        {
            "min_resource": Option.integer(1, low=1, help="steps before the first rung"),
            "max_resource": Option.integer(low=1, help="steps of a full trial (auto)"),
            "reduction_factor": Option.integer(3, low=2, help="keep 1/eta at each rung"),
            "strict": Option.flag(True, help="W&B's strict mode (the paper's rule)"),
        }
    )

    def build(self) -> optuna.pruners.BasePruner:
        return optuna.pruners.HyperbandPruner(
            min_resource=self.option("min_resource"),
            max_resource=self.option("max_resource") or "auto",
            reduction_factor=self.option("reduction_factor"),
        )


class WilcoxonPruner(Pruner):
    """Stop a trial whose per-step values are significantly worse than the best trial's
    (a paired Wilcoxon signed-rank test; for cross-validation folds or problem instances)."""

    name = "wilcoxon"
    schema = Schema(
        {
            "p_threshold": Option.number(0.1, low=0, high=1, help="significance level"),
            "n_startup_steps": Option.integer(2, low=0, help="steps before any test"),
        }
    )

    def build(self) -> optuna.pruners.BasePruner:
        return optuna.pruners.WilcoxonPruner(
            p_threshold=self.option("p_threshold"),
            n_startup_steps=self.option("n_startup_steps"),
        )
