"""A trained ensemble on disk without pickle, and :func:`load_model` to use it anywhere.

``hpsearch retrain DIR --ensemble`` writes a folder (default ``DIR/final_ensemble``)::

    ensemble.json                   format, kind (sklearn | torch), task, classes, metric,
                                    members (trial, weight, file), scores
    member_<trial>.skops            a scikit-learn member (skops secure persistence)
    member_<trial>.safetensors      a torch member's weights, with member_<trial>.json holding
                                    what rebuilds the network and standardizes its inputs

Why skops for scikit-learn members, rather than "refit from params on load":

- loading never runs code a file names: skops rebuilds only types it trusts (plus those the
  caller names) from JSON and ``.npy`` arrays, whereas a refit-on-load file must import and call
  the estimator path written in it, which is as dangerous as pickle for a file someone sent you;
- the model predicts as soon as it is loaded: no training data, no refit time, no dependence on
  random seeds being honoured or on the same library versions reproducing the same fit;
- the cost is one optional dependency (``pip install hpsearch[ensemble]``), maintained by
  scikit-learn developers. Some estimators hold types skops does not trust by default (tree
  node arrays, k-d trees, an MLP's optimizer state): :func:`load_model` names them and loads the
  file only when they are passed as ``trusted=[...]``.

Torch members are state dicts in safetensors (no pickle either); a member built by a user
``factory`` needs that factory passed to :func:`load_model`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hpsearch.errors import ConfigError
from hpsearch.objectives._predictions import encode_labels, estimator_outputs
from hpsearch.objectives._scoring import get_metric

__all__ = ["MANIFEST", "EnsembleModel", "load_model", "skops_io"]

MANIFEST = "ensemble.json"
FORMAT = "hpsearch-ensemble/1"
Predictor = Callable[[np.ndarray], np.ndarray]


def skops_io() -> Any:
    """``skops.io``, or a one-line error naming the extra to install."""
    try:
        import skops.io as sio
    except ImportError:
        raise ConfigError(
            "saving or loading scikit-learn ensemble members needs skops: "
            "install hpsearch[ensemble] (pip install skops)"
        ) from None
    return sio


class EnsembleModel:
    """Weighted average of member models' predictions, with ``predict``/``predict_proba``.

    Example:
        >>> model = EnsembleModel([(1.0, lambda X: np.tile([0.2, 0.8], (len(X), 1)))],
        ...                       task="classification", classes=np.array(["a", "b"]))
        >>> model.predict(np.zeros((2, 3))).tolist()
        ['b', 'b']
    """

    def __init__(
        self,
        members: Sequence[tuple[float, Predictor]],
        *,
        task: str,
        classes: np.ndarray | None = None,
        manifest: dict[str, Any] | None = None,
    ) -> None:
        self.members = list(members)
        self.task = task
        self.classes_ = None if classes is None else np.asarray(classes)
        self.manifest = dict(manifest or {})

    @property
    def weights(self) -> list[float]:
        return [w for w, _ in self.members]

    def _blend(self, X: Any) -> np.ndarray:
        X = np.asarray(X)
        if not self.members:
            raise ValueError("an ensemble needs at least one member")
        out = np.zeros(0)
        for i, (weight, predict) in enumerate(self.members):
            part = weight * np.asarray(predict(X), dtype=np.float64)
            out = part if i == 0 else out + part
        return out

    def _classes(self) -> np.ndarray:
        if self.classes_ is None:
            raise ValueError("this classification ensemble has no class labels")
        return self.classes_

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (members without ``predict_proba`` count as one-hot votes),
        columns in the order of ``classes_``."""
        if self.task != "classification":
            raise AttributeError("predict_proba is for classification ensembles")
        return self._blend(X)

    def predict(self, X: Any) -> np.ndarray:
        """Class labels (the most probable class) or predicted values."""
        blended = self._blend(X)
        if self.task == "classification":
            return self._classes()[blended.argmax(axis=1)]
        return blended[:, 0]

    def score(self, X: Any, y: Any) -> float:
        """The sweep's metric (``manifest['metric']``) of the ensemble on ``(X, y)``."""
        metric = get_metric(self.manifest["metric"]["name"])
        if self.task == "classification":
            return metric.score(encode_labels(y, self._classes()), self.predict_proba(X))
        return metric.score(np.asarray(y, dtype=np.float64), self._blend(X))


class TorchMember:
    """A torch network with its input standardization and output decoding."""

    def __init__(self, model: Any, meta: dict[str, Any]) -> None:
        self.model = model.eval()
        self.meta = meta
        self.x_mean = np.asarray(meta["x_mean"], dtype=np.float64)
        self.x_std = np.asarray(meta["x_std"], dtype=np.float64)
        self.shape = tuple(int(s) for s in meta["input_shape"])

    def __call__(self, X: np.ndarray) -> np.ndarray:
        import torch

        Xs = (np.asarray(X, dtype=np.float64).reshape(len(X), -1) - self.x_mean) / self.x_std
        with torch.inference_mode():
            inputs = torch.as_tensor(Xs, dtype=torch.float32).view(-1, *self.shape)
            out = self.model(inputs).float().numpy().astype(np.float64)
        if self.meta["task"] == "regression":
            return out.reshape(-1, 1) * float(self.meta["y_std"]) + float(self.meta["y_mean"])
        z = out - out.max(axis=1, keepdims=True)
        return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)


def sklearn_predictor(estimator: Any, classes: np.ndarray | None) -> Predictor:
    """A fitted estimator as a member predictor in the stored layout."""
    return lambda X: estimator_outputs(estimator, X, classes)[0]


def load_model(
    path: str | Path, *, trusted: Sequence[str] | None = None, factory: Any = None
) -> EnsembleModel:
    """Load an ensemble saved by ``hpsearch retrain DIR --ensemble`` (no pickle involved).

    Args:
        path: the folder (or its ``ensemble.json``).
        trusted: type names to trust beyond skops' defaults (scikit-learn members); the error
            for a file that needs some lists them.
        factory: the ``fn(params, input_shape, n_outputs)`` that built torch members, when the
            sweep used ``factory:``.

    Example:
        >>> # model = load_model("runs/svm-digits/final_ensemble")
        >>> # model.predict(X), model.predict_proba(X)
    """
    path = Path(path)
    folder = path.parent if path.name == MANIFEST else path
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        raise ConfigError(f"no {MANIFEST} in {folder}: not a saved ensemble", file=str(folder))
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise ConfigError(
            f"unknown ensemble format {manifest.get('format')!r}; expected {FORMAT}",
            file=str(manifest_path),
        )
    classes = None if manifest.get("classes") is None else np.asarray(manifest["classes"])
    members: list[tuple[float, Any]] = []
    for entry in manifest["members"]:
        file = folder / entry["file"]
        if manifest["kind"] == "torch":
            from hpsearch.training import load_model as load_torch  # imports torch

            model, meta = load_torch(file.with_suffix(".json"), factory=factory)
            members.append((float(entry["weight"]), TorchMember(model, meta)))
        else:
            estimator = _load_skops(file, trusted)
            members.append((float(entry["weight"]), sklearn_predictor(estimator, classes)))
    return EnsembleModel(members, task=manifest["task"], classes=classes, manifest=manifest)


def _load_skops(file: Path, trusted: Sequence[str] | None) -> Any:
    sio = skops_io()
    needed = sio.get_untrusted_types(file=file)
    missing = [t for t in needed if t not in set(trusted or ())]
    if missing:
        raise ConfigError(
            f"{file.name} holds types skops does not trust by default: {', '.join(missing)}. "
            "If you trust this file (you made it, e.g. with `hpsearch retrain --ensemble`), "
            f"load it with trusted={missing!r}",
            file=str(file),
        )
    return sio.load(file, trusted=list(needed) or None)


def write_manifest(folder: Path, manifest: dict[str, Any]) -> Path:
    """Write ``ensemble.json`` (the member files must already be in ``folder``)."""
    path = folder / MANIFEST
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps({"format": FORMAT, **manifest}, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
