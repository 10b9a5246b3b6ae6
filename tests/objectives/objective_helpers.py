"""Small objectives, datasets and a recording channel used by the objective tests.

The tests put this folder on ``sys.path`` so that ``objective_helpers:<name>`` imports.
"""

from __future__ import annotations

import numpy as np
from optuna import TrialPruned


def quadratic(params):
    return (params["x"] - 0.3) ** 2


def quadratic_with_trial(params, trial):
    for step in range(5):
        trial.report(float(step), step)
        if trial.should_prune():
            raise TrialPruned()
    trial.set_user_attr("seen_number", trial.number)
    return {"loss": (params["x"] - 0.3) ** 2, "extra": 1.5}


def scaled(params, *, scale, offset=0.0):
    return params["x"] * scale + offset


not_callable = 42


def grouped_data():
    """30 samples in 6 groups of 5, two classes: (X, y, groups)."""
    rng = np.random.default_rng(0)
    y = np.tile([0, 1], 15)
    X = rng.normal(size=(30, 3)) + y[:, None] * 2.0
    groups = np.repeat(np.arange(6), 5)
    return X, y, groups


def series_data():
    """A regression target along time: (X, y)."""
    t = np.arange(60, dtype=float)
    X = np.column_stack([t, np.sin(t / 5)])
    y = 0.5 * t + np.sin(t / 5)
    return X, y


def scaled_svc():
    """A pipeline whose SVC params are addressed as ``clf.C``."""
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    return Pipeline([("scale", StandardScaler()), ("clf", SVC())])


class RecordingChannel:
    """Records reports; says prune from ``prune_at`` on (a step number), never when None."""

    def __init__(self, prune_at: int | None = None) -> None:
        self.prune_at = prune_at
        self.reports: list[tuple[int, float]] = []
        self.asked: list[int] = []

    def report(self, step: int, value: float) -> None:
        self.reports.append((step, value))

    def verdict(self, step: int) -> bool:
        self.asked.append(step)
        return self.prune_at is not None and step >= self.prune_at
