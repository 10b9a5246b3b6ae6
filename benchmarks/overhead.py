"""Per-trial overhead of the engine itself, side by side with Optuna, in one run.

A trivial objective (3 parameters, no work) and the random strategy, so what is measured is the
engine: asking, storing params durably, running the trial, storing the result. Run:

    python -m benchmarks.overhead [--quick] [--trials 1000] [--repeats 3]

Prints a markdown table; times are medians over repeats, and the ratio column compares each
engine with Optuna's journal file (the durable Optuna baseline). Writes
``benchmarks/results/overhead.json`` (the README's overhead numbers are copied from it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "overhead.json"
OPTUNA_JOURNAL = "Optuna, RandomSampler, JournalFileBackend"
HPSEARCH_JOURNAL = "hpsearch, random, journal study (fsync per trial)"

SPACE = {
    "name": "overhead",
    "strategy": {"name": "random", "seed": 0},
    "parameters": {
        "x": {"type": "float", "low": -1, "high": 1},
        "y": {"type": "int", "low": 0, "high": 10},
        "z": {"type": "categorical", "choices": ["a", "b", "c"]},
    },
}


def _optuna_objective(trial) -> float:
    x = trial.suggest_float("x", -1, 1)
    trial.suggest_int("y", 0, 10)
    trial.suggest_categorical("z", ["a", "b", "c"])
    return x * x


def optuna_run(storage_kind: str, trials: int) -> float:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        if storage_kind == "memory":
            storage = None
        elif storage_kind == "sqlite":
            storage = f"sqlite:///{tmp}/study.db"
        else:
            from optuna.storages.journal import JournalFileBackend

            storage = optuna.storages.JournalStorage(JournalFileBackend(f"{tmp}/study.journal"))
        study = optuna.create_study(storage=storage, sampler=optuna.samplers.RandomSampler(0))
        start = time.perf_counter()
        study.optimize(_optuna_objective, n_trials=trials)
        return (time.perf_counter() - start) / trials


def hpsearch_run(trials: int, workers: int = 1) -> float:
    import hpsearch

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        hpsearch.run(
            SPACE,
            lambda p: p["x"] ** 2,
            trials=trials,
            workers=workers,
            out=Path(tmp) / "sweep",
            report=False,
        )
        return (time.perf_counter() - start) / trials


def measure(fn: Callable[[], float], repeats: int) -> float:
    return statistics.median(fn() for _ in range(repeats))


def main(argv: list[str] | None = None) -> list[dict[str, object]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="300 trials, 1 repeat")
    parser.add_argument("--json", type=Path, default=RESULTS, help="results file to write")
    args = parser.parse_args(argv)
    if args.quick:
        args.trials, args.repeats = 300, 1
    n = args.trials
    rows = [
        ("Optuna, RandomSampler, in memory", "no", lambda: optuna_run("memory", n)),
        ("Optuna, RandomSampler, SQLite", "yes", lambda: optuna_run("sqlite", min(n, 300))),
        (OPTUNA_JOURNAL, "yes", lambda: optuna_run("journal", n)),
        (HPSEARCH_JOURNAL, "yes", lambda: hpsearch_run(n)),
    ]
    results = [(name, durable, measure(fn, args.repeats)) for name, durable, fn in rows]
    baseline = results[2][2]
    print(f"\nPer-trial overhead, trivial objective, {n} trials, median of {args.repeats}\n")
    print("| engine, configuration | durable | ms per trial | vs Optuna journal |")
    print("|---|---|---|---|")
    out = []
    for name, durable, seconds in results:
        print(f"| {name} | {durable} | {seconds * 1e3:.2f} | {seconds / baseline:.2f}x |")
        out.append(
            {
                "name": name,
                "durable": durable,
                "ms_per_trial": seconds * 1e3,
                "ratio_vs_optuna_journal": seconds / baseline,
            }
        )
    payload = {
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "trials": n,
        "repeats": args.repeats,
        "rows": out,
        "cores": os.cpu_count(),
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(payload, indent=1) + "\n")
    return out


if __name__ == "__main__":
    main()
