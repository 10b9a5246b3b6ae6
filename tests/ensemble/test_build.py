"""``hpsearch ensemble DIR`` and ``hpsearch retrain DIR --ensemble`` on real sweep directories."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import yaml

import hpsearch
from hpsearch.cli import main
from hpsearch.ensemble import build_ensemble, load_model, load_pool, read_ensemble
from hpsearch.errors import ConfigError

from .conftest import SUBPROCESS_LOAD, tree_space

pytestmark = pytest.mark.slow
TREE = ["sklearn.tree._tree.Tree"]


def test_the_pool_holds_the_kept_complete_trials(tree_sweep):
    pool = load_pool(tree_sweep)
    assert pool.n_complete == 16 and len(pool.candidates) == 10 and pool.n_pruned == 0
    assert pool.predictions.shape == (10, 178, 3) and pool.predictions.dtype == np.float32
    assert pool.metric.name == "log_loss" and pool.index.classes.tolist() == [0, 1, 2]
    numbers = [c.number for c in pool.candidates]
    assert numbers == sorted(numbers) and set(numbers) <= set(range(16))


def test_build_writes_ensemble_yaml_with_weights_summing_to_one(tree_sweep):
    result = build_ensemble(tree_sweep)
    doc = read_ensemble(tree_sweep)
    assert doc["method"] == "greedy" and doc["size"] == 25
    weights = [m["weight"] for m in doc["members"]]
    assert sum(weights) == pytest.approx(1.0, abs=1e-12) and all(w > 0 for w in weights)
    assert {m["trial"] for m in doc["members"]} <= {
        c.number for c in load_pool(tree_sweep).candidates
    }
    assert (
        doc["nested"]["splits"] == 5 and doc["nested"]["repeats"] == 3 and doc["nested"]["se"] > 0
    )
    assert doc["best_single"]["trial"] == result.best_single.trial
    assert doc["complete_trials"] == 16 and doc["rows"] == 178 and doc["candidates"] == 10
    # trees are unstable: the blend must beat the best single tree on held-out rows
    assert result.gain.mean > 0 and result.nested.mean < result.best_single_nested.mean
    assert result.in_sample <= result.best_single.score  # log loss: in-sample greedy >= best
    for member in doc["members"]:
        assert set(member["params"]) == {"max_depth", "min_samples_leaf", "max_features"}


def test_an_ensemble_of_size_one_is_the_best_single_trial(tree_sweep):
    result = build_ensemble(tree_sweep, size=1, write=False)
    assert [m.trial for m in result.members] == [result.best_single.trial]
    assert result.members[0].weight == 1.0
    assert result.in_sample == pytest.approx(result.best_single.score, rel=1e-12)
    assert result.nested.mean == pytest.approx(result.best_single_nested.mean, rel=1e-12)
    assert result.gain.mean == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("method", ["average", "stack"])
def test_other_methods(tree_sweep, method):
    result = build_ensemble(tree_sweep, method=method, size=3, write=False)
    assert sum(result.weights.values()) == pytest.approx(1.0, abs=1e-12)
    assert len(result.members) <= 3
    if method == "average":
        assert sorted(result.weights.values()) == pytest.approx([1 / 3] * 3)


def test_the_report_gets_an_ensemble_section(tree_sweep):
    build_ensemble(tree_sweep)
    text = (tree_sweep / "report.html").read_text()
    assert "<h3>Ensemble</h3>" in text
    assert "trees &lt;on&gt; wine" in text and "trees <on> wine" not in text
    section = text[text.index("<h3>Ensemble</h3>") : text.index("<h3>Trials</h3>")]
    assert "nested (5-fold x 3), mean ± SE" in section and "best single trial (#" in section


def test_cli_ensemble_on_a_real_sweep(tree_sweep, capsys):
    assert main(["ensemble", str(tree_sweep), "--method", "average", "--size", "3"]) == 0
    out = capsys.readouterr().out
    assert "ensemble of 3 trial(s) by average (top 3) from 10 candidate(s) over 178 rows" in out
    assert f"wrote {tree_sweep / 'ensemble.yaml'}" in out
    assert yaml.safe_load((tree_sweep / "ensemble.yaml").read_text())["method"] == "average"


def test_cli_errors_are_one_line(tmp_path, capsys):
    hpsearch.run(tree_space(ensemble=False), trials=2, out=tmp_path / "plain", report=False)
    assert main(["ensemble", str(tmp_path / "plain")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "stored no predictions: add 'ensemble: {keep: 50}'" in err
    assert main(["retrain", str(tmp_path / "plain"), "--ensemble"]) == 2
    assert "run `hpsearch ensemble" in capsys.readouterr().err
    assert main(["ensemble", str(tmp_path), "--method", "vote"]) == 2  # a usage error: one line
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "vote" in err


def test_retrain_ensemble_loads_in_a_fresh_process_without_pickle(tree_sweep, tmp_path, capsys):
    build_ensemble(tree_sweep, report=False)
    out = tmp_path / "model"
    assert main(["retrain", str(tree_sweep), "--ensemble", "--out", str(out)]) == 0
    assert f"saved {out}" in capsys.readouterr().out
    manifest = json.loads((out / "ensemble.json").read_text())
    doc = read_ensemble(tree_sweep)
    assert [m["trial"] for m in manifest["members"]] == [m["trial"] for m in doc["members"]]
    assert manifest["expected"]["nested"]["mean"] == doc["nested"]["mean"]
    assert sorted(p.suffix for p in out.iterdir()) == [".json"] + [".skops"] * len(doc["members"])

    with pytest.raises(ConfigError, match=r"does not trust by default: sklearn\.tree\._tree\.Tree"):
        load_model(out)
    done = subprocess.run(
        [sys.executable, "-c", SUBPROCESS_LOAD, str(out), json.dumps(TREE), "sklearn"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    fresh = json.loads(done.stdout)
    assert fresh["score"] == manifest["fit_score"]  # the same models, bit for bit
    here = load_model(out, trusted=TREE)
    from sklearn.datasets import load_wine

    X, _ = load_wine(return_X_y=True)
    assert fresh["predict"] == here.predict(X[:20]).tolist()
    assert here.predict_proba(X[:5]).sum(axis=1) == pytest.approx(np.ones(5))
