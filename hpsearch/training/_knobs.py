"""The training knobs a torch sweep can search, their defaults, and how a trial's params set them.

Every knob can be fixed in the objective block (``params: {optimizer: sgd}``, or the top-level
``epochs:``, ``loss:``, ``amp:``, ``seed:``, ``early_stopping: {patience, min_delta}`` and
``model: mlp | cnn | {type: cnn, ...knobs}``) and searched as a trial parameter; a trial's params
win over the block. Names are accepted flat (``lr``) or inside a group (``optimizer.lr``,
``regularization.dropout``: the last part names the knob); ``<group>.name`` / ``<group>.type``
sets the knob the group is named after (``optimizer.name: adam``, ``schedule.type: cosine``).
An unknown name is a :class:`~hpsearch.errors.ConfigError`.

=================  =============  ===========================================================
knob               default        meaning
=================  =============  ===========================================================
model              mlp            mlp | cnn (a CNN needs image-shaped input, e.g. 1x8x8)
optimizer          adam           sgd | adam | adamw | rmsprop
lr                 0.001          base learning rate (peak lr for warmup and one_cycle)
momentum           0.9            sgd and rmsprop momentum
nesterov           false          Nesterov momentum (sgd)
beta1              0.9            Adam/AdamW first-moment decay
beta2              0.999          Adam/AdamW second-moment decay
eps                1e-8           Adam/AdamW/RMSprop epsilon
lr_schedule        constant       constant | step | exponential | cosine | warmup_cosine |
                                  warmup_linear | one_cycle | plateau (see ``_schedules``)
warmup_epochs      1              linear warmup length (warmup_cosine, warmup_linear)
gamma              0.5            decay factor (step, exponential, plateau)
step_size          5              epochs between decays (step)
min_lr             0.0            floor of the decaying schedules
plateau_patience   2              epochs without improvement before a plateau decay
one_cycle_pct      0.3            share of the epochs spent rising (one_cycle)
batch_size         32             examples per optimizer step
lr_scaling         none           none | linear: lr * batch_size / base_batch_size
base_batch_size    32             reference batch size of the linear scaling rule
weight_decay       0.0            L2 penalty (decoupled for adamw)
l1                 0.0            L1 penalty on the weights (not biases), added to the loss
dropout            0.0            dropout before every hidden layer's output
label_smoothing    0.0            cross-entropy label smoothing
input_noise        0.0            std of Gaussian noise added to (standardized) training inputs
grad_clip          0.0            max gradient norm; 0 turns clipping off
epochs             20             training epochs
patience           0              early stopping: epochs without improvement; 0 turns it off
min_delta          0.0            early stopping: smallest change that counts as improvement
hidden_sizes       [128]          MLP hidden layer widths (CNN: widths of the dense head)
hidden_size        none           with n_layers, shorthand for hidden_sizes
n_layers           none           number of hidden layers of width hidden_size
activation         relu           relu | gelu | tanh | silu | leaky_relu | elu
norm               none           none | batch | layer
channels           [16, 32]       CNN conv channels per block (an int c means [c, 2c])
kernel_size        3              CNN kernel size ("same" padding)
pooling            max            max | avg | none (2x2 after each conv block)
loss               auto           auto | cross_entropy | mse | huber (auto: by task)
huber_delta        1.0            Huber loss delta
amp                none           none | bf16 | fp16 autocast (CUDA only; ignored on CPU)
seed               0              seeds weights, shuffling and noise
quantize           none           none | dynamic_int8 | fp16: post-training compression of the
                                  trained model, judged by size_mb, latency_ms and
                                  compressed_<metric> (see ``_compress``)
=================  =============  ===========================================================
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hpsearch.errors import ConfigError, did_you_mean

__all__ = [
    "ACTIVATIONS",
    "AMP_MODES",
    "LOSSES",
    "OPTIMIZERS",
    "SCHEDULES",
    "TrainConfig",
    "resolve_knobs",
]

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
SCHEDULES = (
    "constant",
    "step",
    "exponential",
    "cosine",
    "warmup_cosine",
    "warmup_linear",
    "one_cycle",
    "plateau",
)
ACTIVATIONS = ("relu", "gelu", "tanh", "silu", "leaky_relu", "elu")
LOSSES = ("auto", "cross_entropy", "mse", "huber")
AMP_MODES = ("none", "bf16", "fp16")
QUANTIZE_MODES = ("none", "dynamic_int8", "fp16")  # hpsearch.training._compress

_CHOICES: dict[str, tuple[str, ...]] = {
    "model": ("mlp", "cnn"),
    "optimizer": OPTIMIZERS,
    "lr_schedule": SCHEDULES,
    "lr_scaling": ("none", "linear"),
    "activation": ACTIVATIONS,
    "norm": ("none", "batch", "layer"),
    "pooling": ("max", "avg", "none"),
    "loss": LOSSES,
    "amp": AMP_MODES,
    "quantize": QUANTIZE_MODES,
}
_POSITIVE = {
    "lr",
    "eps",
    "batch_size",
    "base_batch_size",
    "epochs",
    "kernel_size",
    "gamma",
    "step_size",
    "huber_delta",
}
_UNIT_INTERVAL = {"dropout", "label_smoothing", "one_cycle_pct", "beta1", "beta2"}
ALIASES = {
    "schedule": "lr_schedule",
    "scheduler": "lr_schedule",
    "lr_scheduler": "lr_schedule",
    "learning_rate": "lr",
    "hidden": "hidden_sizes",
    "layers": "hidden_sizes",
    "early_stopping_patience": "patience",
    "clip": "grad_clip",
    "clip_grad_norm": "grad_clip",
    "l2": "weight_decay",
}


@dataclass(frozen=True)
class TrainConfig:
    """The resolved training knobs of one trial (see the module docstring for each one).

    Example:
        >>> TrainConfig().optimizer, TrainConfig(lr=0.1).lr
        ('adam', 0.1)
    """

    model: str = "mlp"
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.9
    nesterov: bool = False
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    lr_schedule: str = "constant"
    warmup_epochs: int = 1
    gamma: float = 0.5
    step_size: int = 5
    min_lr: float = 0.0
    plateau_patience: int = 2
    one_cycle_pct: float = 0.3
    batch_size: int = 32
    lr_scaling: str = "none"
    base_batch_size: int = 32
    weight_decay: float = 0.0
    l1: float = 0.0
    dropout: float = 0.0
    label_smoothing: float = 0.0
    input_noise: float = 0.0
    grad_clip: float = 0.0
    epochs: int = 20
    patience: int = 0
    min_delta: float = 0.0
    hidden_sizes: tuple[int, ...] = (128,)
    hidden_size: int | None = None
    n_layers: int | None = None
    activation: str = "relu"
    norm: str = "none"
    channels: tuple[int, ...] = (16, 32)
    kernel_size: int = 3
    pooling: str = "max"
    loss: str = "auto"
    huber_delta: float = 1.0
    amp: str = "none"
    seed: int = 0
    quantize: str = "none"

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """Hidden widths: ``hidden_size`` x ``n_layers`` when either is set, else hidden_sizes."""
        if self.hidden_size is not None or self.n_layers is not None:
            width = (
                self.hidden_size
                if self.hidden_size is not None
                else (self.hidden_sizes[0] if self.hidden_sizes else 128)
            )
            depth = self.n_layers if self.n_layers is not None else max(1, len(self.hidden_sizes))
            return (int(width),) * int(depth)
        return tuple(self.hidden_sizes)

    @property
    def effective_lr(self) -> float:
        """The base lr after the batch-size scaling rule."""
        if self.lr_scaling == "linear":
            return self.lr * self.batch_size / self.base_batch_size
        return self.lr

    def to_dict(self) -> dict[str, Any]:
        """Plain values (lists for tuples), for JSON/YAML."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


KNOB_NAMES = tuple(f.name for f in dataclasses.fields(TrainConfig))
_FIELD_TYPES = {f.name: f.type for f in dataclasses.fields(TrainConfig)}


def _canonical(name: str, path: str) -> str:
    """The knob a (possibly dotted) parameter name sets."""
    if name in KNOB_NAMES:
        return name
    if name in ALIASES:
        return ALIASES[name]
    parts = name.split(".")
    if len(parts) > 1:
        last = parts[-1]
        if last in KNOB_NAMES or last in ALIASES:
            return ALIASES.get(last, last)
        if last in ("name", "type", "kind"):
            group = ALIASES.get(parts[-2], parts[-2])
            if group in KNOB_NAMES:
                return group
    allowed = (*KNOB_NAMES, *ALIASES)
    raise ConfigError(
        f"unknown training knob {name!r}{did_you_mean(parts[-1], allowed)}; "
        f"allowed: {', '.join(KNOB_NAMES)}",
        path=path,
    )


def _sizes(value: Any, path: str) -> tuple[int, ...]:
    if isinstance(value, str):
        items: Any = [v for v in value.replace("x", ",").replace("-", ",").split(",") if v.strip()]
    elif isinstance(value, (list, tuple)):
        items = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        items = [value]
    else:
        raise ConfigError(
            f"must be a list of layer widths such as [128, 64], got {value!r}", path=path
        )
    try:
        sizes = tuple(int(float(v)) for v in items)
    except (TypeError, ValueError):
        raise ConfigError(
            f"must be a list of positive integers, got {value!r}", path=path
        ) from None
    if any(s < 1 for s in sizes):
        raise ConfigError(f"layer widths must be >= 1, got {value!r}", path=path)
    return sizes


def _coerce(knob: str, value: Any, path: str) -> Any:
    kind = str(_FIELD_TYPES[knob])
    if knob in _CHOICES:
        value = "none" if value is None or value is False else value
        if not isinstance(value, str) or value.lower() not in _CHOICES[knob]:
            raise ConfigError(
                f"must be one of {', '.join(_CHOICES[knob])}, got {value!r}"
                f"{did_you_mean(str(value), _CHOICES[knob])}",
                path=path,
            )
        return value.lower()
    if knob in ("hidden_sizes",):
        return _sizes(value, path)
    if knob == "channels":
        sizes = _sizes(value, path)
        return (sizes[0], 2 * sizes[0]) if len(sizes) == 1 else sizes
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no"):
            return value.lower() in ("true", "yes")
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        raise ConfigError(f"must be true or false, got {value!r}", path=path)
    if value is None and "None" in kind:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ConfigError(f"must be a number, got {value!r}", path=path)
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"must be a number, got {value!r}", path=path) from None
    if not math.isfinite(number):
        raise ConfigError(f"must be finite, got {value!r}", path=path)
    if "int" in kind:
        if number != int(number):
            raise ConfigError(f"must be an integer, got {value!r}", path=path)
        number = int(number)
    if knob in _POSITIVE and number <= 0:
        raise ConfigError(f"must be > 0, got {value!r}", path=path)
    if number < 0:
        raise ConfigError(f"must be >= 0, got {value!r}", path=path)
    if knob in _UNIT_INTERVAL and number >= 1:
        raise ConfigError(f"must be in [0, 1), got {value!r}", path=path)
    if knob in ("hidden_size", "n_layers") and number < 1:
        raise ConfigError(f"must be >= 1, got {value!r}", path=path)
    return number


def resolve_knobs(*layers: tuple[Mapping[str, Any] | None, str]) -> TrainConfig:
    """Merge knob settings, later layers winning, into a validated :class:`TrainConfig`.

    Each layer is ``(mapping, path prefix for errors)``; typically the objective block's fixed
    values then the trial's params.

    Example:
        >>> cfg = resolve_knobs(({"optimizer": "sgd", "lr": 0.1}, "objective.params"),
        ...                     ({"optimizer.lr": "1e-2"}, "params"))
        >>> cfg.optimizer, cfg.lr
        ('sgd', 0.01)
    """
    values: dict[str, Any] = {}
    for mapping, prefix in layers:
        if not mapping:
            continue
        for name, raw in mapping.items():
            path = f"{prefix}.{name}" if prefix else str(name)
            knob = _canonical(str(name), path)
            values[knob] = _coerce(knob, raw, path)
    return TrainConfig(**values)
