"""Stored out-of-fold predictions: row alignment, kinds, the top-k bound, pruned trials, config."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import cross_val_predict

from hpsearch import load_space
from hpsearch.errors import ConfigError
from hpsearch.objectives import build_objective
from hpsearch.objectives._predictions import OOFIndex, read_trial_predictions
from hpsearch.trial import Trial, TrialPruned

from .conftest import tree_space


def objective_for(**block):
    """The sklearn objective of ``tree_space(**block)``."""
    space = load_space(tree_space(**block))
    return build_objective(space.objective, space)


def run_trial(objective, sweep, number, params):
    trial = Trial(number, params, directory=sweep / "trials" / str(number))
    return objective(params, trial)


def stored(sweep, number):
    found = read_trial_predictions(sweep / "trials" / str(number))
    assert found is not None, f"trial {number} stored no predictions"
    rows = np.load(sweep / "predictions" / "rows.npy", allow_pickle=False)
    return found[0], found[1], rows


def assert_rows_match(predictions, rows, expected_by_row):
    """Row i of the stored predictions is the prediction for dataset row rows[i]."""
    np.testing.assert_allclose(predictions, expected_by_row[rows], atol=1e-6)


def test_stored_predictions_are_out_of_fold_and_in_dataset_row_order(tmp_path):
    objective = objective_for()
    params = {"max_depth": 4, "min_samples_leaf": 2, "max_features": 0.6}
    run_trial(objective, tmp_path, 0, params)
    predictions, meta, rows = stored(tmp_path, 0)
    assert rows.tolist() == list(range(len(objective.dataset.y)))  # 5 folds cover every row
    model = clone(objective.estimator).set_params(**params)
    expected = cross_val_predict(
        model, objective.dataset.X, objective.dataset.y, cv=objective.folds, method="predict_proba"
    )
    assert_rows_match(predictions, rows, expected)
    assert meta["kind"] == "proba" and meta["metric"] == "log_loss"
    folds = np.load(tmp_path / "predictions" / "folds.npy", allow_pickle=False)
    for i, (_, test) in enumerate(objective.folds):
        assert np.all(folds[np.searchsorted(rows, test)] == i)


def test_predictions_stored_in_fold_order_would_fail_the_alignment_check(tmp_path, monkeypatch):
    """The check above catches the classic bug: concatenating the folds' predictions."""

    def fold_order(self, parts, test_parts):
        return np.concatenate(parts).astype(np.float32)

    monkeypatch.setattr(OOFIndex, "assemble", fold_order)
    objective = objective_for()
    params = {"max_depth": 4, "min_samples_leaf": 2, "max_features": 0.6}
    run_trial(objective, tmp_path, 0, params)
    predictions, _, rows = stored(tmp_path, 0)
    model = clone(objective.estimator).set_params(**params)
    expected = cross_val_predict(
        model, objective.dataset.X, objective.dataset.y, cv=objective.folds, method="predict_proba"
    )
    with pytest.raises(AssertionError):
        assert_rows_match(predictions, rows, expected)


def test_regression_and_hard_labels_and_hold_out(tmp_path):
    regression = objective_for(
        estimator="sklearn.neighbors.KNeighborsRegressor",
        params={},
        dataset="sklearn:diabetes",
        scoring="neg_mean_squared_error",
        parameters={"n_neighbors": {"type": "int", "low": 1, "high": 9}},
    )
    params = {"n_neighbors": 7}
    run_trial(regression, tmp_path / "reg", 0, params)
    predictions, meta, rows = stored(tmp_path / "reg", 0)
    expected = cross_val_predict(
        clone(regression.estimator).set_params(**params),
        regression.dataset.X,
        regression.dataset.y,
        cv=regression.folds,
    )
    assert predictions.shape == (442, 1) and meta["kind"] == "predict"
    assert_rows_match(predictions, rows, expected[:, None])

    votes = objective_for(
        estimator="sklearn.svm.SVC",
        params={},
        scoring="accuracy",
        cv=None,
        test_size=0.3,
        parameters={"C": {"type": "float", "low": 0.1, "high": 10}},
    )
    run_trial(votes, tmp_path / "svc", 0, {"C": 1.0})
    predictions, meta, rows = stored(tmp_path / "svc", 0)
    train, test = votes.folds[0]
    assert rows.tolist() == sorted(test.tolist()) and meta["kind"] == "labels"
    model = (
        clone(votes.estimator).set_params(C=1.0).fit(votes.dataset.X[train], votes.dataset.y[train])
    )
    labels = model.predict(votes.dataset.X[rows])
    assert np.array_equal(predictions.argmax(axis=1), labels) and set(predictions.sum(1)) == {1.0}


def test_only_the_best_k_trials_keep_their_predictions(tmp_path):
    depths = [1, 6, 2, 4, 3]
    scores = {}
    keep_all, keep_two = objective_for(ensemble={"keep": 50}), objective_for(ensemble={"keep": 2})
    for number, depth in enumerate(depths):
        params = {"max_depth": depth, "min_samples_leaf": 5, "max_features": 1.0}
        run_trial(keep_all, tmp_path / "all", number, params)
        scores[number] = stored(tmp_path / "all", number)[1]["score"]
        run_trial(keep_two, tmp_path / "two", number, params)
        kept = [
            n
            for n in range(number + 1)
            if read_trial_predictions(tmp_path / "two" / "trials" / str(n)) is not None
        ]
        best = sorted(sorted(scores, key=lambda n: (scores[n], n))[:2])  # log loss: lower wins
        assert kept == best
    index = json.loads((tmp_path / "two" / "predictions" / "index.json").read_text())
    assert index["n_rows"] == 178 and index["n_folds"] == 5 and index["metric"] == "log_loss"


def test_a_trial_stopped_by_fold_racing_stores_nothing(tmp_path):
    objective = objective_for(racing="median", scoring="accuracy")
    run_trial(objective, tmp_path, 0, {"max_depth": 6})
    with pytest.raises(TrialPruned, match="by fold racing"):
        run_trial(objective, tmp_path, 1, {"max_depth": 1, "max_features": 0.2})
    assert read_trial_predictions(tmp_path / "trials" / "0") is not None
    assert read_trial_predictions(tmp_path / "trials" / "1") is None


def test_without_a_trial_directory_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    objective = objective_for()
    objective({"max_depth": 3, "min_samples_leaf": 1, "max_features": 1.0})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (
            {"kep": 3},
            r"objective\.ensemble\.kep: unknown option for the ensemble block "
            r"\(did you mean 'keep'\?\); allowed: keep",
        ),
        ({"keep": 0}, r"objective\.ensemble\.keep: must be an integer >= 1"),
        ("yes", r"objective\.ensemble: must be true, false or \{keep: K\}"),
    ],
)
@pytest.mark.parametrize("objective_type", ["sklearn", "torch"])
def test_bad_ensemble_blocks_are_config_errors_at_load(block, message, objective_type):
    doc = tree_space(ensemble=block)
    if objective_type == "torch":
        doc["objective"] = {"type": "torch", "dataset": "sklearn:iris", "ensemble": block}
        doc["parameters"] = {"lr": {"type": "float", "low": 0.001, "high": 0.1}}
    with pytest.raises(ConfigError, match=message):
        load_space(doc)  # the loader reads the block through its schema: no data, no trial


def test_an_unsupported_scorer_fails_before_any_trial():
    with pytest.raises(
        ConfigError, match="cannot score predictions with the scorer 'top_k_accuracy'"
    ):
        objective_for(scoring="top_k_accuracy")


def test_overlapping_validation_parts_are_refused():
    with pytest.raises(ConfigError, match="validation parts that do not overlap"):
        OOFIndex.from_parts([np.array([0, 1]), np.array([1, 2])], np.zeros(3), "regression")


def test_the_loader_accepts_the_ensemble_key_for_sklearn_and_torch():
    assert load_space(tree_space()).objective["ensemble"] == {"keep": 10}
    space = load_space(
        {
            "objective": {"type": "torch", "dataset": "sklearn:iris", "ensemble": True},
            "parameters": {"lr": {"type": "float", "low": 0.001, "high": 0.1}},
        }
    )
    assert space.objective["ensemble"] is True
    typo = r"objective\.ensembel: unknown option .*did you mean 'ensemble'"
    with pytest.raises(ConfigError, match=typo):
        load_space({**tree_space(), "objective": {**tree_space()["objective"], "ensembel": 1}})


def test_the_sweep_directory_names_the_index_folder_the_objectives_write():
    from hpsearch.objectives._oof_index import INDEX_DIR
    from hpsearch.storage import SweepDirectory

    assert SweepDirectory.PREDICTIONS_DIR == INDEX_DIR


def test_the_tune_executor_refuses_stored_predictions(tmp_path):
    import hpsearch

    with pytest.raises(ConfigError, match=r"objective\.ensemble: stored predictions need trial"):
        hpsearch.run(tree_space(), trials=1, out=tmp_path, executor="tune", report=False)
