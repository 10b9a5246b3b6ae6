"""The journal line format: checksums Optuna ignores, and that catch every single-byte change."""

from __future__ import annotations

import shutil

import optuna
import pytest
from optuna.storages.journal import JournalFileBackend

from hpsearch.errors import StudyDamagedError
from hpsearch.storage._correct import correct_line, correct_split
from hpsearch.storage._lines import (
    LineError,
    checksum_ok,
    decode_line,
    encode_ops,
    scan_journal,
)
from tests.storage.journals import SPACE, snapshot, trial_records


def _lines(sweep):
    return (sweep / "study.journal").read_bytes().split(b"\n")[:-1]


def _one_line_per_kind(sweep):
    """One real line of each operation the driver writes (create, param, report, attr, state)."""
    seen = {}
    for line in _lines(sweep):
        seen.setdefault(decode_line(line)["op_code"], line)
    return seen


def test_every_line_the_driver_writes_has_a_valid_checksum(sweep_one_worker):
    lines = _lines(sweep_one_worker)
    assert len(lines) > 200
    assert all(checksum_ok(line) for line in lines)
    assert set(_one_line_per_kind(sweep_one_worker)) == {0, 4, 5, 6, 7, 8}


@pytest.mark.parametrize("sweep", ["sweep_one_worker", "sweep_two_workers"])
def test_optuna_and_its_dashboard_read_a_checksummed_journal(sweep, request, tmp_path):
    source = request.getfixturevalue(sweep)
    copy = tmp_path / "study.journal"
    shutil.copy(source / "study.journal", copy)
    # optuna-dashboard opens a journal exactly like this
    storage = optuna.storages.JournalStorage(JournalFileBackend(str(copy)))
    study = optuna.load_study(study_name=SPACE["name"], storage=storage)
    theirs = [(t.number, t.state.name, t.params, t.values) for t in study.trials]
    ours = [record[:4] for record in trial_records(source)]
    assert theirs == ours
    assert len(theirs) > 40


def test_a_changed_byte_anywhere_in_a_line_is_caught(sweep_one_worker):
    for line in _one_line_per_kind(sweep_one_worker).values():
        for index in range(len(line)):
            for value in (0x00, 0x0A, 0x20, 0x5F, line[index] ^ 0x01, line[index] ^ 0x40, 0xFF):
                if value == line[index]:
                    continue
                damaged = line[:index] + bytes((value,)) + line[index + 1 :]
                with pytest.raises(LineError, match=r"checksum|JSON|damaged|key|malformed"):
                    decode_line(damaged)


def test_a_checksum_field_takes_exactly_eight_hex_digits():
    """``int()`` reads " 1ab2c3d" and "0_1ab2c3" like "01ab2c3d": those changes are caught."""
    line = next(
        line
        for n in range(1000)
        if (line := encode_ops([{"op_code": 1, "worker_id": "w", "study_id": n}])[:-1])[-10] == 48
    )
    assert checksum_ok(line)
    for bad in (b" ", b"_", b"+"):
        with pytest.raises(LineError, match="checksum mismatch"):
            decode_line(line[:-10] + bad + line[-9:])


def test_one_wrong_byte_is_put_right_by_the_checksum(sweep_one_worker):
    for line in _one_line_per_kind(sweep_one_worker).values():
        expected = decode_line(line)
        for index in range(len(line)):
            for value in (0x00, 0x22, 0x7D, line[index] ^ 0x04, 0xC3):
                if value == line[index]:
                    continue
                damaged = line[:index] + bytes((value,)) + line[index + 1 :]
                assert correct_line(damaged) == [expected], (index, value)


def test_a_newline_that_was_lost_or_added_is_put_right(sweep_one_worker):
    first, second = _lines(sweep_one_worker)[5:7]
    merged = first + b"x" + second  # the newline between them became an "x"
    assert correct_line(merged) == [decode_line(first), decode_line(second)]
    for cut in (1, 40, len(second) - 3):  # a byte of the line became a newline
        assert correct_split(second[:cut], second[cut + 1 :]) == decode_line(second)


def test_lines_without_checksum_must_look_like_optuna_operations():
    good = b'{"op_code":5,"worker_id":"w","trial_id":0,"param_name":"x",'
    dist = b'"distribution":"{\\"name\\": \\"FloatDistribution\\", \\"attributes\\": '
    dist += b'{\\"step\\": null, \\"low\\": 0.0, \\"high\\": 1.0, \\"log\\": false}}"'
    assert decode_line(good + b'"param_value_internal":0.5,' + dist + b"}")["trial_id"] == 0
    with pytest.raises(LineError, match="malformed parameter"):
        decode_line(good + b'"param_value_internal":0.5,"distribution":"{}"}')
    with pytest.raises(LineError, match="unexpected key 'datetime_start' for operation 1"):
        decode_line(b'{"op_code":1,"worker_id":"w","study_id":0,"datetime_start":null}')
    with pytest.raises(LineError, match="unknown operation code"):
        decode_line(b'{"op_code":17,"worker_id":"w"}')
    with pytest.raises(LineError, match="COMPLETE trial without values"):
        decode_line(
            b'{"op_code":6,"worker_id":"w","trial_id":3,"state":1,"values":null,'
            b'"datetime_complete":"2026-01-01T00:00:00"}'
        )
    with pytest.raises(LineError, match="damaged checksum field"):
        decode_line(b'{"op_code":1,"worker_id":"w","study_id":0,"crc3x":"00000000"}')
    with pytest.raises(LineError, match="not valid JSON"):
        decode_line(b'{"op_code":1,"worker_id":"w\xff"')


def test_scan_tolerates_only_a_torn_last_line(tmp_path):
    ops = [{"op_code": 1, "worker_id": "w", "study_id": n} for n in range(3)]
    good = encode_ops(ops)
    assert scan_journal(good + b'{"op_c', "j").torn_reason == "no trailing newline"
    damaged_last = good[:-5] + b"#" + good[-4:]
    scan = scan_journal(damaged_last, "j")
    assert scan.torn_reason == "checksum mismatch" and len(scan.ops) == 2
    damaged_middle = good.replace(b'"study_id":1', b'"study_id":7')
    with pytest.raises(StudyDamagedError, match=r"^j:2: unreadable journal line \(checksum"):
        scan_journal(damaged_middle, "j")


def test_snapshot_helper_sees_hidden_files(sweep_one_worker):
    assert ".lock" in snapshot(sweep_one_worker)
