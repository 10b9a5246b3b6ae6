"""Executors on this machine: a thread (one trial at a time, no pickling) and a pool of worker
processes (parallel trials, hard timeouts, a hung or crashed trial never takes the sweep down)."""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any, cast

from hpsearch._processes import (
    Lifeline,
    LifelineEnd,
    die_with_parent,
    guard_group,
    kill_tree,
    watch_lifeline,
)
from hpsearch.errors import ObjectiveError
from hpsearch.execution._base import Executor, Finished, ObjectiveFactory, Outcome, Report, TrialJob
from hpsearch.execution._worker import run_trial
from hpsearch.trial import TrialState

__all__ = ["ProcessExecutor", "ThreadExecutor", "gpu_for_worker"]


# -- in-process ------------------------------------------------------------------------------
class _QueueChannel:
    def __init__(self, number: int, events: queue.Queue[Any], verdicts: queue.Queue[bool]) -> None:
        self.number, self.events, self.verdicts = number, events, verdicts

    def report(self, step: int, value: float) -> None:
        self.events.put(Report(self.number, step, value))

    def verdict(self, step: int) -> bool:
        self.events.put(Report(self.number, step, float("nan"), wants_verdict=True))
        return self.verdicts.get()


class ThreadExecutor(Executor):
    """Runs one trial at a time in a background thread of this process.

    The objective is built once and needs no pickling, so lambdas and closures work. It cannot
    kill a hung trial: use :class:`ProcessExecutor` when a ``trial_timeout`` is set.
    """

    slots = 1

    def __init__(self, *, metric_names: Sequence[str]) -> None:
        self.metric_names = list(metric_names)
        self._events: queue.Queue[Any] = queue.Queue()
        self._verdicts: queue.Queue[bool] = queue.Queue()
        self._objective: Callable[..., Any] | None = None
        self._thread: threading.Thread | None = None

    def start(self, factory: ObjectiveFactory) -> None:
        self._objective = factory()
        self._jobs: queue.Queue[TrialJob | None] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="hpsearch-trials", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None or self._objective is None:
                return
            channel = _QueueChannel(job.number, self._events, self._verdicts)
            try:
                outcome = run_trial(
                    self._objective, job, metric_names=self.metric_names, channel=channel
                )
            except BaseException as exc:
                outcome = Outcome(TrialState.FAILED, error=f"{type(exc).__name__}: {exc}")
            self._events.put(Finished(job.number, outcome, "thread"))

    def submit(self, job: TrialJob) -> None:
        if self._objective is None:
            raise RuntimeError("start() the executor before submitting trials")
        self._jobs.put(job)

    def poll(self, timeout: float) -> list[Report | Finished]:
        events: list[Report | Finished] = []
        try:
            events.append(self._events.get(timeout=timeout))
            while True:
                events.append(self._events.get_nowait())
        except queue.Empty:
            pass
        return events

    def answer(self, number: int, prune: bool) -> None:
        self._verdicts.put(prune)

    def shutdown(self) -> None:
        if self._objective is not None:
            self._objective = None
            self._jobs.put(None)


# -- worker processes ----------------------------------------------------------------------
class _PipeChannel:
    def __init__(self, number: int, conn: Connection) -> None:
        self.number, self.conn = number, conn

    def report(self, step: int, value: float) -> None:
        self.conn.send(("report", self.number, step, value))

    def verdict(self, step: int) -> bool:
        self.conn.send(("verdict?", self.number, step))
        return bool(self.conn.recv())


def gpu_for_worker(index: int) -> str | None:
    """``cuda:<index mod GPU count>`` when the objective uses torch and CUDA is visible.

    Worker ``i`` of a pool gets GPU ``i % n``, so N workers spread over the GPUs of this
    machine; objectives that never imported torch get ``None`` (and pay no torch import).

    Example:
        >>> gpu_for_worker(0) is None or gpu_for_worker(0).startswith("cuda:")
        True
    """
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    try:
        count = int(torch.cuda.device_count())
    except Exception:  # a broken CUDA setup means: no GPU
        return None
    return f"cuda:{index % count}" if count > 0 else None


def _driver_lost() -> None:
    """The driver is gone: end this worker's process group (this worker included) at once."""
    with contextlib.suppress(OSError):
        if os.getpgrp() == os.getpid():
            os.killpg(os.getpid(), signal.SIGKILL)
    os._exit(70)  # skips atexit: nothing here is worth saving for a dead driver


def _worker_main(
    conn: Connection,
    factory: ObjectiveFactory,
    metric_names: list[str],
    index: int,
    lifeline: LifelineEnd | None = None,
    driver_pid: int | None = None,
) -> None:
    os.setpgrp()  # own process group: the driver kills the whole tree of a hung trial
    if driver_pid is not None:
        die_with_parent(driver_pid)  # Linux: the kernel kills this worker with its driver
    if lifeline is not None:  # anywhere, and while a trial runs: a thread sees the driver go
        watch_lifeline(lifeline, _driver_lost)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle
    try:
        objective = factory()
    except BaseException as exc:
        conn.send(("broken", f"{type(exc).__name__}: {exc}"))
        return
    device = gpu_for_worker(index)
    conn.send(("ready",))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        outcome = run_trial(
            objective,
            job,
            metric_names=metric_names,
            channel=_PipeChannel(job.number, conn),
            device=device,
        )
        conn.send(("finished", job.number, outcome))


class _Worker:
    """A worker process, bound to this driver three ways: the parent-death signal (Linux), a
    lifeline its own thread watches, and a guard that kills its process group when the driver
    dies or retires it (so what the objective started ends too)."""

    def __init__(
        self, ctx: Any, factory: ObjectiveFactory, metric_names: list[str], index: int
    ) -> None:
        self.conn, child = ctx.Pipe()
        self.index = index
        self.lifeline = Lifeline()
        self.process = ctx.Process(
            target=_worker_main,
            args=(
                child,
                factory,
                metric_names,
                index,
                self.lifeline.child_end(),
                _pid_to_die_with(ctx),
            ),
            name=f"hpsearch-worker-{index}",
            daemon=True,
        )
        self.process.start()
        child.close()
        self.lifeline.forget_child_end()
        self.guard = guard_group(self.process.pid)
        self.job: TrialJob | None = None
        self.started = 0.0
        self.ready = False

    def kill(self) -> None:
        if self.process.pid is not None:
            kill_tree(self.process.pid)
        self.process.join(timeout=5)
        self.conn.close()
        self.release()

    def release(self) -> None:
        """Cut the worker loose once it has ended: what is left of its group is killed."""
        self.lifeline.close()
        self.guard.release()


def _pid_to_die_with(ctx: Any) -> int | None:
    """This pid when a worker's parent-death signal would track this driver's life, else None.

    The signal fires when the forking *thread* exits, so only the main thread arms it; a
    forkserver's children have the server as their parent. The lifeline covers the rest.
    """
    if ctx.get_start_method() == "forkserver":
        return None
    if threading.current_thread() is not threading.main_thread():
        return None
    return os.getpid()


class ProcessExecutor(Executor):
    """A pool of worker processes on this machine, one trial per worker at a time.

    Each worker builds the objective once (data loaded once). A trial past ``trial_timeout``
    has its worker's whole process tree killed and is reported FAILED; a worker that dies is
    replaced, its trial reported FAILED with ``worker died``.
    """

    def __init__(
        self,
        workers: int,
        *,
        metric_names: Sequence[str],
        trial_timeout: float | None = None,
        start_method: str | None = None,
    ) -> None:
        self.slots = max(1, int(workers))
        self.metric_names = list(metric_names)
        self.trial_timeout = trial_timeout
        method = start_method or ("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        self._ctx = mp.get_context(method)
        self._workers: list[_Worker] = []
        self._factory: ObjectiveFactory | None = None
        self._queue: list[TrialJob] = []
        self._pending: list[Report | Finished] = []

    def start(self, factory: ObjectiveFactory) -> None:
        self._factory = factory
        self._workers = [self._spawn(i) for i in range(self.slots)]

    def _spawn(self, index: int) -> _Worker:
        assert self._factory is not None
        return _Worker(self._ctx, self._factory, self.metric_names, index)

    def submit(self, job: TrialJob) -> None:
        self._queue.append(job)
        self._dispatch()

    def _dispatch(self) -> None:
        for worker in self._workers:
            if not self._queue:
                return
            if worker.job is None and worker.ready:
                job = self._queue.pop(0)
                worker.job, worker.started = job, time.monotonic()
                try:
                    worker.conn.send(job)
                except (BrokenPipeError, OSError):
                    self._replace(worker, f"worker died before trial {job.number} started")

    def _replace(self, worker: _Worker, reason: str) -> None:
        job = worker.job
        worker.kill()
        if job is not None:
            elapsed = time.monotonic() - worker.started
            self._pending.append(
                Finished(
                    job.number,
                    Outcome(TrialState.FAILED, error=reason, duration_s=elapsed),
                    f"process-{worker.index}",
                )
            )
        self._workers[self._workers.index(worker)] = self._spawn(worker.index)

    def poll(self, timeout: float) -> list[Report | Finished]:
        events, self._pending = self._pending, []
        deadline = self._next_deadline()
        wait_for = 0.0 if events else timeout
        if deadline is not None:
            wait_for = max(0.0, min(wait_for, deadline - time.monotonic()))
        by_conn = {w.conn: w for w in self._workers}
        ready = wait(list(by_conn), timeout=wait_for)
        for conn in ready:
            worker = by_conn[conn]
            pipe = cast(Connection, conn)
            try:
                while pipe.poll():
                    events.extend(self._handle(worker, pipe.recv()))
            except (EOFError, OSError):
                code = worker.process.exitcode
                worker.process.join(timeout=1)
                code = worker.process.exitcode if code is None else code
                self._replace(worker, f"worker died (exit code {code})")
        self._check_timeouts()
        events.extend(self._pending)
        self._pending = []
        self._dispatch()
        return events

    def _handle(self, worker: _Worker, message: tuple[Any, ...]) -> list[Report | Finished]:
        kind = message[0]
        if kind == "ready":
            worker.ready = True
            return []
        if kind == "broken":
            raise ObjectiveError(f"the objective could not be built in a worker: {message[1]}")
        if kind == "report":
            return [Report(message[1], message[2], message[3])]
        if kind == "verdict?":
            return [Report(message[1], message[2], float("nan"), wants_verdict=True)]
        if kind == "finished":
            worker.job = None
            return [Finished(message[1], message[2], f"process-{worker.index}")]
        return []

    def _next_deadline(self) -> float | None:
        if self.trial_timeout is None:
            return None
        starts = [w.started for w in self._workers if w.job is not None]
        return min(starts) + self.trial_timeout if starts else None

    def _check_timeouts(self) -> None:
        if self.trial_timeout is None:
            return
        now = time.monotonic()
        for worker in list(self._workers):
            if worker.job is not None and now - worker.started > self.trial_timeout:
                self._replace(
                    worker, f"timed out after {self.trial_timeout:g}s (process tree killed)"
                )

    def answer(self, number: int, prune: bool) -> None:
        for worker in self._workers:
            if worker.job is not None and worker.job.number == number:
                with contextlib.suppress(BrokenPipeError, OSError):
                    worker.conn.send(prune)
                return

    def shutdown(self) -> None:
        for worker in self._workers:
            if worker.job is None:
                with contextlib.suppress(BrokenPipeError, OSError):
                    worker.conn.send(None)
        for worker in self._workers:
            if worker.job is None:
                worker.process.join(timeout=2)
            if worker.process.is_alive() or worker.job is not None:
                worker.kill()
            worker.release()
        self._workers = []

    def describe(self) -> str:
        return f"{self.slots} worker processes"
