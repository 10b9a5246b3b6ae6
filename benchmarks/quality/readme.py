"""Copy the search-quality headline from a results JSON into the README (between markers).

``python -m benchmarks.quality.readme [RESULTS_JSON] [README]`` rewrites only the block between
``<!-- quality-claim:start -->`` and ``<!-- quality-claim:end -->``; the numbers come from the
file, never by hand.

Example:
    >>> s = {"ranking": [[1, "a", 50.0], [2, "hpsearch:bayes", 40.0]],
    ...      "suite": {"a": [50.0, 2.0], "hpsearch:bayes": [40.0, 3.0]}}
    >>> _standing(s)
    'ranks 2nd of 2 (40.0 ± 3.0; best: `a` 50.0 ± 2.0)'
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from benchmarks.quality.report import _ordinal, replace_block

__all__ = ["claim", "copy_claim"]

ROOT = Path(__file__).resolve().parents[2]
BAYES = "hpsearch:bayes"


def _standing(s: dict[str, Any]) -> str:
    ranking = [r for r in s["ranking"] if r[2] is not None]
    place = next(r[0] for r in ranking if r[1] == BAYES)
    mean, se = s["suite"][BAYES]
    other = next(r for r in ranking if r[1] != BAYES)
    o_mean, o_se = s["suite"][other[1]]
    relation = "next" if place == 1 else "best"
    return (
        f"ranks {_ordinal(place)} of {len(ranking)} ({mean:.1f} ± {se:.1f}; "
        f"{relation}: `{other[1]}` {o_mean:.1f} ± {o_se:.1f})"
    )


def claim(data: dict[str, Any]) -> str:
    """The README paragraph for one results file."""
    config, summary = data["config"], data["summary"]
    budget = str(sorted(config["budgets"])[len(config["budgets"]) // 2])
    done = {r["problem"] for r in data.get("runs", [])} or set(config["problems"])
    n_test = len([p for p in config["problems"] if p in _test_names() and p in done])
    parts = []
    for w, part in summary.get("test", {}).items():
        s = part["trials"][budget]
        if BAYES in s["suite"]:
            parts.append(f"with {w} worker{'s' if w != '1' else ''} `bayes` {_standing(s)}")
    body = "; ".join(parts) if parts else "`bayes` was not run"
    missing = data.get("missing_runs") or 0
    if missing:
        body += (
            f" (**partial**: {missing} of the tier's runs had not finished, so this covers "
            "only the problems that did)"
        )
    return (
        f"On the held-out `test` problems of the `{data['tier']}` benchmark tier "
        f"({n_test} problems never looked at while designing strategies; {data['date'][:10]}; "
        f"score 0 = random search over {config['baseline_seeds']} seeds, 100 = best found by "
        f"any method; {config['seeds']} seeds per method, {budget} trials): {body}. "
        "Every peer's numbers, the `dev` split and the other budgets are in "
        "[benchmarks/RESULTS.md](benchmarks/RESULTS.md)."
    )


def _test_names() -> set[str]:
    from benchmarks.quality.problems import SPLIT

    return set(SPLIT["test"])


def copy_claim(json_path: Path, readme: Path) -> None:
    """Rewrite ``readme``'s quality-claim block from ``json_path``."""
    data = json.loads(json_path.read_text())
    text = readme.read_text() if readme.exists() else ""
    readme.write_text(
        replace_block(text, "quality-claim", claim(data), heading="## Where hpsearch stands")
    )


def main(argv: list[str]) -> int:
    json_path = Path(argv[0]) if argv else ROOT / "benchmarks/results/quality_quick.json"
    readme = Path(argv[1]) if len(argv) > 1 else ROOT / "README.md"
    copy_claim(json_path, readme)
    print(f"copied the headline of {json_path} into {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
