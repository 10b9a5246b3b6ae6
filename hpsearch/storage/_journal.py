"""The default study store: an Optuna journal file written by one driver.

The file has the format of Optuna's ``JournalFileBackend`` (one JSON operation per line, plus a
checksum field Optuna ignores: see :mod:`hpsearch.storage._lines`), so
``optuna-dashboard runs/<name>/study.journal`` and Optuna itself read a sweep. Because only the
sweep's driver writes (workers send results to it), no per-write file lock is needed: the driver
holds one lock on the sweep directory for the whole sweep, keeps the log in memory, and calls
:meth:`SweepJournal.sync` (``fsync``) at the durability points: a trial's params are on disk
before it starts, its result before the next one is counted.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from typing import Any

from hpsearch.errors import SweepLockedError
from hpsearch.storage._lines import encode_ops, scan_journal
from hpsearch.storage._reader import MemoryJournal

__all__ = ["SweepJournal", "SweepLock", "fsync_directory", "keep_aside"]


class SweepJournal(MemoryJournal):
    """Append-only journal file for a single writer, read back from memory.

    Only a torn last line (the driver was killed mid-write) is dropped on open; its bytes are
    kept in ``study.journal.torn-<time>`` (``torn_file``). Any other unreadable line raises
    :class:`~hpsearch.errors.StudyDamagedError` and leaves the file as it was.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        path = Path(path)
        data = path.read_bytes() if path.exists() else b""
        scan = scan_journal(data, path)
        super().__init__(path, scan.ops)
        self.torn_file: Path | None = None
        self.torn_reason = scan.torn_reason
        if scan.good_bytes < len(data):
            self.torn_file = keep_aside(path, "torn", data[scan.good_bytes :])
            with open(path, "r+b") as f:
                f.truncate(scan.good_bytes)
                os.fsync(f.fileno())
        self._file = open(path, "ab")  # noqa: SIM115 - kept open for the sweep
        self._dirty = False

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        self._file.write(encode_ops(logs))
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


def keep_aside(journal: Path, kind: str, data: bytes) -> Path:
    """Durably write ``data`` to ``<journal>.<kind>-<UTC time>`` (never over an existing file)."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    target = journal.with_name(f"{journal.name}.{kind}-{stamp}")
    n = 1
    while True:
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            break
        except FileExistsError:
            n += 1
            target = journal.with_name(f"{journal.name}.{kind}-{stamp}-{n}")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    fsync_directory(journal.parent)
    return target


def fsync_directory(directory: Path) -> None:
    """Make a rename or a new file in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
