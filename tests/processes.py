"""The processes a test started: descendants of a process, and whether they are still running.

A process is named by its pid *and* its start time, so a pid the kernel hands out again later
is never mistaken for the process recorded before.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass

from hpsearch._processes import descendants as _descendant_pids
from hpsearch._processes import kill_tree


@dataclass(frozen=True)
class Proc:
    pid: int
    start: bytes
    cmdline: str

    def __str__(self) -> str:
        return f"pid {self.pid}: {self.cmdline[:200]}"


def _stat(pid: int) -> list[bytes] | None:
    """The fields of /proc/<pid>/stat after the command name (state first)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rpartition(b")")[2].split()
    except OSError:
        return None


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            raw = f.read()
    except OSError:
        return "?"
    return raw.replace(b"\0", b" ").decode(errors="replace").strip() or "?"


def running(pid: int) -> Proc | None:
    """The process ``pid`` if it runs (a zombie has ended: it only waits to be reaped)."""
    fields = _stat(pid)
    if not fields or fields[0] in (b"Z", b"X"):
        return None
    return Proc(pid, fields[19], _cmdline(pid))


def descendants(root: int) -> list[Proc]:
    """The running descendants of ``root`` (children, their children, and so on)."""
    return [p for p in map(running, _descendant_pids(root)) if p is not None]


def still_running(procs: Iterable[Proc]) -> list[Proc]:
    """Those of ``procs`` that run still (same pid, same start time)."""
    out = []
    for proc in procs:
        now = running(proc.pid)
        if now is not None and now.start == proc.start:
            out.append(proc)
    return out


def reap_zombies() -> None:
    """Wait for this process's ended children (orphans adopted by a subreaper end up here)."""
    for pid in _children_of(os.getpid()):
        fields = _stat(pid)
        if fields and fields[0] == b"Z":
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(pid, os.WNOHANG)


def _children_of(pid: int) -> list[int]:
    direct = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields and int(fields[1]) == pid:
                direct.append(int(entry))
    return direct


def wait_until_gone(procs: Iterable[Proc], timeout: float) -> list[Proc]:
    """Wait up to ``timeout`` seconds for ``procs`` to end; those still running then."""
    procs = list(procs)
    end = time.monotonic() + timeout
    while True:
        reap_zombies()
        alive = still_running(procs)
        if not alive or time.monotonic() >= end:
            return alive
        time.sleep(0.1)


def kill_all(procs: Iterable[Proc]) -> None:
    """SIGKILL ``procs`` and whatever they started (only the ones still running)."""
    for proc in still_running(procs):
        kill_tree(proc.pid)
    reap_zombies()
