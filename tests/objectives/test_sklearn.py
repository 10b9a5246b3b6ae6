"""The sklearn objective: cross-validation fold by fold, fold racing, CV types, and the errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hpsearch import load_space
from hpsearch.errors import ConfigError
from hpsearch.execution import TrialJob, run_trial
from hpsearch.objectives import build_objective
from hpsearch.objectives._sklearn import SklearnObjective
from hpsearch.trial import Trial, TrialPruned

from .objective_helpers import RecordingChannel

HERE = Path(__file__).parent
GOOD = {"C": 10.0, "gamma": 0.001, "kernel": "rbf"}
BAD = {"C": 1e-3, "gamma": 1e-5, "kernel": "rbf"}


@pytest.fixture
def helpers_on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(HERE))


def svm_space(**objective):
    block = {
        "type": "sklearn",
        "estimator": "sklearn.svm.SVC",
        "dataset": "sklearn:digits",
        "cv": 5,
        **objective,
    }
    return load_space(
        {
            "parameters": {
                "C": {"type": "float", "low": 1e-3, "high": 100, "log": True},
                "gamma": {"type": "float", "low": 1e-5, "high": 1, "log": True},
                "kernel": {"type": "categorical", "choices": ["rbf", "linear"]},
            },
            "metric": {"name": "accuracy", "goal": "maximize"},
            "objective": block,
        }
    )


def trial_for(params, channel=None, number=0):
    return Trial(number, params, channel=channel)


def test_svm_on_digits_cv5_returns_mean_std_and_reports_each_fold():
    space = svm_space()
    objective = build_objective(space.objective, space)
    channel = RecordingChannel()
    result = objective(GOOD, trial_for(GOOD, channel))
    assert result["accuracy"] >= 0.95
    assert 0 < result["accuracy_std"] < 0.05
    assert result["fit_time_s"] > 0
    assert result["folds_run"] == 5
    assert [step for step, _ in channel.reports] == [0, 1, 2, 3, 4]
    assert channel.reports[-1][1] == pytest.approx(result["accuracy"])
    # the driver's verdict is asked after every fold but the last
    assert channel.asked == [0, 1, 2, 3]


def test_fold_racing_stops_a_bad_config_while_the_good_one_runs_all_folds():
    space = svm_space()
    objective = SklearnObjective(space.objective, space)
    assert objective.cv.race.rule.rule == "median"  # on by default with 5 folds
    good_channel = RecordingChannel()
    good = objective(GOOD, trial_for(GOOD, good_channel, number=0))
    assert good["folds_run"] == 5 and len(good_channel.reports) == 5

    bad_channel = RecordingChannel()
    bad_trial = trial_for(BAD, bad_channel, number=1)
    with pytest.raises(TrialPruned, match="after fold 2 of 5 by fold racing"):
        objective(BAD, bad_trial)
    assert bad_trial.user_attrs["folds_run"] == 2
    assert bad_trial.user_attrs["racing_stopped"] == 1
    assert bad_trial.user_attrs["accuracy_partial"] < 0.5
    assert len(bad_channel.reports) == 2

    # a config as good as the best still runs every fold
    again = objective({**GOOD, "C": 5.0}, trial_for(GOOD, RecordingChannel(), number=2))
    assert again["folds_run"] == 5


def test_pruned_trial_is_recorded_with_the_folds_it_ran():
    space = svm_space()
    objective = SklearnObjective(space.objective, space)
    names = ["accuracy"]
    first = run_trial(objective, TrialJob(0, GOOD), metric_names=names)
    second = run_trial(objective, TrialJob(1, BAD), metric_names=names)
    assert first.state == "COMPLETE" and first.metrics["folds_run"] == 5
    assert second.state == "PRUNED"
    assert second.metrics["folds_run"] == 2
    assert second.last_step == 1


def test_wilcoxon_racing_needs_four_folds_and_all_folds_worse():
    space = svm_space(racing={"rule": "wilcoxon", "min_folds": 2})
    objective = SklearnObjective(space.objective, space)
    objective(GOOD, trial_for(GOOD))
    bad_trial = trial_for(BAD)
    with pytest.raises(TrialPruned, match="after fold 4 of 5"):
        objective(BAD, bad_trial)
    assert bad_trial.user_attrs["folds_run"] == 4


def test_racing_none_runs_every_fold_of_a_bad_config():
    space = svm_space(racing="none")
    objective = SklearnObjective(space.objective, space)
    objective(GOOD, trial_for(GOOD))
    result = objective(BAD, trial_for(BAD))
    assert result["folds_run"] == 5
    assert result["accuracy"] < 0.5


def test_the_drivers_verdict_stops_the_trial():
    space = svm_space(racing=False)
    objective = SklearnObjective(space.objective, space)
    channel = RecordingChannel(prune_at=1)
    trial = trial_for(GOOD, channel)
    with pytest.raises(TrialPruned, match="after fold 2 of 5"):
        objective(GOOD, trial)
    assert trial.user_attrs["folds_run"] == 2
    assert "racing_stopped" not in trial.user_attrs


def test_several_scorers_are_recorded_and_the_first_is_the_metric():
    space = svm_space(scoring=["accuracy", "f1_macro", "balanced_accuracy"], cv=3)
    result = SklearnObjective(space.objective, space)(GOOD)
    assert set(result) >= {
        "accuracy",
        "accuracy_std",
        "f1_macro",
        "f1_macro_std",
        "balanced_accuracy",
        "fit_time_s",
        "folds_run",
    }
    assert result["folds_run"] == 3
    assert 0.9 < result["f1_macro"] <= 1


@pytest.mark.slow
def test_parallel_folds_give_the_same_scores():
    space = svm_space(cv=4, racing="none")
    serial = SklearnObjective(space.objective, space)(GOOD)
    space2 = svm_space(cv=4, racing="none", n_jobs=2)
    parallel = SklearnObjective(space2.objective, space2)(GOOD)
    assert parallel["accuracy"] == pytest.approx(serial["accuracy"])
    assert parallel["accuracy_std"] == pytest.approx(serial["accuracy_std"])


def test_pipeline_params_use_dotted_names(helpers_on_path):
    space = load_space(
        {
            "parameters": {"clf.C": {"type": "float", "low": 0.1, "high": 10, "log": True}},
            "metric": {"name": "accuracy", "goal": "maximize"},
            "objective": {
                "type": "sklearn",
                "estimator": "objective_helpers:scaled_svc",
                "params": {"clf.kernel": "linear"},
                "dataset": "sklearn:iris",
                "cv": 3,
            },
        }
    )
    objective = SklearnObjective(space.objective, space)
    assert objective.estimator.get_params()["clf__kernel"] == "linear"
    assert objective({"clf.C": 1.0})["accuracy"] > 0.9


def test_regressor_uses_kfold_and_r2_by_default():
    space = load_space(
        {
            "parameters": {"alpha": {"type": "float", "low": 1e-3, "high": 10, "log": True}},
            "metric": {"name": "r2", "goal": "maximize"},
            "objective": {
                "type": "sklearn",
                "estimator": "sklearn.linear_model.Ridge",
                "dataset": "sklearn:diabetes",
                "cv": 3,
            },
        }
    )
    objective = SklearnObjective(space.objective, space)
    assert [len(test) for _, test in objective.folds] == [148, 147, 147]
    assert 0.3 < objective({"alpha": 0.1})["r2"] < 0.6


def test_group_cv_with_a_dataset_function_keeps_groups_apart(helpers_on_path):
    from .objective_helpers import grouped_data

    _, _, groups = grouped_data()
    space = load_space(
        {
            "parameters": {"C": {"type": "float", "low": 0.1, "high": 10}},
            "metric": {"name": "accuracy", "goal": "maximize"},
            "objective": {
                "type": "sklearn",
                "estimator": "sklearn.linear_model.LogisticRegression",
                "dataset": "objective_helpers:grouped_data",
                "cv": {"type": "group", "n_splits": 3},
            },
        }
    )
    objective = SklearnObjective(space.objective, space)
    assert len(objective.folds) == 3
    for train, test in objective.folds:
        assert not set(groups[train]) & set(groups[test])
    assert objective({"C": 1.0})["accuracy"] > 0.8


def test_group_cv_with_a_groups_column_of_a_table(tmp_path):
    rng = np.random.default_rng(1)
    rows = ["f1,f2,site,label"]
    for i in range(40):
        label = i % 2
        rows.append(f"{rng.normal() + 2 * label:.4f},{rng.normal():.4f},s{i // 8},{label}")
    (tmp_path / "data.csv").write_text("\n".join(rows) + "\n")
    space = load_space(
        {
            "parameters": {"C": {"type": "float", "low": 0.1, "high": 10}},
            "metric": {"name": "accuracy", "goal": "maximize"},
            "objective": {
                "type": "sklearn",
                "estimator": "sklearn.linear_model.LogisticRegression",
                "dataset": "data.csv",
                "target": "label",
                "groups": "site",
                "cv": {"type": "group", "n_splits": 5},
            },
        }
    )
    objective = SklearnObjective(space.objective, space, base_dir=str(tmp_path))
    assert objective.dataset.X.shape == (40, 2)  # the groups column is not a feature
    sites = objective.dataset.groups
    for train, test in objective.folds:
        assert len(set(sites[test])) == 1 and sites[test][0] not in set(sites[train])
    assert objective({"C": 1.0})["accuracy"] > 0.6


def test_timeseries_cv_trains_on_the_past_only(helpers_on_path):
    space = load_space(
        {
            "parameters": {"alpha": {"type": "float", "low": 1e-3, "high": 1, "log": True}},
            "metric": {"name": "neg_mean_absolute_error", "goal": "maximize"},
            "objective": {
                "type": "sklearn",
                "estimator": "sklearn.linear_model.Ridge",
                "dataset": "objective_helpers:series_data",
                "scoring": "neg_mean_absolute_error",
                "cv": {"type": "timeseries", "n_splits": 4},
            },
        }
    )
    objective = SklearnObjective(space.objective, space)
    for train, test in objective.folds:
        assert train.max() < test.min()
    result = objective({"alpha": 0.01})
    assert -3 < result["neg_mean_absolute_error"] <= 0


def test_holdout_split_with_test_size():
    space = svm_space(cv=None, test_size=0.25)
    objective = SklearnObjective(space.objective, space)
    assert len(objective.folds) == 1 and objective.cv.race.rule.rule == "none"
    assert objective(GOOD)["accuracy"] > 0.95


@pytest.mark.parametrize(
    ("objective", "match"),
    [
        (
            {"scoring": "acuracy"},
            r"objective.scoring: unknown scorer 'acuracy' \(did you mean "
            r"'accuracy'\?\)",
        ),
        (
            {"cv": {"type": "grouped"}},
            r"objective.cv.type: unknown cv type 'grouped' \(did you "
            r"mean 'group'\?\)",
        ),
        (
            {"cv": {"type": "group"}},
            r"objective.cv.type: group cross-validation needs group "
            r"labels",
        ),
        ({"cv": {"type": "timeseries", "shuffle": True}}, r"objective.cv.shuffle: a timeseries"),
        (
            {"cv": {"n_split": 3}},
            r"objective.cv.n_split: unknown key 'n_split' \(did you mean "
            r"'n_splits'\?\)",
        ),
        ({"cv": 1}, r"objective.cv: must be an integer >= 2"),
        (
            {"racing": {"rule": "medain"}},
            r"objective.racing.rule: unknown racing rule 'medain' "
            r"\(did you mean 'median'\?\)",
        ),
        ({"racing": {"min_folds": 0}}, r"objective.racing.min_folds: must be an integer >= 1"),
        (
            {"estimator": "sklearn.svm.NoSuchModel"},
            r"objective.estimator: module 'sklearn.svm' "
            r"has no attribute 'NoSuchModel'",
        ),
        ({"params": {"kernal": "rbf"}}, r"objective.params: cannot build sklearn.svm.SVC"),
        ({"n_jobs": 0}, r"objective.n_jobs: must be a non-zero integer"),
    ],
)
def test_bad_blocks_are_config_errors(objective, match):
    space = svm_space(**objective)
    with pytest.raises(ConfigError, match=match):
        SklearnObjective(space.objective, space)


def test_a_searched_param_the_estimator_lacks_is_a_config_error():
    space = load_space(
        {
            "parameters": {"gama": {"type": "float", "low": 1e-4, "high": 1}},
            "objective": {
                "type": "sklearn",
                "estimator": "sklearn.svm.SVC",
                "dataset": "sklearn:iris",
            },
        }
    )
    with pytest.raises(
        ConfigError,
        match=r"parameters.gama: .*Invalid parameter 'gama'.*did you "
        r"mean 'gamma'",
    ):
        SklearnObjective(space.objective, space)


def test_a_minimized_scorer_is_a_config_error():
    space = load_space(
        {
            "parameters": {"alpha": {"type": "float", "low": 0.1, "high": 10}},
            "metric": {"name": "mse", "goal": "minimize"},
            "objective": {
                "type": "sklearn",
                "estimator": "sklearn.linear_model.Ridge",
                "dataset": "sklearn:diabetes",
                "scoring": "neg_mean_squared_error",
            },
        }
    )
    with pytest.raises(
        ConfigError,
        match=r"metric.goal: scikit-learn scorers are "
        r"greater-is-better .* needs goal: maximize, got minimize",
    ):
        SklearnObjective(space.objective, space)


def test_a_second_metric_the_objective_does_not_produce_is_a_config_error():
    space = load_space(
        {
            "parameters": {"C": {"type": "float", "low": 0.1, "high": 10}},
            "metrics": [
                {"name": "accuracy", "goal": "maximize"},
                {"name": "latency", "goal": "minimize"},
            ],
            "objective": {
                "type": "sklearn",
                "estimator": "sklearn.svm.SVC",
                "dataset": "sklearn:iris",
            },
        }
    )
    with pytest.raises(
        ConfigError,
        match=r"metrics\[1\].name: the sklearn objective does not "
        r"produce 'latency'",
    ):
        SklearnObjective(space.objective, space)


def test_two_metrics_from_one_cross_validation():
    space = load_space(
        {
            "parameters": {"C": {"type": "float", "low": 0.1, "high": 10}},
            "metrics": [
                {"name": "accuracy", "goal": "maximize"},
                {"name": "fit_time_s", "goal": "minimize"},
            ],
            "objective": {
                "type": "sklearn",
                "estimator": "sklearn.svm.SVC",
                "dataset": "sklearn:iris",
                "cv": 3,
            },
        }
    )
    outcome = run_trial(
        SklearnObjective(space.objective, space),
        TrialJob(0, {"C": 1.0}),
        metric_names=["accuracy", "fit_time_s"],
    )
    assert outcome.state == "COMPLETE"
    assert outcome.metrics["accuracy"] > 0.9 and outcome.metrics["fit_time_s"] > 0


def test_a_failing_fit_fails_the_trial_with_its_message():
    space = svm_space(cv=3)
    outcome = run_trial(
        SklearnObjective(space.objective, space),
        TrialJob(0, {**GOOD, "C": -1.0}),
        metric_names=["accuracy"],
    )
    assert outcome.state == "FAILED"
    assert "C" in outcome.error and "InvalidParameterError" in outcome.error


@pytest.mark.slow
def test_a_sweep_records_raced_configs_as_pruned_with_their_folds(tmp_path):
    from hpsearch import run

    space = {
        "name": "racing",
        "parameters": {
            "C": {"type": "categorical", "choices": [10.0, 0.001, 5.0, 0.002]},
            "gamma": {"type": "constant", "value": 0.001},
        },
        "metric": {"name": "accuracy", "goal": "maximize"},
        "strategy": {"name": "grid"},
        "objective": {
            "type": "sklearn",
            "estimator": "sklearn.svm.SVC",
            "dataset": "sklearn:digits",
            "cv": 5,
        },
    }
    result = run(space, out=tmp_path / "run", workers=1, report=False)
    table = result.trials.sort_values("number")
    assert table["param_C"].tolist() == [10.0, 0.001, 5.0, 0.002]  # grid order: good one first
    assert table["state"].tolist() == ["COMPLETE", "PRUNED", "COMPLETE", "PRUNED"]
    assert table["metric_folds_run"].tolist() == [5.0, 2.0, 5.0, 2.0]
    assert result.best_params["C"] in (10.0, 5.0)
    assert result.best_value > 0.95
