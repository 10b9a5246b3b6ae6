"""Every malformed kind of space file gets exit code 2 and one line naming where and what."""

from __future__ import annotations

import pytest

from hpsearch.cli import main

BASE = "name: s\nparameters:\n  x: {type: float, low: 0, high: 1}\n"

CASES = {
    "empty file": ("", r"space\.yaml: file is empty"),
    "only comments": ("# nothing\n", r"file is empty"),
    "top level not a mapping": ("- a\n- b\n", r"space\.yaml:1: the top level must be a mapping"),
    "yaml syntax error": ("name: s\nparameters: {x: [1,\n", r"space\.yaml:3: invalid YAML"),
    "object tag": (
        "name: !!python/object/apply:os.system [ls]\nparameters: {}\n",
        r"space\.yaml:1: name: tag .* is not allowed",
    ),
    "custom tag": ("name: !secret s\nparameters: {}\n", r":1: name: tag '!secret' is not allowed"),
    "duplicate key": (
        "name: s\nname: t\nparameters: {}\n",
        r"space\.yaml:2: name: duplicate key 'name' \(first at line 1\)",
    ),
    "unknown top key": (
        BASE + "stratgy: random\n",
        r":4: stratgy: unknown key 'stratgy' \(did you mean 'strategy'\?\)",
    ),
    "unknown param key": (
        "parameters:\n  x: {type: float, low: 0, hihg: 1}\n",
        r":2: parameters\.x\.hihg: unknown key 'hihg' \(did you mean 'high'\?\)",
    ),
    "missing type": ("parameters:\n  x: {low: 0, high: 1}\n", r":2: parameters\.x: missing 'type'"),
    "unknown type": (
        "parameters:\n  x: {type: flaot, low: 0, high: 1}\n",
        r":2: parameters\.x\.type: unknown type 'flaot' \(did you mean 'float'\?\)",
    ),
    "low above high": (
        "parameters:\n  x: {type: float, low: 2, high: 1}\n",
        r"parameters\.x\.low: must be <= high",
    ),
    "log with zero low": (
        "name: s\nparameters:\n  lr:\n    type: float\n    low: 0\n    high: 1\n    log: true\n",
        r"space\.yaml:5: parameters\.lr\.low: must be > 0 on a log scale, got 0",
    ),
    "nan bound": (
        "parameters:\n  x: {type: float, low: .nan, high: 1}\n",
        r"parameters\.x\.low: must be finite",
    ),
    "infinite bound": (
        "parameters:\n  x: {type: float, low: 0, high: .inf}\n",
        r"parameters\.x\.high: must be finite",
    ),
    "step larger than range": (
        "parameters:\n  x: {type: float, low: 0, high: 1, step: 2}\n",
        r"parameters\.x\.step: is larger than the range",
    ),
    "int step not dividing": (
        "parameters:\n  n: {type: int, low: 1, high: 10, step: 4}\n",
        r"parameters\.n\.step: must divide the range 9",
    ),
    "empty choices": (
        "parameters:\n  k: {type: categorical, choices: []}\n",
        r"parameters\.k\.choices: must not be empty",
    ),
    "when unknown parent": (
        "parameters:\n  k: {type: categorical, choices: [a, b]}\n"
        "  d: {type: int, low: 1, high: 3, when: {kk: a}}\n",
        r":3: parameters\.d\.when\.kk: names unknown parameter 'kk' "
        r"\(did you mean 'k'\?\)",
    ),
    "when impossible value": (
        "parameters:\n  k: {type: categorical, choices: [a, b]}\n"
        "  d: {type: int, low: 1, high: 3, when: {k: c}}\n",
        r"parameters\.d\.when\.k: 'k' can never be 'c'",
    ),
    "when cycle": (
        "parameters:\n  a: {type: categorical, choices: [1, 2], when: {b: 1}}\n"
        "  b: {type: categorical, choices: [1, 2], when: {a: 1}}\n",
        r"parameters\.\w\.when: conditions form a cycle",
    ),
    "grid over continuous": (
        "strategy: grid\nparameters:\n  x: {type: float, low: 0, high: 1}\n",
        r":3: parameters\.x: the grid strategy needs a finite set of values",
    ),
    "unknown strategy": (
        BASE + "strategy: {name: bayesian}\n",
        r"strategy\.name: unknown strategy 'bayesian' \(did you mean 'bayes'\?\)",
    ),
    "bad goal": (
        BASE + "metric: {name: acc, goal: maximise}\n",
        r":4: metric\.goal: must be minimize or maximize, got 'maximise'",
    ),
    "multi-objective single strategy": (
        BASE + "metrics: [{name: a}, {name: b, goal: maximize}]\nstrategy: skopt\n",
        r"strategy\.name: 'skopt' optimizes a single metric",
    ),
    "bad budget": (BASE + "budget: {trials: 0}\n", r"budget\.trials: must be a positive integer"),
    "bad timeout": (BASE + "budget: {timeout: soon}\n", r"budget\.timeout: must be a duration"),
    "unknown objective": (
        BASE + "objective: {type: sklern}\n",
        r"objective\.type: unknown objective type 'sklern'",
    ),
    "objective missing key": (
        BASE + "objective: {type: sklearn, dataset: 'sklearn:iris'}\n",
        r"objective\.estimator: missing",
    ),
    "unknown pruner": (BASE + "pruner: {type: ashaa}\n", r"pruner\.type: unknown pruner 'ashaa'"),
    "alias bomb": (
        "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
        "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
        "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\nparameters: {}\n",
        r"expands to more than \d+ values \(alias bomb\?\)",
    ),
    "thousands of parameters": (
        "parameters:\n" + "".join(f"  p{i}: {{type: int, low: 0, high: 1}}\n" for i in range(1200)),
        r"parameters: has more than 1000 parameters",
    ),
}


@pytest.mark.parametrize("text,pattern", list(CASES.values()), ids=list(CASES))
def test_malformed_file_exits_2_with_one_located_line(tmp_path, capsys, text, pattern):
    path = tmp_path / "space.yaml"
    path.write_text(text)
    assert main(["validate", str(path)]) == 2
    captured = capsys.readouterr()
    err = captured.err
    assert "Traceback" not in err and captured.out == ""
    assert err.startswith("error: ") and err.count("\n") == 1, err
    import re

    assert re.search(pattern, err), err


def test_huge_file_is_refused(tmp_path, capsys):
    path = tmp_path / "space.yaml"
    path.write_text("parameters: {}\n" + "# padding\n" * 200_000)
    assert main(["validate", str(path)]) == 2
    assert "file is too large" in capsys.readouterr().err


def test_missing_file_is_a_clean_error(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "cannot read file" in capsys.readouterr().err


def test_json_duplicate_key_and_syntax(tmp_path, capsys):
    path = tmp_path / "space.json"
    path.write_text('{"parameters": {"x": {"type": "float", "low": 0, "low": 1, "high": 2}}}')
    assert main(["validate", str(path)]) == 2
    assert "duplicate key 'low'" in capsys.readouterr().err
    path.write_text('{"parameters": {\n "x": 1,\n}')
    assert main(["validate", str(path)]) == 2
    assert "space.json:3: invalid JSON" in capsys.readouterr().err
