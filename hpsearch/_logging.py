"""The ``hpsearch`` logger: every module logs through a child of it.

hpsearch never changes the global logging configuration; the CLI attaches one handler to the
``hpsearch`` logger only. Optuna's INFO lines ("A new study created...") are held back only while
hpsearch itself talks to Optuna (:func:`quiet_optuna`), and its level is restored after.

Example:
    >>> get_logger("hpsearch.sweep").name
    'hpsearch.sweep'
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["get_logger", "quiet_optuna"]

logging.getLogger("hpsearch").addHandler(logging.NullHandler())


def get_logger(name: str) -> logging.Logger:
    """The logger for module ``name`` (a child of ``hpsearch``)."""
    return logging.getLogger(name if name.startswith("hpsearch") else f"hpsearch.{name}")


@contextmanager
def quiet_optuna() -> Iterator[None]:
    """Optuna's own INFO lines off while the block runs, its level restored after (hpsearch
    reports progress itself)."""
    logger = logging.getLogger("optuna")
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)
