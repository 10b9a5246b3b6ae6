"""Stops what is left of a private Ray instance once the driver that started it is gone.

Run by :mod:`hpsearch.execution._ray_instance` as ``python -I -S _ray_reaper.py TOKEN``: a
session of its own, and as stdin a lifeline, a pipe whose write end only the driver holds.
Every process of the instance carries ``HPSEARCH_RAY_INSTANCE=TOKEN`` in its environment (set
while ``ray.init`` starts the GCS and raylet; the raylet's workers and agents inherit it, and so
do the programs those workers start). The reaper waits for one of:

- end of file on stdin: the driver died, or released the instance after ``ray.shutdown()``;
- a new parent: the driver died (in case a forked child of the driver holds the pipe open);
- the end of every process it was told to watch (``watch PID`` lines on stdin: the GCS and the
  raylet): the instance was shut down while the driver lives on;

then SIGKILLs every process that carries the token, until none is left, and exits.

The token alone is not enough: Ray's agents rename themselves (``ray::DashboardAgent``) with
setproctitle, which overwrites the environment that /proc shows. So the reaper also remembers
the descendants of the token's carriers (the raylet keeps its environment) and of the watched
GCS and raylet: as soon as it is told to watch them, every ``REMEMBER_S`` seconds, and once
more when the end comes.

Why it is needed (measured with Ray 2.60): Ray ties its GCS, raylet, monitor and log monitor to
the driver with ``PR_SET_PDEATHSIG``, and its workers exit within about 3 s of their raylet, but
its dashboard agent and runtime-env agent outlive a SIGKILLed driver for good (they block
trying to report the raylet's death to the dead GCS).

Standard library only, and no hpsearch imports: it runs without site-packages.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import time
from collections.abc import Iterable

MARK = "HPSEARCH_RAY_INSTANCE"
POLL_S = 0.5
REAP_FOR_S = 5.0
REMEMBER_S = 2.0


def _start_time(pid: int) -> bytes | None:
    """The process's start time (its identity with its pid), or ``None`` once it has ended."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rpartition(b")")[2].split()
    except OSError:
        return None
    if not fields or fields[0] in (b"Z", b"X"):
        return None
    return fields[19]


def marked(token: str) -> list[int]:
    """Processes (of this user) whose environment carries ``MARK=token``."""
    needle = f"{MARK}={token}".encode()
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                environ = f.read()
        except OSError:
            continue
        if needle in environ.split(b"\0"):
            found.append(int(entry))
    return found


def _children(roots: set[int]) -> list[int]:
    """Descendants of ``roots``, by the parent pid in /proc/<pid>/stat."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    ppid = int(f.read().rpartition(b")")[2].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry))
    out, todo = [], list(roots)
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def remember(token: str, known: dict[int, bytes], watched: Iterable[int] = ()) -> None:
    """Add the processes now carrying ``token``, their descendants and those of the ``watched``
    GCS and raylet, to ``known`` (pid -> start time)."""
    carriers = marked(token)
    for pid in [*carriers, *_children({*carriers, *watched})]:
        start = _start_time(pid)
        if start is not None:
            known[pid] = start


def reap(token: str, known: dict[int, bytes] | None = None) -> int:
    """SIGKILL every process carrying ``token`` until none is left, and those of ``known`` that
    still run (a dying instance's environment cannot always be read); how many were killed."""
    killed: set[int] = set()
    end = time.monotonic() + REAP_FOR_S
    while time.monotonic() < end:
        victims = marked(token)
        victims += [p for p, start in (known or {}).items() if _start_time(p) == start]
        if not victims:
            break
        for pid in victims:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            killed.add(pid)
        time.sleep(0.05)
    return len(killed)


def wait_for_the_end(
    owner: int, token: str, known: dict[int, bytes], watched: dict[int, bytes]
) -> None:
    """Return once the driver is gone or the instance it watches has ended (see module doc);
    meanwhile remember the instance's processes every ``REMEMBER_S`` seconds, and at once
    when told what to watch."""
    pending = b""
    next_scan = time.monotonic()
    while True:
        if time.monotonic() >= next_scan:
            remember(token, known, watched)
            next_scan = time.monotonic() + REMEMBER_S
        ready, _, _ = select.select([0], [], [], POLL_S)
        if ready:
            data = os.read(0, 4096)
            if not data:
                return
            *lines, pending = (pending + data).split(b"\n")
            for line in lines:
                word, _, arg = line.strip().partition(b" ")
                if word == b"watch" and arg.isdigit():
                    start = _start_time(int(arg))
                    if start is not None:
                        watched[int(arg)] = start
                        next_scan = time.monotonic()  # its agents, before they can be orphaned
        if os.getppid() != owner:
            return
        if watched and all(_start_time(pid) != start for pid, start in watched.items()):
            return


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[1]:
        print("usage: _ray_reaper.py TOKEN", file=sys.stderr)
        return 2
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    known: dict[int, bytes] = {}
    watched: dict[int, bytes] = {}
    wait_for_the_end(os.getppid(), argv[1], known, watched)
    remember(argv[1], known, watched)  # what started since the last scan, while it may live
    reap(argv[1], known)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
