"""The exceptions hpsearch raises, and a helper to build clear messages.

Every error the package raises on purpose derives from :class:`HPSearchError`, so a caller can
catch them all at once. Bad configuration is a :class:`ConfigError`, which is also a
``ValueError``; the CLI prints it on one line and exits with code 2.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable

__all__ = [
    "ConfigError",
    "EngineStartError",
    "HPSearchError",
    "ObjectiveError",
    "StudyDamagedError",
    "SweepLockedError",
    "did_you_mean",
]


class HPSearchError(Exception):
    """Base class of every error hpsearch raises on purpose."""


class ConfigError(HPSearchError, ValueError):
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


class ObjectiveError(HPSearchError, RuntimeError):
    """An objective could not be built or run (import failed, dataset missing, ...)."""


class EngineStartError(HPSearchError, RuntimeError):
    """The execution engine (a local Ray instance) did not start; nothing ran (the CLI prints
    one line and exits with code 1)."""


class SweepLockedError(HPSearchError, RuntimeError):
    """Another driver holds the sweep directory (the CLI exits with code 3)."""


class StudyDamagedError(HPSearchError, RuntimeError):
    """A study journal has an unreadable line before its last one; nothing was changed (the
    CLI exits with code 2).

    ``str(err)`` is one line naming the file, the line and what to do.

    Example:
        >>> str(StudyDamagedError("runs/a/study.journal", 11, "checksum mismatch"))
        'runs/a/study.journal:11: unreadable journal line (checksum mismatch); the study was \
not changed: run `hpsearch repair runs/a` to keep every readable trial'
    """

    def __init__(self, journal: str | os.PathLike[str], line: int, reason: str) -> None:
        self.journal = str(journal)
        self.line = line
        self.reason = reason
        self.directory = os.path.dirname(self.journal) or "."
        super().__init__(
            f"{self.journal}:{line}: unreadable journal line ({reason}); the study was not "
            f"changed: run `hpsearch repair {self.directory}` to keep every readable trial"
        )


def did_you_mean(word: str, allowed: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest allowed word, or ``""``.

    Example:
        >>> did_you_mean("tpye", ["type", "low"])
        " (did you mean 'type'?)"
    """
    close = difflib.get_close_matches(str(word), [str(a) for a in allowed], n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
