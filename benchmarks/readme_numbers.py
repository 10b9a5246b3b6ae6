"""Copy the README's benchmark numbers from the generated results files; none is typed by hand.

The paragraph between ``<!-- numbers:start -->`` and ``<!-- numbers:end -->`` in README.md is
rendered from ``benchmarks/results/overhead.json`` (``python -m benchmarks.overhead``) and
``benchmarks/results/ray_overhead.json`` (``python -m benchmarks.ray_overhead``). Run:

    python -m benchmarks.readme_numbers          # rewrite the paragraph
    python -m benchmarks.readme_numbers --check  # exit 1 when README.md disagrees

``tests/benchmarks/test_readme_numbers.py`` fails when they disagree.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"
RESULTS = HERE / "results"
START, END = "<!-- numbers:start -->", "<!-- numbers:end -->"
OPTUNA_JOURNAL = "Optuna, RandomSampler, JournalFileBackend"
HPSEARCH_JOURNAL = "hpsearch, random, journal study (fsync per trial)"
TUNE_REUSE = "Ray Tune 2.60, `reuse_actors=True`"
ENGINE = '`hpsearch.run(executor="ray")`, 2 workers, journal on disk'


def load_results(folder: Path = RESULTS) -> dict[str, Any]:
    """The results files the paragraph is made from (search quality has its own block, written
    by ``python -m benchmarks.quality.readme``)."""
    return {
        name: json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        for name in ("overhead", "ray_overhead")
    }


def _overhead(overhead: Mapping[str, Any], ray: Mapping[str, Any]) -> str:
    rows = {r["name"]: r for r in overhead["rows"]}
    ours, optuna = rows[HPSEARCH_JOURNAL], rows[OPTUNA_JOURNAL]
    ray_rows = {r["configuration"]: r for r in ray["rows"]}
    engine, tune = ray_rows[ENGINE], ray_rows.get(TUNE_REUSE)
    text = (
        "hpsearch's own overhead per trial is "
        f"{ours['ratio_vs_optuna_journal']:.2f}x Optuna's with a journal file "
        f"({ours['ms_per_trial']:.1f} ms against {optuna['ms_per_trial']:.1f} ms, "
        f"durable, {overhead['trials']} trials), and on Ray "
        f"{engine['marginal_s'] * 1e3:.1f} ms per trial marginal "
        f"({engine['with_startup_s'] * 1e3:.1f} ms with start-up, {engine['trials']} trials)"
    )
    if tune is not None:
        text += (
            f" against {tune['marginal_s'] * 1e3:.1f} ms marginal "
            f"({tune['with_startup_s'] * 1e3:.1f} ms with start-up) for Ray Tune with reused "
            "actors"
        )
    loads = [
        f"{r['load_average']:.1f}" for r in (overhead, ray) if r.get("load_average") is not None
    ]
    if loads:
        text += f" (load average {' and '.join(loads)} on {ray['cores']} cores when measured)"
    return text + "."


def render(results: Mapping[str, Any]) -> str:
    """The README paragraph for these results (wrapped at 100 columns)."""
    text = (
        _overhead(results["overhead"], results["ray_overhead"])
        + " Tables and how to reproduce them are in "
        "[benchmarks/RESULTS.md](benchmarks/RESULTS.md); these numbers are copied from "
        "`benchmarks/results/*.json` by `python -m benchmarks.readme_numbers`."
    )
    return textwrap.fill(text, 100, break_long_words=False, break_on_hyphens=False)


def readme_block(text: str) -> str:
    """The paragraph between the markers of ``text`` (README.md)."""
    if START not in text or END not in text:
        raise ValueError(f"README.md has no {START} ... {END} block")
    return text.split(START, 1)[1].split(END, 1)[0].strip()


def replace_block(text: str, paragraph: str) -> str:
    head, rest = text.split(START, 1)
    return f"{head}{START}\n{paragraph}\n{END}{rest.split(END, 1)[1]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when README.md disagrees")
    args = parser.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    paragraph = render(load_results())
    if args.check:
        if readme_block(text) != paragraph:
            print("README.md's numbers differ from benchmarks/results/*.json", file=sys.stderr)
            return 1
        return 0
    README.write_text(replace_block(text, paragraph), encoding="utf-8")
    print(f"wrote the numbers paragraph of {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
