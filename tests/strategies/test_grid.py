"""The grid strategy: every point once, in order, across resumes, workers and retries."""

from __future__ import annotations

import json

import optuna
import pytest
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend

from hpsearch import load_space
from hpsearch.errors import ConfigError
from hpsearch.strategies import GridStrategy, StrategyExhausted, make_strategy

from ._spaces import finite_nested_space, finite_svm_space, score


def key(params: dict) -> str:
    return json.dumps(params, sort_keys=True)


def drain(strategy: GridStrategy) -> list[dict]:
    out = []
    while not strategy.exhausted():
        s = strategy.ask()
        out.append(s.params)
        strategy.tell(s, score(s.params))
    return out


@pytest.mark.parametrize("make_space", [finite_svm_space, finite_nested_space])
def test_enumerates_the_grid_in_order(make_space):
    space = make_space()
    strategy = GridStrategy(space)
    expected = list(space.space.grid())
    assert strategy.size == len(expected) == space.space.grid_size()
    assert drain(strategy) == expected
    assert strategy.exhausted() and strategy.remaining() == 0
    with pytest.raises(StrategyExhausted, match="handed out every point"):
        strategy.ask()


def test_conditional_grid_is_exact():
    space = finite_svm_space()
    points = list(space.space.grid())
    # 4 C x (rbf: 2 gammas + poly: 3 degrees x 2 gammas + linear: 1) = 36
    assert len(points) == 36
    assert all("degree" not in p for p in points if p["kernel"] != "poly")
    assert drain(GridStrategy(space)) == points


def test_shuffle_is_seeded_and_complete():
    space = finite_nested_space()
    first = drain(GridStrategy(space, seed=1, shuffle=True))
    again = drain(GridStrategy(space, seed=1, shuffle=True))
    other = drain(GridStrategy(space, seed=2, shuffle=True))
    expected = list(space.space.grid())
    assert first == again
    assert first != expected and other != first
    assert sorted(map(key, first)) == sorted(map(key, expected))


def test_interleaved_asks_before_tells():
    space = finite_svm_space()
    strategy = GridStrategy(space)
    seen = []
    while not strategy.exhausted():
        batch = [strategy.ask() for _ in range(min(5, strategy.remaining()))]
        seen += [s.params for s in batch]
        for s in reversed(batch):  # finish out of order
            strategy.tell(s, score(s.params))
    assert seen == list(space.space.grid())


def test_resumes_with_a_fresh_strategy_on_a_stored_study(tmp_path):
    space = finite_svm_space()
    path = str(tmp_path / "journal.log")
    first = GridStrategy(space, shuffle=True, seed=5)
    storage = JournalStorage(JournalFileBackend(path))
    study = optuna.create_study(
        storage=storage, study_name="grid", sampler=first.sampler, directions=space.directions
    )
    first.attach(study)
    done = []
    for i in range(10):
        s = first.ask()
        done.append(s.params)
        if i < 7:
            first.tell(s, score(s.params))
        elif i == 7:
            first.tell(s, state="FAILED")
        # trials 8 and 9 stay RUNNING, as after a crash
    # A new process: fresh storage object, fresh strategy.
    again = GridStrategy(space, shuffle=True, seed=5)
    loaded = optuna.load_study(storage=JournalStorage(JournalFileBackend(path)), study_name="grid")
    again.attach(loaded)
    assert again.remaining() == 36 - 10
    rest = drain(again)
    assert len(rest) == 26
    assert sorted(map(key, done + rest)) == sorted(map(key, space.space.grid()))


def test_enqueued_points_count_as_taken():
    space = finite_svm_space()
    points = list(space.space.grid())
    strategy = GridStrategy(space)
    first = strategy.ask()
    strategy.tell(first, state="FAILED")
    # The driver retries the failed point, and enqueues one more by hand.
    strategy.study.enqueue_trial(space.space.encode(first.params))
    strategy.study.enqueue_trial(space.space.encode(points[5]))
    assert strategy.remaining() == len(points) - 2
    retried = strategy.ask()
    assert retried.params == first.params
    strategy.tell(retried, 1.0)
    rest = drain(strategy)
    assert rest[0] == points[5]
    assert sorted(map(key, [first.params, *rest])) == sorted(map(key, points))


def test_failed_point_is_not_handed_out_again():
    space = load_space({"parameters": {"k": {"type": "categorical", "choices": ["a", "b"]}}})
    strategy = GridStrategy(space)
    strategy.tell(strategy.ask(), state="FAILED")
    strategy.tell(strategy.ask(), 0.0)
    assert strategy.exhausted()


def test_enqueued_retry_after_exhaustion_still_runs():
    space = load_space({"parameters": {"k": {"type": "categorical", "choices": ["a", "b"]}}})
    strategy = GridStrategy(space)
    drain(strategy)
    strategy.study.enqueue_trial({"k": "a"})
    assert strategy.ask().params == {"k": "a"}


def test_continuous_space_is_a_config_error():
    space = load_space({"parameters": {"lr": {"type": "float", "low": 0.0, "high": 1.0}}})
    with pytest.raises(ConfigError, match=r"parameters\.lr: a grid needs a finite set of values"):
        GridStrategy(space)


def test_shuffle_option_must_be_a_boolean():
    with pytest.raises(ConfigError, match=r"strategy\.shuffle: must be true or false"):
        GridStrategy(finite_nested_space(), shuffle="yes")


def test_from_space_file_options():
    space = load_space(
        {
            "strategy": {"name": "grid", "shuffle": True, "seed": 3},
            "parameters": {"n": {"type": "int", "low": 1, "high": 5}},
        }
    )
    strategy = make_strategy(space)
    values = [p["n"] for p in drain(strategy)]
    assert sorted(values) == [1, 2, 3, 4, 5] and values != [1, 2, 3, 4, 5]
