"""``hpsearch repair``: rewrite a damaged study journal, keeping every trial it can vouch for.

Optuna numbers trials implicitly, by the order of the create-trial operations, so dropping an
unreadable line that created a trial would shift every later trial onto its neighbour's results.
Repair never renumbers: each trial keeps its number, and a trial it cannot vouch for is written
back as a FAILED placeholder marked ``hpsearch:lost`` (not counted toward the budget, not
retried), with the reason in ``hpsearch:error``.

In order, repair:

1. reads every line; a checksummed line with one wrong byte is put right (see
   :mod:`hpsearch.storage._recover`); a torn last line is dropped, as on open;
2. walks the operations as Optuna replays them; an operation on a trial id that does not exist
   yet, right after an unreadable line, means that line created the trial(s): placeholders take
   their numbers. An operation that contradicts the study (a trial that does not exist, or has
   already finished) is removed like an unreadable line;
3. marks as lost every trial that was running where a line was removed (its part of the record
   may be missing), unless that line is fully explained as one lost create-trial line;
4. writes the repaired journal (checksummed), checks that Optuna replays it with the same trials,
   keeps the original as ``study.journal.bak-<time>`` and replaces it atomically.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hpsearch.errors import ConfigError
from hpsearch.storage._journal import SweepLock, fsync_directory, keep_aside
from hpsearch.storage._lines import (
    CREATE_STUDY,
    CREATE_TRIAL,
    FINISHED_STATES,
    SET_STATE,
    TRIAL_OPS,
    LineError,
    decode_line,
    encode_ops,
)
from hpsearch.storage._reader import MemoryJournal, open_journal_storage
from hpsearch.storage._recover import correct_line, correct_split
from hpsearch.storage._table import ERROR_ATTR

__all__ = ["LOST_ATTR", "RepairReport", "repair_journal", "repair_sweep"]

LOST_ATTR = "hpsearch:lost"
REPAIR_WORKER = "hpsearch-repair"
_MIN_CREATE_BYTES = 100  # a create-trial line is longer (worker id, study id, start time)
_DIRECTIONS = {"minimize": 1, "maximize": 2}


@dataclass
class _Entry:
    """One unit of the journal, in file order: a usable operation or an unusable line."""

    first: int  # 1-based line numbers
    last: int
    op: dict[str, Any] | None
    reason: str = ""
    size: int = 0
    fixed: bool = False
    torn: bool = False
    alive: tuple[int, ...] = ()  # trials running where this line was removed
    stands_for: list[int] = field(default_factory=list)  # lost creates it explains


@dataclass
class _Trial:
    trial_id: int
    study_id: int
    create: _Entry | None  # None: a placeholder for an unreadable create-trial line
    finished: bool = False
    ops: list[_Entry] = field(default_factory=list)
    lost: str | None = None


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
    the study's name and directions in case the line that created the study is lost.

    Raises:
        ConfigError: ``directory`` holds no journal study.
        SweepLockedError: a driver is running this sweep.

    Example:
        >>> # print(repair_sweep("runs/svm-digits").summary())
    """
    directory = Path(directory)
    journal = directory / "study.journal"
    if not journal.is_file():
        raise ConfigError(f"{directory} holds no study journal (no study.journal)")
    name = directions = None
    space_file = directory / "space.yaml"
    if space_file.is_file():
        from hpsearch.space import load_space

        space = load_space(space_file)
        name, directions = space.name, list(space.directions)
    with SweepLock(directory):
        return repair_journal(journal, study_name=name, directions=directions)


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
    entries = _read_entries(data)
    report = RepairReport(journal=path)
    identity = None
    if study_name is not None and directions is not None:
        identity = (study_name, [_DIRECTIONS[d] for d in directions])
    ops, trials = _Planner(entries, identity, report).plan()
    if not (report.corrected or report.removed or report.dropped):
        return report
    _verify(path, ops, len(trials))
    _replace(path, encode_ops(ops), data, report)
    return report


def _read_entries(data: bytes) -> list[_Entry]:
    """Every line as an operation (put right where one byte is wrong) or an unusable line."""
    lines = data.split(b"\n")
    tail = lines.pop()
    entries: list[_Entry] = []
    index = 0
    while index < len(lines):
        line, number = lines[index], index + 1
        try:
            entries.append(_Entry(number, number, decode_line(line), size=len(line)))
            index += 1
            continue
        except LineError as err:
            reason = str(err)
        fixed = correct_line(line)
        if fixed is not None:
            entries += [_Entry(number, number, op, size=len(line), fixed=True) for op in fixed]
            index += 1
            continue
        if index + 1 < len(lines) and not _readable(lines[index + 1]):
            joined = correct_split(line, lines[index + 1])
            if joined is not None:
                entries.append(_Entry(number, number + 1, joined, size=len(line), fixed=True))
                index += 2
                continue
        last = index == len(lines) - 1 and not tail
        entries.append(_Entry(number, number, None, reason, size=len(line), torn=last))
        index += 1
    if tail:
        n = len(lines) + 1
        entries.append(_Entry(n, n, None, "torn last line (no newline)", len(tail), torn=True))
    return entries


def _readable(line: bytes) -> bool:
    try:
        decode_line(line)
    except LineError:
        return False
    return True


class _Planner:
    """Walks the entries as Optuna would replay them and decides each trial's fate."""

    def __init__(
        self, entries: list[_Entry], identity: tuple[str, list[int]] | None, report: RepairReport
    ) -> None:
        self.entries = entries
        self.identity = identity
        self.report = report
        self.trials: list[_Trial] = []
        self.studies: dict[int, str] = {}
        self.next_study = 0
        self.pending: list[_Entry] = []  # unreadable lines since the last create-trial
        self.removed: list[_Entry] = []
        self.order: list[tuple[str, Any]] = []  # what to write, in file order

    def plan(self) -> tuple[list[dict[str, Any]], list[_Trial]]:
        self._rebuild_study()
        for entry in self.entries:
            if entry.fixed and entry.first not in self.report.corrected:
                self.report.corrected.append(entry.first)
            if entry.op is None:
                self._remove(entry, entry.reason)
            else:
                self._apply(entry)
        self._mark_lost()
        return self._output(), self.trials

    def _rebuild_study(self) -> None:
        """A lost create-study line comes back from ``space.yaml`` (name and directions)."""
        ops = [e.op for e in self.entries if e.op is not None]
        if any(op["op_code"] == CREATE_STUDY for op in ops):
            return
        if not any(op["op_code"] == CREATE_TRIAL for op in ops):
            return
        if self.identity is None:
            raise ConfigError(
                "the line that created the study is unreadable and there is no space.yaml to "
                "rebuild it from",
                file=str(self.report.journal),
            )
        name, directions = self.identity
        op = {
            "op_code": 0,
            "worker_id": REPAIR_WORKER,
            "study_name": name,
            "directions": directions,
        }
        self._apply(_Entry(0, 0, op))
        bad = next((e for e in self.entries if e.op is None), None)
        if bad is not None:
            bad.stands_for.append(-1)

    def _apply(self, entry: _Entry) -> None:
        op = entry.op
        assert op is not None
        code = op["op_code"]
        if code == CREATE_TRIAL and op["study_id"] not in self.studies:
            # Optuna would skip it, and every later trial would take the wrong number.
            self._remove(entry, f"creates a trial in study {op['study_id']}, which does not exist")
            self.pending.append(entry)
            self.order.append(("slot", entry))
            return
        if code == CREATE_TRIAL:
            trial = _Trial(len(self.trials), op["study_id"], entry)
            trial.finished = op.get("state", 0) in FINISHED_STATES
            self.trials.append(trial)
            self.pending = []
            self.order.append(("trial", trial))
            return
        if code in TRIAL_OPS:
            self._apply_trial_op(entry, op)
            return
        if code == CREATE_STUDY and op["study_name"] not in self.studies.values():
            self.studies[self.next_study] = op["study_name"]
            self.next_study += 1
        elif code == 1:
            self.studies.pop(op["study_id"], None)
        self.order.append(("op", entry))

    def _apply_trial_op(self, entry: _Entry, op: dict[str, Any]) -> None:
        trial_id = op["trial_id"]
        if trial_id >= len(self.trials) and not self._fill_lost_creates(trial_id):
            self._remove(entry, f"refers to trial id {trial_id}, which does not exist")
            return
        trial = self.trials[trial_id]
        if trial.finished:
            self._remove(entry, f"changes trial {trial_id} after it finished")
            return
        trial.ops.append(entry)
        self.order.append(("op", entry))
        if op["op_code"] == SET_STATE and op["state"] in FINISHED_STATES:
            trial.finished = True

    def _fill_lost_creates(self, trial_id: int) -> bool:
        """Explain a reference to a future trial by the removed lines just before it."""
        missing = trial_id + 1 - len(self.trials)
        room = sum(max(1, e.size // _MIN_CREATE_BYTES) for e in self.pending if not e.torn)
        if not self.pending or missing > room:
            return False
        slot = self.pending[0]
        study_id = self.trials[-1].study_id if self.trials else min(self.studies, default=0)
        for _ in range(missing):
            trial = _Trial(len(self.trials), study_id, None)
            trial.lost = f"its create-trial line ({slot.first}) was unreadable"
            self.trials.append(trial)
            slot.stands_for.append(trial.trial_id)
        self.pending = []
        return True

    def _remove(self, entry: _Entry, reason: str) -> None:
        entry.alive = tuple(t.trial_id for t in self.trials if not t.finished and not t.lost)
        self.report.removed[entry.first] = reason
        self.removed.append(entry)
        if entry.op is None:
            self.pending.append(entry)
            self.order.append(("slot", entry))

    def _mark_lost(self) -> None:
        """Trials running where a line was removed may miss part of their record."""
        longest = max((e.size for e in self.entries if e.op is not None), default=0)
        for entry in self.removed:
            if entry.torn:
                continue
            if len(entry.stands_for) == 1 and entry.size <= longest:
                continue  # one lost create-trial line, nothing else
            for trial_id in entry.alive:
                trial = self.trials[trial_id]
                trial.lost = trial.lost or (
                    f"line {entry.first} was removed while it ran (part of its record may be "
                    "missing)"
                )
        numbers: dict[int, int] = {}
        for trial in self.trials:
            number = numbers[trial.study_id] = numbers.get(trial.study_id, -1) + 1
            if trial.lost:
                self.report.dropped[number] = trial.lost
            else:
                self.report.kept.append(number)

    def _output(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for kind, item in self.order:
            if kind == "slot":
                out += [_lost_trial(self.trials[t]) for t in item.stands_for if t >= 0]
            elif kind == "trial":
                out.append(_lost_trial(item) if item.lost else item.create.op)
            elif not self._of_lost_trial(item.op):
                out.append(item.op)
        return out

    def _of_lost_trial(self, op: dict[str, Any]) -> bool:
        return op["op_code"] in TRIAL_OPS and bool(self.trials[op["trial_id"]].lost)


def _lost_trial(trial: _Trial) -> dict[str, Any]:
    """A FAILED create-trial operation standing for a trial repair cannot vouch for."""
    create = trial.create.op if trial.create is not None else {}
    distributions = dict(create.get("distributions", {}))
    params = dict(create.get("params", {}))
    complete = create.get("datetime_complete")
    for entry in trial.ops:
        op = entry.op
        if op["op_code"] == 5:
            distributions[op["param_name"]] = op["distribution"]
            params[op["param_name"]] = op["param_value_internal"]
        elif op["op_code"] == SET_STATE and op["state"] in FINISHED_STATES:
            complete = op.get("datetime_complete")
    op = {
        "op_code": CREATE_TRIAL,
        "worker_id": REPAIR_WORKER,
        "study_id": trial.study_id,
        "datetime_start": create.get("datetime_start"),
        "state": 3,
        "value": None,
        "values": None,
        "distributions": distributions,
        "params": params,
        "user_attrs": {ERROR_ATTR: f"lost: {trial.lost} (hpsearch repair)", LOST_ATTR: True},
        "system_attrs": {},
        "intermediate_values": {},
    }
    if complete is not None:
        op["datetime_complete"] = complete
    return op


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
