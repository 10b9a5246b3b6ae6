"""``repair``: one damaged byte anywhere in a real journal never costs a readable trial.

Journals come from real sweeps (see ``journals.py``); hypothesis picks the line, the byte and
its new value. With checksums (what the driver writes) every trial comes back exactly; without
(hpsearch 0.1 journals) only the trials the damaged line belonged to, or that were running
there, may be lost, and none is ever attached to another's results.
"""

from __future__ import annotations

import functools
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hpsearch.errors import StudyDamagedError, SweepLockedError
from hpsearch.storage import repair_journal, repair_sweep
from hpsearch.storage._journal import SweepJournal, SweepLock
from hpsearch.storage._table import LOST_ATTR
from tests.storage.journals import (
    copy_sweep,
    journal_trials,
    snapshot,
)

FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _damage(data: bytes, line: int, offset: int, value: int) -> tuple[bytes, int]:
    """``data`` with byte ``offset`` of line ``line`` (its newline included) set to ``value``."""
    position = sum(len(part) + 1 for part in data.split(b"\n")[:line]) + offset
    return data[:position] + bytes((value,)) + data[position + 1 :], position


def _draw_damage(data: bytes, draw: Any) -> tuple[int, int, int]:
    lines = data.split(b"\n")[:-1]
    line = draw(st.integers(0, len(lines) - 1), label="line")
    offset = draw(st.integers(0, len(lines[line])), label="offset")  # len: the newline
    original = (lines[line] + b"\n")[offset]
    value = draw(st.integers(0, 255).filter(lambda v: v != original), label="value")
    return line, offset, value


def _affected(data: bytes, lines: set[int]) -> set[int]:
    """Trials that the given lines of an intact journal belong to, or that ran during them."""
    created, finished, hit = 0, set(), set()
    for index, raw in enumerate(data.split(b"\n")[:-1]):
        op = json.loads(raw)
        if op["op_code"] == 4:
            created += 1
        if index in lines:
            hit |= set(range(created)) - finished
            hit.add(op.get("trial_id", created - 1))
        if op["op_code"] == 6 and op["state"] in (1, 2, 3):
            finished.add(op["trial_id"])
    return hit


def _check_open_and_read(work: Path, line: int) -> bool:
    """What run/resume and the readers do with the damaged journal; True when it opened."""
    journal = work / "study.journal"
    before = snapshot(work)
    try:
        journal_trials(journal)
    except StudyDamagedError as err:
        assert f"study.journal:{line + 1}: unreadable journal line" in str(err)
        assert "hpsearch repair" in str(err) and "\n" not in str(err)
    assert snapshot(work) == before, "a reader wrote to the study"
    try:
        SweepJournal(journal).close()
    except StudyDamagedError as err:
        assert str(err).startswith(f"{journal}:{line + 1}: unreadable journal line")
        assert snapshot(work) == before, "a refused open changed the study"
        return False
    return True


@pytest.mark.slow
@pytest.mark.parametrize("sweep", ["sweep_one_worker", "sweep_two_workers"])
@FUZZ
@given(data=st.data())
def test_one_damaged_byte_is_repaired_without_losing_a_trial(sweep, request, data):
    original = (request.getfixturevalue(sweep) / "study.journal").read_bytes()
    line, offset, value = _draw_damage(original, data.draw)
    damaged, position = _damage(original, line, offset, value)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        journal = work / "study.journal"
        journal.write_bytes(damaged)
        opened = _check_open_and_read(work, line)
        assert opened == (line == original.count(b"\n") - 1)  # only a last line is torn
        journal.write_bytes(damaged)
        report = repair_journal(journal)
        if position == len(original) - 1:  # the final newline: a torn last line, dropped
            assert journal.read_bytes() == original[: original.rindex(b"\n", 0, -1) + 1]
        else:  # every operation back, byte for byte: every trial exactly as it was
            assert report.corrected == [line + 1] and not report.dropped
            assert journal.read_bytes() == original
        assert report.backup.read_bytes() == damaged


@pytest.mark.slow
@FUZZ
@given(data=st.data())
def test_a_journal_without_checksums_loses_only_the_damaged_trial(legacy_sweep, data):
    """hpsearch 0.1 journals: the damaged trial may be lost, every other one is kept as it was."""
    original = (legacy_sweep / "study.journal").read_bytes()
    line, offset, value = _draw_damage(original, data.draw)
    damaged, _ = _damage(original, line, offset, value)
    lines = {line, line + 1} if offset == len(original.split(b"\n")[line]) else {line}
    allowed = _affected(original, lines)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        journal = work / "study.journal"
        journal.write_bytes(damaged)
        before = snapshot(work)
        try:
            journal_trials(journal)
        except StudyDamagedError as err:
            assert "unreadable journal line" in str(err) and "\n" not in str(err)
        assert snapshot(work) == before
        repair_journal(journal, study_name="journal-fuzz", directions=["minimize"])
        repaired = journal_trials(journal)
        for number, trial in _trials_of(legacy_sweep).items():
            if number not in allowed:
                assert repaired[number] == trial, number
        for trial in repaired.values():
            if trial[4].get(LOST_ATTR):
                assert trial[0] == "FAIL" and trial[2] is None  # never someone else's values
        SweepJournal(journal).close()


@functools.cache
def _trials_of(sweep: Path) -> dict[int, tuple[Any, ...]]:
    return journal_trials(sweep / "study.journal")


def _overwrite(data: bytes, start: int, length: int) -> bytes:
    """``length`` bytes from ``start`` turned into garbage that keeps the newlines (no checksum
    can put that right)."""
    garbage = bytes(b if b == 0x0A else 0x23 for b in data[start : start + length])
    return data[:start] + garbage + data[start + length :]


def original_path(sweep: Path) -> Path:
    return sweep / "study.journal"


def _line_offset(data: bytes, line: int) -> int:
    return sum(len(part) + 1 for part in data.split(b"\n")[:line])


def _create_lines(data: bytes) -> list[int]:
    return [i for i, raw in enumerate(data.split(b"\n")[:-1]) if json.loads(raw)["op_code"] == 4]


def test_an_unreadable_create_line_keeps_every_number_in_place(sweep_two_workers, tmp_path):
    """The create-trial line of trial 20 is destroyed: trial 20 becomes a FAILED placeholder
    and trials 21, 22, ... keep their numbers and their own results."""
    work = copy_sweep(sweep_two_workers, tmp_path / "work")
    journal = work / "study.journal"
    original = journal.read_bytes()
    line = _create_lines(original)[20]
    start = _line_offset(original, line)
    journal.write_bytes(_overwrite(original, start + 5, 30))
    report = repair_sweep(work)
    assert list(report.dropped) == [20]
    assert "its create-trial line" in report.dropped[20]
    assert report.removed == {line + 1: "checksum mismatch"}
    before, after = journal_trials(original_path(sweep_two_workers)), journal_trials(journal)
    assert after.keys() == before.keys()
    assert {n: t for n, t in after.items() if n != 20} == {
        n: t for n, t in before.items() if n != 20
    }
    assert after[20][0] == "FAIL" and after[20][4][LOST_ATTR] is True
    assert after[20][1] == before[20][1]  # its params were readable: kept for the record


def test_a_wiped_block_loses_only_the_trials_it_touched(sweep_one_worker, tmp_path):
    work = copy_sweep(sweep_one_worker, tmp_path / "work")
    journal = work / "study.journal"
    original = journal.read_bytes()
    start = _line_offset(original, 100) + 7
    damaged = _overwrite(original, start, 900)  # several lines, across trial boundaries
    journal.write_bytes(damaged)
    wiped = {i for i in range(90, 120) if b"####" in damaged.split(b"\n")[i]}
    report = repair_journal(journal)
    before, after = journal_trials(original_path(sweep_one_worker)), journal_trials(journal)
    assert set(report.dropped) == _affected(original, wiped)
    assert after.keys() == before.keys()
    for number, trial in after.items():
        if number in report.dropped:
            assert trial[0] == "FAIL" and trial[4][LOST_ATTR] is True
        else:
            assert trial == before[number]


def test_a_lost_create_study_line_is_rebuilt_from_space_yaml(sweep_one_worker, tmp_path):
    work = copy_sweep(sweep_one_worker, tmp_path / "work")
    journal = work / "study.journal"
    original = journal.read_bytes()
    journal.write_bytes(_overwrite(original, 3, 40))
    with pytest.raises(StudyDamagedError, match=r"study\.journal:1: unreadable"):
        SweepJournal(journal)
    report = repair_sweep(work)
    assert report.removed == {1: "checksum mismatch"} and not report.dropped
    assert journal_trials(journal) == journal_trials(original_path(sweep_one_worker))


def test_a_healthy_journal_is_left_alone(sweep_one_worker, tmp_path):
    work = copy_sweep(sweep_one_worker, tmp_path / "work")
    before = snapshot(work)
    report = repair_sweep(work)
    assert not report.changed and report.backup is None
    assert "nothing to repair" in report.summary()
    assert snapshot(work) == before


def test_repair_refuses_a_sweep_that_is_running(sweep_one_worker, tmp_path):
    work = copy_sweep(sweep_one_worker, tmp_path / "work")
    with SweepLock(work), pytest.raises(SweepLockedError, match=r"already running in .*work"):
        repair_sweep(work)


def test_repair_refuses_a_directory_without_journal(tmp_path):
    with pytest.raises(ValueError, match=r"holds no study journal"):
        repair_sweep(tmp_path)
