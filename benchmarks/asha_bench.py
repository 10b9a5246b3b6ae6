"""ASHA against no pruning on ``search_spaces/mlp_digits.yaml``: the same seeded sequence of
configs is trained twice, once to the end every time and once under successive halving; the
table shows how long each took to reach the best validation accuracy both reach.

Run: ``python benchmarks/asha_bench.py [--trials 27] [--seeds 0 1 2] [--epochs 27]``.
Target: ASHA reaches it in a third of the time or less.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
import optuna

import hpsearch
from hpsearch.config import ObjectiveConfig
from hpsearch.objectives import build_objective
from hpsearch.strategies import suggest
from hpsearch.trial import Trial

ROOT = Path(__file__).resolve().parents[1]
SPACE = ROOT / "search_spaces" / "mlp_digits.yaml"


class _OptunaChannel:
    def __init__(self, trial: Any) -> None:
        self.trial = trial

    def report(self, step: int, value: float) -> None:
        self.trial.report(value, step)

    def verdict(self, step: int) -> bool:
        return self.trial.should_prune()


def sweep(
    space: hpsearch.SweepConfig, objective: Any, configs: list[dict[str, Any]], *, asha: bool
) -> list[dict[str, Any]]:
    """Train ``configs`` in order; return per-trial (end time, state, value, epochs)."""
    pruner = (
        optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)
        if asha
        else optuna.pruners.NopPruner()
    )
    study = optuna.create_study(
        direction="maximize", pruner=pruner, sampler=optuna.samplers.RandomSampler(seed=0)
    )
    for params in configs:
        study.enqueue_trial(space.space.encode(params))
    rows: list[dict[str, Any]] = []
    start = time.perf_counter()

    def run(trial: optuna.Trial) -> float:
        params = suggest(trial, space.space)
        ctx = Trial(trial.number, params, channel=_OptunaChannel(trial))
        try:
            value = objective(params, ctx)["accuracy"]
        except optuna.TrialPruned:
            rows.append(
                {
                    "t": time.perf_counter() - start,
                    "state": "PRUNED",
                    "value": None,
                    "epochs": ctx.last_step or 0,
                }
            )
            raise
        rows.append(
            {
                "t": time.perf_counter() - start,
                "state": "COMPLETE",
                "value": value,
                "epochs": ctx.last_step or 0,
            }
        )
        return value

    study.optimize(run, n_trials=len(configs), gc_after_trial=False)
    return rows


def to_target(rows: list[dict[str, Any]], target: float) -> tuple[float, int]:
    """Seconds and epochs trained until a completed trial first reaches ``target``."""
    epochs = 0
    for row in rows:
        epochs += row["epochs"]
        if row["value"] is not None and row["value"] >= target - 1e-12:
            return row["t"], epochs
    return float("nan"), epochs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=27)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=None, help="override the file's epochs")
    args = parser.parse_args(argv)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = hpsearch.load_space(SPACE)
    if args.epochs:
        space = space.replace(
            objective=ObjectiveConfig("torch", {**space.objective.options, "epochs": args.epochs})
        )
    objective = build_objective(space.objective, space)
    warm = space.space.sample(np.random.default_rng(99))
    for name in ("sgd", "adam", "adamw", "rmsprop"):  # first use of each optimizer is slow
        objective({**warm, "optimizer": name, "epochs": 1})
    print(
        f"{SPACE.name}: {args.trials} configs per seed, "
        f"{space.objective.get('epochs')} epochs max, ASHA min_resource 1, reduction factor 3"
    )
    header = (
        f"{'seed':>4} {'mode':>5} {'done':>4} {'pruned':>6} {'epochs':>6} {'total s':>8} "
        f"{'best acc':>8} {'target':>7} {'s to target':>11} {'ep to target':>12}"
    )
    print(header)
    print("-" * len(header))
    sums = {key: 0.0 for key in ("full_s", "asha_s", "full_ep", "asha_ep", "full_tot", "asha_tot")}
    per_seed = []
    for seed in args.seeds:
        rng = np.random.default_rng(seed)
        configs = [space.space.sample(rng) for _ in range(args.trials)]
        runs = {
            "full": sweep(space, objective, configs, asha=False),
            "asha": sweep(space, objective, configs, asha=True),
        }
        best = {
            name: max(r["value"] for r in rows if r["value"] is not None)
            for name, rows in runs.items()
        }
        target = min(best.values())
        for name, rows in runs.items():
            pruned = sum(r["state"] == "PRUNED" for r in rows)
            secs, epochs = to_target(rows, target)
            sums[f"{name}_s"] += secs
            sums[f"{name}_ep"] += epochs
            sums[f"{name}_tot"] += rows[-1]["t"]
            print(
                f"{seed:>4} {name:>5} {len(rows) - pruned:>4} {pruned:>6} "
                f"{sum(r['epochs'] for r in rows):>6} {rows[-1]['t']:>8.1f} "
                f"{best[name]:>8.4f} {target:>7.4f} {secs:>11.1f} {epochs:>12}"
            )
        per_seed.append(to_target(runs["asha"], target)[0] / to_target(runs["full"], target)[0])
    print("-" * len(header))
    print(
        "time to the common best, ASHA/full, per seed: " + ", ".join(f"{r:.3f}" for r in per_seed)
    )
    print(
        f"time to the common best, ASHA/full, all seeds: {sums['asha_s'] / sums['full_s']:.3f} "
        f"(epochs: {sums['asha_ep'] / sums['full_ep']:.3f}; target <= 0.333)"
    )
    print(
        f"whole sweep over the same configs, ASHA/full: {sums['asha_tot'] / sums['full_tot']:.3f}"
    )


if __name__ == "__main__":
    main()
