"""Opening a journal: a writer drops only a torn last line (kept aside), a reader never writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from hpsearch.errors import StudyDamagedError
from hpsearch.storage import SweepDirectory, repair_journal
from hpsearch.storage._journal import SweepJournal
from tests.storage.journals import complete_trials, copy_sweep, snapshot, trial_records


def _line_starts(data: bytes) -> list[int]:
    starts = [0]
    starts += [i + 1 for i, byte in enumerate(data) if byte == 0x0A]
    return starts


@pytest.mark.slow
def test_a_journal_cut_at_every_byte_of_its_last_three_lines(small_sweep, tmp_path):
    """A driver killed mid-write, at any byte: readers read and write nothing, repair keeps every
    complete trial, and opening for writing drops only the torn line, keeping its bytes aside."""
    data = (small_sweep / "study.journal").read_bytes()
    starts = _line_starts(data)  # the last entry is len(data): the file ends with a newline
    first_cut = starts[-4]
    work = copy_sweep(small_sweep, tmp_path / "work")
    journal = work / "study.journal"
    for cut in range(first_cut, len(data)):
        journal.write_bytes(data[:cut])
        before = snapshot(work)
        complete = complete_trials(journal)  # the reader skips the torn line
        assert snapshot(work) == before
        whole = max(s for s in starts if s <= cut)
        report = repair_journal(journal)
        assert complete_trials(journal).items() >= complete.items()
        assert journal.read_bytes() == data[:whole]
        assert report.changed == (whole != cut)
        for backup in work.glob("study.journal.bak-*"):
            backup.unlink()
        journal.write_bytes(data[:cut])
        opened = SweepJournal(journal)
        opened.close()
        assert journal.read_bytes() == data[:whole]
        torn = sorted(work.glob("study.journal.torn-*"))
        if whole == cut:
            assert opened.torn_file is None and not torn
        else:
            assert [opened.torn_file] == torn and torn[0].read_bytes() == data[whole:cut]
            torn[0].unlink()
    assert len(data) - first_cut > 300


def test_a_damaged_middle_line_is_refused_and_left_as_it_is(sweep_one_worker, tmp_path):
    work = copy_sweep(sweep_one_worker, tmp_path / "work")
    journal = work / "study.journal"
    lines = journal.read_bytes().split(b"\n")
    lines[10] = lines[10].replace(b'"op_code":', b'"op_code":9', 1)
    journal.write_bytes(b"\n".join(lines))
    before = snapshot(work)
    with pytest.raises(StudyDamagedError, match=r"study\.journal:11: unreadable journal line"):
        SweepJournal(journal)
    with pytest.raises(StudyDamagedError, match=r"run `hpsearch repair .*work` to keep every"):
        SweepDirectory(work).load_study()
    assert snapshot(work) == before


def test_a_reader_skips_a_line_being_written(sweep_one_worker, tmp_path):
    work = copy_sweep(sweep_one_worker, tmp_path / "work")
    journal = work / "study.journal"
    records = trial_records(work)
    with open(journal, "ab") as f:  # what a reader sees while the driver is mid-write
        f.write(b'{"op_code":4,"worker_id":"abc","study_id":0,"datetime_st')
    before = snapshot(work)
    assert trial_records(work) == records
    assert snapshot(work) == before


def test_a_reader_does_not_create_a_missing_journal(sweep_one_worker, tmp_path):
    work = copy_sweep(sweep_one_worker, tmp_path / "work")
    (work / "study.journal").unlink()
    with pytest.raises(ValueError, match=r"no study\.journal"):
        SweepDirectory(work).load_study()
    assert not (work / "study.journal").exists()
    assert sorted(p.name for p in Path(work).iterdir() if "journal" in p.name) == []
