"""Tiers, tasks and the process pool that runs every (task, method, seed) of a tier.

Example:
    >>> sorted(TIERS)
    ['full', 'quick', 'tiny']
"""

from __future__ import annotations

import json
import math
import multiprocessing
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parent / "results"
FRACTIONS = (0.125, 0.25, 0.5, 1.0)
DEV = ("branin_lc", "rosenbrock4_lc", "sklearn_hgb")
TEST = ("hartmann6_lc", "netlike_lc", "torch_mlp", "torch_cnn", "sklearn_mlp")
METHOD_ORDER = (
    "mf",
    "optuna_hyperband",
    "optuna_sha",
    "ray_asha",
    "smac_mf",
    "dehb",
    "syne_bohb",
    "random",
)


@dataclass(frozen=True)
class Tier:
    name: str
    seeds: dict[str, int]  # per task
    budgets: dict[str, int]  # full trainings per run, per task
    workers: int = 4
    methods: tuple[str, ...] = METHOD_ORDER
    extra: dict[str, Any] = field(default_factory=dict)


_SYN = ("branin_lc", "rosenbrock4_lc", "hartmann6_lc", "netlike_lc")
TIERS = {
    "quick": Tier(  # 49 minutes with --jobs 2 on 2 cores at load 13 (SMAC3 takes most)
        "quick",
        seeds={**dict.fromkeys(_SYN, 2), "torch_mlp": 1},
        budgets={**dict.fromkeys(_SYN, 8), "torch_mlp": 3},
    ),
    "full": Tier(
        "full",
        seeds={
            **dict.fromkeys(_SYN, 10),
            "torch_mlp": 5,
            "torch_cnn": 3,
            "sklearn_hgb": 5,
            "sklearn_mlp": 5,
        },
        budgets={
            **dict.fromkeys(_SYN, 64),
            "torch_mlp": 32,
            "torch_cnn": 16,
            "sklearn_hgb": 32,
            "sklearn_mlp": 32,
        },
    ),
    "tiny": Tier(
        "tiny",
        seeds={"branin_lc": 1, "sklearn_mlp": 1},
        budgets={"branin_lc": 4, "sklearn_mlp": 3},
        workers=2,
        methods=("mf", "optuna_sha", "random"),
    ),
}


def get_task(name: str) -> Any:
    from benchmarks.mf.real import REAL
    from benchmarks.mf.synthetic import SYNTHETIC

    if name in SYNTHETIC:
        return SYNTHETIC[name]
    if name in REAL:
        return REAL[name]
    raise KeyError(f"unknown task {name!r}; known: {', '.join(DEV + TEST)}")


def run_one(
    task_name: str, method: str, seed: int, budget: int, workers: int, ref_seconds: float
) -> dict[str, Any]:
    """One run on the simulated cluster; returns its trace and bookkeeping."""
    from benchmarks.mf.harness import real_env, simulate, synthetic_env
    from benchmarks.mf.methods import METHODS, OPTIONAL

    task = get_task(task_name)
    total = budget * task.max_resource
    record = {
        "task": task_name,
        "method": method,
        "seed": seed,
        "total_units": total,
        "workers": workers,
        "accuracy_target": getattr(task, "accuracy_target", False),
        "trace": [],
        "error": None,
    }
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            algo = METHODS[method](task.space, task, seed=seed)
            env = synthetic_env(task, seed) if hasattr(task, "curve") else real_env(task, seed)
            record["trace"] = simulate(
                algo, env, workers=workers, total_units=total, min_seconds=ref_seconds
            )
    except ImportError as exc:
        package = OPTIONAL.get(method, "?")
        record["error"] = f"not installed ({package}): {exc}"
    except Exception as exc:  # a peer that breaks on a task is reported, not fatal
        record["error"] = f"{type(exc).__name__}: {exc}"
    record["ref_seconds"] = (
        ref_seconds
        if method != "random"
        else (record["trace"][-1][1] if record["trace"] else math.nan)
    )
    record["cpu_seconds"] = time.perf_counter() - start
    return record


def _star(args: tuple) -> dict[str, Any]:
    return run_one(*args)


def _load(path: Path) -> dict[tuple, dict[str, Any]]:
    done: dict[tuple, dict[str, Any]] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip():
                r = json.loads(line)
                done[(r["task"], r["method"], r["seed"])] = r
    return done


def run_tier(tier: Tier, *, jobs: int, runs_file: Path, fresh: bool) -> list[dict[str, Any]]:
    done = {} if fresh else _load(runs_file)
    if fresh and runs_file.exists():
        runs_file.unlink()
    runs_file.parent.mkdir(parents=True, exist_ok=True)

    def launch(tasks: list[tuple]) -> None:
        todo = [t for t in tasks if (t[0], t[1], t[2]) not in done]
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(max(1, jobs), maxtasksperchild=1) as pool, runs_file.open("a") as out:
            for r in pool.imap_unordered(_star, todo):
                done[(r["task"], r["method"], r["seed"])] = r
                out.write(json.dumps(r) + "\n")
                out.flush()
                best = r["trace"][-1][2] if r["trace"] else math.nan
                status = r["error"] or f"best {best:.5g}"
                print(
                    f"{r['task']} {r['method']} seed {r['seed']}: {status} "
                    f"({r['cpu_seconds']:.0f} s)",
                    flush=True,
                )

    tasks = list(tier.seeds)
    launch(
        [
            (t, "random", s, tier.budgets[t], tier.workers, 0.0)
            for t in tasks
            for s in range(tier.seeds[t])
        ]
    )
    ref = {
        (t, s): done[(t, "random", s)]["ref_seconds"] for t in tasks for s in range(tier.seeds[t])
    }
    others = [m for m in tier.methods if m != "random"]
    work = [
        (t, m, s, tier.budgets[t], tier.workers, ref[(t, s)])
        for t in tasks
        for m in others
        for s in range(tier.seeds[t])
    ]
    work.sort(key=lambda w: (w[1] != "smac_mf", w[0] not in _SYN))  # slow ones first
    launch(work)
    return [
        done[(t, m, s)]
        for t in tasks
        for m in tier.methods
        for s in range(tier.seeds[t])
        if (t, m, s) in done
    ]
