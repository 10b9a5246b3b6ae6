"""The SweepConfig and its blocks: what one space file says, as immutable values.

A :class:`SweepConfig` holds the :class:`~hpsearch.space.Space` (the parameters) and everything
else a file sets: the objective, the metrics, the strategy, the budget, the pruner and the
execution settings. The blocks that name an extension point (strategy, pruner, objective,
executor) keep that extension's options as a plain mapping, validated against the extension's
own option schema when the sweep resolves the config (:func:`hpsearch.sweep.resolve_config`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from hpsearch.config._yaml import Document
from hpsearch.errors import ConfigError
from hpsearch.space import Space

__all__ = [
    "GOALS",
    "Budget",
    "ExecutionConfig",
    "Metric",
    "ObjectiveConfig",
    "PrunerConfig",
    "StrategyConfig",
    "SweepConfig",
]

GOALS = ("minimize", "maximize")
Goal = Literal["minimize", "maximize"]


@dataclass(frozen=True)
class Metric:
    """A metric to optimize: ``{name: accuracy, goal: maximize}``.

    Example:
        >>> Metric("accuracy", "maximize").sign
        -1.0
    """

    name: str
    goal: str = "minimize"
    target: float | None = None

    def __post_init__(self) -> None:
        if self.goal not in GOALS:
            raise ConfigError(
                f"must be minimize or maximize, got {self.goal!r}", path="metric.goal"
            )

    @property
    def sign(self) -> float:
        """+1 when smaller is better, -1 when larger is better."""
        return 1.0 if self.goal == "minimize" else -1.0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "goal": self.goal}
        if self.target is not None:
            out["target"] = self.target
        return out


@dataclass(frozen=True)
class StrategyConfig:
    """Which strategy proposes trials, its seed and its own options."""

    name: str = "bayes"
    seed: int | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.seed is not None:
            out["seed"] = self.seed
        return {**out, **dict(self.options)}


@dataclass(frozen=True)
class Budget:
    """When a sweep stops, and per-trial limits. Times are in seconds."""

    trials: int | None = None
    timeout: float | None = None
    trial_timeout: float | None = None
    max_retries: int = 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in ("trials", "timeout", "trial_timeout"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.max_retries:
            out["max_retries"] = self.max_retries
        return out


class _Block(Mapping[str, Any]):
    """A read-only mapping view of a ``{type: ..., **options}`` block."""

    type: str
    options: Mapping[str, Any]

    def _whole(self) -> dict[str, Any]:
        return {"type": self.type, **dict(self.options)}

    def __getitem__(self, key: str) -> Any:
        return self._whole()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._whole())

    def __len__(self) -> int:
        return 1 + len(self.options)

    def to_dict(self) -> dict[str, Any]:
        return self._whole()


@dataclass(frozen=True, eq=False)
class ObjectiveConfig(_Block):
    """The ``objective:`` block: its ``type`` and that objective type's own options.

    It reads like the block itself (``objective["estimator"]``, ``objective.get("cv", 5)``).

    Example:
        >>> block = ObjectiveConfig("python", {"function": "pkg.mod:f"})
        >>> block["function"], block.describe()
        ('pkg.mod:f', 'python pkg.mod:f')
    """

    type: str
    options: Mapping[str, Any] = field(default_factory=dict)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self) == dict(other)

    def __hash__(self) -> int:
        return hash((self.type, repr(sorted(self.options.items(), key=str))))

    def describe(self) -> str:
        """One line naming the objective, e.g. ``sklearn sklearn.svm.SVC on sklearn:digits``."""
        get = self.options.get
        if self.type == "sklearn":
            return f"sklearn {get('estimator')} on {get('dataset')}, cv={get('cv', 5)}"
        if self.type == "python":
            return f"python {get('function')}"
        if self.type == "command":
            cmd = get("command") or [get("program")]
            return "command " + " ".join(str(c) for c in (cmd if isinstance(cmd, list) else [cmd]))
        if self.type == "torch":
            return f"torch {get('model', 'mlp')} on {get('dataset')}"
        return self.type


@dataclass(frozen=True, eq=False)
class PrunerConfig(_Block):
    """The ``pruner:`` block: when to stop a trial early, and that pruner's options.

    Example:
        >>> PrunerConfig("asha", {"min_resource": 1}).get("min_resource")
        1
    """

    type: str = "none"
    options: Mapping[str, Any] = field(default_factory=dict)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self) == dict(other)

    def __hash__(self) -> int:
        return hash((self.type, repr(sorted(self.options.items(), key=str))))


@dataclass(frozen=True)
class ExecutionConfig:
    """Where trials run: ``{executor, workers, address, resources, storage}``.

    ``None`` means "not given" (the executor's default applies); ``to_dict`` writes only what
    was given.
    """

    executor: str = "local"
    workers: int | None = None
    address: str | None = None
    storage: str | None = None
    resources: Mapping[str, float] = field(default_factory=dict)
    given: frozenset[str] = field(default=frozenset(), compare=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if "executor" in self.given or self.executor != "local":
            out["executor"] = self.executor
        for key in ("workers", "address", "storage"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.resources:
            out["resources"] = dict(self.resources)
        return out


@dataclass(frozen=True)
class SweepConfig:
    """Everything a space file says: the space and how to search it.

    Build one with :func:`hpsearch.load_space` (file, dict, or an existing config), which
    validates every block against the extension it names.

    Example:
        >>> from hpsearch.space import Float
        >>> config = SweepConfig(Space((Float("x", 0, 1),)), name="demo")
        >>> config.directions, config.space.names
        (['minimize'], ['x'])
    """

    space: Space
    name: str = "sweep"
    description: str | None = None
    objective: ObjectiveConfig | None = None
    metrics: tuple[Metric, ...] = (Metric("value", "minimize"),)
    strategy: StrategyConfig = StrategyConfig()
    budget: Budget = Budget()
    pruner: PrunerConfig | None = None
    execution: ExecutionConfig = ExecutionConfig()
    #: where the config came from (a file path), for messages
    source: str | None = field(default=None, compare=False)
    #: the parsed file, to give later errors a line number
    document: Document | None = field(default=None, compare=False, repr=False)
    #: False when the file gave no metric (the objective type may then choose the default)
    metrics_given: bool = field(default=True, compare=False)

    @property
    def is_multi_objective(self) -> bool:
        return len(self.metrics) > 1

    @property
    def directions(self) -> list[str]:
        return [m.goal for m in self.metrics]

    @property
    def metric_names(self) -> list[str]:
        return [m.name for m in self.metrics]

    def error(self, path: str, message: str) -> ConfigError:
        """A ConfigError at key ``path``, with this config's file and line when known."""
        return self.locate(ConfigError(message, path=path))

    def locate(self, exc: ConfigError) -> ConfigError:
        """``exc`` with the file and the line of its key path filled in where missing."""
        line = self.document.line(exc.path or "") if self.document is not None else None
        return exc.located(file=self.source, line=line)

    def replace(self, **changes: Any) -> SweepConfig:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The native file form; loading it gives back an equal config."""
        out: dict[str, Any] = {"name": self.name}
        if self.description:
            out["description"] = self.description
        if self.objective is not None:
            out["objective"] = self.objective.to_dict()
        if len(self.metrics) == 1:
            out["metric"] = self.metrics[0].to_dict()
        else:
            out["metrics"] = [m.to_dict() for m in self.metrics]
        out["strategy"] = self.strategy.to_dict()
        budget = self.budget.to_dict()
        if budget:
            out["budget"] = budget
        if self.pruner is not None:
            out["pruner"] = self.pruner.to_dict()
        execution = self.execution.to_dict()
        if execution:
            out["execution"] = execution
        out["parameters"] = self.space.to_dict()
        return out
