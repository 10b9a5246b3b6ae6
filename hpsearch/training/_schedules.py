"""Learning-rate schedules as closed-form functions of the training position.

The position ``p`` is measured in epochs and advances by ``1 / steps_per_epoch`` per batch, so a
schedule is updated every optimizer step (``p = epoch + batch / steps_per_epoch``). With ``lr``
the base learning rate (after batch-size scaling), ``E`` the number of epochs, ``w`` the warmup
length and ``m`` the minimum lr:

==============  ================================================================================
schedule        lr(p)
==============  ================================================================================
constant        lr
step            max(m, lr * gamma ** floor(p / step_size))
exponential     max(m, lr * gamma ** p)
cosine          m + (lr - m) * (1 + cos(pi * p / E)) / 2
warmup_cosine   p < w: lr * (p + 1) / (w + 1);  else m + (lr - m) * (1 + cos(pi * (p-w)/(E-w))) / 2
warmup_linear   p < w: lr * (p + 1) / (w + 1);  else m + (lr - m) * (1 - (p - w) / (E - w))
one_cycle       with P = one_cycle_pct * E, a = lr / 25, z = max(m, lr / 1e4):
                p < P: a + (lr - a) * (1 - cos(pi * p / P)) / 2;
                else   z + (lr - z) * (1 + cos(pi * (p - P) / (E - P))) / 2
plateau         max(m, lr * gamma ** k), k = decays so far: one after every ``plateau_patience``
                epochs in a row without improvement of the monitored metric
==============  ================================================================================
"""

from __future__ import annotations

import math

from hpsearch.training._knobs import TrainConfig

__all__ = ["LRSchedule", "lr_at"]


def lr_at(
    cfg: TrainConfig, position: float, *, epochs: int | None = None, decays: int = 0
) -> float:
    """The learning rate at ``position`` (in epochs) for the schedule ``cfg`` names.

    ``decays`` is the plateau schedule's count of reductions so far.

    Example:
        >>> cfg = TrainConfig(lr=0.1, lr_schedule="step", gamma=0.5, step_size=2)
        >>> [lr_at(cfg, p) for p in (0, 1, 2, 4.5)]
        [0.1, 0.1, 0.05, 0.025]
    """
    lr = cfg.effective_lr
    total = float(epochs if epochs is not None else cfg.epochs)
    p = float(position)
    low = cfg.min_lr
    kind = cfg.lr_schedule
    if kind == "constant":
        return lr
    if kind == "step":
        return max(low, lr * cfg.gamma ** math.floor(p / cfg.step_size))
    if kind == "exponential":
        return max(low, lr * cfg.gamma**p)
    if kind == "cosine":
        return low + (lr - low) * (1 + math.cos(math.pi * min(p, total) / total)) / 2
    if kind in ("warmup_cosine", "warmup_linear"):
        w = float(min(cfg.warmup_epochs, max(total - 1, 0)))
        if p < w:
            return lr * (p + 1) / (w + 1)
        frac = min(1.0, (p - w) / max(total - w, 1e-12))
        if kind == "warmup_cosine":
            return low + (lr - low) * (1 + math.cos(math.pi * frac)) / 2
        return low + (lr - low) * (1 - frac)
    if kind == "one_cycle":
        peak = cfg.one_cycle_pct * total
        start, end = lr / 25.0, max(low, lr / 1e4)
        if p < peak:
            return start + (lr - start) * (1 - math.cos(math.pi * p / peak)) / 2
        frac = min(1.0, (p - peak) / max(total - peak, 1e-12))
        return end + (lr - end) * (1 + math.cos(math.pi * frac)) / 2
    if kind == "plateau":
        return max(low, lr * cfg.gamma**decays)
    raise ValueError(f"unknown lr_schedule {kind!r}")


class LRSchedule:
    """Sets an optimizer's lr before every step; tracks plateau decays between epochs.

    Example:
        >>> sched = LRSchedule(TrainConfig(lr=0.1, lr_schedule="plateau", plateau_patience=1))
        >>> sched.end_epoch(improved=False); sched.lr(3.0)
        0.05
    """

    def __init__(self, cfg: TrainConfig, *, epochs: int | None = None) -> None:
        self.cfg = cfg
        self.epochs = int(epochs if epochs is not None else cfg.epochs)
        self.decays = 0
        self._stale = 0

    def lr(self, position: float) -> float:
        return lr_at(self.cfg, position, epochs=self.epochs, decays=self.decays)

    def apply(self, optimizer: object, position: float) -> float:
        """Write the lr for ``position`` into every param group of ``optimizer``."""
        value = self.lr(position)
        for group in optimizer.param_groups:  # type: ignore[attr-defined]
            group["lr"] = value
        return value

    def end_epoch(self, *, improved: bool) -> None:
        """Count an epoch for the plateau schedule (no effect on the others)."""
        if self.cfg.lr_schedule != "plateau":
            return
        if improved:
            self._stale = 0
            return
        self._stale += 1
        if self._stale >= self.cfg.plateau_patience:
            self.decays += 1
            self._stale = 0
