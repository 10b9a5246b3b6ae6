"""Scale on Ray, hpsearch and Ray Tune side by side on one local Ray instance (logical CPUs).

The shapes of Ray Tune's own scalability page, at a size one machine holds; trials sleep, so
logical CPUs stand in for real ones. Run::

    python -m benchmarks.ray_scale            # full: 2,000 short trials, 32 streams, 10,000 trials
    python -m benchmarks.ray_scale --quick    # small sizes, for development (minutes)

Workloads (each engine runs each one in its own process, connected to the same Ray instance,
so every driver's memory is its own):

- ``short``: many trials of 0.25 s on 16 slots; minimum = trials x 0.25 s / 16.
- ``stream``: 32 concurrent trials, each reporting 10 values per second for ``--stream-s``
  seconds, with successive halving active (hpsearch's ``asha`` pruner, Tune's
  ``ASHAScheduler``: 10 reports first, then every third is kept); minimum = one full trial.
  Every report must reach the driver, and a pruning decision must follow its report within
  0.5 s at the 99th percentile (hpsearch: the round trip of ``trial.should_prune()``; Tune:
  report to the scheduler's ``on_trial_result``, where it decides).
- ``memory``: many instant trials on 16 slots; the driver's resident memory as trials finish.

Times are wall clock of the engine's run call (start-up of workers included) and the trial
span (first trial start to last trial end). The table goes between the ``ray-scale`` markers
of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RATE = 10.0  # reports per second in the stream workload
SLOTS = 16
STREAMS = 32


def _space(name: str, seconds: float, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "metric": {"name": "loss", "goal": "minimize"},
        "strategy": {"name": "random", "seed": 0},
        "parameters": {
            "x": {"type": "float", "low": 0.0, "high": 1.0},
            "seconds": {"type": "constant", "value": seconds},
            **{k: {"type": "constant", "value": v} for k, v in extra.items()},
        },
    }


# ----------------------------------------------------------------------------- objectives


def sleeper(params: dict[str, Any]) -> dict[str, float]:
    t0 = time.time()
    if params["seconds"]:
        time.sleep(params["seconds"])
    return {"loss": params["x"] ** 2, "t0": t0, "t1": time.time()}


def _curve(x: float, step: int) -> float:
    return (x - 0.5) ** 2 + 1.0 / step


def _record(out_dir: str, payload: dict[str, Any]) -> None:
    path = Path(out_dir) / f"{uuid.uuid4().hex}.json"
    path.write_text(json.dumps(payload))


def streamer(params: dict[str, Any], trial: Any) -> dict[str, float]:
    """Reports 10 values a second; asks for a verdict after each; records what it saw."""
    from hpsearch import TrialPruned

    t0 = time.time()
    steps = round(params["seconds"] * RATE)
    latencies: list[float] = []
    pruned = False
    try:
        for step in range(1, steps + 1):
            time.sleep(max(0.0, t0 + step / RATE - time.time()))
            trial.report(_curve(params["x"], step), step)
            tic = time.perf_counter()
            pruned = trial.should_prune()
            latencies.append(time.perf_counter() - tic)
            if pruned:
                raise TrialPruned()
        return {"loss": _curve(params["x"], steps)}
    finally:
        _record(
            params["out"],
            {
                "number": trial.number,
                "t0": t0,
                "t1": time.time(),
                "reports": len(latencies),
                "latencies": latencies,
                "pruned": pruned,
            },
        )


def tune_sleeper(config: dict[str, Any]) -> None:
    from ray import tune

    tune.report(sleeper(config))


def tune_streamer(config: dict[str, Any]) -> None:
    from ray import tune

    t0 = time.time()
    steps = round(config["seconds"] * RATE)
    for step in range(1, steps + 1):
        time.sleep(max(0.0, t0 + step / RATE - time.time()))
        tune.report({"loss": _curve(config["x"], step), "sent_at": time.time(), "t0": t0})


# ----------------------------------------------------------------------------- one engine run


class RssSampler:
    """Samples this process's resident memory every ``period`` seconds."""

    def __init__(self, period: float = 0.25) -> None:
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._period = period
        self._thread = threading.Thread(target=self._loop, daemon=True)

    @staticmethod
    def rss() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _loop(self) -> None:
        while not self._stop.wait(self._period):
            self.samples.append((time.time(), self.rss()))

    def __enter__(self) -> RssSampler:
        self.samples.append((time.time(), self.rss()))
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append((time.time(), self.rss()))


def _memory_curve(samples: list[tuple[float, int]], ends: list[float], points: int = 5) -> Any:
    """RSS (MiB) when 0, 1/points, ..., all trials had finished."""
    ends = sorted(ends)
    curve = []
    for k in range(points + 1):
        done = round(k * len(ends) / points)
        at = ends[done - 1] if done else ends[0] - 1e-9
        rss = [r for t, r in samples if t <= at + 0.25] or [samples[0][1]]
        curve.append([done, round(rss[-1] / 2**20, 1)])
    return curve


def run_hpsearch(workload: str, trials: int, seconds: float, tmp: Path) -> dict[str, Any]:
    import hpsearch

    out = tmp / "records"
    out.mkdir()
    if workload == "stream":
        space = _space("scale-stream", seconds, out=str(out))
        space["pruner"] = {"type": "asha", "min_resource": 10, "reduction_factor": 3}
        objective, workers = streamer, STREAMS
    else:
        space, objective, workers = _space(f"scale-{workload}", seconds), sleeper, SLOTS
    with RssSampler() as sampler:
        start = time.time()
        result = hpsearch.run(
            space,
            objective,
            executor="ray",
            workers=workers,
            trials=trials,
            out=tmp / "sweep",
            report=False,
            progress="quiet",
        )
        wall = time.time() - start
    stats: dict[str, Any] = {"wall": wall, "completed": int(result.n_complete)}
    if workload == "stream":
        records = [json.loads(p.read_text()) for p in out.glob("*.json")]
        stored = {t.number: len(t.intermediate_values) for t in result.study.trials}
        stats.update(_stream_stats(records, seconds))
        stats["reports_stored"] = sum(stored.get(r["number"], 0) for r in records)
        stats["latencies"] = sorted(x for r in records for x in r["latencies"])
    else:
        t0 = result.trials["metric_t0"].dropna().tolist()
        t1 = result.trials["metric_t1"].dropna().tolist()
        stats["span"] = max(t1) - min(t0)
        stats["memory"] = _memory_curve(sampler.samples, t1)
    return stats


def _stream_stats(records: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    return {
        "span": max(r["t1"] for r in records) - min(r["t0"] for r in records),
        "reports_made": sum(r["reports"] for r in records),
        "trials": len(records),
        "pruned": sum(bool(r["pruned"]) for r in records),
        "full": sum(r["reports"] >= seconds * RATE for r in records),
    }


def run_tune(workload: str, trials: int, seconds: float, tmp: Path) -> dict[str, Any]:
    import contextlib
    import io

    from ray import tune
    from ray.tune.schedulers import ASHAScheduler

    import hpsearch
    from hpsearch.execution._tune_space import tune_param_space

    seen: list[tuple[str, int, float, float]] = []

    class Latency(tune.Callback):
        def on_trial_result(self, iteration: int, trials: Any, trial: Any, result: dict) -> None:
            if "sent_at" in result:
                now = time.time()
                seen.append(
                    (
                        trial.trial_id,
                        int(result["training_iteration"]),
                        now - result["sent_at"],
                        result["t0"],
                    )
                )

    stream = workload == "stream"
    space = tune_param_space(hpsearch.load_space(_space("tune", seconds)).space)
    trainable = tune.with_resources(tune_streamer if stream else tune_sleeper, {"cpu": 1})
    scheduler = (
        ASHAScheduler(
            time_attr="training_iteration",
            grace_period=10,
            reduction_factor=3,
            max_t=int(seconds * RATE),
        )
        if stream
        else None
    )
    tuner = tune.Tuner(
        trainable,
        param_space=space,
        tune_config=tune.TuneConfig(
            metric="loss",
            mode="min",
            num_samples=trials,
            scheduler=scheduler,
            reuse_actors=True,
            max_concurrent_trials=STREAMS if stream else SLOTS,
        ),
        run_config=tune.RunConfig(
            storage_path=str(tmp),
            name="bench",
            verbose=0,
            callbacks=[Latency()] if stream else None,
        ),
    )
    with RssSampler() as sampler:
        start = time.time()
        with contextlib.redirect_stdout(io.StringIO()):
            grid = tuner.fit()
        wall = time.time() - start
    stats: dict[str, Any] = {"wall": wall, "completed": sum(r.error is None for r in grid)}
    if stream:
        last: dict[str, int] = {}
        for trial_id, iteration, _, _ in seen:
            last[trial_id] = max(last.get(trial_id, 0), iteration)
        ends = [r.metrics.get("sent_at", 0.0) for r in grid]
        starts = [r.metrics.get("t0", math.inf) for r in grid]
        stats.update(span=max(ends) - min(starts), trials=len(last), reports_stored=len(seen))
        stats["reports_made"] = sum(last.values())
        stats["full"] = sum(v >= seconds * RATE for v in last.values())
        stats["pruned"] = len(last) - stats["full"]
        stats["latencies"] = sorted(lat for _, _, lat, _ in seen)
    else:
        t0 = [r.metrics["t0"] for r in grid if "t0" in r.metrics]
        t1 = [r.metrics["t1"] for r in grid if "t1" in r.metrics]
        stats["span"] = max(t1) - min(t0)
        stats["memory"] = _memory_curve(sampler.samples, t1)
    return stats


def child(args: argparse.Namespace) -> int:
    import ray

    from hpsearch.execution import loopback_only

    with loopback_only():
        ray.init(address=args.address, log_to_driver=False, logging_level="ERROR")
    runner = run_hpsearch if args.engine == "hpsearch" else run_tune
    with tempfile.TemporaryDirectory(prefix="hps-scale-") as tmp:
        stats = runner(args.workload, args.trials, args.seconds, Path(tmp))
    if "latencies" in stats:
        lat = stats.pop("latencies")
        stats["p50"] = lat[len(lat) // 2] if lat else math.nan
        stats["p99"] = lat[min(len(lat) - 1, int(0.99 * len(lat)))] if lat else math.nan
        stats["max"] = lat[-1] if lat else math.nan
    print("RESULT " + json.dumps(stats), flush=True)
    return 0


# ----------------------------------------------------------------------------- the parent


def _run_child(
    address: str, engine: str, workload: str, trials: int, seconds: float, timeout: float
) -> dict[str, Any]:
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.ray_scale",
        "--child",
        "--address",
        address,
        "--engine",
        engine,
        "--workload",
        workload,
        "--trials",
        str(trials),
        "--seconds",
        str(seconds),
    ]
    env = {**os.environ, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
    print(f"  {engine:8s} {workload:6s} {trials} trials of {seconds:g} s ...", flush=True)
    try:
        done = subprocess.run(
            cmd, cwd=HERE.parent, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {"error": f"not finished after {timeout:.0f} s"}
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return {"error": f"exit {done.returncode}: {' / '.join(tail)}"[:300]}
    return json.loads(lines[-1][len("RESULT ") :])


def _pct(value: float, minimum: float) -> str:
    return f"{100 * (value / minimum - 1):+.1f}%"


def render(results: dict[str, dict[str, Any]], plan: dict[str, Any]) -> str:
    """The markdown block: one row per workload and engine."""
    short_min = plan["short_trials"] * plan["short_s"] / SLOTS
    stream_min = plan["stream_s"]
    lines = [
        f"_`python -m benchmarks.ray_scale{' --quick' if plan['quick'] else ''}` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; Ray {plan['ray']}, "
        f"{os.cpu_count()} cores (load average {plan['load']:.1f} at the start), one local Ray "
        f"instance with {plan['cpus']} logical CPUs; {plan['minutes']:.1f} min in all._",
        "",
        f"**Many short trials**: {plan['short_trials']} trials of {plan['short_s']:g} s on "
        f"{SLOTS} slots, minimum {short_min:.2f} s (target: at most 3% over).",
        "",
        "| engine | wall (with start-up) | over minimum | trial span | over minimum |",
        "|---|---:|---:|---:|---:|",
    ]
    for engine in ("hpsearch", "tune"):
        r = results.get(f"{engine}/short", {})
        if "error" in r:
            lines.append(f"| {engine} | {r['error']} | | | |")
            continue
        lines.append(
            f"| {engine} | {r['wall']:.2f} s | {_pct(r['wall'], short_min)} | {r['span']:.2f} s "
            f"| {_pct(r['span'], short_min)} |"
        )
    lines += [
        "",
        f"**High result throughput**: {STREAMS} concurrent trials, each reporting {RATE:g} "
        f"values/s for {plan['stream_s']:g} s, successive halving active (10 reports, then "
        f"1 in 3 kept); minimum {stream_min:g} s (targets: every report processed, decision "
        "p99 at most 0.5 s after its report, at most 5% over the minimum).",
        "",
        "| engine | reports made / processed | pruned | full length | decision p50 | p99 "
        "| max | wall | trial span | over minimum |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for engine in ("hpsearch", "tune"):
        r = results.get(f"{engine}/stream", {})
        if "error" in r:
            lines.append(f"| {engine} | {r['error']} | | | | | | | | |")
            continue
        lines.append(
            f"| {engine} | {r['reports_made']} / {r['reports_stored']} | {r['pruned']} "
            f"| {r['full']} | {1000 * r['p50']:.1f} ms | {1000 * r['p99']:.1f} ms "
            f"| {1000 * r['max']:.1f} ms | {r['wall']:.2f} s | {r['span']:.2f} s "
            f"| {_pct(r['span'], stream_min)} |"
        )
    lines += [
        "",
        f"**Driver memory**: resident set of the driver process as instant trials finish on "
        f"{SLOTS} slots (MiB at 0, 20, 40, 60, 80, 100% of the trials).",
        "",
        "| engine | trials | wall | MiB by trials done |",
        "|---|---:|---:|---|",
    ]
    for engine in ("hpsearch", "tune"):
        r = results.get(f"{engine}/memory", {})
        n = plan[f"{engine}_memory_trials"]
        if "error" in r:
            lines.append(f"| {engine} | {n} | {r['error']} | |")
            continue
        curve = ", ".join(f"{mib:.0f}" for _, mib in r["memory"])
        lines.append(f"| {engine} | {n} | {r['wall']:.1f} s | {curve} |")
    lines += [
        "",
        "Decision latency: hpsearch, the round trip of `trial.should_prune()` inside the trial "
        "(report sent, driver's verdict back); Tune, from `tune.report` in the trial to the "
        "scheduler's `on_trial_result` in the driver (Tune decides there, and a stopped trial "
        "learns it at its next report).",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for development")
    parser.add_argument("--skip-tune", action="store_true", help="leave Ray Tune out")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--address", help=argparse.SUPPRESS)
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--workload", help=argparse.SUPPRESS)
    parser.add_argument("--trials", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)

    import ray

    from hpsearch.execution import start_local_ray

    plan: dict[str, Any] = {
        "quick": args.quick,
        "short_trials": 160 if args.quick else 2000,
        "short_s": 0.25,
        "stream_s": 3.0 if args.quick else 20.0,
        "hpsearch_memory_trials": 500 if args.quick else 10000,
        "tune_memory_trials": 200 if args.quick else 10000,
        "cpus": STREAMS,
        "ray": ray.__version__,
        "load": os.getloadavg()[0],
    }
    began = time.time()
    start_local_ray(num_cpus=STREAMS, log_to_driver=False, object_store_memory=300 * 2**20)
    address = ray.get_runtime_context().gcs_address
    engines = ["hpsearch"] if args.skip_tune else ["hpsearch", "tune"]
    results: dict[str, dict[str, Any]] = {}
    try:
        for workload, trials, seconds in (
            ("short", plan["short_trials"], plan["short_s"]),
            ("stream", STREAMS, plan["stream_s"]),
            ("memory", None, 0.0),
        ):
            for engine in engines:
                n = trials or plan[f"{engine}_memory_trials"]
                results[f"{engine}/{workload}"] = _run_child(
                    address, engine, workload, n, seconds, timeout=1800
                )
    finally:
        ray.shutdown()
    plan["minutes"] = (time.time() - began) / 60
    body = render(results, plan)
    print(body)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / f"ray_scale{'_quick' if args.quick else ''}.json").write_text(
        json.dumps({"plan": plan, "results": results}, indent=1) + "\n"
    )
    if not args.no_write:
        from benchmarks.quality.report import write_section

        write_section(args.out, "ray-scale", body, heading="## Ray at scale, against Ray Tune")
    return 0


if __name__ == "__main__":
    sys.exit(main())
