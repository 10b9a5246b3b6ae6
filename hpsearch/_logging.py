"""The ``hpsearch`` logger: every module logs through a child of it.

hpsearch never changes the global logging configuration or other libraries' log levels; the
CLI attaches one handler to the ``hpsearch`` logger only.

Example:
    >>> get_logger("hpsearch.sweep").name
    'hpsearch.sweep'
"""

from __future__ import annotations

import logging

__all__ = ["get_logger"]

logging.getLogger("hpsearch").addHandler(logging.NullHandler())


def get_logger(name: str) -> logging.Logger:
    """The logger for module ``name`` (a child of ``hpsearch``)."""
    return logging.getLogger(name if name.startswith("hpsearch") else f"hpsearch.{name}")
