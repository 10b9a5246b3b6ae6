"""``hpsearch retrain DIR``: train the final model with a sweep's best config on all the data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from hpsearch.errors import ConfigError
from hpsearch.objectives import TorchObjective
from hpsearch.storage import SweepDirectory

__all__ = ["retrain"]


def _read_yaml(path: Path) -> Any:
    if not path.exists():
        raise ConfigError(
            f"{path.name} not found in {path.parent}: is this a sweep's run directory?",
            file=str(path),
        )
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _final_epochs(metrics: Any) -> int | None:
    if not isinstance(metrics, dict):
        return None
    for key in ("best_epoch", "metric_best_epoch"):
        value = metrics.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 1:
            return int(value)
    return None


def retrain(
    run_dir: str | Path,
    *,
    out: str | Path | None = None,
    device: str | None = None,
    epochs: int | None = None,
) -> Path:
    """Train the best config of the sweep in ``run_dir`` on all its data and save the model.

    Reads ``run_dir/best.yaml`` (``params:``, ``metrics:``; with several metrics the first
    entry of ``pareto_front:``) and ``run_dir/space.yaml``. The
    epoch count is ``epochs``, else the best trial's best epoch (``metrics.best_epoch``), else
    the configured epochs. Writes ``model.safetensors`` (or ``model.pt``: a state dict),
    ``model.json`` and ``config.yaml`` into ``out`` (default ``run_dir/final``) and returns
    that directory.

    Example:
        >>> # path = retrain("runs/mlp_digits")  # -> runs/mlp_digits/final/model.safetensors
    """
    run_dir = Path(run_dir)
    sweep = SweepDirectory(run_dir)
    best = _read_yaml(sweep.best_file)
    if isinstance(best, dict) and "params" not in best and best.get("pareto_front"):
        best = best["pareto_front"][0]  # several metrics: the first Pareto-optimal trial
    if not isinstance(best, dict) or not isinstance(best.get("params"), dict):
        raise ConfigError(
            "must be a mapping with params:", file=str(sweep.best_file), path="params"
        )
    config = sweep.read_config()
    spec = config.objective
    if not spec or spec.get("type") != "torch":
        raise ConfigError(
            f"retrain needs a sweep with a torch objective, found {(spec or {}).get('type')!r}",
            file=str(sweep.space_file),
            path="objective.type",
        )
    # relative dataset paths start from the space file's folder
    objective = TorchObjective(spec, config, base_dir=sweep.base_dir)
    params = dict(best["params"])
    n_epochs = epochs or _final_epochs(best.get("metrics"))
    model, meta = objective.fit_final(params, epochs=n_epochs, device=device)
    target = Path(out) if out is not None else run_dir / "final"
    meta.update(
        source_run=str(run_dir), best_trial=best.get("trial"), sweep_metrics=best.get("metrics")
    )
    # the trainer imports torch: only a torch sweep's retrain loads it
    from hpsearch.training import save_checkpoint

    save_checkpoint(model, target, meta, stem="model")
    with (target / "config.yaml").open("w", encoding="utf-8") as fh:
        yaml.safe_dump(_plain(meta), fh, sort_keys=False)
    return target


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        return value.item()
    return value
