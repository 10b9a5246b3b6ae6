"""Running sweeps: the driver loop, pruners, outputs and the public run/resume API."""

from hpsearch.sweep._api import SweepResult, resume, run
from hpsearch.sweep._pruners import make_pruner

__all__ = ["SweepResult", "make_pruner", "resume", "run"]
