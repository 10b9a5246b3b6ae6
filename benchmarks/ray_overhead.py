"""Per-trial overhead on Ray, side by side in one run: Ray Tune (defaults and ``reuse_actors``),
hpsearch's RayExecutor driven by a bare submit/poll loop, and a full ``hpsearch.run`` sweep on Ray
(Optuna journal on disk, so durability on); then scaling from 1 to 2 workers with CPU-bound 0.5 s
trials. Every configuration uses the same local Ray instance (2 CPUs, loopback only). Run:

    python -m benchmarks.ray_overhead [--quick] [--trials 1000] [--tune-trials 20] ...

Like with like: every configuration (Tune included) is timed the same way, from a cold start of
its trial actors, at N/5 and N trials; the table shows both the per-trial cost with start-up
counted and the marginal cost without it. Prints markdown tables and writes
``benchmarks/results/ray_overhead.json`` (the README's Ray numbers are copied from it).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "ray_overhead.json"
TUNE_DEFAULTS = "Ray Tune 2.60, function trainable, defaults"
TUNE_REUSE = "Ray Tune 2.60, `reuse_actors=True`"
EXECUTOR_2 = "hpsearch RayExecutor, 2 actors, bare submit/poll loop"
EXECUTOR_1 = "hpsearch RayExecutor, 1 actor, bare submit/poll loop"
ENGINE = '`hpsearch.run(executor="ray")`, 2 workers, journal on disk'

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


def tune_run(trials: int, *, reuse_actors: bool) -> float:
    """Wall seconds of one Ray Tune sweep of ``trials`` trivial trials, from ``fit()`` to its
    return (trial actors started inside; the Ray instance is already up)."""
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
        return time.perf_counter() - start


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


def executor_sweep(
    trials: int,
    *,
    workers: int,
    factory: Any = trivial_factory,
    params: dict[str, Any] | None = None,
) -> float:
    """Wall seconds of ``trials`` trials on a fresh RayExecutor driven by a bare submit/poll
    loop, actor start-up included (the Ray instance is already up)."""
    from hpsearch.execution import TrialJob
    from hpsearch.execution._ray import RayExecutor

    executor = RayExecutor(workers=workers, metric_names=("loss",))
    start = time.perf_counter()
    try:
        executor.start(factory)
        base = {"x": 0.5, "y": 1, "z": "a", **(params or {})}
        _drive(executor, [TrialJob(n, base) for n in range(trials)])
        return time.perf_counter() - start
    finally:
        executor.shutdown()


def engine_sweep(trials: int, *, workers: int) -> float:
    """Wall seconds of ``hpsearch.run(executor="ray")`` for ``trials`` trials (journal on disk,
    actors, study and outputs included)."""
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


def two_point(sweep: Callable[[int], float], trials: int) -> dict[str, float]:
    """The same measurement for every configuration: sweeps of ``trials // 5`` and ``trials``
    trials, each from a cold start. ``with_startup`` is the long sweep's wall per trial (start-up
    counted); ``marginal`` is the extra wall per extra trial (start-up not counted); ``startup``
    is the fixed cost left over."""
    small = max(1, trials // 5)
    short, long = sweep(small), sweep(trials)
    marginal = max(long - short, 0.0) / (trials - small)
    return {
        "trials": trials,
        "with_startup_s": long / trials,
        "marginal_s": marginal,
        "startup_s": max(long - marginal * trials, 0.0),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000, help="trivial trials, RayExecutor")
    parser.add_argument("--engine-trials", type=int, default=1000, help="trials, hpsearch.run")
    parser.add_argument("--tune-trials", type=int, default=20, help="trials, Tune defaults")
    parser.add_argument("--reuse-trials", type=int, default=200, help="trials, Tune reuse")
    parser.add_argument("--cpu-trials", type=int, default=20, help="0.5 s trials per worker")
    parser.add_argument("--skip-tune", action="store_true", help="leave Ray Tune out")
    parser.add_argument("--quick", action="store_true", help="fewer trials everywhere")
    parser.add_argument("--json", type=Path, default=RESULTS, help="results file to write")
    args = parser.parse_args(argv)
    if args.quick:
        args.trials = args.engine_trials = 200
        args.tune_trials, args.reuse_trials, args.cpu_trials = 10, 50, 6

    import ray

    from hpsearch.execution import start_local_ray

    start_local_ray(num_cpus=2, log_to_driver=False)
    try:
        configs: list[tuple[str, int, Callable[[int], float]]] = []
        if not args.skip_tune:
            configs += [
                (TUNE_DEFAULTS, args.tune_trials, lambda n: tune_run(n, reuse_actors=False)),
                (TUNE_REUSE, args.reuse_trials, lambda n: tune_run(n, reuse_actors=True)),
            ]
        configs += [
            (EXECUTOR_2, args.trials, lambda n: executor_sweep(n, workers=2)),
            (EXECUTOR_1, args.trials, lambda n: executor_sweep(n, workers=1)),
            (ENGINE, args.engine_trials, lambda n: engine_sweep(n, workers=2)),
        ]
        rows = [{"configuration": name, **two_point(fn, n)} for name, n, fn in configs]
        scaling = _scaling(args.cpu_trials)
        payload = {
            "date": time.strftime("%Y-%m-%d", time.gmtime()),
            "ray": ray.__version__,
            "cores": os.cpu_count(),
            "quick": args.quick,
            "rows": rows,
            "scaling": scaling,
            "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        }
    finally:
        ray.shutdown()
    _print(payload)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(payload, indent=1) + "\n")
    return payload


def _scaling(trials_per_worker: int) -> list[dict[str, float]]:
    """Trials per second with 1 and 2 workers on CPU-bound 0.5 s trials (marginal rates)."""
    work = work_per_half_second()
    out = []
    for workers in (1, 2):
        trials = trials_per_worker * workers
        point = two_point(
            lambda n, w=workers: executor_sweep(
                n, workers=w, factory=busy_factory, params={"work": work}
            ),
            max(trials, 5),
        )
        out.append({"workers": workers, **point, "rate": 1.0 / max(point["marginal_s"], 1e-9)})
    return out


def _print(payload: dict[str, Any]) -> None:
    rows = payload["rows"]
    base = next(r for r in rows if r["configuration"] == EXECUTOR_2)
    print(
        f"Ray {payload['ray']}, {payload['cores']} cores, trivial objective (3 parameters), "
        "2 CPUs for Ray. Every configuration is measured the same way: two sweeps from a cold "
        "start (trial actors started inside, the Ray instance already up), of N/5 and N trials. "
        "'with start-up' is the N-trial sweep's wall per trial; 'marginal' is the extra wall per "
        "extra trial, start-up not counted.\n"
    )
    print(
        "| configuration | trials (N) | per trial, with start-up | per trial, marginal | "
        "start-up | marginal vs RayExecutor (2 actors) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['configuration']} | {r['trials']} | {r['with_startup_s'] * 1e3:.2f} ms | "
            f"{r['marginal_s'] * 1e3:.2f} ms | {r['startup_s']:.2f} s | "
            f"{r['marginal_s'] / max(base['marginal_s'], 1e-9):.1f}x |"
        )
    print("\nScaling, CPU-bound trials of 0.5 s of work each (RayExecutor, bare loop, marginal):\n")
    print("| workers | trials (N) | trials/s | speedup vs 1 worker |")
    print("|---:|---:|---:|---:|")
    one = payload["scaling"][0]["rate"]
    for s in payload["scaling"]:
        print(f"| {s['workers']} | {s['trials']} | {s['rate']:.2f} | {s['rate'] / one:.2f}x |")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\n(load average when done: {load:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
