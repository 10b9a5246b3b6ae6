"""Report generation on a 1000-trial, two-objective study: time and file size.

Run: ``python benchmarks/report_bench.py [--trials 1000] [--out report.html]``.
Targets: under 10 s and under 10 MB.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

import numpy as np
import optuna
import pandas as pd

from hpsearch import load_space
from hpsearch.report import _data, _figures, write_report
from hpsearch.storage import SweepResult
from hpsearch.strategies import suggest

TARGET_S = 10.0
TARGET_MB = 10.0


def make_record(n_trials: int, *, seed: int = 0) -> SweepResult:
    """Two objectives, five params, about 10% pruned and 3% failed, 10 steps per trial."""
    space = load_space(
        {
            "name": "bench",
            "objective": {"type": "python", "function": "bench:objective"},
            "metrics": [
                {"name": "accuracy", "goal": "maximize"},
                {"name": "latency_ms", "goal": "minimize"},
            ],
            "strategy": {"name": "random", "seed": seed},
            "parameters": {
                "lr": {"type": "float", "low": 1e-5, "high": 1e-1, "log": True},
                "dropout": {"type": "float", "low": 0.0, "high": 0.6},
                "layers": {"type": "int", "low": 1, "high": 8},
                "width": {"type": "categorical", "choices": [64, 128, 256, 512]},
                "optimizer": {"type": "categorical", "choices": ["adam", "sgd", "rmsprop"]},
            },
        }
    )
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(
        directions=["maximize", "minimize"], sampler=optuna.samplers.RandomSampler(seed=seed)
    )
    rng = np.random.default_rng(seed)
    curves = []
    for _ in range(n_trials):
        trial = study.ask()
        p = suggest(trial, space.space)
        acc = (
            0.95
            - 0.05 * abs(math.log10(p["lr"]) + 3)
            - 0.1 * p["dropout"] ** 2
            + 0.01 * p["layers"]
            + rng.normal(0, 0.01)
        )
        latency = p["layers"] * p["width"] / 64 + rng.normal(0, 0.3)
        steps = 10
        state = None
        if rng.random() < 0.03:
            trial.set_user_attr("hpsearch:error", "RuntimeError: CUDA out of memory (simulated)")
            state = optuna.trial.TrialState.FAIL
        elif rng.random() < 0.10:
            steps = int(rng.integers(1, 6))
            state = optuna.trial.TrialState.PRUNED
        curves += [
            {"number": trial.number, "step": s, "value": acc * (1 - 0.5 ** (s + 1))}
            for s in range(steps)
        ]
        if state is None:
            trial.set_user_attr(
                "hpsearch:metrics",
                {
                    "accuracy": acc,
                    "latency_ms": latency,
                    "params_m": p["layers"] * p["width"] / 1e3,
                },
            )
            study.tell(trial, [acc, latency])
        else:
            study.tell(trial, state=state)
    record = SweepResult.from_study(study, space)
    record.intermediate = pd.DataFrame(curves, columns=["number", "step", "value"])
    return record


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    record, t_study = timed(make_record, args.trials)
    objs = _data.objectives(record)
    rows = [("build study (not part of the report)", t_study, "")]
    _, t = timed(_data.hypervolume_history, record.trials, objs)
    rows.append(("  hypervolume history", t, ""))
    _, t = timed(_data.param_importances, record, objective=objs[0])
    rows.append(("  fANOVA importances, one metric", t, ""))
    _, t = timed(_figures.parallel_figure, record)
    rows.append(("  parallel coordinates figure", t, ""))
    out = args.out or Path(tempfile.mkdtemp()) / "report.html"
    write_report([record], out)  # warm-up: plotly imports, plotly.js read from disk
    _, t_total = timed(write_report, [record], out)
    size_mb = out.stat().st_size / 1e6
    rows.append(("write_report, 1 sweep (total)", t_total, f"{size_mb:.2f} MB"))
    record_b = make_record(args.trials, seed=1)
    record_b.name = "bench-b"
    _, t_two = timed(write_report, [record, record_b], out.with_name("compare.html"))
    size_two = out.with_name("compare.html").stat().st_size / 1e6
    rows.append(("write_report, 2 sweeps + comparison", t_two, f"{size_two:.2f} MB"))

    counts = record.trials["state"].value_counts().to_dict()
    print(f"study: {args.trials} trials, 2 objectives, 5 params, states {counts}")
    print(f"{'step':42s} {'seconds':>8s}  size")
    print("-" * 62)
    for name, seconds, size in rows:
        print(f"{name:42s} {seconds:8.2f}  {size}")
    ok = t_total < TARGET_S and size_mb < TARGET_MB
    print("-" * 62)
    print(
        f"target: < {TARGET_S:.0f} s and < {TARGET_MB:.0f} MB per report -> "
        f"{'OK' if ok else 'MISSED'} ({out})"
    )


if __name__ == "__main__":
    main()
