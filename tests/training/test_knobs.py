from __future__ import annotations

import pytest

from hpsearch.errors import ConfigError
from hpsearch.training import _knobs
from hpsearch.training._knobs import KNOB_NAMES, TrainConfig, resolve_knobs


def test_defaults_and_later_layers_win() -> None:
    cfg = resolve_knobs(
        ({"optimizer": "sgd", "lr": 0.5, "epochs": 4}, "objective"), ({"lr": 0.01}, "params")
    )
    assert (cfg.optimizer, cfg.lr, cfg.epochs, cfg.batch_size) == ("sgd", 0.01, 4, 32)


def test_dotted_group_names_and_aliases() -> None:
    cfg = resolve_knobs(
        (
            {
                "optimizer.name": "adamw",
                "optimizer.lr": "1e-2",
                "schedule.type": "cosine",
                "regularization.dropout": 0.2,
                "learning_rate": 0.02,
            },
            "params",
        )
    )
    assert cfg.optimizer == "adamw"
    assert cfg.lr == 0.02  # learning_rate comes later and wins
    assert cfg.lr_schedule == "cosine"
    assert cfg.dropout == 0.2


def test_yaml11_strings_read_as_numbers_and_ints() -> None:
    cfg = resolve_knobs(({"weight_decay": "1e-5", "batch_size": 64.0, "nesterov": "true"}, "p"))
    assert cfg.weight_decay == 1e-5 and cfg.batch_size == 64 and cfg.nesterov is True


def test_hidden_size_and_n_layers_shorthand() -> None:
    assert resolve_knobs(({"hidden_size": 32, "n_layers": 3}, "p")).layer_sizes == (32, 32, 32)
    assert resolve_knobs(({"hidden_sizes": "64,16"}, "p")).layer_sizes == (64, 16)
    assert resolve_knobs(({"channels": 8}, "p")).channels == (8, 16)


def test_linear_lr_scaling() -> None:
    cfg = resolve_knobs(({"lr": 0.01, "batch_size": 128, "lr_scaling": "linear"}, "p"))
    assert cfg.effective_lr == pytest.approx(0.04)


def test_unknown_knob_suggests_the_close_one() -> None:
    with pytest.raises(
        ConfigError,
        match=r"params\.optimzer: unknown training knob .*did you "
        r"mean 'optimizer'",
    ):
        resolve_knobs(({"optimzer": "sgd"}, "params"))


@pytest.mark.parametrize(
    ("knob", "value", "message"),
    [
        ("optimizer", "lbfgs", "must be one of sgd, adam, adamw, rmsprop"),
        ("lr", 0, "must be > 0"),
        ("dropout", 1.0, r"must be in \[0, 1\)"),
        ("batch_size", 3.5, "must be an integer"),
        ("weight_decay", -1, "must be >= 0"),
        ("hidden_sizes", [0], "layer widths must be >= 1"),
        ("nesterov", "maybe", "must be true or false"),
    ],
)
def test_bad_values_name_the_knob(knob: str, value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=rf"params\.{knob}: {message}"):
        resolve_knobs(({knob: value}, "params"))


def test_every_knob_is_documented_in_the_table() -> None:
    doc = _knobs.__doc__ or ""
    for name in KNOB_NAMES:
        assert f"\n{name} " in doc, name
    assert TrainConfig().to_dict()["hidden_sizes"] == [128]
