"""Real study journals for the storage tests, made by running small real sweeps.

Each sweep: a Python objective over 40 trials that reports intermediate values (so the median
pruner stops some), raises for one category (FAILED trials with their reason; each is retried
once, as an enqueued trial created from a template), and completes the rest. ``make_sweep`` runs
it once; tests copy the directory and damage the copy."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import hpsearch
from hpsearch.storage import SweepDirectory
from hpsearch.storage._lines import CRC_KEY, decode_line
from hpsearch.storage._reader import JournalReader, open_journal_storage

TRIALS = 40

SPACE: dict[str, Any] = {
    "name": "journal-fuzz",
    "objective": {"type": "python", "function": "tests.storage.journals:curve"},
    "strategy": {"name": "random", "seed": 11},
    "budget": {"trials": TRIALS, "max_retries": 1},
    "pruner": {"type": "median", "n_startup_trials": 4},
    "parameters": {
        "x": {"type": "float", "low": -1.0, "high": 1.0},
        "depth": {"type": "int", "low": 1, "high": 6},
        "kind": {"type": "categorical", "choices": ["a", "b", "c", "d", "e", "broken"]},
    },
}


def curve(params: dict[str, Any], trial: Any) -> float:
    """A learning curve: intermediate values per step, pruned or failed now and then."""
    if params["kind"] == "broken":
        raise ValueError(f"kind 'broken' at x={params['x']:.3f}")
    loss = (params["x"] - 0.3) ** 2 + 0.05 * params["depth"]
    for step in range(4):
        trial.report(loss + 1.0 / (step + 1), step)
        if trial.should_prune():
            raise hpsearch.TrialPruned()
    return loss


def slow_curve(params: dict[str, Any], trial: Any) -> float:
    """:func:`curve`, a little slower: for sweeps that are read while they run."""

    time.sleep(0.1)
    return curve(params, trial)


def make_sweep(out: Path, *, workers: int = 1, trials: int = TRIALS) -> Path:
    """Run the sweep into ``out`` (a real run: driver, executor, journal, outputs)."""
    result = hpsearch.run(SPACE, out=out, workers=workers, seed=11, trials=trials, report=False)
    states = set(result.trials["state"])
    assert {"COMPLETE", "PRUNED", "FAILED"} <= states, states
    return out


def copy_sweep(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def strip_checksums(journal: Path) -> None:
    """Rewrite a journal as hpsearch 0.1 and Optuna write it: no checksum field."""

    lines = journal.read_bytes().split(b"\n")[:-1]
    ops = [decode_line(line) for line in lines]
    assert all(CRC_KEY not in op for op in ops)
    text = "".join(json.dumps(op, separators=(",", ":")) + "\n" for op in ops)
    journal.write_text(text, encoding="utf-8")


def trial_records(directory: Path) -> list[tuple[Any, ...]]:
    """Everything the study says about each trial, comparable across runs and repairs."""

    study, _ = SweepDirectory(directory).load_study()
    return [
        (
            t.number,
            t.state.name,
            t.params,
            t.values,
            dict(t.intermediate_values),
            dict(t.user_attrs),
            t.datetime_start,
            t.datetime_complete,
        )
        for t in study.get_trials(deepcopy=False)
    ]


def journal_trials(journal: Path) -> dict[int, tuple[Any, ...]]:
    """Every trial a reader sees in ``journal``: number -> (state, params, values, reports,
    user attributes)."""

    storage = open_journal_storage(JournalReader(journal))
    studies = storage.get_all_studies()
    if not studies:  # the driver created the file and has not written the study yet
        return {}
    (study,) = studies
    return {
        t.number: (
            t.state.name,
            t.params,
            t.values,
            dict(t.intermediate_values),
            dict(t.user_attrs),
        )
        for t in storage.get_all_trials(study._study_id, deepcopy=False)
    }


def complete_trials(journal: Path) -> dict[int, tuple[Any, ...]]:
    """The COMPLETE trials a reader sees in ``journal``."""
    return {n: t for n, t in journal_trials(journal).items() if t[0] == "COMPLETE"}


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory`` (hidden ones too) with its bytes."""
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }
