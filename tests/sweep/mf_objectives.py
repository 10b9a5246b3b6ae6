"""Objectives for the multi-fidelity sweep tests: a learning curve that checkpoints its step.

``curve`` trains one "step" at a time towards ``(x - 0.3)**2 + 0.5 * (y + 0.2)**2`` (plus a
term that shrinks with the steps trained), saves its step and value in the trial's checkpoint
folder after each step, and logs every step it trains to ``steps.log`` there, so a test can
count the compute and see that promotions continue instead of restarting.
"""

from __future__ import annotations

import json
import os
import time

import optuna

MAX_STEP = 27


def _value(params: dict, step: int) -> float:
    return (params["x"] - 0.3) ** 2 + 0.5 * (params["y"] + 0.2) ** 2 + 1.0 / step


def curve(params: dict, trial) -> float:
    state = trial.checkpoint_dir / "state.json"
    step = 0
    if trial.resume_from is not None and state.exists():
        step = json.loads(state.read_text())["step"]
    value = _value(params, max(step, 1))
    while step < MAX_STEP:
        step += 1
        time.sleep(float(os.environ.get("MF_STEP_SLEEP", "0.01")))
        value = _value(params, step)
        trial.checkpoint_dir.mkdir(parents=True, exist_ok=True)
        state.write_text(json.dumps({"step": step, "value": value}))
        with (trial.checkpoint_dir / "steps.log").open("a") as log:
            log.write(f"{trial.number} {step}\n")
        trial.report(value, step)
        if trial.should_prune():
            raise optuna.TrialPruned(f"paused at step {step}")
    return value
