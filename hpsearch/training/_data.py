"""Data for the trainer: validation folds with standardization fitted on the training part,
converted to tensors once and moved to each device once; and device/AMP selection."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from hpsearch.errors import ConfigError

__all__ = ["Fold", "PreparedData", "TensorFold", "amp_dtype", "parse_validation", "select_device"]


def select_device(
    requested: str | None = None, assigned: str | None = None, *, cuda_available: bool | None = None
) -> str:
    """Where a trial trains.

    ``requested`` is the objective block's ``device:`` (``auto``/None, ``cpu``, ``cuda``,
    ``cuda:N``); ``assigned`` is the device the executor gave the trial. Without CUDA every
    choice falls back to ``cpu`` (with a warning when CUDA was asked for by name).
    ``cuda_available`` overrides ``torch.cuda.is_available()`` (tests).

    Example:
        >>> select_device("auto", None, cuda_available=False)
        'cpu'
        >>> select_device("auto", "cuda:1", cuda_available=True)
        'cuda:1'
    """
    has_cuda = torch.cuda.is_available() if cuda_available is None else cuda_available
    req = (requested or "auto").strip().lower()
    if req == "cpu":
        return "cpu"
    if req not in ("auto", "cuda", "gpu") and not req.startswith("cuda:"):
        raise ConfigError(
            f"must be auto, cpu, cuda or cuda:N, got {requested!r}", path="objective.device"
        )
    if not has_cuda:
        if req != "auto" or (assigned or "").startswith("cuda"):
            warnings.warn(
                f"CUDA is not available; training on the CPU instead of "
                f"{assigned if req == 'auto' else req}",
                RuntimeWarning,
                stacklevel=2,
            )
        return "cpu"
    if req.startswith("cuda:"):
        return req
    if assigned and assigned.startswith("cuda"):
        return assigned if ":" in assigned else "cuda:0"
    if req == "auto" and assigned == "cpu":
        return "cpu"
    return "cuda:0"


def amp_dtype(amp: str, device: str) -> torch.dtype | None:
    """The autocast dtype for ``amp`` on ``device``: None unless on CUDA.

    Example:
        >>> amp_dtype("bf16", "cuda:0"), amp_dtype("bf16", "cpu")
        (torch.bfloat16, None)
    """
    if amp == "none" or not str(device).startswith("cuda"):
        return None
    return {"bf16": torch.bfloat16, "fp16": torch.float16}[amp]


def parse_validation(spec: Any) -> dict[str, Any]:
    """``{split: 0.2, seed: 0}`` (default), ``{folds: 5, seed: 0}``, or a bare split fraction."""
    if spec is None:
        spec = {}
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        spec = {"split": spec} if spec < 1 else {"folds": spec}
    if not isinstance(spec, Mapping):
        raise ConfigError(
            f"must be {{split: 0.2}} or {{folds: 5}}, got {spec!r}", path="objective.validation"
        )
    unknown = set(spec) - {"split", "folds", "seed", "shuffle", "stratify"}
    if unknown:
        raise ConfigError(
            f"unknown key {sorted(unknown)[0]!r}; allowed: folds, seed, shuffle, split, stratify",
            path="objective.validation",
        )
    if "split" in spec and "folds" in spec:
        raise ConfigError("give split or folds, not both", path="objective.validation")
    seed = spec.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError(f"must be an integer, got {seed!r}", path="objective.validation.seed")
    out: dict[str, Any] = {"seed": seed, "stratify": bool(spec.get("stratify", True))}
    if "folds" in spec:
        folds = spec["folds"]
        if isinstance(folds, bool) or not isinstance(folds, int) or folds < 2:
            raise ConfigError(
                f"must be an integer >= 2, got {folds!r}", path="objective.validation.folds"
            )
        out["folds"] = folds
    else:
        split = spec.get("split", 0.2)
        try:
            split = float(split)
        except (TypeError, ValueError):
            split = -1.0
        if not 0 < split < 1:
            raise ConfigError(
                f"must be a fraction in (0, 1), got {spec.get('split')!r}",
                path="objective.validation.split",
            )
        out["split"] = split
    return out


@dataclass
class Fold:
    """One train/validation partition, standardized with the training part's statistics."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    x_mean: np.ndarray
    x_std: np.ndarray
    y_mean: float = 0.0
    y_std: float = 1.0
    val_index: np.ndarray | None = None  # dataset rows of the validation part


@dataclass
class TensorFold:
    """A :class:`Fold` as tensors on one device."""

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_val: torch.Tensor
    y_val: torch.Tensor
    fold: Fold


def _standardize(
    X: np.ndarray, y: np.ndarray, train: np.ndarray, val: np.ndarray, regression: bool
) -> Fold:
    mean = X[train].mean(axis=0)
    std = X[train].std(axis=0)
    std[std < 1e-12] = 1.0
    y_mean, y_std = 0.0, 1.0
    y_out = y
    if regression:
        y_mean = float(y[train].mean())
        y_std = float(y[train].std()) or 1.0
        y_out = (y - y_mean) / y_std
    Xs = ((X - mean) / std).astype(np.float32)
    return Fold(Xs[train], y_out[train], Xs[val], y_out[val], mean, std, y_mean, y_std, val)


@dataclass
class PreparedData:
    """A dataset split into folds once per objective, with a per-device tensor cache.

    Example:
        >>> X = np.random.default_rng(0).normal(size=(40, 3)); y = np.arange(40) % 2
        >>> data = PreparedData.build(X, y, "classification", {"split": 0.25, "seed": 0})
        >>> len(data.folds), data.folds[0].X_val.shape
        (1, (10, 3))
    """

    folds: list[Fold]
    task: str
    n_outputs: int
    n_features: int
    classes: np.ndarray | None = None
    _cache: dict[str, list[TensorFold]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(
        cls,
        X: np.ndarray,
        y: np.ndarray,
        task: str,
        validation: Mapping[str, Any] | None,
    ) -> PreparedData:
        """Encode labels, split (stratified for classification) and standardize each fold.

        ``validation=None`` trains on everything (no validation part: used by retraining).
        """
        X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
        regression = task == "regression"
        classes = None
        if regression:
            y_enc: np.ndarray = np.asarray(y, dtype=np.float64).reshape(-1)
            n_outputs = 1
        else:
            classes, y_enc = np.unique(np.asarray(y), return_inverse=True)
            n_outputs = len(classes)
            if n_outputs < 2:
                raise ConfigError(
                    "classification needs at least 2 classes", path="objective.dataset"
                )
        n = len(X)
        index = np.arange(n)
        if validation is None:
            parts = [(index, index[:0])]
        else:
            from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

            seed = validation.get("seed", 0)
            strat = y_enc if (not regression and validation.get("stratify", True)) else None
            if "folds" in validation:
                k = validation["folds"]
                splitter = (
                    StratifiedKFold(k, shuffle=True, random_state=seed)
                    if strat is not None
                    else KFold(k, shuffle=True, random_state=seed)
                )
                parts = list(splitter.split(X, strat if strat is not None else None))
            else:
                train, val = train_test_split(
                    index, test_size=validation["split"], random_state=seed, stratify=strat
                )
                parts = [(np.sort(train), np.sort(val))]
        folds = [_standardize(X, y_enc, tr, va, regression) for tr, va in parts]
        return cls(folds, task, n_outputs, X.shape[1], classes)

    def on(self, device: str) -> list[TensorFold]:
        """The folds as tensors on ``device`` (converted on first use, then cached)."""
        if device not in self._cache:
            ydtype = torch.float32 if self.task == "regression" else torch.long
            self._cache[device] = [
                TensorFold(
                    torch.as_tensor(f.X_train, dtype=torch.float32, device=device),
                    torch.as_tensor(f.y_train, dtype=ydtype, device=device),
                    torch.as_tensor(f.X_val, dtype=torch.float32, device=device),
                    torch.as_tensor(f.y_val, dtype=ydtype, device=device),
                    f,
                )
                for f in self.folds
            ]
        return self._cache[device]
