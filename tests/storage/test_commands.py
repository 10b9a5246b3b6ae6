"""The CLI on damaged, torn, running and locked studies: exit 0 or one line, nothing lost."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hpsearch.cli import main
from hpsearch.storage._ledger import RETRY_OF_ATTR
from hpsearch.storage._table import ATTEMPT_ATTR
from tests.storage.journals import (
    SPACE,
    complete_trials,
    copy_sweep,
    journal_trials,
    snapshot,
)

ROOT = Path(__file__).resolve().parents[2]


def _flip(journal: Path, line: int, offset: int) -> None:
    """Flip one bit of byte ``offset`` of line ``line`` (1-based), as a bad disk would."""
    lines = journal.read_bytes().split(b"\n")
    damaged = bytearray(lines[line - 1])
    damaged[offset] ^= 0x08
    lines[line - 1] = bytes(damaged)
    journal.write_bytes(b"\n".join(lines))


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    return err


def _resume(directory: Path, trials: int) -> int:
    return main(["resume", str(directory), "--trials", str(trials), "--quiet", "--no-report"])


def test_a_flipped_byte_in_line_11_is_refused_then_repaired(sweep_one_worker, tmp_path, capsys):
    """The issue's scenario: resume used to exit 0 and replace 40 trials by new ones."""
    work = copy_sweep(sweep_one_worker, tmp_path / "work")
    journal = work / "study.journal"
    complete = complete_trials(journal)
    _flip(journal, 11, 40)
    damaged = journal.read_bytes()

    assert _resume(work, 45) == 2
    err = _one_error_line(capsys)
    assert f"{journal}:11: unreadable journal line (checksum mismatch)" in err
    assert f"run `hpsearch repair {work}`" in err
    assert journal.read_bytes() == damaged

    assert main(["repair", str(work)]) == 0
    out = capsys.readouterr().out
    assert "0 dropped" in out and "line 11: one damaged byte corrected" in out
    (backup,) = work.glob("study.journal.bak-*")
    assert backup.read_bytes() == damaged and f"the original is kept as {backup}" in out

    assert _resume(work, 45) == 0
    trials = journal_trials(journal)
    assert len(trials) >= 45
    assert complete_trials(journal).items() >= complete.items()


def test_a_trial_repair_cannot_vouch_for_is_replaced_by_resume(sweep_one_worker, tmp_path, capsys):
    """A complete trial's create line is wiped: repair keeps it as a FAILED 'lost' trial, which
    counts for nothing, so resuming to the same budget runs exactly one new trial."""
    work = copy_sweep(sweep_one_worker, tmp_path / "work")
    journal = work / "study.journal"
    before = journal_trials(journal)
    lost = min(n for n, t in before.items() if n >= 5 and t[0] == "COMPLETE")
    lines = journal.read_bytes().split(b"\n")
    creates = [i for i, raw in enumerate(lines[:-1]) if raw.startswith(b'{"op_code":4,')]
    lines[creates[lost]] = b"#" * len(lines[creates[lost]])
    journal.write_bytes(b"\n".join(lines))

    assert _resume(work, 40) == 2
    assert f"{journal}:{creates[lost] + 1}: unreadable journal line" in _one_error_line(capsys)
    assert main(["repair", str(work)]) == 0
    out = capsys.readouterr().out
    assert f"{len(before)} trials, {len(before) - 1} kept, 1 dropped" in out
    assert f"trial {lost}: dropped: its create-trial line" in out
    table = pd.read_csv(work / "trials.csv")
    row = table[table["number"] == lost]
    assert row["state"].item() == "FAILED" and row["error"].item().startswith("lost: ")

    assert _resume(work, 40) == 0
    after = journal_trials(journal)
    assert len(after) == len(before) + 1
    assert {n: t for n, t in after.items() if n not in (lost, len(before))} == {
        n: t for n, t in before.items() if n != lost
    }
    assert after[len(before)][0] in ("COMPLETE", "PRUNED", "FAIL")


def test_a_damaged_line_stops_the_report_and_leaves_every_file_alone(
    sweep_one_worker, tmp_path, capsys
):
    work = copy_sweep(sweep_one_worker, tmp_path / "work")
    _flip(work / "study.journal", 30, 12)
    before = snapshot(work)
    assert main(["report", str(work), "-o", str(tmp_path / "r.html")]) == 2
    assert "study.journal:30: unreadable journal line" in _one_error_line(capsys)
    assert main(["best", str(work)]) == 0
    assert main(["trials", str(work)]) == 0
    assert snapshot(work) == before
    assert not (tmp_path / "r.html").exists()


@pytest.mark.slow
def test_readers_follow_a_running_sweep_without_writing(tmp_path, capsys):
    """A real sweep in another process; ``report`` and the loaders read it as it grows."""
    space = dict(
        SPACE, objective={"type": "python", "function": "tests.storage.journals:slow_curve"}
    )
    space_file = tmp_path / "space.yaml"
    space_file.write_text(yaml.safe_dump(space))
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    command = [sys.executable, "-m", "hpsearch", "run", str(space_file), "--out", str(out)]
    driver = subprocess.Popen([*command, "--quiet", "--no-report"], env=env, cwd=ROOT)
    try:
        seen, reports = [], 0
        deadline = time.monotonic() + 120
        while driver.poll() is None and time.monotonic() < deadline:
            if (out / "study.journal").exists() and (out / "space.yaml").exists():
                seen.append(len(journal_trials(out / "study.journal")))
                if reports < 3 and seen[-1] > 5 * (reports + 1):
                    assert main(["report", str(out), "-o", str(tmp_path / "r.html")]) == 0
                    reports += 1
            time.sleep(0.02)
        assert driver.wait(timeout=60) == 0
    finally:
        if driver.poll() is None:
            driver.kill()
    assert reports >= 1 and len(seen) > 10 and seen == sorted(seen)
    names = {p.name for p in out.iterdir()}
    assert not {n for n in names if n.startswith("study.journal") and n != "study.journal"}
    assert len(complete_trials(out / "study.journal")) > 5


@pytest.mark.parametrize("command", ["best", "trials", "report"])
def test_readers_of_a_sweep_still_starting_say_so_in_one_line(
    sweep_one_worker, tmp_path, capsys, command
):
    """Between the driver opening the journal and creating the study, readers see no study."""
    work = copy_sweep(sweep_one_worker, tmp_path / "work")
    (work / "study.journal").write_bytes(b"")
    for output in ("trials.csv", "best.yaml", "report.html"):  # none yet at that moment
        (work / output).unlink(missing_ok=True)
    assert main([command, str(work)]) == 2
    line = _one_error_line(capsys)
    if command == "report":  # best and trials read their files, which do not exist yet
        assert "holds no study yet (its sweep is starting)" in line
    assert (work / "study.journal").read_bytes() == b""  # readers never write


def test_a_locked_sweep_gets_its_own_message_and_exit_code(sweep_one_worker, tmp_path, capsys):
    work = copy_sweep(sweep_one_worker, tmp_path / "work")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from hpsearch.storage._journal import SweepLock\n"
            "with SweepLock(sys.argv[1]):\n"
            "    print('locked', flush=True)\n"
            "    time.sleep(60)\n",
            str(work),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert holder.stdout.readline() == "locked\n"
        before = snapshot(work)
        for argv in (["resume", str(work), "--quiet"], ["repair", str(work)]):
            assert main(argv) == 3
            err = capsys.readouterr().err
            assert err.count("\n") == 1, err
            assert err.startswith(f"busy: a sweep is already running in {work} (pid {holder.pid})")
        assert snapshot(work) == before
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.slow
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_the_cli_on_a_randomly_damaged_study(sweep_two_workers, capsys, data):
    """Any one wrong byte: exit 0 or exit 2 with one line; repair, then resume keeps every
    complete trial."""
    journal_bytes = (sweep_two_workers / "study.journal").read_bytes()
    position = data.draw(st.integers(0, len(journal_bytes) - 1), label="position")
    value = data.draw(st.integers(0, 255).filter(lambda v: v != journal_bytes[position]))
    _damage_read_repair_resume(sweep_two_workers, position, value, capsys)


def test_a_damaged_last_line_is_dropped_and_its_trial_retried(sweep_two_workers, capsys):
    """The last line (a trial's result) is unreadable: the sweep opens, keeps the bytes aside and
    runs that trial again with the same params."""
    journal_bytes = (sweep_two_workers / "study.journal").read_bytes()
    position = len(journal_bytes) - 5
    code = _damage_read_repair_resume(
        sweep_two_workers, position, journal_bytes[position] ^ 0x08, capsys
    )
    assert code == 0


def _damage_read_repair_resume(sweep: Path, position: int, value: int, capsys) -> int:
    """Damage one byte; readers read without writing; resume refuses (exit 2, one line) or
    opens; repair; resume; every complete trial is still there. Returns the first exit code."""
    journal_bytes = (sweep / "study.journal").read_bytes()
    damaged = journal_bytes[:position] + bytes((value,)) + journal_bytes[position + 1 :]
    with tempfile.TemporaryDirectory() as tmp:
        work = copy_sweep(sweep, Path(tmp) / "work")
        journal = work / "study.journal"
        journal.write_bytes(damaged)
        before = snapshot(work)
        for argv in (["best", str(work)], ["trials", str(work), "--top", "3"]):
            assert main(argv) == 0
        assert snapshot(work) == before
        capsys.readouterr()
        code = _resume(work, 40)
        if code == 2:
            assert "hpsearch repair" in _one_error_line(capsys)
            assert journal.read_bytes() == damaged
        else:  # only a damaged last line lets a sweep open: it is dropped and kept aside
            assert code == 0 and list(work.glob("study.journal.torn-*"))
        assert main(["repair", str(work)]) == 0
        assert _resume(work, 40) == 0
        kept = complete_trials(journal)
        retried = [_without_retry_attrs(t) for t in kept.values()]
        for number, trial in complete_trials(sweep / "study.journal").items():
            # a last line dropped on open: its trial was retried with the same params (and the
            # same result: the objective is deterministic), as a new trial marked as a retry
            assert kept.get(number) == trial or (code == 0 and trial in retried)
    return code


def _without_retry_attrs(trial: tuple) -> tuple:
    attrs = {k: v for k, v in trial[4].items() if k not in (RETRY_OF_ATTR, ATTEMPT_ATTR)}
    return (*trial[:4], attrs)


def test_an_unreadable_sweep_json_does_not_stop_repair(sweep_one_worker, tmp_path, capsys):
    work = copy_sweep(sweep_one_worker, tmp_path / "work")
    _flip(work / "study.journal", 11, 40)
    (work / "sweep.json").write_text('{"base_dir": "/somewhere"', encoding="utf-8")
    assert main(["repair", str(work)]) == 0
    assert "line 11: one damaged byte corrected" in capsys.readouterr().out
    assert complete_trials(work / "study.journal") == complete_trials(
        sweep_one_worker / "study.journal"
    )
    assert _resume(work, 40) == 2
    assert f"{work / 'sweep.json'}: unreadable metadata" in _one_error_line(capsys)
