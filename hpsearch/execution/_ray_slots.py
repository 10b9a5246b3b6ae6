"""The Ray executor's actor slots, and how it waits for their actors to come up.

A slot is one resource slot of the pool: its current actor, the trial it runs, and how often its
actors died before they were ready. :class:`ActorStartup` is the part of
:class:`~hpsearch.execution.RayExecutor` that waits for actors and records what each reports.
"""

from __future__ import annotations

import contextlib
import math
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hpsearch.errors import ConfigError, ObjectiveError
from hpsearch.execution._base import TrialJob
from hpsearch.execution._ray_connect import import_ray

__all__ = ["MAX_START_DEATHS", "ActorStartup"]

MAX_START_DEATHS = 3  # a slot whose actors die this often in a row while starting is given up


@dataclass(eq=False)
class _Slot:
    actor: Any
    ready_ref: Any
    ready: bool = False
    worker: str = ""
    info: Mapping[str, Any] | None = None
    job: TrialJob | None = None
    gen: Any = None
    started: float = 0.0
    deadline: float = math.inf
    dead: bool = False
    start_deaths: int = 0  # actors of this slot in a row that died before they were ready


class ActorStartup:
    """Waiting for a pool's actors (mixed into RayExecutor, which owns the attributes)."""

    _slots: list[_Slot]
    slots: int
    start_timeout: float
    resources: Any

    def shutdown(self) -> None:
        raise NotImplementedError

    def _start_again(self, slot: _Slot, exc: BaseException) -> bool:
        raise NotImplementedError

    def _await_ready(self) -> None:
        """Wait until one actor has built the objective; the others join as they come up."""
        ray = import_ray()
        end = time.monotonic() + self.start_timeout
        while not any(s.ready for s in self._slots):
            pending = {s.ready_ref: s for s in self._slots if not s.dead}
            left = end - time.monotonic()
            if left <= 0 or not pending:
                self.shutdown()
                raise ConfigError(
                    f"no Ray worker could be placed within {self.start_timeout:g}s: the "
                    f"cluster's resources are busy or too small for {self.resources}",
                    path="resources",
                )
            done, _ = ray.wait(list(pending), num_returns=1, timeout=left)
            for ref in done:
                slot = pending.pop(ref)
                error = self._mark_ready(slot)
                if error:
                    self.shutdown()
                    raise ObjectiveError(f"the objective could not be built on Ray: {error}")

    def _mark_ready(self, slot: _Slot) -> str:
        """Record what a new actor reported; returns its error (it is then dropped) or ``""``."""
        ray = import_ray()
        try:
            slot.info = ray.get(slot.ready_ref)
        except ray.exceptions.RayError as exc:
            if self._start_again(slot, exc):
                return ""
            lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
            slot.info = {"error": f"the Ray actor did not start: {lines[-1] if lines else exc}"}
        error = str(slot.info.get("error") or "")
        if error:
            slot.dead = True
            with contextlib.suppress(Exception):
                ray.kill(slot.actor, no_restart=True)
            if slot in self._slots:
                self._slots.remove(slot)
                self.slots = max(1, len(self._slots))
            return error
        slot.ready = True
        slot.worker = str(slot.info.get("worker", ""))
        return ""

    def wait_for_workers(self, timeout: float | None = None) -> int:
        """Wait until every actor is up (or ``timeout`` seconds); returns how many are.

        :meth:`start` returns as soon as one actor is ready; the others join as they start.
        """
        ray = import_ray()
        end = math.inf if timeout is None else time.monotonic() + timeout
        while True:
            starting = {s.ready_ref: s for s in self._slots if not s.ready and not s.dead}
            left = end - time.monotonic()
            if not starting or left <= 0:
                return sum(s.ready for s in self._slots)
            done, _ = ray.wait(
                list(starting), num_returns=1, timeout=None if math.isinf(left) else left
            )
            for ref in done:
                error = self._mark_ready(starting[ref])
                if error:
                    warnings.warn(f"ray executor: a worker was dropped: {error}", stacklevel=2)

    def workers_info(self) -> list[Mapping[str, Any]]:
        """What each ready actor reported: node id, pid, GPU ids, device."""
        return [s.info for s in self._slots if s.ready and s.info is not None]
