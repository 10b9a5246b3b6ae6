from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

import hpsearch
from hpsearch.errors import ConfigError
from hpsearch.execution import TrialJob, run_trial
from hpsearch.objectives import build_objective
from hpsearch.sweep import retrain
from hpsearch.training import load_checkpoint, load_model, select_device
from hpsearch.training._data import amp_dtype

from .conftest import RecordingChannel, context, make_objective, make_space


def test_reports_every_epoch_and_returns_the_sweep_metric(digits_objective) -> None:
    channel = RecordingChannel()
    result = digits_objective({"lr": 0.01}, context({"lr": 0.01}, channel=channel))
    assert [step for step, _ in channel.reports] == [1, 2, 3]
    assert result["accuracy"] == pytest.approx(max(v for _, v in channel.reports))
    assert result["accuracy"] > 0.9
    assert {
        "f1",
        "precision",
        "recall",
        "log_loss",
        "n_params",
        "train_time_s",
        "latency_ms",
        "best_epoch",
    } <= set(result)
    assert result["latency_ms"] > 0 and result["n_params"] == 64 * 128 + 128 + 128 * 10 + 10


def test_pruned_trial_stops_at_the_step_the_driver_said(digits_objective) -> None:
    outcome = run_trial(
        digits_objective,
        TrialJob(4, {"lr": 0.01}),
        metric_names=["accuracy"],
        channel=RecordingChannel(prune_at=2),
    )
    assert outcome.state == "PRUNED"
    assert outcome.last_step == 2


def test_best_epoch_checkpoint_round_trips(digits_objective, tmp_path: Path) -> None:
    out = tmp_path / "trial"
    result = digits_objective({"lr": 0.02}, context({"lr": 0.02}, out_dir=str(out)))
    assert (out / "checkpoint.safetensors").exists()
    meta = json.loads((out / "checkpoint.json").read_text())
    assert meta["epoch"] == result["best_epoch"] and meta["knobs"]["lr"] == 0.02
    model, config = load_model(out)
    # rebuild the validation split and standardize with the stored statistics
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    _, val = train_test_split(np.arange(len(X)), test_size=0.25, random_state=0, stratify=y)
    xs = (X[np.sort(val)] - np.array(config["x_mean"])) / np.array(config["x_std"])
    with torch.no_grad():
        pred = model(torch.as_tensor(xs, dtype=torch.float32)).argmax(1).numpy()
    assert np.mean(pred == y[np.sort(val)]) == pytest.approx(result["accuracy"])


def test_pt_checkpoints_load_with_weights_only(tmp_path: Path) -> None:
    objective = make_objective(checkpoint="pt", epochs=1, max_batches=3)
    objective({"lr": 0.01}, context({"lr": 0.01}, out_dir=str(tmp_path)))
    state, config = load_checkpoint(tmp_path / "checkpoint.pt")
    assert all(isinstance(v, torch.Tensor) for v in state.values())
    assert config["n_outputs"] == 10 and config["input_shape"] == [64]


def test_block_params_are_defaults_and_trial_params_win() -> None:
    objective = make_objective(
        params={"optimizer": "sgd", "lr": 0.5, "hidden_sizes": [8]},
        epochs=1,
        max_batches=2,
        metric="log_loss",
    )
    cfg = objective.config({"lr": 0.01})
    assert (cfg.optimizer, cfg.lr, cfg.hidden_sizes, cfg.epochs) == ("sgd", 0.01, (8,), 1)
    assert objective.monitor == "log_loss"
    assert "log_loss" in objective({"lr": 0.01})


def test_cnn_model_block_and_kfold() -> None:
    objective = make_objective(
        model={"type": "cnn", "input_shape": [1, 8, 8], "channels": 4},
        validation={"folds": 2, "seed": 0},
        epochs=1,
        max_batches=4,
    )
    assert objective.input_shape(objective.config({})) == (1, 8, 8)
    channel = RecordingChannel()
    result = objective({"lr": 0.01}, context({"lr": 0.01}, channel=channel))
    assert len(channel.reports) == 1 and 0 <= result["accuracy"] <= 1


def test_user_factory_builds_the_model() -> None:
    objective = make_objective(
        {"hidden_size": {"type": "int", "low": 4, "high": 8}},
        factory="tests.training.factories:tiny_net",
        epochs=1,
    )
    result = objective({"hidden_size": 5})
    assert result["n_params"] == 64 * 5 + 5 + 5 * 10 + 10


def test_factory_must_return_a_module() -> None:
    objective = make_objective(factory="tests.training.factories:not_a_module", epochs=1)
    with pytest.raises(ConfigError, match=r"the factory returned str, not a torch\.nn\.Module"):
        objective({"lr": 0.01})


def test_multi_objective_returns_both_and_does_not_report() -> None:
    objective = make_objective(
        metric=[
            {"name": "accuracy", "goal": "maximize"},
            {"name": "latency_ms", "goal": "minimize"},
        ],
        epochs=2,
        max_batches=3,
    )
    channel = RecordingChannel()
    result = objective({"lr": 0.01}, context({"lr": 0.01}, channel=channel))
    assert channel.reports == []
    assert result["latency_ms"] > 0 and 0 <= result["accuracy"] <= 1


def test_default_value_metric_is_the_validation_loss() -> None:
    space = hpsearch.load_space(
        {
            "objective": {"type": "torch", "dataset": "sklearn:iris", "epochs": 1},
            "parameters": {"lr": {"type": "float", "low": 0.01, "high": 0.1}},
        }
    )
    objective = build_objective(space.objective, space)
    result = objective({"lr": 0.05})
    assert result["value"] == result["val_loss"]


@pytest.mark.parametrize(
    ("kw", "params", "message"),
    [
        (
            {"metric": "auc"},
            None,
            r"metric\.name: the torch objective on a classification task has "
            r"no metric 'auc'",
        ),
        (
            {},
            {"lrr": {"type": "float", "low": 0.1, "high": 1}},
            r"parameters\.lrr: unknown training knob 'lrr' \(did you mean 'lr'\?\)",
        ),
        ({"validation": {"split": 1.5}}, None, r"objective\.validation\.split: must be a fraction"),
        ({"device": "tpu"}, None, r"objective\.device: must be auto, cpu, cuda or cuda:N"),
        (
            {"early_stopping": {"patience": 2, "delta": 1}},
            None,
            r"objective\.early_stopping: unknown key 'delta'",
        ),
        ({"params": {"optimizer": "lion"}}, None, r"objective\.optimizer: must be one of"),
        ({"checkpoint": "zip"}, None, r"objective\.checkpoint: must be true, false"),
    ],
)
def test_bad_blocks_fail_when_the_objective_is_built(kw, params, message) -> None:
    with pytest.raises(ConfigError, match=message):
        make_objective(params, **kw)


def test_bad_trial_value_fails_the_trial_with_its_name(digits_objective) -> None:
    outcome = run_trial(digits_objective, TrialJob(0, {"lr": -1.0}), metric_names=["accuracy"])
    assert outcome.state == "FAILED"
    assert "params.lr: must be > 0" in outcome.error


# -- devices -------------------------------------------------------------------------------------
def test_device_selection_with_and_without_cuda() -> None:
    assert select_device("auto", None, cuda_available=True) == "cuda:0"
    assert select_device("auto", "cuda:2", cuda_available=True) == "cuda:2"
    assert select_device("cuda", "cuda:1", cuda_available=True) == "cuda:1"
    assert select_device("cuda:3", "cuda:1", cuda_available=True) == "cuda:3"
    assert select_device("cpu", "cuda:1", cuda_available=True) == "cpu"
    assert select_device("auto", "cpu", cuda_available=True) == "cpu"
    assert select_device("auto", None, cuda_available=False) == "cpu"
    with pytest.warns(
        RuntimeWarning, match="CUDA is not available; training on the CPU instead of cuda:1"
    ):
        assert select_device("auto", "cuda:1", cuda_available=False) == "cpu"


def test_amp_only_on_cuda() -> None:
    assert amp_dtype("bf16", "cuda:0") is torch.bfloat16
    assert amp_dtype("fp16", "cuda:1") is torch.float16
    assert amp_dtype("bf16", "cpu") is None and amp_dtype("none", "cuda:0") is None


def test_cuda_trial_falls_back_to_cpu_here(tmp_path: Path) -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    objective = make_objective(device="cuda", amp="bf16", epochs=1, max_batches=3)
    with pytest.warns(RuntimeWarning, match="CUDA is not available"):
        result = objective({"lr": 0.01}, context({"lr": 0.01}, device="cuda:0"))
    assert 0 <= result["accuracy"] <= 1


# -- retrain -------------------------------------------------------------------------------------
def test_retrain_trains_the_best_config_on_all_data(tmp_path: Path) -> None:
    space = make_space(epochs=4)
    (tmp_path / "space.yaml").write_text(yaml.safe_dump(space.to_dict()))
    (tmp_path / "best.yaml").write_text(
        yaml.safe_dump(
            {"trial": 3, "params": {"lr": 0.01}, "metrics": {"accuracy": 0.9, "best_epoch": 2.0}}
        )
    )
    out = retrain(tmp_path)
    assert out == tmp_path / "final"
    assert (out / "model.safetensors").exists()
    config = yaml.safe_load((out / "config.yaml").read_text())
    assert config["epochs"] == 2 and config["best_trial"] == 3 and config["knobs"]["lr"] == 0.01
    model, _ = load_model(out)
    X = torch.randn(5, 64)
    assert model(X).shape == (5, 10)


def test_retrain_needs_a_run_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"best\.yaml not found"):
        retrain(tmp_path)
