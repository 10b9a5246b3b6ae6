"""Option schemas and registries: how an extension point declares and checks its options.

Each strategy, pruner, objective type and executor declares the options it accepts as a
:class:`Schema` next to its code (a class attribute ``options``), and its package lists it in a
:class:`Registry`. Reading a block through the schema is the one place where option values are
checked and unknown keys get a did-you-mean, for every extension alike.

Example:
    >>> schema = Schema({"n_startup_trials": Option.integer(10, low=0)})
    >>> schema.read({"n_startup_trials": 4}, path="strategy")
    {'n_startup_trials': 4}
    >>> schema.value({}, "n_startup_trials")
    10
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hpsearch.config._values import check_keys, kind_of, parse_duration
from hpsearch.errors import ConfigError, did_you_mean

__all__ = ["Option", "Registry", "Schema"]

T = TypeVar("T")

_KINDS = ("int", "float", "bool", "str", "choice", "duration", "mapping", "list", "any")


@dataclass(frozen=True)
class Option:
    """One option: its kind, default, bounds (inclusive unless ``open_low``/``open_high``) or
    choices, and a one-line help text.

    ``kind`` is one of int, float (any finite number), bool, str, choice (one of ``choices``,
    case-insensitive), duration (seconds, ``"30m"``), mapping, list or any. ``nullable`` accepts
    ``null`` as "use the default".
    """

    kind: str
    default: Any = None
    low: float | None = None
    high: float | None = None
    open_low: bool = False
    open_high: bool = False
    choices: tuple[Any, ...] = ()
    nullable: bool = False
    help: str = ""

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"unknown option kind {self.kind!r}; allowed: {', '.join(_KINDS)}")

    # -- constructors that read well where schemas are declared ----------------------------
    @classmethod
    def integer(cls, default: Any = None, *, low: float | None = None, **kw: Any) -> Option:
        return cls("int", default, low=low, **kw)

    @classmethod
    def number(cls, default: Any = None, **kw: Any) -> Option:
        return cls("float", default, **kw)

    @classmethod
    def flag(cls, default: Any = None, **kw: Any) -> Option:
        return cls("bool", default, **kw)

    @classmethod
    def one_of(cls, choices: Sequence[Any], default: Any = None, **kw: Any) -> Option:
        return cls("choice", default, choices=tuple(choices), **kw)

    # -- reading ---------------------------------------------------------------------------
    def read(self, value: Any, path: str) -> Any:
        """``value`` checked against this option (``ConfigError`` at ``path`` otherwise)."""
        if value is None and self.nullable:
            return self.default
        reader = getattr(self, f"_read_{self.kind}")
        return reader(value, path)

    def _read_int(self, value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise ConfigError(
                    f"must be an integer{self._range()}, got {kind_of(value)}", path=path
                )
        self._check_range(value, path, noun="an integer")
        return int(value)

    def _read_float(self, value: Any, path: str) -> float:
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = float(value.strip())
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            raise ConfigError(f"must be a number{self._range()}, got {kind_of(value)}", path=path)
        self._check_range(value, path, noun="a number")
        return float(value)

    def _read_bool(self, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            raise ConfigError(f"must be true or false, got {kind_of(value)}", path=path)
        return value

    def _read_str(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or not value:
            raise ConfigError(f"must be a non-empty string, got {kind_of(value)}", path=path)
        return value

    def _read_choice(self, value: Any, path: str) -> Any:
        for choice in self.choices:
            if value == choice and type(value) is type(choice):
                return choice
            if (
                isinstance(value, str)
                and isinstance(choice, str)
                and value.lower() == choice.lower()
            ):
                return choice
        shown = ", ".join(str(c) for c in self.choices)
        raise ConfigError(
            f"must be one of {shown}, got {value!r}"
            f"{did_you_mean(str(value), [str(c) for c in self.choices])}",
            path=path,
        )

    def _read_duration(self, value: Any, path: str) -> float:
        return parse_duration(value, path)

    def _read_mapping(self, value: Any, path: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise ConfigError(f"must be a mapping, got {kind_of(value)}", path=path)
        return value

    def _read_list(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise ConfigError(f"must be a list, got {kind_of(value)}", path=path)
        return value

    def _read_any(self, value: Any, path: str) -> Any:
        return value

    def _range(self) -> str:
        if self.low is not None and self.high is not None:
            left = "(" if self.open_low else "["
            right = ")" if self.open_high else "]"
            return f" in {left}{self.low:g}, {self.high:g}{right}"
        if self.low is not None:
            return f" {'>' if self.open_low else '>='} {self.low:g}"
        if self.high is not None:
            return f" {'<' if self.open_high else '<='} {self.high:g}"
        return ""

    def _check_range(self, value: float, path: str, *, noun: str) -> None:
        too_low = self.low is not None and (
            value <= self.low if self.open_low else value < self.low
        )
        too_high = self.high is not None and (
            value >= self.high if self.open_high else value > self.high
        )
        if too_low or too_high:
            raise ConfigError(f"must be {noun}{self._range()}, got {value!r}", path=path)


@dataclass(frozen=True)
class Schema:
    """The options of one extension: name -> :class:`Option`.

    Example:
        >>> s = Schema({"percentile": Option.number(25.0, low=0, high=100)})
        >>> s.read({"percentile": 150}, path="pruner")
        Traceback (most recent call last):
        ...
        hpsearch.errors.ConfigError: pruner.percentile: must be a number in [0, 100], got 150
    """

    options: Mapping[str, Option] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return list(self.options)

    def read(
        self,
        block: Mapping[str, Any],
        *,
        path: str,
        skip: Collection[str] = (),
        owner: str | None = None,
    ) -> dict[str, Any]:
        """The options given in ``block`` (keys in ``skip`` ignored), each checked.

        ``owner`` names the extension in the unknown-option message ("the tpe strategy").

        Raises:
            ConfigError: an unknown key (with a did-you-mean) or a bad value, at ``path.key``.
        """
        allowed = [*self.options, *skip]
        error = check_keys(block, allowed, path=path, owner=owner)
        if error is not None:
            raise error
        return {
            key: self.options[key].read(value, f"{path}.{key}" if path else key)
            for key, value in block.items()
            if key not in skip
        }

    def value(self, given: Mapping[str, Any], key: str) -> Any:
        """The checked value of ``key`` in ``given`` (read with :meth:`read`), or its default."""
        return given.get(key, self.options[key].default)


class Registry(Mapping[str, T]):
    """The extensions of one kind (strategies, pruners, ...) by name; a read-only mapping whose
    :meth:`lookup` explains an unknown name.

    Example:
        >>> registry = Registry("pruner", "pruner.type", {"median": 1, "asha": 2})
        >>> registry.lookup("asha")
        2
        >>> registry.lookup("ashaa")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        hpsearch.errors.ConfigError: pruner.type: unknown pruner 'ashaa' (did you mean 'asha'?); ...
    """

    def __init__(self, what: str, key_path: str, entries: Mapping[str, T]) -> None:
        self.what = what
        self.key_path = key_path
        self._entries = dict(entries)

    def lookup(self, name: Any, *, path: str | None = None) -> T:
        """The extension called ``name``; a ConfigError naming the allowed ones otherwise."""
        if isinstance(name, str) and name in self._entries:
            return self._entries[name]
        raise ConfigError(
            f"unknown {self.what} {name!r}{did_you_mean(str(name), self._entries)}; "
            f"allowed: {', '.join(self._entries)}",
            path=path or self.key_path,
        )

    @property
    def names(self) -> list[str]:
        return list(self._entries)

    def __getitem__(self, name: str) -> T:
        return self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)
