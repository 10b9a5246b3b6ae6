"""The Strategy interface itself: construction, options, make_strategy, tell's arguments."""

from __future__ import annotations

import optuna
import pytest

from hpsearch import load_space
from hpsearch.errors import ConfigError
from hpsearch.strategies import (
    NSGA2Strategy,
    RandomStrategy,
    TPEStrategy,
    make_strategy,
)

X = {"x": {"type": "float", "low": 0.0, "high": 1.0}}


def test_make_strategy_reads_the_space():
    space = load_space(
        {
            "strategy": {"name": "tpe", "seed": 11, "n_startup_trials": 3},
            "budget": {"trials": 40},
            "parameters": X,
        }
    )
    strategy = make_strategy(space, workers=4)
    assert isinstance(strategy, TPEStrategy)
    assert (strategy.seed, strategy.budget, strategy.workers) == (11, 40, 4)
    assert strategy.sampler._n_startup_trials == 3
    assert strategy.sampler._constant_liar is True
    assert make_strategy(space, seed=5).seed == 5
    other = make_strategy(space, name="random")  # the tpe options do not apply
    assert isinstance(other, RandomStrategy) and other.options == {}


def test_make_strategy_unknown_name():
    space = load_space({"parameters": X})
    with pytest.raises(
        ConfigError,
        match=r"strategy\.name: unknown strategy 'tpee' "
        r"\(did you mean 'tpe'\?\)",
    ):
        make_strategy(space, name="tpee")


def test_tpe_defaults_follow_budget_and_workers():
    space = load_space({"parameters": X})
    assert TPEStrategy(space, budget=30).sampler._n_startup_trials == 6
    assert TPEStrategy(space).sampler._n_startup_trials == 10
    assert TPEStrategy(space, workers=1).sampler._constant_liar is False


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"n_startup_trials": -1}, r"strategy\.n_startup_trials: must be an integer >= 0"),
        ({"multivariate": "yes"}, r"strategy\.multivariate: must be true or false"),
        ({"n_ei_candidates": 1.5}, r"strategy\.n_ei_candidates: must be an integer >= 1"),
    ],
)
def test_bad_tpe_options(options, message):
    with pytest.raises(ConfigError, match=message):
        TPEStrategy(load_space({"parameters": X}), **options)


def test_bad_nsga2_option():
    with pytest.raises(ConfigError, match=r"strategy\.mutation_prob: must be a number in \[0, 1\]"):
        NSGA2Strategy(load_space({"parameters": X}), mutation_prob=2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seed": -1}, r"strategy\.seed: must be a non-negative integer"),
        ({"budget": 0}, r"budget\.trials: must be a positive integer"),
        ({"workers": 0}, r"execution\.workers: must be a positive integer"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        RandomStrategy(load_space({"parameters": X}), **kwargs)


def test_tell_arguments():
    strategy = RandomStrategy(load_space({"parameters": X}), seed=0)
    with pytest.raises(RuntimeError, match=r"tell\(\) before ask\(\)"):
        strategy.tell(0, 1.0)
    s = strategy.ask()
    with pytest.raises(ValueError, match="state must be COMPLETE, PRUNED or FAILED"):
        strategy.tell(s, 1.0, state="DONE")
    with pytest.raises(ValueError, match="a COMPLETE trial needs its value"):
        strategy.tell(s)
    strategy.tell(s.number, [0.25])
    assert strategy.study.trials[0].value == 0.25


def test_attach_binds_the_sampler_to_a_loaded_study():
    space = load_space({"parameters": X})
    study = optuna.create_study()  # created with some other sampler
    strategy = RandomStrategy(space, seed=0).attach(study)
    assert study.sampler is strategy.sampler
    assert strategy.ask().number == 0
