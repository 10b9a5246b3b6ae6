"""run_with_tune: a sweep through Ray Tune's Tuner on the shared local Ray instance."""

from __future__ import annotations

import sys

import pytest

from hpsearch import load_space
from hpsearch.errors import ConfigError

ray = pytest.importorskip("ray")
ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])

from hpsearch.execution import TuneTrial, run_with_tune  # noqa: E402

pytestmark = pytest.mark.ray

SPACE = {
    "name": "tune-demo",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {
        "x": {"type": "float", "low": -2.0, "high": 2.0},
        "opt": {"type": "categorical", "choices": ["sgd", "adam"]},
    },
}


def factory():
    def objective(params, trial):
        if params["x"] > 1.5:
            raise ValueError("x too large")
        for step in range(3):
            trial.report(params["x"] ** 2 + 1.0 / (step + 1), step=step)
        return {"loss": params["x"] ** 2, "acc": 1.0}

    return objective


def test_trials_come_back_as_params_metrics_state(ray_local):
    results = run_with_tune(
        load_space(SPACE), factory, trials=6, metric="loss", metric_names=["loss", "acc"], seed=0
    )
    assert len(results) == 6
    assert all(isinstance(r, TuneTrial) for r in results)
    for params, metrics, state in results:
        assert set(params) == {"x", "opt"}
        if params["x"] > 1.5:
            assert state == "FAILED"
        else:
            assert state == "COMPLETE"
            assert metrics == {"loss": pytest.approx(params["x"] ** 2), "acc": 1.0}
    failed = [r for r in results if r.state == "FAILED"]
    assert all(r.error == "ValueError: x too large" for r in failed)
    done = next(r for r in results if r.state == "COMPLETE")
    assert sorted(done.intermediate) == [0, 1, 2]


def test_asha_stops_some_trials_early(ray_local):
    from ray.tune.schedulers import ASHAScheduler

    space = load_space({**SPACE, "parameters": {"x": {"type": "float", "low": 0, "high": 1.4}}})
    scheduler = ASHAScheduler(max_t=4, grace_period=1, reduction_factor=2)
    results = run_with_tune(
        space, factory, trials=8, metric="loss", scheduler=scheduler, max_concurrent=2, seed=1
    )
    states = [r.state for r in results]
    assert set(states) <= {"COMPLETE", "PRUNED"}
    assert "PRUNED" in states
    assert all(r.metrics == {} for r in results if r.state == "PRUNED")


def test_bad_arguments_are_config_errors():
    space = load_space(SPACE)
    with pytest.raises(ConfigError, match=r"mode must be 'min' or 'max', got 'down'"):
        run_with_tune(space, factory, trials=2, metric="loss", mode="down")
    with pytest.raises(ConfigError, match=r"metric: 'acc' is not one of the metrics \['loss'\]"):
        run_with_tune(space, factory, trials=2, metric="acc", metric_names=["loss"])
    with pytest.raises(ConfigError, match=r"trials: must be a whole number >= 1, got 0"):
        run_with_tune(space, factory, trials=0, metric="loss")
