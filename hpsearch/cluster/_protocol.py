"""What the submitting machine and the sweep's job on the cluster agree on.

Both sides talk only through Ray's job API (HTTP to the dashboard): job metadata names the sweep
and its storage, the driver job prints one ``HPSEARCH-STATUS {json}`` line every few seconds
(and a last one when it ends), and a short export job prints the sweep's files as one framed,
checksummed, base64-encoded ``tar.gz``. Nothing here imports Ray.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import tarfile
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from hpsearch.config import SweepConfig
from hpsearch.errors import ConfigError
from hpsearch.sweep import safe_name

__all__ = [
    "DEFAULT_ROOT",
    "META_NAME",
    "META_ROLE",
    "META_STORAGE",
    "STATUS_PREFIX",
    "pack_directory",
    "parse_status_lines",
    "status_line",
    "sweep_location",
    "unpack_archive",
]

#: Where sweeps live on the cluster's head node when ``--storage`` names no directory.
DEFAULT_ROOT = "~/hpsearch-sweeps"

META_ROLE = "hpsearch_role"  # "sweep" for a driver job, "fetch" for an export job
META_NAME = "hpsearch_sweep"
META_STORAGE = "hpsearch_storage"

STATUS_PREFIX = "HPSEARCH-STATUS "
_BEGIN = "HPSEARCH-ARCHIVE-BEGIN"
_END = "HPSEARCH-ARCHIVE-END"
_LINE = 76

#: The files of a sweep directory an export ships (trial checkpoints in trials/ stay behind).
EXPORTED = ("space.yaml", "sweep.json", "study.journal", "trials.csv", "best.yaml", "report.html")


def sweep_location(storage: str | None, name: str) -> tuple[Path, str | None]:
    """Where a sweep lives on the cluster: its directory and an Optuna storage URL (or None).

    ``storage`` is a directory (a path or ``file:///path``; the sweep is ``DIR/<name>/``), or an
    Optuna database URL (``postgresql://...``: the study lives there, the outputs in
    ``~/hpsearch-sweeps/<name>/``). ``None`` means ``~/hpsearch-sweeps``. ``~`` expands on the
    machine that calls this, i.e. the head node.

    Example:
        >>> sweep_location("/data/sweeps", "svm digits")
        (PosixPath('/data/sweeps/svm-digits'), None)
    """
    url = None
    root = DEFAULT_ROOT
    if storage:
        if storage.startswith("file://"):
            root = storage[len("file://") :]
        elif "://" in storage:
            url = storage
        else:
            root = storage
    return Path(os.path.expanduser(root)) / safe_name(name), url


def submitted_executor(space: SweepConfig) -> str:
    """The executor a submitted sweep runs with: ``ray`` unless the file asks for ``tune``.

    Raises:
        ConfigError: the file asks for the local executor (the trials would not use the
            cluster).
    """
    asked = space.execution.executor if "executor" in space.execution.given else None
    if asked == "local":
        raise ConfigError(
            "the space file asks for executor: local, but a submitted sweep runs its trials "
            "on the cluster; use ray or tune (or leave it out)",
            file=space.source,
            path="execution.executor",
        )
    return "tune" if asked == "tune" else "ray"


def status_line(status: Mapping[str, Any]) -> str:
    """One log line carrying a sweep's progress."""
    return STATUS_PREFIX + json.dumps(dict(status), separators=(",", ":"), default=str)


def parse_status_lines(text: str) -> dict[str, Any] | None:
    """The last status a driver job printed in its log, or None."""
    for line in reversed(text.splitlines()):
        at = line.find(STATUS_PREFIX)
        if at < 0:
            continue
        try:
            found = json.loads(line[at + len(STATUS_PREFIX) :])
        except json.JSONDecodeError:
            continue
        if isinstance(found, dict):
            return found
    return None


def _complete_lines(data: bytes) -> bytes:
    """``data`` up to its last newline (a journal being appended may end mid-line)."""
    end = data.rfind(b"\n")
    return data[: end + 1] if end >= 0 else b""


def pack_directory(directory: Path, *, extra: Iterable[tuple[str, bytes]] = ()) -> list[str]:
    """The exported files of a sweep directory as framed base64 lines (plus ``extra`` files)."""
    buffer = io.BytesIO()
    with (
        gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w") as tar,
    ):
        members: list[tuple[str, bytes]] = []
        for name in EXPORTED:
            path = directory / name
            if path.is_file():
                data = path.read_bytes()
                members.append((name, _complete_lines(data) if name.endswith(".journal") else data))
        logs = directory / "logs"
        if logs.is_dir():
            members += [(f"logs/{p.name}", p.read_bytes()) for p in sorted(logs.glob("*.log"))]
        replaced = dict(extra)
        members = [(n, d) for n, d in members if n not in replaced] + list(replaced.items())
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    blob = buffer.getvalue()
    text = base64.b64encode(blob).decode("ascii")
    digest = hashlib.sha256(blob).hexdigest()
    body = [text[i : i + _LINE] for i in range(0, len(text), _LINE)]
    return [f"{_BEGIN} {digest} {len(blob)}", *body, _END]


def _frame(text: str) -> bytes:
    lines = text.splitlines()
    starts = [i for i, ln in enumerate(lines) if ln.startswith(_BEGIN + " ")]
    if not starts:
        raise ConfigError("the export job printed no archive (see its log)")
    first = starts[-1]
    _, digest, size = lines[first].split()
    body = []
    for line in lines[first + 1 :]:
        if line == _END:
            break
        body.append(line.strip())
    else:
        raise ConfigError("the export job's archive is cut short (see its log)")
    blob = base64.b64decode("".join(body))
    if len(blob) != int(size) or hashlib.sha256(blob).hexdigest() != digest:
        raise ConfigError("the export job's archive is damaged (checksum mismatch)")
    return blob


def unpack_archive(log_text: str, destination: Path) -> list[Path]:
    """Write the files of the archive framed in ``log_text`` into ``destination``.

    Only plain files with relative names inside ``destination`` are accepted.
    """
    blob = _frame(log_text)
    written: list[Path] = []
    destination.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(blob)), mode="r") as tar:
        for member in tar.getmembers():
            name = PurePosixPath(member.name)
            if not member.isfile() or name.is_absolute() or ".." in name.parts:
                raise ConfigError(f"the export archive holds an unsafe entry {member.name!r}")
            target = destination.joinpath(*name.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            assert source is not None  # a regular file
            tmp = target.with_name(f".{target.name}.tmp")
            tmp.write_bytes(source.read())
            os.replace(tmp, target)
            written.append(target)
    return written
