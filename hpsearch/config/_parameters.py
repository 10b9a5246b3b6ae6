"""The ``parameters:`` block: native parameter specs into dimensions, strictly.

Every parameter needs an explicit ``type`` (float, int, categorical, constant); a mapping of
parameters without ``type`` is a nested group whose parameters get dotted names. ``when:``
conditions name a parent parameter (a sibling in the same group first, then the full name).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from hpsearch.config._values import check_keys, kind_of, read_number
from hpsearch.config._yaml import Document
from hpsearch.errors import ConfigError, did_you_mean
from hpsearch.space import Categorical, Condition, Constant, Dimension, Float, Int, Prior

__all__ = ["DIM_KEYS", "MAX_PARAMETERS", "read_parameters"]

MAX_PARAMETERS = 1000
DIM_KEYS = {
    "float": ("type", "low", "high", "log", "step", "prior", "when", "description"),
    "int": ("type", "low", "high", "log", "step", "prior", "when", "description"),
    "categorical": ("type", "choices", "weights", "when", "description"),
    "constant": ("type", "value", "when", "description"),
}
ALL_DIM_KEYS = {k for keys in DIM_KEYS.values() for k in keys}


def read_parameters(doc: Document, block: Any) -> tuple[Dimension, ...]:
    """The dimensions of a ``parameters:`` block of ``doc`` (errors located in ``doc``).

    Example:
        >>> dims = read_parameters(Document({}), {"lr": {"type": "float", "low": 1e-4, "high": 1}})
        >>> dims[0].name, dims[0].high
        ('lr', 1.0)
    """
    return _ParameterReader(doc).read(block)


class _ParameterReader:
    def __init__(self, doc: Document) -> None:
        self.doc = doc

    def fail(self, path: str, message: str) -> ConfigError:
        return self.doc.error(path, message)

    def read(self, block: Any) -> tuple[Dimension, ...]:
        if not isinstance(block, Mapping):
            raise self.fail(
                "parameters", f"must be a mapping of parameter names, got {kind_of(block)}"
            )
        if not block:
            raise self.fail("parameters", "must define at least one parameter")
        dims: list[Dimension] = []
        self._collect(block, "", dims)
        names = {d.name for d in dims}
        return tuple(self._resolve_when(d, names) for d in dims)

    def _collect(self, block: Mapping[str, Any], prefix: str, out: list[Dimension]) -> None:
        for key, spec in block.items():
            path = f"parameters.{prefix}{key}"
            if not isinstance(key, str) or not key.strip():
                raise self.fail(path, f"parameter names must be non-empty strings, got {key!r}")
            name = f"{prefix}{key}"
            if not isinstance(spec, Mapping):
                raise self.fail(
                    path,
                    "must be a mapping such as {type: float, low: 0, high: 1}, "
                    f"got {kind_of(spec)}",
                )
            if "type" not in spec:
                if _is_group(spec):
                    self._collect(spec, f"{name}.", out)
                    continue
                raise self.fail(path, "missing 'type' (one of float, int, categorical, constant)")
            out.append(self.dimension(name, spec, path))
            if len(out) > MAX_PARAMETERS:
                raise self.fail("parameters", f"has more than {MAX_PARAMETERS} parameters")

    def dimension(self, name: str, spec: Mapping[str, Any], path: str) -> Dimension:
        kind = spec["type"]
        if not isinstance(kind, str) or kind not in DIM_KEYS:
            raise self.fail(
                f"{path}.type",
                f"unknown type {kind!r}{did_you_mean(str(kind), DIM_KEYS)};"
                " allowed: float, int, categorical, constant",
            )
        error = check_keys(spec, DIM_KEYS[kind], path=path)
        if error is not None:
            raise self.doc.locate(error)
        when = self._raw_when(spec.get("when"), f"{path}.when")
        try:
            if kind in ("float", "int"):
                return self._numeric(kind, name, spec, path, when)
            if kind == "categorical":
                return self._categorical(name, spec, path, when)
            if "value" not in spec:
                raise self.fail(f"{path}.value", "missing: a constant needs a value")
            return Constant(name, spec["value"], when=when)
        except ConfigError as exc:
            raise exc.located(file=self.doc.file, line=self.doc.line(exc.path or path)) from None

    def _numeric(
        self, kind: str, name: str, spec: Mapping[str, Any], path: str, when: tuple[Condition, ...]
    ) -> Dimension:
        for key in ("low", "high"):
            if key not in spec:
                raise self.fail(f"{path}.{key}", f"missing: a {kind} needs low and high")
        log = spec.get("log", False)
        if not isinstance(log, bool):
            raise self.fail(f"{path}.log", f"must be true or false, got {kind_of(log)}")
        step = None if spec.get("step") is None else self.number(spec["step"], f"{path}.step")
        cls = Float if kind == "float" else Int
        return cls(
            name,
            self.number(spec["low"], f"{path}.low"),
            self.number(spec["high"], f"{path}.high"),
            log=log,
            step=step,
            prior=self.prior(spec.get("prior"), f"{path}.prior"),
            when=when,
        )

    def _categorical(
        self, name: str, spec: Mapping[str, Any], path: str, when: tuple[Condition, ...]
    ) -> Categorical:
        if "choices" not in spec:
            raise self.fail(f"{path}.choices", "missing: a categorical needs choices")
        choices = spec["choices"]
        if not isinstance(choices, list):
            raise self.fail(f"{path}.choices", f"must be a list, got {kind_of(choices)}")
        weights = spec.get("weights")
        if weights is not None and not (
            isinstance(weights, list)
            and all(isinstance(w, (int, float)) and not isinstance(w, bool) for w in weights)
        ):
            raise self.fail(f"{path}.weights", "must be a list of numbers")
        return Categorical(name, tuple(choices), weights=weights, when=when)

    def number(self, value: Any, path: str) -> int | float:
        return read_number(value, lambda message: self.fail(path, message))

    def prior(self, spec: Any, path: str) -> Prior | None:
        if spec is None:
            return None
        if not isinstance(spec, Mapping) or spec.get("type") not in Prior.KINDS:
            raise self.fail(path, f"must be {{type: {' | '.join(Prior.KINDS)}, ...}}")
        beta = spec["type"] == "beta"
        keys = ("type", "alpha", "beta") if beta else ("type", "mu", "sigma")
        error = check_keys(spec, keys, path=path)
        if error is not None:
            raise self.doc.locate(error)
        a = self.number(spec.get(keys[1], 1.0 if beta else 0.0), f"{path}.{keys[1]}")
        b = self.number(spec.get(keys[2], 1.0), f"{path}.{keys[2]}")
        if b <= 0 or (beta and a <= 0):
            raise self.fail(path, "prior parameters must be > 0")
        return Prior(spec["type"], float(a), float(b))

    def _raw_when(self, when: Any, path: str) -> tuple[Condition, ...]:
        if when is None:
            return ()
        if not isinstance(when, Mapping) or not when:
            raise self.fail(
                path, "must be a mapping such as {kernel: poly} or {kernel: [rbf, poly]}"
            )
        out = []
        for parent, values in when.items():
            vals = tuple(values) if isinstance(values, list) else (values,)
            if not vals:
                raise self.fail(f"{path}.{parent}", "must list at least one value")
            out.append(Condition(str(parent), vals))
        return tuple(out)

    def _resolve_when(self, dim: Dimension, names: set[str]) -> Dimension:
        if not dim.when:
            return dim
        prefix = dim.name.rpartition(".")[0]
        resolved = []
        for c in dim.when:
            parent = c.parent
            if parent not in names and prefix and f"{prefix}.{parent}" in names:
                parent = f"{prefix}.{parent}"
            if parent not in names:
                raise self.fail(
                    f"parameters.{dim.name}.when.{c.parent}",
                    f"names unknown parameter {c.parent!r}{did_you_mean(c.parent, names)}",
                )
            resolved.append(Condition(parent, c.values))
        return dataclasses.replace(dim, when=tuple(resolved))


def _is_group(spec: Mapping[str, Any]) -> bool:
    """A mapping of parameters (no dimension keys of its own, every value a mapping)."""
    return (
        bool(spec)
        and all(isinstance(v, Mapping) for v in spec.values())
        and not (set(spec) & ALL_DIM_KEYS)
    )
