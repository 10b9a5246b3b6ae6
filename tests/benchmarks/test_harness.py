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
from benchmarks.quality.peers import param_distributions
from benchmarks.quality.report import replace_block, write_section

TINY = Tier(
    "test",
    problems=("branin", "elasticnet_diabetes"),
    methods=("hpsearch:random", "sklearn:random"),
    seeds=2,
    budgets=(5,),
    baseline_seeds=2,
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
    values, times = run_method("sklearn:random", problem, seed=3, n_trials=3)
    assert times == sorted(times) and len(times) == 3
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
    assert "### `dev` split" in text and "`hpsearch:random`" in text
    data = json.loads(json_path.read_text())
    assert data["config"]["budgets"] == [5] and len(data["runs"]) == 8
    random_scores = data["summary"]["dev"]["1"]["trials"]["5"]["scores"]["branin"][
        "hpsearch:random"
    ]
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

    with pytest.raises(KeyError, match="unknown method 'optuna:nope'"):
        validate(select(TINY, methods=["optuna:nope"]))
    with pytest.raises(ValueError, match="workers must be positive"):
        validate(select(TINY, workers=[0]))
    with pytest.raises(ValueError, match="budgets and seeds must be positive"):
        validate(select(TINY, budgets=[0, 5]))
    out = tmp_path / "R.md"
    assert main(["--tier", "tiny", "--problems", "nope", "--out", str(out)]) == 2
    assert "unknown problem 'nope'" in capsys.readouterr().err
    assert not out.exists()


# -- the split, simulated time, the peers ----------------------------------------------------
def test_split_is_fixed_disjoint_and_keeps_every_problem_seen_before_in_dev() -> None:
    from benchmarks.quality.problems import SEEN, SPLIT

    dev, test = set(SPLIT["dev"]), set(SPLIT["test"])
    assert not dev & test and dev | test == set(PROBLEMS)
    assert set(SEEN) <= dev
    sklearn_test = [p for p in test if PROBLEMS[p].kind == "sklearn"]
    assert len([p for p in PROBLEMS.values() if p.kind == "sklearn"]) >= 24
    assert len(sklearn_test) >= 24
    assert len([p for p in PROBLEMS.values() if p.kind == "mixed"]) >= 4
    # The rule is frozen: these names were test when the split was made.
    assert {"camel", "nested_model", "int_rosenbrock4", "bm_knn_wine_acc"} <= test
    assert {"mixed_ackley", "bm_knn_iris_acc"} <= dev


class _Recorder:
    """A fake asynchronous optimizer: hands out x = 0, 1, 2, ... and records what is pending."""

    def __init__(self) -> None:
        self.pending: set[int] = set()
        self.most = 0
        self.asked = 0

    def ask(self):
        token = self.asked
        self.asked += 1
        self.pending.add(token)
        self.most = max(self.most, len(self.pending))
        return token, {"x": float(token)}

    def tell(self, token, value) -> None:
        self.pending.remove(token)


def test_async_simulation_keeps_every_worker_busy_and_orders_by_finish_time() -> None:
    from benchmarks.quality.base import Problem
    from benchmarks.quality.simulate import duration, run_async

    problem = Problem("id", "synthetic", {}, lambda p: p["x"])
    searcher = _Recorder()
    values, times = run_async(problem, searcher, 12, workers=4)
    assert searcher.most == 4 and not searcher.pending
    assert sorted(values) == [float(i) for i in range(12)]
    assert times == sorted(times)
    # The first four start at 0: the first to finish is the shortest of them.
    first = min(range(4), key=lambda i: duration({"x": float(i)}))
    assert values[0] == float(first) and times[0] == pytest.approx(duration({"x": float(first)}))
    one, one_times = run_async(problem, _Recorder(), 5, workers=1)
    assert one == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert one_times[-1] == pytest.approx(sum(duration({"x": float(i)}) for i in range(5)))


def test_equal_time_scoring_counts_only_trials_finished_in_time() -> None:
    from benchmarks.quality.scoring import best_by_time, mean_ranks

    runs = [
        {"problem": "p", "method": "random", "seed": 0, "values": [5, 4, 3], "times": [1, 2, 3]},
        {"problem": "p", "method": "random", "seed": 1, "values": [6, 5, 4], "times": [1, 2, 3]},
        {"problem": "p", "method": "batch", "seed": 0, "values": [9, 1, 0], "times": [2, 4, 4]},
    ]
    s = summarize(runs, [2], baseline="random", by="time")
    assert s["2"]["limits"] == {"p": 2}  # the median time of random's 2nd trial
    assert s["2"]["best"]["p"]["batch"] == {0: 9}  # its good points finish too late
    assert best_by_time([1.0, None, 0.5], [1.0, 2.0, 9.0], 5.0) == 1.0
    # p: a 1st, b 2nd; q: a tie, both 1st.
    assert mean_ranks({"p": {"a": 3.0, "b": 1.0}, "q": {"a": 1.0, "b": 1.0}}) == {
        "a": 1.0,
        "b": 1.5,
    }


def test_peers_get_the_conditions_their_own_spaces_can_express() -> None:
    ConfigSpace = pytest.importorskip("ConfigSpace", reason="the bench extra is not installed")
    pytest.importorskip("hyperopt", reason="the bench extra is not installed")

    from benchmarks.quality.peers import configspace, hyperopt_space

    cs = configspace(get_problem("conditional3"), seed=0)
    assert len(cs.conditions) == 7  # every branch parameter depends on `branch`
    config = dict(cs.sample_configuration())
    assert {"branch"} < set(config) and all(
        k.startswith(config["branch"][0]) or k == "branch" for k in config
    )
    assert isinstance(cs["b_x1"], ConfigSpace.UniformFloatHyperparameter)
    space = hyperopt_space(get_problem("svm_digits"))
    assert set(space) == {"C", "gamma", "_branch"}


@pytest.mark.parametrize("method", ["hyperopt:tpe", "optuna:cmaes", "smac:hpo"])
def test_peers_run_on_a_conditional_space(method) -> None:
    pytest.importorskip(method.split(":")[0], reason="the bench extra is not installed")
    problem = get_problem("conditional3")
    values, times = run_method(method, problem, seed=0, n_trials=6)
    assert len(values) == 6 and all(math.isfinite(v) for v in values)
    assert times == sorted(times)


def test_parallel_runs_pending_trials_and_sequential_only_peers_refuse() -> None:
    values, _ = run_method("hpsearch:bayes", get_problem("branin"), seed=0, n_trials=8, workers=4)
    assert len(values) == 8 and len(set(values)) == 8  # pending points were not re-suggested
    with pytest.raises(ValueError, match="one trial at a time"):
        run_method("skopt:gp_minimize", get_problem("branin"), seed=0, n_trials=4, workers=4)


def test_readme_claim_is_copied_from_the_results_file(tmp_path) -> None:
    from benchmarks.quality.readme import copy_claim

    s = {
        "ranking": [[1, "hpsearch:bayes", 60.0], [2, "optuna:tpe", 50.0]],
        "suite": {"hpsearch:bayes": [60.0, 2.0], "optuna:tpe": [50.0, 3.0]},
    }
    data = {
        "tier": "quick",
        "date": "2026-12-03T19:00:00+00:00",
        "config": {
            "budgets": [15, 30],
            "problems": ["camel", "branin"],
            "seeds": 3,
            "baseline_seeds": 20,
        },
        "summary": {"test": {"1": {"trials": {"30": s}}}},
    }
    json_path = tmp_path / "q.json"
    json_path.write_text(json.dumps(data))
    readme = tmp_path / "README.md"
    readme.write_text("# X\n\n<!-- quality-claim:start -->\nold\n<!-- quality-claim:end -->\nend\n")
    copy_claim(json_path, readme)
    text = readme.read_text()
    assert "old" not in text and text.endswith("end\n")
    assert "(1 problems never looked at" in text
    assert (
        "with 1 worker `bayes` ranks 1st of 2 (60.0 ± 2.0; next: `optuna:tpe` 50.0 ± 3.0)" in text
    )


def test_skopt_runs_at_its_own_default_acquisition_optimizer(monkeypatch) -> None:
    pytest.importorskip("skopt")
    import skopt

    seen = {}

    def fake(func, dims, **kwargs):
        seen.update(kwargs)
        func([d.rvs(random_state=0)[0] for d in dims])

    monkeypatch.setattr(skopt, "gp_minimize", fake)
    values, _ = run_method("skopt:gp_minimize", get_problem("branin"), seed=0, n_trials=5)
    assert len(values) == 1
    assert seen == {"n_calls": 5, "random_state": 0}  # nothing else: skopt's defaults


def test_a_partial_tier_scores_only_whole_problems() -> None:
    from benchmarks.__main__ import complete_groups

    tier = TINY
    runs = run_tier(tier, jobs=1)
    some = [r for r in runs if not (r["problem"] == "branin" and r["seed"] == 1)]
    kept, dropped = complete_groups(some, tier)
    assert {r["problem"] for r in kept} == {"elasticnet_diabetes"}
    assert dropped == ["branin@1"]


def test_suggest_cost_table_gives_ratios_to_bayes() -> None:
    from benchmarks.quality.suggest_cost import table

    text = table({"hpsearch:bayes": 0.5, "optuna:gp": 1.0, "smac:hpo": "ImportError: x"})
    assert "| `optuna:gp` | 1.000 | 2.00 |" in text
    assert "| `smac:hpo` | failed: ImportError: x | n/a |" in text


@pytest.mark.parametrize(
    "name",
    ["bm_linear_wine_nll", "bm_svm_iris_acc", "bm_ada_iris_nll", "bm_enet_diabetes_mae"],
)
def test_bayesmark_problems_evaluate_at_a_random_point(name) -> None:
    import hpsearch
    from hpsearch.strategies import RandomStrategy

    problem = get_problem(name)
    strategy = RandomStrategy(hpsearch.load_space(problem.space_dict).space, seed=1)
    assert math.isfinite(problem.evaluate(strategy.ask().params))
