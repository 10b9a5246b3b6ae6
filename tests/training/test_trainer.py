from __future__ import annotations

import numpy as np
import pytest
import torch

from hpsearch.objectives._datasets import load_dataset
from hpsearch.training import (
    PreparedData,
    TrainConfig,
    build_model,
    make_loss,
    predict,
    train,
)
from hpsearch.training._models import weight_parameters


@pytest.fixture(scope="module")
def digits() -> PreparedData:
    ds = load_dataset("sklearn:digits")
    return PreparedData.build(ds.X, ds.y, ds.task, {"split": 0.25, "seed": 0})


def small(**kw: object) -> TrainConfig:
    base: dict[str, object] = {"epochs": 2, "hidden_sizes": (32,), "batch_size": 64}
    base.update(kw)
    return TrainConfig(**base)  # type: ignore[arg-type]


def test_standardization_is_fitted_on_the_training_part_only(digits: PreparedData) -> None:
    fold = digits.folds[0]
    assert np.allclose(fold.X_train.mean(axis=0), 0, atol=1e-5)
    assert not np.allclose(fold.X_val.mean(axis=0), 0, atol=1e-3)
    assert len(fold.X_train) + len(fold.X_val) == 1797
    assert digits.on("cpu") is digits.on("cpu")  # tensors built once per device


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw", "rmsprop"])
def test_each_optimizer_learns(digits: PreparedData, optimizer: str) -> None:
    lr = 0.05 if optimizer == "sgd" else 0.003
    result = train(small(optimizer=optimizer, lr=lr, nesterov=True), digits, input_shape=(64,))
    assert result.metrics["accuracy"] > 0.8
    assert result.history[-1]["train_loss"] < result.history[0]["train_loss"]


def _weight_norms(result: object) -> tuple[float, float]:
    weights = weight_parameters(result.models[0])  # type: ignore[attr-defined]
    l2 = float(sum((w.detach() ** 2).sum() for w in weights))
    l1 = float(sum(w.detach().abs().sum() for w in weights))
    return l2, l1


@pytest.mark.parametrize("optimizer", ["sgd", "adamw"])
def test_weight_decay_shrinks_weights(digits: PreparedData, optimizer: str) -> None:
    lr = 0.05 if optimizer == "sgd" else 0.01
    plain = train(small(optimizer=optimizer, lr=lr), digits, input_shape=(64,))
    decayed = train(small(optimizer=optimizer, lr=lr, weight_decay=2.0), digits, input_shape=(64,))
    assert _weight_norms(decayed)[0] < 0.8 * _weight_norms(plain)[0]


def test_l1_shrinks_weights_towards_zero(digits: PreparedData) -> None:
    plain = train(small(lr=0.01), digits, input_shape=(64,))
    sparse = train(small(lr=0.01, l1=0.01), digits, input_shape=(64,))
    assert _weight_norms(sparse)[1] < 0.8 * _weight_norms(plain)[1]


def test_dropout_is_off_at_evaluation() -> None:
    cfg = TrainConfig(hidden_sizes=(64, 64), dropout=0.5)
    model = build_model(cfg, (10,), 3)
    x = torch.randn(32, 10)
    first, second = predict(model, x, (10,)), predict(model, x, (10,))
    assert torch.equal(first, second)
    assert not model.training
    model.train()
    assert not torch.equal(model(x), model(x))  # and on during training
    no_dropout = torch.nn.Sequential(*[m for m in model if not isinstance(m, torch.nn.Dropout)])
    assert torch.allclose(predict(no_dropout, x, (10,)), first)


def test_early_stopping_stops_when_nothing_improves(digits: PreparedData) -> None:
    cfg = small(epochs=30, lr=1e-9, optimizer="sgd", momentum=0.0, patience=2, min_delta=0.01)
    result = train(cfg, digits, input_shape=(64,))
    assert result.stopped_early
    assert result.epochs_run == 3  # epoch 1 sets the reference, 2 and 3 do not beat it
    assert result.best_epoch <= 3


def test_best_epoch_weights_are_kept(digits: PreparedData) -> None:
    result = train(small(epochs=4, lr=0.3, optimizer="sgd"), digits, input_shape=(64,))
    best = max(h["value"] for h in result.history)
    assert result.metrics["accuracy"] == pytest.approx(best)
    fold = digits.on("cpu")[0]
    acc = (predict(result.models[0], fold.X_val, (64,)).argmax(1) == fold.y_val).float().mean()
    assert float(acc) == pytest.approx(best)


def test_kfold_trains_one_model_per_fold_and_averages() -> None:
    ds = load_dataset("sklearn:iris")
    data = PreparedData.build(ds.X, ds.y, ds.task, {"folds": 3, "seed": 0})
    result = train(small(epochs=3, lr=0.01), data, input_shape=(4,))
    assert len(result.models) == 3
    assert 0.3 < result.metrics["accuracy"] <= 1.0


def test_regression_metrics_in_original_units() -> None:
    ds = load_dataset("sklearn:diabetes")
    data = PreparedData.build(ds.X, ds.y, ds.task, {"split": 0.25, "seed": 0})
    result = train(small(epochs=15, lr=0.01), data, input_shape=(10,), monitor="mse")
    m = result.metrics
    assert set(m) >= {"mse", "rmse", "mae", "r2", "val_loss", "latency_ms", "n_params"}
    assert m["rmse"] == pytest.approx(np.sqrt(m["mse"]))
    assert 1000 < m["mse"] < 6000 and m["r2"] > 0.2  # target std is about 77


@pytest.mark.parametrize(
    "kw",
    [
        {"loss": "mse"},
        {"loss": "huber"},
        {"label_smoothing": 0.1},
        {"input_noise": 0.2},
        {"grad_clip": 0.5},
        {"norm": "batch"},
        {"norm": "layer", "activation": "gelu"},
        {"lr_schedule": "one_cycle"},
        {"lr_schedule": "plateau"},
    ],
)
def test_knob_variants_train(digits: PreparedData, kw: dict[str, object]) -> None:
    result = train(small(lr=0.01, **kw), digits, input_shape=(64,), max_batches=5)
    assert 0 <= result.metrics["accuracy"] <= 1 and result.epochs_run == 2


def test_cnn_on_8x8_digits(digits: PreparedData) -> None:
    cfg = small(model="cnn", channels=(4, 8), hidden_sizes=(16,), lr=0.01)
    result = train(cfg, digits, input_shape=(1, 8, 8), max_batches=10)
    assert result.metrics["n_params"] > 0 and result.epochs_run == 2


def test_same_seed_same_result(digits: PreparedData) -> None:
    a = train(
        small(seed=3, dropout=0.2, input_noise=0.1), digits, input_shape=(64,), deterministic=True
    )
    b = train(
        small(seed=3, dropout=0.2, input_noise=0.1), digits, input_shape=(64,), deterministic=True
    )
    assert [h["value"] for h in a.history] == [h["value"] for h in b.history]


def test_divergence_is_an_error() -> None:
    X = np.random.default_rng(0).normal(size=(40, 2))
    data = PreparedData.build(X, X[:, 0] * 1e6, "regression", {"split": 0.25, "seed": 0})
    with pytest.raises(FloatingPointError, match="training diverged at epoch 1"):
        train(small(lr=1e9, optimizer="sgd", batch_size=8), data, input_shape=(2,), monitor="mse")


def test_cross_entropy_on_regression_is_a_config_error() -> None:
    from hpsearch.errors import ConfigError

    with pytest.raises(ConfigError, match="cross_entropy needs a classification task"):
        make_loss(TrainConfig(loss="cross_entropy"), "regression")
