"""The objective a submitted test sweep ships in its working directory."""

from __future__ import annotations

import os
import time


def objective(params: dict) -> dict:
    time.sleep(params["seconds"])
    return {
        "value": (params["x"] - 0.3) ** 2,
        "node": float(os.environ.get("HPSEARCH_TEST_NODE", "-1")),  # set per node by the fixture
    }
