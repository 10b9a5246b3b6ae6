"""A training run pruned at an epoch and continued from its saved state (a multi-fidelity
promotion) trains like one run."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from optuna.exceptions import TrialPruned  # noqa: E402

from hpsearch.objectives._datasets import load_dataset  # noqa: E402
from hpsearch.training import TrainConfig, train  # noqa: E402
from hpsearch.training._data import PreparedData  # noqa: E402


class _StopAt:
    def __init__(self, epoch: int | None) -> None:
        self.epoch = epoch
        self.steps: list[int] = []

    def report(self, value: float, step: int) -> None:
        self.steps.append(step)

    def should_prune(self) -> bool:
        return self.epoch is not None and self.steps[-1] >= self.epoch


@pytest.mark.parametrize("schedule", ["cosine", "plateau"])
def test_paused_then_continued_equals_straight_training(tmp_path: Path, schedule: str) -> None:
    ds = load_dataset("sklearn:iris")
    data = PreparedData.build(ds.X, ds.y, ds.task, {"split": 0.3, "seed": 0})
    cfg = TrainConfig(
        epochs=6, hidden_sizes=(16,), dropout=0.2, input_noise=0.1, lr_schedule=schedule,
        optimizer="adam", batch_size=16,
    )  # fmt: skip
    kw = {"input_shape": (4,), "deterministic": True}
    straight = train(cfg, data, trial=_StopAt(None), **kw)
    first = _StopAt(2)
    with pytest.raises(TrialPruned):
        train(cfg, data, trial=first, checkpoint_dir=tmp_path, **kw)
    assert any(tmp_path.iterdir()) and first.steps == [1, 2]
    second = _StopAt(None)
    continued = train(cfg, data, trial=second, resume_from=tmp_path, **kw)
    assert second.steps == [3, 4, 5, 6]  # only the new epochs ran
    assert [h["value"] for h in continued.history] == pytest.approx(
        [h["value"] for h in straight.history]
    )
    assert continued.metrics["accuracy"] == pytest.approx(straight.metrics["accuracy"])
    assert continued.best_epoch == straight.best_epoch
