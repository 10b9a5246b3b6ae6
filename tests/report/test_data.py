"""Figure data on known studies: Pareto sets, hypervolume, best-so-far, importances, summaries."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from hpsearch.config import Metric
from hpsearch.report import _data
from hpsearch.report._data import Objective
from hpsearch.storage import SweepResult

from .conftest import multi_record, single_record


def brute_force_front(points: np.ndarray) -> set[int]:
    """Indices no other point dominates (all columns minimized), by the definition."""
    keep = set()
    for i, p in enumerate(points):
        if not any(np.all(q <= p) and np.any(q < p) for j, q in enumerate(points) if j != i):
            keep.add(i)
    return keep


def brute_force_hv(points: np.ndarray, ref: np.ndarray) -> float:
    """Hypervolume by inclusion-exclusion over all subsets (tiny inputs only)."""
    pts = [p for p in points if np.all(p < ref)]
    total = 0.0
    for r in range(1, len(pts) + 1):
        for subset in itertools.combinations(pts, r):
            corner = np.max(subset, axis=0)
            total += (-1) ** (r + 1) * float(np.prod(ref - corner))
    return total


def table(values: dict[str, list], states: list[str] | None = None) -> pd.DataFrame:
    n = len(next(iter(values.values())))
    return pd.DataFrame({"number": range(n), "state": states or ["COMPLETE"] * n, **values})


# -- best so far ---------------------------------------------------------------------------


def test_best_so_far_is_monotone_and_tracks_the_minimum(single):
    obj = _data.objectives(single)[0]
    data = _data.best_so_far(single.trials, obj)
    complete = single.trials[single.trials["state"] == "COMPLETE"]
    assert len(data) == len(complete)
    assert (np.diff(data["best"]) <= 0).all()
    assert data["best"].iloc[-1] == pytest.approx(complete["value"].min())
    assert (data["best"] <= data["value"] + 1e-12).all()


def test_best_so_far_for_a_maximized_metric_never_decreases():
    t = table(
        {"value": [0.1, 0.5, 0.3, None, 0.9]},
        ["COMPLETE", "COMPLETE", "COMPLETE", "FAILED", "COMPLETE"],
    )
    data = _data.best_so_far(t, Objective("acc", "maximize", "value"))
    assert data["number"].tolist() == [0, 1, 2, 4]
    assert data["best"].tolist() == [0.1, 0.5, 0.5, 0.9]


def test_best_so_far_ignores_pruned_and_nan_values():
    t = table(
        {"value": [2.0, 0.5, float("nan"), 1.0]}, ["COMPLETE", "PRUNED", "COMPLETE", "COMPLETE"]
    )
    data = _data.best_so_far(t, Objective("loss", "minimize", "value"))
    assert data["number"].tolist() == [0, 3]
    assert data["best"].tolist() == [2.0, 1.0]


# -- Pareto front ----------------------------------------------------------------------------


@pytest.mark.parametrize("k", [2, 3])
def test_pareto_set_equals_brute_force_filter(k):
    rec = multi_record(n_trials=60, k=k, seed=k)
    objs = _data.objectives(rec)
    front = _data.pareto_front(rec.trials, objs)
    signed = np.column_stack([front[o.column].to_numpy(float) * o.sign for o in objs])
    expected = brute_force_front(signed)
    assert set(np.flatnonzero(front["pareto"].to_numpy())) == expected
    assert 0 < len(expected) < len(front)


def test_pareto_honors_each_goal():
    t = table({"value_acc": [0.9, 0.8, 0.95, 0.7], "value_ms": [10.0, 5.0, 20.0, 6.0]})
    objs = [Objective("acc", "maximize", "value_acc"), Objective("ms", "minimize", "value_ms")]
    front = _data.pareto_front(t, objs)
    assert front.loc[front["pareto"], "number"].tolist() == [0, 1, 2]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(0, 6)), min_size=1, max_size=25
    )
)
def test_pareto_mask_matches_brute_force_with_ties(points):
    pts = np.array(points, dtype=float)
    assert set(np.flatnonzero(_data.pareto_mask(pts))) == brute_force_front(pts)


# -- hypervolume -----------------------------------------------------------------------------


def test_hypervolume_of_known_fronts():
    assert _data.hypervolume(np.array([[1.0, 1.0]]), [3.0, 3.0]) == 4.0
    assert _data.hypervolume(np.array([[1.0, 2.0], [2.0, 1.0]]), [3.0, 3.0]) == 3.0
    cube = _data.hypervolume(np.array([[0.0, 0.0, 0.0]]), [1.0, 2.0, 3.0])
    assert cube == 6.0
    assert _data.hypervolume(np.array([[4.0, 0.0]]), [3.0, 3.0]) == 0.0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(*[st.floats(0, 1, allow_nan=False)] * 3), min_size=1, max_size=7))
def test_hypervolume_matches_inclusion_exclusion(points):
    pts = np.array(points)
    ref = np.array([1.1, 1.1, 1.1])
    assert _data.hypervolume(pts, ref) == pytest.approx(brute_force_hv(pts, ref), abs=1e-9)
    assert _data.hypervolume(pts[:, :2], ref[:2]) == pytest.approx(
        brute_force_hv(pts[:, :2], ref[:2]), abs=1e-9
    )


@pytest.mark.parametrize("k", [2, 3])
def test_hypervolume_history_never_decreases(k):
    rec = multi_record(n_trials=60, k=k, seed=10 + k)
    objs = _data.objectives(rec)
    hist = _data.hypervolume_history(rec.trials, objs)
    assert len(hist) == (rec.trials["state"] == "COMPLETE").sum()
    assert (np.diff(hist["hypervolume"]) >= 0).all()
    front = _data.pareto_front(rec.trials, objs)
    signed = np.column_stack([front[o.column].to_numpy(float) * o.sign for o in objs])
    final = _data.hypervolume(signed, signed.max(axis=0))
    assert hist["hypervolume"].iloc[-1] == pytest.approx(final)
    assert final > 0


def test_hypervolume_agrees_with_optuna():
    optuna_hv = pytest.importorskip("optuna._hypervolume")
    rng = np.random.default_rng(3)
    pts = rng.random((30, 3))
    ref = np.ones(3) * 1.2
    assert _data.hypervolume(pts, ref) == pytest.approx(
        optuna_hv.compute_hypervolume(pts, ref), rel=1e-9
    )


def test_hypervolume_history_needs_two_objectives(single):
    with pytest.raises(ValueError, match="two or more objectives"):
        _data.hypervolume_history(single.trials, _data.objectives(single))


# -- importances -----------------------------------------------------------------------------


def test_importances_sum_to_one_and_find_the_driving_parameter():
    rec = single_record(60, prune=False, fail=False)
    imp = _data.param_importances(rec)
    assert imp.values is not None, imp.reason
    assert sum(imp.values.values()) == pytest.approx(1.0, abs=1e-6)
    assert set(imp.values) == {"lr", "depth", "kernel"}
    assert max(imp.values, key=imp.values.get) == "lr"
    assert all(v >= 0 for v in imp.values.values())


def test_importances_per_objective_of_a_multi_objective_sweep(multi):
    objs = _data.objectives(multi)
    latency = _data.param_importances(multi, objective=objs[1])
    assert latency.metric == "latency"
    assert max(latency.values, key=latency.values.get) == "depth"
    assert sum(latency.values.values()) == pytest.approx(1.0, abs=1e-6)


def test_importances_are_none_for_a_tiny_study():
    imp = _data.param_importances(single_record(6, prune=False, fail=False))
    assert imp.values is None
    assert "too few complete trials" in imp.reason


def test_importances_are_none_without_variation():
    n = 15
    t = table({"value": [1.0] * n, "param_x": np.linspace(0, 1, n)})
    rec = SweepResult(
        name="flat",
        metrics=[Metric("loss")],
        trials=t,
        intermediate=pd.DataFrame(columns=["number", "step", "value"]),
    )
    imp = _data.param_importances(rec)
    assert imp.values is None and "same loss" in imp.reason
    t2 = table({"value": np.linspace(0, 1, n), "param_x": [0.5] * n})
    rec2 = SweepResult(
        name="const",
        metrics=[Metric("loss")],
        trials=t2,
        intermediate=pd.DataFrame(columns=["number", "step", "value"]),
    )
    imp2 = _data.param_importances(rec2)
    assert imp2.values is None and "no parameter varied" in imp2.reason


def test_importances_from_a_hand_made_table_without_a_space():
    rng = np.random.default_rng(0)
    n = 40
    x = rng.random(n)
    kind = rng.choice(["a", "b"], n)
    t = table({"value": 5 * x + 0.01 * (kind == "a"), "param_x": x, "param_kind": kind})
    rec = SweepResult(
        name="hand",
        metrics=[Metric("loss")],
        trials=t,
        intermediate=pd.DataFrame(columns=["number", "step", "value"]),
    )
    imp = _data.param_importances(rec)
    assert imp.values is not None
    assert imp.values["x"] > 0.8


# -- slices, parallel axes, learning curves --------------------------------------------------


def test_slice_data_pairs_each_parameter_with_the_objective(single):
    obj = _data.objectives(single)[0]
    data = _data.slice_data(single.trials, obj, space=single.space)
    n = (single.trials["state"] == "COMPLETE").sum()
    assert set(data) == {"lr", "depth", "kernel"}
    assert data["kernel"]["categorical"] and not data["lr"]["categorical"]
    assert data["lr"]["log"]
    assert set(data["kernel"]["x"]) <= {"rbf", "linear", "poly"}
    for d in data.values():
        assert len(d["x"]) == len(d["y"]) == len(d["number"]) == n


def test_parallel_dimensions_map_categoricals_to_integers(single):
    dims = _data.parallel_dimensions(single.trials, _data.objectives(single), space=single.space)
    labels = [d["label"] for d in dims]
    assert labels == ["lr", "depth", "kernel", "loss"]
    kernel = dims[2]
    assert kernel["ticktext"] == ["rbf", "linear", "poly"]
    assert set(kernel["values"]) <= {0.0, 1.0, 2.0}
    lr = dims[0]
    assert all(-4.01 <= v <= 0.01 for v in lr["values"])  # log10 of [1e-4, 1]


def test_learning_curves_mark_pruned_trials(single):
    curves = _data.learning_curves(single)
    assert set(curves.columns) == {"number", "step", "value", "state"}
    pruned = set(single.trials.loc[single.trials["state"] == "PRUNED", "number"])
    assert pruned and pruned <= set(curves.loc[curves["state"] == "PRUNED", "number"])
    for _, g in curves.groupby("number"):
        assert g["step"].is_monotonic_increasing


# -- summary and comparison ------------------------------------------------------------------


def test_summary_counts_states_and_gives_the_best_config_as_yaml(single):
    s = _data.summarize(single)
    t = single.trials
    assert s.counts["COMPLETE"] == (t["state"] == "COMPLETE").sum()
    assert s.counts["PRUNED"] > 0 and s.counts["FAILED"] > 0
    assert sum(s.counts.values()) == s.total == len(t)
    best = t.loc[t["value"].idxmin()]
    assert s.best_number == best["number"]
    config = yaml.safe_load(s.best_yaml)
    assert config == {
        "lr": best["param_lr"],
        "depth": int(best["param_depth"]),
        "kernel": best["param_kernel"],
    }
    assert isinstance(config["depth"], int)
    assert s.compute_s >= 0 and s.wall_s is not None


def test_summary_of_a_multi_objective_sweep_picks_a_pareto_trial(multi):
    s = _data.summarize(multi)
    front = _data.pareto_front(multi.trials, _data.objectives(multi))
    assert s.best_number in set(front.loc[front["pareto"], "number"])
    assert s.front_size == front["pareto"].sum()
    assert s.best_values["accuracy"] == pytest.approx(front["value_accuracy"].max())
    assert "Pareto" in s.note


def test_summary_without_complete_trials():
    t = table({"value": [None, None]}, ["FAILED", "RUNNING"])
    rec = SweepResult(
        name="empty",
        metrics=[Metric("loss")],
        trials=t,
        intermediate=pd.DataFrame(columns=["number", "step", "value"]),
    )
    s = _data.summarize(rec)
    assert s.best_number is None and s.best_yaml == "" and "no trial completed" in s.note


def test_list_valued_categorical_comes_back_as_a_list():
    from hpsearch import load_space

    space = load_space(
        {"parameters": {"layers": {"type": "categorical", "choices": [[64, 64], [128]]}}}
    )
    t = table({"value": [1.0, 0.5], "param_layers": ["[64, 64]", "[128]"]})
    rec = SweepResult(
        name="lists",
        metrics=[Metric("loss")],
        trials=t,
        intermediate=pd.DataFrame(columns=["number", "step", "value"]),
        space=space.space,
    )
    assert yaml.safe_load(_data.summarize(rec).best_yaml) == {"layers": [128]}


def test_comparison_table_has_best_and_median_per_sweep_and_metric(single, multi):
    cmp = _data.comparison_table([single, multi])
    assert cmp["sweep"].tolist() == ["demo sweep", "multi", "multi"]
    assert cmp["metric"].tolist() == ["loss", "accuracy", "latency"]
    done = single.trials[single.trials["state"] == "COMPLETE"]
    row = cmp.iloc[0]
    assert row["best"] == pytest.approx(done["value"].min())
    assert row["median"] == pytest.approx(done["value"].median())
    acc = cmp.iloc[1]
    assert acc["best"] == pytest.approx(multi.trials["value_accuracy"].max())
    assert not math.isnan(acc["median"])
