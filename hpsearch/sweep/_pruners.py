"""When to stop a trial early: the ``pruner:`` block mapped onto Optuna's pruners."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["make_pruner"]


def make_pruner(spec: Mapping[str, Any] | None) -> Any:
    """An Optuna pruner for a validated ``pruner:`` block (``None`` -> never prune).

    Example:
        >>> type(make_pruner({"type": "asha", "min_resource": 1})).__name__
        'SuccessiveHalvingPruner'
    """
    import optuna

    if not spec or spec.get("type") in (None, "none"):
        return optuna.pruners.NopPruner()
    kind = spec["type"]
    opts = {k: v for k, v in spec.items() if k != "type"}
    if kind == "median":
        return optuna.pruners.MedianPruner(
            n_startup_trials=int(opts.get("n_startup_trials", 5)),
            n_warmup_steps=int(opts.get("n_warmup_steps", 0)),
            interval_steps=int(opts.get("interval_steps", 1)),
        )
    if kind == "percentile":
        return optuna.pruners.PercentilePruner(
            float(opts.get("percentile", 25.0)),
            n_startup_trials=int(opts.get("n_startup_trials", 5)),
            n_warmup_steps=int(opts.get("n_warmup_steps", 0)),
            interval_steps=int(opts.get("interval_steps", 1)),
        )
    if kind == "asha":
        return optuna.pruners.SuccessiveHalvingPruner(
            min_resource=opts.get("min_resource", "auto"),
            reduction_factor=int(opts.get("reduction_factor", 3)),
            min_early_stopping_rate=int(opts.get("min_early_stopping_rate", 0)),
            bootstrap_count=int(opts.get("bootstrap_count", 0)),
        )
    if kind == "hyperband":
        return optuna.pruners.HyperbandPruner(
            min_resource=int(opts.get("min_resource", 1)),
            max_resource=opts.get("max_resource", "auto"),
            reduction_factor=int(opts.get("reduction_factor", 3)),
        )
    if kind == "wilcoxon":
        return optuna.pruners.WilcoxonPruner(
            p_threshold=float(opts.get("p_threshold", 0.1)),
            n_startup_steps=int(opts.get("n_startup_steps", 2)),
        )
    raise ValueError(f"unknown pruner type {kind!r}")
