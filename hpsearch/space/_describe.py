"""A short human summary of a Space, as ``hpsearch validate`` prints it."""

from __future__ import annotations

from typing import Any

from hpsearch.space._space import Space

__all__ = ["describe_objective", "describe_space"]


def _duration(seconds: float) -> str:
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def describe_space(space: Space) -> str:
    """Name, objective, metrics, strategy, budget, each parameter, and the grid size.

    Example:
        >>> from hpsearch.space import load_space
        >>> print(describe_space(load_space({"name": "x", "parameters": {
        ...     "a": {"type": "int", "low": 1, "high": 3}}})).splitlines()[0])
        x
    """
    lines = [space.name + (f"  ({space.source})" if space.source else "")]
    if space.description:
        lines.append(f"  {space.description}")
    objective = describe_objective(space.objective) if space.objective else None
    lines.append(f"objective:  {objective or '(none: pass one from Python)'}")
    for i, m in enumerate(space.metrics):
        label = "metric:" if len(space.metrics) == 1 else ("metrics:" if i == 0 else "")
        target = f", target {m.target:g}" if m.target is not None else ""
        lines.append(f"{label:<11} {m.name} ({m.goal}{target})")
    strategy = space.strategy.name
    budget = space.budget.trials
    if strategy == "bayes":
        try:
            from hpsearch.strategies import choose_bayes

            strategy += f" -> {choose_bayes(space, budget or 50)} for this space and budget"
        except ImportError:
            pass
    seed = f", seed {space.strategy.seed}" if space.strategy.seed is not None else ""
    lines.append(f"strategy:   {strategy}{seed}")
    parts = []
    if space.budget.trials:
        parts.append(f"{space.budget.trials} trials")
    if space.budget.timeout:
        parts.append(f"timeout {_duration(space.budget.timeout)}")
    if space.budget.trial_timeout:
        parts.append(f"{_duration(space.budget.trial_timeout)} per trial")
    if space.budget.max_retries:
        parts.append(f"{space.budget.max_retries} retries")
    lines.append(f"budget:     {', '.join(parts) or 'default (50 trials)'}")
    if space.pruner:
        opts = ", ".join(f"{k}={v}" for k, v in space.pruner.items() if k != "type")
        lines.append(f"pruner:     {space.pruner['type']}" + (f" ({opts})" if opts else ""))
    if space.execution:
        lines.append("execution:  " + ", ".join(f"{k}={v}" for k, v in space.execution.items()))
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


def describe_objective(spec: Any) -> str:
    """One line naming an objective block, e.g. ``sklearn sklearn.svm.SVC on sklearn:digits``."""
    kind = spec.get("type", "?")
    if kind == "sklearn":
        return f"sklearn {spec.get('estimator')} on {spec.get('dataset')}, cv={spec.get('cv', 5)}"
    if kind == "python":
        return f"python {spec.get('function')}"
    if kind == "command":
        cmd = spec.get("command") or [spec.get("program")]
        return "command " + " ".join(str(c) for c in (cmd if isinstance(cmd, list) else [cmd]))
    if kind == "torch":
        return f"torch {spec.get('model', 'mlp')} on {spec.get('dataset')}"
    return str(kind)
