"""Per-trial overhead on Ray, side by side in one run: Ray Tune (defaults and ``reuse_actors``),
hpsearch's RayExecutor driven by a bare submit/poll loop, and a full ``hpsearch.run`` sweep on Ray
(Optuna journal on disk, so durability on); then scaling from 1 to 2 workers with CPU-bound 0.5 s
trials. Every configuration uses the same local Ray instance (2 CPUs, loopback only). Run:

    python -m benchmarks.ray_overhead [--trials 1000] [--tune-trials 20] [--reuse-trials 200]

Prints markdown tables. "per trial" is wall time divided by the number of trivial trials, with
two trials in flight (2 CPUs), so it is the cost a sweep of trivial trials pays per trial.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import tempfile
import time
from typing import Any

SPACE = {
    "name": "ray-overhead",
    "metric": {"name": "loss", "goal": "minimize"},
    "strategy": {"name": "random", "seed": 0},
    "parameters": {
        "x": {"type": "float", "low": -1, "high": 1},
        "y": {"type": "int", "low": 0, "high": 10},
        "z": {"type": "categorical", "choices": ["a", "b", "c"]},
    },
}


def trivial_factory() -> Any:
    def objective(params: dict[str, Any]) -> dict[str, float]:
        return {"loss": params["x"] ** 2}

    return objective


def _spin(n: int) -> float:
    total = 0
    for i in range(n):
        total += i * i
    return float(total % 7)


def work_per_half_second() -> int:
    """How many ``_spin`` steps take 0.5 s on one core here (a fixed amount of CPU work)."""
    n = 200_000
    while True:
        start = time.perf_counter()
        _spin(n)
        took = time.perf_counter() - start
        if took > 0.1:
            return int(n * 0.5 / took)
        n *= 2


def busy_factory() -> Any:
    def objective(params: dict[str, Any]) -> dict[str, float]:
        return {"loss": _spin(params["work"])}  # CPU-bound: a fixed amount of work

    return objective


def _tune_trivial(config: dict[str, Any]) -> None:
    from ray import tune

    tune.report({"loss": config["x"] ** 2})


def tune_run(trials: int, *, reuse_actors: bool) -> tuple[float, float]:
    """Seconds per trial and setup seconds (none: Tune starts inside fit) for a Tune sweep."""
    from ray import tune

    from hpsearch import load_space
    from hpsearch.execution import tune_param_space

    with tempfile.TemporaryDirectory() as tmp:
        tuner = tune.Tuner(
            _tune_trivial,
            param_space=tune_param_space(load_space(SPACE).space),
            tune_config=tune.TuneConfig(
                metric="loss", mode="min", num_samples=trials, reuse_actors=reuse_actors
            ),
            run_config=tune.RunConfig(storage_path=tmp, name="bench", verbose=0),
        )
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # Tune prints a banner
            tuner.fit()
        return (time.perf_counter() - start) / trials, 0.0


def _drive(executor: Any, jobs: list[Any]) -> None:
    from hpsearch.execution import Finished

    pending = list(reversed(jobs))
    running = 0
    while pending or running:
        while pending and running < executor.slots:
            executor.submit(pending.pop())
            running += 1
        for event in executor.poll(1.0):
            if isinstance(event, Finished):
                if event.outcome.state != "COMPLETE":
                    raise RuntimeError(f"trial failed: {event.outcome.error}")
                running -= 1


def executor_run(
    trials: int,
    *,
    workers: int,
    factory: Any = trivial_factory,
    params: dict[str, Any] | None = None,
) -> tuple[float, float]:
    """Seconds per trial (bare submit/poll loop) and setup seconds for the RayExecutor."""
    from hpsearch.execution import TrialJob
    from hpsearch.execution._ray import RayExecutor

    executor = RayExecutor(workers=workers, metric_names=("loss",))
    start = time.perf_counter()
    executor.start(factory)
    executor.wait_for_workers()
    setup = time.perf_counter() - start
    try:
        base = {"x": 0.5, "y": 1, "z": "a", **(params or {})}
        warm = 50 if params is None else workers
        _drive(executor, [TrialJob(n, base) for n in range(warm)])
        jobs = [TrialJob(n, base) for n in range(100, 100 + trials)]
        start = time.perf_counter()
        _drive(executor, jobs)
        return (time.perf_counter() - start) / trials, setup
    finally:
        executor.shutdown()


def _engine_sweep(trials: int, workers: int) -> float:
    import hpsearch

    objective = trivial_factory()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        result = hpsearch.run(
            SPACE,
            objective,
            executor="ray",
            workers=workers,
            trials=trials,
            out=os.path.join(tmp, "sweep"),
            report=False,
            progress="quiet",
        )
        took = time.perf_counter() - start
    if result.n_complete != trials:
        raise RuntimeError(f"engine sweep completed {result.n_complete} of {trials}")
    return took


def engine_run(trials: int, *, workers: int) -> tuple[float, float]:
    """Marginal seconds per trial of ``hpsearch.run(..., executor="ray")`` and its fixed cost.

    Two sweeps, of ``trials // 5`` and ``trials`` trials: the difference divided by the extra
    trials is the per-trial cost without the fixed start-up (actors, study, outputs).
    """
    small = max(1, trials // 5)
    short = _engine_sweep(small, workers)
    long = _engine_sweep(trials, workers)
    per = (long - short) / (trials - small)
    return per, long - per * trials


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000, help="trivial trials, RayExecutor")
    parser.add_argument("--engine-trials", type=int, default=1000, help="trials, hpsearch.run")
    parser.add_argument("--tune-trials", type=int, default=20, help="trials, Tune defaults")
    parser.add_argument("--reuse-trials", type=int, default=200, help="trials, Tune reuse")
    parser.add_argument("--cpu-trials", type=int, default=20, help="0.5 s trials per worker")
    parser.add_argument("--skip-tune", action="store_true", help="leave Ray Tune out")
    args = parser.parse_args()

    import ray

    from hpsearch.execution._ray import start_local_ray

    start_local_ray(num_cpus=2, log_to_driver=False)
    try:
        rows: list[tuple[str, int, float, float]] = []
        if not args.skip_tune:
            per, setup = tune_run(args.tune_trials, reuse_actors=False)
            rows.append(
                ("Ray Tune 2.60, function trainable, defaults", args.tune_trials, per, setup)
            )
            per, setup = tune_run(args.reuse_trials, reuse_actors=True)
            rows.append(("Ray Tune 2.60, `reuse_actors=True`", args.reuse_trials, per, setup))
        per, setup = executor_run(args.trials, workers=2)
        rows.append(
            ("hpsearch RayExecutor, 2 actors, bare submit/poll loop", args.trials, per, setup)
        )
        per, setup = executor_run(args.trials, workers=1)
        rows.append(
            ("hpsearch RayExecutor, 1 actor, bare submit/poll loop", args.trials, per, setup)
        )
        per, setup = engine_run(args.engine_trials, workers=2)
        rows.append(
            (
                '`hpsearch.run(executor="ray")`, 2 workers, journal on disk '
                f"(marginal; fixed cost {setup:.1f} s)",
                args.engine_trials,
                per,
                setup,
            )
        )
        base = rows[-3][2]
        print(
            f"Ray {ray.__version__}, {os.cpu_count()} cores, trivial objective "
            f"(3 parameters), 2 CPUs for Ray\n"
        )
        print("| configuration | trials | per trial | vs RayExecutor (2 actors) |")
        print("|---|---:|---:|---:|")
        for name, trials, per, _setup in rows:
            print(f"| {name} | {trials} | {per * 1000:.2f} ms | {per / base:.1f}x |")

        work = work_per_half_second()
        print("\nScaling, CPU-bound trials of 0.5 s of work each (RayExecutor, bare loop):\n")
        print("| workers | trials | wall | trials/s | speedup vs 1 worker |")
        print("|---:|---:|---:|---:|---:|")
        one = None
        for workers in (1, 2):
            trials = args.cpu_trials * workers
            per, _ = executor_run(
                trials, workers=workers, factory=busy_factory, params={"work": work}
            )
            rate = 1.0 / per
            one = one or rate
            print(
                f"| {workers} | {trials} | {per * trials:.2f} s | {rate:.2f} | {rate / one:.2f}x |"
            )
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(
            f"\n(load average when done: {load:.1f} on {os.cpu_count()} cores; scaling needs "
            f"idle cores)"
        )
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main()
