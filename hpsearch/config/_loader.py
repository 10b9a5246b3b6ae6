"""Strict reading of space files (native format, or W&B sweep files) into a SweepConfig.

This reads the file's structure: the top-level keys, the parameters, the metrics and the
budget are checked completely here. The blocks that name an extension (``strategy``,
``pruner``, ``objective``, ``execution.executor``) are checked for shape, and their options
are kept for the extension's own schema (see :func:`hpsearch.sweep.resolve_config`, which
:func:`hpsearch.load_space` always applies).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hpsearch.config._model import (
    GOALS,
    Budget,
    ExecutionConfig,
    Metric,
    ObjectiveConfig,
    PrunerConfig,
    StrategyConfig,
    SweepConfig,
)
from hpsearch.config._parameters import read_parameters
from hpsearch.config._values import check_keys, kind_of, parse_duration, read_number
from hpsearch.config._wandb import is_wandb_sweep, wandb_to_native
from hpsearch.config._yaml import Document, read_document
from hpsearch.errors import ConfigError
from hpsearch.space import Space

__all__ = ["read_config"]

TOP_KEYS = (
    "name",
    "description",
    "objective",
    "metric",
    "metrics",
    "strategy",
    "budget",
    "parameters",
    "pruner",
    "execution",
)
BUDGET_KEYS = ("trials", "timeout", "trial_timeout", "max_retries")
METRIC_KEYS = ("name", "goal", "target")
EXECUTION_KEYS = ("executor", "workers", "address", "resources", "storage")


def read_config(
    source: str | Path | Mapping[str, Any] | SweepConfig, *, file: str | None = None
) -> SweepConfig:
    """Read a space file (YAML/JSON, native or W&B) or a dict into a SweepConfig.

    The extension blocks are checked for shape only; use :func:`hpsearch.load_space` for a
    config validated against every extension it names.

    Raises:
        ConfigError: naming the file, line and key path of the first problem.

    Example:
        >>> config = read_config({"parameters": {"lr": {"type": "float", "low": 1e-4,
        ...                                              "high": 1, "log": True}}})
        >>> config.space["lr"].log
        True
    """
    if isinstance(source, SweepConfig):
        return source
    if isinstance(source, Mapping):
        doc = Document(data=dict(source), file=file)
    elif isinstance(source, (str, Path)):
        doc = read_document(source)
    else:
        raise ConfigError(
            f"expected a path, a mapping or a SweepConfig, got {type(source).__name__}"
        )
    return config_from_document(doc)


def config_from_document(doc: Document) -> SweepConfig:
    """Validate a parsed document and build the SweepConfig."""
    if not isinstance(doc.data, Mapping):
        raise ConfigError(
            "the top level must be a mapping of keys (name, parameters, ...), got "
            f"{kind_of(doc.data)}",
            file=doc.file,
            line=1,
        )
    if is_wandb_sweep(doc.data):
        doc = wandb_to_native(doc)
    try:
        return _NativeReader(doc).read()
    except ConfigError as exc:
        if exc.file or exc.line:
            raise
        raise doc.locate(exc) from None


class _NativeReader:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.data: Mapping[str, Any] = doc.data

    def fail(self, path: str, message: str) -> ConfigError:
        return self.doc.error(path, message)

    def keys(self, mapping: Any, path: str, allowed: tuple[str, ...], what: str = "") -> None:
        error = check_keys(mapping, allowed, path=path, what=what)
        if error is not None:
            raise self.doc.locate(error)

    def number(self, value: Any, path: str) -> int | float:
        return read_number(value, lambda message: self.fail(path, message))

    # -- top level -------------------------------------------------------------------------
    def read(self) -> SweepConfig:
        data = self.data
        self.keys(data, "", TOP_KEYS)
        if "parameters" not in data:
            raise self.fail("parameters", "missing: a space file needs a 'parameters' mapping")
        name = data.get("name")
        if name is None:
            name = Path(self.doc.file).stem if self.doc.file else "sweep"
        if not isinstance(name, str) or not name.strip():
            raise self.fail("name", f"must be a non-empty string, got {kind_of(name)}")
        description = data.get("description")
        if description is not None and not isinstance(description, str):
            raise self.fail("description", f"must be a string, got {kind_of(description)}")
        dims = read_parameters(self.doc, data["parameters"])
        try:
            space = Space(dims)
        except ConfigError as exc:
            raise self.doc.locate(exc) from None
        given = "metric" in data or "metrics" in data
        return SweepConfig(
            space,
            name=name.strip(),
            description=description,
            objective=self.objective(data.get("objective")),
            metrics=self.metrics(data),
            strategy=self.strategy(data.get("strategy")),
            budget=self.budget(data.get("budget")),
            pruner=self.pruner(data.get("pruner")),
            execution=self.execution(data.get("execution")),
            source=self.doc.file,
            document=self.doc,
            metrics_given=given,
        )

    # -- metrics and budget (checked completely here) ---------------------------------------
    def metrics(self, data: Mapping[str, Any]) -> tuple[Metric, ...]:
        if "metric" in data and "metrics" in data:
            raise self.fail("metrics", "give either 'metric' or 'metrics', not both")
        if "metric" in data:
            return (self.metric(data["metric"], "metric"),)
        if "metrics" not in data:
            return (Metric("value", "minimize"),)
        block = data["metrics"]
        if not isinstance(block, list) or not block:
            raise self.fail("metrics", "must be a non-empty list of {name, goal}")
        metrics = tuple(self.metric(m, f"metrics[{i}]") for i, m in enumerate(block))
        names = [m.name for m in metrics]
        for i, n in enumerate(names):
            if n in names[:i]:
                raise self.fail(f"metrics[{i}].name", f"duplicate metric {n!r}")
        return metrics

    def metric(self, spec: Any, path: str) -> Metric:
        if isinstance(spec, str):
            spec = {"name": spec}
        self.keys(spec, path, METRIC_KEYS)
        name = spec.get("name")
        if not isinstance(name, str) or not name:
            raise self.fail(f"{path}.name", f"must be a non-empty string, got {kind_of(name)}")
        goal = spec.get("goal", "minimize")
        if goal not in GOALS:
            raise self.fail(f"{path}.goal", f"must be minimize or maximize, got {goal!r}")
        target = spec.get("target")
        if target is not None:
            target = float(self.number(target, f"{path}.target"))
        return Metric(name, goal, target)

    def budget(self, spec: Any) -> Budget:
        if spec is None:
            return Budget()
        self.keys(spec, "budget", BUDGET_KEYS)
        trials = spec.get("trials")
        if trials is not None and (
            isinstance(trials, bool) or not isinstance(trials, int) or trials < 1
        ):
            raise self.fail("budget.trials", f"must be a positive integer, got {kind_of(trials)}")
        retries = spec.get("max_retries", 0)
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise self.fail(
                "budget.max_retries", f"must be an integer >= 0, got {kind_of(retries)}"
            )
        return Budget(
            trials=trials,
            timeout=self.duration(spec.get("timeout"), "budget.timeout"),
            trial_timeout=self.duration(spec.get("trial_timeout"), "budget.trial_timeout"),
            max_retries=retries,
        )

    def duration(self, value: Any, path: str) -> float | None:
        if value is None:
            return None
        try:
            return parse_duration(value, path)
        except ConfigError as exc:
            raise self.fail(path, exc.message) from None

    # -- extension blocks (shape only; options belong to the extension) ----------------------
    def strategy(self, spec: Any) -> StrategyConfig:
        if spec is None:
            return StrategyConfig()
        if isinstance(spec, str):
            spec = {"name": spec}
        if not isinstance(spec, Mapping):
            raise self.fail("strategy", f"must be a name or a mapping, got {kind_of(spec)}")
        name = spec.get("name", "bayes")
        if not isinstance(name, str) or not name:
            raise self.fail("strategy.name", f"must be a strategy name, got {kind_of(name)}")
        seed = spec.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
            raise self.fail("strategy.seed", f"must be a non-negative integer, got {kind_of(seed)}")
        options = {k: v for k, v in spec.items() if k not in ("name", "seed")}
        return StrategyConfig(name, seed, options)

    def pruner(self, spec: Any) -> PrunerConfig | None:
        if spec is None:
            return None
        if isinstance(spec, str):
            spec = {"type": spec}
        if not isinstance(spec, Mapping) or "type" not in spec:
            raise self.fail("pruner", "must be a pruner name or a mapping with a type")
        kind = spec["type"]
        if not isinstance(kind, str) or not kind:
            raise self.fail("pruner.type", f"must be a pruner name, got {kind_of(kind)}")
        return PrunerConfig(kind, {k: v for k, v in spec.items() if k != "type"})

    def objective(self, spec: Any) -> ObjectiveConfig | None:
        if spec is None:
            return None
        if not isinstance(spec, Mapping):
            raise self.fail("objective", f"must be a mapping with a type, got {kind_of(spec)}")
        if "type" not in spec:
            raise self.fail("objective.type", "missing; allowed: sklearn, python, command, torch")
        kind = spec["type"]
        if not isinstance(kind, str) or not kind:
            raise self.fail("objective.type", f"must be an objective type, got {kind_of(kind)}")
        return ObjectiveConfig(kind, {k: v for k, v in spec.items() if k != "type"})

    def execution(self, spec: Any) -> ExecutionConfig:
        if spec is None:
            return ExecutionConfig()
        self.keys(spec, "execution", EXECUTION_KEYS)
        executor = spec.get("executor", "local")
        if not isinstance(executor, str) or not executor:
            raise self.fail(
                "execution.executor", f"must be an executor name, got {kind_of(executor)}"
            )
        workers = spec.get("workers")
        if workers is not None and (
            isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
        ):
            raise self.fail(
                "execution.workers", f"must be a positive integer, got {kind_of(workers)}"
            )
        resources: dict[str, float] = {}
        if "resources" in spec:
            self.keys(spec["resources"], "execution.resources", ("cpu", "gpu", "memory_gb"))
            for key, value in spec["resources"].items():
                number = self.number(value, f"execution.resources.{key}")
                if number < 0:
                    raise self.fail(f"execution.resources.{key}", f"must be >= 0, got {value!r}")
                resources[key] = float(number)
        for key in ("address", "storage"):
            if key in spec and not (isinstance(spec[key], str) and spec[key]):
                raise self.fail(
                    f"execution.{key}", f"must be a non-empty string, got {kind_of(spec[key])}"
                )
        return ExecutionConfig(
            executor=executor,
            workers=workers,
            address=spec.get("address"),
            storage=spec.get("storage"),
            resources=resources,
            given=frozenset(spec),
        )
