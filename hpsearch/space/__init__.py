"""Search spaces: dimensions, the Space, and the loaders for native and W&B files."""

from hpsearch.space._dimensions import (
    Categorical,
    Condition,
    Constant,
    Dimension,
    Float,
    Int,
    Prior,
)
from hpsearch.space._loader import load_space, parse_duration
from hpsearch.space._space import Budget, Metric, Space, StrategySpec, flatten, unflatten

__all__ = [
    "Budget",
    "Categorical",
    "Condition",
    "Constant",
    "Dimension",
    "Float",
    "Int",
    "Metric",
    "Prior",
    "Space",
    "StrategySpec",
    "flatten",
    "load_space",
    "parse_duration",
    "unflatten",
]
