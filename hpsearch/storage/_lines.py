"""The journal's line format: Optuna's JSON operations, one per line, each with a checksum.

Every line hpsearch writes ends with ``,"crc32":"<8 hex digits>"}``: the CRC-32 of the line's
bytes before that field. Optuna ignores the extra key, so ``JournalFileBackend`` and
optuna-dashboard read the file as before; hpsearch uses it to tell a damaged line from a good one
(a flipped digit in a value or a trial id still parses as JSON, so only a checksum can catch it).
Lines without the field (journals written by hpsearch 0.1 or by Optuna itself) are accepted when
they parse and have the shape of an Optuna operation.

:func:`scan_journal` reads a whole file for a writer or a reader: only a torn last line is
tolerated (reported, never an error); any other unreadable line raises
:class:`~hpsearch.errors.StudyDamagedError` naming it.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from hpsearch.errors import StudyDamagedError

__all__ = [
    "CRC_KEY",
    "JournalScan",
    "LineError",
    "decode_line",
    "encode_ops",
    "scan_journal",
]

CRC_KEY = "crc32"
_CRC_FIELD = b',"crc32":"'
_SUFFIX_LEN = len(_CRC_FIELD) + 8 + 2  # ,"crc32":"xxxxxxxx"}
_SEPARATORS = (",", ":")

# Optuna's JournalOperation codes and what each operation must carry.
_INT, _STR, _DICT, _LIST, _NUM = "int", "str", "dict", "list", "num"
_REQUIRED: dict[int, dict[str, tuple[str, ...]]] = {
    0: {"study_name": (_STR,), "directions": (_LIST,)},  # create study
    1: {"study_id": (_INT,)},  # delete study
    2: {"study_id": (_INT,), "user_attr": (_DICT,)},
    3: {"study_id": (_INT,), "system_attr": (_DICT,)},
    4: {"study_id": (_INT,), "datetime_start": (_STR, "none")},  # create trial
    5: {
        "trial_id": (_INT,),
        "param_name": (_STR,),
        "param_value_internal": (_NUM,),
        "distribution": (_STR,),
    },
    6: {"trial_id": (_INT,), "state": (_INT,), "values": (_LIST, "none")},
    7: {"trial_id": (_INT,), "step": (_INT,), "intermediate_value": (_NUM, "none")},
    8: {"trial_id": (_INT,), "user_attr": (_DICT,)},
    9: {"trial_id": (_INT,), "system_attr": (_DICT,)},
    10: {},  # discard trials (written by Rustuna only; Optuna skips it)
}
# Optional keys; anything else on a line without a checksum means the line is damaged (a flipped
# op code would otherwise turn, say, a create-trial line into a delete-study one).
_OPTIONAL: dict[int, frozenset[str]] = {
    4: frozenset(
        {
            "state",
            "value",
            "values",
            "datetime_complete",
            "distributions",
            "params",
            "user_attrs",
            "system_attrs",
            "intermediate_values",
        }
    ),
    6: frozenset({"datetime_start", "datetime_complete"}),
}
_COMMON = frozenset({"op_code", "worker_id"})
TRIAL_OPS = frozenset({5, 6, 7, 8, 9})
CREATE_STUDY, CREATE_TRIAL, SET_STATE = 0, 4, 6
FINISHED_STATES = frozenset({1, 2, 3})  # COMPLETE, PRUNED, FAIL


class LineError(ValueError):
    """One journal line cannot be used; ``str(err)`` says why in a few words."""


def encode_ops(logs: Iterable[dict[str, Any]]) -> bytes:
    """Journal lines for ``logs``, each with its checksum field.

    Example:
        >>> line = encode_ops([{"op_code": 1, "worker_id": "w", "study_id": 0}])
        >>> line
        b'{"op_code":1,"worker_id":"w","study_id":0,"crc32":"03a3788a"}\\n'
        >>> decode_line(line[:-1])
        {'op_code': 1, 'worker_id': 'w', 'study_id': 0}
    """
    out = []
    for log in logs:
        head = json.dumps(log, separators=_SEPARATORS).encode()[:-1]
        out.append(b'%s,"crc32":"%08x"}\n' % (head, zlib.crc32(head)))
    return b"".join(out)


def has_checksum(line: bytes) -> bool:
    """Whether ``line`` (no newline) ends with a well-formed checksum field."""
    return (
        len(line) > _SUFFIX_LEN
        and line[-_SUFFIX_LEN : -_SUFFIX_LEN + len(_CRC_FIELD)] == _CRC_FIELD
        and line.endswith(b'"}')
    )


def checksum_ok(line: bytes) -> bool:
    """Whether ``line`` carries a checksum field that matches its bytes."""
    if not has_checksum(line):
        return False
    stored = stored_checksum(line)
    return stored is not None and stored == zlib.crc32(line[:-_SUFFIX_LEN])


def stored_checksum(line: bytes) -> int | None:
    """The checksum a line's field holds: exactly 8 lowercase hex digits, else ``None``.

    (``int()`` alone would also take spaces and underscores, so that a changed byte there
    would go unnoticed.)
    """
    digits = line[-10:-2]
    if len(digits) != 8 or digits.translate(None, b"0123456789abcdef"):
        return None
    return int(digits, 16)


def decode_line(line: bytes) -> dict[str, Any]:
    """The operation stored in one line (without its newline), or :class:`LineError`."""
    if has_checksum(line):
        if not checksum_ok(line):
            raise LineError("checksum mismatch")
        op = _parse(line)
        if not isinstance(op, dict) or CRC_KEY not in op:
            raise LineError("not a journal operation")
        del op[CRC_KEY]
        return op
    op = _parse(line)
    reason = check_op(op)
    if reason:
        raise LineError(reason)
    return cast("dict[str, Any]", op)  # check_op made sure it is one


def _parse(line: bytes) -> Any:
    try:
        return json.loads(line)
    except ValueError:  # JSONDecodeError, and UnicodeDecodeError for bytes that are not UTF-8
        raise LineError("not valid JSON") from None


def check_op(op: Any) -> str | None:
    """Why ``op`` is not an operation Optuna can replay (``None`` when it is)."""
    if not isinstance(op, dict):
        return "not a JSON object"
    code = op.get("op_code")
    if not _is_int(code) or code not in _REQUIRED:
        return "unknown operation code"
    if not isinstance(op.get("worker_id"), str):
        return "no worker id"
    if any(_near_crc_key(key) for key in op):
        return "damaged checksum field"
    if code != 10:
        unknown = set(op) - _COMMON - set(_REQUIRED[code]) - _OPTIONAL.get(code, frozenset())
        if unknown:
            return f"unexpected key {sorted(unknown)[0]!r} for operation {code}"
    for key, kinds in _REQUIRED[code].items():
        if key not in op or not any(_is_kind(op[key], kind) for kind in kinds):
            return f"missing or malformed {key!r}"
    for key in ("user_attr", "system_attr"):
        if key in op and len(op[key]) != 1:
            return f"{key!r} must hold one attribute"
    return _check_details(code, op)


def _check_details(code: int, op: dict[str, Any]) -> str | None:
    if code == CREATE_STUDY:
        if not all(d in (0, 1, 2) and _is_int(d) for d in op["directions"]):
            return "malformed 'directions'"
    elif code == CREATE_TRIAL:
        return _check_template(op)
    elif code == 5:
        return _check_param(op["distribution"], op["param_value_internal"])
    elif code == SET_STATE:
        state = op["state"]
        if state not in (0, 1, 2, 3, 4):
            return "unknown trial state"
        if not all(_is_kind(v, _NUM) for v in op["values"] or ()):
            return "malformed 'values'"
        if state == 1 and not op["values"]:
            return "a COMPLETE trial without values"
        if state == 0 and not _is_time(op.get("datetime_start")):
            return "malformed 'datetime_start'"
        if state in FINISHED_STATES and not _is_time(op.get("datetime_complete")):
            return "malformed 'datetime_complete'"
    return None


def _check_template(op: dict[str, Any]) -> str | None:
    """A create-trial operation, possibly carrying a whole trial (``add_trial``/enqueue)."""
    if op["datetime_start"] is not None and not _is_time(op["datetime_start"]):
        return "malformed 'datetime_start'"
    if "datetime_complete" in op and not _is_time(op["datetime_complete"]):
        return "malformed 'datetime_complete'"
    if op.get("state", 0) not in (0, 1, 2, 3, 4) or not _is_int(op.get("state", 0)):
        return "unknown trial state"
    if op.get("value") is not None and op.get("values") is not None:
        return "both 'value' and 'values'"
    if op.get("value") is not None and not _is_kind(op["value"], _NUM):
        return "malformed 'value'"
    if not all(_is_kind(v, _NUM) for v in op.get("values") or ()):
        return "malformed 'values'"
    dists, params = op.get("distributions", {}), op.get("params", {})
    for key in ("user_attrs", "system_attrs", "intermediate_values", "distributions", "params"):
        if not isinstance(op.get(key, {}), dict):
            return f"malformed {key!r}"
    if not all(str(k).lstrip("-").isdigit() for k in op.get("intermediate_values", {})):
        return "malformed 'intermediate_values'"
    if set(params) - set(dists):
        return "a parameter without its distribution"
    for name, value in params.items():
        reason = _check_param(dists[name], value)
        if reason:
            return reason
    return None


def _check_param(distribution: Any, value: Any) -> str | None:
    from optuna.distributions import json_to_distribution

    try:
        json_to_distribution(distribution).to_external_repr(value)
    except Exception:  # any malformed distribution or value: Optuna could not replay it
        return "malformed parameter distribution or value"
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_kind(value: Any, kind: str) -> bool:
    if kind == _INT:
        return _is_int(value)
    if kind == _NUM:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "none":
        return value is None
    return isinstance(value, {_STR: str, _DICT: dict, _LIST: list}[kind])


def _is_time(value: Any) -> bool:
    try:
        datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True


def _near_crc_key(key: str) -> bool:
    """``crc32`` or a one-character corruption of it: a checksum field that lost its shape."""
    return len(key) == len(CRC_KEY) and sum(a != b for a, b in zip(key, CRC_KEY)) <= 1


@dataclass
class JournalScan:
    """What :func:`scan_journal` read: operations (``ops[i]`` is line ``i + 1``), a torn tail."""

    ops: list[dict[str, Any]]
    good_bytes: int  # length of the readable prefix; the rest is the torn last line
    torn_reason: str | None = None


def scan_journal(data: bytes, path: str | os.PathLike[str]) -> JournalScan:
    """Read every operation of a journal file's bytes.

    A torn last line (no trailing newline, or unreadable and last) is left out and reported in
    ``torn_reason``; any other unreadable line raises :class:`StudyDamagedError`.

    Example:
        >>> good = encode_ops([{"op_code": 1, "worker_id": "w", "study_id": 0}])
        >>> scan = scan_journal(good + b'{"op_code":1,"wor', "study.journal")
        >>> len(scan.ops), scan.good_bytes == len(good), scan.torn_reason
        (1, True, 'no trailing newline')
    """
    lines = data.split(b"\n")
    tail = lines.pop()
    ops: list[dict[str, Any]] = []
    good_bytes = 0
    for index, line in enumerate(lines):
        try:
            ops.append(decode_line(line))
        except LineError as err:
            if index == len(lines) - 1 and not tail:
                return JournalScan(ops, good_bytes, str(err))
            raise StudyDamagedError(path, index + 1, str(err)) from None
        good_bytes += len(line) + 1
    torn = "no trailing newline" if tail else None
    return JournalScan(ops, good_bytes, torn)
