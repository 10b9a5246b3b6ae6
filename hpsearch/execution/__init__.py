"""Executors: where trials run (this process, worker processes, Ray actors)."""

from hpsearch.execution._base import Executor, Finished, ObjectiveFactory, Outcome, Report, TrialJob
from hpsearch.execution._worker import TrialContext, TrialPruned, run_trial

__all__ = [
    "Executor",
    "Finished",
    "ObjectiveFactory",
    "Outcome",
    "Report",
    "TrialContext",
    "TrialJob",
    "TrialPruned",
    "run_trial",
]
