"""Run trials on Ray: one long-lived actor per resource slot, a trial is one method call.

Each actor builds the objective once (the factory travels once through the object store) and
runs trials in a private thread. The trial call is a streaming generator: it yields intermediate
values as they are reported and the outcome last, so the driver hears about both through one
``ray.wait``. A pruning verdict goes back as a second, tiny call on the same actor (the actor is
threaded, ``max_concurrency=2``). Measured here, a trivial trial costs about 1 ms of executor time.

An instance that hpsearch starts itself binds every port to 127.0.0.1 and has no dashboard.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
import warnings
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

from hpsearch.errors import ConfigError
from hpsearch.execution._base import (
    Executor,
    Finished,
    ObjectiveFactory,
    Outcome,
    Report,
    TrialJob,
)
from hpsearch.execution._checkpoint_sync import restore, snapshot
from hpsearch.execution._ray_connect import (
    actor_options,
    connect_ray,
    import_ray,
    parse_resources,
    plan_slots,
)
from hpsearch.execution._ray_instance import release_instance
from hpsearch.execution._ray_slots import MAX_START_DEATHS, ActorStartup, _Slot
from hpsearch.execution._ray_worker import TrialWorker
from hpsearch.trial import TrialState

__all__ = ["RayExecutor"]


class RayExecutor(ActorStartup, Executor):
    """Runs trials as method calls on long-lived Ray actors, one per resource slot.

    Args:
        address: a Ray cluster to join (``"HEAD:6379"``, ``"auto"``); ``None`` joins
            ``RAY_ADDRESS`` when set, else starts a Ray instance on this machine (loopback only,
            no dashboard). An already connected Ray session is used as is.
        workers: at most this many actors (default: as many as the cluster's resources fit).
        resources: per trial, ``{"cpu": 1, "gpu": 0.25, "<custom>": 1}``; fractional GPUs pack
            several trials on one GPU, and every actor sees only its own GPU.
        metric_names: the objective's metrics, as ``run_trial`` expects them.
        trial_timeout: seconds before a trial's actor is killed (a job's own ``timeout`` wins).
        runtime_env: Ray runtime environment for the actors (e.g. ``{"working_dir": "."}``).
        start_timeout: seconds :meth:`start` waits for the first actor to be placed and to
            build the objective (the others join when they are up).
        sync_checkpoints: carry each trial's checkpoint folder between this process and its
            actor (:mod:`~hpsearch.execution._checkpoint_sync`); ``None`` (default) does so for
            actors on other nodes than this one, which need not share its filesystem.

    Example:
        >>> ex = RayExecutor(workers=2, resources={"cpu": 1})  # doctest: +SKIP
        >>> ex.start(lambda: (lambda params: params["x"] ** 2))  # doctest: +SKIP
        >>> ex.submit(TrialJob(0, {"x": 3.0}))  # doctest: +SKIP
        >>> ex.poll(10.0)  # doctest: +SKIP
        [Finished(number=0, outcome=Outcome(state='COMPLETE', metrics={'value': 9.0}, ...), ...)]
    """

    def __init__(
        self,
        *,
        address: str | None = None,
        workers: int | None = None,
        resources: Mapping[str, float] | None = None,
        metric_names: Sequence[str] = ("value",),
        trial_timeout: float | None = None,
        runtime_env: Mapping[str, Any] | None = None,
        start_timeout: float = 300.0,
        sync_checkpoints: bool | None = None,
    ) -> None:
        if workers is not None and (
            isinstance(workers, bool) or int(workers) != workers or workers < 1
        ):
            raise ConfigError(f"must be a whole number >= 1, got {workers!r}", path="workers")
        if trial_timeout is not None and not trial_timeout > 0:
            raise ConfigError(f"must be > 0 seconds, got {trial_timeout!r}", path="trial_timeout")
        self.address = address
        self.workers = None if workers is None else int(workers)
        self.resources = parse_resources(resources)
        self.metric_names = tuple(metric_names)
        self.trial_timeout = trial_timeout
        self.runtime_env = dict(runtime_env) if runtime_env else None
        self.start_timeout = start_timeout
        self.sync_checkpoints = sync_checkpoints
        self._node_id = ""
        self.slots = self.workers or 1
        self._owns_ray = False
        self._slots: list[_Slot] = []
        self._queue: deque[TrialJob] = deque()
        self._by_number: dict[int, _Slot] = {}
        self._factory_ref: Any = None
        self._actor_cls: Any = None
        self._started = False

    # ------------------------------------------------------------------ setup

    def _connect(self) -> None:
        num_cpus = None
        if self.workers is not None:
            num_cpus = max(os.cpu_count() or 1, math.ceil(self.workers * self.resources["cpu"]))
        self._owns_ray = connect_ray(self.address, num_cpus=num_cpus, runtime_env=self.runtime_env)

    def _new_slot(self) -> _Slot:
        actor = self._actor_cls.remote(self._factory_ref, self.metric_names)
        return _Slot(actor=actor, ready_ref=actor.ready.remote())

    def start(self, factory: ObjectiveFactory) -> None:
        """Connect to Ray, place one actor per slot and build the objective in each.

        Raises:
            ConfigError: the per-trial resources fit on no node, or no actor could be placed.
            ObjectiveError: the factory raised inside the actors.
        """
        ray = import_ray()
        self._connect()
        self._node_id = ray.get_runtime_context().get_node_id()
        nodes = [n["Resources"] for n in ray.nodes() if n.get("Alive")]
        try:
            fit = plan_slots(nodes, self.resources)
        except ConfigError:
            self.shutdown()  # stops a Ray instance this executor started
            raise
        if self.workers is not None and self.workers > fit:
            warnings.warn(
                f"ray executor: {self.workers} workers asked, the cluster fits {fit} "
                f"with {self.resources} each; using {fit}",
                stacklevel=2,
            )
        self.slots = min(self.workers or fit, fit)
        options: dict[str, Any] = {
            **actor_options(self.resources),
            "max_concurrency": 2,
            "max_restarts": 0,
            "max_task_retries": 0,
            "scheduling_strategy": "SPREAD",
        }
        if self.runtime_env and not self._owns_ray:
            options["runtime_env"] = self.runtime_env
        self._actor_cls = ray.remote(TrialWorker).options(**options)
        self._factory_ref = ray.put(factory)
        self._slots = [self._new_slot() for _ in range(self.slots)]
        self._started = True
        self._await_ready()

    # ------------------------------------------------------------------ trials

    def submit(self, job: TrialJob) -> None:
        if not self._started:
            raise RuntimeError("RayExecutor.submit() before start()")
        self._queue.append(job)
        self._dispatch()

    def _dispatch(self) -> None:
        while self._queue:
            slot = next((s for s in self._slots if s.ready and s.job is None), None)
            if slot is None:
                return
            job = self._queue.popleft()
            slot.job = job
            sync = self._syncs(slot, job)
            files = snapshot(job.resume_from) if sync and job.resume_from else None
            slot.gen = slot.actor.run.remote(job, files, sync)
            slot.started = time.monotonic()
            timeout = job.timeout if job.timeout is not None else self.trial_timeout
            slot.deadline = slot.started + timeout if timeout else math.inf
            self._by_number[job.number] = slot

    def _syncs(self, slot: _Slot, job: TrialJob) -> bool:
        """Whether ``job``'s checkpoint folder travels to and from ``slot``'s actor."""
        if not job.checkpoint_dir:
            return False
        if self.sync_checkpoints is not None:
            return self.sync_checkpoints
        return (slot.info or {}).get("node_id") != self._node_id

    def _replace(self, slot: _Slot, start_deaths: int = 0) -> None:
        ray = import_ray()
        with contextlib.suppress(Exception):
            ray.kill(slot.actor, no_restart=True)
        new = self._new_slot()
        new.start_deaths = start_deaths
        self._slots[self._slots.index(slot)] = new

    def _start_again(self, slot: _Slot, exc: BaseException) -> bool:
        """An actor killed while it started (OOM killer, lost node) is replaced, a few times in a
        row at most; one whose objective failed to build reports it through ``ready()``."""
        ray = import_ray()
        died = (ray.exceptions.RayActorError, ray.exceptions.WorkerCrashedError)
        if not isinstance(exc, died) or slot not in self._slots:
            return False
        if slot.start_deaths >= MAX_START_DEATHS:
            return False
        self._replace(slot, start_deaths=slot.start_deaths + 1)
        return True

    def _finish(self, slot: _Slot, outcome: Outcome, events: list[Report | Finished]) -> None:
        job = slot.job
        assert job is not None
        self._by_number.pop(job.number, None)
        events.append(Finished(job.number, outcome, worker=slot.worker))
        slot.job = None
        slot.gen = None
        slot.deadline = math.inf

    def _expire(self, now: float, events: list[Report | Finished]) -> None:
        for slot in list(self._slots):
            if slot.job is not None and now >= slot.deadline:
                limit = slot.deadline - slot.started
                outcome = Outcome(
                    TrialState.FAILED,
                    error=f"timed out after {limit:g}s",
                    duration_s=now - slot.started,
                )
                self._finish(slot, outcome, events)
                self._replace(slot)

    def _died(self, slot: _Slot, exc: BaseException, events: list[Report | Finished]) -> None:
        lines = str(exc).strip().splitlines()
        reason = next((ln.strip() for ln in lines if "died because" in ln), "")
        reason = reason or (lines[0].strip() if lines else type(exc).__name__)
        outcome = Outcome(
            TrialState.FAILED,
            error=f"worker died ({slot.worker or 'ray actor'}): {type(exc).__name__}: {reason}"[
                :500
            ],
            duration_s=time.monotonic() - slot.started,
        )
        self._finish(slot, outcome, events)
        self._replace(slot)

    def _take(self, slot: _Slot, events: list[Report | Finished]) -> None:
        """Read every item a running trial's stream has ready."""
        ray = import_ray()
        gen = slot.gen
        job = slot.job
        assert job is not None
        while True:
            try:
                item = ray.get(next(gen))
            except StopIteration:
                self._died(slot, RuntimeError("trial stream ended without an outcome"), events)
                return
            except (
                ray.exceptions.RayActorError,
                ray.exceptions.WorkerCrashedError,
                ray.exceptions.NodeDiedError,
                ray.exceptions.ObjectLostError,
            ) as exc:
                self._died(slot, exc, events)
                return
            except ray.exceptions.RayError as exc:
                first = str(exc).strip().splitlines()
                msg = first[0] if first else type(exc).__name__
                self._finish(
                    slot, Outcome(TrialState.FAILED, error=f"ray error: {msg}"[:500]), events
                )
                self._replace(slot)
                return
            if item[0] == "report":
                events.append(Report(job.number, int(item[1]), float(item[2]), bool(item[3])))
            elif item[0] == "checkpoint":
                if job.checkpoint_dir:
                    restore(job.checkpoint_dir, item[1])
            else:
                self._finish(slot, item[1], events)
                return
            if not gen.next_ready():
                return

    def poll(self, timeout: float) -> list[Report | Finished]:
        ray = import_ray()
        events: list[Report | Finished] = []
        end = time.monotonic() + max(0.0, timeout)
        while True:
            now = time.monotonic()
            self._expire(now, events)
            self._dispatch()
            running = {s.gen: s for s in self._slots if s.gen is not None}
            starting = {s.ready_ref: s for s in self._slots if not s.ready and not s.dead}
            waitables = [*running, *starting]
            if not waitables:
                self._fail_stranded(events)
                if events or now >= end:
                    return events
                time.sleep(min(0.05, end - now))
                continue
            next_deadline = min((s.deadline for s in running.values()), default=math.inf)
            wait = 0.0 if events else max(0.0, min(end, next_deadline) - now)
            ready, _ = ray.wait(waitables, num_returns=1, timeout=wait)
            if ready and len(waitables) > 1:
                ready, _ = ray.wait(waitables, num_returns=len(waitables), timeout=0)
            for ref in ready:
                if ref in running:
                    self._take(running[ref], events)
                else:
                    error = self._mark_ready(starting[ref])
                    if error:  # a replacement that cannot start: its slot is given up
                        warnings.warn(f"ray executor: a worker was dropped: {error}", stacklevel=2)
            if events or time.monotonic() >= end:
                self._expire(time.monotonic(), events)
                return events

    def _fail_stranded(self, events: list[Report | Finished]) -> None:
        """Jobs wait in the queue but no actor is left to run them: fail them."""
        if self._slots or not self._queue:
            return
        while self._queue:
            job = self._queue.popleft()
            events.append(
                Finished(job.number, Outcome(TrialState.FAILED, error="no Ray worker left"))
            )

    def answer(self, number: int, prune: bool) -> None:
        slot = self._by_number.get(number)
        if slot is not None and slot.job is not None and slot.job.number == number:
            slot.actor.answer.remote(number, bool(prune))

    def shutdown(self) -> None:
        if not self._started and not self._owns_ray:
            return
        ray = import_ray()
        for slot in self._slots:
            with contextlib.suppress(Exception):
                ray.kill(slot.actor, no_restart=True)
        self._slots = []
        self._queue.clear()
        self._by_number.clear()
        self._factory_ref = None
        self._started = False
        if self._owns_ray:
            self._owns_ray = False
            with contextlib.suppress(Exception):
                ray.shutdown()
            release_instance()  # stops what of a private instance ray.shutdown() left

    def describe(self) -> str:
        where = self.address or os.environ.get("RAY_ADDRESS") or "local Ray"
        return f"RayExecutor({self.slots} slots on {where}, {self.resources} per trial)"
