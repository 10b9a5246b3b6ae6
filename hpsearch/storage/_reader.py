"""Reading a study journal without writing it, and replaying it into Optuna safely.

:class:`JournalReader` is what readers (``report``, ``hpsearch.open``, ``load_study``) use
instead of Optuna's ``JournalFileBackend``, which creates the file when it is missing and
raises a bare ``JSONDecodeError`` on a damaged line. The reader takes one snapshot of the file,
skips a half-written last line (a sweep may be writing it right now) and never writes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import optuna
from optuna.storages.journal import BaseJournalBackend

from hpsearch.errors import ConfigError, StudyDamagedError
from hpsearch.storage._lines import scan_journal

__all__ = ["JournalReader", "MemoryJournal", "open_journal_storage"]


class MemoryJournal(BaseJournalBackend):
    """A journal held in memory; remembers which line Optuna is replaying.

    ``ops[i]`` is line ``i + 1`` of ``path``.
    """

    def __init__(self, path: str | os.PathLike[str], ops: list[dict[str, Any]]) -> None:
        self.path = Path(path)
        self._logs = ops
        self.replaying: int | None = None  # index of the operation Optuna is applying

    def read_logs(self, log_number_from: int) -> Iterator[dict[str, Any]]:
        for index in range(log_number_from, len(self._logs)):
            self.replaying = index
            yield self._logs[index]
        self.replaying = None

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        raise NotImplementedError


class JournalReader(MemoryJournal):
    """A read-only snapshot of a journal file (a torn last line is left out).

    Raises:
        ConfigError: the file does not exist.
        StudyDamagedError: a line before the last one is unreadable.

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "study.journal"
        >>> line = b'{"op_code":0,"worker_id":"w","study_name":"s","directions":[1]}\\n'
        >>> _ = path.write_bytes(line)
        >>> len(list(JournalReader(path).read_logs(0)))
        1
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            raise ConfigError("no such study journal", file=str(path)) from None
        super().__init__(path, scan_journal(data, path).ops)

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        raise PermissionError(f"{self.path} is opened read-only")


def open_journal_storage(journal: MemoryJournal) -> optuna.storages.JournalStorage:
    """An Optuna ``JournalStorage`` over ``journal``; a line Optuna cannot replay is one error.

    Every line has been checked by then, so this only guards against operations that are
    well-formed but contradict the study (Optuna raises on some of those).

    Raises:
        StudyDamagedError: naming the line Optuna stopped at.
    """
    try:
        return optuna.storages.JournalStorage(journal)
    except Exception as exc:  # any replay failure means this line cannot be used as it is
        index = journal.replaying
        if index is None:
            raise
        reason = f"Optuna cannot replay it: {type(exc).__name__}"
        raise StudyDamagedError(journal.path, index + 1, reason) from exc
