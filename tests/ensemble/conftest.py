"""Real sweeps with stored predictions, shared by the ensemble tests (built once per module)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import hpsearch


def tree_space(
    *, parameters: dict[str, Any] | None = None, metric: str | None = None, **objective: Any
) -> dict[str, Any]:
    """Decision trees on wine, 5-fold log loss: high-variance models that ensembles help
    (``objective`` keys, ``parameters`` and the ``metric`` name override it)."""
    block = {
        "type": "sklearn",
        "estimator": "sklearn.tree.DecisionTreeClassifier",
        "params": {"random_state": 0},
        "dataset": "sklearn:wine",
        "cv": 5,
        "scoring": "neg_log_loss",
        "racing": False,
        "ensemble": {"keep": 10},
        **objective,
    }
    return {
        "name": "trees <on> wine",
        "objective": block,
        "metric": {"name": metric or block["scoring"], "goal": "maximize"},
        "strategy": {"name": "random", "seed": 0},
        "parameters": parameters
        or {
            "max_depth": {"type": "int", "low": 1, "high": 8},
            "min_samples_leaf": {"type": "int", "low": 1, "high": 20},
            "max_features": {"type": "float", "low": 0.2, "high": 1.0},
        },
    }


@pytest.fixture(scope="module")
def tree_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished 16-trial sweep directory (10 trials keep their predictions)."""
    out = tmp_path_factory.mktemp("trees") / "run"
    hpsearch.run(tree_space(), trials=16, out=out, report=True)
    return out


SUBPROCESS_LOAD = r"""
import json, pickle, sys
import numpy as np
import hpsearch.ensemble
from hpsearch.objectives._datasets import load_dataset

def refuse(*args, **kwargs):
    raise RuntimeError("pickle was used")

class Refused:
    def __init__(self, *args, **kwargs):
        refuse()

if sys.argv[3] == "torch":  # torch.load unpickles (even with weights_only): refuse it too
    import torch
    torch.load = refuse
pickle.load = pickle.loads = refuse
pickle.Unpickler = Refused
model = hpsearch.ensemble.load_model(sys.argv[1], trusted=json.loads(sys.argv[2]))
data = load_dataset(model.manifest["dataset"])
print(json.dumps({
    "score": model.score(data.X, data.y),
    "predict": np.asarray(model.predict(data.X[:20])).tolist(),
}))
"""
