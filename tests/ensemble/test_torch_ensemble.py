"""A torch sweep end to end: stored predictions -> ensemble -> retrain -> load elsewhere; and the
compression example's Pareto front."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

pytest.importorskip("torch")

import hpsearch
from hpsearch.cli import main
from hpsearch.ensemble import build_ensemble, load_model

from ..conftest import SEARCH_SPACES
from .conftest import SUBPROCESS_LOAD

pytestmark = [pytest.mark.slow, pytest.mark.torch]


def test_a_torch_ensemble_retrains_and_loads_in_a_fresh_process(tmp_path):
    space = {
        "name": "mlp-iris",
        "objective": {
            "type": "torch",
            "dataset": "sklearn:iris",
            "validation": {"folds": 3, "seed": 0},
            "epochs": 8,
            "params": {"hidden_sizes": [16], "batch_size": 16},
            "ensemble": {"keep": 4},
        },
        "metric": {"name": "accuracy", "goal": "maximize"},
        "strategy": {"name": "random", "seed": 0},
        "parameters": {"lr": {"type": "float", "low": 1e-3, "high": 1e-1, "log": True}},
    }
    run = tmp_path / "run"
    hpsearch.run(space, trials=5, out=run, report=False)
    result = build_ensemble(run, size=5, report=False)
    assert result.n_rows == 150 and result.n_candidates == 4
    assert sum(result.weights.values()) == pytest.approx(1.0)
    out = tmp_path / "model"
    assert main(["retrain", str(run), "--ensemble", "--out", str(out)]) == 0
    manifest = json.loads((out / "ensemble.json").read_text())
    assert manifest["kind"] == "torch" and manifest["classes"] == [0, 1, 2]
    files = sorted(p.name for p in out.iterdir())
    for member in manifest["members"]:
        assert f"member_{member['trial']}.safetensors" in files
        assert f"member_{member['trial']}.json" in files
    done = subprocess.run(
        [sys.executable, "-c", SUBPROCESS_LOAD, str(out), "[]", "torch"],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    fresh = json.loads(done.stdout)
    assert fresh["score"] == pytest.approx(manifest["fit_score"], abs=1e-12)
    here = load_model(out)
    from sklearn.datasets import load_iris

    X, _ = load_iris(return_X_y=True)
    assert fresh["predict"] == here.predict(X[:20]).tolist()


def test_the_compression_example_puts_its_trials_on_a_pareto_front(tmp_path):
    doc = yaml.safe_load((SEARCH_SPACES / "mlp_digits_compress.yaml").read_text())
    doc["objective"]["epochs"] = 2  # a smoke-sized run of the real file
    run = tmp_path / "run"
    result = hpsearch.run(doc, trials=6, out=run, report=True)
    table = result.trials
    assert result.n_complete == 6
    done = table[table["state"] == "COMPLETE"]
    assert {"value_compressed_accuracy", "value_size_mb", "value_latency_ms"} <= set(table)
    assert (done["value_size_mb"] > 0).all() and (done["value_latency_ms"] > 0).all()
    for row in done.itertuples():
        mode = row.param_quantize
        stem = "checkpoint" if mode == "none" else f"checkpoint_{mode}"
        file = run / "trials" / str(row.number) / f"{stem}.safetensors"
        assert row.value_size_mb == file.stat().st_size / 1e6
    assert result.pareto_front  # non-dominated trials, in best.yaml too
    text = (run / "report.html").read_text()
    assert "<h3>Pareto front</h3>" in text and "size_mb" in text
