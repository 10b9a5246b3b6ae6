from __future__ import annotations

import math

import numpy as np
import pytest

from hpsearch.training import LRSchedule, PreparedData, TrainConfig, lr_at, train

LR, E, W, G, S, M = 0.1, 10, 2, 0.5, 3, 0.001
POSITIONS = [0.0, 0.5, 1.0, 1.99, 2.0, 3.0, 4.25, 5.0, 7.5, 9.0, 9.9]


def expected(kind: str, p: float) -> float:
    if kind == "constant":
        return LR
    if kind == "step":
        return max(M, LR * G ** (p // S))
    if kind == "exponential":
        return max(M, LR * G**p)
    if kind == "cosine":
        return M + (LR - M) * (1 + math.cos(math.pi * p / E)) / 2
    if kind in ("warmup_cosine", "warmup_linear"):
        if p < W:
            return LR * (p + 1) / (W + 1)
        frac = (p - W) / (E - W)
        if kind == "warmup_cosine":
            return M + (LR - M) * (1 + math.cos(math.pi * frac)) / 2
        return M + (LR - M) * (1 - frac)
    if kind == "one_cycle":
        peak, start, end = 0.3 * E, LR / 25, max(M, LR / 1e4)
        if p < peak:
            return start + (LR - start) * (1 - math.cos(math.pi * p / peak)) / 2
        return end + (LR - end) * (1 + math.cos(math.pi * (p - peak) / (E - peak))) / 2
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind",
    ["constant", "step", "exponential", "cosine", "warmup_cosine", "warmup_linear", "one_cycle"],
)
def test_schedule_follows_its_formula(kind: str) -> None:
    cfg = TrainConfig(
        lr=LR, epochs=E, lr_schedule=kind, warmup_epochs=W, gamma=G, step_size=S, min_lr=M
    )
    got = [lr_at(cfg, p) for p in POSITIONS]
    want = [expected(kind, p) for p in POSITIONS]
    assert got == pytest.approx(want, rel=1e-12)


def test_shapes_of_the_trajectories() -> None:
    def traj(kind: str) -> np.ndarray:
        cfg = TrainConfig(lr=LR, epochs=E, lr_schedule=kind, warmup_epochs=W, min_lr=M)
        return np.array([lr_at(cfg, p) for p in np.arange(0, E, 0.25)])

    cosine = traj("cosine")
    assert cosine[0] == pytest.approx(LR) and np.all(np.diff(cosine) < 0)
    warm = traj("warmup_cosine")
    assert np.argmax(warm) == W * 4 and warm[0] < warm[W * 4]
    cycle = traj("one_cycle")
    assert cycle[0] == pytest.approx(LR / 25) and cycle.max() == pytest.approx(LR)


def test_plateau_decays_after_patience_epochs_without_improvement() -> None:
    sched = LRSchedule(
        TrainConfig(lr=LR, lr_schedule="plateau", gamma=0.1, plateau_patience=2, min_lr=1e-4)
    )
    seen = []
    for improved in (True, False, False, True, False, False, False, False, False, False):
        sched.end_epoch(improved=improved)
        seen.append(sched.lr(0))
    assert seen == pytest.approx([0.1, 0.1, 0.01, 0.01, 0.01, 1e-3, 1e-3, 1e-4, 1e-4, 1e-4])


def test_linear_scaling_scales_the_whole_trajectory() -> None:
    base = TrainConfig(lr=LR, epochs=E, lr_schedule="cosine")
    scaled = TrainConfig(lr=LR, epochs=E, lr_schedule="cosine", batch_size=64, lr_scaling="linear")
    for p in (0.0, 3.3, 8.0):
        assert lr_at(scaled, p) == pytest.approx(2 * lr_at(base, p))


def test_training_records_the_schedule_at_each_epoch_start() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 4))
    y = (X[:, 0] > 0).astype(int)
    data = PreparedData.build(X, y, "classification", {"split": 0.25, "seed": 0})
    cfg = TrainConfig(
        lr=0.05, epochs=4, lr_schedule="cosine", optimizer="sgd", batch_size=8, hidden_sizes=(4,)
    )
    result = train(cfg, data, input_shape=(4,))
    assert [h["lr"] for h in result.history] == pytest.approx([lr_at(cfg, e) for e in range(4)])


def test_apply_writes_every_param_group() -> None:
    import torch

    opt = torch.optim.SGD(
        [
            {"params": [torch.zeros(1, requires_grad=True)]},
            {"params": [torch.zeros(1, requires_grad=True)]},
        ],
        lr=1.0,
    )
    cfg = TrainConfig(lr=LR, epochs=E, lr_schedule="cosine", min_lr=M)
    value = LRSchedule(cfg).apply(opt, 2.5)
    assert value == pytest.approx(expected("cosine", 2.5))
    assert [g["lr"] for g in opt.param_groups] == [value, value]
