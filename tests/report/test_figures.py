"""Plotly figures built from the figure data: traces, axes and escaping."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hpsearch.config import Metric
from hpsearch.report import _data, _figures, build_report
from hpsearch.storage import SweepResult


def test_history_has_trials_best_line_and_best_star(single):
    fig = _figures.history_figure(single)
    names = [t.name for t in fig.data]
    assert names == ["trial", "best so far", "best trial"]
    best = _data.summarize(single)
    assert list(fig.data[2].x) == [best.best_number]
    assert np.all(np.diff(np.asarray(fig.data[1].y, dtype=float)) <= 0)


def test_pareto_figure_splits_front_and_dominated(multi):
    fig = _figures.pareto_figure(multi)
    front = _data.pareto_front(multi.trials, _data.objectives(multi))
    by_name = {t.name: t for t in fig.data if t.name}
    assert len(by_name["Pareto front"].x) == front["pareto"].sum()
    assert len(by_name["dominated"].x) == (~front["pareto"]).sum()
    assert by_name["dominated"].marker.opacity < by_name["Pareto front"].marker.opacity
    assert "lr = " in by_name["Pareto front"].hovertext[0]  # hover shows the params


def test_pareto_figure_is_pairwise_for_three_objectives(multi3):
    fig = _figures.pareto_figure(multi3)
    front_traces = [t for t in fig.data if t.name == "Pareto front"]
    assert len(front_traces) == 3  # (a, b), (a, c), (b, c)
    assert {t.xaxis for t in front_traces} == {"x", "x2", "x3"}


def test_pareto_figure_needs_two_objectives(single):
    with pytest.raises(ValueError, match="two or more objectives"):
        _figures.pareto_figure(single)


def test_parallel_figure_labels_categorical_ticks(single):
    fig = _figures.parallel_figure(single)
    texts = [a.text for a in fig.layout.annotations]
    for label in ("<b>lr</b>", "<b>kernel</b>", "<b>loss</b>", "rbf", "linear", "poly"):
        assert label in texts
    assert fig.data[-1].name.startswith("best trial #")
    complete = (single.trials["state"] == "COMPLETE").sum()
    lines = sum(np.isnan(np.asarray(t.y, dtype=float)).sum() for t in fig.data[:-1])
    assert lines == complete  # one NaN-separated polyline per complete trial


def test_importance_figure_and_its_absence(single):
    imp = _data.param_importances(single)
    fig = _figures.importance_figure([imp])
    assert list(fig.data[0].y) == list(imp.values)
    assert _figures.importance_figure([_data.Importances("loss", None, "too few")]) is None


def test_slices_keep_the_category_order_of_the_space(single):
    fig = _figures.slice_figure(single)
    assert [a.text for a in fig.layout.annotations] == ["lr", "depth", "kernel"]
    assert fig.layout.xaxis3.categoryarray == ("rbf", "linear", "poly")
    assert fig.layout.xaxis.type == "log"


def test_learning_curves_mark_where_pruned_trials_stopped(single):
    fig = _figures.learning_curves_figure(single)
    by_name = {t.name: t for t in fig.data}
    pruned = single.trials.loc[single.trials["state"] == "PRUNED", "number"]
    assert sorted(by_name["pruned here"].customdata) == sorted(pruned)
    assert by_name["pruned here"].marker.symbol == "x"


def test_comparison_figure_groups_sweeps_by_metric(single, multi):
    fig = _figures.comparison_history_figure([single, multi])
    lines = [t for t in fig.data if t.mode == "lines"]
    assert [t.name for t in lines] == ["demo sweep", "multi"]
    assert lines[0].yaxis != lines[1].yaxis  # loss and accuracy are not on one axis


def test_figure_strings_are_html_escaped():
    t = pd.DataFrame(
        {
            "number": range(12),
            "state": ["COMPLETE"] * 12,
            "value": np.linspace(1, 2, 12),
            "param_<b>x</b>": np.linspace(0, 1, 12),
            "param_c": ["<i>a</i>", "b"] * 6,
        }
    )
    rec = SweepResult(
        name="<s>n</s>",
        metrics=[Metric("<u>m</u>")],
        trials=t,
        intermediate=pd.DataFrame(columns=["number", "step", "value"]),
    )
    hover = _figures.hover_texts(rec)
    assert "&lt;b&gt;x&lt;/b&gt; = " in hover[0] and "<b>x</b>" not in hover[0]
    fig = _figures.slice_figure(rec)
    assert "&lt;i&gt;a&lt;/i&gt;" in fig.data[1].x
    assert "&lt;u&gt;m&lt;/u&gt;" in fig.data[0].hovertemplate


def test_empty_and_running_only_sweeps_render():
    cols = [
        "number",
        "state",
        "value",
        "param_x",
        "duration_s",
        "datetime_start",
        "datetime_complete",
        "error",
        "attempt",
        "last_step",
    ]
    empty = SweepResult(
        name="empty",
        metrics=[Metric("loss")],
        trials=pd.DataFrame(columns=cols),
        intermediate=pd.DataFrame(columns=["number", "step", "value"]),
    )
    running = SweepResult(
        name="running",
        metrics=[Metric("a"), Metric("b", "maximize")],
        trials=pd.DataFrame(
            {
                "number": [0],
                "state": ["RUNNING"],
                "value_a": [None],
                "value_b": [None],
                "param_x": [0.3],
            }
        ),
        intermediate=pd.DataFrame({"number": [0], "step": [0], "value": [0.5]}),
    )
    text = build_report([empty, running])
    assert text.count("No trial has completed yet") == 2
    assert "Learning curves" in text


def test_wide_sweeps_show_the_most_important_parameters_first():
    rng = np.random.default_rng(0)
    n, k = 40, 30
    params = {f"param_p{i:02d}": rng.random(n) for i in range(k)}
    value = 10 * params["param_p17"] + 0.1 * rng.random(n)
    t = pd.DataFrame({"number": range(n), "state": ["COMPLETE"] * n, "value": value, **params})
    rec = SweepResult(
        name="wide",
        metrics=[Metric("loss")],
        trials=t,
        intermediate=pd.DataFrame(columns=["number", "step", "value"]),
    )
    text = build_report([rec])
    assert "show the 12 most important of 30 parameters" in text
    imp = _data.param_importances(rec)
    ranked = list(imp.values)
    assert ranked[0] == "p17"
    fig = _figures.parallel_figure(rec, params=ranked[:12])
    axes = [a.text for a in fig.layout.annotations if a.text.startswith("<b>")]
    assert axes[0] == "<b>p17</b>" and len(axes) == 13  # 12 params and the metric
