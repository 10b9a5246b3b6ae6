"""Fixtures for the torch trainer tests: small digits data, trial contexts, an Optuna adapter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from hpsearch.strategies import suggest

torch = pytest.importorskip("torch")

import hpsearch  # noqa: E402
from hpsearch.objectives import build_objective  # noqa: E402
from hpsearch.trial import Trial  # noqa: E402

torch.set_num_threads(1)


class RecordingChannel:
    """A channel that records reports and prunes from a given step on."""

    def __init__(self, prune_at: int | None = None) -> None:
        self.reports: list[tuple[int, float]] = []
        self.prune_at = prune_at

    def report(self, step: int, value: float) -> None:
        self.reports.append((step, value))

    def verdict(self, step: int) -> bool:
        return self.prune_at is not None and step >= self.prune_at


class OptunaChannel:
    """Forwards a trial's reports to an Optuna trial and asks its pruner."""

    def __init__(self, trial: Any) -> None:
        self.trial = trial

    def report(self, step: int, value: float) -> None:
        self.trial.report(value, step)

    def verdict(self, step: int) -> bool:
        return self.trial.should_prune()


def make_space(
    parameters: Mapping[str, Any] | None = None, *, metric: Any = "accuracy", **objective: Any
) -> hpsearch.Space:
    """A digits torch space; ``objective`` keys override the block."""
    block = {
        "type": "torch",
        "dataset": "sklearn:digits",
        "epochs": 3,
        "validation": {"split": 0.25, "seed": 0},
        **objective,
    }
    doc: dict[str, Any] = {
        "name": "t",
        "objective": block,
        "parameters": parameters
        or {"lr": {"type": "float", "low": 1e-3, "high": 1e-1, "log": True}},
    }
    if isinstance(metric, list):
        doc["metrics"] = metric
    else:
        doc["metric"] = {
            "name": metric,
            "goal": "minimize" if metric in ("log_loss", "mse", "mae", "val_loss") else "maximize",
        }
    return hpsearch.load_space(doc)


def make_objective(parameters: Mapping[str, Any] | None = None, **kw: Any) -> Any:
    space = make_space(parameters, **kw)
    return build_objective(space.objective, space)


def context(
    params: Mapping[str, Any],
    *,
    number: int = 0,
    channel: Any = None,
    out_dir: str | None = None,
    device: str | None = None,
) -> Trial:
    return Trial(number, dict(params), directory=out_dir, channel=channel, device=device)


def optuna_objective(space: hpsearch.Space, objective: Any) -> Any:
    """An Optuna objective running ``objective`` on ``space``'s suggestions."""

    def run(trial: Any) -> Any:
        params = suggest(trial, space.space)
        channel = None if space.is_multi_objective else OptunaChannel(trial)
        result = objective(params, context(params, number=trial.number, channel=channel))
        for key, value in result.items():
            trial.set_user_attr(key, value)
        values = [result[m.name] for m in space.metrics]
        return values[0] if len(values) == 1 else values

    return run


@pytest.fixture(scope="session")
def digits_objective() -> Any:
    """One objective instance (data loaded once) for tests that only vary trial params."""
    return make_objective()
