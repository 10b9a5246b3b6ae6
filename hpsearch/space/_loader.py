"""Strict loading of search-space files (native format, or W&B sweep files) into a Space."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from hpsearch.errors import ConfigError, did_you_mean
from hpsearch.space._dimensions import (
    Categorical,
    Condition,
    Constant,
    Dimension,
    Float,
    Int,
    Prior,
)
from hpsearch.space._space import GOALS, Budget, Metric, Space, StrategySpec
from hpsearch.space._yaml import Document, read_document

__all__ = ["OBJECTIVE_KEYS", "PRUNER_KEYS", "load_space", "parse_duration"]

MAX_PARAMETERS = 1000

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
DIM_KEYS = {
    "float": ("type", "low", "high", "log", "step", "prior", "when", "description"),
    "int": ("type", "low", "high", "log", "step", "prior", "when", "description"),
    "categorical": ("type", "choices", "weights", "when", "description"),
    "constant": ("type", "value", "when", "description"),
}
ALL_DIM_KEYS = {k for keys in DIM_KEYS.values() for k in keys}
BUDGET_KEYS = ("trials", "timeout", "trial_timeout", "max_retries")
METRIC_KEYS = ("name", "goal", "target")
EXECUTION_KEYS = ("executor", "workers", "address", "resources", "storage", "actors_per_gpu")
EXECUTORS = ("local", "ray", "tune")
RESOURCE_KEYS = ("cpu", "gpu", "memory_gb")
PRUNER_KEYS = {
    "none": ("type",),
    "median": ("type", "n_startup_trials", "n_warmup_steps", "interval_steps"),
    "percentile": ("type", "percentile", "n_startup_trials", "n_warmup_steps", "interval_steps"),
    "asha": (
        "type",
        "min_resource",
        "reduction_factor",
        "min_early_stopping_rate",
        "bootstrap_count",
    ),
    "hyperband": ("type", "min_resource", "max_resource", "reduction_factor", "strict"),
    "wilcoxon": ("type", "p_threshold", "n_startup_steps"),
}
OBJECTIVE_KEYS = {
    "sklearn": (
        "type",
        "estimator",
        "params",
        "dataset",
        "target",
        "cv",
        "scoring",
        "racing",
        "n_jobs",
        "test_size",
        "groups",
        "ensemble",  # stored out-of-fold predictions (hpsearch.objectives._predictions)
    ),
    "python": ("type", "function", "kwargs"),
    "command": (
        "type",
        "command",
        "program",
        "interpreter",
        "cwd",
        "env",
        "metrics_file",
        "timeout",
    ),
    "torch": (
        "type",
        "task",
        "dataset",
        "target",
        "model",
        "factory",
        "validation",
        "epochs",
        "device",
        "deterministic",
        "seed",
        "metrics",
        "loss",
        "params",
        "checkpoint",
        "early_stopping",
        "amp",
        "max_batches",
        "num_workers",
        "ensemble",  # stored validation predictions (hpsearch.objectives._predictions)
    ),
}


def load_space(source: str | Path | Mapping[str, Any] | Space, *, file: str | None = None) -> Space:
    """Load and validate a search-space file (YAML/JSON, native or W&B) or a dict.

    Raises :class:`hpsearch.ConfigError` (a ``ValueError``) naming the file, line and key path of
    the first problem.

    Example:
        >>> space = load_space({"parameters": {"lr": {"type": "float", "low": 1e-4, "high": 1,
        ...                                            "log": True}}})
        >>> space["lr"].log
        True
    """
    if isinstance(source, Space):
        return source
    if isinstance(source, Mapping):
        doc = Document(data=dict(source), file=file)
    elif isinstance(source, (str, Path)):
        doc = read_document(source)
    else:
        raise ConfigError(f"expected a path, a mapping or a Space, got {type(source).__name__}")
    return space_from_document(doc)


def space_from_document(doc: Document) -> Space:
    """Validate a parsed document and build the Space."""
    data = doc.data
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"the top level must be a mapping of keys (name, parameters, ...), got {_kind(data)}",
            file=doc.file,
            line=1,
        )
    from hpsearch.space._wandb import is_wandb_sweep, wandb_to_native

    if is_wandb_sweep(data):
        doc = wandb_to_native(doc)
        data = doc.data
    try:
        return _NativeLoader(doc).load()
    except ConfigError as exc:
        if exc.file or exc.line:
            raise
        raise exc.located(file=doc.file, line=doc.line(exc.path or "")) from None


def parse_duration(value: Any, path: str) -> float:
    """Seconds from ``90``, ``"90s"``, ``"30m"``, ``"2h"``, ``"1h30m"`` or ``"1d"``.

    Example:
        >>> parse_duration("1h30m", "budget.timeout")
        5400.0
    """
    if isinstance(value, bool):
        raise ConfigError(f"must be a duration such as 90, '30m' or '2h', got {value!r}", path=path)
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str) and re.fullmatch(r"\s*(\d+(\.\d+)?\s*[smhd]\s*)+", value):
        units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
        seconds = sum(
            float(n) * units[u] for n, _, u in re.findall(r"(\d+(\.\d+)?)\s*([smhd])", value)
        )
    else:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            raise ConfigError(
                f"must be a duration such as 90, '30m' or '2h', got {value!r}", path=path
            ) from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise ConfigError(f"must be a positive duration, got {value!r}", path=path)
    return seconds


def read_number(value: Any, fail: Callable[[str], ConfigError]) -> int | float:
    """A finite number; numeric strings such as ``"1e-5"`` are read as numbers.

    ``fail(message)`` builds the error to raise (it knows the file, line and key path).

    Example:
        >>> read_number("1e-5", ConfigError)
        1e-05
    """
    if isinstance(value, str):
        text = value.strip()
        try:
            value = int(text)
        except ValueError:
            try:
                value = float(text)
            except ValueError:
                raise fail(f"must be a number, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(f"must be a number, got {_kind(value)}")
    if not math.isfinite(value):
        raise fail(f"must be finite, got {value!r}")
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


class _NativeLoader:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.data: Mapping[str, Any] = doc.data

    def fail(self, path: str, message: str) -> ConfigError:
        return self.doc.error(path, message)

    def check_keys(
        self, mapping: Any, path: str, allowed: tuple[str, ...] | set[str], what: str = ""
    ) -> Mapping[str, Any]:
        if not isinstance(mapping, Mapping):
            raise self.fail(path, f"must be a mapping{what}, got {_kind(mapping)}")
        for key in mapping:
            if key not in allowed:
                sub = f"{path}.{key}" if path else str(key)
                raise self.fail(
                    sub,
                    f"unknown key {key!r}{did_you_mean(key, allowed)}; allowed: "
                    f"{', '.join(sorted(allowed))}",
                )
        return mapping

    # -- top level -------------------------------------------------------------------------
    def load(self) -> Space:
        data = self.check_keys(self.data, "", TOP_KEYS)
        if "parameters" not in data:
            raise self.fail("parameters", "missing: a space file needs a 'parameters' mapping")
        name = data.get("name")
        if name is None:
            name = Path(self.doc.file).stem if self.doc.file else "sweep"
        if not isinstance(name, str) or not name.strip():
            raise self.fail("name", f"must be a non-empty string, got {_kind(name)}")
        description = data.get("description")
        if description is not None and not isinstance(description, str):
            raise self.fail("description", f"must be a string, got {_kind(description)}")
        dims = self.parameters(data["parameters"])
        metrics = self.metrics(data)
        objective = self.objective(data.get("objective"))
        if (
            "metric" not in data
            and "metrics" not in data
            and objective
            and (objective["type"] == "sklearn")
        ):
            scoring = objective.get("scoring") or "score"
            first = scoring[0] if isinstance(scoring, list) and scoring else scoring
            metrics = (Metric(str(first), "maximize"),)  # scikit-learn scores: larger is better
        strategy = self.strategy(data.get("strategy"), multi=len(metrics) > 1)
        try:
            space = Space(
                dims,
                name=name.strip(),
                metrics=metrics,
                objective=objective,
                strategy=strategy,
                budget=self.budget(data.get("budget")),
                pruner=self.pruner(data.get("pruner")),
                execution=self.execution(data.get("execution")),
                description=description,
                source=self.doc.file,
            )
        except ConfigError as exc:
            raise exc.located(file=self.doc.file, line=self.doc.line(exc.path or "")) from None
        if strategy.name == "grid":
            for dim in space.parameters:
                if dim.grid_values() is None:
                    raise self.fail(
                        f"parameters.{dim.name}",
                        "the grid strategy needs a finite set of values: give this "
                        f"{dim.kind} a step, or choose another strategy",
                    )
        return space

    # -- parameters --------------------------------------------------------------------------
    def parameters(self, block: Any) -> tuple[Dimension, ...]:
        if not isinstance(block, Mapping):
            raise self.fail(
                "parameters", f"must be a mapping of parameter names, got {_kind(block)}"
            )
        if not block:
            raise self.fail("parameters", "must define at least one parameter")
        dims: list[Dimension] = []
        self._collect(block, "", dims)
        if len(dims) > MAX_PARAMETERS:
            raise self.fail("parameters", f"has {len(dims)} parameters; at most {MAX_PARAMETERS}")
        names = {d.name for d in dims}
        return tuple(self._resolve_when(d, names) for d in dims)

    def _collect(self, block: Mapping[str, Any], prefix: str, out: list[Dimension]) -> None:
        for key, spec in block.items():
            path = f"parameters.{prefix}{key}"
            if not isinstance(key, str) or not key.strip():
                raise self.fail(path, f"parameter names must be non-empty strings, got {key!r}")
            name = f"{prefix}{key}"
            if not isinstance(spec, Mapping):
                raise self.fail(
                    path,
                    "must be a mapping such as {type: float, low: 0, high: 1}, "
                    f"got {_kind(spec)}",
                )
            if "type" not in spec:
                is_group = (
                    spec
                    and all(isinstance(v, Mapping) for v in spec.values())
                    and not (set(spec) & ALL_DIM_KEYS)
                )
                if is_group:
                    self._collect(spec, f"{name}.", out)
                    continue
                raise self.fail(path, "missing 'type' (one of float, int, categorical, constant)")
            out.append(self.dimension(name, spec, path))
            if len(out) > MAX_PARAMETERS:
                raise self.fail("parameters", f"has more than {MAX_PARAMETERS} parameters")

    def dimension(self, name: str, spec: Mapping[str, Any], path: str) -> Dimension:
        kind = spec["type"]
        if not isinstance(kind, str) or kind not in DIM_KEYS:
            raise self.fail(
                f"{path}.type",
                f"unknown type {kind!r}{did_you_mean(kind, DIM_KEYS)};"
                " allowed: float, int, categorical, constant",
            )
        self.check_keys(spec, path, DIM_KEYS[kind])
        when = self._raw_when(spec.get("when"), f"{path}.when")
        try:
            if kind in ("float", "int"):
                for key in ("low", "high"):
                    if key not in spec:
                        raise self.fail(f"{path}.{key}", f"missing: a {kind} needs low and high")
                log = spec.get("log", False)
                if not isinstance(log, bool):
                    raise self.fail(f"{path}.log", f"must be true or false, got {_kind(log)}")
                cls = Float if kind == "float" else Int
                return cls(
                    name,
                    self.number(spec["low"], f"{path}.low"),
                    self.number(spec["high"], f"{path}.high"),
                    log=log,
                    step=None
                    if spec.get("step") is None
                    else self.number(spec["step"], f"{path}.step"),
                    prior=self.prior(spec.get("prior"), f"{path}.prior"),
                    when=when,
                )
            if kind == "categorical":
                if "choices" not in spec:
                    raise self.fail(f"{path}.choices", "missing: a categorical needs choices")
                choices = spec["choices"]
                if not isinstance(choices, list):
                    raise self.fail(f"{path}.choices", f"must be a list, got {_kind(choices)}")
                weights = spec.get("weights")
                if weights is not None and not (
                    isinstance(weights, list)
                    and all(
                        isinstance(w, (int, float)) and not isinstance(w, bool) for w in weights
                    )
                ):
                    raise self.fail(f"{path}.weights", "must be a list of numbers")
                return Categorical(name, tuple(choices), weights=weights, when=when)
            if "value" not in spec:
                raise self.fail(f"{path}.value", "missing: a constant needs a value")
            return Constant(name, spec["value"], when=when)
        except ConfigError as exc:
            raise exc.located(file=self.doc.file, line=self.doc.line(exc.path or path)) from None

    def number(self, value: Any, path: str) -> int | float:
        return read_number(value, lambda message: self.fail(path, message))

    def prior(self, spec: Any, path: str) -> Prior | None:
        if spec is None:
            return None
        if not isinstance(spec, Mapping) or spec.get("type") not in Prior.KINDS:
            raise self.fail(path, f"must be {{type: {' | '.join(Prior.KINDS)}, ...}}")
        keys = ("type", "alpha", "beta") if spec["type"] == "beta" else ("type", "mu", "sigma")
        self.check_keys(spec, path, keys)
        a = self.number(
            spec.get(keys[1], 0.0 if spec["type"] != "beta" else 1.0), f"{path}.{keys[1]}"
        )
        b = self.number(spec.get(keys[2], 1.0), f"{path}.{keys[2]}")
        if b <= 0 or (spec["type"] == "beta" and a <= 0):
            raise self.fail(path, "prior parameters must be > 0")
        return Prior(spec["type"], float(a), float(b))

    def _raw_when(self, when: Any, path: str) -> tuple[Condition, ...]:
        if when is None:
            return ()
        if not isinstance(when, Mapping) or not when:
            raise self.fail(
                path, "must be a mapping such as {kernel: poly} or {kernel: [rbf, poly]}"
            )
        out = []
        for parent, values in when.items():
            vals = tuple(values) if isinstance(values, list) else (values,)
            if not vals:
                raise self.fail(f"{path}.{parent}", "must list at least one value")
            out.append(Condition(str(parent), vals))
        return tuple(out)

    def _resolve_when(self, dim: Dimension, names: set[str]) -> Dimension:
        if not dim.when:
            return dim
        prefix = dim.name.rpartition(".")[0]
        resolved = []
        for c in dim.when:
            parent = c.parent
            if parent not in names and prefix and f"{prefix}.{parent}" in names:
                parent = f"{prefix}.{parent}"
            if parent not in names:
                raise self.fail(
                    f"parameters.{dim.name}.when.{c.parent}",
                    f"names unknown parameter {c.parent!r}{did_you_mean(c.parent, names)}",
                )
            resolved.append(Condition(parent, c.values))
        import dataclasses

        return dataclasses.replace(dim, when=tuple(resolved))

    # -- other blocks ------------------------------------------------------------------------
    def metrics(self, data: Mapping[str, Any]) -> tuple[Metric, ...]:
        if "metric" in data and "metrics" in data:
            raise self.fail("metrics", "give either 'metric' or 'metrics', not both")
        if "metric" in data:
            return (self.metric(data["metric"], "metric"),)
        if "metrics" in data:
            block = data["metrics"]
            if not isinstance(block, list) or not block:
                raise self.fail("metrics", "must be a non-empty list of {name, goal}")
            metrics = tuple(self.metric(m, f"metrics[{i}]") for i, m in enumerate(block))
            names = [m.name for m in metrics]
            for i, n in enumerate(names):
                if n in names[:i]:
                    raise self.fail(f"metrics[{i}].name", f"duplicate metric {n!r}")
            return metrics
        return (Metric("value", "minimize"),)

    def metric(self, spec: Any, path: str) -> Metric:
        if isinstance(spec, str):
            spec = {"name": spec}
        self.check_keys(spec, path, METRIC_KEYS)
        name = spec.get("name")
        if not isinstance(name, str) or not name:
            raise self.fail(f"{path}.name", f"must be a non-empty string, got {_kind(name)}")
        goal = spec.get("goal", "minimize")
        if goal not in GOALS:
            raise self.fail(f"{path}.goal", f"must be minimize or maximize, got {goal!r}")
        target = spec.get("target")
        if target is not None:
            target = float(self.number(target, f"{path}.target"))
        return Metric(name, goal, target)

    def strategy(self, spec: Any, *, multi: bool) -> StrategySpec:
        from hpsearch.strategies import MULTI_OBJECTIVE, STRATEGY_OPTIONS

        if spec is None:
            spec = {"name": "bayes"}
        if isinstance(spec, str):
            spec = {"name": spec}
        if not isinstance(spec, Mapping):
            raise self.fail("strategy", f"must be a name or a mapping, got {_kind(spec)}")
        name = spec.get("name", "bayes")
        if not isinstance(name, str) or name not in STRATEGY_OPTIONS:
            raise self.fail(
                "strategy.name",
                f"unknown strategy {name!r}"
                f"{did_you_mean(name, STRATEGY_OPTIONS)}; allowed: "
                f"{', '.join(STRATEGY_OPTIONS)}",
            )
        self.check_keys(spec, "strategy", ("name", "seed", *STRATEGY_OPTIONS[name]))
        seed = spec.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
            raise self.fail("strategy.seed", f"must be a non-negative integer, got {_kind(seed)}")
        if multi and name not in MULTI_OBJECTIVE:
            raise self.fail(
                "strategy.name",
                f"{name!r} optimizes a single metric; with several "
                f"metrics use one of {', '.join(MULTI_OBJECTIVE)}",
            )
        options = {k: v for k, v in spec.items() if k not in ("name", "seed")}
        return StrategySpec(name, seed, options)

    def budget(self, spec: Any) -> Budget:
        if spec is None:
            return Budget()
        self.check_keys(spec, "budget", BUDGET_KEYS)
        trials = spec.get("trials")
        if trials is not None and (
            isinstance(trials, bool) or not isinstance(trials, int) or trials < 1
        ):
            raise self.fail("budget.trials", f"must be a positive integer, got {_kind(trials)}")
        retries = spec.get("max_retries", 0)
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise self.fail("budget.max_retries", f"must be an integer >= 0, got {_kind(retries)}")
        return Budget(
            trials=trials,
            timeout=self._duration(spec.get("timeout"), "budget.timeout"),
            trial_timeout=self._duration(spec.get("trial_timeout"), "budget.trial_timeout"),
            max_retries=retries,
        )

    def _duration(self, value: Any, path: str) -> float | None:
        if value is None:
            return None
        try:
            return parse_duration(value, path)
        except ConfigError as exc:
            raise self.fail(path, exc.message) from None

    def pruner(self, spec: Any) -> dict[str, Any] | None:
        if spec is None:
            return None
        if isinstance(spec, str):
            spec = {"type": spec}
        if not isinstance(spec, Mapping) or "type" not in spec:
            raise self.fail("pruner", f"must be a mapping with a type ({', '.join(PRUNER_KEYS)})")
        kind = spec["type"]
        if not isinstance(kind, str) or kind not in PRUNER_KEYS:
            raise self.fail(
                "pruner.type",
                f"unknown pruner {kind!r}{did_you_mean(kind, PRUNER_KEYS)};"
                f" allowed: {', '.join(PRUNER_KEYS)}",
            )
        self.check_keys(spec, "pruner", PRUNER_KEYS[kind])
        for key, value in spec.items():
            if key in ("type", "strict"):
                continue
            number = self.number(value, f"pruner.{key}")
            if number < 0:
                raise self.fail(f"pruner.{key}", f"must be >= 0, got {value!r}")
        if "reduction_factor" in spec and spec["reduction_factor"] < 2:
            raise self.fail(
                "pruner.reduction_factor", f"must be >= 2, got {spec['reduction_factor']!r}"
            )
        return dict(spec)

    def execution(self, spec: Any) -> dict[str, Any] | None:
        if spec is None:
            return None
        self.check_keys(spec, "execution", EXECUTION_KEYS)
        executor = spec.get("executor", "local")
        if executor not in EXECUTORS:
            raise self.fail(
                "execution.executor",
                f"unknown executor {executor!r}"
                f"{did_you_mean(executor, EXECUTORS)}; allowed: {', '.join(EXECUTORS)}",
            )
        workers = spec.get("workers", 1)
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise self.fail(
                "execution.workers", f"must be a positive integer, got {_kind(workers)}"
            )
        if "resources" in spec:
            self.check_keys(spec["resources"], "execution.resources", RESOURCE_KEYS)
            for key, value in spec["resources"].items():
                if self.number(value, f"execution.resources.{key}") < 0:
                    raise self.fail(f"execution.resources.{key}", f"must be >= 0, got {value!r}")
        for key in ("address", "storage"):
            if key in spec and not isinstance(spec[key], str):
                raise self.fail(f"execution.{key}", f"must be a string, got {_kind(spec[key])}")
        return dict(spec)

    def objective(self, spec: Any) -> dict[str, Any] | None:
        if spec is None:
            return None
        if not isinstance(spec, Mapping):
            raise self.fail("objective", f"must be a mapping with a type, got {_kind(spec)}")
        if "type" not in spec:
            raise self.fail("objective.type", f"missing; allowed: {', '.join(OBJECTIVE_KEYS)}")
        kind = spec["type"]
        if not isinstance(kind, str) or kind not in OBJECTIVE_KEYS:
            raise self.fail(
                "objective.type",
                f"unknown objective type {kind!r}"
                f"{did_you_mean(kind, OBJECTIVE_KEYS)}; allowed: "
                f"{', '.join(OBJECTIVE_KEYS)}",
            )
        self.check_keys(spec, "objective", OBJECTIVE_KEYS[kind])
        required = {
            "sklearn": ("estimator", "dataset"),
            "python": ("function",),
            "command": (),
            "torch": ("dataset",),
        }[kind]
        for key in required:
            if key not in spec:
                raise self.fail(f"objective.{key}", f"missing: a {kind} objective needs {key}")
        if kind == "command" and "command" not in spec and "program" not in spec:
            raise self.fail("objective.command", "missing: give command (a list) or program")
        if kind == "python" and not (isinstance(spec["function"], str) and ":" in spec["function"]):
            raise self.fail(
                "objective.function",
                f"must look like package.module:function, got {spec['function']!r}",
            )
        return dict(spec)
