"""Saving and loading weights as tensors only: safetensors when installed, else a ``torch.save``
state dict read back with ``weights_only=True``. Never a pickled model object.

A checkpoint is ``<stem>.safetensors`` (or ``<stem>.pt``) plus ``<stem>.json`` holding the
training knobs, input shape, output count, task, class labels and standardization statistics,
everything :func:`load_model` needs to rebuild the network.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from hpsearch.training._knobs import resolve_knobs
from hpsearch.training._models import build_model

__all__ = ["load_checkpoint", "load_model", "save_checkpoint"]


def _has_safetensors() -> bool:
    try:
        import safetensors.torch  # noqa: F401
    except ImportError:
        return False
    return True


def save_checkpoint(
    model: nn.Module | Mapping[str, torch.Tensor],
    directory: str | Path,
    config: Mapping[str, Any],
    *,
    stem: str = "checkpoint",
    fmt: str = "auto",
) -> Path:
    """Write ``model``'s state dict and ``config`` (JSON) into ``directory``; return the
    weights file's path. ``fmt`` is ``auto``, ``safetensors`` or ``pt``.

    Example:
        >>> import tempfile
        >>> path = save_checkpoint(nn.Linear(2, 1), tempfile.mkdtemp(), {"note": "demo"})
        >>> path.suffix in (".safetensors", ".pt")
        True
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    state = model.state_dict() if isinstance(model, nn.Module) else dict(model)
    state = {k: v.detach().to("cpu").contiguous() for k, v in state.items()}
    use_st = fmt == "safetensors" or (fmt == "auto" and _has_safetensors())
    if use_st:
        from safetensors.torch import save_file

        path = directory / f"{stem}.safetensors"
        save_file(state, str(path))
    else:
        path = directory / f"{stem}.pt"
        torch.save(state, path)
    meta = dict(config)
    meta["weights"] = path.name
    (directory / f"{stem}.json").write_text(json.dumps(meta, indent=2, default=_plain) + "\n")
    return path


def _plain(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


def load_checkpoint(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Read a checkpoint written by :func:`save_checkpoint`: ``(state_dict, config)``.

    ``path`` is the weights file, its JSON, or a directory holding ``checkpoint.*`` or
    ``model.*``.
    """
    path = Path(path)
    if path.is_dir():
        for stem in ("checkpoint", "model"):
            found = sorted(path.glob(f"{stem}.safetensors")) + sorted(path.glob(f"{stem}.pt"))
            if found:
                path = found[0]
                break
        else:
            raise FileNotFoundError(f"no checkpoint.* or model.* weights in {path}")
    if path.suffix == ".json":
        meta = json.loads(path.read_text())
        path = path.with_name(meta.get("weights", path.stem + ".safetensors"))
    meta_path = path.with_suffix(".json")
    config = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        state = load_file(str(path))
    else:
        state = torch.load(path, map_location="cpu", weights_only=True)
    return dict(state), config


def load_model(path: str | Path, *, factory: Any = None) -> tuple[nn.Module, dict[str, Any]]:
    """Rebuild the network a checkpoint describes and load its weights (eval mode).

    Example:
        >>> # model, config = load_model("runs/mlp_digits/trials/7")
    """
    state, config = load_checkpoint(path)
    cfg = resolve_knobs((config.get("knobs", {}), "knobs"))
    model = build_model(
        cfg,
        config["input_shape"],
        int(config["n_outputs"]),
        factory=factory,
        params=config.get("params"),
    )
    model.load_state_dict(state)
    model.eval()
    return model, config
