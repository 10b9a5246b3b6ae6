"""The default study store: an Optuna journal file written by one driver.

The file has exactly the format of Optuna's ``JournalFileBackend`` (one JSON operation per line),
so ``optuna-dashboard runs/<name>/study.journal`` and Optuna itself read a sweep. Because only the
sweep's driver writes (workers send results to it), no per-write file lock is needed: the driver
holds one lock on the sweep directory for the whole sweep, keeps the log in memory, and calls
:meth:`SweepJournal.sync` (``fsync``) at the durability points: a trial's params are on disk
before it starts, its result before the next one is counted.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from optuna.storages.journal import BaseJournalBackend

from hpsearch.errors import SweepLockedError

__all__ = ["SweepJournal", "SweepLock"]


class SweepJournal(BaseJournalBackend):
    """Append-only journal file for a single writer, read back from memory.

    A torn last line (the driver was killed mid-write) is dropped on open.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._logs: list[dict[str, Any]] = []
        good_bytes = 0
        if self.path.exists():
            with open(self.path, "rb") as f:
                for line in f:
                    if not line.endswith(b"\n"):
                        break
                    try:
                        self._logs.append(json.loads(line))
                    except json.JSONDecodeError:
                        break
                    good_bytes += len(line)
            if good_bytes != self.path.stat().st_size:
                with open(self.path, "r+b") as f:
                    f.truncate(good_bytes)
        self._file = open(self.path, "ab")  # noqa: SIM115 - kept open for the sweep
        self._dirty = False

    def read_logs(self, log_number_from: int) -> Iterator[dict[str, Any]]:
        return iter(self._logs[log_number_from:])

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        text = "".join(json.dumps(log, separators=(",", ":")) + "\n" for log in logs)
        self._file.write(text.encode("utf-8"))
        self._file.flush()
        self._logs.extend(logs)
        self._dirty = True

    def sync(self) -> None:
        """Make everything appended so far durable (fsync)."""
        if self._dirty:
            os.fsync(self._file.fileno())
            self._dirty = False

    def close(self) -> None:
        if not self._file.closed:
            self.sync()
            self._file.close()


_HELD: set[str] = set()


class SweepLock:
    """An exclusive lock on a sweep directory, so two drivers never write one study.

    A POSIX record lock: worker processes forked by the driver do not inherit it, so a driver
    killed with SIGKILL frees its sweep at once even while orphaned workers finish.

    Example:
        >>> import tempfile
        >>> with SweepLock(tempfile.mkdtemp()):
        ...     pass
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.path = Path(directory) / ".lock"
        self._fd: int | None = None

    def __enter__(self) -> SweepLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        key = str(self.path.resolve())
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if key in _HELD:  # POSIX locks do not exclude the holding process itself
                raise BlockingIOError
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise SweepLockedError(
                f"a sweep is already running in {self.path.parent} (pid {holder}); "
                "wait for it or use another --out directory"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        _HELD.add(key)
        return self

    def __exit__(self, *exc: object) -> None:
        _HELD.discard(str(self.path.resolve()))
        if self._fd is not None:
            fcntl.lockf(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
