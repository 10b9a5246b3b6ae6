"""The multi-fidelity core: rung levels, asynchronous promotions, the rung model, determinism
and rebuilding the state from recorded results."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hpsearch.space import Categorical, Condition, Float, Int, Space
from hpsearch.strategies._multifidelity import (
    Job,
    MultiFidelitySearch,
    PromotionLadder,
    RungTPE,
    results_from,
    rung_levels,
)

SPACE = Space((Float("x", 0.0, 1.0), Float("y", 0.0, 1.0)))
MIXED = Space(
    (
        Categorical("opt", ("sgd", "adam")),
        Float("lr", 1e-4, 1.0, log=True),
        Float("momentum", 0.0, 0.99, when=(Condition("opt", ("sgd",)),)),
        Int("width", 8, 256, log=True),
    )
)


def curve(params: dict, resource: float) -> float:
    """A learning curve: decays as resource**-0.5 towards a quadratic bowl at (0.3, 0.7)."""
    floor = (params["x"] - 0.3) ** 2 + (params["y"] - 0.7) ** 2
    return floor + (1 + params["x"]) * resource**-0.5


def make(**kw) -> MultiFidelitySearch:
    space = kw.pop("space", SPACE)
    settings = dict(min_resource=1, max_resource=27, eta=3, seed=7)
    settings.update(kw)
    return MultiFidelitySearch(space, **settings)


def drive(search: MultiFidelitySearch, n_jobs: int, workers: int = 1) -> list[Job]:
    """Run ``n_jobs`` jobs with ``workers`` in flight; the oldest job finishes first."""
    running: list[Job] = []
    handed: list[Job] = []
    while len(handed) < n_jobs or running:
        while len(running) < workers and len(handed) < n_jobs:
            job = search.next_job()
            running.append(job)
            handed.append(job)
        job = running.pop(0)
        search.record(job.config_id, job.resource, curve(job.params, job.resource))
    return handed


# -- rung levels ---------------------------------------------------------------------------
def test_rung_levels_are_geometric_and_end_at_the_full_resource() -> None:
    assert rung_levels(1, 81, eta=3) == (1, 3, 9, 27, 81)
    assert rung_levels(1, 100, eta=3) == (1, 3, 9, 27, 100)  # 81 is too close to 100
    assert rung_levels(2, 2, eta=3) == (2,)
    assert rung_levels(10, 200, eta=2) == (10, 20, 40, 80, 200)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 10), "min_resource must be positive"),
        ((5, 2), "must be >= min_resource"),
        ((1, 10, 1.0), "eta must be > 1"),
    ],
)
def test_rung_levels_reject_bad_settings(args: tuple, message: str) -> None:
    low, high, *eta = args
    with pytest.raises(ValueError, match=message):
        rung_levels(low, high, eta=eta[0] if eta else 3)


def test_search_rejects_a_bad_direction_and_random_fraction() -> None:
    with pytest.raises(ValueError, match="direction must be minimize or maximize"):
        make(direction="up")
    with pytest.raises(ValueError, match=r"random_fraction must be in \[0, 1\]"):
        make(random_fraction=1.5)


# -- promotions ----------------------------------------------------------------------------
def test_promotion_does_not_wait_for_the_rung_to_fill() -> None:
    search = make()
    jobs = [search.next_job() for _ in range(5)]  # five workers busy at rung 0
    assert [j.rung for j in jobs] == [0] * 5 and len({j.config_id for j in jobs}) == 5
    for job, value in zip(jobs[:3], [0.5, 0.1, 0.9]):
        search.record(job.config_id, job.resource, value)
    # two jobs still run at rung 0, yet the best of the three results moves up at once
    promoted = search.next_job()
    assert promoted.config_id == jobs[1].config_id
    assert (promoted.rung, promoted.resource, promoted.resume_from) == (1, 3, 1)
    assert promoted.params == jobs[1].params and promoted.cost == 2
    # with one of three promoted and nothing else due, the next job is a new configuration
    fresh = search.next_job()
    assert fresh.rung == 0 and fresh.resume_from is None and fresh.config_id == 5


def test_highest_rung_promotes_first_and_each_config_once() -> None:
    ladder = PromotionLadder((1, 3, 9), eta=3)
    for config_id in range(6):
        ladder.add(config_id, 0, float(config_id))
    for config_id in (0, 1, 2):
        ladder.add(config_id, 1, 10.0 - config_id)
        ladder.mark_promoted(config_id, 0)
    assert ladder.next_promotion() == (2, 1)  # rung 1 first, its best value
    ladder.mark_promoted(2, 1)
    assert ladder.next_promotion() is None  # rung 0's quota (2) is used up by 0 and 1
    ladder.add(6, 0, 4.5)
    assert ladder.next_promotion() is None  # 7 results: quota 2, held by 0 and 1
    ladder.add(7, 0, -1.0)
    assert ladder.next_promotion() == (7, 0)  # a newcomer in the top third moves up at once


def test_a_failed_or_short_job_is_never_promoted() -> None:
    search = make()
    jobs = [search.next_job() for _ in range(4)]
    search.fail(jobs[0].config_id)
    search.record(jobs[1].config_id, jobs[1].resource, 0.2)
    search.record(jobs[2].config_id, jobs[2].resource, 0.3)
    search.record(jobs[3].config_id, jobs[3].resource, math.nan)  # non-finite: a failure
    assert search.next_job().rung == 0  # 2 results, quota 0
    more = search.next_job()
    search.record(more.config_id, 1, 0.25)
    promoted = search.next_job()
    assert promoted.config_id == jobs[1].config_id and promoted.rung == 1
    search.record(promoted.config_id, 2, 0.01)  # stopped by itself at 2 of 3 epochs
    assert search.ladder.values(0)[promoted.config_id] == 0.2  # kept at the rung it reached
    assert promoted.config_id not in search.ladder.values(1)
    assert all(j.config_id != promoted.config_id for j in drive(search, 10))


def test_maximize_promotes_the_largest_values() -> None:
    search = make(direction="maximize")
    jobs = [search.next_job() for _ in range(3)]
    for job, value in zip(jobs, [0.5, 0.9, 0.1]):
        search.record(job.config_id, job.resource, value)
    assert search.next_job().config_id == jobs[1].config_id
    assert search.best().value == 0.9


def test_top_rung_results_reach_the_full_resource_by_resuming() -> None:
    search = make()
    jobs = drive(search, 120, workers=4)
    top = [j for j in jobs if j.resource == 27]
    assert top, "no configuration reached the full resource in 120 jobs"
    for job in top:
        chain = [j for j in jobs if j.config_id == job.config_id]
        assert [j.resource for j in chain] == [1, 3, 9, 27]
        assert [j.resume_from for j in chain] == [None, 1, 3, 9]
        assert sum(j.cost for j in chain) == 27  # resumed, never retrained
    table = search.rung_table()
    assert [row["resource"] for row in table] == [1, 3, 9, 27]
    assert table[0]["recorded"] > table[1]["recorded"] > table[3]["recorded"] > 0


# -- the model -----------------------------------------------------------------------------
def test_rung_weights_follow_rank_agreement() -> None:
    model = RungTPE(SPACE, n_min=4, mode="rungs")
    agree = {i: float(i) for i in range(8)}
    reverse = {i: float(-i) for i in range(8)}
    top = {i: float(i) for i in range(5)}
    assert model.rung_weights([{0: 1.0}, {}]).tolist() == [0.0, 0.0]  # nothing eligible
    faithful = model.rung_weights([agree, top])
    assert faithful[0] > faithful[1] > 0  # same ranking, more data: the low rung leads
    misleading = model.rung_weights([reverse, top])
    assert misleading.tolist() == [0.0, 1.0]  # curves cross: only the top rung proposes


def test_model_proposals_beat_random_sampling_on_a_learning_curve() -> None:
    search = make(seed=3)  # the default model (ladder)
    drive(search, 150, workers=2)
    modelled = [curve(search.params[i], 27) for i in range(search.model.n_min, search._next_id)]
    rng = np.random.default_rng(3)
    random = [curve(SPACE.sample(rng), 27) for _ in range(len(modelled))]
    assert np.median(modelled) < 0.75 * np.median(random)


@pytest.mark.parametrize("model", ["ladder", "rungs"])
def test_proposals_respect_a_conditional_mixed_space(model: str) -> None:
    search = make(space=MIXED, n_min=8, model=model)

    def value(params: dict, resource: float) -> float:
        return abs(math.log10(params["lr"]) + 2) + (params["opt"] == "sgd") + 1 / resource

    for _ in range(100):
        job = search.next_job()
        MIXED.check_params(job.params)
        search.record(job.config_id, job.resource, value(job.params, job.resource))
    late = [search.params[i] for i in range(search._next_id // 2, search._next_id)]
    assert np.mean([p["opt"] == "adam" for p in late]) > 0.6  # it learned sgd costs 1


# -- determinism and rebuild ---------------------------------------------------------------
def test_same_seed_same_jobs_and_another_seed_other_jobs() -> None:
    first = drive(make(seed=11), 60, workers=3)
    again = drive(make(seed=11), 60, workers=3)
    other = drive(make(seed=12), 60, workers=3)
    assert first == again
    assert [j.params for j in first] != [j.params for j in other]


def test_a_numpy_generator_seeds_the_search() -> None:
    a = drive(make(seed=np.random.default_rng(5)), 20)
    b = drive(make(seed=np.random.default_rng(5)), 20)
    assert a == b


def test_rebuild_from_results_continues_exactly_like_the_original() -> None:
    original = make(seed=21)
    running: list[Job] = []
    for step in range(70):  # three workers; finish order is not submission order
        while len(running) < 3:
            running.append(original.next_job())
        job = running.pop(step % len(running))
        original.record(job.config_id, job.resource, curve(job.params, job.resource))
    rows = [
        {"config_id": r.config_id, "params": r.params, "resource": r.resource, "value": r.value}
        for r in original.results
    ]
    shuffled = [rows[i] for i in np.random.default_rng(0).permutation(len(rows))]
    rebuilt = MultiFidelitySearch.rebuild(
        SPACE,
        results_from(shuffled),
        running,
        min_resource=1,
        max_resource=27,
        eta=3,
        seed=21,
    )
    assert rebuilt.rung_table() == original.rung_table()
    assert set(rebuilt.pending) == set(original.pending)
    for job in running:
        original.record(job.config_id, job.resource, curve(job.params, job.resource))
        rebuilt.record(job.config_id, job.resource, curve(job.params, job.resource))
    assert drive(original, 30, workers=2) == drive(rebuilt, 30, workers=2)


def test_rebuild_keeps_failures_stopped_and_running_promotions_taken() -> None:
    search = make()
    jobs = [search.next_job() for _ in range(4)]
    for job, value in zip(jobs[1:], [0.1, 0.2, 0.3]):
        search.record(job.config_id, job.resource, value)
    search.fail(jobs[0].config_id)
    promotion = search.next_job()
    rebuilt = MultiFidelitySearch.rebuild(
        SPACE, search.results, [promotion], min_resource=1, max_resource=27, eta=3, seed=7
    )
    assert rebuilt.pending == {promotion.config_id: promotion}
    nxt = rebuilt.next_job()
    assert nxt.rung == 0 and nxt.config_id == 4  # the promotion is not handed out twice
    assert jobs[0].config_id in rebuilt.ladder._stopped
