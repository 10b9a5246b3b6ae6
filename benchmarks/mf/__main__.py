"""``python -m benchmarks.mf --tier quick|full``: multi-fidelity search against its peers.

Every (task, method, seed) runs on a simulated cluster of ``--workers`` asynchronous workers
(:mod:`benchmarks.mf.harness`) until it has consumed the task's budget (a number of full
trainings' worth of resource units) and at least the simulated time random search with full
training needed for it. Scores: the incumbent's value at 1/8, 1/4, 1/2 and all of the budget,
in resource units and in simulated seconds, normalized per task (0 = random search with full
training, 100 = the best value any run found) and averaged over seeds, then over the tasks of
each split. On the torch tasks: the compute needed to reach the best validation accuracy that
random search with full training reached, as a fraction of what it needed (target <= 1/3).

Tasks are split: ``dev`` tasks were used to choose the design and its defaults, ``test``
tasks only to score. Finished runs are kept in ``benchmarks/results/mf_<tier>.runs.jsonl``,
so an interrupted tier resumes (``--fresh`` starts over).

Example:
    python -m benchmarks.mf --tier quick --jobs 2
    python -m benchmarks.mf --tier quick --tasks branin_lc --methods mf,random --seeds 2
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import replace  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

from benchmarks.mf.runner import (  # noqa: E402
    DEV,
    FRACTIONS,
    HERE,
    RESULTS,
    TEST,
    TIERS,
    Tier,
    get_task,
    run_tier,
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.mf", description=__doc__.splitlines()[0])
    p.add_argument("--tier", choices=list(TIERS), default="quick")
    p.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--tasks", help="comma-separated subset of the tier's tasks")
    p.add_argument("--methods", help="comma-separated subset of the methods")
    p.add_argument("--seeds", type=int, help="seeds per task (0..N-1)")
    p.add_argument("--fresh", action="store_true", help="ignore finished runs on disk")
    p.add_argument("--out", type=Path, default=HERE.parent / "RESULTS.md")
    p.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md")
    return p.parse_args(argv)


def select(tier: Tier, args: argparse.Namespace) -> Tier:
    seeds, budgets = dict(tier.seeds), dict(tier.budgets)
    if args.tasks:
        names = [t.strip() for t in args.tasks.split(",") if t.strip()]
        for name in names:
            get_task(name)
        seeds = {n: tier.seeds.get(n, 2) for n in names}
        budgets = {n: tier.budgets.get(n, 16) for n in names}
    if args.seeds:
        seeds = dict.fromkeys(seeds, args.seeds)
    methods = tier.methods
    if args.methods:
        from benchmarks.mf.methods import METHODS

        methods = tuple(m.strip() for m in args.methods.split(","))
        unknown = [m for m in methods if m not in METHODS]
        if unknown:
            raise KeyError(f"unknown method {unknown[0]!r}; known: {', '.join(METHODS)}")
        if "random" not in methods:
            methods = (*methods, "random")
    return replace(tier, seeds=seeds, budgets=budgets, methods=methods)


def main(argv: list[str] | None = None) -> int:
    from benchmarks.mf.report import render
    from benchmarks.mf.scoring import summarize

    args = parse_args(argv)
    try:
        tier = select(TIERS[args.tier], args)
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    runs_file = RESULTS / f"mf_{args.tier}.runs.jsonl"
    print(
        f"tier {tier.name}: {len(tier.seeds)} tasks x {len(tier.methods)} methods, "
        f"{tier.workers} simulated workers, {args.jobs} process(es)",
        flush=True,
    )
    start = time.perf_counter()
    runs = run_tier(tier, jobs=args.jobs, runs_file=runs_file, fresh=args.fresh)
    wall = time.perf_counter() - start
    summary = summarize(runs, FRACTIONS)
    errors = sorted({(r["method"], r["error"].split(":")[0]) for r in runs if r["error"]})
    body = render(
        tier,
        summary,
        runs,
        wall=wall,
        jobs=args.jobs,
        dev=DEV,
        test=TEST,
        errors=errors,
        when=datetime.now(timezone.utc),
    )
    print(body)
    payload = {
        "tier": tier.name,
        "wall_seconds": wall,
        "summary": summary,
        "runs": [{k: v for k, v in r.items() if k != "trace"} for r in runs],
    }
    (RESULTS / f"mf_{tier.name}.json").write_text(json.dumps(payload, indent=1, default=str))
    if not args.no_write:
        from benchmarks.quality.report import write_section

        write_section(args.out, "mf", body, heading="## Multi-fidelity search (issue 14)")
    print(f"{wall / 60:.1f} min", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
