"""The quality benchmark's harness on a tiny tier, and its arithmetic on hand-made numbers."""

from __future__ import annotations

import json
import math

import pytest

from benchmarks.__main__ import main
from benchmarks.quality import (
    PROBLEMS,
    Tier,
    best_so_far,
    get_problem,
    mean_se,
    normalize,
    rank,
    run_method,
    run_tier,
    suite_scores,
    summarize,
    wins,
)
from benchmarks.quality.methods import param_distributions
from benchmarks.quality.report import replace_block, write_section

TINY = Tier(
    "test",
    problems=("branin", "elasticnet_diabetes"),
    methods=("hpsearch:random", "sklearn:random"),
    seeds=2,
    budgets=(5,),
)


# -- arithmetic ----------------------------------------------------------------------------
def test_best_so_far_skips_failed_trials_and_respects_the_budget() -> None:
    values = [5.0, math.nan, 3.0, None, 1.0]
    assert best_so_far(values, 1) == 5.0
    assert best_so_far(values, 4) == 3.0
    assert best_so_far(values, 5) == 1.0
    assert math.isnan(best_so_far([math.nan, None], 2))


def test_mean_and_standard_error() -> None:
    mean, se = mean_se([2.0, 4.0, 6.0, 8.0])
    assert mean == 5.0
    assert se == pytest.approx(math.sqrt((9 + 1 + 1 + 9) / 3) / 2)
    assert mean_se([7.0])[0] == 7.0 and math.isnan(mean_se([7.0])[1])
    assert all(math.isnan(x) for x in mean_se([]))
    assert mean_se([1.0, math.nan, 3.0]) == (2.0, 1.0)


def test_normalization_maps_random_mean_to_0_and_best_to_100() -> None:
    best = {
        "random": {0: 10.0, 1: 20.0},  # mean 15 -> 0
        "bayes": {0: 5.0, 1: 15.0},  # 5 is the best anyone found -> 100
        "other": {0: 25.0, 1: math.nan},
    }
    scores = normalize(best, baseline="random")
    assert scores["random"] == {0: 50.0, 1: -50.0}
    assert sum(scores["random"].values()) / 2 == 0.0
    assert scores["bayes"] == {0: 100.0, 1: 0.0}
    assert scores["other"][0] == -100.0 and math.isnan(scores["other"][1])


def test_normalization_when_nothing_beats_the_random_mean() -> None:
    scores = normalize({"random": {0: 1.0, 1: 1.0}, "m": {0: 1.0, 1: 3.0}}, baseline="random")
    assert scores == {"random": {0: 0.0, 1: 0.0}, "m": {0: 0.0, 1: 0.0}}
    with pytest.raises(KeyError, match="baseline 'random' has no runs"):
        normalize({"m": {0: 1.0}}, baseline="random")


def test_suite_score_averages_problems_per_seed_then_seeds() -> None:
    per_problem = {
        "p1": {"a": {0: 100.0, 1: 50.0}, "b": {0: 0.0, 1: 10.0}},
        "p2": {"a": {0: 0.0, 1: 50.0}, "b": {0: 40.0, 1: 30.0}},
    }
    suite = suite_scores(per_problem)
    assert suite["a"] == (50.0, 0.0)  # seeds: (100+0)/2 = 50, (50+50)/2 = 50
    assert suite["b"][0] == 20.0  # seeds: 20, 20
    assert suite["b"][1] == 0.0


def test_ranking_and_wins_on_hand_made_numbers() -> None:
    ranked = rank({"a": 50.0, "b": 70.0, "c": 50.0, "d": math.nan})
    assert ranked[:3] == [(1, "b", 70.0), (2, "a", 50.0), (2, "c", 50.0)]
    assert ranked[3][:2] == (4, "d")  # no score: last
    means = {
        "p1": {"a": 80.0, "b": 60.0, "c": 10.0},
        "p2": {"a": 30.0, "b": 30.0, "c": 20.0},
        "p3": {"a": 0.0, "b": 5.0, "c": math.nan},
    }
    assert wins(means) == {"a": 2, "b": 2, "c": 0}


def test_summarize_reads_every_budget_from_one_run() -> None:
    runs = [
        {"problem": "p", "method": "random", "seed": 0, "values": [9.0, 8.0, 7.0, 6.0]},
        {"problem": "p", "method": "random", "seed": 1, "values": [11.0, 10.0, 9.0, 8.0]},
        {"problem": "p", "method": "bayes", "seed": 0, "values": [9.0, 5.0, 4.0, 2.0]},
        {"problem": "p", "method": "bayes", "seed": 1, "values": [12.0, 7.0, 6.0, 4.0]},
    ]
    s = summarize(runs, [2, 4], baseline="random")
    # Budget 2: random bests 8, 10 (mean 9); top 5 -> bayes 5 -> 100, 7 -> 50.
    assert s["2"]["scores"]["p"]["bayes"] == {0: 100.0, 1: 50.0}
    assert s["2"]["suite"]["bayes"] == [75.0, 25.0]
    # Budget 4: random bests 6, 8 (mean 7); top 2 -> bayes 2 -> 100, 4 -> 60.
    assert s["4"]["scores"]["p"]["bayes"] == {0: 100.0, 1: 60.0}
    assert s["4"]["ranking"][0][:2] == [1, "bayes"]
    assert s["4"]["wins"] == {"bayes": 1, "random": 0}


# -- problems and methods ------------------------------------------------------------------
def test_synthetic_problems_reach_their_known_optimum() -> None:
    assert get_problem("branin").evaluate({"x1": math.pi, "x2": 2.275}) == pytest.approx(
        0.397887, abs=1e-5
    )
    h6 = {
        f"x{i}": v for i, v in enumerate([0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573])
    }
    assert get_problem("hartmann6").evaluate(h6) == pytest.approx(-3.32237, abs=1e-4)
    assert get_problem("levy4").evaluate({f"x{i}": 1.0 for i in range(4)}) == pytest.approx(0)
    assert get_problem("ackley5").evaluate({f"x{i}": 0.0 for i in range(5)}) == pytest.approx(
        0, abs=1e-12
    )
    cond = {"branch": "rosenbrock", "r_x0": 1.0, "r_x1": 1.0, "r_x2": 1.0}
    assert get_problem("conditional3").evaluate(cond) == 0.0
    with pytest.raises(KeyError, match="unknown problem 'nope'"):
        get_problem("nope")


def test_sklearn_random_search_runs_on_the_same_objective() -> None:
    problem = get_problem("elasticnet_diabetes")
    values = run_method("sklearn:random", problem, seed=3, n_trials=3)
    from sklearn.model_selection import ParameterSampler

    for params, value in zip(
        ParameterSampler(param_distributions(problem), 3, random_state=3), values
    ):
        assert problem.evaluate({k: float(v) for k, v in params.items()}) == pytest.approx(value)


def test_conditional_spaces_become_one_distribution_per_branch() -> None:
    branches = param_distributions(get_problem("conditional3"))
    assert [b["branch"] for b in branches] == [["branin"], ["rosenbrock"], ["sphere"]]
    assert set(branches[2]) == {"branch", "s_x", "s_k"}


# -- the harness end to end ----------------------------------------------------------------
def test_tiny_tier_runs_resumes_and_writes_results(tmp_path) -> None:
    runs_file = tmp_path / "runs.jsonl"
    runs = run_tier(TINY, jobs=1, runs_file=runs_file)
    assert len(runs) == 2 * 2 * 2
    assert all(len(r["values"]) == 5 and r["error"] is None for r in runs)
    again = run_tier(TINY, jobs=1, runs_file=runs_file)  # resumed: nothing re-run
    assert all(r["reused"] for r in again)
    assert [r["values"] for r in again] == [r["values"] for r in runs]
    assert len(runs_file.read_text().splitlines()) == 8
    # hpsearch's random strategy is seeded: a fresh run gives the same values.
    fresh = run_tier(TINY, jobs=1, runs_file=tmp_path / "other.jsonl")
    assert [r["values"] for r in fresh] == [r["values"] for r in runs]


def test_command_writes_markdown_between_markers_and_json(tmp_path) -> None:
    out = tmp_path / "RESULTS.md"
    out.write_text(
        "# Results\n\n## Overhead\n\nkeep me\n\n## Search quality\n\n"
        "<!-- quality:start -->\nold\n<!-- quality:end -->\n\n## Later\n\nme too\n"
    )
    json_path = tmp_path / "quality_tiny.json"
    assert main(["--tier", "tiny", "--jobs", "1", "--out", str(out), "--json", str(json_path)]) == 0
    text = out.read_text()
    assert "keep me" in text and "me too" in text and "\nold\n" not in text
    assert text.count("<!-- quality:start -->") == 1
    assert "### Suite ranking" in text and "`hpsearch:random`" in text
    data = json.loads(json_path.read_text())
    assert data["config"]["budgets"] == [5] and len(data["runs"]) == 8
    random_scores = data["summary"]["5"]["scores"]["branin"]["hpsearch:random"]
    assert sum(random_scores.values()) == pytest.approx(0.0, abs=1e-9)
    assert data["machine"]["cpu_count"] >= 1


def test_results_file_is_created_and_other_blocks_are_kept(tmp_path) -> None:
    path = tmp_path / "R.md"
    write_section(path, "quality", "one", heading="## Search quality")
    write_section(path, "other", "theirs", heading="## Other")
    write_section(path, "quality", "two", heading="## Search quality")
    text = path.read_text()
    assert "two" in text and "one" not in text and "theirs" in text
    assert text.count("## Search quality") == 1
    assert replace_block("x", "q", "b", heading="## H").endswith(
        "## H\n\n<!-- q:start -->\nb\n<!-- q:end -->\n"
    )


def test_every_problem_has_a_loadable_space() -> None:
    import hpsearch

    for problem in PROBLEMS.values():
        space = hpsearch.load_space(problem.space_dict)
        assert len(space.space.searched) >= 2, problem.name


def test_full_tier_reports_a_missing_collected_benchmark(tmp_path, monkeypatch) -> None:
    import benchmarks.__main__ as cli

    monkeypatch.setattr(cli, "COLLECTED", ("no_such_benchmark",))
    out = tmp_path / "RESULTS.md"
    cli.run_collected(cli.parse_args(["--tier", "full", "--out", str(out)]))
    text = out.read_text()
    assert "### `no_such_benchmark`" in text
    assert "Not run: the module is missing." in text


def test_unknown_names_and_bad_budgets_are_refused(tmp_path, capsys) -> None:
    from benchmarks.quality import select
    from benchmarks.quality.harness import validate

    with pytest.raises(KeyError, match="unknown method 'optuna:cmaes'"):
        validate(select(TINY, methods=["optuna:cmaes"]))
    with pytest.raises(ValueError, match="budgets and seeds must be positive"):
        validate(select(TINY, budgets=[0, 5]))
    out = tmp_path / "R.md"
    assert main(["--tier", "tiny", "--problems", "nope", "--out", str(out)]) == 2
    assert "unknown problem 'nope'" in capsys.readouterr().err
    assert not out.exists()
