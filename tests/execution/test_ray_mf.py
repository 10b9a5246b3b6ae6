"""The mf strategy on the Ray executor: segments stop at their rung and promotions continue."""

from __future__ import annotations

import json
from collections import Counter

import pytest

import hpsearch

pytestmark = [pytest.mark.ray, pytest.mark.slow]


def test_mf_sweep_on_ray_promotes_from_checkpoints(ray_local, tmp_path):
    def curve(params, trial):
        state = trial.checkpoint_dir / "state.json"
        step = json.loads(state.read_text())["step"] if trial.resume_from else 0
        value = 0.0
        while step < 9:
            step += 1
            value = (params["x"] - 0.3) ** 2 + 1.0 / step
            trial.checkpoint_dir.mkdir(parents=True, exist_ok=True)
            state.write_text(json.dumps({"step": step}))
            trial.report(value, step)
            if trial.should_prune():
                raise hpsearch.TrialPruned()
        return value

    space = {
        "name": "ray-mf",
        "strategy": {"name": "mf", "seed": 0, "fidelity": {"min": 1, "max": 9}},
        "parameters": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
    }
    result = hpsearch.run(
        space, curve, executor="ray", workers=2, trials=20, out=tmp_path / "s", report=False
    )
    trials = result.study.trials
    ends = Counter((t.state.name, max(t.intermediate_values)) for t in trials)
    assert ends[("PRUNED", 1)] >= 6 and ends[("PRUNED", 3)] >= 2 and ends[("COMPLETE", 9)] >= 1
    for t in trials:
        start = t.user_attrs["hpsearch:mf_resume_from"] or 0
        assert min(t.intermediate_values) == start + 1
    assert result.best_value == min(t.value for t in trials if t.state.name == "COMPLETE")
