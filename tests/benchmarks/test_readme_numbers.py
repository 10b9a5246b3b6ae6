"""README.md's benchmark numbers are the generated results files' numbers, copied by a script."""

from __future__ import annotations

import copy

import pytest

from benchmarks import readme_numbers
from benchmarks.readme_numbers import README, load_results, readme_block, render


def test_readme_numbers_match_the_results_files():
    block = readme_block(README.read_text(encoding="utf-8"))
    assert block == render(load_results()), (
        "README.md disagrees with benchmarks/results/*.json: "
        "run python -m benchmarks.readme_numbers"
    )
    assert readme_numbers.main(["--check"]) == 0


def _bump_overhead(r):
    for row in r["overhead"]["rows"]:
        row["ms_per_trial"] += 1.0
        row["ratio_vs_optuna_journal"] += 0.1


def _bump_ray(r):
    for row in r["ray_overhead"]["rows"]:
        row["marginal_s"] += 0.001
        row["with_startup_s"] += 0.001


@pytest.mark.parametrize("bump", [_bump_overhead, _bump_ray])
def test_the_paragraph_follows_each_results_file(bump):
    results = load_results()
    changed = copy.deepcopy(results)
    bump(changed)
    assert render(changed) != render(results)


def test_check_fails_when_the_readme_disagrees(tmp_path, monkeypatch):
    text = README.read_text(encoding="utf-8")
    stale = tmp_path / "README.md"
    stale.write_text(text.replace(readme_block(text), readme_block(text).replace("ms", "s", 1)))
    monkeypatch.setattr(readme_numbers, "README", stale)
    assert readme_numbers.main(["--check"]) == 1
    assert readme_numbers.main([]) == 0
    assert readme_numbers.main(["--check"]) == 0
