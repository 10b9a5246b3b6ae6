"""A local Ray instance that fails to start is one line and exit 1, not a traceback.

Each case runs in its own process: a failed start releases the instance its process owned,
which in this process is the suite's shared one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytest.importorskip("ray")

#: runs ``hpsearch ARGS`` with ``ray.init`` failing the way Ray's node start-up times out
TIMED_OUT = """
import sys
import ray
from hpsearch.cli import main

def timed_out(**options):
    raise Exception(
        "The current node timed out during startup. This could happen because some of the "
        "raylet failed to startup or the GCS has become overloaded."
    )

ray.init = timed_out
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("executor", ["ray", "tune"])
def test_a_ray_that_does_not_start_is_one_line_and_nothing_runs(
    tmp_path: Path, executor: str
) -> None:
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
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    argv = ["run", str(space), "--out", str(tmp_path / "run"), "--executor", executor]
    done = subprocess.run(
        [sys.executable, "-c", TIMED_OUT, *argv, "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    err = done.stderr.strip().splitlines()
    assert done.returncode == 1, done.stderr
    assert len(err) == 1 and err[0].startswith("error: could not start a local Ray instance")
    assert "timed out during startup" in err[0] and "--address" in err[0]
    assert not (tmp_path / "run" / "trials.csv").exists()  # nothing ran
