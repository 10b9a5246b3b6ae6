"""``hpsearch retrain DIR --ensemble``: fit the ensemble's members on all the data and save it.

Reads ``DIR/ensemble.yaml`` (written by ``hpsearch ensemble DIR``) and the sweep's objective
(``DIR/space.yaml``, with relative dataset paths taken from the space file's folder). Each
member is refitted with its trial's params on the whole dataset (torch members for their
trial's best epoch count), then saved as :mod:`hpsearch.ensemble._model` describes. The
manifest records ``fit_score``, the ensemble's score on the data it was fitted on, computed in
the retraining process: a loaded model must reproduce it exactly. The honest expectation for new
data stays the ``nested`` score of ``ensemble.yaml``, copied as ``expected``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import clone, is_classifier

from hpsearch.config import SweepConfig
from hpsearch.ensemble._build import ENSEMBLE_FILE, read_ensemble
from hpsearch.ensemble._model import (
    EnsembleModel,
    TorchMember,
    sklearn_predictor,
    skops_io,
    write_manifest,
)
from hpsearch.errors import ConfigError
from hpsearch.objectives import build_objective
from hpsearch.objectives._cv import sklearn_params
from hpsearch.storage import SweepDirectory

__all__ = ["retrain_ensemble"]


def _sweep_objective(directory: Path) -> tuple[Any, SweepConfig, str]:
    """The sweep's objective, built as its workers built it; its config and its type."""
    sweep = SweepDirectory(directory)
    config = sweep.read_config()
    spec: Mapping[str, Any] = config.objective or {}
    kind = spec.get("type")
    if kind not in ("sklearn", "torch"):
        raise ConfigError(
            f"retrain --ensemble needs a sklearn or torch objective, found {kind!r}",
            file=str(sweep.space_file),
            path="objective.type",
        )
    # relative dataset paths start from the space file's folder
    return build_objective(spec, config, base_dir=sweep.base_dir), config, kind


def retrain_ensemble(
    directory: str | Path, *, out: str | Path | None = None, device: str | None = None
) -> Path:
    """Fit the members of ``DIR/ensemble.yaml`` on all the data; save to ``out`` (default
    ``DIR/final_ensemble``) and return that folder.

    Example:
        >>> # folder = retrain_ensemble("runs/svm-digits")
        >>> # hpsearch.ensemble.load_model(folder).predict(X)
    """
    sweep = SweepDirectory(directory)
    directory = sweep.path
    doc = read_ensemble(directory)
    if not doc or not doc.get("members"):
        raise ConfigError(
            f"no {ENSEMBLE_FILE} in {directory}: run `hpsearch ensemble {directory}` first",
            file=str(sweep.ensemble_file),
        )
    objective, config, kind = _sweep_objective(directory)
    target = Path(out) if out is not None else sweep.ensemble_model_dir
    target.mkdir(parents=True, exist_ok=True)
    dataset = objective.dataset
    classes = np.unique(dataset.y) if _is_classification(objective, kind) else None
    task = "classification" if classes is not None else "regression"
    entries, members = [], []
    for member in doc["members"]:
        trial, weight, params = int(member["trial"]), float(member["weight"]), member["params"]
        if kind == "sklearn":
            predictor, file = _fit_sklearn(objective, params, target, trial, classes)
        else:
            epochs = _best_epoch(member.get("metrics"))
            predictor, file = _fit_torch(objective, params, target, trial, epochs, device)
        members.append((weight, predictor))
        entries.append({"trial": trial, "weight": weight, "file": file, "params": params})
    manifest: dict[str, Any] = {
        "kind": kind,
        "task": task,
        "classes": None if classes is None else classes.tolist(),
        "metric": doc["metric"],
        "method": doc.get("method"),
        "members": entries,
        "expected": {"nested": doc.get("nested"), "in_sample": doc.get("in_sample")},
        "source_run": str(directory),
        "dataset": str(config.objective.get("dataset") if config.objective else None),
    }
    model = EnsembleModel(members, task=task, classes=classes, manifest=manifest)
    manifest["fit_score"] = model.score(dataset.X, dataset.y)
    write_manifest(target, manifest)
    return target


def _is_classification(objective: Any, kind: str) -> bool:
    if kind == "torch":
        return objective.data.task == "classification"
    return bool(is_classifier(objective.estimator))


def _fit_sklearn(
    objective: Any, params: dict[str, Any], target: Path, trial: int, classes: Any
) -> tuple[Any, str]:
    sio = skops_io()
    estimator = clone(objective.estimator)
    # dotted names reach nested estimators, as in the sweep (clf.C -> clf__C)
    estimator.set_params(**sklearn_params(params))
    estimator.fit(objective.dataset.X, objective.dataset.y)
    name = f"member_{trial}.skops"
    sio.dump(estimator, target / name)
    return sklearn_predictor(estimator, classes), name


def _fit_torch(
    objective: Any,
    params: dict[str, Any],
    target: Path,
    trial: int,
    epochs: int | None,
    device: str | None,
) -> tuple[Any, str]:
    import hpsearch.training  # imports torch: only torch sweeps get here

    save_checkpoint = hpsearch.training.save_checkpoint
    model, meta = objective.fit_final(params, epochs=epochs, device=device)
    model = model.to("cpu").eval()
    path = save_checkpoint(model, target, meta, stem=f"member_{trial}", fmt="safetensors")
    return TorchMember(model, json.loads(path.with_suffix(".json").read_text())), path.name


def _best_epoch(metrics: Any) -> int | None:
    value = (metrics or {}).get("best_epoch")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 1:
        return int(value)
    return None
