"""The built-in PyTorch trainer: searchable knobs, models, schedules, the loop, checkpoints.

This package imports torch; nothing outside it imports this package at import time.
``objective: {type: torch}`` (:mod:`hpsearch.objectives._torch`) drives it from a sweep, and
:func:`hpsearch.sweep.retrain` trains a sweep's best config on all its data.
"""

from hpsearch.training._checkpoint import load_checkpoint, load_model, save_checkpoint
from hpsearch.training._data import PreparedData, amp_dtype, parse_validation, select_device
from hpsearch.training._knobs import KNOB_NAMES, TrainConfig, resolve_knobs
from hpsearch.training._metrics import compute_metrics
from hpsearch.training._models import build_model, count_parameters
from hpsearch.training._schedules import LRSchedule, lr_at
from hpsearch.training._trainer import TrainResult, make_loss, make_optimizer, predict, train

__all__ = [
    "KNOB_NAMES",
    "LRSchedule",
    "PreparedData",
    "TrainConfig",
    "TrainResult",
    "amp_dtype",
    "build_model",
    "compute_metrics",
    "count_parameters",
    "load_checkpoint",
    "load_model",
    "lr_at",
    "make_loss",
    "make_optimizer",
    "parse_validation",
    "predict",
    "resolve_knobs",
    "save_checkpoint",
    "select_device",
    "train",
]
