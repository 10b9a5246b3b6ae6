"""Objectives the Tune tests run (imported by name from the space files, in Ray workers too)."""

from __future__ import annotations

import json
import time
from pathlib import Path


def curve(params, trial):
    """Reports ten steps of a curve that depends on x and k; deterministic."""
    offset = 0.0 if params["k"] == "a" else 0.3
    value = 0.0
    for step in range(10):
        value = (params["x"] - 0.2) ** 2 + offset + 1.0 / (step + 1)
        trial.report(value, step)
        if trial.should_prune():
            from hpsearch.trial import TrialPruned

            raise TrialPruned()
    return value


def sleepy(params, trial):
    """Hangs when x > 0.5 (for trial_timeout), else takes a fraction of a second."""
    time.sleep(60 if params["x"] > 0.5 else 0.2)
    return params["x"]


def population(params, trial):
    """A resumable training loop for PBT: its state lives in trial.checkpoint_dir."""
    state = {"step": 0, "score": 0.0}
    if trial.resume_from:
        state = json.loads((Path(trial.resume_from) / "state.json").read_text())
    for step in range(state["step"], 12):
        state["score"] += -abs(params["lr"] - 0.3)
        state["step"] = step + 1
        folder = Path(trial.checkpoint_dir)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "state.json").write_text(json.dumps(state))
        trial.report(state["score"], step)
        time.sleep(0.3)  # slow enough for PBT to act between steps
    return state["score"]


def steady(params, trial):
    """A second per trial: long enough to kill a sweep between two trials' results."""
    time.sleep(1.0)
    return params["x"]


def tradeoff(params, trial):
    """Two metrics that pull apart (a Pareto front along x); deterministic."""
    return {"loss": (params["x"] - 0.5) ** 2, "size": abs(params["x"]) + (params["k"] == "b")}
