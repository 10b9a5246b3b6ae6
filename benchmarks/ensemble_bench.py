"""``python -m benchmarks.ensemble_bench``: ensembles of a sweep's trials against its best trial.

For each problem of :mod:`benchmarks.ensemble_problems` (10 scikit-learn CV sweeps and 2 torch
sweeps, all storing their out-of-fold predictions), one sweep runs, then three ensembles are
built from its stored predictions with hpsearch's defaults: greedy selection with replacement
(Caruana et al. 2004; 25 rounds), the average of the top 5 (the simple, AutoGluon-style peer) and
a stacked non-negative linear model (top 10). Each is scored by the nested estimate (weights
chosen on 4/5 of the stored rows, scored on the other 1/5, 5 parts x 3 shufflings), and so is
the best single trial (picked on the same 4/5, scored on the same 1/5): the gain is their paired
difference, with its standard error. The best single trial's in-sample figure (what the sweep
itself reports, flattered by picking the best of many) is shown too.

Target (issue 15): the greedy ensemble better than the best single trial on at least 80% of the
problems, and never worse by more than one standard error.

Writes ``benchmarks/results/ensemble.json`` (every number) and the ``ensemble`` block of
``benchmarks/RESULTS.md``; ``--quick`` (every problem, 12 trials per scikit-learn sweep and 8
per torch sweep) writes ``ensemble_quick.json`` and the ``ensemble_quick`` block instead.
``--readme`` copies the headline numbers of the results file (the full run's when there is
one, else the quick run's) into the README's ``ensemble-numbers`` block, running nothing.

Example:
    python -m benchmarks.ensemble_bench --quick              # every problem, few trials
    python -m benchmarks.ensemble_bench                      # every problem (tens of minutes)
    python -m benchmarks.ensemble_bench --problems tree_wine,gbc_wine --trials 20
    python -m benchmarks.ensemble_bench --readme             # README numbers from the results
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
METHODS = (("greedy", 25), ("average", 5), ("stack", 10))
QUICK_TRIALS = {"sklearn": 12, "torch": 8}
README = HERE.parent / "README.md"
RESULTS = HERE / "results"


def run_problem(problem: Any, directory: Path, *, trials: int | None, workers: int) -> dict:
    """Run one sweep and score the three ensembles of its stored predictions."""
    import hpsearch
    from hpsearch.ensemble import build_ensemble, load_pool

    start = time.perf_counter()
    hpsearch.run(
        problem.space,
        trials=trials or problem.trials,
        out=directory,
        workers=workers,
        report=False,
        progress="quiet",
    )
    sweep_s = time.perf_counter() - start
    pool = load_pool(directory)
    record: dict[str, Any] = {
        "problem": problem.name,
        "kind": problem.space["objective"]["type"],
        "trials": trials or problem.trials,
        "description": problem.description,
        "metric": pool.metric.name,
        "goal": pool.metric.goal,
        "rows": len(pool.y),
        "candidates": len(pool.candidates),
        "complete": pool.n_complete,
        "sweep_seconds": sweep_s,
        "methods": {},
    }
    start = time.perf_counter()
    for method, size in METHODS:
        result = build_ensemble(directory, method=method, size=size, write=False)
        record["methods"][method] = {
            "size": size,
            "members": len(result.members),
            "in_sample": result.in_sample,
            "nested": _est(result.nested),
            "gain": _est(result.gain),
            "weights": {str(k): v for k, v in result.weights.items()},
        }
        record["best_single"] = {
            "trial": result.best_single.trial,
            "in_sample": result.best_single.score,
            "nested": _est(result.best_single_nested),
        }
    record["ensemble_seconds"] = time.perf_counter() - start
    greedy, average = record["methods"]["greedy"], record["methods"]["average"]
    record["greedy_vs_average"] = _paired(greedy["nested"], average["nested"], pool.metric.sign)
    return record


def _est(est: Any) -> dict[str, Any]:
    return {"mean": est.mean, "se": est.se, "values": list(est.values)}


def _paired(a: dict, b: dict, sign: float) -> dict[str, float]:
    """Mean and SE (5-part CV convention) of a - b over the same scored parts, oriented."""
    diff = (np.array(a["values"]) - np.array(b["values"])) * sign
    return {"mean": float(diff.mean()), "se": float(diff.std(ddof=1) / math.sqrt(5))}


def verdicts(records: list[dict]) -> dict[str, Any]:
    """Counts behind the target: better, and worse by more than one SE, per comparison."""
    from benchmarks.ensemble_problems import TUNING

    out: dict[str, Any] = {}
    for method, _ in METHODS:
        gains = [r["methods"][method]["gain"] for r in records]
        out[method] = {
            "better": sum(g["mean"] > 0 for g in gains),
            "worse_by_more_than_1se": sum(g["mean"] < -g["se"] for g in gains),
            "better_scored_only": sum(
                r["methods"][method]["gain"]["mean"] > 0
                for r in records
                if r["problem"] not in TUNING
            ),
            "better_than_in_sample_best": sum(
                _oriented(r["methods"][method]["nested"]["mean"], r)
                > _oriented(r["best_single"]["in_sample"], r)
                for r in records
            ),
        }
    out["greedy_vs_average"] = {
        "better": sum(r["greedy_vs_average"]["mean"] > 0 for r in records),
        "worse_by_more_than_1se": sum(
            r["greedy_vs_average"]["mean"] < -r["greedy_vs_average"]["se"] for r in records
        ),
    }
    out["n"] = len(records)
    out["n_scored_only"] = sum(r["problem"] not in TUNING for r in records)
    return out


def _oriented(value: float, record: dict) -> float:
    return value if record["goal"] == "maximize" else -value


def _g(value: float) -> str:
    return f"{value:.4g}"


def _pm(est: dict, *, sign: bool = False) -> str:
    mean = f"{est['mean']:+.3g}" if sign else _g(est["mean"])
    return f"{mean} ± {est['se']:.2g}"


def _trial_counts(records: list[dict]) -> str:
    by_kind: dict[str, set[int]] = {}
    for r in records:
        by_kind.setdefault(r.get("kind", "sklearn"), set()).add(int(r.get("trials", 0)))
    names = {"sklearn": "scikit-learn", "torch": "torch"}
    return ", ".join(
        f"{'/'.join(str(t) for t in sorted(counts))} trials for {names.get(kind, kind)}"
        for kind, counts in sorted(by_kind.items())
    )


def headline(summary: dict) -> str:
    """The target's verdict in one sentence (the README copies it from the results file)."""
    n, g, a = summary["n"], summary["greedy"], summary["greedy_vs_average"]
    met = g["better"] >= math.ceil(0.8 * n) and g["worse_by_more_than_1se"] == 0
    return (
        f"Greedy ensemble vs best single trial (nested): better on {g['better']} of {n} "
        f"problems ({g['better_scored_only']} of {summary['n_scored_only']} scored-only), worse "
        f"by more than one SE on {g['worse_by_more_than_1se']} "
        f"(target: >= {math.ceil(0.8 * n)} and 0: {'met' if met else 'not met'}); "
        f"greedy vs average of the top 5: better on {a['better']} of {n}, worse by more than "
        f"one SE on {a['worse_by_more_than_1se']}."
    )


def readme_block(payload: dict, source: str) -> str:
    """The README's ``ensemble-numbers`` block, from a results file's contents."""
    records, summary = payload["records"], payload["summary"]
    anchor = "ensembles-of-a-sweeps-trials" + ("-quick-tier" if payload.get("quick") else "")
    return (
        f"_Copied by `python -m benchmarks.ensemble_bench --readme` from `{source}` "
        f"({payload['date'][:10]}; {_trial_counts(records)} per sweep)._ "
        f"{headline(summary)} Per-problem table: "
        f"[benchmarks/RESULTS.md](benchmarks/RESULTS.md#{anchor})."
    )


def results_source() -> Path:
    """The results file the README quotes: the full run's, else the quick run's."""
    full = RESULTS / "ensemble.json"
    return full if full.exists() else RESULTS / "ensemble_quick.json"


def update_readme(readme: Path = README) -> str:
    """Rewrite the README's ``ensemble-numbers`` block from the results file; returns it."""
    from benchmarks.quality.report import replace_block

    source = results_source()
    if not source.exists():
        raise SystemExit(f"error: no {source}: run the benchmark first")
    payload = json.loads(source.read_text())
    block = readme_block(payload, str(source.relative_to(HERE.parent)))
    text = readme.read_text()
    if "<!-- ensemble-numbers:start -->" not in text:
        raise SystemExit(f"error: {readme} has no <!-- ensemble-numbers:start --> block")
    readme.write_text(replace_block(text, "ensemble-numbers", block))
    return block


def render(
    records: list[dict],
    summary: dict,
    *,
    wall: float,
    when: datetime,
    cmd: str,
    source: str = "benchmarks/results/ensemble.json",
) -> str:
    from benchmarks.ensemble_problems import TUNING

    n, g = summary["n"], summary["greedy"]
    lines = [
        f"_Generated by `{cmd}` on {when.strftime('%Y-%m-%d %H:%M UTC')}; "
        f"{wall / 60:.1f} min wall time on {os.cpu_count()} CPU(s), one sweep at a time with "
        f"one worker, under `nice`. Raw numbers: `{source}`._",
        "",
        f"One sweep per problem (bayes strategy, seed 0; {_trial_counts(records)}; "
        "5-fold CV, fold racing off so every complete trial is a candidate), every trial storing "
        "its out-of-fold predictions. Scores are the sweep metric on the stored rows "
        "(losses as positive numbers: lower is better for log_loss and mse). *Nested*: weights "
        "(and the best single trial) chosen on 4/5 of the rows, scored on the other 1/5, over "
        "5 parts x 3 shufflings; ± is the standard error of a 5-fold mean. *Gain*: the paired "
        "difference against the best single trial on the same parts (+ = the ensemble is "
        "better). Problems marked (t) were looked at when choosing the defaults; the others "
        "were only scored.",
        "",
        f"**{headline(summary)}** Against the best trial's own in-sample figure, the greedy "
        f"nested score is better on {g['better_than_in_sample_best']} of {n}.",
        "",
        "| problem | metric | rows | trials kept | best single, in-sample | best single, nested | "
        "greedy, nested | greedy gain | average top-5, nested | avg-5 gain | stack, nested | "
        "stack gain | greedy - avg-5 |",
        "|" + "---|" * 13,
    ]
    for r in records:
        m = r["methods"]
        tag = " (t)" if r["problem"] in TUNING else ""
        lines.append(
            f"| `{r['problem']}`{tag} | {r['metric']} | {r['rows']} | {r['candidates']} | "
            f"{_g(r['best_single']['in_sample'])} | {_pm(r['best_single']['nested'])} | "
            f"{_pm(m['greedy']['nested'])} | {_pm(m['greedy']['gain'], sign=True)} | "
            f"{_pm(m['average']['nested'])} | {_pm(m['average']['gain'], sign=True)} | "
            f"{_pm(m['stack']['nested'])} | {_pm(m['stack']['gain'], sign=True)} | "
            f"{_pm(r['greedy_vs_average'], sign=True)} |"
        )
    lines += [
        "",
        "| problem | what | sweep (s) | ensembles (s) | greedy members |",
        "|---|---|---|---|---|",
    ]
    for r in records:
        lines.append(
            f"| `{r['problem']}` | {r['description']} | {r['sweep_seconds']:.0f} | "
            f"{r['ensemble_seconds']:.1f} | {r['methods']['greedy']['members']} |"
        )
    others = {k: v for k, v in summary.items() if k in ("average", "stack")}
    lines += [
        "",
        "Average of the top 5 vs best single: better on "
        f"{others['average']['better']} of {n}, worse by more than one SE on "
        f"{others['average']['worse_by_more_than_1se']}; stack: better on "
        f"{others['stack']['better']}, worse by more than one SE on "
        f"{others['stack']['worse_by_more_than_1se']}.",
    ]
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ensemble_bench")
    parser.add_argument("--problems", help="comma-separated subset (default: all)")
    parser.add_argument("--trials", type=int, help="trials per sweep (default: per problem)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"every problem with few trials ({QUICK_TRIALS['sklearn']} scikit-learn, "
        f"{QUICK_TRIALS['torch']} torch); writes ensemble_quick.json",
    )
    parser.add_argument(
        "--readme", action="store_true", help="only copy the results file's numbers into README"
    )
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--runs", type=Path, help="keep the sweep directories here")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--json", type=Path, help="default results/ensemble[_quick].json")
    return parser.parse_args(argv)


def _trials_for(problem: Any, args: argparse.Namespace) -> int | None:
    if args.trials is not None:
        return args.trials
    if args.quick:
        return QUICK_TRIALS[problem.space["objective"]["type"]]
    return None


def main(argv: list[str] | None = None) -> int:
    from benchmarks.ensemble_problems import PROBLEMS
    from benchmarks.quality.report import machine, write_section

    args = parse_args(argv)
    if args.readme:
        print(update_readme())
        return 0
    warnings.filterwarnings("ignore")
    names = args.problems.split(",") if args.problems else list(PROBLEMS)
    unknown = [n for n in names if n not in PROBLEMS]
    if unknown:
        print(
            f"error: unknown problem(s) {', '.join(unknown)}; known: {', '.join(PROBLEMS)}",
            file=sys.stderr,
        )
        return 2
    runs = args.runs or Path(tempfile.mkdtemp(prefix="ensemble_bench_"))
    records = []
    start = time.perf_counter()
    for name in names:
        problem = PROBLEMS[name]
        trials = _trials_for(problem, args)
        record = run_problem(problem, runs / name, trials=trials, workers=args.workers)
        g = record["methods"]["greedy"]
        print(
            f"{name}: best single {_pm(record['best_single']['nested'])}, greedy "
            f"{_pm(g['nested'])} (gain {_pm(g['gain'], sign=True)}), "
            f"{record['sweep_seconds']:.0f} s",
            flush=True,
        )
        records.append(record)
    wall = time.perf_counter() - start
    summary = verdicts(records)
    when = datetime.now(timezone.utc)
    cmd = "python -m benchmarks.ensemble_bench" + (" " + " ".join(argv) if argv else "")
    tier = "ensemble_quick" if args.quick else "ensemble"
    json_path = args.json or RESULTS / f"{tier}.json"
    shown = json_path.resolve()
    shown_name = shown.relative_to(HERE.parent) if shown.is_relative_to(HERE.parent) else shown
    body = render(records, summary, wall=wall, when=when, cmd=cmd, source=str(shown_name))
    print(body)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "date": when.isoformat(timespec="seconds"),
        "command": cmd,
        "machine": machine(),
        "wall_seconds": wall,
        "trials": args.trials,
        "quick": args.quick,
        "summary": summary,
        "records": records,
    }
    json_path.write_text(json.dumps(payload, indent=1) + "\n")
    heading = "## Ensembles of a sweep's trials" + (" (quick tier)" if args.quick else "")
    write_section(args.out, tier, body, heading=heading)
    print(f"wrote {args.out} and {json_path} ({wall / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
