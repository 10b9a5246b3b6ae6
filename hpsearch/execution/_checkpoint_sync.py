"""A trial's checkpoint folder carried between the driver and a worker on another machine.

A Ray worker on another node cannot write into the sweep directory (it lives on the driver's
machine; a cluster need not share a filesystem). Such a worker runs its trial against a
node-local folder, and every time the trial saves something there the folder's files travel
back to the driver, which keeps them in the trial's ``checkpoint_dir``. A retry on any node
receives them before it starts, so it resumes where the lost attempt last saved.

Only visible files are carried (names starting with ``.`` are temporary, as the trainer's
``.epoch-0003.json.tmp``), and a copy replaces the folder's contents (files the trial deleted,
such as older epochs, are deleted on the driver too). Every file is written atomically.

Example:
    >>> import tempfile, pathlib
    >>> src, dst = pathlib.Path(tempfile.mkdtemp()), pathlib.Path(tempfile.mkdtemp())
    >>> _ = (src / "epoch-0001.json").write_text("{}")
    >>> restore(dst, snapshot(src))
    ['epoch-0001.json']
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

__all__ = ["Signature", "restore", "signature", "snapshot"]

Signature = frozenset[tuple[str, int, int]]
"""What a folder holds: (relative name, size, modification time in ns) of each visible file."""


def _visible(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    files = []
    for path in directory.rglob("*"):
        parts = path.relative_to(directory).parts
        if path.is_file() and not any(part.startswith(".") for part in parts):
            files.append(path)
    return sorted(files)


def signature(directory: str | os.PathLike[str]) -> Signature:
    """A cheap fingerprint of the folder (no file is read): changes when a file does."""
    root = Path(directory)
    out = set()
    for path in _visible(root):
        try:
            st = path.stat()
        except FileNotFoundError:  # deleted while we looked
            continue
        out.add((path.relative_to(root).as_posix(), st.st_size, st.st_mtime_ns))
    return frozenset(out)


def snapshot(directory: str | os.PathLike[str]) -> dict[str, bytes]:
    """Every visible file of the folder: relative POSIX name -> contents."""
    root = Path(directory)
    files = {}
    for path in _visible(root):
        try:
            files[path.relative_to(root).as_posix()] = path.read_bytes()
        except FileNotFoundError:
            continue
    return files


def _target(root: Path, name: str) -> Path:
    pure = PurePosixPath(name)
    if pure.is_absolute() or not pure.parts or ".." in pure.parts or pure.parts[0] == "":
        raise ValueError(f"unsafe checkpoint file name {name!r}")
    return root.joinpath(*pure.parts)


def restore(directory: str | os.PathLike[str], files: Mapping[str, bytes]) -> list[str]:
    """Make the folder hold exactly ``files`` (written atomically); returns their names.

    Raises:
        ValueError: a name is absolute or leaves the folder.
    """
    root = Path(directory)
    targets = {name: _target(root, name) for name in files}
    root.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        target = targets[name]
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.sync-tmp")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    keep = set(targets.values())
    for path in _visible(root):
        if path not in keep:
            path.unlink(missing_ok=True)
    return sorted(files)
