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

import math
from collections.abc import Mapping
from typing import Any

from hpsearch.errors import ConfigError, did_you_mean
from hpsearch.space._loader import _kind, read_number
from hpsearch.space._yaml import Document

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

_RANGE = ("min", "max")
_NORMAL = ("mu", "sigma", "min", "max")
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "constant": ("value",),
    "categorical": ("values", "probabilities"),
    "categorical_w_probabilities": ("values", "probabilities"),
    "int_uniform": _RANGE,
    "uniform": _RANGE,
    "q_uniform": (*_RANGE, "q"),
    "log_uniform": _RANGE,
    "log_uniform_values": _RANGE,
    "q_log_uniform": (*_RANGE, "q"),
    "q_log_uniform_values": (*_RANGE, "q"),
    "inv_log_uniform": _RANGE,
    "inv_log_uniform_values": _RANGE,
    "normal": _NORMAL,
    "q_normal": (*_NORMAL, "q"),
    "log_normal": _NORMAL,
    "q_log_normal": (*_NORMAL, "q"),
    "beta": ("a", "b"),
    "q_beta": ("a", "b", "q"),
}
REQUIRED = {name: ("value",) for name in ("constant",)}
REQUIRED.update({name: ("values",) for name in DISTRIBUTIONS if name.startswith("categorical")})
REQUIRED.update({name: _RANGE for name, keys in DISTRIBUTIONS.items() if keys[:2] == _RANGE})
PARAM_KEYS = ("distribution", "parameters", *sorted({k for v in DISTRIBUTIONS.values() for k in v}))
# Which W&B key a native parameter key comes from (for line numbers).
_NATIVE_TO_WANDB = {
    "type": "distribution", "low": "min", "high": "max", "choices": "values",
    "weights": "probabilities", "value": "value", "step": "q", "log": "distribution",
    "prior": "distribution",
}  # fmt: skip
_SIGMAS = 4.0


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


def _integral(x: Any) -> bool:
    return (isinstance(x, int) and not isinstance(x, bool)) or (
        isinstance(x, float) and x.is_integer()
    )


class _Translator:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.data: Mapping[str, Any] = doc.data
        self.lines: dict[str, int] = {}
        self._specs: dict[str, Mapping[str, Any]] = {}

    def fail(self, path: str, message: str) -> ConfigError:
        return self.doc.error(path, message)

    def keep(self, native: str, wandb: str) -> None:
        line = self.doc.line(wandb)
        if line is not None:
            self.lines[native] = line

    def mapping(self, value: Any, path: str, allowed: tuple[str, ...], what: str) -> Mapping:
        if not isinstance(value, Mapping):
            raise self.fail(path, f"must be a mapping{what}, got {_kind(value)}")
        for key in value:
            if key not in allowed:
                raise self.fail(
                    f"{path}.{key}",
                    f"unknown key {key!r}"
                    f"{did_you_mean(key, allowed)}; allowed: {', '.join(allowed)}",
                )
        return value

    def number(self, value: Any, path: str) -> int | float:
        """A finite number; strings such as ``"1e-5"`` are read as numbers."""
        return read_number(value, lambda message: self.fail(path, message))

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
        out["reduction_factor"] = int(eta) if _integral(eta) else eta
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
        if not _integral(number) or number < 1:
            raise self.fail(path, f"must be a positive integer, got {value!r}")
        return int(number)

    # -- parameters --------------------------------------------------------------------------
    def parameters(self, block: Any, method: str) -> dict[str, Any]:
        if not isinstance(block, Mapping) or not block:
            raise self.fail(
                "parameters", f"must be a non-empty mapping of parameter names, got {_kind(block)}"
            )
        self.keep("parameters", "parameters")
        out: dict[str, dict[str, Any]] = {}
        where: dict[str, tuple[str, str]] = {}
        self._collect(block, "", "parameters", out, where)
        if method == "grid":
            for name, spec in out.items():
                if spec["type"] == "float" and "step" not in spec and spec["low"] != spec["high"]:
                    wpath, dist = where[name]
                    explicit = "distribution" in self._specs[wpath]
                    raise self.fail(
                        f"{wpath}.distribution" if explicit else wpath,
                        f"a grid sweep needs a finite set of values, but {name!r} is "
                        f"continuous ({dist}); give it values: [...], use int_uniform "
                        "or q_uniform, or choose method: random or bayes",
                    )
        return out

    def _collect(
        self,
        block: Mapping[str, Any],
        prefix: str,
        base: str,
        out: dict[str, dict[str, Any]],
        where: dict[str, tuple[str, str]],
    ) -> None:
        for key, spec in block.items():
            wpath = f"{base}.{key}"
            if not isinstance(key, str) or not key.strip():
                raise self.fail(wpath, f"parameter names must be non-empty strings, got {key!r}")
            name = f"{prefix}{key}"
            if isinstance(spec, Mapping) and "parameters" in spec:
                for other in spec:
                    if other != "parameters":
                        raise self.fail(
                            f"{wpath}.{other}",
                            "a parameter with nested 'parameters' takes no other keys",
                        )
                inner = spec["parameters"]
                if not isinstance(inner, Mapping) or not inner:
                    raise self.fail(
                        f"{wpath}.parameters",
                        f"must be a non-empty mapping of parameters, got {_kind(inner)}",
                    )
                self.keep(f"parameters.{name}", wpath)
                self._collect(inner, f"{name}.", f"{wpath}.parameters", out, where)
                continue
            if name in out:
                raise self.fail(
                    wpath, f"parameter {name!r} is defined twice (also at {where[name][0]})"
                )
            spec_out, dist = self.parameter(spec, wpath)
            out[name] = spec_out
            where[name] = (wpath, dist)
            self._specs[wpath] = spec
            self.keep(f"parameters.{name}", wpath)
            for native_key in spec_out:
                self.keep(
                    f"parameters.{name}.{native_key}", f"{wpath}.{_NATIVE_TO_WANDB[native_key]}"
                )

    def parameter(self, spec: Any, path: str) -> tuple[dict[str, Any], str]:
        if not isinstance(spec, Mapping):
            raise self.fail(
                path,
                "must be a mapping such as {values: [a, b]}, {value: 1} or "
                f"{{min: 0, max: 1}}, got {_kind(spec)}",
            )
        for key in spec:
            if key not in PARAM_KEYS:
                hint = (
                    (
                        "; W&B parameters have no 'type' (use distribution:, or write the "
                        "file in the native format)"
                    )
                    if key == "type"
                    else ""
                )
                raise self.fail(
                    f"{path}.{key}",
                    f"unknown key {key!r}"
                    f"{did_you_mean(key, PARAM_KEYS)}; allowed: "
                    f"{', '.join(PARAM_KEYS)}{hint}",
                )
        if "distribution" in spec:
            dist = spec["distribution"]
            if dist not in DISTRIBUTIONS:
                raise self.fail(
                    f"{path}.distribution",
                    f"unknown distribution {dist!r}"
                    f"{did_you_mean(dist, DISTRIBUTIONS)}; allowed: "
                    f"{', '.join(DISTRIBUTIONS)}",
                )
        else:
            dist = self._implicit(spec, path)
        allowed = DISTRIBUTIONS[dist]
        for key in spec:
            if key not in allowed and key != "distribution":
                raise self.fail(
                    f"{path}.{key}",
                    f"is not used by distribution {dist!r}, which takes {', '.join(allowed)}",
                )
        for key in REQUIRED.get(dist, ()):
            if key not in spec:
                raise self.fail(
                    f"{path}.{key}",
                    f"missing: distribution {dist!r} needs {' and '.join(REQUIRED[dist])}",
                )
        return self._convert(dist, spec, path), dist

    def _implicit(self, spec: Mapping[str, Any], path: str) -> str:
        if "values" in spec:
            return "categorical"
        if "value" in spec:
            return "constant"
        if "min" in spec and "max" in spec:
            low = self.number(spec["min"], f"{path}.min")
            high = self.number(spec["max"], f"{path}.max")
            both_int = all(isinstance(x, int) for x in (low, high))
            return "int_uniform" if both_int else "uniform"
        if "min" in spec or "max" in spec:
            missing = "max" if "min" in spec else "min"
            raise self.fail(f"{path}.{missing}", "missing: a range needs both min and max")
        if spec:
            raise self.fail(
                f"{path}.distribution",
                f"missing: {', '.join(map(str, spec))} need "
                f"a distribution; allowed: {', '.join(DISTRIBUTIONS)}",
            )
        raise self.fail(path, "is empty: give values: [...], value: ..., or min and max")

    def _convert(self, dist: str, spec: Mapping[str, Any], path: str) -> dict[str, Any]:
        if dist == "constant":
            return {"type": "constant", "value": spec["value"]}
        if dist.startswith("categorical"):
            values = spec["values"]
            if not isinstance(values, list) or not values:
                raise self.fail(f"{path}.values", f"must be a non-empty list, got {_kind(values)}")
            out: dict[str, Any] = {"type": "categorical", "choices": list(values)}
            if "probabilities" in spec:
                probs = spec["probabilities"]
                if not isinstance(probs, list) or len(probs) != len(values):
                    raise self.fail(
                        f"{path}.probabilities",
                        f"must be a list of {len(values)} "
                        f"numbers (one per value), got {_kind(probs)}",
                    )
                out["weights"] = [self.number(p, f"{path}.probabilities") for p in probs]
            return out
        q = self.number(spec.get("q", 1), f"{path}.q")
        if q <= 0:
            raise self.fail(f"{path}.q", f"must be > 0, got {q!r}")
        if dist in ("beta", "q_beta"):
            a = self.number(spec.get("a", 1), f"{path}.a")
            b = self.number(spec.get("b", 1), f"{path}.b")
            for key, v in (("a", a), ("b", b)):
                if v <= 0:
                    raise self.fail(f"{path}.{key}", f"must be > 0, got {v!r}")
            prior = {"type": "beta", "alpha": float(a), "beta": float(b)}
            if dist == "beta":
                return {"type": "float", "low": 0.0, "high": 1.0, "prior": prior}
            return {**self._stepped(0, 1, q, path, integral=_integral(q)), "prior": prior}
        if "normal" in dist:
            return self._normal(dist, spec, q, path)
        low = self.number(spec["min"], f"{path}.min")
        high = self.number(spec["max"], f"{path}.max")
        if low >= high:
            raise self.fail(f"{path}.min", f"must be less than max ({high!r}), got {low!r}")
        if dist == "int_uniform":
            for key, v in (("min", low), ("max", high)):
                if not _integral(v):
                    raise self.fail(
                        f"{path}.{key}", f"must be an integer for int_uniform, got {v!r}"
                    )
            return {"type": "int", "low": int(low), "high": int(high)}
        if dist == "uniform":
            return {"type": "float", "low": float(low), "high": float(high)}
        if dist == "q_uniform":
            integral = all(isinstance(x, int) for x in (low, high)) and _integral(q)
            return self._stepped(low, high, q, path, integral=integral)
        if dist in ("log_uniform", "q_log_uniform"):
            low, high = math.exp(low), math.exp(high)
        elif dist == "inv_log_uniform":
            low, high = math.exp(-high), math.exp(-low)
        elif low <= 0:  # the *_values variants
            raise self.fail(f"{path}.min", f"must be > 0 for {dist}, got {low!r}")
        if dist.startswith("q_"):
            return self._log_quantized(low, high, q, path)
        return {"type": "float", "low": float(low), "high": float(high), "log": True}

    def _normal(self, dist: str, spec: Mapping[str, Any], q: float, path: str) -> dict[str, Any]:
        mu = self.number(spec.get("mu", 0), f"{path}.mu")
        sigma = self.number(spec.get("sigma", 1), f"{path}.sigma")
        if sigma <= 0:
            raise self.fail(f"{path}.sigma", f"must be > 0, got {sigma!r}")
        log = "log" in dist
        low = mu - _SIGMAS * sigma
        high = mu + _SIGMAS * sigma
        if log:
            low, high = math.exp(low), math.exp(high)
        if "min" in spec:
            low = self.number(spec["min"], f"{path}.min")
        if "max" in spec:
            high = self.number(spec["max"], f"{path}.max")
        if low >= high:
            raise self.fail(f"{path}.min", f"must be less than max ({high!r}), got {low!r}")
        if log and low <= 0:
            raise self.fail(f"{path}.min", f"must be > 0 for {dist}, got {low!r}")
        prior = {"type": "log_normal" if log else "normal", "mu": float(mu), "sigma": float(sigma)}
        if not dist.startswith("q_"):
            out = {"type": "float", "low": float(low), "high": float(high)}
            return {**out, "log": True, "prior": prior} if log else {**out, "prior": prior}
        if log:
            return {**self._log_quantized(low, high, q, path), "prior": prior}
        return {**self._stepped(low, high, q, path, integral=_integral(q)), "prior": prior}

    def _quantize(self, low: float, high: float, q: float, path: str) -> tuple[int, int]:
        """Indices of the first and last multiples of ``q`` inside ``[low, high]``."""
        k_low = math.ceil(low / q - 1e-9)
        k_high = math.floor(high / q + 1e-9)
        if k_low > k_high:
            raise self.fail(
                f"{path}.q", f"no multiple of q = {q!r} lies between {low!r} and {high!r}"
            )
        return k_low, k_high

    def _stepped(
        self, low: float, high: float, q: float, path: str, *, integral: bool
    ) -> dict[str, Any]:
        k_low, k_high = self._quantize(low, high, q, path)
        if integral:
            step = int(q)
            return _with_step({"type": "int", "low": k_low * step, "high": k_high * step}, step)
        return _with_step(
            {"type": "float", "low": round(k_low * q, 12), "high": round(k_high * q, 12)}, float(q)
        )

    def _log_quantized(self, low: float, high: float, q: float, path: str) -> dict[str, Any]:
        k_low, k_high = self._quantize(low, high, q, path)
        k_low = max(k_low, 1)  # a log scale starts above 0
        if k_low > k_high:
            raise self.fail(
                f"{path}.q", f"no positive multiple of q = {q!r} lies between {low!r} and {high!r}"
            )
        if _integral(q):
            return {"type": "int", "low": k_low * int(q), "high": k_high * int(q), "log": True}
        return {
            "type": "float",
            "low": round(k_low * q, 12),
            "high": round(k_high * q, 12),
            "log": True,
        }


def _with_step(spec: dict[str, Any], step: float) -> dict[str, Any]:
    if spec["low"] == spec["high"] or (spec["type"] == "int" and step == 1):
        return spec
    return {**spec, "step": step}
