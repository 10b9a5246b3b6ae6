"""Training runs that pause between epochs and continue later, in memory.

A run of hpsearch's trainer (:func:`hpsearch.training.train`) is started in a thread whose
``trial.should_prune()`` blocks until more epochs are asked for: the model, optimizer, lr
schedule and data order all stay exactly where they were, which is what resuming from a full
checkpoint gives. Each epoch's value and the thread's CPU seconds for it are recorded, so any
method can be charged for the epochs it really needed (a restart pays for them again).

Example:
    >>> run = PausedRun(lambda trial: [trial.report(1.0 / e, e) or trial.should_prune()
    ...                                for e in range(1, 4)])
    >>> run.advance(2), len(run.values)
    (0.5, 2)
    >>> run.close()
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = ["PausedRun"]


class _Stopped(Exception):
    """Raised inside the training thread to end it."""


class PausedRun:
    """One configuration's training, advanced epoch by epoch on request."""

    #: the rest of the trial interface: no folders (the run pauses in memory), any device
    number, attempt, params = 0, 0, {}
    directory = checkpoint_dir = resume_from = device = None

    def __init__(self, train: Callable[[Any], Any]) -> None:
        self.values: list[float] = []
        self.seconds: list[float] = []
        self.error: str | None = None
        self._train = train
        self._target = 0
        self._stop = False
        self._finished = False
        self._mark = 0.0
        self._cv = threading.Condition()
        self._thread = threading.Thread(target=self._main, daemon=True)
        self._started = False

    # -- the trial interface the trainer calls (in the training thread) ---------------------
    def report(self, value: float, step: int) -> None:
        now = time.thread_time()
        with self._cv:
            self.values.append(float(value))
            self.seconds.append(now - self._mark)

    def should_prune(self) -> bool:
        with self._cv:
            self._cv.notify_all()
            self._cv.wait_for(lambda: len(self.values) < self._target or self._stop)
            stop = self._stop
        if stop:
            raise _Stopped
        self._mark = time.thread_time()
        return False

    def _main(self) -> None:
        self._mark = time.thread_time()
        try:
            self._train(self)
        except _Stopped:
            pass
        except Exception as exc:  # a diverged or broken config: its curve ends here
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            with self._cv:
                self._finished = True
                self._cv.notify_all()

    # -- the harness side ---------------------------------------------------------------------
    def advance(self, epochs: int) -> float:
        """Train until ``epochs`` epochs are done (or the run ended); the value at that point."""
        with self._cv:
            self._target = max(self._target, int(epochs))
            if not self._started:
                self._started = True
                self._thread.start()
            self._cv.notify_all()
            self._cv.wait_for(lambda: len(self.values) >= self._target or self._finished)
        return self.value_at(epochs)

    def value_at(self, epochs: int) -> float:
        if not self.values:
            return math.nan
        return self.values[min(int(epochs), len(self.values)) - 1]

    def cost(self, start: int, end: int) -> float:
        """CPU seconds of epochs ``start+1 .. end`` (those trained)."""
        return float(sum(self.seconds[int(start) : int(end)]))

    def close(self) -> None:
        with self._cv:
            self._stop = True
            self._cv.notify_all()
        if self._started:
            self._thread.join(timeout=30)
