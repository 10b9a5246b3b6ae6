"""What checking every journal line costs: opening a study journal, hpsearch vs Optuna.

hpsearch's journal lines carry a CRC-32 field and every line is checked when a study is opened
(so a damaged line is refused instead of silently dropping what follows it). This benchmark
opens the same study (same operations) three ways, each replaying it into an Optuna
``JournalStorage`` and listing every trial:

- Optuna's own ``JournalFileBackend`` on the file as Optuna writes it (no checksums), at its
  defaults: the reference;
- hpsearch's read-only ``JournalReader`` (``report``, ``hpsearch.open``) on the checksummed file;
- hpsearch's ``SweepJournal`` (the driver, on ``run``/``resume``) on the checksummed file.

It also times repair planning of the checksummed file with one damaged byte in its middle.
Run: ``python -m benchmarks.journal_bench [--quick]``; writes
``benchmarks/results/journal.json`` and prints a markdown table (median of ``--repeats``).
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import optuna
from optuna.storages.journal import BaseJournalBackend, JournalFileBackend

from hpsearch.storage import repair_journal
from hpsearch.storage._journal import SweepJournal
from hpsearch.storage._lines import encode_ops
from hpsearch.storage._reader import JournalReader, open_journal_storage

HERE = Path(__file__).resolve().parent


class _Recorder(BaseJournalBackend):
    """Keeps the operations Optuna writes, to write them out in both formats."""

    def __init__(self) -> None:
        self.logs: list[dict[str, Any]] = []

    def read_logs(self, log_number_from: int) -> Iterator[dict[str, Any]]:
        return iter(self.logs[log_number_from:])

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        self.logs.extend(logs)


def make_ops(n_trials: int, steps: int = 10) -> list[dict[str, Any]]:
    """A study of ``n_trials`` trials, five params and ``steps`` reports each."""
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    recorder = _Recorder()
    study = optuna.create_study(
        study_name="bench",
        storage=optuna.storages.JournalStorage(recorder),
        sampler=optuna.samplers.RandomSampler(seed=0),
    )
    for _ in range(n_trials):
        trial = study.ask()
        x = trial.suggest_float("x", -1, 1)
        trial.suggest_float("lr", 1e-5, 1e-1, log=True)
        trial.suggest_int("layers", 1, 8)
        trial.suggest_categorical("opt", ["adam", "sgd", "rmsprop"])
        trial.suggest_categorical("width", [64, 128, 256])
        for step in range(steps):
            trial.report(x * x + 1.0 / (step + 1), step)
        trial.set_user_attr("hpsearch:metrics", {"value": x * x})
        study.tell(trial, x * x)
    return recorder.logs


def _count(storage: optuna.storages.BaseStorage) -> int:
    (study,) = storage.get_all_studies()
    return len(storage.get_all_trials(study._study_id, deepcopy=False))


def _time(fn: Callable[[], int], repeats: int) -> tuple[float, int]:
    seconds, result = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


def run(n_trials: int, repeats: int) -> dict[str, Any]:
    ops = make_ops(n_trials)
    tmp = Path(tempfile.mkdtemp(prefix="journal-bench-"))
    try:
        plain = tmp / "plain.journal"
        plain.write_text("".join(json.dumps(op, separators=(",", ":")) + "\n" for op in ops))
        checked = tmp / "study.journal"
        checked.write_bytes(encode_ops(ops))
        lines = checked.read_bytes().split(b"\n")
        middle = bytearray(lines[len(lines) // 2])
        middle[30] ^= 0x08
        lines[len(lines) // 2] = bytes(middle)
        damaged = b"\n".join(lines)

        def optuna_open() -> int:
            return _count(optuna.storages.JournalStorage(JournalFileBackend(str(plain))))

        def reader_open() -> int:
            return _count(open_journal_storage(JournalReader(checked)))

        def driver_open() -> int:
            journal = SweepJournal(checked)
            try:
                return _count(open_journal_storage(journal))
            finally:
                journal.close()

        def repair() -> int:
            target = tmp / "repair" / "study.journal"
            shutil.rmtree(target.parent, ignore_errors=True)
            target.parent.mkdir()
            target.write_bytes(damaged)
            return len(repair_journal(target).kept)

        rows = []
        base = None
        for name, fn in (
            ("Optuna JournalFileBackend, no checksums (reference)", optuna_open),
            ("hpsearch JournalReader (report, hpsearch.open)", reader_open),
            ("hpsearch SweepJournal (run / resume)", driver_open),
            ("hpsearch repair, one damaged byte in the middle line", repair),
        ):
            seconds, trials = _time(fn, repeats)
            assert trials == n_trials, (name, trials)
            base = base or seconds
            rows.append({"method": name, "seconds": seconds, "vs_optuna": seconds / base})
        return {
            "trials": n_trials,
            "lines": len(ops),
            "bytes_plain": plain.stat().st_size,
            "bytes_checksummed": checked.stat().st_size,
            "repeats": repeats,
            "machine": f"{platform.machine()} {platform.python_version()}",
            "optuna": optuna.__version__,
            "rows": rows,
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def render(result: dict[str, Any]) -> str:
    size = result["bytes_checksummed"] / result["bytes_plain"]
    head = (
        f"Opening a {result['trials']}-trial study journal ({result['lines']} lines; the "
        f"checksum field makes the file {size:.2f}x as large), median of "
        f"{result['repeats']}, Optuna {result['optuna']}:\n\n"
        "| how the study is opened | seconds | vs Optuna |\n|---|---|---|\n"
    )
    body = "".join(
        f"| {r['method']} | {r['seconds']:.3f} | {r['vs_optuna']:.2f}x |\n" for r in result["rows"]
    )
    return head + body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.journal_bench")
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="500 trials, 3 repeats")
    parser.add_argument("--json", type=Path, default=HERE / "results" / "journal.json")
    args = parser.parse_args(argv)
    trials, repeats = (500, 3) if args.quick else (args.trials, args.repeats)
    result = run(trials, repeats)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1) + "\n")
    print(render(result), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
