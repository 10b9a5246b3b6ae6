"""A short human summary of a config, as ``hpsearch validate`` prints it."""

from __future__ import annotations

from hpsearch.config import SweepConfig
from hpsearch.strategies import choose_bayes
from hpsearch.sweep._settings import DEFAULT_TRIALS

__all__ = ["describe_config"]


def _duration(seconds: float) -> str:
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def describe_config(config: SweepConfig) -> str:
    """Name, objective, metrics, strategy, budget, each parameter, and the grid size.

    Example:
        >>> from hpsearch.config import read_config
        >>> print(describe_config(read_config({"name": "x", "parameters": {
        ...     "a": {"type": "int", "low": 1, "high": 3}}})).splitlines()[0])
        x
    """
    space = config.space
    lines = [config.name + (f"  ({config.source})" if config.source else "")]
    if config.description:
        lines.append(f"  {config.description}")
    objective = config.objective.describe() if config.objective else None
    lines.append(f"objective:  {objective or '(none: pass one from Python)'}")
    for i, m in enumerate(config.metrics):
        label = "metric:" if len(config.metrics) == 1 else ("metrics:" if i == 0 else "")
        target = f", target {m.target:g}" if m.target is not None else ""
        lines.append(f"{label:<11} {m.name} ({m.goal}{target})")
    strategy = config.strategy.name
    budget = config.budget
    if strategy == "bayes":
        chosen = choose_bayes(
            space, budget.trials or DEFAULT_TRIALS, n_objectives=len(config.metrics)
        )
        strategy += f" -> {chosen} for this space and budget"
    seed = f", seed {config.strategy.seed}" if config.strategy.seed is not None else ""
    lines.append(f"strategy:   {strategy}{seed}")
    parts = []
    if budget.trials:
        parts.append(f"{budget.trials} trials")
    if budget.timeout:
        parts.append(f"timeout {_duration(budget.timeout)}")
    if budget.trial_timeout:
        parts.append(f"{_duration(budget.trial_timeout)} per trial")
    if budget.max_retries:
        parts.append(f"{budget.max_retries} retries")
    lines.append(f"budget:     {', '.join(parts) or 'default (50 trials)'}")
    if config.pruner is not None:
        opts = ", ".join(f"{k}={v}" for k, v in config.pruner.options.items())
        lines.append(f"pruner:     {config.pruner.type}" + (f" ({opts})" if opts else ""))
    execution = config.execution.to_dict()
    if execution:
        lines.append("execution:  " + ", ".join(f"{k}={v}" for k, v in execution.items()))
    lines.append(f"parameters ({len(space)}):")
    width = max(len(n) for n in space.names)
    for dim in space.parameters:
        cond = f"  when {dim.describe_condition()}" if dim.when else ""
        lines.append(f"  {dim.name:<{width}}  {dim.kind:<11}  {dim.describe_range()}{cond}")
    size = space.grid_size()
    if size is not None:
        lines.append(f"grid size:  {size}")
    else:
        continuous = [d.name for d in space.parameters if d.grid_values() is None]
        lines.append(
            "grid size:  infinite (continuous: "
            + ", ".join(continuous[:6])
            + (", ..." if len(continuous) > 6 else "")
            + ")"
            if continuous
            else "grid size:  too large to count"
        )
    return "\n".join(lines)
