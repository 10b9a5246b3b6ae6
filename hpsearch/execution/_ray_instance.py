"""A private Ray instance that ends with its driver, however the driver ends.

:func:`owned_instance` wraps the ``ray.init`` that starts an instance: it first starts the
reaper of :mod:`hpsearch.execution._ray_reaper` (a small process bound to this one by a
lifeline), marks every process the instance starts with a random token in its environment, and
then tells the reaper which processes are the instance's GCS and raylet. When this process dies
(SIGKILL included), releases the instance (:func:`release_instance`, after ``ray.shutdown()``),
or the instance is shut down by anyone else, the reaper SIGKILLs whatever still carries the
token: no raylet, GCS, agent or worker of the instance stays up.

Example:
    >>> import ray  # doctest: +SKIP
    >>> with owned_instance():  # doctest: +SKIP
    ...     ray.init(address="local")
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

from hpsearch._processes import Guard
from hpsearch.execution._ray_reaper import MARK

__all__ = ["owned_instance", "release_instance"]

_REAPER_SCRIPT = Path(__file__).with_name("_ray_reaper.py")
_REAPERS: list[Guard] = []  # the reaper of the instance this process started, if any


@contextlib.contextmanager
def owned_instance() -> Iterator[None]:
    """Start a Ray instance inside this block so that nothing of it outlives this process.

    The instance's processes are marked while the block runs (``ray.init`` starts them all), so
    a driver killed mid-start leaves nothing behind either. A failed start is cleaned up.
    """
    release_instance()
    token = secrets.token_hex(8)
    reaper = Guard([sys.executable, "-I", "-S", str(_REAPER_SCRIPT), token])
    saved = os.environ.get(MARK)
    os.environ[MARK] = token
    try:
        yield
    except BaseException:
        reaper.release()
        raise
    finally:
        if saved is None:
            os.environ.pop(MARK, None)
        else:
            os.environ[MARK] = saved
    reaper.send("".join(f"watch {pid}\n" for pid in _node_pids()))
    _REAPERS.append(reaper)


def release_instance() -> None:
    """Let the reaper of the instance this process started finish (call after ``ray.shutdown``).

    It stops whatever of the instance is still running and exits; nothing happens when this
    process started no instance.
    """
    while _REAPERS:
        _REAPERS.pop().release(timeout=10.0)


def _node_pids() -> list[int]:
    """The GCS and raylet processes of the instance this process started (Ray internals)."""
    try:
        import ray  # heavy and optional: already imported when an instance was started
        from ray._private import ray_constants

        node = ray._private.worker._global_node
        kinds = (ray_constants.PROCESS_TYPE_GCS_SERVER, ray_constants.PROCESS_TYPE_RAYLET)
        return [info.process.pid for kind in kinds for info in node.all_processes.get(kind, [])]  # type: ignore[attr-defined]
    except Exception:  # another Ray version: the reaper still acts when this process ends
        return []
