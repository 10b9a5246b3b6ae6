"""Sweep configuration: space files (native or W&B) into a :class:`SweepConfig`.

The reader is strict, not clever: every parameter has an explicit ``type``, unknown keys are
errors with a did-you-mean, and every error names the file, the line and the key path. The
option schemas and registries that extension points use to declare their options live here
too (:class:`Schema`, :class:`Option`, :class:`Registry`).
"""

from hpsearch.config._loader import read_config
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
from hpsearch.config._options import Option, Registry, Schema
from hpsearch.config._values import check_keys, kind_of, parse_duration, read_number
from hpsearch.config._wandb import is_wandb_sweep
from hpsearch.config._yaml import Document, parse_document, read_document

__all__ = [
    "GOALS",
    "Budget",
    "Document",
    "ExecutionConfig",
    "Metric",
    "ObjectiveConfig",
    "Option",
    "PrunerConfig",
    "Registry",
    "Schema",
    "StrategyConfig",
    "SweepConfig",
    "check_keys",
    "is_wandb_sweep",
    "kind_of",
    "parse_document",
    "parse_duration",
    "read_config",
    "read_document",
    "read_number",
]
