"""Copy the multi-fidelity benchmark's numbers from its results file into the README.

``python -m benchmarks.mf.readme [--tier quick]`` reads ``benchmarks/results/mf_<tier>.json``
(written by ``python -m benchmarks.mf``) and rewrites the block between
``<!-- mf-results:start -->`` and ``<!-- mf-results:end -->`` in ``README.md``: the test
tasks' scores at the four budget points and, on the torch tasks, the compute each method
needed to reach random full training's best accuracy. Nothing is typed by hand.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from benchmarks.mf.report import _ratio_table, _split_table
from benchmarks.mf.runner import DEV, FRACTIONS, METHOD_ORDER, RESULTS, TEST
from benchmarks.quality.report import replace_block

README = Path(__file__).resolve().parents[2] / "README.md"


def section(payload: dict[str, Any]) -> str:
    """The README block for one results file."""
    summary = payload["summary"]
    ran = {r["method"] for r in payload["runs"] if not r.get("error")}
    methods = [m for m in METHOD_ORDER if m in ran]
    missing = sorted({r["method"] for r in payload["runs"] if r.get("error")} - ran)
    test = [t for t in TEST if t in summary["scores"]]
    dev = [t for t in DEV if t in summary["scores"]]
    lines = [
        f"From `benchmarks/results/mf_{payload['tier']}.json` "
        f"(`python -m benchmarks.mf --tier {payload['tier']} --jobs 2`, "
        f"{payload['wall_seconds'] / 60:.0f} min). Test tasks ({', '.join(test)}; the design "
        f"was tuned on {', '.join(dev) or 'none'} only), score at 1/8, 1/4, 1/2 and all of "
        "the budget in resource units (0 = random search with full training, 100 = best "
        "found by any method; higher is better):",
        "",
        *_split_table(summary, test, "units", methods, FRACTIONS),
    ]
    ratios = _ratio_table(summary, methods)
    if ratios:
        lines += [
            "",
            "Compute to reach the best validation accuracy of random full training, as a "
            "fraction of what it needed (target <= 0.33):",
            "",
            *ratios,
        ]
    if missing:
        lines += ["", "Not run: " + ", ".join(f"`{m}`" for m in missing) + " (see RESULTS.md)."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.mf.readme")
    parser.add_argument("--tier", default="quick")
    parser.add_argument("--readme", type=Path, default=README)
    args = parser.parse_args(argv)
    path = RESULTS / f"mf_{args.tier}.json"
    if not path.exists():
        print(f"error: {path} is missing; run python -m benchmarks.mf first", file=sys.stderr)
        return 2
    body = section(json.loads(path.read_text()))
    text = args.readme.read_text()
    args.readme.write_text(replace_block(text, "mf-results", body))
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
