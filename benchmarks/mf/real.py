"""Real training tasks on bundled data, each a run that can be paused and continued.

- ``torch_mlp``: ``search_spaces/mlp_digits.yaml`` (hpsearch's torch objective, 27 epochs,
  early stopping off so every epoch counts), value = validation error (1 - accuracy).
- ``torch_cnn``: a small CNN on digits as 1x8x8 images through the same objective.
- ``sklearn_hgb``: ``HistGradientBoostingClassifier`` on digits, the resource is boosting
  rounds in steps of 4 (``warm_start`` continues a fit), value = validation log loss.
- ``sklearn_mlp``: ``MLPClassifier`` on breast cancer, one ``partial_fit`` pass per epoch,
  value = validation log loss.

``make_run(params, seed)`` returns an object with ``advance(r) -> value after r units`` and
``cost(start, end) -> CPU seconds of units start+1..end`` (the harness charges methods from
these), and ``close()``.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import hpsearch
from hpsearch.config import ObjectiveConfig, SweepConfig
from hpsearch.space import Space

__all__ = ["REAL", "RealTask"]

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class RealTask:
    name: str
    config_fn: Callable[[], SweepConfig]
    make_run: Callable[[Mapping[str, Any], int], Any]
    max_resource: int
    min_resource: int = 1
    accuracy_target: bool = False  # value = 1 - accuracy: the ratio-to-full-training target
    note: str = ""

    @property
    def space(self) -> Space:
        return self.config_fn().space


# -- torch, through hpsearch's objective and trainer ----------------------------------------
_TORCH: dict[str, Any] = {}


def _mlp_space() -> SweepConfig:
    config = hpsearch.load_space(ROOT / "search_spaces" / "mlp_digits.yaml")
    options = {**config.objective.options, "early_stopping": False, "checkpoint": False}
    objective = ObjectiveConfig("torch", {**options, "epochs": 27})
    return config.replace(objective=objective, pruner=None)


_CNN_YAML = {
    "name": "cnn-digits",
    "metric": {"name": "accuracy", "goal": "maximize"},
    "objective": {
        "type": "torch",
        "dataset": "sklearn:digits",
        "validation": {"split": 0.2, "seed": 0},
        "model": {"type": "cnn", "input_shape": [1, 8, 8]},
        "epochs": 27,
        "early_stopping": False,
        "checkpoint": False,
        "seed": 0,
    },
    "parameters": {
        "optimizer": {"type": "categorical", "choices": ["sgd", "adam"]},
        "lr": {"type": "float", "low": 1e-4, "high": 0.3, "log": True},
        "momentum": {"type": "float", "low": 0.0, "high": 0.98, "when": {"optimizer": "sgd"}},
        "batch_size": {"type": "categorical", "choices": [32, 64, 128]},
        "channels": {"type": "categorical", "choices": [[8, 16], [16, 32]]},
        "hidden_sizes": {"type": "categorical", "choices": [[32], [128]]},
        "dropout": {"type": "float", "low": 0.0, "high": 0.5},
        "weight_decay": {"type": "float", "low": 1e-6, "high": 1e-2, "log": True},
        "lr_schedule": {"type": "categorical", "choices": ["constant", "cosine"]},
    },
}


def _cnn_space() -> SweepConfig:
    return hpsearch.load_space(_CNN_YAML)


def _torch_objective(name: str, config: SweepConfig) -> Any:
    if name not in _TORCH:
        import torch

        from hpsearch.objectives import build_objective

        torch.set_num_threads(1)
        _TORCH[name] = build_objective(config.objective, config)
    return _TORCH[name]


def _torch_run(name: str, config_fn: Callable[[], SweepConfig]) -> Callable[..., Any]:
    def make(params: Mapping[str, Any], seed: int) -> Any:
        from benchmarks.mf._paused import PausedRun

        objective = _torch_objective(name, config_fn())
        return _ErrorRun(PausedRun(lambda trial: objective(dict(params), trial)))

    return make


class _ErrorRun:
    """A paused torch run reporting accuracy, read as error = 1 - accuracy."""

    def __init__(self, run: Any) -> None:
        self.run = run

    def advance(self, r: int) -> float:
        value = self.run.advance(r)
        return 1.0 if not math.isfinite(value) else 1.0 - value

    def cost(self, start: int, end: int) -> float:
        return self.run.cost(start, end)

    def close(self) -> None:
        self.run.close()


# -- scikit-learn ------------------------------------------------------------------------------
_DATA: dict[str, Any] = {}


def _split(name: str) -> tuple[np.ndarray, ...]:
    if name not in _DATA:
        from sklearn import datasets
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import StandardScaler

        X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
        X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
        scaler = StandardScaler().fit(X_tr)
        _DATA[name] = (scaler.transform(X_tr), scaler.transform(X_va), y_tr, y_va)
    return _DATA[name]


class _SklearnRun:
    """An estimator grown one resource unit at a time; the value is validation log loss."""

    def __init__(self, grow: Callable[[int], Any], data: tuple[np.ndarray, ...]) -> None:
        self.grow = grow
        self.data = data
        self.values: list[float] = []
        self.seconds: list[float] = []
        self.model: Any = None

    def advance(self, r: int) -> float:
        from sklearn.metrics import log_loss

        _, X_va, _, y_va = self.data
        while len(self.values) < r:
            start = time.thread_time()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.model = self.grow(len(self.values) + 1)
                proba = np.clip(self.model.predict_proba(X_va), 1e-7, 1)
            loss = float(log_loss(y_va, proba, labels=self.model.classes_))
            self.values.append(loss if math.isfinite(loss) else 10.0)
            self.seconds.append(time.thread_time() - start)
        return self.values[r - 1]

    def cost(self, start: int, end: int) -> float:
        return float(sum(self.seconds[int(start) : int(end)]))

    def close(self) -> None:
        self.model = None


def _hgb_space() -> SweepConfig:
    return hpsearch.load_space(
        {
            "parameters": {
                "learning_rate": {"type": "float", "low": 0.01, "high": 0.5, "log": True},
                "max_leaf_nodes": {"type": "int", "low": 4, "high": 128, "log": True},
                "min_samples_leaf": {"type": "int", "low": 2, "high": 100, "log": True},
                "l2_regularization": {"type": "float", "low": 1e-6, "high": 10.0, "log": True},
                "max_features": {"type": "float", "low": 0.2, "high": 1.0},
            }
        }
    )


def _hgb_run(params: Mapping[str, Any], seed: int) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    data = _split("digits")
    model = HistGradientBoostingClassifier(
        **dict(params), warm_start=True, early_stopping=False, random_state=0, max_iter=0
    )

    def grow(units: int) -> Any:
        model.set_params(max_iter=4 * units)
        return model.fit(data[0], data[2])

    return _SklearnRun(grow, data)


def _sk_mlp_space() -> SweepConfig:
    return hpsearch.load_space(
        {
            "parameters": {
                "hidden_layer_sizes": {"type": "categorical", "choices": [[16], [64], [64, 32]]},
                "activation": {"type": "categorical", "choices": ["relu", "tanh"]},
                "alpha": {"type": "float", "low": 1e-6, "high": 1.0, "log": True},
                "learning_rate_init": {"type": "float", "low": 1e-4, "high": 0.3, "log": True},
                "batch_size": {"type": "categorical", "choices": [16, 64, 256]},
            }
        }
    )


def _sk_mlp_run(params: Mapping[str, Any], seed: int) -> Any:
    from sklearn.neural_network import MLPClassifier

    data = _split("breast_cancer")
    p = dict(params)
    p["hidden_layer_sizes"] = tuple(p["hidden_layer_sizes"])
    model = MLPClassifier(**p, random_state=0)
    classes = np.unique(data[2])

    def grow(units: int) -> Any:
        return model.partial_fit(data[0], data[2], classes=classes)

    return _SklearnRun(grow, data)


REAL: dict[str, RealTask] = {
    t.name: t
    for t in (
        RealTask(
            "torch_mlp",
            _mlp_space,
            _torch_run("torch_mlp", _mlp_space),
            27,
            accuracy_target=True,
            note="search_spaces/mlp_digits.yaml, 15 knobs, validation error, 27 epochs",
        ),
        RealTask(
            "torch_cnn",
            _cnn_space,
            _torch_run("torch_cnn", _cnn_space),
            27,
            accuracy_target=True,
            note="CNN on 8x8 digits, 9 knobs, validation error, 27 epochs",
        ),
        RealTask(
            "sklearn_hgb",
            _hgb_space,
            _hgb_run,
            64,
            note="HistGradientBoosting on digits, 5 knobs, log loss, 4..256 rounds",
        ),
        RealTask(
            "sklearn_mlp",
            _sk_mlp_space,
            _sk_mlp_run,
            81,
            note="MLPClassifier on breast cancer, 5 knobs, log loss, 81 epochs",
        ),
    )
}
