"""``--executor tune``: run a sweep through Ray Tune's Tuner and write it into the same study.

Tune chooses the params (random sampling over the space's Tune domains) and stops trials with
its own scheduler, mapped from the ``pruner:`` block (asha -> ``ASHAScheduler``, hyperband ->
``HyperBandScheduler``, median -> ``MedianStoppingRule``). Each finished Tune trial becomes a
trial of the sweep's Optuna study, so trials.csv, best.yaml and the report are the same as for
the other executors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import optuna

from hpsearch.config import SweepConfig
from hpsearch.execution import run_with_tune, tune_scheduler
from hpsearch.objectives import ObjectiveSpec
from hpsearch.space import Constant, Space
from hpsearch.storage import write_outputs
from hpsearch.storage._table import ERROR_ATTR, METRICS_ATTR
from hpsearch.strategies import distributions
from hpsearch.sweep._driver import SweepDriver
from hpsearch.sweep._settings import DEFAULT_TRIALS, SweepSettings
from hpsearch.trial import TrialState

__all__ = ["run_tune_sweep"]


def _active(space: Space, flat: Mapping[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for dim in space.parameters:
        if Space.is_active(dim, params) and flat.get(dim.name) is not None:
            params[dim.name] = flat[dim.name]
        elif isinstance(dim, Constant) and Space.is_active(dim, params):
            params[dim.name] = dim.grid_values()[0]
    return params


def run_tune_sweep(
    config: SweepConfig, spec: ObjectiveSpec, settings: SweepSettings
) -> tuple[dict[str, int], optuna.Study]:
    """Run the remaining budget with Ray Tune; returns counts and the study."""
    driver = SweepDriver(config, spec, settings)
    study = driver.open()
    done = sum(TrialState.from_optuna(t.state).is_finished for t in study.get_trials())
    total = driver.total or DEFAULT_TRIALS
    metric = config.metrics[0]
    results = []
    if total > done:
        results = run_with_tune(
            config.space,
            spec,
            trials=total - done,
            metric=metric.name,
            mode="min" if metric.goal == "minimize" else "max",
            metric_names=config.metric_names,
            scheduler=tune_scheduler(config.pruner),
            resources=dict(settings.resources) or None,
            max_concurrent=settings.workers,
            address=settings.address,
            storage_path=str(settings.out_dir / "tune"),
            seed=settings.seed if settings.seed is not None else config.strategy.seed,
        )
    dists = distributions(config.space)
    stats = {"complete": 0, "failed": 0, "pruned": 0, "new": len(results)}
    for result in results:
        stored = config.space.encode(_active(config.space, result.params))
        attrs: dict[str, Any] = {}
        if result.metrics:
            attrs[METRICS_ATTR] = dict(result.metrics)
        if result.error:
            attrs[ERROR_ATTR] = result.error
        state = TrialState.parse(result.state)
        value = result.metrics.get(metric.name) if state is TrialState.COMPLETE else None
        study.add_trial(
            optuna.trial.create_trial(
                params=stored,
                distributions={k: dists[k] for k in stored},
                value=value,
                state=state.to_optuna(),
                user_attrs=attrs,
                intermediate_values=dict(result.intermediate),
            )
        )
        stats[state.value.lower()] += 1
    driver.ledger.sync()
    write_outputs(settings.out_dir, study, config)
    return stats, study
