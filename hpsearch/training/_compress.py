"""Post-training compression, a searchable knob: ``quantize: none | dynamic_int8 | fp16``.

- ``dynamic_int8``: :func:`torch.ao.quantization.quantize_dynamic` on every ``nn.Linear``: int8
  weights (affine scale and zero point), activations quantized on the fly at inference (CPU
  kernels: fbgemm/x86/qnnpack). Other layers (convolutions, norms) stay float32.
- ``fp16``: half-precision weights; CPU inference computes in float32 with the fp16-rounded
  weights (CPU half-precision matmuls are slow or missing), so the gain is size, not speed.
- ``none``: the float32 model.

A compressed model is saved as plain tensors (int8 weights, float scales, int zero points;
half-precision floats), through :func:`~hpsearch.training.save_checkpoint`, so nothing is pickled;
:func:`load_compressed` rebuilds it. :func:`compression_metrics` gives what a trial reports:

- ``size_mb``: the saved weights file's size in 10**6 bytes (``checkpoint_<mode>.safetensors`` in
  the trial directory; for ``none`` the float checkpoint's size);
- ``latency_ms``: batch-1 CPU inference time, the median of warm repeats;
- ``compressed_<metric>``: the validation metrics of the compressed model (mean over folds).
"""

from __future__ import annotations

import contextlib
import copy
import tempfile
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from hpsearch.training._checkpoint import load_checkpoint, save_checkpoint
from hpsearch.training._knobs import QUANTIZE_MODES, resolve_knobs
from hpsearch.training._metrics import CLASSIFICATION_METRICS, REGRESSION_METRICS, compute_metrics
from hpsearch.training._models import build_model

__all__ = [
    "COMPRESSION_METRICS",
    "QUANTIZE_MODES",
    "compress",
    "compressed_state",
    "compression_metric_names",
    "compression_metrics",
    "cpu_latency_ms",
    "load_compressed",
]

COMPRESSION_METRICS = ("size_mb",)
_INT8 = ("weight_int8", "weight_scale", "weight_zero_point", "weight_axis")


def compression_metric_names(task: str) -> tuple[str, ...]:
    """``size_mb`` and ``compressed_<metric>`` for each validation metric of ``task``.

    Example:
        >>> compression_metric_names("regression")[:2]
        ('size_mb', 'compressed_mse')
    """
    base = REGRESSION_METRICS if task == "regression" else CLASSIFICATION_METRICS
    return (*COMPRESSION_METRICS, *(f"compressed_{m}" for m in base))


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """torch.ao.quantization warns that it moves to torchao; the eager API still works."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        yield


def compress(model: nn.Module, mode: str) -> nn.Module:
    """A compressed copy of ``model`` on the CPU, in eval mode (``model`` is left as it is).

    Example:
        >>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        >>> type(compress(net, "dynamic_int8")[0]).__name__
        'Linear'
    """
    if mode not in QUANTIZE_MODES:
        raise ValueError(f"unknown quantize mode {mode!r}; allowed: {', '.join(QUANTIZE_MODES)}")
    cpu = copy.deepcopy(model).to("cpu").eval()
    if mode == "dynamic_int8":
        with _quiet():
            return torch.ao.quantization.quantize_dynamic(cpu, {nn.Linear}, dtype=torch.qint8)
    if mode == "fp16":
        with torch.no_grad():
            for tensor in [*cpu.parameters(), *cpu.buffers()]:
                if tensor.is_floating_point():
                    tensor.copy_(tensor.half().float())
    return cpu


def _dynamic_linears(model: nn.Module) -> dict[str, nn.Module]:
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear

    return {name: m for name, m in model.named_modules() if isinstance(m, DynamicLinear)}


def compressed_state(model: nn.Module, mode: str) -> dict[str, torch.Tensor]:
    """The plain tensors that store a :func:`compress` result (int8 weights and their scales,
    or half-precision floats)."""
    if mode == "fp16":
        return {
            k: v.detach().half() if v.is_floating_point() else v.detach()
            for k, v in model.state_dict().items()
        }
    if mode == "none":
        return {k: v.detach() for k, v in model.state_dict().items()}
    state: dict[str, torch.Tensor] = {}
    quantized = _dynamic_linears(model)
    with _quiet():
        for name, module in quantized.items():
            weight, bias = module._packed_params._weight_bias()  # type: ignore[union-attr,operator]
            state[f"{name}.weight_int8"] = weight.int_repr().contiguous()
            if weight.qscheme() in (torch.per_channel_affine, torch.per_channel_symmetric):
                state[f"{name}.weight_scale"] = weight.q_per_channel_scales().double()
                state[f"{name}.weight_zero_point"] = weight.q_per_channel_zero_points().long()
                state[f"{name}.weight_axis"] = torch.tensor([weight.q_per_channel_axis()])
            else:
                state[f"{name}.weight_scale"] = torch.tensor(
                    [weight.q_scale()], dtype=torch.float64
                )
                state[f"{name}.weight_zero_point"] = torch.tensor([weight.q_zero_point()])
            if bias is not None:
                state[f"{name}.bias"] = bias.detach().float()
    prefixes = tuple(f"{name}." for name in quantized)
    for key, value in model.state_dict().items():
        if not key.startswith(prefixes) and isinstance(value, torch.Tensor):
            state[key] = value.detach()
    return state


def restore(skeleton: nn.Module, state: Mapping[str, torch.Tensor], mode: str) -> nn.Module:
    """Rebuild a compressed model from a float ``skeleton`` of the same architecture and the
    tensors :func:`compressed_state` gave."""
    if mode in ("none", "fp16"):
        skeleton.load_state_dict(
            {k: v.float() if v.is_floating_point() else v for k, v in state.items()}
        )
        return skeleton.to("cpu").eval()
    linears = {name for name, m in skeleton.named_modules() if isinstance(m, nn.Linear)}
    prefixes = tuple(f"{name}." for name in linears)
    rest = {k: v for k, v in state.items() if not k.startswith(prefixes)}
    missing, unexpected = skeleton.load_state_dict(rest, strict=False)
    if unexpected or any(not k.startswith(prefixes) for k in missing):
        raise ValueError(f"compressed weights do not fit the model: {unexpected or missing}")
    model = compress(skeleton, "dynamic_int8")
    with _quiet():
        for name, module in _dynamic_linears(model).items():
            ints = state[f"{name}.weight_int8"]
            scale, zero = state[f"{name}.weight_scale"], state[f"{name}.weight_zero_point"]
            if f"{name}.weight_axis" in state:
                axis = int(state[f"{name}.weight_axis"][0])
                weight = torch._make_per_channel_quantized_tensor(ints, scale, zero, axis)
            else:
                weight = torch._make_per_tensor_quantized_tensor(
                    ints, float(scale[0]), int(zero[0])
                )
            module.set_weight_bias(weight, state.get(f"{name}.bias"))  # type: ignore[operator]
    return model.eval()


def load_compressed(path: str | Path, *, factory: Any = None) -> tuple[nn.Module, dict[str, Any]]:
    """Load a compressed checkpoint written by a trial (``checkpoint_<mode>.safetensors``).

    Example:
        >>> # model, meta = load_compressed("runs/mlp/trials/3/checkpoint_dynamic_int8.json")
    """
    state, meta = load_checkpoint(path)
    cfg = resolve_knobs((meta.get("knobs", {}), "knobs"))
    skeleton = build_model(
        cfg, meta["input_shape"], int(meta["n_outputs"]), factory=factory, params=meta.get("params")
    )
    return restore(skeleton, state, meta.get("quantize", "none")), meta


def cpu_latency_ms(
    model: nn.Module, example: torch.Tensor, *, repeats: int = 30, warmup: int = 5
) -> float:
    """Median time (ms) of one batch-1 forward pass on the CPU, after ``warmup`` calls.

    Example:
        >>> cpu_latency_ms(nn.Linear(4, 2), torch.zeros(1, 4)) > 0
        True
    """
    cpu = model if _on_cpu(model) else copy.deepcopy(model).to("cpu")
    cpu.eval()
    x = example[:1].to("cpu", torch.float32)
    times = []
    with torch.inference_mode():
        for i in range(warmup + repeats):
            start = time.perf_counter()
            cpu(x)
            if i >= warmup:
                times.append(time.perf_counter() - start)
    return float(np.median(times)) * 1000.0


def _on_cpu(model: nn.Module) -> bool:
    return all(p.device.type == "cpu" for p in model.parameters())


def compression_metrics(
    models: Sequence[nn.Module],
    mode: str,
    data: Any,
    shape: Sequence[int],
    *,
    meta: Mapping[str, Any],
    out_dir: Path | None = None,
    fmt: str = "auto",
) -> dict[str, float]:
    """Compress each fold's model; return ``size_mb``, ``latency_ms`` and the compressed
    models' validation metrics (``compressed_<metric>``, mean over folds).

    The first fold's compressed model is saved as ``checkpoint_<mode>`` in ``out_dir`` (with
    ``meta`` and ``quantize: mode``), or in a temporary folder just to measure its size (always
    for ``none``: its file is the float checkpoint, byte for byte).
    """
    shape = tuple(int(s) for s in shape)
    per_fold = []
    first: nn.Module | None = None
    for i, (model, fold) in enumerate(zip(models, data.on("cpu"))):
        small = compress(model, mode)
        first = small if i == 0 else first
        if fold.X_val.shape[0] == 0:
            continue
        with torch.inference_mode():
            out = small(fold.X_val.view(-1, *shape)).float().numpy()
        f = fold.fold
        per_fold.append(compute_metrics(data.task, f.y_val, out, y_mean=f.y_mean, y_std=f.y_std))
    if first is None:
        raise ValueError("compression needs at least one trained model")
    names = per_fold[0] if per_fold else {}
    metrics = {f"compressed_{k}": float(np.mean([m[k] for m in per_fold])) for k in names}
    example = data.on("cpu")[0]
    x = example.X_val if example.X_val.shape[0] else example.X_train
    metrics["latency_ms"] = cpu_latency_ms(first, x[:1].view(1, *shape))
    state = compressed_state(first, mode)
    stem = "checkpoint" if mode == "none" else f"checkpoint_{mode}"
    with contextlib.ExitStack() as stack:
        target = out_dir if mode != "none" else None
        if target is None:
            target = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        path = save_checkpoint(state, target, {**meta, "quantize": mode}, stem=stem, fmt=fmt)
        metrics["size_mb"] = path.stat().st_size / 1e6
    return metrics
