"""Study storage and the flat trial table."""

from hpsearch.storage._repair import RepairReport, repair_journal, repair_sweep
from hpsearch.storage._table import (
    STATE_NAMES,
    SweepRecord,
    describe_objective,
    intermediate_table,
    trials_table,
    value_columns,
)

__all__ = [
    "STATE_NAMES",
    "RepairReport",
    "SweepRecord",
    "describe_objective",
    "intermediate_table",
    "repair_journal",
    "repair_sweep",
    "trials_table",
    "value_columns",
]
