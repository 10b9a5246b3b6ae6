"""Process trees and process lifetimes on this machine: the one place hpsearch finds, kills,
and binds to its own life the processes it starts.

Finding and killing: :func:`descendants` (through /proc), :func:`kill_tree` (a process and all
it started), :func:`stop_group` (SIGTERM, then SIGKILL, a process group).

Ending with this process, however it ends (SIGKILL included), takes three tools used together,
because each alone has a gap:

- :func:`die_with_parent` / :func:`die_with_parent_hook`: Linux's parent-death signal
  (``PR_SET_PDEATHSIG``). Only on Linux; the kernel sends it when the *thread* that forked the
  child exits, not only the process; and it reaches one process, not what that process started.
- :class:`Lifeline`: a pipe whose write end only the parent holds. The kernel closes it however
  the parent ends, so a child reading the other end sees end of file when the parent is gone
  (:func:`watch_lifeline`). Write ends are not inherited across ``exec`` and are closed in every
  child this process forks (:func:`os.register_at_fork`), so no other process keeps a line open.
- :class:`Guard`: a tiny helper process, in a session of its own, whose stdin is a lifeline: it
  acts when this process ends or releases it. :func:`guard_group` is the common one, a
  ``/bin/sh`` that SIGKILLs one process group, so nothing of that group outlives the process
  that started it (not even what the group's leader left behind).

Used by the local worker pool (workers, and a hung trial's whole tree), the command objective
(each program runs in a process group of its own), the private Ray instance's reaper and the
test suite's leak check. Standard library only, no hpsearch imports: any layer may use it.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from multiprocessing import reduction
from typing import Any

__all__ = [
    "Guard",
    "Lifeline",
    "LifelineEnd",
    "become_subreaper",
    "descendants",
    "die_with_parent",
    "die_with_parent_hook",
    "guard_group",
    "kill_tree",
    "stop_group",
    "watch_lifeline",
]

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_GROUP_KILLER = 'read _ignored; kill -9 -"$1" 2>/dev/null; exit 0'

_PARENT_ENDS: set[int] = set()  # write ends of this process's lifelines


def _close_parent_ends() -> None:
    """In a freshly forked child: the parent's lifelines are not the child's to hold."""
    for fd in list(_PARENT_ENDS):
        with contextlib.suppress(OSError):
            os.close(fd)
    _PARENT_ENDS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_parent_ends)


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


@functools.cache
def _prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.restype = ctypes.c_int
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    return prctl


def die_with_parent(parent_pid: int, sig: int = signal.SIGKILL) -> bool:
    """Have Linux send ``sig`` to this process when its parent ends; ``False`` where it cannot.

    Call it first thing in a child, with the pid its parent had before the fork. The kernel sends
    the signal when the *thread* that forked this process exits, so the parent should fork from
    a thread that lives as long as it does. A parent that died before the call (the race this
    closes) gets ``sig`` raised at once, as if the kernel had sent it.

    Example:
        >>> die_with_parent(os.getppid())  # doctest: +SKIP
        True
    """
    prctl = _prctl()
    armed = prctl is not None and prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    if os.getppid() != parent_pid:
        os.kill(os.getpid(), sig)
    return armed


def die_with_parent_hook() -> Callable[[], None] | None:
    """A ``preexec_fn`` asking Linux to SIGKILL the child when this process dies (or ``None``).

    libc is loaded here, in the parent: the child only makes the call between fork and exec.

    Example:
        >>> hook = die_with_parent_hook()
        >>> hook is None or callable(hook)
        True
    """
    prctl = _prctl()
    if prctl is None:
        return None

    def hook() -> None:  # pragma: no cover - runs in the child before exec
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)

    return hook


def become_subreaper() -> bool:
    """Adopt the orphans of this process's descendants (Linux ``PR_SET_CHILD_SUBREAPER``).

    A descendant whose parent dies is re-parented to this process instead of init, so it can
    still be found as a descendant (and waited for). ``False`` where Linux does not offer it.

    Example:
        >>> become_subreaper()  # doctest: +SKIP
        True
    """
    prctl = _prctl()
    return prctl is not None and prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


class LifelineEnd:
    """The read end of a :class:`Lifeline`, as a child receives it (fork, spawn or forkserver).

    It travels to a spawned child as multiprocessing sends a connection: the file descriptor is
    duplicated into the child.
    """

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_end, (reduction.DupFd(self.fd),))


def _rebuild_end(duplicate: Any) -> LifelineEnd:
    return LifelineEnd(duplicate.detach())


class Lifeline:
    """A pipe whose end of file tells a child that this process, its parent, is gone.

    Example:
        >>> line = Lifeline()
        >>> held_by_child = os.dup(line.read_fd)
        >>> line.close()  # what the kernel does when this process dies
        >>> os.read(held_by_child, 1)
        b''
        >>> os.close(held_by_child)
    """

    def __init__(self) -> None:
        self._read_fd, self._write_fd = os.pipe()
        self._owner = os.getpid()
        self._read_open = self._write_open = True
        _PARENT_ENDS.add(self._write_fd)

    @property
    def read_fd(self) -> int:
        return self._read_fd

    def child_end(self) -> LifelineEnd:
        """The end to give a child; after the child has it, :meth:`forget_child_end`."""
        return LifelineEnd(self._read_fd)

    def forget_child_end(self) -> None:
        """Close this process's copy of the read end (the children keep theirs)."""
        if self._read_open and os.getpid() == self._owner:
            self._read_open = False
            os.close(self._read_fd)

    def send(self, text: str) -> None:
        """Write a line of text to whoever reads the other end."""
        if self._write_open and os.getpid() == self._owner:
            with contextlib.suppress(OSError):  # the reader is gone
                os.write(self._write_fd, text.encode())

    def close(self) -> None:
        """End the line: readers see end of file (once this process is its only writer)."""
        self.forget_child_end()
        if self._write_open and os.getpid() == self._owner:
            self._write_open = False
            _PARENT_ENDS.discard(self._write_fd)
            os.close(self._write_fd)


def watch_lifeline(
    end: LifelineEnd, on_lost: Callable[[], object], *, name: str = "hpsearch-lifeline"
) -> threading.Thread:
    """Call ``on_lost`` from a daemon thread when the lifeline ``end`` reads end of file.

    The thread needs no help from the main thread, so it acts while a trial is running.

    Example:
        >>> line = Lifeline()
        >>> end = LifelineEnd(os.dup(line.read_fd))
        >>> lost = threading.Event()
        >>> thread = watch_lifeline(end, lost.set)
        >>> line.close()
        >>> lost.wait(5)
        True
        >>> os.close(end.fd)
    """

    def wait() -> None:
        while True:
            try:
                data = os.read(end.fd, 1)
            except OSError:
                data = b""
            if not data:
                break
        on_lost()

    thread = threading.Thread(target=wait, name=name, daemon=True)
    thread.start()
    return thread


class Guard:
    """A helper process that acts when this process ends or calls :meth:`release`.

    ``argv`` runs in a session of its own (terminal signals do not reach it) with the read end
    of a lifeline as its stdin; it should wait for end of file on stdin, do its work, and exit.
    A guard that cannot start (no such program) is a no-op.

    Example:
        >>> guard = Guard(["/bin/sh", "-c", "read _; exit 0"])
        >>> guard.release()
        0
    """

    def __init__(self, argv: Sequence[str]) -> None:
        self._line = Lifeline()
        self._proc: subprocess.Popen[bytes] | None = None
        try:
            self._proc = subprocess.Popen(
                list(argv),
                stdin=self._line.read_fd,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError:
            self._line.close()
        self._line.forget_child_end()

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def send(self, text: str) -> None:
        """Write ``text`` to the guard's stdin."""
        self._line.send(text)

    def release(self, timeout: float = 5.0) -> int | None:
        """End the lifeline (the guard acts now) and wait for the guard; its exit code."""
        self._line.close()
        if self._proc is None:
            return None
        try:
            return self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            return self._proc.wait()


def guard_group(pgid: int) -> Guard:
    """A :class:`Guard` that SIGKILLs process group ``pgid`` when this process ends or releases it.

    Example:
        >>> proc = subprocess.Popen(["sleep", "30"], start_new_session=True)
        >>> guard_group(proc.pid).release()
        0
        >>> proc.wait()
        -9
    """
    return Guard(["/bin/sh", "-c", _GROUP_KILLER, "hpsearch-guard", str(int(pgid))])
