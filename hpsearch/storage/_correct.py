"""Recover journal lines that one wrong byte damaged, using each line's checksum.

A checksummed line with one wrong byte has exactly one correction that makes the checksum match
again (any other would need a CRC-32 collision); a wrong byte that replaced a newline merges two
lines, one that became a newline splits a line in two. Each function here tries every such
correction and returns a result only when exactly one candidate verifies, so a correction is
never a guess. Lines without a checksum (hpsearch 0.1, Optuna) are only split where two whole
operations were merged, since nothing else about them can be verified.
"""

from __future__ import annotations

import zlib
from typing import Any

from hpsearch.storage._lines import (
    LineError,
    checksum_ok,
    decode_line,
    has_checksum,
    stored_checksum,
)

__all__ = ["correct_line", "correct_split"]

_SUFFIX = 20  # len(',"crc32":"xxxxxxxx"}')


def correct_line(line: bytes) -> list[dict[str, Any]] | None:
    """The operation(s) of ``line`` (no newline) with one wrong byte put right, or ``None``.

    Example:
        >>> from hpsearch.storage._lines import encode_ops
        >>> good = encode_ops([{"op_code": 1, "worker_id": "w", "study_id": 7}])[:-1]
        >>> correct_line(good.replace(b":7", b":9"))
        [{'op_code': 1, 'worker_id': 'w', 'study_id': 7}]
    """
    candidates = _body_fixes(line) + _suffix_fixes(line) + _splits(line)
    if len(candidates) != 1:
        return None
    return _decode_all(candidates[0])


def correct_split(first: bytes, second: bytes) -> dict[str, Any] | None:
    """The one operation that a wrong newline split into ``first`` and ``second``, or ``None``."""
    found = []
    for value in range(256):
        if value != 0x0A:
            candidate = first + bytes((value,)) + second
            if checksum_ok(candidate):
                found.append(candidate)
    if len(found) != 1:
        return None
    ops = _decode_all([found[0]])
    return ops[0] if ops else None


def _body_fixes(line: bytes) -> list[list[bytes]]:
    """One byte of the body changed, the checksum field intact.

    CRC-32 is linear, so the difference between the stored and the computed checksum depends
    only on the error: a byte ``delta`` at ``k`` bytes from the end gives ``Z^k(T[delta])``,
    where ``T`` is the CRC table and ``Z`` one step over a zero byte. Stepping the difference
    back with ``Z``'s inverse finds every single-byte error that explains it in one pass.
    """
    if not has_checksum(line):
        return []
    stored = stored_checksum(line)
    if stored is None:
        return []
    body = line[:-_SUFFIX]
    syndrome = zlib.crc32(body) ^ stored
    found = []
    for back in range(len(body)):
        delta = _BY_ENTRY.get(syndrome)
        if delta is not None:
            index = len(body) - 1 - back
            value = body[index] ^ delta
            if value != 0x0A:  # a newline there would be a split, tried separately
                fixed = body[:index] + bytes((value,)) + body[index + 1 :]
                if zlib.crc32(fixed) == stored:
                    found.append([fixed + line[-_SUFFIX:]])
        syndrome = _unstep(syndrome)
    return found


def _crc_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0xEDB88320 if crc & 1 else 0)
        table.append(crc)
    return table


_TABLE = _crc_table()
_BY_ENTRY = {entry: byte for byte, entry in enumerate(_TABLE) if byte}
_BY_TOP = {entry >> 24: byte for byte, entry in enumerate(_TABLE)}  # top bytes are distinct


def _unstep(register: int) -> int:
    """The inverse of one CRC step over a zero byte, ``r -> (r >> 8) ^ T[r & 0xFF]``."""
    low = _BY_TOP[register >> 24]
    return (((register ^ _TABLE[low]) << 8) & 0xFFFFFFFF) | low


def _suffix_fixes(line: bytes) -> list[list[bytes]]:
    """One byte of the checksum field changed, the body intact."""
    if len(line) <= _SUFFIX:
        return []
    body = line[:-_SUFFIX]
    expected = b',"crc32":"%08x"}' % zlib.crc32(body)
    differ = sum(a != b for a, b in zip(line[-_SUFFIX:], expected))
    return [[body + expected]] if differ == 1 else []


def _splits(line: bytes) -> list[list[bytes]]:
    """A newline turned into another byte: two whole operations on one line."""
    found = []
    for index in range(1, len(line) - 1):
        if line[index - 1] != 0x7D or line[index + 1] != 0x7B:  # ...}?{...
            continue
        head, rest = line[:index], line[index + 1 :]
        if _is_op(head) and _is_op(rest):
            found.append([head, rest])
    return found


def _is_op(line: bytes) -> bool:
    try:
        decode_line(line)
    except LineError:
        return False
    return True


def _decode_all(lines: list[bytes]) -> list[dict[str, Any]] | None:
    try:
        return [decode_line(line) for line in lines]
    except LineError:
        return None
