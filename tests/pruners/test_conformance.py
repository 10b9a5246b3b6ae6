"""Rules every registered pruner keeps, checked against each of them (and CONTRIBUTING's example).

A new pruner added to ``PRUNERS`` is picked up here without writing a test: it must build from its
defaults, refuse unknown options with a did-you-mean, refuse a multi-objective sweep unless it
declares it can judge one, and run a real sweep whose counts add up.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import hpsearch
from hpsearch.config import PrunerConfig
from hpsearch.errors import ConfigError
from hpsearch.pruners import PRUNERS, make_pruner

CONTRIBUTING = Path(__file__).resolve().parents[2] / "CONTRIBUTING.md"
#: options a pruner needs beyond its defaults to do anything in a 12-trial, 8-step sweep
EXAMPLE_OPTIONS = {"threshold": {"upper": 0.6}}


def _contributing_pruner() -> type:
    """The ThresholdPruner of CONTRIBUTING.md's worked example, executed from the page."""
    text = CONTRIBUTING.read_text(encoding="utf-8")
    code = next(b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "class " in b)
    namespace: dict = {"__name__": "contributing_example"}
    exec(compile(code, str(CONTRIBUTING), "exec"), namespace)  # the doc's own code
    return namespace["ThresholdPruner"]


@pytest.fixture(scope="module", params=[*PRUNERS, "threshold"])
def pruner(request):
    if request.param in PRUNERS:
        yield PRUNERS[request.param]
        return
    example = _contributing_pruner()
    with pytest.MonkeyPatch.context() as patch:  # the example's "one registry line"
        patch.setitem(PRUNERS._entries, example.name, example)
        yield example


def _space(pruner_cls, metrics=None, **options) -> dict:
    doc = {
        "name": "pruned",
        "strategy": {"name": "random", "seed": 0},
        "parameters": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
        "pruner": {"type": pruner_cls.name, **EXAMPLE_OPTIONS.get(pruner_cls.name, {}), **options},
    }
    if metrics:
        doc["metrics"] = metrics
    return doc


def _curve(params, trial):
    for step in range(8):
        trial.report(params["x"] + 0.01 * step, step)
        if trial.should_prune():
            raise hpsearch.TrialPruned()
    return params["x"]


def _load(doc: dict, pruner_cls) -> hpsearch.SweepConfig:
    return hpsearch.load_space(doc)


def test_builds_from_its_defaults(pruner):
    options = EXAMPLE_OPTIONS.get(pruner.name, {})
    built = pruner(**options).build()
    assert hasattr(built, "prune")
    assert type(make_pruner(PrunerConfig(pruner.name, options))) is type(built)


def test_unknown_option_is_refused_with_a_hint(pruner):
    keys = pruner.schema.names
    typo = (keys[0][:-1] + "x") if keys else "bogus"
    with pytest.raises(ConfigError, match=r"pruner\.") as err:
        _load(_space(pruner, **{typo: 1}), pruner)
    assert "unknown" in str(err.value)


def test_multi_objective_sweeps_are_refused_unless_declared(pruner):
    doc = _space(pruner, metrics=[{"name": "a", "goal": "minimize"}, {"name": "b"}])
    if pruner.multi_objective:
        _load(doc, pruner)
        return
    with pytest.raises(ConfigError, match="Pareto"):
        _load(doc, pruner)


def test_a_real_sweep_with_it_adds_up(pruner, tmp_path):
    try:
        config = _load(_space(pruner), pruner)
    except ConfigError as exc:  # a pruner of another executor (pbt: Ray Tune) says so at load
        assert "executor" in str(exc) and str(exc).startswith("pruner.type")
        assert "\n" not in str(exc)
        return
    result = hpsearch.run(config, _curve, trials=12, out=tmp_path / "run", report=False)
    counts = result.trials["state"].value_counts().to_dict()
    assert sum(counts.values()) == 12
    assert set(counts) <= {"COMPLETE", "PRUNED"}
    assert counts.get("COMPLETE", 0) >= 1
    if pruner.name == "none":
        assert "PRUNED" not in counts
    if pruner.name == "threshold":  # upper 0.6: a curve x + 0.01 * step crosses it by step 7
        assert counts.get("PRUNED", 0) == int((result.trials["param_x"] + 0.07 > 0.6).sum())
