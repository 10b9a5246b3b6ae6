"""``--executor tune``: run a sweep through Ray Tune's Tuner and write it into the same study.

Tune chooses the params (random sampling over :meth:`Space.to_tune`) and stops trials with its own
scheduler, mapped from the ``pruner:`` block (asha -> ``ASHAScheduler``, hyperband ->
``HyperBandScheduler``, median -> ``MedianStoppingRule``). Each finished Tune trial becomes a
trial of the sweep's Optuna study, so trials.csv, best.yaml and the report are the same as for
the other executors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hpsearch.space import Constant, Space

__all__ = ["run_tune_sweep", "tune_scheduler"]


def tune_scheduler(pruner: Mapping[str, Any] | None) -> Any:
    """The Ray Tune scheduler for a ``pruner:`` block (``None`` -> Tune's FIFO default)."""
    if not pruner or pruner.get("type") in (None, "none"):
        return None
    from ray.tune import schedulers

    kind = pruner["type"]
    eta = int(pruner.get("reduction_factor", 3))
    if kind == "asha":
        return schedulers.ASHAScheduler(
            grace_period=int(pruner.get("min_resource", 1) or 1), reduction_factor=eta
        )
    if kind == "hyperband":
        max_t = pruner.get("max_resource")
        return schedulers.HyperBandScheduler(
            max_t=int(max_t) if max_t else 81, reduction_factor=eta
        )
    if kind in ("median", "percentile"):
        return schedulers.MedianStoppingRule(
            grace_period=float(pruner.get("n_warmup_steps", 0)),
            min_samples_required=int(pruner.get("n_startup_trials", 3)),
        )
    return None


def _active(space: Space, flat: Mapping[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for dim in space.parameters:
        if Space.is_active(dim, params) and flat.get(dim.name) is not None:
            params[dim.name] = flat[dim.name]
        elif isinstance(dim, Constant) and Space.is_active(dim, params):
            params[dim.name] = dim.grid_values()[0]
    return params


def run_tune_sweep(space: Space, spec: Any, settings: Any) -> dict[str, Any]:
    """Run the remaining budget with Ray Tune; returns counts and the study."""
    import optuna

    from hpsearch.execution._tune import run_with_tune
    from hpsearch.storage._table import ERROR_ATTR, METRICS_ATTR
    from hpsearch.sweep._driver import SweepDriver
    from hpsearch.sweep._outputs import write_outputs

    if space.is_multi_objective:
        from hpsearch.errors import ConfigError

        raise ConfigError(
            "--executor tune optimizes one metric; use the local or ray executor for several",
            path="execution.executor",
        )
    driver = SweepDriver(space, spec, settings)
    study = driver.open_study()
    done = sum(t.state.name in ("COMPLETE", "PRUNED", "FAIL") for t in study.get_trials())
    total = driver.total_budget() or 50
    metric = space.metrics[0]
    results = (
        run_with_tune(
            space,
            spec,
            trials=max(0, total - done),
            metric=metric.name,
            mode="min" if metric.goal == "minimize" else "max",
            metric_names=[m.name for m in space.metrics],
            scheduler=tune_scheduler(space.pruner),
            resources=dict(settings.resources) or None,
            max_concurrent=settings.workers,
            address=settings.address,
            storage_path=str(settings.out_dir / "tune"),
            seed=settings.seed if settings.seed is not None else space.strategy.seed,
        )
        if total > done
        else []
    )
    distributions = space.to_optuna()
    states = {
        "COMPLETE": optuna.trial.TrialState.COMPLETE,
        "PRUNED": optuna.trial.TrialState.PRUNED,
        "FAILED": optuna.trial.TrialState.FAIL,
    }
    stats = {"complete": 0, "failed": 0, "pruned": 0, "new": len(results)}
    for result in results:
        params = _active(space, result.params)
        stored = space.encode(params)
        attrs: dict[str, Any] = {}
        if result.metrics:
            attrs[METRICS_ATTR] = dict(result.metrics)
        if result.error:
            attrs[ERROR_ATTR] = result.error
        value = result.metrics.get(metric.name) if result.state == "COMPLETE" else None
        study.add_trial(
            optuna.trial.create_trial(
                params=stored,
                distributions={k: distributions[k] for k in stored},
                value=value,
                state=states[result.state],
                user_attrs=attrs,
                intermediate_values=dict(result.intermediate),
            )
        )
        stats[{"COMPLETE": "complete", "FAILED": "failed", "PRUNED": "pruned"}[result.state]] += 1
    driver._sync()
    write_outputs(settings.out_dir, study, space)
    return {**stats, "study": study}
