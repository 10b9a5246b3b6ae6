"""The training loop: one model per validation fold, trained in lockstep epoch by epoch.

Each epoch every fold's model trains on its (shuffled, index-batched, on-device) training part
and is scored on its validation part; the average of the monitored metric over the folds is the
epoch's value. That value is reported to the trial (``trial.report(value, epoch)``, epochs
counted from 1, so the step is the number of epochs trained), then ``trial.should_prune()`` may
stop the trial with :class:`optuna.TrialPruned`. Early stopping ends training after ``patience``
epochs without an improvement larger than ``min_delta``. The result holds the metrics of the
best epoch and each fold's best-epoch weights.
"""

from __future__ import annotations

import contextlib
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import torch
from optuna.exceptions import TrialPruned
from torch import nn

from hpsearch.errors import ConfigError
from hpsearch.training._data import PreparedData, TensorFold, amp_dtype
from hpsearch.training._knobs import TrainConfig
from hpsearch.training._metrics import compute_metrics, improved
from hpsearch.training._models import build_model, count_parameters, weight_parameters
from hpsearch.training._schedules import LRSchedule

__all__ = ["Reporter", "TrainResult", "make_loss", "make_optimizer", "seed_everything", "train"]

EVAL_CHUNK = 8192


class Reporter(Protocol):
    """What the loop needs from a trial (``hpsearch.execution.TrialContext`` fits)."""

    def report(self, value: float, step: int) -> None: ...

    def should_prune(self) -> bool: ...


@dataclass
class TrainResult:
    """What training produced: best-epoch metrics, history, and the best models."""

    metrics: dict[str, float]
    best_epoch: int
    epochs_run: int
    stopped_early: bool
    history: list[dict[str, float]] = field(default_factory=list)
    models: list[nn.Module] = field(default_factory=list)


def seed_everything(seed: int, *, deterministic: bool = False) -> None:
    """Seed torch (CPU and CUDA); in deterministic mode also Python's and NumPy's global RNGs,
    deterministic algorithms and cuDNN."""
    torch.manual_seed(seed)
    if deterministic:
        random.seed(seed)
        np.random.seed(seed % 2**32)
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False


def make_optimizer(model: nn.Module, cfg: TrainConfig) -> torch.optim.Optimizer:
    """The optimizer ``cfg.optimizer`` names, with its knobs (lr is set by the schedule).

    Example:
        >>> opt = make_optimizer(nn.Linear(2, 1), TrainConfig(optimizer="sgd", nesterov=True))
        >>> type(opt).__name__, opt.defaults["nesterov"]
        ('SGD', True)
    """
    params = list(model.parameters())
    lr, wd = cfg.effective_lr, cfg.weight_decay
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(
            params,
            lr=lr,
            momentum=cfg.momentum,
            nesterov=cfg.nesterov and cfg.momentum > 0,
            weight_decay=wd,
        )
    if cfg.optimizer == "adam":
        return torch.optim.Adam(
            params, lr=lr, betas=(cfg.beta1, cfg.beta2), eps=cfg.eps, weight_decay=wd
        )
    if cfg.optimizer == "adamw":
        return torch.optim.AdamW(
            params, lr=lr, betas=(cfg.beta1, cfg.beta2), eps=cfg.eps, weight_decay=wd
        )
    return torch.optim.RMSprop(params, lr=lr, momentum=cfg.momentum, eps=cfg.eps, weight_decay=wd)


def make_loss(cfg: TrainConfig, task: str) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """``loss(outputs, targets)``; MSE/Huber on a classifier compare softmax to one-hot."""
    kind = cfg.loss if cfg.loss != "auto" else ("mse" if task == "regression" else "cross_entropy")
    if task == "regression":
        if kind == "cross_entropy":
            raise ConfigError("cross_entropy needs a classification task", path="params.loss")
        base = nn.MSELoss() if kind == "mse" else nn.HuberLoss(delta=cfg.huber_delta)
        return lambda out, y: base(out.reshape(-1).float(), y)
    if kind == "cross_entropy":
        ce = nn.CrossEntropyLoss(label_smoothing=cfg.label_smoothing)
        return lambda out, y: ce(out.float(), y)
    base = nn.MSELoss() if kind == "mse" else nn.HuberLoss(delta=cfg.huber_delta)

    def onehot_loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        target = nn.functional.one_hot(y, out.shape[1]).float()
        return base(torch.softmax(out.float(), dim=1), target)

    return onehot_loss


@dataclass
class _Run:
    fold: TensorFold
    model: nn.Module
    optimizer: torch.optim.Optimizer
    schedule: LRSchedule
    generator: torch.Generator
    scaler: Any
    best_state: dict[str, torch.Tensor] | None = None
    best_outputs: np.ndarray | None = None
    best_val_loss: float = math.nan
    last: tuple[np.ndarray, float] | None = None


def _autocast(device: str, dtype: torch.dtype | None) -> Any:
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type="cuda", dtype=dtype)


def _train_epoch(
    run: _Run,
    epoch: int,
    cfg: TrainConfig,
    loss_fn: Callable[..., torch.Tensor],
    shape: tuple[int, ...],
    dtype: torch.dtype | None,
    device: str,
    max_batches: int | None,
    l1_params: Sequence[torch.Tensor],
) -> float:
    X, y = run.fold.X_train, run.fold.y_train
    perm = torch.randperm(X.shape[0], generator=run.generator).to(device)
    batches = list(perm.split(cfg.batch_size))
    if len(batches) > 1 and len(batches[-1]) < 2:
        batches.pop()  # a batch of one breaks batch norm and adds nothing
    if max_batches:
        batches = batches[:max_batches]
    run.model.train()
    total, count = 0.0, 0
    steps = len(batches)
    for b, idx in enumerate(batches):
        run.schedule.apply(run.optimizer, epoch + b / steps)
        xb, yb = X[idx], y[idx]
        if cfg.input_noise > 0:
            xb = xb + cfg.input_noise * torch.randn_like(xb)
        with _autocast(device, dtype):
            loss = loss_fn(run.model(xb.view(-1, *shape)), yb)
        if cfg.l1 > 0:
            loss = loss + cfg.l1 * sum(p.abs().sum() for p in l1_params)
        run.optimizer.zero_grad(set_to_none=True)
        run.scaler.scale(loss).backward()
        if cfg.grad_clip > 0:
            run.scaler.unscale_(run.optimizer)
            nn.utils.clip_grad_norm_(run.model.parameters(), cfg.grad_clip)
        run.scaler.step(run.optimizer)
        run.scaler.update()
        total += float(loss.detach()) * len(idx)
        count += len(idx)
    return total / max(count, 1)


def predict(
    model: nn.Module, X: torch.Tensor, shape: Sequence[int], *, amp: torch.dtype | None = None
) -> torch.Tensor:
    """Outputs of ``model`` in eval mode (no dropout, running batch-norm statistics)."""
    model.eval()
    device = str(X.device)
    outs = []
    with torch.no_grad(), _autocast(device, amp):
        for start in range(0, X.shape[0], EVAL_CHUNK):
            outs.append(model(X[start : start + EVAL_CHUNK].view(-1, *shape)).float())
    return torch.cat(outs) if outs else torch.empty(0)


def measure_latency_ms(
    model: nn.Module,
    X: torch.Tensor,
    shape: Sequence[int],
    *,
    amp: torch.dtype | None = None,
    batch: int = 256,
    repeats: int = 5,
) -> float:
    """Median inference time per example (ms) over ``repeats`` batched forward passes."""
    x = X[:batch]
    if x.shape[0] == 0:
        return math.nan
    cuda = x.is_cuda
    predict(model, x, shape, amp=amp)  # warm-up
    times = []
    for _ in range(repeats):
        if cuda:
            torch.cuda.synchronize(x.device)
        start = time.perf_counter()
        predict(model, x, shape, amp=amp)
        if cuda:
            torch.cuda.synchronize(x.device)
        times.append(time.perf_counter() - start)
    return float(np.median(times)) * 1000.0 / x.shape[0]


def train(
    cfg: TrainConfig,
    data: PreparedData,
    *,
    input_shape: Sequence[int],
    device: str = "cpu",
    monitor: str = "accuracy",
    trial: Reporter | None = None,
    factory: Callable[..., Any] | None = None,
    params: dict[str, Any] | None = None,
    deterministic: bool = False,
    max_batches: int | None = None,
    epochs: int | None = None,
) -> TrainResult:
    """Train ``cfg`` on every fold of ``data``; report each epoch's value to ``trial``.

    ``monitor`` is the validation metric that picks the best epoch, drives early stopping and
    is reported (``val_loss`` or one of :mod:`hpsearch.training._metrics`). ``epochs``
    overrides how many epochs run (the schedule still spans ``cfg.epochs`` when that is more,
    so stopping a retrain at the best epoch replays the best trial's lr trajectory).
    Raises :class:`optuna.TrialPruned` when the trial says so.

    Example:
        >>> from hpsearch.objectives._datasets import load_dataset
        >>> ds = load_dataset("sklearn:iris")
        >>> data = PreparedData.build(ds.X, ds.y, ds.task, {"split": 0.3, "seed": 0})
        >>> result = train(TrainConfig(epochs=2, hidden_sizes=(8,)), data, input_shape=(4,))
        >>> result.epochs_run, 0 <= result.metrics["accuracy"] <= 1
        (2, True)
    """
    n_epochs = int(epochs if epochs is not None else cfg.epochs)
    shape = tuple(int(s) for s in input_shape)
    seed_everything(cfg.seed, deterministic=deterministic)
    dtype = amp_dtype(cfg.amp, device)
    loss_fn = make_loss(cfg, data.task)
    runs: list[_Run] = []
    for i, fold in enumerate(data.on(device)):
        torch.manual_seed(cfg.seed + 7919 * i)
        model = build_model(cfg, shape, data.n_outputs, factory=factory, params=params).to(device)
        scaler = torch.amp.GradScaler("cuda", enabled=dtype == torch.float16)
        runs.append(
            _Run(
                fold,
                model,
                make_optimizer(model, cfg),
                LRSchedule(cfg, epochs=max(cfg.epochs, n_epochs)),
                torch.Generator().manual_seed(cfg.seed + 104729 * (i + 1)),
                scaler,
            )
        )
    has_val = all(r.fold.X_val.shape[0] > 0 for r in runs)
    history: list[dict[str, float]] = []
    best: float | None = None
    ref: float | None = None  # the value early stopping compares against
    best_epoch, stale, stopped = 0, 0, False
    start = time.perf_counter()
    epoch = 0
    for epoch in range(n_epochs):
        lr_now = runs[0].schedule.lr(epoch)
        losses, values, val_losses = [], [], []
        for run in runs:
            l1_params = weight_parameters(run.model) if cfg.l1 > 0 else []
            losses.append(
                _train_epoch(run, epoch, cfg, loss_fn, shape, dtype, device, max_batches, l1_params)
            )
            if not has_val:
                continue
            out = predict(run.model, run.fold.X_val, shape, amp=dtype)
            val_losses.append(float(loss_fn(out, run.fold.y_val)))
            run_out = out.cpu().numpy()
            if monitor == "val_loss":
                values.append(val_losses[-1])
            else:
                f = run.fold.fold
                values.append(
                    compute_metrics(
                        data.task,
                        f.y_val,
                        run_out,
                        names=(monitor,),
                        y_mean=f.y_mean,
                        y_std=f.y_std,
                    )[monitor]
                )
            run.last = (run_out, val_losses[-1])
        record = {"epoch": epoch + 1, "lr": lr_now, "train_loss": float(np.mean(losses))}
        if not has_val:
            history.append(record)
            continue
        value = float(np.mean(values))
        record.update(val_loss=float(np.mean(val_losses)), value=value)
        history.append(record)
        if not math.isfinite(value) or not math.isfinite(record["train_loss"]):
            if best is None:
                raise FloatingPointError(
                    f"training diverged at epoch {epoch + 1} (train loss {record['train_loss']})"
                )
            stopped = True
            break
        if improved(monitor, value, best, 0.0):
            best, best_epoch = value, epoch + 1
            for run in runs:
                run.best_state = {k: v.detach().clone() for k, v in run.model.state_dict().items()}
                run.best_outputs, run.best_val_loss = run.last
        better = improved(monitor, value, ref, cfg.min_delta)
        if better:
            ref, stale = value, 0
        else:
            stale += 1
        for run in runs:
            run.schedule.end_epoch(improved=better)
        if trial is not None:
            trial.report(value, epoch + 1)
            if trial.should_prune():
                raise TrialPruned(f"pruned after epoch {epoch + 1} ({monitor}={value:.4g})")
        if cfg.patience and stale >= cfg.patience:
            stopped = True
            break
    train_time = time.perf_counter() - start
    epochs_run = len(history)
    metrics: dict[str, float] = {}
    if has_val:
        per_fold = []
        for run in runs:
            assert run.best_state is not None and run.best_outputs is not None
            run.model.load_state_dict(run.best_state)
            f = run.fold.fold
            m = compute_metrics(
                data.task, f.y_val, run.best_outputs, y_mean=f.y_mean, y_std=f.y_std
            )
            m["val_loss"] = run.best_val_loss
            per_fold.append(m)
        metrics = {k: float(np.mean([m[k] for m in per_fold])) for k in per_fold[0]}
    else:
        best_epoch = epochs_run
    first = runs[0]
    bench_x = first.fold.X_val if has_val else first.fold.X_train
    metrics.update(
        n_params=float(count_parameters(first.model)),
        train_time_s=train_time,
        latency_ms=measure_latency_ms(first.model, bench_x, shape, amp=dtype),
        best_epoch=float(best_epoch),
        epochs_run=float(epochs_run),
    )
    return TrainResult(metrics, best_epoch, epochs_run, stopped, history, [r.model for r in runs])
