"""Run every (problem, method, seed) of a tier, in worker processes, and keep the raw values.

One run per (problem, method, seed, workers) with ``max(budgets)`` trials; the smaller budgets
are read from its best-so-far curve. The random baseline runs ``baseline_seeds`` seeds (at least
20, so the zero point of the score is not one lucky run), the other methods ``seeds``; a
sequential-only method runs only with one worker. Finished runs are appended to a JSON-lines
file as they end, so an interrupted tier resumes where it stopped (``fresh=True`` starts over).

Example:
    >>> tier = Tier("demo", problems=("branin",), methods=("hpsearch:random",), seeds=1,
    ...             budgets=(3,), baseline_seeds=1)
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
from itertools import zip_longest
from pathlib import Path
from typing import Any

from benchmarks.quality.methods import METHODS, RANDOM_BASELINE
from benchmarks.quality.problems import PROBLEMS, SPLIT

__all__ = ["TIERS", "Tier", "run_one", "run_tier", "select", "validate"]

ALL_METHODS = tuple(METHODS)
#: Rough relative cost, to start the slow runs first and balance the workers.
_COST = {
    "hebo": 40,
    "smac:bb": 12,
    "smac:hpo": 5,
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
    """What to run: problems x methods x seeds x workers, scored at each budget.

    Attributes:
        workers: Parallel settings (1 = sequential); each is a separate run.
        baseline_seeds: Seeds of the random baseline (the zero point of the score).
    """

    name: str
    problems: tuple[str, ...]
    methods: tuple[str, ...] = ALL_METHODS
    seeds: int = 5
    budgets: tuple[int, ...] = (15, 30, 60)
    workers: tuple[int, ...] = (1,)
    baseline_seeds: int = 20
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n_trials(self) -> int:
        return max(self.budgets)

    def seeds_of(self, method: str) -> int:
        return max(self.seeds, self.baseline_seeds) if method == RANDOM_BASELINE else self.seeds

    def tasks(self) -> list[tuple[str, str, int, int]]:
        """``(problem, method, seed, workers)`` for every run, problem by problem (test and dev
        alternating, so a tier stopped early has whole problems of both splits), one worker
        before several, the expensive methods first."""
        tasks = [
            (p, m, s, w)
            for w in self.workers
            for p in self.problems
            for m in self.methods
            if w == 1 or METHODS[m].parallel
            for s in range(self.seeds_of(m))
        ]
        test = [p for p in self.problems if p in SPLIT["test"]]
        dev = [p for p in self.problems if p not in SPLIT["test"]]
        order = {p: i for i, p in enumerate(x for pair in zip_longest(test, dev) for x in pair)}
        return sorted(tasks, key=lambda t: (order[t[0]], t[3], -_COST.get(t[1], 1)))


#: The quick tier's methods: ``bayes`` and the peers that cost seconds, not minutes, per run.
QUICK_METHODS = (
    "hpsearch:bayes",
    "hpsearch:random",
    "optuna:tpe",
    "optuna:gp",
    "optuna:cmaes",
    "skopt:gp_minimize",
    "hyperopt:tpe",
    "smac:hpo",
    "sklearn:random",
)
#: The quick tier's problems: a fixed few of each split, cheap to evaluate.
QUICK_DEV = ("branin", "conditional3", "knn_wine")
QUICK_TEST = ("michalewicz5", "int_rosenbrock4", "nested_model", "bm_knn_wine_acc")

TIERS: dict[str, Tier] = {
    "tiny": Tier(
        "tiny",
        problems=("branin", "elasticnet_diabetes"),
        methods=("hpsearch:random", "sklearn:random"),
        seeds=2,
        budgets=(5,),
        baseline_seeds=2,
        notes="A smoke test of the harness.",
    ),
    "quick": Tier(
        "quick",
        problems=QUICK_DEV + QUICK_TEST,
        methods=QUICK_METHODS,
        seeds=3,
        budgets=(15, 30),
        workers=(1, 4),
        notes="3 dev + 4 test problems, 3 seeds (random search 20), budgets 15 and 30, 1 and "
        "4 workers; HEBO and SMAC's BlackBoxFacade left out (HEBO takes about 30 s per "
        "suggestion on this machine), and hpsearch's other strategies.",
    ),
    "full": Tier(
        "full",
        problems=tuple(PROBLEMS),
        seeds=10,
        budgets=(15, 30, 60),
        workers=(1, 4, 16),
        notes="Every problem and method, peers at their defaults.",
    ),
}
assert set(QUICK_DEV) <= set(SPLIT["dev"]) and set(QUICK_TEST) <= set(SPLIT["test"])


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
    parts = [
        "benchmarks/quality/problems.py",
        "benchmarks/quality/synthetic.py",
        "benchmarks/quality/tabular.py",
        "benchmarks/quality/bayesmark.py",
        "benchmarks/quality/simulate.py",
    ]
    parts += ["benchmarks/quality/methods.py", "benchmarks/quality/peers.py"]
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
    problem: str, method: str, seed: int, n_trials: int, workers: int = 1
) -> dict[str, Any]:
    """One run as a record: its values and simulated finish times in order of completion,
    wall and CPU seconds, any error."""
    _quiet_libraries()
    version = code_version(method)
    wall, cpu = time.perf_counter(), time.process_time()
    error = None
    try:
        values, times = METHODS[method].run(PROBLEMS[problem], seed, n_trials, workers)
    except Exception as exc:  # reported in the results, the tier goes on
        values, times, error = [], [], f"{type(exc).__name__}: {exc}"
    return {
        "problem": problem,
        "method": method,
        "seed": seed,
        "n_trials": n_trials,
        "workers": workers,
        "values": [None if v != v else float(v) for v in values],  # nan -> null in JSON
        "times": [float(t) for t in times],
        "seconds": time.perf_counter() - wall,
        "cpu_seconds": time.process_time() - cpu,
        "error": error,
        "version": version,
    }


def _run_task(args: tuple[str, str, int, int, int]) -> dict[str, Any]:
    return run_one(*args)


def _key(r: dict[str, Any]) -> tuple[str, str, int, int, int]:
    return (r["problem"], r["method"], int(r["seed"]), int(r["n_trials"]), int(r["workers"]))


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
    if not tier.workers or min(tier.workers) < 1:
        raise ValueError(f"workers must be positive, got {tier.workers}")


def run_tier(
    tier: Tier,
    *,
    jobs: int = 1,
    runs_file: Path | None = None,
    fresh: bool = False,
    progress: Callable[[dict[str, Any], int, int], None] | None = None,
    run_missing: bool = True,
) -> list[dict[str, Any]]:
    """Run (or resume) every run of ``tier``; the records in task order.

    Args:
        jobs: Worker processes (1 runs in this process).
        runs_file: JSON-lines file of finished runs, read to resume and appended to.
        fresh: Ignore (and truncate) ``runs_file``.
        progress: Called with each finished record, the count done and the total.
        run_missing: False: only the finished runs of ``runs_file`` (a report of a tier that
            could not finish; the report counts what is missing).
    """
    validate(tier)
    if runs_file is not None:
        runs_file.parent.mkdir(parents=True, exist_ok=True)
        if fresh:
            runs_file.write_text("")
    done = _load(runs_file)
    tasks = [(p, m, s, tier.n_trials, w) for p, m, s, w in tier.tasks()]
    todo = [t for t in tasks if t not in done] if run_missing else []
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
    workers: Iterable[int] | None = None,
    baseline_seeds: int | None = None,
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
    if workers is not None:
        changes["workers"] = tuple(sorted(workers))
    if baseline_seeds is not None:
        changes["baseline_seeds"] = baseline_seeds
    return replace(tier, **changes)
