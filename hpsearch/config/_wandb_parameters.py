"""W&B sweep parameters into native parameter specs (see :mod:`hpsearch.config._wandb`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from hpsearch.config._values import kind_of as _kind
from hpsearch.config._values import read_number
from hpsearch.config._yaml import Document
from hpsearch.errors import ConfigError, did_you_mean

__all__ = ["DISTRIBUTIONS", "PARAM_KEYS", "ParameterTranslator", "is_integral"]

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


def is_integral(x: Any) -> bool:
    return (isinstance(x, int) and not isinstance(x, bool)) or (
        isinstance(x, float) and x.is_integer()
    )


class ParameterTranslator:
    """Translates W&B parameter specs into native ones, recording W&B line numbers."""

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
            return {**self._stepped(0, 1, q, path, integral=is_integral(q)), "prior": prior}
        if "normal" in dist:
            return self._normal(dist, spec, q, path)
        low = self.number(spec["min"], f"{path}.min")
        high = self.number(spec["max"], f"{path}.max")
        if low >= high:
            raise self.fail(f"{path}.min", f"must be less than max ({high!r}), got {low!r}")
        if dist == "int_uniform":
            for key, v in (("min", low), ("max", high)):
                if not is_integral(v):
                    raise self.fail(
                        f"{path}.{key}", f"must be an integer for int_uniform, got {v!r}"
                    )
            return {"type": "int", "low": int(low), "high": int(high)}
        if dist == "uniform":
            return {"type": "float", "low": float(low), "high": float(high)}
        if dist == "q_uniform":
            integral = all(isinstance(x, int) for x in (low, high)) and is_integral(q)
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
        return {**self._stepped(low, high, q, path, integral=is_integral(q)), "prior": prior}

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
        if is_integral(q):
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
