"""Read W&B sweep files: translate a W&B sweep configuration into the native format.

:func:`is_wandb_sweep` recognises a W&B file by its shape, and :func:`wandb_to_native` turns it
into a native document, which the native loader then validates. The translated document keeps
the W&B file's line numbers, so errors still point at the right line.

How W&B settings map to native ones:

- ``method: grid|random|bayes`` -> ``strategy: {name: ...}``; ``run_cap`` -> ``budget.trials``;
  ``metric: {name, goal, target}`` -> ``metric`` (``goal`` defaults to minimize; a bayes sweep
  needs one); ``program``/``command`` -> ``objective: {type: command, ...}`` with the ``${...}``
  macros kept verbatim; ``early_terminate: {type: hyperband}`` -> ``pruner: {type: hyperband}``
  (``min_iter`` -> ``min_resource``; ``max_iter`` -> ``max_resource``, and without ``min_iter``
  the smallest W&B bracket ``int(max_iter / eta**k)`` becomes ``min_resource``; ``eta`` (default
  3) -> ``reduction_factor``). ``project``, ``entity``, ``controller``, ``job`` and ``image`` are
  ignored.
- ``values`` -> categorical (``probabilities`` -> ``weights``); ``value`` -> constant; ``min``
  and ``max`` -> int when both are integers, float otherwise.
- ``log_uniform`` takes natural-log bounds (``[exp(min), exp(max)]``); ``*_values`` variants take
  the values themselves; ``inv_log_uniform`` is log-uniform on ``[exp(-max), exp(-min)]``.
- ``normal``/``log_normal``/``beta`` become a bounded float with a ``prior``: ``mu ± 4 sigma``
  (``exp`` of it for ``log_normal``) unless ``min``/``max`` are given, ``[0, 1]`` for beta.
- ``q_*`` quantization (``q`` defaults to 1): the bounds shrink to the multiples of ``q`` inside
  them (W&B rounds samples to multiples of ``q``) and ``q`` becomes the ``step``, an int parameter
  when ``q`` and the bounds are integral. The native format cannot combine a log scale with a
  step, so ``q_log_*`` become a log-scale int (``q`` integral: exact for ``q: 1``; values between
  the bounds are not snapped to larger ``q``) or a log-scale float (``q`` not integral; ``q`` only
  rounds the bounds).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hpsearch.config._values import kind_of as _kind
from hpsearch.config._wandb_parameters import PARAM_KEYS, ParameterTranslator, is_integral
from hpsearch.config._yaml import Document
from hpsearch.errors import did_you_mean

__all__ = ["is_wandb_sweep", "wandb_to_native"]

TOP_KEYS = (
    "program", "method", "parameters", "metric", "name", "description", "early_terminate",
    "command", "run_cap", "project", "entity", "controller", "job", "image", "image_uri",
    "apiVersion", "kind",
)  # fmt: skip
WANDB_ONLY_KEYS = frozenset(TOP_KEYS) - {"parameters", "metric", "name", "description"}
NATIVE_ONLY_KEYS = frozenset({"objective", "metrics", "strategy", "budget", "pruner", "execution"})
METHODS = ("grid", "random", "bayes")
METRIC_KEYS = ("name", "goal", "target", "impute", "impute_while_running")
HYPERBAND_KEYS = ("type", "min_iter", "max_iter", "s", "eta", "strict")


def is_wandb_sweep(data: Any) -> bool:
    """Whether a parsed file is a W&B sweep configuration rather than a native space file.

    True when the top level has a W&B-only key (``method``, ``program``, ``command``,
    ``early_terminate``, ``run_cap``, ``project``, ...), or when it has no native-only key and its
    parameters use W&B keys (``values``, ``min``, ``distribution``, ...) and none gives a
    ``type:`` (every native parameter does).

    Example:
        >>> is_wandb_sweep({"method": "random", "parameters": {"lr": {"min": 0.1, "max": 1.0}}})
        True
        >>> is_wandb_sweep({"parameters": {"lr": {"type": "float", "low": 0.1, "high": 1.0}}})
        False
    """
    if not isinstance(data, Mapping):
        return False
    if any(key in WANDB_ONLY_KEYS for key in data):
        return True
    if any(key in NATIVE_ONLY_KEYS for key in data):
        return False
    params = data.get("parameters")
    if not isinstance(params, Mapping):
        return False
    found = {"wandb": False, "native": False}
    _scan(params, found, depth=0)
    return found["wandb"] and not found["native"]


def _scan(block: Mapping[str, Any], found: dict[str, bool], depth: int) -> None:
    if depth > 32:
        return
    for spec in block.values():
        if not isinstance(spec, Mapping):
            continue
        if "type" in spec:
            found["native"] = True
            continue
        if any(key in PARAM_KEYS for key in spec):
            found["wandb"] = True
        inner = spec.get("parameters")
        _scan(inner if isinstance(inner, Mapping) else spec, found, depth + 1)


def wandb_to_native(doc: Document) -> Document:
    """Translate a W&B sweep document into a native one, keeping the W&B file's line numbers.

    Raises :class:`hpsearch.ConfigError` naming the W&B key path and line of the first problem;
    the native loader validates the rest.

    Example:
        >>> native = wandb_to_native(Document({"method": "random", "parameters": {
        ...     "lr": {"distribution": "log_uniform_values", "min": 1e-4, "max": 1e-1}}}))
        >>> native.data["parameters"]["lr"]
        {'type': 'float', 'low': 0.0001, 'high': 0.1, 'log': True}
    """
    return _Translator(doc).translate()


class _Translator(ParameterTranslator):
    """Translates the top level of a W&B sweep; parameters come from the base class."""

    # -- top level ---------------------------------------------------------------------------
    def translate(self) -> Document:
        data = self.data
        for key in data:
            if key not in TOP_KEYS:
                hint = ""
                if key in NATIVE_ONLY_KEYS:
                    hint = (
                        f"; {key!r} belongs to the native hpsearch format, but this file is "
                        "read as a W&B sweep: do not mix the two formats"
                    )
                raise self.fail(
                    str(key),
                    f"unknown W&B sweep key {key!r}"
                    f"{did_you_mean(key, TOP_KEYS)}; allowed: {', '.join(TOP_KEYS)}"
                    f"{hint}",
                )
        method = self.method()
        out: dict[str, Any] = {}
        for key in ("name", "description"):
            if key in data:
                out[key] = data[key]
                self.keep(key, key)
        objective = self.objective()
        if objective is not None:
            out["objective"] = objective
        has_metric = "metric" in data
        if has_metric:
            out["metric"] = self.metric(data["metric"])
        elif method == "bayes":
            raise self.fail(
                "metric",
                "missing: a bayes sweep needs a metric to optimize, such as "
                "metric: {name: val_loss, goal: minimize}",
            )
        out["strategy"] = {"name": method}
        self.keep("strategy", "method")
        self.keep("strategy.name", "method")
        if "run_cap" in data:
            cap = data["run_cap"]
            if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
                raise self.fail("run_cap", f"must be a positive integer, got {_kind(cap)}")
            out["budget"] = {"trials": cap}
            self.keep("budget", "run_cap")
            self.keep("budget.trials", "run_cap")
        if "early_terminate" in data:
            if not has_metric:
                raise self.fail(
                    "early_terminate",
                    "needs a metric to compare runs: add metric: {name: ..., goal: ...}",
                )
            out["pruner"] = self.pruner(data["early_terminate"])
        if "parameters" not in data:
            raise self.fail("parameters", "missing: a sweep needs a 'parameters' mapping")
        out["parameters"] = self.parameters(data["parameters"], method)
        return Document(data=out, file=self.doc.file, lines=self.lines)

    def method(self) -> str:
        if "method" not in self.data:
            raise self.fail(
                "method",
                "missing: this file reads as a W&B sweep, which needs "
                "method: grid, random or bayes (a native hpsearch file gives every "
                "parameter a type:)",
            )
        method = self.data["method"]
        if method == "custom":
            raise self.fail(
                "method",
                "'custom' (an external W&B scheduler) is not supported; use grid, random or bayes",
            )
        if method not in METHODS:
            raise self.fail(
                "method",
                f"unknown method {method!r}{did_you_mean(method, METHODS)};"
                f" allowed: {', '.join(METHODS)}",
            )
        return method

    def metric(self, spec: Any) -> dict[str, Any]:
        self.mapping(spec, "metric", METRIC_KEYS, " such as {name: val_loss, goal: minimize}")
        out = {k: spec[k] for k in ("name", "goal", "target") if k in spec}
        out.setdefault("goal", "minimize")
        self.keep("metric", "metric")
        for key in out:
            self.keep(f"metric.{key}", f"metric.{key}")
        return out

    def objective(self) -> dict[str, Any] | None:
        program = self.data.get("program")
        command = self.data.get("command")
        if program is None and command is None:
            return None
        out: dict[str, Any] = {"type": "command"}
        if program is not None:
            if not isinstance(program, str) or not program.strip():
                raise self.fail("program", f"must be a non-empty string, got {_kind(program)}")
            out["program"] = program
            self.keep("objective", "program")
            self.keep("objective.program", "program")
        if command is not None:
            if not isinstance(command, list) or not command:
                raise self.fail(
                    "command",
                    "must be a non-empty list such as [python, ${program}, "
                    f"${{args}}], got {_kind(command)}",
                )
            words = []
            for i, word in enumerate(command):
                if isinstance(word, (int, float)) and not isinstance(word, bool):
                    word = str(word)
                if not isinstance(word, str):
                    raise self.fail("command", f"item {i} must be a string, got {_kind(word)}")
                words.append(word)
            if program is None and any("${program}" in w for w in words):
                raise self.fail("command", "uses ${program} but the file gives no program")
            out["command"] = words
            self.keep("objective.command", "command")
            if program is None:
                self.keep("objective", "command")
        return out

    def pruner(self, spec: Any) -> dict[str, Any]:
        path = "early_terminate"
        if not isinstance(spec, Mapping) or "type" not in spec:
            raise self.fail(
                path,
                f"must be a mapping such as {{type: hyperband, min_iter: 3}}, got {_kind(spec)}",
            )
        kind = spec["type"]
        if kind != "hyperband":
            raise self.fail(
                f"{path}.type",
                f"unknown early_terminate type {kind!r}"
                f"{did_you_mean(kind, ['hyperband'])}; allowed: hyperband",
            )
        self.mapping(spec, path, HYPERBAND_KEYS, "")
        eta = self.number(spec.get("eta", 3), f"{path}.eta")
        if eta < 2:
            raise self.fail(
                f"{path}.eta",
                f"must be >= 2 (hpsearch's Hyperband keeps the top "
                f"1/eta of trials at each rung), got {eta!r}",
            )
        out: dict[str, Any] = {"type": "hyperband"}
        self.keep("pruner", path)
        self.keep("pruner.type", f"{path}.type")
        if "min_iter" in spec:
            out["min_resource"] = self.count(spec["min_iter"], f"{path}.min_iter")
            self.keep("pruner.min_resource", f"{path}.min_iter")
        if "max_iter" in spec:
            max_iter = self.count(spec["max_iter"], f"{path}.max_iter")
            if "min_iter" not in spec:
                if "s" not in spec:
                    raise self.fail(
                        f"{path}.s",
                        "missing: max_iter needs s (the number of brackets), or give min_iter",
                    )
                s = self.count(spec["s"], f"{path}.s")
                band, smallest = float(max_iter), None
                for _ in range(s):  # W&B's brackets: max_iter / eta**k, k = 1..s, while >= 1
                    band /= eta
                    if band < 1:
                        break
                    smallest = int(band)
                if smallest is None:
                    raise self.fail(
                        f"{path}.max_iter",
                        f"max_iter / eta is below 1 ({max_iter} /"
                        f" {eta!r}): no bracket to stop runs at",
                    )
                out["min_resource"] = smallest
                self.keep("pruner.min_resource", f"{path}.max_iter")
            out["max_resource"] = max_iter
            self.keep("pruner.max_resource", f"{path}.max_iter")
        if "min_resource" not in out:
            raise self.fail(path, "hyperband needs min_iter, or max_iter and s")
        out["reduction_factor"] = int(eta) if is_integral(eta) else eta
        self.keep("pruner.reduction_factor", f"{path}.eta")
        if "strict" in spec:
            if not isinstance(spec["strict"], bool):
                raise self.fail(
                    f"{path}.strict", f"must be true or false, got {_kind(spec['strict'])}"
                )
            out["strict"] = spec["strict"]
            self.keep("pruner.strict", f"{path}.strict")
        return out

    def count(self, value: Any, path: str) -> int:
        number = self.number(value, path)
        if not is_integral(number) or number < 1:
            raise self.fail(path, f"must be a positive integer, got {value!r}")
        return int(number)
