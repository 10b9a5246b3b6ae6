"""The multi-fidelity search (``mf``): asynchronous promotions plus a model over every rung.

An ask/tell loop of its own, independent of any driver or executor:

- :meth:`MultiFidelitySearch.next_job` hands out a :class:`Job`: either a promotion (the same
  configuration, to be trained further from the checkpoint of its last rung) or a new
  configuration at the lowest rung, proposed by :class:`~._model.RungTPE` (random while no
  rung has enough results, and a fixed fraction of the time after that);
- :meth:`MultiFidelitySearch.record` stores a job's value at its resource and pauses the
  configuration at that rung; :meth:`MultiFidelitySearch.fail` drops a job.

The state is a pure function of the recorded results (plus the jobs still running): a new
search fed the same :class:`Result` list with :meth:`MultiFidelitySearch.rebuild` makes the
same decisions, so a killed sweep resumes where it stopped. Every random choice for the
configuration with id ``k`` is seeded by ``(seed, k)``.

Example:
    >>> from hpsearch.space import Float, Space
    >>> search = MultiFidelitySearch(Space((Float("x", 0.0, 1.0),)), min_resource=1,
    ...                              max_resource=9, eta=3, seed=0)
    >>> job = search.next_job()
    >>> job.resource, job.resume_from
    (1, None)
    >>> search.record(job.config_id, job.resource, (job.params["x"] - 0.5) ** 2)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from hpsearch.space import Space
from hpsearch.strategies._multifidelity._model import RungTPE
from hpsearch.strategies._multifidelity._rungs import PromotionLadder, rung_levels
from hpsearch.strategies._seeds import derive_seed

__all__ = ["Job", "MultiFidelitySearch", "Result"]


@dataclass(frozen=True)
class Job:
    """Train ``params`` up to ``resource``, continuing from ``resume_from`` when it is set.

    ``resume_from`` is the resource of the configuration's last completed rung (its
    checkpoint); ``None`` means train from scratch.
    """

    config_id: int
    params: dict[str, Any]
    resource: float
    resume_from: float | None
    rung: int

    @property
    def cost(self) -> float:
        """Resource this job adds (what a checkpointing objective trains)."""
        return self.resource - (self.resume_from or 0)


@dataclass(frozen=True)
class Result:
    """One finished job: ``value`` at ``resource`` (``None`` when the job failed)."""

    config_id: int
    params: dict[str, Any]
    resource: float
    value: float | None


class MultiFidelitySearch:
    """Asynchronous successive halving (promotion type) with rung-ensemble TPE proposals.

    Args:
        space: The search space (the fidelity is not one of its parameters).
        min_resource: Resource of the lowest rung (e.g. 1 epoch).
        max_resource: The full resource (e.g. 81 epochs).
        eta: Promote the top ``1/eta`` of each rung; rungs grow by ``eta``.
        seed: An int, or a :class:`numpy.random.Generator` to draw one from.
        direction: ``minimize`` or ``maximize`` the recorded values.
        integer: Round the rung levels to integers (epochs, boosting rounds).
        n_startup: Random configurations before the model proposes (default: the model's
            ``n_min``; the model also waits until some rung has that many results).
        random_fraction: Share of new configurations drawn at random after the start.
        n_min: Results a rung needs to propose (see :class:`~._model.RungTPE`).
        model: ``rungs`` or ``ladder`` (see :class:`~._model.RungTPE`).
    """

    def __init__(
        self,
        space: Space,
        *,
        min_resource: float,
        max_resource: float,
        eta: float = 3,
        seed: int | np.random.Generator = 0,
        direction: str = "minimize",
        integer: bool = True,
        n_startup: int | None = None,
        random_fraction: float = 0.1,
        n_min: int | None = None,
        model: str = "ladder",
    ) -> None:
        if direction not in ("minimize", "maximize"):
            raise ValueError(f"direction must be minimize or maximize, got {direction!r}")
        if not 0.0 <= random_fraction <= 1.0:
            raise ValueError(f"random_fraction must be in [0, 1], got {random_fraction!r}")
        self.space = space
        self.levels = rung_levels(min_resource, max_resource, eta=eta, integer=integer)
        self.eta = float(eta)
        if isinstance(seed, np.random.Generator):
            seed = int(seed.integers(2**31))
        self.seed = int(seed)
        self.sign = 1.0 if direction == "minimize" else -1.0
        self.model = RungTPE(space, n_min=n_min, mode=model)
        self.n_startup = self.model.n_min if n_startup is None else int(n_startup)
        self.random_fraction = float(random_fraction)
        self.ladder = PromotionLadder(self.levels, eta=eta)
        self.params: dict[int, dict[str, Any]] = {}
        self.pending: dict[int, Job] = {}
        self.results: list[Result] = []
        self._next_id = 0

    # -- ask ----------------------------------------------------------------------------------
    def next_job(self) -> Job:
        """The next job for a free worker: a promotion if one is due, else a new config."""
        promotion = self.ladder.next_promotion()
        if promotion is not None:
            config_id, rung = promotion
            self.ladder.mark_promoted(config_id, rung)
            job = Job(
                config_id,
                dict(self.params[config_id]),
                self.levels[rung + 1],
                self.levels[rung],
                rung + 1,
            )
        else:
            config_id = self._next_id
            job = Job(config_id, self._propose(config_id), self.levels[0], None, 0)
            self.params[config_id] = dict(job.params)
            self._next_id += 1
        self.pending[config_id] = job
        return job

    def start(self, params: dict[str, Any]) -> Job:
        """A new configuration with the given ``params`` (enqueued by hand), at the lowest rung.

        Call :meth:`resume` with the job to mark it running.
        """
        config_id = self._next_id
        self._next_id += 1
        self.params[config_id] = dict(params)
        return Job(config_id, dict(params), self.levels[0], None, 0)

    def resume(self, job: Job) -> None:
        """Mark ``job`` running again (a retry of a failed or interrupted job)."""
        self.ladder.resume(job.config_id)
        if job.rung > 0:
            self.ladder.mark_promoted(job.config_id, job.rung - 1)
        self.pending[job.config_id] = job

    def _propose(self, config_id: int) -> dict[str, Any]:
        rng = np.random.default_rng(derive_seed(self.seed, config_id))
        explore = config_id < self.n_startup or rng.random() < self.random_fraction
        if not explore:
            rungs = [self.ladder.values(r) for r in range(len(self.levels))]
            pending = [(job.rung, job.params) for job in self.pending.values()]
            seed = int(rng.integers(2**31))
            proposal = self.model.propose(seed, rungs, self.params, pending)
            if proposal is not None:
                return proposal
        return self.space.sample(rng)

    # -- tell ---------------------------------------------------------------------------------
    def record(self, config_id: int, resource: float, value: float) -> None:
        """Store ``value`` (the metric after ``resource``) for ``config_id``'s job.

        A value at a resource below the job's target (the objective stopped by itself) is kept
        at the highest rung it reached, and the configuration is not promoted further. A
        non-finite value counts as a failure.
        """
        job = self.pending.pop(config_id, None)
        params = job.params if job is not None else self.params.get(config_id)
        if params is None:
            raise KeyError(f"unknown configuration {config_id}")
        self.results.append(Result(config_id, dict(params), resource, value))
        self._apply(config_id, resource, value, target=None if job is None else job.resource)

    def fail(self, config_id: int) -> None:
        """Drop ``config_id``'s running job; the configuration is never promoted again."""
        job = self.pending.pop(config_id, None)
        params = job.params if job is not None else self.params.get(config_id, {})
        resource = job.resource if job is not None else math.nan
        self.results.append(Result(config_id, dict(params), resource, None))
        self.ladder.stop(config_id)

    def _apply(self, config_id: int, resource: float, value: float | None, target: Any) -> None:
        if value is None or not math.isfinite(value):
            self.ladder.stop(config_id)
            return
        reached = [i for i, level in enumerate(self.levels) if level <= resource * (1 + 1e-9)]
        if not reached:
            self.ladder.stop(config_id)
            return
        rung = reached[-1]
        for lower in range(rung):  # it got here, so it left every rung below
            self.ladder.mark_promoted(config_id, lower)
        if config_id not in self.ladder.values(rung):  # a rung keeps the value measured there
            self.ladder.add(config_id, rung, self.sign * float(value))
        if target is not None and resource < target * (1 - 1e-9):
            self.ladder.stop(config_id)

    # -- rebuild ------------------------------------------------------------------------------
    @classmethod
    def rebuild(
        cls, space: Space, results: Iterable[Result], running: Iterable[Job] = (), **settings: Any
    ) -> MultiFidelitySearch:
        """A search in the state that ``results`` (in any order) and ``running`` jobs imply.

        ``settings`` are the constructor's keyword arguments (the same as the original's).
        A running job's promotion is kept (it is not handed out twice); re-submit the job.

        Example:
            >>> from hpsearch.space import Float, Space
            >>> kw = dict(min_resource=1, max_resource=9, seed=0)
            >>> a = MultiFidelitySearch(Space((Float("x", 0.0, 1.0),)), **kw)
            >>> for _ in range(4):
            ...     job = a.next_job()
            ...     a.record(job.config_id, job.resource, job.params["x"])
            >>> b = MultiFidelitySearch.rebuild(a.space, a.results, **kw)
            >>> a.next_job() == b.next_job()
            True
        """
        search = cls(space, **settings)
        results = list(results)
        for r in results:
            search.params.setdefault(r.config_id, dict(r.params))
        for job in running:
            search.params.setdefault(job.config_id, dict(job.params))
        search._next_id = max(search.params, default=-1) + 1
        for r in sorted(results, key=lambda r: (r.config_id, _order(r.resource))):
            search.results.append(r)
            target = r.resource if r.value is not None else None
            search._apply(r.config_id, r.resource, r.value, target)
        for job in running:
            if job.rung > 0:
                search.ladder.mark_promoted(job.config_id, job.rung - 1)
            search.pending[job.config_id] = job
        return search

    # -- views --------------------------------------------------------------------------------
    def rung_table(self) -> list[dict[str, Any]]:
        """Per rung: resource, configurations recorded, promoted out, and the best value."""
        rows = []
        for i, level in enumerate(self.levels):
            values = self.ladder.values(i)
            best = min(values.values()) * self.sign if values else None
            rows.append(
                {
                    "rung": i,
                    "resource": level,
                    "recorded": len(values),
                    "promoted": len(self.ladder.promoted(i)),
                    "best": best,
                }
            )
        return rows

    def best(self) -> Result | None:
        """The best finished result at any resource (``None`` before the first)."""
        done = [r for r in self.results if r.value is not None and math.isfinite(r.value)]
        return min(done, key=lambda r: self.sign * float(r.value or 0.0)) if done else None


def _order(resource: float) -> float:
    return resource if math.isfinite(resource) else math.inf


def results_from(rows: Iterable[Mapping[str, Any]]) -> list[Result]:
    """:class:`Result` objects from plain mappings (``config_id, params, resource, value``)."""
    return [
        Result(int(r["config_id"]), dict(r["params"]), float(r["resource"]), r.get("value"))
        for r in rows
    ]
