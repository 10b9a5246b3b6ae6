"""The Pruner interface: decides from intermediate values whether a trial should stop.

A pruner is an extension point like a strategy: it declares its options as a ``schema`` and
builds the Optuna pruner the driver consults. Only the driver prunes (workers stream values to
it), so every executor gets the same decisions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from hpsearch.config import Schema

if TYPE_CHECKING:
    import optuna

    from hpsearch.config import SweepConfig

__all__ = ["Pruner"]


class Pruner:
    """When to stop a trial early. Subclasses set ``name``, ``schema`` and :meth:`build`.

    Args:
        **options: The options of the ``pruner:`` block (checked against ``schema``).

    Example:
        >>> from hpsearch.pruners import PRUNERS
        >>> type(PRUNERS.lookup("median")(n_startup_trials=3).build()).__name__
        'MedianPruner'
    """

    name: ClassVar[str] = "base"
    schema: ClassVar[Schema] = Schema()

    def __init__(self, **options: Any) -> None:
        self.options = self.schema.read(options, path="pruner", owner=f"{self.name} pruner")

    @classmethod
    def check(cls, config: SweepConfig) -> None:
        """Raise ConfigError when this pruner cannot run ``config`` (called at load)."""
        assert config.pruner is not None
        cls.schema.read(config.pruner.options, path="pruner", owner=f"{cls.name} pruner")

    def option(self, key: str) -> Any:
        """The value of option ``key`` (its default when the block did not give it)."""
        return self.schema.value(self.options, key)

    def build(self) -> optuna.pruners.BasePruner:
        """The Optuna pruner the driver asks ``should_prune`` through."""
        raise NotImplementedError

    @property
    def given(self) -> Mapping[str, Any]:
        return dict(self.options)
