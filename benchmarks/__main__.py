"""``python -m benchmarks --tier quick|full``: the search-quality suite, plus (full tier) the
overhead, report, ASHA and Ray benchmarks, written to ``benchmarks/RESULTS.md``.

Tiers (see :mod:`benchmarks.quality.harness`):

- ``quick``: 7 synthetic problems + 2 cheap scikit-learn ones, all 10 methods, 5 seeds, budgets
  20 and 50; 9.3 minutes with ``--jobs 2`` on 2 nearly idle cores (measured).
- ``full``: all 13 problems, budgets 20, 50 and 100 (hours), then the other benchmarks, each in
  its own process (a missing or failing one is reported, not fatal).
- ``tiny``: a smoke test (2 problems, 2 methods, 2 seeds, budget 5).

Finished runs are kept in ``benchmarks/results/quality_<tier>.runs.jsonl``: an interrupted tier
resumes where it stopped (``--fresh`` starts over). The raw numbers and the summary go to
``benchmarks/results/quality_<tier>.json``.

Example:
    python -m benchmarks --tier quick --jobs 2
    python -m benchmarks --tier full --problems svm_digits,branin --seeds 2 --budgets 10,20
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

HERE = Path(__file__).resolve().parent
#: Other engineers' benchmarks the full tier gathers (run as ``python -m benchmarks.<name>``).
COLLECTED = ("overhead", "ray_overhead", "asha_bench", "report_bench", "journal_bench")


def _clean(obj: Any) -> Any:
    """JSON-safe: nan/inf -> None, tuple -> list, keys -> str."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


def _csv(text: str | None) -> list[str] | None:
    return None if text is None else [t.strip() for t in text.split(",") if t.strip()]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    from benchmarks.quality.harness import TIERS

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Search-quality benchmark (plus, full tier, the other benchmarks); "
        "writes benchmarks/RESULTS.md and benchmarks/results/quality_<tier>.json.",
    )
    parser.add_argument("--tier", choices=list(TIERS), default="quick")
    parser.add_argument(
        "--out",
        type=Path,
        default=HERE / "RESULTS.md",
        help="results markdown (only its search-quality block is rewritten)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=None,
        help="raw numbers (default benchmarks/results/quality_<tier>.json)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="worker processes (default: 2, or 1 on one CPU)",
    )
    parser.add_argument("--problems", help="comma-separated subset of the tier's problems")
    parser.add_argument("--methods", help="comma-separated subset of the methods")
    parser.add_argument("--seeds", type=int, help="number of seeds (0..N-1)")
    parser.add_argument("--budgets", help="comma-separated budgets, e.g. 20,50")
    parser.add_argument("--fresh", action="store_true", help="ignore finished runs on disk")
    parser.add_argument(
        "--no-collect",
        action="store_true",
        help="full tier: skip the overhead/report/ASHA/Ray benchmarks",
    )
    parser.add_argument(
        "--collect-timeout",
        type=float,
        default=3600.0,
        help="seconds allowed to each collected benchmark",
    )
    return parser.parse_args(argv)


def _progress(record: dict[str, Any], done: int, total: int) -> None:
    finite = [v for v in record["values"] if v is not None]
    best = f"{min(finite):.5g}" if finite else "nan"
    status = f"ERROR {record['error']}" if record["error"] else f"best {best}"
    print(
        f"[{done}/{total}] {record['problem']} {record['method']} seed {record['seed']}: "
        f"{status} ({record['seconds']:.1f} s)",
        flush=True,
    )


def run_quality(args: argparse.Namespace) -> dict[str, Any]:
    from benchmarks.quality.harness import TIERS, run_tier, select, validate
    from benchmarks.quality.methods import RANDOM_BASELINE
    from benchmarks.quality.report import machine, render, write_section
    from benchmarks.quality.scoring import summarize

    budgets = [int(b) for b in _csv(args.budgets)] if args.budgets else None
    tier = select(
        TIERS[args.tier],
        problems=_csv(args.problems),
        methods=_csv(args.methods),
        seeds=args.seeds,
        budgets=budgets,
    )
    if RANDOM_BASELINE not in tier.methods:
        tier = select(tier, methods=(*tier.methods, RANDOM_BASELINE))
    validate(tier)
    results = HERE / "results"
    json_path = args.json or results / f"quality_{tier.name}.json"
    runs_file = json_path.with_suffix(".runs.jsonl")
    print(
        f"tier {tier.name}: {len(tier.problems)} problems x {len(tier.methods)} methods x "
        f"{tier.seeds} seeds, {tier.n_trials} trials per run, {args.jobs} worker(s)",
        flush=True,
    )
    start = time.perf_counter()
    runs = run_tier(tier, jobs=args.jobs, runs_file=runs_file, fresh=args.fresh, progress=_progress)
    wall = time.perf_counter() - start
    summary = summarize(runs, tier.budgets, baseline=RANDOM_BASELINE)
    now = datetime.now(timezone.utc)
    try:
        shown = json_path.resolve().relative_to(HERE.parent)
    except ValueError:
        shown = json_path
    body = render(
        tier=tier.name,
        problems=tier.problems,
        methods=tier.methods,
        seeds=tier.seeds,
        budgets=tier.budgets,
        runs=runs,
        summary=summary,
        wall_seconds=wall,
        jobs=args.jobs,
        notes=tier.notes,
        json_path=str(shown),
        when=now,
    )
    write_section(args.out, "quality", body, heading="## Search quality")
    json_path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "tier": tier.name,
        "date": now.isoformat(timespec="seconds"),
        "machine": machine(),
        "config": {
            "problems": tier.problems,
            "methods": tier.methods,
            "seeds": tier.seeds,
            "budgets": tier.budgets,
            "n_trials": tier.n_trials,
            "capped": tier.capped,
            "baseline": RANDOM_BASELINE,
            "jobs": args.jobs,
        },
        "wall_seconds": wall,
        "summary": summary,
        "runs": runs,
    }
    json_path.write_text(json.dumps(_clean(payload), indent=1) + "\n")
    for budget, s in summary.items():
        top = ", ".join(f"{m} {v:.1f}" for _, m, v in s["ranking"][:4])
        print(f"budget {budget}: {top}", flush=True)
    print(f"wrote {args.out} and {json_path} ({wall / 60:.1f} min)", flush=True)
    return payload


def run_collected(args: argparse.Namespace) -> None:
    """Run the other engineers' benchmarks, each in its own process, into one block."""
    from benchmarks.quality.report import write_section

    parts = [
        f"_Gathered by `python -m benchmarks --tier full` on "
        f"{datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}; each benchmark "
        "ran as `python -m benchmarks.<name>` with its defaults._",
        "",
    ]
    for name in COLLECTED:
        parts.append(f"### `{name}`")
        parts.append("")
        if not (HERE / f"{name}.py").exists():
            parts += ["Not run: the module is missing.", ""]
            continue
        print(f"running benchmarks.{name} ...", flush=True)
        start = time.perf_counter()
        try:
            done = subprocess.run(
                [sys.executable, "-m", f"benchmarks.{name}"],
                cwd=HERE.parent,
                capture_output=True,
                text=True,
                timeout=args.collect_timeout,
            )
        except subprocess.TimeoutExpired:
            parts += [f"Not finished: stopped after {args.collect_timeout:.0f} s.", ""]
            continue
        took = time.perf_counter() - start
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
            parts += [
                f"Failed (exit {done.returncode}, {took:.0f} s):",
                "",
                "```",
                *tail,
                "```",
                "",
            ]
        else:
            output = done.stdout.strip()
            if "|---" not in output.replace(" ", ""):  # plain text, not a markdown table
                output = f"```text\n{output}\n```"
            parts += [f"Ran in {took:.0f} s; its output:", "", output, ""]
    write_section(
        args.out,
        "collected",
        "\n".join(parts),
        heading="## Overhead, reports, ASHA and Ray (gathered by the full tier)",
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        run_quality(args)
    except (KeyError, ValueError) as exc:  # an unknown problem or method, a bad budget
        print(f"error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
    if args.tier == "full" and not args.no_collect:
        run_collected(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
