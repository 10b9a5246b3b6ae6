"""A local Ray instance that fails to start is one line and exit 1, not a traceback."""

from __future__ import annotations

import pytest
import yaml

from hpsearch.cli import main
from hpsearch.errors import EngineStartError
from hpsearch.execution import start_local_ray

ray = pytest.importorskip("ray")


def _timed_out(**options: object) -> None:  # what Ray raises when its node times out
    raise Exception(
        "The current node timed out during startup. This could happen because some of the "
        "raylet failed to startup or the GCS has become overloaded."
    )


def test_ray_start_timeout_is_an_engine_start_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ray, "init", _timed_out)
    with pytest.raises(EngineStartError, match="timed out during startup"):
        start_local_ray(num_cpus=1)


@pytest.mark.parametrize("executor", ["ray", "tune"])
def test_cli_says_so_in_one_line_and_runs_nothing(
    tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], executor: str
) -> None:
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    monkeypatch.setattr(ray, "init", _timed_out)
    space = tmp_path / "space.yaml"
    space.write_text(
        yaml.safe_dump(
            {
                "objective": {"type": "python", "function": "math:fabs"},
                "parameters": {"x": {"type": "float", "low": -1, "high": 1}},
                "budget": {"trials": 2},
            }
        )
    )
    out = tmp_path / "run"
    code = main(["run", str(space), "--out", str(out), "--executor", executor, "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert len(err) == 1 and err[0].startswith("error: could not start a local Ray instance")
    assert "--address" in err[0]
