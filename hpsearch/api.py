"""The public Python API; it mirrors the CLI (each command is one of these functions).

Example:
    >>> import tempfile
    >>> result = run({"name": "demo", "parameters": {"x": {"type": "float", "low": -2,
    ...               "high": 2}}}, lambda p: p["x"] ** 2, trials=5, seed=0,
    ...              out=tempfile.mkdtemp(), report=False)
    >>> result.n_complete
    5
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from hpsearch.config import SweepConfig, read_config
from hpsearch.storage import SweepDirectory, SweepResult, open_sweep
from hpsearch.sweep import make_settings, resolve_config, run_sweep

__all__ = ["load_space", "open", "resume", "run"]

SpaceSource = str | os.PathLike[str] | Mapping[str, Any] | SweepConfig


def load_space(source: SpaceSource, *, file: str | None = None) -> SweepConfig:
    """Load and validate a space file (YAML/JSON, native or W&B), a dict or a config.

    Every block is checked, including the options of the strategy, pruner, objective and
    executor it names.

    Raises:
        ConfigError: (a ``ValueError``) naming the file, line and key path of the first problem.

    Example:
        >>> config = load_space({"parameters": {"lr": {"type": "float", "low": 1e-4, "high": 1,
        ...                                             "log": True}}})
        >>> config.space["lr"].log
        True
    """
    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    return resolve_config(read_config(source, file=file))


def run(
    space: SpaceSource,
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
        space: a space file path, a dict in the native format, or a SweepConfig.
        objective: a callable ``objective(params[, trial]) -> float | dict`` overriding the
            file's ``objective:`` block.
        strategy, trials, timeout, seed, workers: override the file's settings.
        out: the sweep directory (default ``runs/<name>``).
        executor: ``local`` (default), ``ray`` or ``tune``; ``address`` joins a Ray cluster.
        storage: an Optuna storage URL (e.g. PostgreSQL) instead of the journal file in ``out``.
        progress: ``bar``, ``lines``, ``quiet`` or ``None`` (bar on a terminal, else lines).
        report: write ``report.html`` in ``out`` at the end.

    Raises:
        ConfigError: bad input (nothing runs). SweepLockedError: another driver runs ``out``.
    """
    source_dir = None
    if isinstance(space, (str, os.PathLike)):
        source_dir = str(Path(space).resolve().parent)
    config = load_space(space)
    settings = make_settings(
        config,
        out=out,
        strategy=strategy,
        trials=trials,
        timeout=timeout,
        seed=seed,
        workers=workers,
        executor=executor,
        address=address,
        storage=storage,
        progress=progress,
    )
    return run_sweep(config, settings, objective=objective, source_dir=source_dir, report=report)


def resume(
    directory: str | os.PathLike[str], objective: Callable[..., Any] | None = None, **overrides: Any
) -> SweepResult:
    """Continue the sweep stored in ``directory`` (completed trials kept, interrupted retried).

    Example:
        >>> # hpsearch.resume("runs/svm-digits", trials=60)
    """
    config = load_space(SweepDirectory(directory).read_config())
    return run(config, objective, out=directory, **overrides)


def open(directory: str | os.PathLike[str]) -> SweepResult:
    """Read the sweep stored in ``directory`` back (while it runs, too; nothing is written).

    Example:
        >>> # hpsearch.open("runs/svm-digits").best_params
    """
    return open_sweep(directory)
