"""Behaviour every strategy shares, checked once against each of them."""

from __future__ import annotations

import optuna
import pytest
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend
from optuna.trial import TrialState

from hpsearch.errors import ConfigError
from hpsearch.strategies import MULTI_OBJECTIVE, STRATEGIES, Strategy, Suggestion

from ._spaces import finite_nested_space, finite_svm_space, nested_space, score, svm_space

ALL = list(STRATEGIES)
# GP and skopt fit a model per trial: fewer trials and an early start keep them quick.
N_TRIALS = {"gp": 5, "skopt": 6}
FAST_START = {
    "gp": {"n_startup_trials": 3},
    "skopt": {"n_initial_points": 3},
    "tpe": {"n_startup_trials": 4},
    "nsga2": {"population_size": 4},
    "bayes": {"n_startup_trials": 3},
}


def build(name: str, space, *, seed: int | None = 0, budget: int | None = 12) -> Strategy:
    if name == "grid" and not space.space.is_finite():
        finite = finite_svm_space() if space.name.startswith("svm") else finite_nested_space()
        space = finite.replace(metrics=space.metrics)
    return STRATEGIES[name](space, seed=seed, budget=budget, **FAST_START.get(name, {}))


def run(strategy: Strategy, n: int) -> list[dict]:
    seen = []
    for _ in range(n):
        if strategy.exhausted():
            break
        suggestion = strategy.ask()
        seen.append(suggestion.params)
        values = [score(suggestion.params), -score(suggestion.params) / 2]
        strategy.tell(suggestion, values[: len(strategy.directions)])
    return seen


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("make_space", [svm_space, nested_space], ids=["svm", "nested"])
def test_suggestions_are_points_of_the_space(name, make_space):
    strategy = build(name, make_space())
    points = run(strategy, N_TRIALS.get(name, 12))
    assert len(points) >= 5
    for params in points:
        strategy.space.check_params(params)  # conditions, ranges, constants
    complete = strategy.study.get_trials(states=(TrialState.COMPLETE,))
    assert len(complete) == len(points)


@pytest.mark.parametrize("name", ALL)
def test_same_seed_same_sequence(name):
    n = N_TRIALS.get(name, 10)
    first = run(build(name, svm_space(), seed=3), n)
    again = run(build(name, svm_space(), seed=3), n)
    assert first == again
    if name != "grid":
        other = run(build(name, svm_space(), seed=4), 3)
        assert other != first[:3]


@pytest.mark.parametrize("name", ALL)
def test_ask_returns_a_suggestion_with_user_values(name):
    strategy = build(name, svm_space())
    suggestion = strategy.ask()
    assert isinstance(suggestion, Suggestion)
    assert suggestion.number == 0
    assert isinstance(suggestion.trial, optuna.Trial)
    assert suggestion.params["shrinking"] is True  # active constants are included
    assert strategy.space.encode(suggestion.params) == suggestion.trial.params


@pytest.mark.parametrize("name", ALL)
def test_enqueued_trial_comes_out_with_its_params(name):
    space = svm_space() if name != "grid" else finite_svm_space()
    strategy = build(name, space)
    run(strategy, 2)
    fixed = {
        "C": 1.0,
        "kernel": "poly",
        "degree": 3,
        "gamma": "auto" if name == "grid" else 0.01,
        "shrinking": True,
    }
    strategy.study.enqueue_trial(space.space.encode(fixed))
    suggestion = strategy.ask()
    assert suggestion.params == fixed
    strategy.tell(suggestion, state="FAILED")
    assert strategy.study.trials[-1].state == TrialState.FAIL


@pytest.mark.parametrize("name", ALL)
def test_pruned_and_failed_trials_are_recorded(name):
    strategy = build(name, nested_space())
    first, second = strategy.ask(), strategy.ask()
    first.trial.report(0.5, step=1)
    strategy.tell(first, state="pruned")
    strategy.tell(second.number, state="FAILED")
    states = [t.state for t in strategy.study.trials]
    assert states == [TrialState.PRUNED, TrialState.FAIL]
    run(strategy, 3)  # and the strategy goes on


@pytest.mark.parametrize("name", ALL)
def test_resumes_on_a_stored_study(tmp_path, name):
    space = nested_space()
    storage = JournalStorage(JournalFileBackend(str(tmp_path / "journal.log")))
    first = build(name, space)
    study = optuna.create_study(
        storage=storage, study_name="s", sampler=first.sampler, directions=first.directions
    )
    before = run(first.attach(study), 4)
    again = build(name, space)
    loaded = optuna.load_study(storage=storage, study_name="s")
    after = run(again.attach(loaded), 4)
    assert len(loaded.trials) == len(before) + len(after)
    assert [t.number for t in loaded.trials] == list(range(len(loaded.trials)))
    for params in after:
        again.space.check_params(params)
    # A resumed sweep does not replay the first run's draws.
    assert not any(p in before for p in after)


@pytest.mark.parametrize("name", MULTI_OBJECTIVE)
def test_multi_objective(name):
    space = nested_space(
        metrics=[{"name": "loss", "goal": "minimize"}, {"name": "speed", "goal": "maximize"}]
    )
    strategy = build(name, space, budget=10)
    n = 4 if name == "gp" else N_TRIALS.get(name, 10)  # multi-objective GP is the slowest
    points = run(strategy, n)
    assert len(points) == n
    assert strategy.study.directions == [
        optuna.study.StudyDirection.MINIMIZE,
        optuna.study.StudyDirection.MAXIMIZE,
    ]
    assert strategy.study.best_trials


@pytest.mark.parametrize("name", ALL)
def test_unknown_option_is_a_config_error(name):
    space = finite_svm_space()
    with pytest.raises(ConfigError, match=rf"strategy\.bogus: unknown option for the {name}"):
        STRATEGIES[name](space, seed=0, bogus=1)


@pytest.mark.parametrize("name", ALL)
def test_attach_checks_directions(name):
    strategy = build(name, svm_space())  # maximize accuracy
    study = optuna.create_study(direction="minimize")
    with pytest.raises(ConfigError, match=r"study optimizes \['minimize'\].*\['maximize'\]"):
        strategy.attach(study)
