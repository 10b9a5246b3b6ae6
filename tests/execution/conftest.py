"""Ray fixtures: one Ray connection at a time, shared by every test that needs it.

A process talks to one Ray instance at a time, so the local instance (2 CPUs, 1 fake GPU) and the
simulated multi-node cluster are handed out by one manager that switches only when a test asks for
the other kind; the test files are ordered (``test_ray_cluster`` first) so it switches once.
"""

from __future__ import annotations

import dataclasses
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from hpsearch.execution import Finished, Report, TrialJob


class RayManager:
    """Starts, shares and stops the Ray connection the tests use."""

    def __init__(self) -> None:
        self.kind: str | None = None
        self.cluster: Any = None

    def _stop(self) -> None:
        import ray

        if ray.is_initialized():
            ray.shutdown()
        if self.cluster is not None:
            self.cluster.shutdown()
            self.cluster = None
        self.kind = None

    def local(self) -> None:
        """A single-node instance: 2 CPUs and one declared (fake) GPU."""
        import ray

        from hpsearch.execution import start_local_ray

        if self.kind == "local" and ray.is_initialized():
            return
        self._stop()
        start_local_ray(num_cpus=2, num_gpus=1, log_to_driver=False)
        self.kind = "local"

    def multinode(self) -> Any:
        """A head and two worker nodes on loopback, one CPU each."""
        import ray
        from ray.cluster_utils import Cluster

        from hpsearch.execution import loopback_only

        if self.kind == "cluster" and ray.is_initialized():
            return self.cluster
        self._stop()
        node_args = {"num_cpus": 1, "include_dashboard": False}
        with loopback_only():
            cluster = Cluster(
                initialize_head=True,
                head_node_args={**node_args, "resources": {"head": 1}},
            )
            cluster.add_node(**node_args, resources={"node_a": 1})
            cluster.add_node(**node_args, resources={"node_b": 1})
            cluster.wait_for_nodes()
            ray.init(address=cluster.address, log_to_driver=False, logging_level="WARNING")
        self.cluster = cluster
        self.kind = "cluster"
        return cluster

    def close(self) -> None:
        self._stop()


@pytest.fixture(scope="session")
def ray_manager() -> Iterator[RayManager]:
    pytest.importorskip("ray")
    manager = RayManager()
    yield manager
    manager.close()


@pytest.fixture
def ray_local(ray_manager: RayManager) -> RayManager:
    """The shared local Ray instance (2 CPUs, 1 fake GPU)."""
    ray_manager.local()
    return ray_manager


@pytest.fixture
def ray_cluster(ray_manager: RayManager) -> Any:
    """The shared simulated cluster: head + node_a + node_b, 1 CPU each."""
    return ray_manager.multinode()


def drive(
    executor: Any,
    jobs: Iterable[TrialJob],
    *,
    prune_at: int | None = None,
    retry_died: bool = True,
    on_poll: Callable[[], None] | None = None,
    limit_s: float = 90.0,
) -> tuple[list[Finished], list[Report]]:
    """A minimal driver loop: submit up to ``slots`` jobs, answer verdicts, retry dead workers.

    A trial is pruned when it asks for a verdict at ``step >= prune_at``.
    """
    pending = deque(jobs)
    by_number = {job.number: job for job in pending}
    running: set[int] = set()
    finished: list[Finished] = []
    reports: list[Report] = []
    end = time.monotonic() + limit_s
    while pending or running:
        while pending and len(running) < executor.slots:
            job = pending.popleft()
            running.add(job.number)
            executor.submit(job)
        for event in executor.poll(0.2):
            if isinstance(event, Report):
                reports.append(event)
                if event.wants_verdict:
                    executor.answer(event.number, prune_at is not None and event.step >= prune_at)
                continue
            running.discard(event.number)
            finished.append(event)
            if retry_died and event.outcome.error.startswith("worker died"):
                job = by_number[event.number]
                by_number[job.number] = dataclasses.replace(job, attempt=job.attempt + 1)
                pending.append(by_number[job.number])
        if on_poll is not None:
            on_poll()
        if time.monotonic() > end:
            raise AssertionError(f"sweep unfinished after {limit_s}s: {sorted(running)} running")
    return finished, reports
