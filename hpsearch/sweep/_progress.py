"""Live progress of a sweep: a rich progress bar on a terminal, plain log lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

__all__ = ["SweepProgress"]


class SweepProgress:
    """Shows trials done/total, running, failed and pruned counts, best so far and ETA.

    ``mode`` is ``"bar"`` (terminal), ``"lines"`` (one line per finished trial) or ``"quiet"``.
    """

    def __init__(
        self,
        *,
        total: int | None,
        mode: str | None = None,
        stream: TextIO | None = None,
        metric: str = "value",
    ) -> None:
        self.stream = stream or sys.stdout
        if mode is None:
            mode = "bar" if getattr(self.stream, "isatty", lambda: False)() else "lines"
        self.mode = mode
        self.total = total
        self.metric = metric
        self.done = self.failed = self.pruned = self.running = 0
        self.best: str = "-"
        self.started = time.monotonic()
        self._bar: Any = None
        self._task: Any = None
        if mode == "bar":
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                TextColumn("[bold]trials"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[info]}"),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                transient=False,
            )
            self._task = self._bar.add_task("sweep", total=total, info="")
            self._bar.start()

    def set_done(self, done: int, *, failed: int = 0, pruned: int = 0) -> None:
        self.done, self.failed, self.pruned = done, failed, pruned
        self._refresh()

    def trial_finished(
        self, number: int, state: str, text: str, *, best: str | None, running: int
    ) -> None:
        self.done += 1
        self.failed += state == "FAILED"
        self.pruned += state == "PRUNED"
        self.running = running
        if best is not None:
            self.best = best
        if self.mode == "lines":
            total = f"/{self.total}" if self.total else ""
            print(
                f"[{self.done}{total}] trial {number} {state} {text}  (best {self.metric} "
                f"{self.best}; failed {self.failed}, pruned {self.pruned})",
                file=self.stream,
                flush=True,
            )
        self._refresh()

    def set_running(self, running: int) -> None:
        if running != self.running:
            self.running = running
            self._refresh()

    def _refresh(self) -> None:
        if self._bar is not None:
            info = (
                f"running {self.running}  failed {self.failed}  pruned {self.pruned}  "
                f"best {self.metric} {self.best}"
            )
            self._bar.update(self._task, completed=self.done, info=info)

    def message(self, text: str) -> None:
        if self.mode == "quiet":
            return
        if self._bar is not None:
            self._bar.console.print(text)
        else:
            print(text, file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
