"""The cluster's side of ``hpsearch submit`` and ``hpsearch fetch``: the job entrypoints.

``python -m hpsearch.cluster._job run --space FILE ...`` is a submitted sweep's driver. It runs
on the head node (Ray's default for job entrypoints) inside the job's working directory, keeps
the sweep in ``sweep_location(storage, name)`` so a later submission finds it again, prints a
status line every few seconds, and treats SIGTERM (what ``ray job stop`` sends) like Ctrl-C:
running trials are interrupted and recorded for a retry, the outputs are written, and the study
stays resumable. ``python -m hpsearch.cluster._job export --name N`` prints the sweep's files as
one framed archive for ``hpsearch fetch``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import optuna
from optuna.storages.journal import JournalFileBackend

from hpsearch.api import load_space, run
from hpsearch.cluster._protocol import (
    pack_directory,
    status_line,
    submitted_executor,
    sweep_location,
)
from hpsearch.config import SweepConfig
from hpsearch.errors import ConfigError, ObjectiveError
from hpsearch.execution import connect_ray
from hpsearch.storage import SweepDirectory, write_atomic
from hpsearch.storage._ledger import NEEDS_RETRY_ATTR

__all__ = ["main"]

STATUS_INTERVAL_S = float(os.environ.get("HPSEARCH_STATUS_INTERVAL", "5"))
"""Seconds between status lines (``HPSEARCH_STATUS_INTERVAL`` on the head node)."""


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _connect_then_catch_sigterm() -> None:
    """Join the job's Ray cluster, then make SIGTERM (``ray job stop``) act like Ctrl-C.

    ``ray.init`` installs its own SIGTERM handler (``sys.exit``), which would skip the driver's
    interrupt path; connecting first and installing ours after keeps it.
    """
    connect_ray()  # RAY_ADDRESS is set by Ray's job supervisor
    signal.signal(signal.SIGTERM, _interrupt)


def _point_at_shipped_code(directory: Path, base_dir: str) -> None:
    """Make the sweep's objective resolve against this submission's working directory.

    A job's working directory is unpacked afresh (elsewhere) for every submission and on every
    node, so the sweep records ``base_dir`` relative to it: every Ray worker of the job starts in
    its own copy. This is the one place that edits the sweep directory's metadata file.
    """
    sweep = SweepDirectory(directory)
    meta = sweep.read_meta()
    meta["base_dir"] = base_dir
    write_atomic(sweep.meta_file, json.dumps(meta, indent=2))


class StatusPrinter:
    """Prints the sweep's counts and best value as ``HPSEARCH-STATUS`` lines, from a thread.

    It reads the study through its own read-only storage, so it never touches the driver's.
    """

    def __init__(
        self,
        space: SweepConfig,
        directory: Path,
        url: str | None,
        *,
        budget: int | None,
        interval: float,
    ) -> None:
        self.space = space
        self.directory = directory
        self.url = url
        self.budget = budget
        self.interval = interval
        self._study: Any = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="hpsearch-status", daemon=True)
        self._started = time.time()

    def start(self) -> None:
        self._print("running")
        self._thread.start()

    def finish(self, state: str, message: str = "") -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval + 5)
        self._print(state, message)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._print("running")

    def _open(self) -> Any:
        if self._study is not None:
            return self._study
        if self.url:
            storage: Any = self.url
        else:
            journal = self.directory / "study.journal"
            if not journal.exists() or journal.stat().st_size == 0:
                return None
            storage = optuna.storages.JournalStorage(JournalFileBackend(str(journal)))
        try:
            self._study = optuna.load_study(study_name=self.space.name, storage=storage)
        except KeyError:  # the driver has not created it yet
            return None
        return self._study

    def counts(self) -> dict[str, Any]:
        """Trials by state and the best value so far (from the study)."""
        out: dict[str, Any] = {"complete": 0, "pruned": 0, "failed": 0, "running": 0}
        out["retrying"] = 0
        study = self._open()
        if study is None:
            return out
        trials = study.get_trials(deepcopy=False)
        best = math.inf
        sign = self.space.metrics[0].sign
        for t in trials:
            state = t.state.name
            if state == "COMPLETE":
                out["complete"] += 1
                if not self.space.is_multi_objective and t.values:
                    best = min(best, sign * t.values[0])
            elif state == "PRUNED":
                out["pruned"] += 1
            elif state == "RUNNING":
                out["running"] += 1
            elif state == "FAIL":
                out["retrying" if t.user_attrs.get(NEEDS_RETRY_ATTR) else "failed"] += 1
        if self.space.is_multi_objective:
            out["pareto"] = len(study.best_trials) if out["complete"] else 0
        elif math.isfinite(best):
            out["best"] = sign * best
        return out

    def _print(self, state: str, message: str = "") -> None:
        try:
            counts = self.counts()
        except Exception as exc:  # a status line must never take the sweep down
            counts = {"error": f"{type(exc).__name__}: {exc}"[:200]}
        status = {
            "state": state,
            "sweep": self.space.name,
            "metric": self.space.metrics[0].name,
            "goal": self.space.metrics[0].goal,
            "budget": self.budget,
            "directory": str(self.directory),
            "elapsed_s": round(time.time() - self._started, 1),
            **counts,
        }
        if message:
            status["message"] = message
        sys.stdout.write(status_line(status) + "\n")
        sys.stdout.flush()


def run_job(args: argparse.Namespace) -> int:
    """Run (or continue) the submitted sweep; returns the process exit code."""
    space = load_space(args.space)
    if args.name and args.name != space.name:
        space = space.replace(name=args.name)
    directory, url = sweep_location(args.storage, space.name)
    directory.mkdir(parents=True, exist_ok=True)
    _point_at_shipped_code(directory, os.path.relpath(Path(args.space).resolve().parent))
    executor = submitted_executor(space)
    budget = args.trials if args.trials is not None else space.budget.trials
    printer = StatusPrinter(space, directory, url, budget=budget, interval=args.status_interval)
    _connect_then_catch_sigterm()
    print(f"hpsearch: sweep {space.name!r} in {directory} (executor {executor})", flush=True)
    printer.start()
    try:
        run(
            space,
            out=directory,
            storage=url,
            executor=executor,
            trials=args.trials,
            timeout=args.timeout,
            strategy=args.strategy,
            seed=args.seed,
            workers=args.workers,
            progress="lines",
        )
    except KeyboardInterrupt:
        printer.finish("stopped", "stopped: running trials were interrupted; resubmit to resume")
        return 130
    except (ConfigError, ObjectiveError) as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        printer.finish("failed", str(exc))
        return 2
    printer.finish("finished")
    return 0


def _copied_study(space_name: str, url: str, workdir: Path) -> bytes:
    """The study kept in a database, copied into a journal file's bytes."""
    path = workdir / "study.journal"
    target = optuna.storages.JournalStorage(JournalFileBackend(str(path)))
    optuna.copy_study(from_study_name=space_name, from_storage=url, to_storage=target)
    return path.read_bytes()


def export_job(args: argparse.Namespace) -> int:
    """Print the sweep's files as one framed archive on stdout."""
    directory, url = sweep_location(args.storage, args.name)
    if not (directory / "space.yaml").is_file():
        print(f"error: no sweep {args.name!r} in {directory}", file=sys.stderr, flush=True)
        return 2
    extra: list[tuple[str, bytes]] = []
    if url:  # ship the study itself, so the fetched directory stands on its own
        space = load_space(directory / "space.yaml")
        meta = json.loads((directory / "sweep.json").read_text(encoding="utf-8"))
        meta.pop("storage", None)
        with tempfile.TemporaryDirectory() as tmp:
            extra.append(("study.journal", _copied_study(space.name, url, Path(tmp))))
        extra.append(("sweep.json", json.dumps(meta, indent=2).encode()))
    for line in pack_directory(directory, extra=extra):
        sys.stdout.write(line + "\n")
    sys.stdout.flush()
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m hpsearch.cluster._job")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="run a submitted sweep (the job's driver)")
    p.add_argument("--space", required=True)
    p.add_argument("--name")
    p.add_argument("--storage")
    p.add_argument("--trials", type=int)
    p.add_argument("--timeout")
    p.add_argument("--strategy")
    p.add_argument("--seed", type=int)
    p.add_argument("--workers", type=int)
    p.add_argument("--status-interval", type=float, default=STATUS_INTERVAL_S)
    p = sub.add_parser("export", help="print a sweep's files as one archive")
    p.add_argument("--name", required=True)
    p.add_argument("--storage")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return run_job(args) if args.command == "run" else export_job(args)
    except (ConfigError, ObjectiveError) as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 2


if __name__ == "__main__":
    sys.exit(main())
