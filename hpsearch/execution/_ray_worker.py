"""The Ray actor that runs trials: builds the objective once, then one trial per call, streaming
intermediate values and the outcome back to the driver."""

from __future__ import annotations

import math
import os
import queue
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from hpsearch.execution._base import ObjectiveFactory, Outcome, TrialJob
from hpsearch.execution._worker import run_trial
from hpsearch.trial import TrialState

__all__ = ["TrialWorker"]


class _Live:
    """The trial an actor is running: its events out, verdicts in."""

    __slots__ = ("events", "number", "values", "verdicts")

    def __init__(self, number: int) -> None:
        self.number = number
        self.events: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self.verdicts: queue.SimpleQueue[bool] = queue.SimpleQueue()
        self.values: dict[int, float] = {}


class _ActorChannel:
    """The :class:`~hpsearch.execution._worker.Channel` of a trial running in an actor."""

    def __init__(self, live: _Live) -> None:
        self._live = live

    def report(self, step: int, value: float) -> None:
        self._live.values[step] = value
        self._live.events.put(("report", step, value))

    def verdict(self, step: int) -> bool:
        self._live.events.put(("verdict", step, self._live.values.get(step, math.nan)))
        return self._live.verdicts.get()


def _pick_device(gpu_ids: Sequence[Any]) -> str:
    """``cuda:0`` when Ray gave this actor a GPU and torch can use it, else ``cpu``."""
    if not gpu_ids:
        return "cpu"
    # torch.cuda needs a driver: skip importing torch (seconds) where there is none.
    if not any(os.path.exists(p) for p in ("/dev/nvidiactl", "/proc/driver/nvidia", "/dev/kfd")):
        return "cpu"
    try:
        import torch
    except ImportError:
        return "cpu"
    return "cuda:0" if torch.cuda.is_available() else "cpu"


class TrialWorker:
    """A Ray actor body: builds the objective once, then runs one trial per :meth:`run` call."""

    def __init__(self, factory: ObjectiveFactory, metric_names: Sequence[str]) -> None:
        import ray

        self._metric_names = tuple(metric_names)
        self._error = ""
        self._objective: Any = None
        try:
            self._objective = factory()
        except Exception as exc:  # reported by ready()
            lines = f"{type(exc).__name__}: {exc}".strip().splitlines()
            self._error = (lines[0] if lines else type(exc).__name__)[:500]
        context = ray.get_runtime_context()
        gpu_ids = [str(g) for g in context.get_accelerator_ids().get("GPU", [])]
        self._device = _pick_device(gpu_ids)
        node_id = context.get_node_id()
        self._info = {
            "node_id": node_id,
            "pid": os.getpid(),
            "gpu_ids": gpu_ids,
            "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
            "device": self._device,
            "worker": f"{node_id[:8]}/{os.getpid()}",
            "error": self._error,
        }
        self._live: _Live | None = None
        self._jobs: queue.SimpleQueue[tuple[TrialJob, _Live]] = queue.SimpleQueue()
        threading.Thread(target=self._loop, name="hpsearch-trial", daemon=True).start()

    def ready(self) -> dict[str, Any]:
        return self._info

    def _loop(self) -> None:
        while True:
            job, live = self._jobs.get()
            try:
                outcome = run_trial(
                    self._objective,
                    job,
                    metric_names=self._metric_names,
                    channel=_ActorChannel(live),
                    device=self._device,
                )
            except BaseException as exc:  # KeyboardInterrupt and the like
                outcome = Outcome(TrialState.FAILED, error=f"{type(exc).__name__}: {exc}"[:500])
            live.events.put(("done", outcome))

    def run(self, job: TrialJob) -> Iterator[tuple[Any, ...]]:
        """Yield ``("report", step, value, wants_verdict)`` items, then ``("done", outcome)``.

        Every reported value is sent once with ``wants_verdict=False``; a ``should_prune()``
        call sends the same step again with ``wants_verdict=True`` (the driver stores the
        first and answers the second), as the local executors do.
        """
        if self._objective is None:
            yield (
                "done",
                Outcome(TrialState.FAILED, error=f"worker failed to start: {self._error}"),
            )
            return
        live = _Live(job.number)
        self._live = live
        self._jobs.put((job, live))
        while True:
            item = live.events.get()
            if item[0] == "report":
                yield ("report", item[1], item[2], False)
            elif item[0] == "verdict":
                yield ("report", item[1], item[2], True)
            else:
                self._live = None
                yield ("done", item[1])
                return

    def answer(self, number: int, prune: bool) -> None:
        live = self._live
        if live is not None and live.number == number:
            live.verdicts.put(bool(prune))
