"""``hpsearch ensemble DIR``: build an ensemble from a sweep's stored predictions.

:func:`build_ensemble` loads the pool of candidates (:mod:`hpsearch.ensemble._sweep`), fits the
weights on every stored row (the in-sample figure), estimates the score honestly on rows the
selection did not see (:mod:`hpsearch.ensemble._nested`), and writes ``DIR/ensemble.yaml``:
members (trial numbers, params and weights summing to 1), the in-sample and nested scores with
their standard errors, and the best single trial's, so ``hpsearch retrain DIR --ensemble`` and
the report can use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from hpsearch.ensemble._nested import Estimate, nested_estimate
from hpsearch.ensemble._select import blend, check_method, fit_weights, rank_candidates
from hpsearch.ensemble._sweep import Pool, load_pool
from hpsearch.report import write_report
from hpsearch.storage import SweepDirectory, open_sweep, write_atomic

__all__ = ["ENSEMBLE_FILE", "EnsembleResult", "Member", "build_ensemble", "read_ensemble"]

ENSEMBLE_FILE = SweepDirectory.ENSEMBLE_FILE


@dataclass(frozen=True)
class Member:
    """One trial in the ensemble: its weight, params and its own out-of-fold score."""

    trial: int
    weight: float
    params: dict[str, Any]
    score: float
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass
class EnsembleResult:
    """What :func:`build_ensemble` found (also written to ``DIR/ensemble.yaml``)."""

    directory: Path
    method: str
    size: int
    metric: str
    goal: str
    members: list[Member]
    in_sample: float
    nested: Estimate
    best_single: Member
    best_single_nested: Estimate
    gain: Estimate
    n_rows: int
    n_candidates: int
    n_complete: int
    n_pruned: int
    n_splits: int
    n_repeats: int
    seed: int
    created: str = ""

    @property
    def weights(self) -> dict[int, float]:
        """Trial number -> weight (summing to 1)."""
        return {m.trial: m.weight for m in self.members}

    def to_dict(self) -> dict[str, Any]:
        """Plain data, as written to ``ensemble.yaml``."""
        best = self.best_single
        return {
            "method": self.method,
            "size": self.size,
            "metric": {"name": self.metric, "goal": self.goal},
            "members": [
                {
                    "trial": m.trial,
                    "weight": m.weight,
                    "score": m.score,
                    "params": m.params,
                    "metrics": m.metrics,
                }
                for m in self.members
            ],
            "in_sample": self.in_sample,
            "nested": {**self.nested.to_dict(), "splits": self.n_splits, "repeats": self.n_repeats},
            "best_single": {
                "trial": best.trial,
                "in_sample": best.score,
                "nested": self.best_single_nested.to_dict(),
                "params": best.params,
            },
            "gain": self.gain.to_dict(),
            "rows": self.n_rows,
            "candidates": self.n_candidates,
            "complete_trials": self.n_complete,
            "pruned_trials": self.n_pruned,
            "seed": self.seed,
            "created": self.created,
        }

    def summary(self) -> str:
        """A few lines for the terminal."""
        what = f"{self.size} rounds" if self.method == "greedy" else f"top {self.size}"
        lines = [
            f"ensemble of {len(self.members)} trial(s) by {self.method} ({what}) from "
            f"{self.n_candidates} candidate(s) over {self.n_rows} rows; "
            f"metric {self.metric} ({self.goal})",
            f"  {'trial':>6}  {'weight':>7}  {self.metric:>12}",
        ]
        for m in self.members:
            lines.append(f"  {m.trial:>6}  {m.weight:>7.3f}  {m.score:>12.6g}")
        nested = f"nested ({self.n_splits}-fold x {self.n_repeats})"
        lines += [
            f"  {'':<22}{'in-sample':>12}  {nested:>24}",
            f"  {'ensemble':<22}{self.in_sample:>12.6g}  {_pm(self.nested):>24}",
            f"  {f'best single (#{self.best_single.trial})':<22}{self.best_single.score:>12.6g}"
            f"  {_pm(self.best_single_nested):>24}",
            f"  {'gain (+ = ensemble)':<22}{'':>12}  {_pm(self.gain, sign=True):>24}",
        ]
        if self.n_pruned:
            lines.append(
                f"note: {self.n_pruned} pruned trial(s) (fold racing or the pruner) stored no "
                "predictions; 'racing: false' in a sklearn objective keeps every trial a "
                "candidate"
            )
        return "\n".join(lines)


def _pm(est: Estimate, *, sign: bool = False) -> str:
    mean = f"{est.mean:+.4g}" if sign else f"{est.mean:.6g}"
    return f"{mean} ± {est.se:.2g}"


def build_ensemble(
    directory: str | Path,
    *,
    size: int | None = None,
    method: str = "greedy",
    n_splits: int = 5,
    n_repeats: int = 3,
    seed: int = 0,
    write: bool = True,
    report: bool = True,
) -> EnsembleResult:
    """Build an ensemble of the sweep in ``directory`` from its stored predictions.

    Args:
        directory: a sweep directory whose objective had ``ensemble: {keep: K}``.
        size: greedy rounds (default 25), or the number of best trials that ``average``
            (default 5) or ``stack`` (default 10) uses.
        method: ``greedy`` (Caruana's selection with replacement), ``average`` or ``stack``.
        n_splits, n_repeats, seed: the nested estimate's parts, shufflings and seed.
        write: write ``DIR/ensemble.yaml``; report: then refresh ``DIR/report.html``.

    Example:
        >>> # result = build_ensemble("runs/svm-digits", method="greedy")
        >>> # result.nested.mean, result.best_single_nested.mean, result.weights
    """
    size = check_method(method, size)
    pool = load_pool(directory)
    result = _evaluate(pool, method, size, n_splits=n_splits, n_repeats=n_repeats, seed=seed)
    if write:
        _write(result)
        if report:
            _refresh_report(result.directory)
    return result


def _evaluate(
    pool: Pool, method: str, size: int, *, n_splits: int, n_repeats: int, seed: int
) -> EnsembleResult:
    P, y, metric = pool.predictions, pool.y, pool.metric
    weights = fit_weights(method, P, y, metric, size)
    singles = metric.score_many(y, P)
    best = int(rank_candidates(P, y, metric)[0])
    nested = nested_estimate(
        P,
        y,
        metric,
        lambda p, t: fit_weights(method, p, t, metric, size),
        n_splits=n_splits,
        n_repeats=n_repeats,
        seed=seed,
    )
    members = [
        _member(pool, j, float(weights[j]), float(singles[j]))
        for j in sorted(np.flatnonzero(weights).tolist(), key=lambda j: (-weights[j], j))
    ]
    return EnsembleResult(
        directory=pool.directory,
        method=method,
        size=size,
        metric=metric.name,
        goal=metric.goal,
        members=members,
        in_sample=metric.score(y, blend(P, weights)),
        nested=nested.ensemble,
        best_single=_member(pool, best, 1.0, float(singles[best])),
        best_single_nested=nested.single,
        gain=nested.gain,
        n_rows=len(y),
        n_candidates=len(pool.candidates),
        n_complete=pool.n_complete,
        n_pruned=pool.n_pruned,
        n_splits=nested.n_splits,
        n_repeats=nested.n_repeats,
        seed=seed,
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )


def _member(pool: Pool, j: int, weight: float, score: float) -> Member:
    cand = pool.candidates[j]
    return Member(cand.number, weight, dict(cand.params), score, dict(cand.metrics))


def _write(result: EnsembleResult) -> Path:
    path = SweepDirectory(result.directory).ensemble_file
    text = (
        "# Ensemble of this sweep's trials, built by `hpsearch ensemble`; weights sum to 1.\n"
        "# 'nested' scores rows the selection did not see (the honest figure); 'in_sample'\n"
        "# scores the rows it chose on. Train it with `hpsearch retrain DIR --ensemble`.\n"
        + yaml.safe_dump(_plain(result.to_dict()), sort_keys=False, allow_unicode=True)
    )
    write_atomic(path, text)
    return path


def read_ensemble(directory: str | Path) -> dict[str, Any] | None:
    """``DIR/ensemble.yaml`` as a dict, or None when there is none."""
    path = SweepDirectory(directory).ensemble_file
    if not path.exists():
        return None
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _refresh_report(directory: Path) -> None:
    write_report([open_sweep(directory)], SweepDirectory(directory).report_file)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if hasattr(value, "item"):
        return _plain(value.item())
    return value
