"""The checkpoint folder copy between a remote worker and the driver (no Ray needed)."""

from __future__ import annotations

import pytest

from hpsearch.execution._checkpoint_sync import restore, signature, snapshot


def test_a_copy_replaces_the_folder_skipping_temporary_files(tmp_path):
    worker, driver = tmp_path / "worker", tmp_path / "driver"
    (worker / "sub").mkdir(parents=True)
    (worker / "epoch-0002.json").write_text("{}")
    (worker / "sub" / "weights.bin").write_bytes(b"\x00\x01")
    (worker / ".epoch-0003.json.tmp").write_text("{")  # being written: not carried
    (driver).mkdir()
    (driver / "epoch-0001.json").write_text("old")  # deleted by the trial since
    assert restore(driver, snapshot(worker)) == ["epoch-0002.json", "sub/weights.bin"]
    assert sorted(p.relative_to(driver).as_posix() for p in driver.rglob("*") if p.is_file()) == [
        "epoch-0002.json",
        "sub/weights.bin",
    ]
    before = signature(worker)
    (worker / "epoch-0002.json").write_text('{"epoch": 2}')
    assert signature(worker) != before


@pytest.mark.parametrize("name", ["../escape", "/etc/passwd", "a/../../b"])
def test_names_leaving_the_folder_are_refused(tmp_path, name):
    with pytest.raises(ValueError, match="unsafe checkpoint file name"):
        restore(tmp_path / "d", {name: b"x"})
    assert not (tmp_path / "escape").exists()
