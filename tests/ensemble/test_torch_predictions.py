"""The torch trainer's stored validation predictions, and the quantize knob's metrics and files."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hpsearch import load_space  # noqa: E402
from hpsearch.errors import ConfigError  # noqa: E402
from hpsearch.objectives import build_objective  # noqa: E402
from hpsearch.objectives._predictions import read_trial_predictions  # noqa: E402
from hpsearch.objectives._scoring import get_metric  # noqa: E402
from hpsearch.training import load_model  # noqa: E402
from hpsearch.training._compress import compress, load_compressed  # noqa: E402
from hpsearch.trial import Trial  # noqa: E402

torch.set_num_threads(1)
pytestmark = pytest.mark.torch


def torch_objective(metrics=None, *, dataset="sklearn:digits", **block):
    spec = {
        "type": "torch",
        "dataset": dataset,
        "epochs": 3,
        "validation": {"split": 0.25, "seed": 0},
        "params": {"hidden_sizes": [32]},
        "ensemble": {"keep": 5},
        **block,
    }
    doc = {
        "objective": spec,
        "parameters": {
            "lr": {"type": "float", "low": 1e-3, "high": 1e-1, "log": True},
            "quantize": {"type": "categorical", "choices": ["none", "dynamic_int8", "fp16"]},
        },
        "metrics": metrics or [{"name": "accuracy", "goal": "maximize"}],
    }
    space = load_space(doc)
    return build_objective(space.objective, space)


def run(objective, sweep, number, params):
    out = sweep / "trials" / str(number)
    return objective(params, Trial(number, params, directory=out)), out


def test_validation_predictions_are_the_checkpoints_outputs_on_the_validation_rows(tmp_path):
    objective = torch_objective()
    result, out = run(objective, tmp_path, 0, {"lr": 0.01})
    predictions, meta = read_trial_predictions(out)
    rows = np.load(tmp_path / "predictions" / "rows.npy", allow_pickle=False)
    y = np.load(tmp_path / "predictions" / "y.npy", allow_pickle=False)
    assert len(rows) == 450 and meta["kind"] == "proba"  # 25% of 1797 digits
    model, config = load_model(out)
    X = (objective.dataset.X[rows] - np.array(config["x_mean"])) / np.array(config["x_std"])
    with torch.no_grad():
        logits = model(torch.as_tensor(X, dtype=torch.float32))
    np.testing.assert_allclose(predictions, torch.softmax(logits, 1).numpy(), atol=1e-5)
    assert np.array_equal(y, objective.dataset.y[rows])
    assert get_metric("accuracy").score(y, predictions) == pytest.approx(result["accuracy"])


def test_k_fold_validation_covers_every_row_and_regression_keeps_target_units(tmp_path):
    objective = torch_objective(
        [{"name": "mse", "goal": "minimize"}],
        dataset="sklearn:diabetes",
        validation={"folds": 3, "seed": 0},
    )
    result, out = run(objective, tmp_path, 0, {"lr": 0.01})
    predictions, meta = read_trial_predictions(out)
    rows = np.load(tmp_path / "predictions" / "rows.npy", allow_pickle=False)
    folds = np.load(tmp_path / "predictions" / "folds.npy", allow_pickle=False)
    assert rows.tolist() == list(range(442)) and sorted(set(folds.tolist())) == [0, 1, 2]
    assert meta["metric"] == "mse" and predictions.shape == (442, 1)
    # the objective's mse is the mean over folds of each fold's mse, in the target's units
    y = objective.dataset.y
    per_fold = [np.mean((predictions[folds == k, 0] - y[folds == k]) ** 2) for k in range(3)]
    assert np.mean(per_fold) == pytest.approx(result["mse"], rel=1e-4)


@pytest.mark.parametrize("mode", ["none", "dynamic_int8", "fp16"])
def test_quantized_models_report_the_size_of_their_file(tmp_path, mode):
    objective = torch_objective(
        [
            {"name": "compressed_accuracy", "goal": "maximize"},
            {"name": "size_mb", "goal": "minimize"},
            {"name": "latency_ms", "goal": "minimize"},
        ]
    )
    result, out = run(objective, tmp_path, 0, {"lr": 0.01, "quantize": mode})
    stem = "checkpoint" if mode == "none" else f"checkpoint_{mode}"
    weights = out / f"{stem}.safetensors"
    assert result["size_mb"] == weights.stat().st_size / 1e6
    assert math.isfinite(result["latency_ms"]) and result["latency_ms"] > 0
    assert abs(result["compressed_accuracy"] - result["accuracy"]) < 0.03
    if mode == "none":
        assert result["compressed_accuracy"] == result["accuracy"]
        return
    loaded, meta = load_compressed(out / f"{stem}.json")
    assert meta["quantize"] == mode
    float_model, config = load_model(out)
    X = torch.as_tensor(
        (objective.dataset.X[:50] - np.array(config["x_mean"])) / np.array(config["x_std"]),
        dtype=torch.float32,
    )
    with torch.no_grad():
        assert torch.equal(loaded(X), compress(float_model, mode)(X))


def test_compressed_files_shrink_in_the_expected_order(tmp_path):
    objective = torch_objective(
        [{"name": "size_mb", "goal": "minimize"}], params={"hidden_sizes": [256, 128]}
    )
    sizes = {
        mode: run(objective, tmp_path, i, {"lr": 0.01, "quantize": mode})[0]["size_mb"]
        for i, mode in enumerate(["none", "fp16", "dynamic_int8"])
    }
    assert sizes["none"] / sizes["fp16"] == pytest.approx(2.0, rel=0.02)
    assert sizes["none"] / sizes["dynamic_int8"] > 3.5  # int8 weights, float32 biases


def test_without_a_checkpoint_the_size_is_still_measured_and_nothing_is_left(tmp_path):
    objective = torch_objective([{"name": "size_mb", "goal": "minimize"}], checkpoint=False)
    result, out = run(objective, tmp_path, 0, {"lr": 0.01, "quantize": "fp16"})
    assert result["size_mb"] > 0
    assert sorted(p.name for p in out.iterdir()) == ["oof.json", "oof.npy"]


def test_a_bad_quantize_value_is_a_config_error():
    objective = torch_objective()
    with pytest.raises(ConfigError, match=r"params\.quantize: must be one of none, dynamic_int8"):
        objective.config({"quantize": "int4"})
