"""``--executor tune``: the sweep runs in Ray Tune's Tuner, and is the same sweep.

hpsearch's strategy chooses every config (a Tune ``Searcher`` over its ask/tell), its pruner
decides early stopping (a Tune scheduler asking the same Optuna pruner), or Tune's
PopulationBasedTraining does with ``pruner: {type: pbt}``. ``budget.trials`` and ``timeout``
stop the searcher as they stop the local loop (running trials finish), ``trial_timeout`` is a
Tune stopper plus a watchdog in the worker, ``max_retries`` reruns the same params, and each
result is written into the study as it arrives, so a killed Tune sweep resumes like any other.
"""

from __future__ import annotations

import optuna

from hpsearch.config import SweepConfig
from hpsearch.execution import fit_tune
from hpsearch.objectives import ObjectiveSpec
from hpsearch.sweep._driver import SweepDriver
from hpsearch.sweep._settings import SweepSettings

__all__ = ["run_tune_sweep"]


def run_tune_sweep(
    config: SweepConfig, spec: ObjectiveSpec, settings: SweepSettings
) -> tuple[dict[str, int], optuna.Study]:
    """Run the remaining budget with Ray Tune; returns counts and the study.

    Raises:
        ObjectiveError: a Tune worker could not build the objective.
    """
    # Ray Tune is an optional, heavy dependency: imported only when a Tune sweep runs
    from hpsearch.sweep._tune_bridge import TuneBridge

    driver = SweepDriver(config, spec, settings)
    driver.prepare()
    bridge = TuneBridge(driver, time_budget=settings.time_budget(config))
    try:
        fit_tune(
            spec,
            searcher=bridge.searcher(),
            scheduler=bridge.scheduler(),
            stopper=bridge.stopper(),
            callbacks=[bridge.callback()],
            metric_names=config.metric_names,
            storage_path=settings.out_dir / "tune",
            resources=dict(settings.resources) or None,
            workers=settings.workers,
            address=settings.address,
            pbt=bridge.pbt,
        )
    except KeyboardInterrupt:
        driver.interrupt()
        raise
    finally:
        if driver.running:  # Tune ended without telling us about these
            driver.interrupt()
        driver.close()
    driver.write_outputs()
    if bridge.fatal is not None:
        raise bridge.fatal
    return driver.stats, driver.study
