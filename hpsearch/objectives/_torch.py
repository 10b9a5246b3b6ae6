"""``objective: {type: torch, ...}``: the built-in PyTorch trainer as a sweep objective.

Block keys (all optional but ``dataset``)::

    objective:
      type: torch
      dataset: sklearn:digits          # as for the sklearn objective (file, module:function)
      target: label                    # column of a table dataset
      task: classification             # or regression (default: guessed from the dataset)
      model: mlp                       # mlp | cnn | {type: cnn, input_shape: [1, 8, 8], ...knobs}
      factory: pkg.mod:make_net        # fn(params, input_shape, n_outputs) -> nn.Module
      validation: {split: 0.2, seed: 0}   # or {folds: 5, seed: 0}: metrics averaged over folds
      epochs: 20
      early_stopping: {patience: 5, min_delta: 0.0}   # or false
      loss: auto                       # cross_entropy | mse | huber
      amp: none                        # bf16 | fp16 (CUDA only)
      device: auto                     # cpu | cuda | cuda:N (auto: the executor's, else any CUDA)
      deterministic: false             # true: seed everything, deterministic kernels
      seed: 0
      params: {optimizer: adamw}       # fixed values of any knob (hpsearch.training._knobs)
      metrics: [accuracy, f1]          # extra metrics to return (default: all)
      checkpoint: true                 # save the best epoch into the trial's directory
      max_batches: null                # cap on batches per epoch (smoke tests)
      num_workers: 1                   # torch CPU threads per worker (small models: 1 is fastest,
                                       # and parallel workers share the cores)

The sweep's metric names pick what is returned and which validation metric is monitored (the
first one that is a validation metric; ``val_loss`` when none is, or for the default ``value``).
Each epoch's monitored value is reported (single-metric sweeps only: Optuna does not prune
multi-objective studies), so the space's ``pruner:`` can stop the trial. A completed trial saves
its best epoch as ``checkpoint.safetensors`` (or ``.pt``) + ``checkpoint.json`` in its directory
(one file per fold with k-fold validation); pruned trials save nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from hpsearch.config import Option, Schema, SweepConfig
from hpsearch.errors import ConfigError, did_you_mean
from hpsearch.objectives._base import Objective
from hpsearch.objectives._datasets import import_object, load_dataset
from hpsearch.trial import Trial

__all__ = ["TorchObjective"]

_OTHER = ("val_loss", "best_epoch", "epochs_run")


def _training() -> ModuleType:
    """The trainer package, imported when a torch objective is built (it imports torch,
    seconds of start-up that no other objective should pay)."""
    try:
        import hpsearch.training
    except ImportError:
        raise ConfigError(
            "the torch objective needs PyTorch: install hpsearch[torch]", path="objective.type"
        ) from None
    return hpsearch.training


def _validation_metric_names(task: str) -> tuple[str, ...]:
    m = _training()._metrics
    return (
        *(m.REGRESSION_METRICS if task == "regression" else m.CLASSIFICATION_METRICS),
        "val_loss",
    )


def _metric_names(task: str) -> tuple[str, ...]:
    m = _training()._metrics
    return (
        *(m.REGRESSION_METRICS if task == "regression" else m.CLASSIFICATION_METRICS),
        *_OTHER,
        *m.COST_METRICS,
    )


class TorchObjective(Objective):
    """Train a torch model per trial; data is loaded and split once per instance (worker).

    Example:
        >>> import hpsearch
        >>> space = hpsearch.load_space({
        ...     "metric": {"name": "accuracy", "goal": "maximize"},
        ...     "objective": {"type": "torch", "dataset": "sklearn:iris", "epochs": 2},
        ...     "parameters": {"lr": {"type": "float", "low": 1e-3, "high": 1e-1, "log": True}}})
        >>> objective = TorchObjective(space.objective, space)
        >>> 0 <= objective({"lr": 0.01})["accuracy"] <= 1
        True
    """

    name = "torch"
    schema = Schema(
        {
            "task": Option("any"),
            "dataset": Option("any"),
            "target": Option("any"),
            "model": Option("any"),
            "factory": Option("any"),
            "validation": Option("any"),
            "epochs": Option("any"),
            "device": Option("any"),
            "deterministic": Option("any"),
            "seed": Option("any"),
            "metrics": Option("any"),
            "loss": Option("any"),
            "params": Option("any"),
            "checkpoint": Option("any"),
            "early_stopping": Option("any"),
            "amp": Option("any"),
            "max_batches": Option("any"),
            "num_workers": Option("any"),
        }
    )
    required = ("dataset",)

    def __init__(
        self, spec: Mapping[str, Any], config: SweepConfig, *, base_dir: str | None = None
    ) -> None:
        training = _training()
        super().__init__(spec, config, base_dir=base_dir)
        self._fixed = self._fixed_knobs(self.spec)
        self.defaults = training.resolve_knobs((self._fixed, "objective"))
        for name in config.space.names:  # every searched name must be a knob
            _knob(name)
        self.model_spec = (
            self.spec.get("model") if isinstance(self.spec.get("model"), Mapping) else {}
        )
        self.factory = (
            import_object(self.spec["factory"], key="objective.factory")
            if self.spec.get("factory")
            else None
        )
        task = self.spec.get("task")
        if task is not None and task not in ("classification", "regression"):
            raise ConfigError(
                f"must be classification or regression, got {task!r}", path="objective.task"
            )
        self.validation = training.parse_validation(self.spec.get("validation"))
        self.deterministic = _flag(self.spec.get("deterministic", False), "deterministic")
        self.checkpoint = self.spec.get("checkpoint", True)
        if self.checkpoint not in (True, False, "safetensors", "pt"):
            raise ConfigError(
                f"must be true, false, safetensors or pt, got {self.checkpoint!r}",
                path="objective.checkpoint",
            )
        self.max_batches = _opt_int(self.spec.get("max_batches"), "max_batches")
        self.threads = _opt_int(self.spec.get("num_workers"), "num_workers") or 1
        self.device_request = self.spec.get("device", "auto")
        training.select_device(
            self.device_request, None, cuda_available=True
        )  # validates the value
        dataset = load_dataset(
            self.spec["dataset"], target=self.spec.get("target"), base_dir=base_dir, task=task
        )
        self.dataset = dataset
        self.data = training.PreparedData.build(dataset.X, dataset.y, dataset.task, self.validation)
        self._full: Any = None
        known = _metric_names(dataset.task)
        self.sweep_metrics = config.metric_names
        self._sources: dict[str, str] = {}
        for i, name in enumerate(self.sweep_metrics):
            source = "val_loss" if name == "value" else training._metrics.ALIASES.get(name, name)
            if source not in known:
                path = "metric.name" if len(self.sweep_metrics) == 1 else f"metrics[{i}].name"
                raise ConfigError(
                    f"the torch objective on a {dataset.task} task has no metric "
                    f"{name!r}{did_you_mean(name, known)}; allowed: "
                    f"{', '.join(known)}",
                    path=path,
                )
            self._sources[name] = source
        extra = self.spec.get("metrics")
        if extra is not None:
            if isinstance(extra, str):
                extra = [extra]
            for name in extra:
                if training._metrics.ALIASES.get(name, name) not in known:
                    raise ConfigError(
                        f"unknown metric {name!r}{did_you_mean(name, known)}; "
                        f"allowed: {', '.join(known)}",
                        path="objective.metrics",
                    )
            self.extra = [training._metrics.ALIASES.get(n, n) for n in extra]
        else:
            self.extra = list(known)
        validation_metrics = [
            s for s in self._sources.values() if s in _validation_metric_names(dataset.task)
        ]
        self.monitor = validation_metrics[0] if validation_metrics else "val_loss"
        first = self.sweep_metrics[0] if self.sweep_metrics else None
        self.reports = (
            len(self.sweep_metrics) == 1
            and first is not None
            and self._sources[first] == self.monitor
        )

    # -- configuration -----------------------------------------------------------------------
    @staticmethod
    def _fixed_knobs(spec: Mapping[str, Any]) -> dict[str, Any]:
        fixed: dict[str, Any] = {}
        model = spec.get("model")
        if isinstance(model, str):
            fixed["model"] = model
        elif isinstance(model, Mapping):
            for key, value in model.items():
                if key == "type":
                    fixed["model"] = value
                elif key != "input_shape":
                    fixed[key] = value
        elif model is not None:
            raise ConfigError(
                f"must be mlp, cnn or a mapping with a type, got {model!r}", path="objective.model"
            )
        for key in ("epochs", "loss", "amp", "seed"):
            if spec.get(key) is not None:
                fixed[key] = spec[key]
        stopping = spec.get("early_stopping")
        if isinstance(stopping, Mapping):
            unknown = set(stopping) - {"patience", "min_delta"}
            if unknown:
                raise ConfigError(
                    f"unknown key {sorted(unknown)[0]!r}; allowed: patience, min_delta",
                    path="objective.early_stopping",
                )
            fixed.update(stopping)
        elif isinstance(stopping, int) and not isinstance(stopping, bool):
            fixed["patience"] = stopping
        elif stopping not in (None, False):
            raise ConfigError(
                f"must be {{patience: N, min_delta: x}} or false, got {stopping!r}",
                path="objective.early_stopping",
            )
        params = spec.get("params") or {}
        if not isinstance(params, Mapping):
            raise ConfigError(
                f"must be a mapping of knob values, got {params!r}", path="objective.params"
            )
        fixed.update(params)
        return fixed

    def config(self, params: Mapping[str, Any]) -> Any:
        """The :class:`~hpsearch.training.TrainConfig` for ``params`` (trial params win)."""
        return _training().resolve_knobs((self._fixed, "objective"), (dict(params), "params"))

    def input_shape(self, cfg: Any) -> tuple[int, ...]:
        image_shape = _training()._models.image_shape
        given = self.model_spec.get("input_shape")
        if cfg.model == "cnn" or (self.factory is not None and given is not None):
            return image_shape(self.data.n_features, given)
        return (self.data.n_features,)

    # -- running -----------------------------------------------------------------------------
    def __call__(self, params: Mapping[str, Any], trial: Trial | None = None) -> dict[str, float]:
        import torch

        training = _training()
        cfg = self.config(params)
        if torch.get_num_threads() != self.threads:
            torch.set_num_threads(self.threads)
        device = training.select_device(self.device_request, trial.device if trial else None)
        shape = self.input_shape(cfg)
        result = training.train(
            cfg,
            self.data,
            input_shape=shape,
            device=device,
            monitor=self.monitor,
            trial=trial if self.reports else None,
            factory=self.factory,
            params=dict(params),
            deterministic=self.deterministic,
            max_batches=self.max_batches,
        )
        if trial is not None and trial.directory is not None and self.checkpoint:
            self._save(result, cfg, params, shape, trial.directory)
        metrics = {k: v for k, v in result.metrics.items() if k in self.extra}
        for name, source in self._sources.items():
            metrics[name] = result.metrics[source]
        return metrics

    def _meta(
        self, cfg: Any, params: Mapping[str, Any], shape: tuple[int, ...], fold: Any
    ) -> dict[str, Any]:
        return {
            "knobs": cfg.to_dict(),
            "params": dict(params),
            "input_shape": list(shape),
            "n_outputs": self.data.n_outputs,
            "task": self.data.task,
            "dataset": str(self.spec.get("dataset")),
            "classes": None if self.data.classes is None else self.data.classes.tolist(),
            "x_mean": fold.x_mean.tolist(),
            "x_std": fold.x_std.tolist(),
            "y_mean": fold.y_mean,
            "y_std": fold.y_std,
        }

    def _save(
        self,
        result: Any,
        cfg: Any,
        params: Mapping[str, Any],
        shape: tuple[int, ...],
        out_dir: Path,
    ) -> None:
        save_checkpoint = _training().save_checkpoint
        fmt = self.checkpoint if isinstance(self.checkpoint, str) else "auto"
        for i, model in enumerate(result.models):
            meta = self._meta(cfg, params, shape, self.data.folds[i])
            meta.update(epoch=result.best_epoch, fold=i, metrics=result.metrics)
            stem = "checkpoint" if i == 0 else f"checkpoint_fold{i}"
            save_checkpoint(model, out_dir, meta, stem=stem, fmt=fmt)

    def fit_final(
        self, params: Mapping[str, Any], *, epochs: int | None = None, device: str | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Train on all the data (no validation part) for ``epochs``; return (model, config)."""
        import torch

        training = _training()

        torch.set_num_threads(self.threads)
        if self._full is None:
            ds = self.dataset
            self._full = training.PreparedData.build(ds.X, ds.y, ds.task, None)
        cfg = self.config(params)
        shape = self.input_shape(cfg)
        result = training.train(
            cfg,
            self._full,
            input_shape=shape,
            device=training.select_device(device or self.device_request, None),
            factory=self.factory,
            params=dict(params),
            deterministic=self.deterministic,
            max_batches=self.max_batches,
            epochs=epochs,
        )
        meta = self._meta(cfg, params, shape, self._full.folds[0])
        meta.update(epochs=result.epochs_run, train_time_s=result.metrics["train_time_s"])
        return result.models[0], meta


def _knob(name: str) -> str:
    _canonical = _training()._knobs._canonical

    return _canonical(name, f"parameters.{name}")


def _flag(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"must be true or false, got {value!r}", path=f"objective.{key}")
    return value


def _opt_int(value: Any, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"must be a positive integer, got {value!r}", path=f"objective.{key}")
    return value
