"""What Ray Tune cannot run is refused before anything starts: exit 2, one line naming the key."""

from __future__ import annotations

import pytest
import yaml

from hpsearch.cli import main

BASE = {
    "objective": {"type": "python", "function": "somewhere:objective"},
    "parameters": {"lr": {"type": "float", "low": 0.01, "high": 1.0}},
    "pruner": {"type": "pbt"},
}


@pytest.mark.parametrize(
    ("change", "argv", "key"),
    [
        ({}, ["run"], "pruner.type"),  # pbt on the local executor
        ({"execution": {"executor": "ray"}}, ["validate"], "pruner.type"),
        (
            {"execution": {"executor": "tune"}, "metrics": [{"name": "a"}, {"name": "b"}]},
            ["validate"],
            "pruner.type",
        ),
        (
            {
                "execution": {"executor": "tune"},
                "objective": {"type": "command", "command": "python train.py {lr}"},
            },
            ["validate"],
            "pruner.type",
        ),
        (
            {"execution": {"executor": "tune"}, "parameters": {"lr": 0.1}},
            ["validate"],
            "parameters",
        ),
        (
            {"execution": {"executor": "tune"}, "pruner": {"type": "pbt", "quantile_fraction": 2}},
            ["validate"],
            "pruner.quantile_fraction",
        ),
    ],
)
def test_refused_in_one_line(tmp_path, capsys, change, argv, key):
    path = tmp_path / "space.yaml"
    path.write_text(yaml.safe_dump({**BASE, **change}))
    extra = ["--out", str(tmp_path / "run")] if argv == ["run"] else []
    assert main([*argv, str(path), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and key in err, err
    assert not (tmp_path / "run").exists()


def test_pbt_is_accepted_when_the_flag_picks_tune(tmp_path, capsys):
    path = tmp_path / "space.yaml"
    path.write_text(yaml.safe_dump(BASE))
    from hpsearch import load_space

    assert load_space(path, executor="tune").pruner.type == "pbt"
    with pytest.raises(ValueError, match="pbt runs only in Ray Tune"):
        load_space(path)
