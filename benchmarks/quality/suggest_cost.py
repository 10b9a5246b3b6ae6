"""CPU seconds per suggestion with 200 finished trials of 20 parameters, hpsearch against its
peers (CPU time of the process, all its threads: on a shared machine wall time mostly measures
the other tenants).

Each optimizer is first told 200 random points of a 20-float problem (not timed; the peers
that cannot be told points they did not suggest, Hyperopt, run 200 suggestions of their own),
then asked for 3 more points, each told at once; the median of those 3 is reported.
``python -m benchmarks.quality.suggest_cost [--hebo]`` prints a markdown table and writes
``benchmarks/results/suggest_cost.json``; ``RESULTS.md`` gets the table.

Example:
    >>> round(_value({f"x{i}": 0.3 for i in range(N_PARAMS)}), 6)
    0.0
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.quality.report import write_section

__all__ = ["measure", "table"]

N_PARAMS, N_TOLD, N_TIMED = 20, 200, 3
SPACE = {f"x{i}": {"type": "float", "low": 0.0, "high": 1.0} for i in range(N_PARAMS)}
OUT = Path(__file__).resolve().parents[1] / "results" / "suggest_cost.json"
RESULTS = Path(__file__).resolve().parents[1] / "RESULTS.md"


def _value(p: dict[str, Any]) -> float:
    return float(sum((p[f"x{i}"] - 0.3) ** 2 for i in range(N_PARAMS)))


def _points(n: int) -> list[dict[str, float]]:
    rng = np.random.default_rng(0)
    return [{f"x{i}": float(v) for i, v in enumerate(row)} for row in rng.random((n, N_PARAMS))]


def _timed(ask_tell: Callable[[], None]) -> float:
    times = []
    for _ in range(N_TIMED):
        start = time.process_time()
        ask_tell()
        times.append(time.process_time() - start)
    return statistics.median(times)


def _optuna_like(strategy: str | None, sampler: str | None) -> float:
    import optuna

    import hpsearch
    from hpsearch.strategies import distributions, make_strategy

    config = hpsearch.load_space({"parameters": SPACE})
    if strategy is not None:
        s = make_strategy(config, name=strategy, seed=0, budget=N_TOLD)  # bayes: gp up to 200
        study = s._study()
    else:
        kinds = {"tpe": optuna.samplers.TPESampler, "gp": optuna.samplers.GPSampler}
        kinds["cmaes"] = optuna.samplers.CmaEsSampler
        study = optuna.create_study(sampler=kinds[str(sampler)](seed=0))
    dists = distributions(config.space)
    for p in _points(N_TOLD):
        study.add_trial(optuna.trial.create_trial(params=p, distributions=dists, value=_value(p)))
    if strategy is not None:

        def step() -> None:
            sug = s.ask()
            s.tell(sug, _value(sug.params))
    else:

        def step() -> None:
            trial = study.ask(dists)
            study.tell(trial, _value(trial.params))

    return _timed(step)


def _skopt() -> float:
    from skopt import Optimizer

    opt = Optimizer([(0.0, 1.0)] * N_PARAMS, random_state=0)
    points = _points(N_TOLD)
    opt.tell([[p[f"x{i}"] for i in range(N_PARAMS)] for p in points], [_value(p) for p in points])

    def step() -> None:
        x = opt.ask()
        opt.tell(x, _value({f"x{i}": v for i, v in enumerate(x)}))

    return _timed(step)


def _smac() -> float:
    from benchmarks.quality.base import Problem
    from benchmarks.quality.peers import _Smac

    problem = Problem("cost20", "synthetic", SPACE, _value)
    runner = _Smac(problem, "hpo", 0, N_TOLD + N_TIMED + 5, 1)
    from ConfigSpace import Configuration
    from smac.runhistory.dataclasses import TrialInfo, TrialValue

    space = runner.smac._scenario.configspace
    for p in _points(N_TOLD):
        info = TrialInfo(Configuration(space, values=p), seed=0)
        runner.smac.tell(info, TrialValue(cost=_value(p)))

    def step() -> None:
        token, params = runner.ask()
        runner.tell(token, _value(params))

    return _timed(step)


def _hyperopt() -> float:
    from hyperopt import Trials, fmin, hp, tpe

    space = {k: hp.uniform(k, 0.0, 1.0) for k in SPACE}
    trials = Trials()
    rng = np.random.default_rng(0)

    def run(n: int) -> None:
        fmin(
            _value,
            space,
            tpe.suggest,
            max_evals=n,
            trials=trials,
            rstate=rng,
            show_progressbar=False,
        )

    run(N_TOLD)
    start = time.process_time()
    run(N_TOLD + N_TIMED)
    return (time.process_time() - start) / N_TIMED


def _hebo() -> float:
    import pandas as pd

    from benchmarks.quality.base import Problem
    from benchmarks.quality.peers import _Hebo

    runner = _Hebo(Problem("cost20", "synthetic", SPACE, _value), 0)
    points = _points(N_TOLD)
    runner.opt.observe(pd.DataFrame(points), np.array([[_value(p)] for p in points]))

    def step() -> None:
        ((row, params),) = runner.ask_batch(1)
        runner.tell_batch([(row, _value(params))])

    return _timed(step)


MEASURES: dict[str, Callable[[], float]] = {
    "hpsearch:bayes": lambda: _optuna_like("bayes", None),
    "optuna:tpe": lambda: _optuna_like(None, "tpe"),
    "optuna:gp": lambda: _optuna_like(None, "gp"),
    "optuna:cmaes": lambda: _optuna_like(None, "cmaes"),
    "skopt (Optimizer)": _skopt,
    "hyperopt:tpe": _hyperopt,
    "smac:hpo": _smac,
    "hebo": _hebo,
}


def measure(names: list[str]) -> dict[str, float | str]:
    """Seconds per suggestion for each method (an error message where one failed)."""
    out: dict[str, float | str] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import optuna

        optuna.logging.set_verbosity(optuna.logging.ERROR)
        for name in names:
            try:
                out[name] = MEASURES[name]()
            except Exception as exc:  # reported in the table
                out[name] = f"{type(exc).__name__}: {exc}"
            print(f"{name}: {out[name]}", file=sys.stderr, flush=True)
    return out


def table(results: dict[str, float | str]) -> str:
    """Markdown: method, CPU seconds per suggestion, ratio to ``hpsearch:bayes``."""
    mine = results.get("hpsearch:bayes")
    lines = [
        f"CPU seconds per suggestion (ask and tell) after {N_TOLD} finished trials of "
        f"{N_PARAMS} float parameters (median of {N_TIMED}; one process, all its threads, "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}; "
        "`python -m benchmarks.quality.suggest_cost`).",
        "",
        "| method | CPU s / suggestion | x hpsearch:bayes |",
        "| --- | --- | --- |",
    ]
    for name, value in results.items():
        if isinstance(value, float):
            ratio = f"{value / mine:.2f}" if isinstance(mine, float) and mine > 0 else "n/a"
            lines.append(f"| `{name}` | {value:.3f} | {ratio} |")
        else:
            lines.append(f"| `{name}` | failed: {value} | n/a |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quality.suggest_cost")
    parser.add_argument("--hebo", action="store_true", help="include HEBO (minutes)")
    parser.add_argument("--json", type=Path, default=OUT)
    parser.add_argument(
        "--from-json", action="store_true", help="measure nothing: table the --json file"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="results markdown to update")
    args = parser.parse_args(argv)
    if args.from_json:
        results = json.loads(args.json.read_text())["seconds"]
    else:
        names = [n for n in MEASURES if n != "hebo" or args.hebo]
        results = measure(names)
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"n_params": N_PARAMS, "n_told": N_TOLD, "seconds": results}
        args.json.write_text(json.dumps(payload, indent=1) + "\n")
    text = table(results)
    write_section(args.out, "quality-cost", text, heading="## Seconds per suggestion")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
