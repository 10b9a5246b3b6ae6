"""Resumable training state: written at the end of every epoch, read back to continue a trial.

A state is two files in one directory: ``epoch-NNNN.safetensors`` (every tensor: each fold's
weights, best-epoch weights and outputs, optimizer state tensors, shuffling generator, and the
torch/CUDA/NumPy RNG states) and ``epoch-NNNN.json`` (everything else: epoch, history,
best-so-far, early-stopping counters, schedule and grad-scaler state, optimizer hyperparameters,
Python's RNG state, and the tensors file's SHA-256). Nothing is pickled. Both are written to
temporary names, fsynced and renamed, JSON last (it is the commit marker), then the directory
is fsynced and older states are deleted, so a crash at any moment leaves the previous state or
the new one, never half of one.

Example:
    >>> # save_state(directory, runs, LoopState(epochs_done=3, ...))
    >>> # loop = load_state(directory, runs)   # runs rebuilt the same way, then overwritten
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

__all__ = ["LoopState", "latest_state", "load_state", "save_state"]

_FORMAT = "hpsearch-train-state/1"


@dataclass
class LoopState:
    """The training loop's own state between epochs."""

    epochs_done: int
    history: list[dict[str, float]] = field(default_factory=list)
    best: float | None = None
    ref: float | None = None
    best_epoch: int = 0
    stale: int = 0
    train_time_s: float = 0.0


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _optimizer_parts(prefix: str, state: dict[str, Any]) -> tuple[dict[str, torch.Tensor], Any]:
    """Split an optimizer state dict into tensors and a JSON-able rest."""
    tensors: dict[str, torch.Tensor] = {}
    rest: dict[str, dict[str, Any]] = {}
    for index, values in state["state"].items():
        plain: dict[str, Any] = {}
        for name, value in values.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{prefix}.state.{index}.{name}"] = value
            else:
                plain[name] = value
        rest[str(index)] = plain
    return tensors, {"state": rest, "param_groups": state["param_groups"]}


def _optimizer_state(prefix: str, tensors: dict[str, torch.Tensor], rest: Any) -> dict[str, Any]:
    state: dict[int, dict[str, Any]] = {int(i): dict(v) for i, v in rest["state"].items()}
    head = f"{prefix}.state."
    for key, value in tensors.items():
        if key.startswith(head):
            index, name = key[len(head) :].split(".", 1)
            state.setdefault(int(index), {})[name] = value
    return {"state": state, "param_groups": rest["param_groups"]}


def _rng_tensors() -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    tensors = {"rng.torch": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        for i, state in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"rng.cuda.{i}"] = state
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    tensors["rng.numpy"] = torch.from_numpy(np.asarray(keys, dtype=np.int64))
    version, py_state, py_gauss = random.getstate()
    rest = {
        "numpy": [kind, int(pos), int(has_gauss), float(gauss)],
        "python": [version, list(py_state), py_gauss],
    }
    return tensors, rest


def _restore_rngs(tensors: dict[str, torch.Tensor], rest: dict[str, Any]) -> None:
    torch.set_rng_state(tensors["rng.torch"])
    cuda = [tensors[k] for k in sorted(k for k in tensors if k.startswith("rng.cuda."))]
    if cuda and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(cuda)
    kind, pos, has_gauss, gauss = rest["numpy"]
    keys = tensors["rng.numpy"].numpy().astype(np.uint32)
    np.random.set_state((kind, keys, pos, has_gauss, gauss))
    version, py_state, py_gauss = rest["python"]
    random.setstate((version, tuple(py_state), py_gauss))


def _cpu(tensor: torch.Tensor) -> torch.Tensor:
    return tensor.detach().to("cpu").contiguous()


def save_state(directory: str | Path, runs: Sequence[Any], loop: LoopState) -> Path:
    """Write the state after ``loop.epochs_done`` epochs; keep only this one. Returns its JSON.

    ``runs`` are the trainer's per-fold runs (model, optimizer, schedule, generator, scaler,
    best-epoch weights and outputs).
    """
    from safetensors.torch import save as save_tensors

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tensors, rng_rest = _rng_tensors()
    folds = []
    for i, run in enumerate(runs):
        p = f"fold{i}"
        for key, value in run.model.state_dict().items():
            tensors[f"{p}.model.{key}"] = value
        for key, value in (run.best_state or {}).items():
            tensors[f"{p}.best.{key}"] = value
        if run.best_outputs is not None:
            tensors[f"{p}.best_outputs"] = torch.from_numpy(np.ascontiguousarray(run.best_outputs))
        tensors[f"{p}.generator"] = run.generator.get_state()
        optim_tensors, optim_rest = _optimizer_parts(f"{p}.optim", run.optimizer.state_dict())
        tensors.update(optim_tensors)
        folds.append(
            {
                "optimizer": optim_rest,
                "schedule": {"decays": run.schedule.decays, "stale": run.schedule._stale},
                "scaler": run.scaler.state_dict(),
                "best_val_loss": run.best_val_loss,
                "has_best": run.best_state is not None,
            }
        )
    blob = save_tensors({k: _cpu(v) for k, v in tensors.items()})
    stem = f"epoch-{loop.epochs_done:04d}"
    meta = {
        "format": _FORMAT,
        "tensors": f"{stem}.safetensors",
        "sha256": hashlib.sha256(blob).hexdigest(),
        "loop": asdict(loop),
        "folds": folds,
        "rng": rng_rest,
    }
    _write(directory / f"{stem}.safetensors", blob)
    _write(directory / f"{stem}.json", json.dumps(meta, allow_nan=True).encode())
    _fsync_dir(directory)
    for old in directory.glob("epoch-*.*"):
        if old.stem != stem:
            old.unlink(missing_ok=True)
    return directory / f"{stem}.json"


def latest_state(path: str | Path) -> Path | None:
    """The newest complete state in ``path`` (a state directory or one of its JSON files)."""
    path = Path(path)
    if path.is_file() and path.suffix == ".json":
        return path
    if not path.is_dir():
        return None
    for candidate in sorted(path.glob("epoch-*.json"), reverse=True):
        if candidate.with_suffix(".safetensors").is_file():
            return candidate
    return None


def load_state(path: str | Path, runs: Sequence[Any], *, device: str = "cpu") -> LoopState | None:
    """Overwrite ``runs`` (built as for a fresh start) with a saved state; None when none.

    Raises:
        ValueError: the state is damaged or was written for another model or fold count.
    """
    from safetensors.torch import load as load_tensors

    found = latest_state(path)
    if found is None:
        return None
    meta = json.loads(found.read_text(encoding="utf-8"))
    if meta.get("format") != _FORMAT or len(meta["folds"]) != len(runs):
        raise ValueError(f"{found} is not a training state for this trial ({len(runs)} folds)")
    blob = found.with_name(meta["tensors"]).read_bytes()
    if hashlib.sha256(blob).hexdigest() != meta["sha256"]:
        raise ValueError(f"{found.with_name(meta['tensors'])} is damaged (checksum mismatch)")
    tensors = load_tensors(blob)
    for i, (run, fold) in enumerate(zip(runs, meta["folds"])):
        p = f"fold{i}"
        model = {k[len(p) + 7 :]: v for k, v in tensors.items() if k.startswith(f"{p}.model.")}
        run.model.load_state_dict(model)
        if fold["has_best"]:
            run.best_state = {
                k[len(p) + 6 :]: v.to(device)
                for k, v in tensors.items()
                if k.startswith(f"{p}.best.")
            }
        if f"{p}.best_outputs" in tensors:
            run.best_outputs = tensors[f"{p}.best_outputs"].numpy()
        run.best_val_loss = fold["best_val_loss"]
        run.generator.set_state(tensors[f"{p}.generator"])
        run.optimizer.load_state_dict(_optimizer_state(f"{p}.optim", tensors, fold["optimizer"]))
        run.schedule.decays = fold["schedule"]["decays"]
        run.schedule._stale = fold["schedule"]["stale"]
        if fold["scaler"]:
            run.scaler.load_state_dict(fold["scaler"])
    _restore_rngs(tensors, meta["rng"])
    return LoopState(**meta["loop"])
