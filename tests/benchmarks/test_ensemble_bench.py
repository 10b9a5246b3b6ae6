"""The ensemble benchmark: its verdict arithmetic, a tiny real run, and the README's numbers
matching the results file they are copied from."""

from __future__ import annotations

import json
import re

import pytest

from benchmarks import ensemble_bench
from benchmarks.quality.report import replace_block


def _record(name, gain, se, *, kind="sklearn", trials=12):
    est = {"mean": 0.9, "se": 0.01, "values": [0.9] * 15}
    method = {"nested": est, "gain": {"mean": gain, "se": se}, "members": 3, "weights": {}}
    return {
        "problem": name,
        "kind": kind,
        "trials": trials,
        "goal": "maximize",
        "methods": {"greedy": method, "average": method, "stack": method},
        "best_single": {"trial": 0, "in_sample": 0.95, "nested": est},
        "greedy_vs_average": {"mean": 0.0, "se": 0.0},
    }


def test_verdicts_count_wins_and_losses_beyond_one_standard_error():
    records = [
        _record("tree_wine", 0.02, 0.01),  # a tuning problem
        _record("a", 0.01, 0.005),
        _record("b", -0.002, 0.01),  # worse, within one SE
        _record("c", -0.03, 0.01),  # worse by more than one SE
    ]
    summary = ensemble_bench.verdicts(records)
    assert summary["greedy"]["better"] == 2
    assert summary["greedy"]["worse_by_more_than_1se"] == 1
    assert summary["greedy"]["better_scored_only"] == 1 and summary["n_scored_only"] == 3
    assert summary["greedy"]["better_than_in_sample_best"] == 0  # 0.9 < 0.95
    text = ensemble_bench.headline(summary)
    assert "better on 2 of 4" in text and "target: >= 4 and 0: not met" in text


def test_trial_counts_name_each_kind():
    records = [_record("a", 0, 0), _record("t", 0, 0, kind="torch", trials=8)]
    assert ensemble_bench._trial_counts(records) == (
        "12 trials for scikit-learn, 8 trials for torch"
    )


@pytest.mark.slow
def test_a_tiny_run_writes_a_table_and_a_results_file(tmp_path, capsys):
    out, results = tmp_path / "RESULTS.md", tmp_path / "ensemble.json"
    argv = ["--problems", "tree_wine", "--trials", "6", "--out", str(out), "--json", str(results)]
    assert ensemble_bench.main(argv) == 0
    payload = json.loads(results.read_text())
    (record,) = payload["records"]
    assert record["problem"] == "tree_wine" and record["trials"] == 6
    assert record["candidates"] == 6  # racing off: every complete trial kept its predictions
    table = out.read_text()
    assert "<!-- ensemble:start -->" in table and "| `tree_wine` (t) | log_loss |" in table
    assert "6 trials for scikit-learn" in table
    assert "| `tree_wine` (t) |" in capsys.readouterr().out


def test_the_readme_quotes_the_results_file():
    source = ensemble_bench.results_source()
    if not source.exists():
        pytest.skip("no ensemble results file yet")
    payload = json.loads(source.read_text())
    expected = ensemble_bench.readme_block(
        payload, str(source.relative_to(ensemble_bench.HERE.parent))
    )
    readme = ensemble_bench.README.read_text()
    block = re.search(
        r"<!-- ensemble-numbers:start -->\n(.*?)\n<!-- ensemble-numbers:end -->", readme, re.S
    )
    assert block is not None, "README lost its ensemble-numbers block"
    assert block.group(1) == expected, "run: python -m benchmarks.ensemble_bench --readme"
    assert replace_block(readme, "ensemble-numbers", expected) == readme
