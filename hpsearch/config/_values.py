"""Reading single values out of a file: numbers, durations, key sets, with located errors."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Mapping

from hpsearch.errors import ConfigError, did_you_mean

__all__ = ["check_keys", "kind_of", "parse_duration", "read_number"]


def kind_of(value: object) -> str:
    """How a value reads in an error message: ``a mapping``, ``str 'x'``, ``nothing (null)``.

    Example:
        >>> kind_of([1]), kind_of(None), kind_of("x")
        ('a list', 'nothing (null)', "str 'x'")
    """
    if value is None:
        return "nothing (null)"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def check_keys(
    mapping: object,
    allowed: Collection[str],
    *,
    path: str,
    what: str = "",
    owner: str | None = None,
) -> ConfigError | None:
    """The error for the first key of ``mapping`` that is not ``allowed`` (with a did-you-mean),
    or for ``mapping`` not being a mapping; ``None`` when every key is allowed.

    This is the one place unknown keys are reported, for every block of a space file.
    ``owner`` words the message for an extension's options: "unknown option for the tpe
    strategy".

    Example:
        >>> str(check_keys({"tpye": "x"}, ["type", "low"], path="parameters.x"))
        "parameters.x.tpye: unknown key 'tpye' (did you mean 'type'?); allowed: low, type"
    """
    if not isinstance(mapping, Mapping):
        return ConfigError(f"must be a mapping{what}, got {kind_of(mapping)}", path=path or None)
    for key in mapping:
        if key not in allowed:
            sub = f"{path}.{key}" if path else str(key)
            shown = ", ".join(sorted(allowed)) if allowed else "none"
            unknown = f"unknown option for the {owner}" if owner else f"unknown key {key!r}"
            return ConfigError(f"{unknown}{did_you_mean(key, allowed)}; allowed: {shown}", path=sub)
    return None


def read_number(value: object, fail: Callable[[str], ConfigError]) -> int | float:
    """A finite number; numeric strings such as ``"1e-5"`` are read as numbers.

    ``fail(message)`` builds the error to raise (it knows the file, line and key path).

    Example:
        >>> read_number("1e-5", ConfigError)
        1e-05
    """
    if isinstance(value, str):
        text = value.strip()
        try:
            value = int(text)
        except ValueError:
            try:
                value = float(text)
            except ValueError:
                raise fail(f"must be a number, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(f"must be a number, got {kind_of(value)}")
    if not math.isfinite(value):
        raise fail(f"must be finite, got {value!r}")
    return value


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: object, path: str) -> float:
    """Seconds from ``90``, ``"90s"``, ``"30m"``, ``"2h"``, ``"1h30m"`` or ``"1d"``.

    Example:
        >>> parse_duration("1h30m", "budget.timeout")
        5400.0
    """
    if isinstance(value, bool):
        raise ConfigError(f"must be a duration such as 90, '30m' or '2h', got {value!r}", path=path)
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str) and re.fullmatch(r"\s*(\d+(\.\d+)?\s*[smhd]\s*)+", value):
        seconds = sum(
            float(n) * _UNITS[u] for n, _, u in re.findall(r"(\d+(\.\d+)?)\s*([smhd])", value)
        )
    else:
        try:
            seconds = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ConfigError(
                f"must be a duration such as 90, '30m' or '2h', got {value!r}", path=path
            ) from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise ConfigError(f"must be a positive duration, got {value!r}", path=path)
    return seconds
