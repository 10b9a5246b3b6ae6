"""The public entry points: :func:`run` a sweep, :func:`resume` one, read its result."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from hpsearch.errors import ConfigError
from hpsearch.objectives import ObjectiveSpec
from hpsearch.space import Space, load_space
from hpsearch.storage._journal import SweepLock
from hpsearch.sweep._driver import SweepDriver, SweepSettings
from hpsearch.sweep._outputs import best_entries, write_atomic

__all__ = ["SweepResult", "resume", "run"]

SPACE_FILE = "space.yaml"
META_FILE = "sweep.json"


@dataclass
class SweepResult:
    """What a finished sweep found.

    ``best_params``/``best_value`` describe the best trial (one metric); with several metrics,
    ``best_values`` maps each metric to the first Pareto-optimal trial's value and
    ``pareto_front`` lists every non-dominated trial. ``trials`` is the flat trial table.
    """

    directory: Path
    space: Space
    trials: pd.DataFrame
    pareto_front: list[dict[str, Any]]
    stats: dict[str, int] = field(default_factory=dict)
    study: Any = None

    @property
    def best(self) -> dict[str, Any] | None:
        return self.pareto_front[0] if self.pareto_front else None

    @property
    def best_params(self) -> dict[str, Any] | None:
        return dict(self.best["params"]) if self.best else None

    @property
    def best_value(self) -> float | None:
        if not self.best:
            return None
        return self.best["metrics"][self.space.metrics[0].name]

    @property
    def best_values(self) -> dict[str, float] | None:
        if not self.best:
            return None
        return {m.name: self.best["metrics"][m.name] for m in self.space.metrics}

    @property
    def n_complete(self) -> int:
        return int((self.trials["state"] == "COMPLETE").sum())


def run(
    space: str | os.PathLike[str] | Mapping[str, Any] | Space,
    objective: Callable[..., Any] | None = None,
    *,
    strategy: str | None = None,
    trials: int | None = None,
    timeout: float | str | None = None,
    seed: int | None = None,
    workers: int | None = None,
    out: str | os.PathLike[str] | None = None,
    executor: str | None = None,
    address: str | None = None,
    storage: str | None = None,
    progress: str | None = "quiet",
    report: bool = True,
) -> SweepResult:
    """Run a sweep and return what it found. Running again with the same ``out`` continues it.

    Args:
        space: a space file path, a dict in the native format, or a Space.
        objective: a callable ``objective(params[, trial]) -> float | dict`` overriding the
            file's ``objective:`` block.
        strategy, trials, timeout, seed, workers: override the file's settings.
        out: the sweep directory (default ``runs/<name>``).
        executor: ``local`` (default) or ``ray``; ``address`` joins a Ray cluster.
        storage: an Optuna storage URL (e.g. PostgreSQL) instead of the journal file in ``out``.
        progress: ``bar``, ``lines``, ``quiet`` or ``None`` (bar on a terminal, else lines).
        report: write ``report.html`` in ``out`` at the end.

    Example:
        >>> import tempfile
        >>> result = run({"name": "demo", "parameters": {"x": {"type": "float", "low": -2,
        ...               "high": 2}}}, lambda p: p["x"] ** 2, trials=5, seed=0,
        ...              out=tempfile.mkdtemp(), report=False)
        >>> result.n_complete
        5
    """
    from hpsearch.space import parse_duration

    source_dir = None
    if isinstance(space, (str, os.PathLike)):
        source_dir = str(Path(space).resolve().parent)
    space = load_space(space)
    if objective is None and space.objective is None:
        raise ConfigError(
            "no objective: add an 'objective:' block to the space file or pass objective=",
            file=space.source,
            path="objective",
        )
    if objective is not None and not callable(objective):
        raise ConfigError(f"objective must be callable, got {type(objective).__name__}")
    exec_block = dict(space.execution or {})
    directory = Path(out) if out is not None else Path("runs") / _safe_name(space.name)
    settings = SweepSettings(
        out_dir=directory,
        trials=trials,
        timeout=parse_duration(timeout, "timeout") if timeout is not None else None,
        strategy=strategy,
        seed=seed,
        workers=workers if workers is not None else exec_block.get("workers"),
        executor=executor or exec_block.get("executor", "local"),
        address=address or exec_block.get("address") or os.environ.get("RAY_ADDRESS") or None,
        storage=storage or exec_block.get("storage"),
        resources=dict(exec_block.get("resources", {})),
        progress=progress,
    )
    if settings.executor == "tune" and (space.objective or {}).get("ensemble"):
        raise ConfigError(
            "stored predictions need trial directories, which --executor tune does not give; "
            "use the local or ray executor",
            file=space.source,
            path="objective.ensemble",
        )
    if settings.workers is not None and settings.workers < 1:
        raise ConfigError(f"workers must be >= 1, got {settings.workers}", path="workers")
    if strategy is not None:
        from hpsearch.strategies import MULTI_OBJECTIVE, STRATEGY_OPTIONS

        if strategy not in STRATEGY_OPTIONS:
            raise ConfigError(
                f"unknown strategy {strategy!r}; allowed: {', '.join(STRATEGY_OPTIONS)}",
                path="strategy",
            )
        if space.is_multi_objective and strategy not in MULTI_OBJECTIVE:
            raise ConfigError(
                f"{strategy!r} optimizes a single metric; with several metrics "
                f"use one of {', '.join(MULTI_OBJECTIVE)}",
                path="strategy",
            )
    directory.mkdir(parents=True, exist_ok=True)
    with SweepLock(directory):
        meta = _prepare_directory(directory, space, source_dir, settings.storage)
        spec = ObjectiveSpec(
            space.objective, space.to_dict(), base_dir=meta.get("base_dir"), callable_=objective
        )
        if settings.executor == "tune":
            from hpsearch.execution._tune_driver import run_tune_sweep

            stats = run_tune_sweep(space, spec, settings)
            driver = None
        else:
            driver = SweepDriver(space, spec, settings)
            stats = driver.run()
        study = driver.study if driver else stats.pop("study")
        result = _result(directory, space, study, stats)
        if report:
            _write_report(directory, space, study)
    return result


def resume(
    directory: str | os.PathLike[str], objective: Callable[..., Any] | None = None, **overrides: Any
) -> SweepResult:
    """Continue the sweep stored in ``directory`` (completed trials kept, interrupted retried).

    Example:
        >>> # hpsearch.resume("runs/svm-digits")
    """
    directory = Path(directory)
    space_file = directory / SPACE_FILE
    if not space_file.exists():
        raise ConfigError(f"{directory} holds no sweep (no {SPACE_FILE})", file=str(directory))
    space = load_space(space_file)
    return run(space, objective, out=directory, **overrides)


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name).strip("-.") or "sweep"


def _prepare_directory(
    directory: Path, space: Space, source_dir: str | None, storage: str | None
) -> dict[str, Any]:
    """Write space.yaml and sweep.json on the first run; check the space on later ones."""
    space_file = directory / SPACE_FILE
    meta_file = directory / META_FILE
    if space_file.exists():
        stored = load_space(space_file)
        if [d.to_dict() for d in stored.parameters] != [d.to_dict() for d in space.parameters]:
            raise ConfigError(
                f"{directory} holds a sweep over different parameters; use another "
                "--out directory (or delete it to start over)",
                file=space.source,
            )
        if stored.metrics != space.metrics:
            raise ConfigError(
                f"{directory} holds a sweep with other metrics; use another --out directory",
                file=space.source,
            )
    write_atomic(space_file, yaml.safe_dump(space.to_dict(), sort_keys=False, allow_unicode=True))
    meta: dict[str, Any] = {}
    if meta_file.exists():
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    meta.setdefault("base_dir", source_dir or os.getcwd())
    meta.setdefault("name", space.name)
    if storage:
        meta["storage"] = storage
    from hpsearch._version import __version__

    meta["hpsearch_version"] = __version__
    write_atomic(meta_file, json.dumps(meta, indent=2))
    return meta


def _result(directory: Path, space: Space, study: Any, stats: dict[str, Any]) -> SweepResult:
    from hpsearch.storage import trials_table

    return SweepResult(
        directory=directory,
        space=space,
        trials=trials_table(study, space),
        pareto_front=best_entries(study, space),
        stats=stats,
        study=study,
    )


def _write_report(directory: Path, space: Space, study: Any) -> None:
    try:
        from hpsearch.report import write_report
    except ImportError:
        return
    from hpsearch.storage import SweepRecord

    record = SweepRecord.from_study(study, space, directory=str(directory))
    write_report([record], directory / "report.html")
