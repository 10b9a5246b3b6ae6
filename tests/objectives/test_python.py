"""The python objective: both call signatures, kwargs, dict results, pruning, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from hpsearch import load_space
from hpsearch.errors import ConfigError
from hpsearch.execution import TrialJob, run_trial
from hpsearch.objectives import build_objective
from hpsearch.objectives._python import PythonObjective

from .objective_helpers import RecordingChannel

HERE = Path(__file__).parent


@pytest.fixture(autouse=True)
def helpers_on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(HERE))


def space_for(function, metric="loss", **extra):
    return load_space(
        {
            "parameters": {"x": {"type": "float", "low": 0, "high": 1}},
            "metric": {"name": metric, "goal": "minimize"},
            "objective": {"type": "python", "function": function, **extra},
        }
    )


def test_a_one_argument_function_gets_the_params():
    space = space_for("objective_helpers:quadratic")
    objective = build_objective(space.objective, space)
    assert objective({"x": 0.5}) == pytest.approx(0.04)
    outcome = run_trial(objective, TrialJob(3, {"x": 0.3}), metric_names=["loss"])
    assert outcome.state == "COMPLETE" and outcome.metrics == {"loss": 0.0}


def test_a_two_argument_function_gets_the_trial_and_returns_a_dict():
    space = space_for("objective_helpers:quadratic_with_trial")
    objective = PythonObjective(space.objective, space)
    channel = RecordingChannel()
    outcome = run_trial(objective, TrialJob(7, {"x": 0.5}), metric_names=["loss"], channel=channel)
    assert outcome.state == "COMPLETE"
    assert outcome.metrics["loss"] == pytest.approx(0.04)
    assert outcome.metrics["extra"] == 1.5
    assert outcome.metrics["seen_number"] == 7
    assert [s for s, _ in channel.reports] == [0, 1, 2, 3, 4]


def test_the_trial_can_be_pruned_through_should_prune():
    space = space_for("objective_helpers:quadratic_with_trial")
    objective = PythonObjective(space.objective, space)
    channel = RecordingChannel(prune_at=2)
    outcome = run_trial(objective, TrialJob(0, {"x": 0.5}), metric_names=["loss"], channel=channel)
    assert outcome.state == "PRUNED" and outcome.last_step == 2


def test_called_without_a_trial_outside_a_sweep():
    space = space_for("objective_helpers:quadratic_with_trial")
    assert PythonObjective(space.objective, space)({"x": 0.3})["loss"] == 0.0


def test_kwargs_are_passed_as_keyword_arguments():
    space = space_for("objective_helpers:scaled", kwargs={"scale": 10, "offset": 1})
    objective = PythonObjective(space.objective, space)
    assert objective({"x": 0.5}) == 6.0


def test_a_module_next_to_the_space_file_is_importable(tmp_path):
    (tmp_path / "my_local_objective.py").write_text(
        "def objective(params):\n    return params['x'] * 2\n"
    )
    space = space_for("my_local_objective:objective")
    objective = PythonObjective(space.objective, space, base_dir=str(tmp_path))
    assert objective({"x": 0.25}) == 0.5


@pytest.mark.parametrize(
    ("function", "extra", "match"),
    [
        (
            "objective_helpers:nope",
            {},
            r"objective.function: module 'objective_helpers' has no "
            r"attribute 'nope'",
        ),
        (
            "no_such_module_xyz:f",
            {},
            r"objective.function: cannot import module "
            r"'no_such_module_xyz'",
        ),
        (
            "objective_helpers:not_callable",
            {},
            r"objective.function: objective_helpers:"
            r"not_callable is not callable",
        ),
        ("objective_helpers:scaled", {"kwargs": [1, 2]}, r"objective.kwargs: must be a mapping"),
    ],
)
def test_bad_functions_are_config_errors(function, extra, match):
    with pytest.raises(ConfigError, match=match):  # at load time, or when the objective is built
        space = space_for(function, **extra)
        PythonObjective(space.objective, space)


def test_a_missing_kwarg_fails_the_trial_not_the_sweep():
    space = space_for("objective_helpers:scaled")
    outcome = run_trial(
        PythonObjective(space.objective, space), TrialJob(0, {"x": 0.5}), metric_names=["loss"]
    )
    assert outcome.state == "FAILED"
    assert "missing 1 required keyword-only argument: 'scale'" in outcome.error
