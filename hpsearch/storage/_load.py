"""Read a finished (or running) sweep directory back as a SweepRecord."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hpsearch.errors import ConfigError
from hpsearch.storage._reader import JournalReader, open_journal_storage
from hpsearch.storage._table import SweepRecord

__all__ = ["load_record", "load_study"]


def load_study(directory: str | Path) -> tuple[Any, Any]:
    """The Optuna study and the Space stored in a sweep directory (read-only use).

    Never writes to the directory, and works while a sweep runs there (a half-written last
    line is skipped).

    Raises:
        ConfigError: no sweep or no study in ``directory``.
        JournalDamagedError: the journal has an unreadable line before its last one.
    """
    import optuna

    from hpsearch.space import load_space

    directory = Path(directory)
    space_file, journal = directory / "space.yaml", directory / "study.journal"
    if not space_file.exists():
        raise ConfigError(f"{directory} holds no sweep (no space.yaml)", file=str(directory))
    space = load_space(space_file)
    meta_file = directory / "sweep.json"
    meta = json.loads(meta_file.read_text()) if meta_file.exists() else {}
    if meta.get("storage"):
        storage: Any = meta["storage"]
    elif journal.exists():
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        storage = open_journal_storage(JournalReader(journal))
    else:
        raise ConfigError(f"{directory} holds no study (no study.journal)", file=str(directory))
    study = optuna.load_study(study_name=space.name, storage=storage)
    return study, space


def load_record(directory: str | Path) -> SweepRecord:
    """A :class:`SweepRecord` for the sweep stored in ``directory``."""
    study, space = load_study(directory)
    record = SweepRecord.from_study(study, space, directory=str(directory))
    starts = record.trials["datetime_start"].dropna()
    ends = record.trials["datetime_complete"].dropna()
    record.started = str(starts.min()) if len(starts) else None
    record.finished = str(ends.max()) if len(ends) else None
    return record
