"""Storage: the sweep directory, its study and the one flat trial table.

:class:`SweepDirectory` owns the file names and metadata of a sweep's folder, the
:class:`TrialLedger` is the one writer of its Optuna study, :func:`trials_table` is the table
``trials.csv``, the reports and ``HPSearchCV.cv_results_`` all read, and :class:`SweepResult`
is what reading a sweep gives back.
"""

from hpsearch.storage._directory import SweepDirectory
from hpsearch.storage._journal import SweepJournal, SweepLock
from hpsearch.storage._ledger import Recovery, Retry, TrialLedger, quiet_optuna
from hpsearch.storage._outputs import (
    best_as,
    best_entries,
    describe_counts,
    read_best,
    summary_frame,
    write_atomic,
    write_outputs,
)
from hpsearch.storage._result import SweepResult, open_sweep
from hpsearch.storage._table import intermediate_table, trials_table, value_columns

__all__ = [
    "Recovery",
    "Retry",
    "SweepDirectory",
    "SweepJournal",
    "SweepLock",
    "SweepResult",
    "TrialLedger",
    "best_as",
    "best_entries",
    "describe_counts",
    "intermediate_table",
    "open_sweep",
    "quiet_optuna",
    "read_best",
    "summary_frame",
    "trials_table",
    "value_columns",
    "write_atomic",
    "write_outputs",
]
