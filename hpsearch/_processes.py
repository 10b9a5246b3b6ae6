"""Process trees on this machine: find a process's descendants, kill a whole tree or group,
and make children die with their parent (Linux).

One place for it, used by the local worker pool (a hung trial's whole tree is killed) and by
the command objective (each program runs in its own process group).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

__all__ = [
    "descendants",
    "die_with_parent_hook",
    "kill_tree",
    "live_group",
    "stop_group",
]

_LIVE_GROUPS: set[int] = set()
_LIVE_LOCK = threading.Lock()
_CLEANUP = {"atexit": False, "sigterm": False}


def descendants(pid: int) -> list[int]:
    """Direct and indirect children of ``pid``, found through /proc (Linux; ``[]`` elsewhere).

    Example:
        >>> os.getpid() in descendants(os.getppid()) or not os.path.exists("/proc")
        True
    """
    parents: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode(errors="replace")
        except OSError:
            continue
        ppid = int(stat.rpartition(")")[2].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def kill_tree(pid: int) -> None:
    """SIGKILL ``pid`` and every process descended from it (new sessions included)."""
    for victim in [pid, *descendants(pid)]:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(victim, signal.SIGKILL)


def stop_group(proc: subprocess.Popen[Any], grace: float = 2.0) -> None:
    """SIGTERM the process group led by ``proc``, SIGKILL it after ``grace`` seconds."""
    pgid = proc.pid
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, None)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, sig)
        try:
            proc.wait(wait)
            break
        except subprocess.TimeoutExpired:
            continue
    with contextlib.suppress(ProcessLookupError, PermissionError):  # stragglers
        os.killpg(pgid, signal.SIGKILL)


def die_with_parent_hook() -> Callable[[], None] | None:
    """A ``preexec_fn`` asking Linux to SIGKILL the child when this process dies (or ``None``).

    libc is loaded here, in the parent: the child only makes the call between fork and exec.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def hook() -> None:  # pragma: no cover - runs in the child before exec
        prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG

    return hook


@contextlib.contextmanager
def live_group(pgid: int) -> Any:
    """While the block runs, process group ``pgid`` is killed if this process exits or gets
    SIGTERM (when nobody else handles SIGTERM)."""
    _install_cleanup()
    with _LIVE_LOCK:
        _LIVE_GROUPS.add(pgid)
    try:
        yield
    finally:
        with _LIVE_LOCK:
            _LIVE_GROUPS.discard(pgid)


def kill_live_groups(sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` to every process group registered with :func:`live_group`."""
    with _LIVE_LOCK:
        groups = list(_LIVE_GROUPS)
    for pgid in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, sig)


def _on_sigterm(signum: int, frame: Any) -> None:
    kill_live_groups()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _install_cleanup() -> None:
    """Kill live groups at exit, and on SIGTERM when nobody else handles SIGTERM (the handler
    can only be set from the main thread: a call from another thread sets it later)."""
    if not _CLEANUP["atexit"]:
        _CLEANUP["atexit"] = True
        atexit.register(kill_live_groups)
    if _CLEANUP["sigterm"] or threading.current_thread() is not threading.main_thread():
        return
    _CLEANUP["sigterm"] = True
    with contextlib.suppress(ValueError, OSError):
        if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _on_sigterm)
