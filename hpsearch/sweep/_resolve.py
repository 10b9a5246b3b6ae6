"""Resolving a config: every block checked against the extension it names.

The config layer reads a file's structure; here each strategy, pruner, objective type and
executor checks its own options (its ``schema``) and what it can honour, and the objective
type may pick the default metric. Errors carry the file and line of the key at fault.
"""

from __future__ import annotations

from hpsearch.config import SweepConfig
from hpsearch.errors import ConfigError
from hpsearch.execution import EXECUTORS
from hpsearch.objectives import OBJECTIVES
from hpsearch.pruners import PRUNERS
from hpsearch.strategies import STRATEGIES

__all__ = ["resolve_config"]


def resolve_config(config: SweepConfig) -> SweepConfig:
    """``config`` checked against its extensions, with the objective's default metrics.

    Raises:
        ConfigError: the first block an extension refuses, located in the file.

    Example:
        >>> from hpsearch.config import read_config
        >>> config = resolve_config(read_config({
        ...     "objective": {"type": "sklearn", "estimator": "sklearn.svm.SVC",
        ...                   "dataset": "sklearn:iris", "scoring": "accuracy"},
        ...     "parameters": {"C": {"type": "float", "low": 0.1, "high": 10}}}))
        >>> config.metrics[0]
        Metric(name='accuracy', goal='maximize', target=None)
    """
    try:
        if config.objective is not None:
            objective = OBJECTIVES.lookup(config.objective.type)
            if not config.metrics_given:
                defaults = objective.default_metrics(config)
                if defaults is not None:
                    config = config.replace(metrics=defaults, metrics_given=True)
            objective.check(config)
        STRATEGIES.lookup(config.strategy.name).check(config)
        if config.pruner is not None:
            PRUNERS.lookup(config.pruner.type).check(config)
        EXECUTORS.lookup(config.execution.executor).check(config)
    except ConfigError as exc:
        raise config.locate(exc) from None
    return config
