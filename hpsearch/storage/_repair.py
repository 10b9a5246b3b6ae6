"""``hpsearch repair``: rewrite a damaged study journal, keeping every trial it can vouch for.

What is kept and why is decided in :mod:`hpsearch.storage._repair_plan`. Here the repaired
journal is written (checksummed), checked (Optuna must replay it with every trial, numbered as
planned), and swapped in atomically, the original kept as ``study.journal.bak-<time>``.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hpsearch.errors import ConfigError
from hpsearch.storage._directory import SweepDirectory
from hpsearch.storage._journal import fsync_directory, keep_aside
from hpsearch.storage._lines import encode_ops
from hpsearch.storage._outputs import write_outputs
from hpsearch.storage._reader import MemoryJournal, open_journal_storage
from hpsearch.storage._repair_plan import Planner, read_entries

__all__ = ["RepairReport", "repair_journal", "repair_sweep"]

_DIRECTIONS = {"minimize": 1, "maximize": 2}


@dataclass
class RepairReport:
    """What :func:`repair_journal` found and did.

    ``kept``/``dropped`` are trial numbers (``dropped`` maps each to the reason), ``corrected``
    and ``removed`` line numbers (``removed`` maps each to the reason). ``backup`` is where the
    original went, ``None`` when nothing needed repair.
    """

    journal: Path
    kept: list[int] = field(default_factory=list)
    dropped: dict[int, str] = field(default_factory=dict)
    corrected: list[int] = field(default_factory=list)
    removed: dict[int, str] = field(default_factory=dict)
    backup: Path | None = None

    @property
    def changed(self) -> bool:
        return self.backup is not None

    def summary(self) -> str:
        """A few lines for people: counts first, then each line and trial with its reason."""
        total = len(self.kept) + len(self.dropped)
        if not self.changed:
            return f"{self.journal}: {total} trials, every line readable: nothing to repair"
        head = f"repaired {self.journal}: {total} trials, {len(self.kept)} kept, "
        head += f"{len(self.dropped)} dropped"
        if self.dropped:
            head += " (left as FAILED 'lost' trials: not counted toward the budget, not retried)"
        lines = [head]
        lines += [
            f"  line {n}: one damaged byte corrected (checksum verified)" for n in self.corrected
        ]
        lines += [f"  line {n}: removed: {why}" for n, why in sorted(self.removed.items())]
        lines += [f"  trial {n}: dropped: {why}" for n, why in sorted(self.dropped.items())]
        lines.append(f"the original is kept as {self.backup}")
        return "\n".join(lines)


def repair_sweep(directory: str | os.PathLike[str]) -> RepairReport:
    """Repair the study journal of the sweep in ``directory`` (``hpsearch repair DIR``).

    Takes the sweep's lock, so it refuses while a driver runs the sweep. ``space.yaml`` gives
    the study's name and directions in case the line that created the study is lost. After a
    repair, ``trials.csv`` and ``best.yaml`` are rewritten from the repaired study.

    Raises:
        ConfigError: ``directory`` holds no journal study.
        SweepLockedError: a driver is running this sweep.

    Example:
        >>> # print(repair_sweep("runs/svm-digits").summary())
    """
    sweep = SweepDirectory(directory)
    try:
        storage, meta_ok = sweep.storage_url, True
    except ConfigError:  # an unreadable sweep.json says nothing about the journal
        storage, meta_ok = None, False
    if storage:
        raise ConfigError(
            f"the study of {sweep.path} is in {storage}; repair works on "
            f"{sweep.JOURNAL_FILE} files only"
        )
    if not sweep.journal_file.is_file():
        raise ConfigError(f"{sweep.path} holds no study journal (no {sweep.JOURNAL_FILE})")
    name = directions = None
    if sweep.exists():
        config = sweep.read_config()
        name, directions = config.name, list(config.directions)
    with sweep.lock():
        report = repair_journal(sweep.journal_file, study_name=name, directions=directions)
        if report.changed and sweep.exists() and meta_ok:  # outputs from the repaired study
            study, config = sweep.load_study()
            write_outputs(sweep.path, study, config)
    return report


def repair_journal(
    path: str | os.PathLike[str],
    *,
    study_name: str | None = None,
    directions: list[str] | None = None,
) -> RepairReport:
    """Repair the journal at ``path`` in place (the original is kept as a backup).

    ``study_name`` and ``directions`` (``"minimize"``/``"maximize"``) rebuild the study when its
    own create-study line is lost. The caller must hold the sweep's lock.

    Example:
        >>> import tempfile, pathlib
        >>> from hpsearch.storage._lines import encode_ops
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "study.journal"
        >>> ops = [{"op_code": 0, "worker_id": "w", "study_name": "s", "directions": [1]}]
        >>> _ = path.write_bytes(encode_ops(ops) + b"garbage")
        >>> report = repair_journal(path)
        >>> report.changed, path.read_bytes() == encode_ops(ops)
        (True, True)
    """
    path = Path(path)
    data = path.read_bytes()
    entries = read_entries(data)
    identity = None
    if study_name is not None and directions is not None:
        identity = (study_name, [_DIRECTIONS[d] for d in directions])
    planner = Planner(entries, identity, str(path))
    ops, trials = planner.plan()
    removed = dict(sorted(planner.removed_lines.items()))
    report = RepairReport(path, planner.kept, planner.dropped, planner.corrected, removed)
    if not (report.corrected or report.removed or report.dropped):
        return report
    _verify(path, ops, len(trials))
    _replace(path, encode_ops(ops), data, report)
    return report


def _verify(path: Path, ops: list[dict[str, Any]], n_trials: int) -> None:
    """Optuna must replay the repaired journal with every trial, numbered as planned."""
    storage = open_journal_storage(MemoryJournal(path, ops))
    replayed = sum(
        len(storage.get_all_trials(s._study_id, deepcopy=False)) for s in storage.get_all_studies()
    )
    if replayed != n_trials:
        raise RuntimeError(f"repair of {path} would replay {replayed} trials, not {n_trials}")


def _replace(path: Path, repaired: bytes, original: bytes, report: RepairReport) -> None:
    """Keep the original as a backup, then swap the repaired journal in atomically."""
    report.backup = keep_aside(path, "bak", original)
    tmp = path.with_name(f".{path.name}.repair-{os.getpid()}-{time.monotonic_ns()}")
    with open(tmp, "wb") as f:
        f.write(repaired)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_directory(path.parent)
