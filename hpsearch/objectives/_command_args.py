"""The command line of a command-objective trial: W&B's macros and argument formats."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["ARG_MACROS", "DEFAULT_COMMAND", "MACROS", "expand_command", "format_args", "plain"]

DEFAULT_COMMAND = ("${env}", "${interpreter}", "${program}", "${args}")
ARG_MACROS = (
    "args",
    "args_no_hyphens",
    "args_no_boolean_flags",
    "args_no_equals",
    "args_json",
    "args_json_file",
)
MACROS = ("env", "interpreter", "program", *ARG_MACROS)
_ENVVAR = re.compile(r"\$\{envvar:(.*?)\}")


def plain(value: Any) -> Any:
    """numpy scalars to Python, tuples to lists (so values print as W&B prints them)."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    item = getattr(value, "item", None)
    if item is not None and type(value).__module__ == "numpy":
        return item()
    return value


def format_args(
    params: Mapping[str, Any], *, args_json_file: str | None = None
) -> dict[str, list[str]]:
    """The argument lists each ``${args...}`` macro expands to, as W&B's agent builds them.

    Example:
        >>> format_args({"lr": 0.01, "net": [32, 32], "amp": False})["args"]
        ['--lr=0.01', '--net=[32, 32]', '--amp=False']
        >>> format_args({"lr": 0.01, "amp": False, "fast": True})["args_no_boolean_flags"]
        ['--lr=0.01', '--fast']
    """
    values = {str(k): plain(v) for k, v in params.items()}
    out: dict[str, list[str]] = {m: [] for m in ARG_MACROS}
    for name, value in values.items():
        flag = f"{name}={value}"
        out["args"].append(f"--{flag}")
        out["args_no_hyphens"].append(flag)
        out["args_no_equals"] += [f"--{name}", str(value)]
        if isinstance(value, bool):
            if value:
                out["args_no_boolean_flags"].append(f"--{name}")
        else:
            out["args_no_boolean_flags"].append(f"--{flag}")
    out["args_json"] = [json.dumps(values, default=str)]
    out["args_json_file"] = [args_json_file] if args_json_file else []
    return out


def expand_command(
    command: Sequence[Any],
    params: Mapping[str, Any],
    *,
    program: str | None = None,
    interpreter: str | None = None,
    args_json_file: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[str]:
    """Replace W&B macros in ``command`` for one trial's ``params``.

    Example:
        >>> expand_command(["${env}", "python3", "${program}", "${args_no_hyphens}"],
        ...                {"lr": 0.1, "layers": 2}, program="train.py")
        ['/usr/bin/env', 'python3', 'train.py', 'lr=0.1', 'layers=2']
    """
    environ = os.environ if environ is None else environ
    values: dict[str, list[str]] = {
        "env": ["/usr/bin/env"],
        "interpreter": [interpreter or sys.executable],
        "program": [program] if program is not None else [],
        **format_args(params, args_json_file=args_json_file),
    }
    argv: list[str] = []
    for raw in command:
        element = _ENVVAR.sub(lambda m: environ.get(m.group(1), m.group(1)), str(raw))
        if element.startswith("${") and element.endswith("}") and element[2:-1] in values:
            argv += values[element[2:-1]]
        else:
            argv.append(element)
    return argv
