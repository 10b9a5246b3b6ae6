"""Running a command objective's program: streaming its output, reading its metrics,
stopping its process group.

Every program runs in its own session (process group), killed when the trial ends early, when
the program exits (what it left running), and when this process ends, however it ends (SIGKILL
included): a guard process kills the group (see :func:`hpsearch._processes.guard_group`), and on
Linux the program itself also gets the parent-death signal.
"""

from __future__ import annotations

import collections
import contextlib
import json
import math
import os
import signal
import subprocess
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hpsearch._processes import die_with_parent_hook, guard_group, stop_group
from hpsearch.trial import Trial, TrialPruned

__all__ = [
    "Finished",
    "cuda_visible",
    "open_logs",
    "parse_metrics",
    "read_metrics_file",
    "run_program",
    "stat",
]

_TAIL_LINES = 20


@dataclass(frozen=True)
class Finished:
    """How a program ended: the last metrics line, exit code, stderr tail, timed out."""

    last: dict[str, Any] | float | None
    returncode: int
    tail: str
    timed_out: bool


def parse_metrics(text: str) -> dict[str, Any] | float | None:
    """A JSON object or a bare number, or ``None``."""
    text = text.strip()
    if not text or text[0] not in "{-+.0123456789NI":
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, dict):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def read_metrics_file(path: Path) -> dict[str, Any] | float | None:
    text = path.read_text(errors="replace")
    if not text.strip():
        return None
    whole = parse_metrics(text)
    if whole is not None:
        return whole
    for line in reversed(text.splitlines()):
        value = parse_metrics(line)
        if value is not None:
            return value
    raise RuntimeError(f"metrics file {path} holds no JSON object or number")


def run_program(
    argv: list[str],
    *,
    env: dict[str, str],
    cwd: str | None,
    trial: Trial,
    primary: str,
    timeout: float | None,
    logs: tuple[Any, Any],
) -> Finished:
    """Run ``argv``, streaming stdout: lines like ``{"step": 3, "<primary>": 0.8}`` are
    reported to ``trial``; raises ``TrialPruned`` when the driver's pruner stops it."""
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
            text=True,
            errors="replace",
            bufsize=1,
            start_new_session=True,
            preexec_fn=die_with_parent_hook(),
        )
    except OSError as exc:
        raise RuntimeError(f"cannot run {argv[0]!r}: {exc}") from None
    guard = guard_group(proc.pid)  # the group dies with this process, however it ends
    try:
        return _follow(proc, trial=trial, primary=primary, timeout=timeout, logs=logs)
    finally:
        guard.release()  # the trial is over: what is left of the group is killed now


def _follow(
    proc: subprocess.Popen[str], *, trial: Trial, primary: str, timeout: float | None, logs: Any
) -> Finished:
    stderr_tail: collections.deque[str] = collections.deque(maxlen=_TAIL_LINES)
    threads = [
        threading.Thread(target=_drain, args=(proc.stderr, stderr_tail, logs[1]), daemon=True),
        threading.Thread(target=_reap, args=(proc,), daemon=True),
    ]
    for thread in threads:
        thread.start()
    timed_out = threading.Event()
    timer = None
    if timeout is not None:

        def expire() -> None:
            timed_out.set()
            stop_group(proc)

        timer = threading.Timer(timeout, expire)
        timer.daemon = True
        timer.start()
    try:
        last = _stream(proc, trial, primary, logs[0])
        returncode = proc.wait()
    finally:
        if timer is not None:
            timer.cancel()
        if proc.poll() is None:
            stop_group(proc, grace=0.5)
        threads[0].join(timeout=5)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    tail = " | ".join(line for line in stderr_tail if line.strip())[-600:]
    return Finished(last, returncode, tail, timed_out.is_set())


def _stream(
    proc: subprocess.Popen[str], trial: Trial, primary: str, log: Any
) -> dict[str, Any] | float | None:
    last: dict[str, Any] | float | None = None
    assert proc.stdout is not None
    for line in proc.stdout:
        if log is not None:
            log.write(line)
        value = parse_metrics(line)
        if value is None:
            continue
        last = value
        if isinstance(value, dict) and "step" in value and primary in value:
            step, score = value["step"], value[primary]
            if not _is_number(step) or not _is_number(score):
                continue
            trial.report(float(score), int(step))
            if trial.should_prune():
                stop_group(proc)
                raise TrialPruned(f"pruned at step {int(step)}")
    return last


def open_logs(out_dir: Path | None, stack: contextlib.ExitStack) -> tuple[Any, Any]:
    """``stdout.log`` and ``stderr.log`` in the trial's folder, or ``(None, None)``."""
    if not out_dir:
        return None, None
    try:
        folder = Path(out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        return (
            stack.enter_context(open(folder / "stdout.log", "w", errors="replace")),
            stack.enter_context(open(folder / "stderr.log", "w", errors="replace")),
        )
    except OSError:
        return None, None


def _drain(stream: Any, tail: collections.deque[str], log: Any) -> None:
    try:
        for line in stream:
            tail.append(line.rstrip("\n"))
            if log is not None:
                log.write(line)
    except (OSError, ValueError):
        pass


def _reap(proc: subprocess.Popen[str]) -> None:
    """Wait for the program, then kill what it left running in its group (which would otherwise
    hold stdout open and keep the trial waiting)."""
    proc.wait()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def stat(path: Path | None) -> tuple[int, int] | None:
    if path is None:
        return None
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def cuda_visible(device: str | None, environ: Mapping[str, str]) -> str | None:
    if not device or not device.startswith("cuda:"):
        return None
    index = device.split(":", 1)[1]
    visible = [v for v in environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if v.strip()]
    if visible and index.isdigit() and int(index) < len(visible):
        return visible[int(index)]
    return index
