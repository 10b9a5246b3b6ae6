"""The Objective interface: turns a trial's params into metrics.

Each objective type declares the keys of its ``objective:`` block as a ``schema`` (checked when
the config is loaded, before any trial runs), the keys it requires, and optionally the metric a
file without ``metric:`` optimizes. The objective itself is built inside the worker that runs
it, so data is loaded once per worker; its constructor checks the values in depth.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from hpsearch.config import Metric, Schema, SweepConfig
from hpsearch.errors import ConfigError
from hpsearch.trial import Trial

__all__ = ["Objective"]


class Objective:
    """Base of the objective types. Call an instance as ``objective(params, trial)``.

    Args:
        spec: the ``objective:`` block (usually ``config.objective``).
        config: the sweep's config (metrics, space).
        base_dir: the folder relative paths in the block start from (the space file's).
    """

    name: ClassVar[str] = "base"
    schema: ClassVar[Schema] = Schema()
    required: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self, spec: Mapping[str, Any], config: SweepConfig, *, base_dir: str | None = None
    ) -> None:
        self.spec = dict(spec)
        self.sweep_config = config
        self.base_dir = base_dir

    @classmethod
    def check(cls, config: SweepConfig) -> None:
        """Raise ConfigError when the block is malformed (called at load, no data read)."""
        block = config.objective
        assert block is not None
        cls.schema.read(
            block.options, path="objective", skip=("type",), owner=f"{cls.name} objective"
        )
        for key in cls.required:
            if key not in block.options:
                raise ConfigError(
                    f"missing: a {cls.name} objective needs {key}", path=f"objective.{key}"
                )

    @classmethod
    def default_metrics(cls, config: SweepConfig) -> tuple[Metric, ...] | None:
        """The metrics of a file that gives none (``None``: minimize ``value``)."""
        return None

    def __call__(self, params: Mapping[str, Any], trial: Trial | None = None) -> Any:
        raise NotImplementedError
