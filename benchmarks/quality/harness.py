"""Run every (problem, method, seed) of a tier, in worker processes, and keep the raw values.

One run per (problem, method, seed) with ``max(budgets)`` trials; the smaller budgets are read
from its best-so-far curve. Finished runs are appended to a JSON-lines file as they end, so an
interrupted tier resumes where it stopped (``fresh=True`` starts over).

Example:
    >>> tier = Tier("demo", problems=("branin",), methods=("hpsearch:random",), seeds=1,
    ...             budgets=(3,))
    >>> [r["method"] for r in run_tier(tier, jobs=1)]
    ['hpsearch:random']
"""

from __future__ import annotations

import ast
import hashlib
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from benchmarks.quality.methods import METHODS
from benchmarks.quality.problems import PROBLEMS, SKLEARN, SYNTHETIC

__all__ = ["TIERS", "Tier", "run_one", "run_tier", "select", "validate"]

ALL_METHODS = tuple(METHODS)
#: Rough relative cost, to start the slow runs first and balance the workers.
_COST = {
    "skopt:gp_minimize": 6,
    "hpsearch:skopt": 6,
    "hpsearch:gp": 3,
    "optuna:gp": 3,
    "hpsearch:bayes": 3,
}
_THREAD_VARS = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


@dataclass(frozen=True)
class Tier:
    """What to run: problems x methods x seeds, scored at each budget.

    Attributes:
        capped: Cheaper settings for the GP-based peers (see :mod:`.methods`).
    """

    name: str
    problems: tuple[str, ...]
    methods: tuple[str, ...] = ALL_METHODS
    seeds: int = 5
    budgets: tuple[int, ...] = (20, 50, 100)
    capped: bool = False
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n_trials(self) -> int:
        return max(self.budgets)

    def tasks(self) -> list[tuple[str, str, int]]:
        """``(problem, method, seed)`` for every run, the expensive ones first."""
        tasks = [(p, m, s) for p in self.problems for m in self.methods for s in range(self.seeds)]
        kind = {p.name: (2 if p.kind == "sklearn" else 1) for p in SYNTHETIC + SKLEARN}
        return sorted(tasks, key=lambda t: -_COST.get(t[1], 1) * kind.get(t[0], 1))


TIERS: dict[str, Tier] = {
    "tiny": Tier(
        "tiny",
        problems=("branin", "elasticnet_diabetes"),
        methods=("hpsearch:random", "sklearn:random"),
        seeds=2,
        budgets=(5,),
        capped=True,
        notes="A smoke test of the harness.",
    ),
    "quick": Tier(
        "quick",
        problems=(*(p.name for p in SYNTHETIC), "knn_wine", "elasticnet_diabetes"),
        seeds=5,
        budgets=(20, 50),
        capped=True,
        notes="Synthetic functions + 2 cheap sklearn problems; gp_minimize's "
        "acquisition is optimized by sampling (capped).",
    ),
    "full": Tier(
        "full",
        problems=tuple(PROBLEMS),
        seeds=5,
        budgets=(20, 50, 100),
        notes="Every problem and method, peers at their defaults.",
    ),
}


def _limit_threads() -> None:
    """In a worker: one thread for BLAS/OpenMP/torch (the workers are the parallelism)."""
    for var in _THREAD_VARS:
        os.environ[var] = "1"
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def _fingerprint(*globs: str) -> str:
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.sha1()
    for pattern in globs:
        for path in sorted(root.glob(pattern)):
            # The syntax tree, not the bytes: reformatting or comments do not invalidate runs.
            tree = ast.dump(ast.parse(path.read_text()))
            digest.update(path.name.encode() + b"\0" + tree.encode())
    return digest.hexdigest()[:12]


def code_version(method: str) -> str:
    """A hash of the code a method's values depend on (the problems; for ``hpsearch:<name>``
    the space, the strategy base and ``_<name>.py``, all strategies for ``bayes``): a finished
    run is reused only while it is unchanged."""
    parts = ["benchmarks/quality/problems.py", "benchmarks/quality/methods.py"]
    if method == "hpsearch:bayes":
        parts += ["hpsearch/strategies/*.py", "hpsearch/space/*.py"]
    elif method.startswith("hpsearch:"):
        name = method.split(":", 1)[1]
        parts += [f"hpsearch/strategies/{f}.py" for f in ("__init__", "_base", "_factory")]
        parts += [f"hpsearch/strategies/_{name}.py", "hpsearch/space/*.py"]
    return _fingerprint(*parts)


def _quiet_libraries() -> None:
    import warnings

    warnings.filterwarnings("ignore")
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)


def run_one(
    problem: str, method: str, seed: int, n_trials: int, capped: bool = False
) -> dict[str, Any]:
    """One run as a record: its values in trial order, wall and CPU seconds, any error."""
    _quiet_libraries()
    version = code_version(method)
    wall, cpu = time.perf_counter(), time.process_time()
    error = None
    try:
        values = METHODS[method](PROBLEMS[problem], seed, n_trials, capped)
    except Exception as exc:  # reported in the results, the tier goes on
        values, error = [], f"{type(exc).__name__}: {exc}"
    return {
        "problem": problem,
        "method": method,
        "seed": seed,
        "n_trials": n_trials,
        "capped": capped,
        "values": [None if v != v else float(v) for v in values],  # nan -> null in JSON
        "seconds": time.perf_counter() - wall,
        "cpu_seconds": time.process_time() - cpu,
        "error": error,
        "version": version,
    }


def _run_task(args: tuple[str, str, int, int, bool]) -> dict[str, Any]:
    return run_one(*args)


def _key(r: dict[str, Any]) -> tuple[str, str, int, int, bool]:
    return (r["problem"], r["method"], int(r["seed"]), int(r["n_trials"]), bool(r["capped"]))


def _load(path: Path | None) -> dict[tuple, dict[str, Any]]:
    if path is None or not path.exists():
        return {}
    done = {}
    versions: dict[str, str] = {}
    for line in path.read_text().splitlines():
        try:
            record = json.loads(line)
            method = record["method"]
            if method not in versions:
                versions[method] = code_version(method)
            if record.get("error") is None and record.get("version") == versions[method]:
                done[_key(record)] = record
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            continue  # a line cut short by an interruption
    return done


def validate(tier: Tier) -> None:
    """Raise ``KeyError`` for an unknown problem or method, ``ValueError`` for a bad budget."""
    for name in tier.problems:
        if name not in PROBLEMS:
            raise KeyError(f"unknown problem {name!r}; known: {', '.join(PROBLEMS)}")
    for name in tier.methods:
        if name not in METHODS:
            raise KeyError(f"unknown method {name!r}; known: {', '.join(METHODS)}")
    if not tier.budgets or min(tier.budgets) < 1 or tier.seeds < 1:
        raise ValueError(f"budgets and seeds must be positive, got {tier.budgets} and {tier.seeds}")


def run_tier(
    tier: Tier,
    *,
    jobs: int = 1,
    runs_file: Path | None = None,
    fresh: bool = False,
    progress: Callable[[dict[str, Any], int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """Run (or resume) every run of ``tier``; the records in task order.

    Args:
        jobs: Worker processes (1 runs in this process).
        runs_file: JSON-lines file of finished runs, read to resume and appended to.
        fresh: Ignore (and truncate) ``runs_file``.
        progress: Called with each finished record, the count done and the total.
    """
    validate(tier)
    if runs_file is not None:
        runs_file.parent.mkdir(parents=True, exist_ok=True)
        if fresh:
            runs_file.write_text("")
    done = _load(runs_file)
    tasks = [(p, m, s, tier.n_trials, tier.capped) for p, m, s in tier.tasks()]
    todo = [t for t in tasks if t not in done]
    records = {k: {**v, "reused": True} for k, v in done.items() if k in set(tasks)}
    total, count = len(tasks), len(records)

    def finished(record: dict[str, Any]) -> None:
        nonlocal count
        count += 1
        records[_key(record)] = record
        if runs_file is not None:
            with runs_file.open("a") as fh:
                fh.write(json.dumps(record) + "\n")
        if progress is not None:
            progress(record, count, total)

    if jobs <= 1 or len(todo) <= 1:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1):
            for task in todo:
                finished(_run_task(task))
    else:
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(jobs, initializer=_limit_threads, maxtasksperchild=20) as pool:
            for record in pool.imap_unordered(_run_task, todo):
                finished(record)
    return [records[t] for t in tasks if t in records]


def select(
    tier: Tier,
    *,
    problems: Iterable[str] | None = None,
    methods: Iterable[str] | None = None,
    seeds: int | None = None,
    budgets: Iterable[int] | None = None,
) -> Tier:
    """``tier`` restricted or changed (a reduced run of the full tier, for example)."""
    changes: dict[str, Any] = {}
    if problems is not None:
        changes["problems"] = tuple(problems)
    if methods is not None:
        changes["methods"] = tuple(methods)
    if seeds is not None:
        changes["seeds"] = seeds
    if budgets is not None:
        changes["budgets"] = tuple(sorted(budgets))
    return replace(tier, **changes)
