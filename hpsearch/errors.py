"""The one exception type for bad configuration, and helpers to build clear messages."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable

__all__ = [
    "ConfigError",
    "JournalDamagedError",
    "ObjectiveError",
    "SweepLockedError",
    "did_you_mean",
]


class ConfigError(ValueError):
    """A search-space file, option or argument is invalid.

    ``str(err)`` is one line: ``file:line: key.path: what is wrong``; the parts that are
    unknown are left out.

    Example:
        >>> str(ConfigError("must be > 0 on a log scale, got 0", file="s.yaml", line=7,
        ...                 path="parameters.lr.low"))
        's.yaml:7: parameters.lr.low: must be > 0 on a log scale, got 0'
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        path: str | None = None,
        line: int | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.path = path
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        elif self.line:
            where = f"line {self.line}: "
        key = f"{self.path}: " if self.path else ""
        return f"{where}{key}{self.message}".replace("\n", " ")

    def located(
        self, *, file: str | None = None, line: int | None = None, path: str | None = None
    ) -> ConfigError:
        """Return a copy with missing location parts filled in."""
        return ConfigError(
            self.message,
            file=self.file or file,
            path=self.path or path,
            line=self.line or line,
        )


class ObjectiveError(RuntimeError):
    """An objective could not be built or run (import failed, dataset missing, ...)."""


class JournalDamagedError(ConfigError):
    """A study journal has an unreadable line before its last one; nothing was changed.

    Example:
        >>> str(JournalDamagedError("runs/a/study.journal", 11, "checksum mismatch"))
        'runs/a/study.journal:11: unreadable journal line (checksum mismatch); the study was \
not changed: run `hpsearch repair runs/a` to keep every readable trial'
    """

    def __init__(self, journal: str | os.PathLike[str], line: int, reason: str) -> None:
        self.journal = str(journal)
        self.reason = reason
        directory = os.path.dirname(self.journal) or "."
        super().__init__(
            f"unreadable journal line ({reason}); the study was not changed: "
            f"run `hpsearch repair {directory}` to keep every readable trial",
            file=self.journal,
            line=line,
        )


class SweepLockedError(RuntimeError):
    """Another driver is running the sweep in this directory (it holds the directory's lock).

    Not bad input: the same command works once that driver ends.

    Example:
        >>> str(SweepLockedError("runs/a", "4242"))
        'runs/a is locked by a running sweep (pid 4242): wait for it to end, or use another \
--out directory'
    """

    def __init__(self, directory: str | os.PathLike[str], pid: str) -> None:
        self.directory = str(directory)
        self.pid = pid
        super().__init__(
            f"{self.directory} is locked by a running sweep (pid {pid}): wait for it to end, "
            "or use another --out directory"
        )


def did_you_mean(word: str, allowed: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest allowed word, or ``""``.

    Example:
        >>> did_you_mean("tpye", ["type", "low"])
        " (did you mean 'type'?)"
    """
    close = difflib.get_close_matches(str(word), [str(a) for a in allowed], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
