"""Running a sweep end to end: overrides resolved, directory prepared and locked, the loop,
the result and the report."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hpsearch.config import StrategyConfig, SweepConfig, parse_duration
from hpsearch.errors import ConfigError
from hpsearch.execution import EXECUTORS
from hpsearch.objectives import ObjectiveSpec
from hpsearch.report import write_report
from hpsearch.storage import SweepDirectory, SweepResult
from hpsearch.strategies import STRATEGIES
from hpsearch.sweep._driver import SweepDriver
from hpsearch.sweep._settings import SweepSettings
from hpsearch.sweep._tune_sweep import run_tune_sweep

__all__ = ["make_settings", "run_sweep", "safe_name"]


def safe_name(name: str) -> str:
    """A sweep name usable as a folder name.

    Example:
        >>> safe_name("svm digits/v2")
        'svm-digits-v2'
    """
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name).strip("-.") or "sweep"


def make_settings(
    config: SweepConfig,
    *,
    out: str | os.PathLike[str] | None = None,
    strategy: str | None = None,
    trials: int | None = None,
    timeout: float | str | None = None,
    seed: int | None = None,
    workers: int | None = None,
    executor: str | None = None,
    address: str | None = None,
    storage: str | None = None,
    progress: str | None = "quiet",
) -> SweepSettings:
    """Run settings: each argument given wins over the space file's value; each is checked.

    Raises:
        ConfigError: a bad value, or a strategy or executor that cannot run this config.
    """
    execution = config.execution
    if trials is not None and (isinstance(trials, bool) or trials < 1):
        raise ConfigError(f"--trials must be >= 1, got {trials}", path="trials")
    if workers is not None and (isinstance(workers, bool) or workers < 1):
        raise ConfigError(f"workers must be >= 1, got {workers}", path="workers")
    if strategy is not None:
        replaced = config.replace(strategy=StrategyConfig(strategy, config.strategy.seed))
        STRATEGIES.lookup(strategy, path="strategy").check(replaced)
    kind = executor or execution.executor
    EXECUTORS.lookup(kind, path="executor").check(config)
    return SweepSettings(
        out_dir=Path(out) if out is not None else Path("runs") / safe_name(config.name),
        trials=trials,
        timeout=parse_duration(timeout, "timeout") if timeout is not None else None,
        strategy=strategy,
        seed=seed,
        workers=workers if workers is not None else execution.workers,
        executor=kind,
        address=address or execution.address or os.environ.get("RAY_ADDRESS") or None,
        storage=storage or execution.storage,
        resources=dict(execution.resources),
        progress=progress,
    )


def run_sweep(
    config: SweepConfig,
    settings: SweepSettings,
    *,
    objective: Callable[..., Any] | None = None,
    source_dir: str | None = None,
    report: bool = True,
) -> SweepResult:
    """Run (or continue) the sweep ``config`` in ``settings.out_dir``; returns its result.

    Raises:
        ConfigError: no objective, or the directory holds another sweep.
        SweepLockedError: another driver runs this sweep.
    """
    if objective is None and config.objective is None:
        raise ConfigError(
            "no objective: add an 'objective:' block to the space file or pass objective=",
            file=config.source,
            path="objective",
        )
    if objective is not None and not callable(objective):
        raise ConfigError(f"objective must be callable, got {type(objective).__name__}")
    sweep = SweepDirectory(settings.out_dir)
    sweep.path.mkdir(parents=True, exist_ok=True)
    with sweep.lock():
        meta = sweep.prepare(config, source_dir=source_dir, storage=settings.storage)
        spec = ObjectiveSpec(config, base_dir=meta.get("base_dir"), callable_=objective)
        if EXECUTORS.lookup(settings.executor).runs_the_loop:
            stats, study = run_tune_sweep(config, spec, settings)
        else:
            driver = SweepDriver(config, spec, settings)
            stats = driver.run()
            study = driver.study
        result = SweepResult.from_study(study, config, directory=sweep.path, stats=stats)
        if report:
            write_report([result], sweep.report_file)
    return result
