"""Pausing a training run and continuing it later: the full training state on disk.

When a trial is stopped at a multi-fidelity rung, the loop saves everything the next epoch
depends on: each fold's model, optimizer, lr-schedule plateau counters, data-order generator
and grad scaler, its best-epoch weights and outputs, torch's global RNG (dropout, input
noise), and the loop's own counters (epoch, best value, early-stopping state, history). A
promoted trial loads it and continues at the next epoch, so 3 + 6 epochs train exactly like 9.

The file holds tensors and plain numbers only and is read with ``torch.load(weights_only=True)``
(no pickled objects).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

__all__ = ["PAUSE_FILE", "load_pause", "save_pause"]

PAUSE_FILE = "paused_training.pt"


def save_pause(folder: str | Path, runs: Sequence[Any], loop: dict[str, Any]) -> Path:
    """Write the state of ``runs`` (the trainer's per-fold runs) and ``loop`` into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {
        "loop": dict(loop),
        "rng": torch.get_rng_state(),
        "runs": [
            {
                "model": run.model.state_dict(),
                "optimizer": run.optimizer.state_dict(),
                "schedule": [run.schedule.decays, run.schedule._stale],
                "generator": run.generator.get_state(),
                "scaler": run.scaler.state_dict(),
                "best_state": run.best_state,
                "best_outputs": None
                if run.best_outputs is None
                else torch.from_numpy(np.ascontiguousarray(run.best_outputs)),
                "best_val_loss": float(run.best_val_loss),
            }
            for run in runs
        ],
    }
    path = folder / PAUSE_FILE
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)
    return path


def load_pause(folder: str | Path, runs: Sequence[Any], device: str) -> dict[str, Any] | None:
    """Restore ``runs`` from ``folder``'s paused state; the loop counters, or ``None`` when
    ``folder`` holds none (or one for another number of folds)."""
    path = Path(folder) / PAUSE_FILE
    if not path.is_file():
        return None
    state = torch.load(path, map_location=device, weights_only=True)
    if len(state["runs"]) != len(runs):
        return None
    torch.set_rng_state(state["rng"].cpu())
    for run, saved in zip(runs, state["runs"]):
        run.model.load_state_dict(saved["model"])
        run.optimizer.load_state_dict(saved["optimizer"])
        run.schedule.decays, run.schedule._stale = (int(v) for v in saved["schedule"])
        run.generator.set_state(saved["generator"].cpu())
        run.scaler.load_state_dict(saved["scaler"])
        run.best_state = saved["best_state"]
        outputs = saved["best_outputs"]
        run.best_outputs = None if outputs is None else outputs.cpu().numpy()
        run.best_val_loss = float(saved["best_val_loss"])
    return dict(state["loop"])
