"""The trial contract: what an objective receives (:class:`Trial`), trial states, pruning.

A neutral module: objectives, executors, storage and the driver all use it, and it imports
none of them.
"""

from optuna.exceptions import TrialPruned

from hpsearch.trial._state import TrialState
from hpsearch.trial._trial import Channel, NullChannel, Trial, call_objective

__all__ = ["Channel", "NullChannel", "Trial", "TrialPruned", "TrialState", "call_objective"]
