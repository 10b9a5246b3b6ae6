"""Search spaces: parameter dimensions, their conditions, and the Space that holds them.

Nothing here reads files or imports a backend: :mod:`hpsearch.config` turns files into a
:class:`~hpsearch.config.SweepConfig` whose ``space`` is a :class:`Space`, and each backend
converts a Space itself.
"""

from hpsearch.space._dimensions import (
    Categorical,
    Condition,
    Constant,
    Dimension,
    Float,
    Int,
    Prior,
)
from hpsearch.space._space import Space, flatten, unflatten

__all__ = [
    "Categorical",
    "Condition",
    "Constant",
    "Dimension",
    "Float",
    "Int",
    "Prior",
    "Space",
    "flatten",
    "unflatten",
]
