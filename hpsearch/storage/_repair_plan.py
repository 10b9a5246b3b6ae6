"""How :func:`~hpsearch.storage.repair_journal` decides what to keep.

Optuna numbers trials implicitly, by the order of the create-trial operations, so dropping an
unreadable line that created a trial would shift every later trial onto its neighbour's results.
Repair never renumbers: each trial keeps its number, and a trial it cannot vouch for is written
back as a FAILED placeholder marked ``hpsearch:lost`` (not counted toward the budget, not
retried), with the reason in ``hpsearch:error``.

1. :func:`read_entries` reads every line; a checksummed line with one wrong byte is put right
   (see :mod:`hpsearch.storage._correct`); a torn last line is dropped, as on open.
2. :class:`Planner` walks the operations as Optuna replays them. An operation on a trial id that
   does not exist yet, right after an unreadable line, means that line created the trial(s):
   placeholders take their numbers. An operation that contradicts the study (a trial that does
   not exist, or has already finished) is removed like an unreadable line.
3. Every trial that was running where a line was removed is marked lost (part of its record may
   be missing), unless that line is fully explained as one lost create-trial line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hpsearch.errors import ConfigError
from hpsearch.storage._correct import correct_line, correct_split
from hpsearch.storage._lines import (
    CREATE_STUDY,
    CREATE_TRIAL,
    FINISHED_STATES,
    SET_STATE,
    TRIAL_OPS,
    LineError,
    decode_line,
)
from hpsearch.storage._table import ERROR_ATTR, LOST_ATTR

__all__ = ["Planner", "read_entries"]

REPAIR_WORKER = "hpsearch-repair"
_MIN_CREATE_BYTES = 100  # a create-trial line is longer (worker id, study id, start time)


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


def read_entries(data: bytes) -> list[_Entry]:
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


class Planner:
    """Walks the entries as Optuna would replay them and decides each trial's fate."""

    def __init__(
        self, entries: list[_Entry], identity: tuple[str, list[int]] | None, journal: str
    ) -> None:
        self.entries = entries
        self.identity = identity
        self.journal = journal
        self.kept: list[int] = []  # trial numbers
        self.dropped: dict[int, str] = {}  # trial number -> why
        self.corrected: list[int] = []  # line numbers
        self.removed_lines: dict[int, str] = {}  # line number -> why
        self.trials: list[_Trial] = []
        self.studies: dict[int, str] = {}
        self.next_study = 0
        self.pending: list[_Entry] = []  # unreadable lines since the last create-trial
        self.removed: list[_Entry] = []
        self.order: list[tuple[str, Any]] = []  # what to write, in file order

    def plan(self) -> tuple[list[dict[str, Any]], list[_Trial]]:
        self._rebuild_study()
        for entry in self.entries:
            if entry.fixed and entry.first not in self.corrected:
                self.corrected.append(entry.first)
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
                file=self.journal,
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
        self.removed_lines[entry.first] = reason
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
                self.dropped[number] = trial.lost
            else:
                self.kept.append(number)

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
    create: dict[str, Any] = (trial.create.op or {}) if trial.create is not None else {}
    distributions = dict(create.get("distributions", {}))
    params = dict(create.get("params", {}))
    complete = create.get("datetime_complete")
    for entry in trial.ops:
        op = entry.op or {}
        if op.get("op_code") == 5:
            distributions[op["param_name"]] = op["distribution"]
            params[op["param_name"]] = op["param_value_internal"]
        elif op.get("op_code") == SET_STATE and op["state"] in FINISHED_STATES:
            complete = op.get("datetime_complete")
    lost: dict[str, Any] = {
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
        lost["datetime_complete"] = complete
    return lost
