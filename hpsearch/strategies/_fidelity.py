"""The fidelity of a multi-fidelity sweep: the resource a trial can be cut short on.

Declared in the ``mf`` strategy's block of a space file::

    strategy:
      name: mf
      fidelity: {resource: epochs, min: 1, max: 27, eta: 3}

``resource`` names what the objective's reported ``step`` counts: ``epochs`` for the torch
objective (it reports after each epoch, step = epochs trained), ``step`` for python and command
objectives (whatever their ``trial.report(value, step)`` / ``{"step": ...}`` lines count).
A trial runs until it reports a step at or past its rung's resource, then it is stopped and
paused there; a promotion continues the configuration in the same checkpoint folder.

Example:
    >>> read_fidelity({"resource": "epochs", "min": 1, "max": 27})
    Fidelity(resource='epochs', min=1, max=27, eta=3)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hpsearch.config import SweepConfig
from hpsearch.errors import ConfigError

__all__ = ["RESOURCES", "Fidelity", "check_fidelity", "read_fidelity"]

RESOURCES = ("epochs", "step")
_KEYS = ("resource", "min", "max", "eta")


@dataclass(frozen=True)
class Fidelity:
    """``resource`` from ``min`` to ``max``, rungs ``eta`` times apart."""

    resource: str
    min: float
    max: float
    eta: float = 3

    @property
    def integer(self) -> bool:
        """Whether the rung levels are whole numbers (epochs, steps)."""
        return all(float(v).is_integer() for v in (self.min, self.max))

    def describe(self) -> str:
        """One line, e.g. ``epochs from 1 to 27, eta 3``."""
        return f"{self.resource} from {self.min:g} to {self.max:g}, eta {self.eta:g}"


def _number(block: Mapping[str, Any], key: str, path: str, default: Any = None) -> float:
    value = block.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        shown = "missing" if value is None else f"got {value!r}"
        raise ConfigError(f"must be a positive number, {shown}", path=f"{path}.{key}")
    return value


def read_fidelity(block: Any, *, path: str = "strategy.fidelity") -> Fidelity:
    """A :class:`Fidelity` from its mapping (``resource``, ``min``, ``max``, ``eta``).

    Raises:
        ConfigError: a missing ``max``, an unknown key or resource, ``min`` not in (0, max],
            or ``eta <= 1``.
    """
    if block is None:
        raise ConfigError(
            "missing: the mf strategy needs {resource: epochs|step, min: 1, max: N, eta: 3}",
            path=path,
        )
    if not isinstance(block, Mapping):
        raise ConfigError("must be a mapping {resource, min, max, eta}", path=path)
    unknown = [k for k in block if k not in _KEYS]
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r}; allowed: {', '.join(_KEYS)}", path=path)
    resource = block.get("resource", "step")
    if resource not in RESOURCES:
        raise ConfigError(
            f"must be one of {', '.join(RESOURCES)}, got {resource!r}", path=f"{path}.resource"
        )
    low = _number(block, "min", path, 1)
    high = _number(block, "max", path)
    eta = _number(block, "eta", path, 3)
    if not 0 < low <= high:
        raise ConfigError(f"must be in (0, max={high}], got {low!r}", path=f"{path}.min")
    if not eta > 1:
        raise ConfigError(f"must be > 1, got {eta!r}", path=f"{path}.eta")
    return Fidelity(str(resource), low, high, eta)


def check_fidelity(config: SweepConfig, fidelity: Fidelity) -> None:
    """Raise ConfigError when ``config``'s objective cannot be run along ``fidelity``.

    The torch objective must train exactly ``max`` epochs (``objective.epochs``), not search
    them, and its metric must be the value it reports each epoch.
    """
    objective = config.objective
    kind = objective.type if objective is not None else None
    if fidelity.resource == "epochs" and kind not in (None, "torch"):
        raise ConfigError(
            f"resource epochs is for the torch objective; a {kind} objective counts its "
            "reported steps: use resource: step",
            path="strategy.fidelity.resource",
        )
    if kind == "torch" and objective is not None:
        if fidelity.resource != "epochs":
            raise ConfigError(
                "the torch objective reports epochs: use resource: epochs",
                path="strategy.fidelity.resource",
            )
        if "epochs" in config.space:
            raise ConfigError(
                "epochs is the fidelity of the mf strategy; remove it from parameters "
                f"(each configuration trains up to fidelity.max = {fidelity.max:g} epochs)",
                path="parameters.epochs",
            )
        epochs = objective.get("epochs")
        if epochs != fidelity.max:
            raise ConfigError(
                f"set objective.epochs to the fidelity's max ({fidelity.max:g}), got "
                f"{epochs!r}: a configuration promoted to the top rung trains that many",
                path="objective.epochs",
            )
