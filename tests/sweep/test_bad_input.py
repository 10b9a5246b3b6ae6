"""Bad input, every time: exit 0, or exit 2 with one line on stderr, never a traceback.

Property-based: mutated space files (the examples in search_spaces/, the shared W&B corpus and
a tiny runnable sweep) and mutated command-line arguments go through ``hpsearch.cli.main`` in
process, as ``validate`` and as ``run --trials 1``.
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hpsearch.cli import main
from hpsearch.config._loader import BUDGET_KEYS, EXECUTION_KEYS, TOP_KEYS
from hpsearch.config._wandb import HYPERBAND_KEYS, METRIC_KEYS
from hpsearch.config._wandb import TOP_KEYS as WANDB_TOP_KEYS
from hpsearch.execution import EXECUTORS
from hpsearch.objectives import OBJECTIVES
from hpsearch.pruners import PRUNERS
from hpsearch.strategies import STRATEGIES
from tests.conftest import CORPUS, SEARCH_SPACES

pytestmark = pytest.mark.filterwarnings("ignore")

TINY = {
    "name": "tiny",
    "objective": {"type": "python", "function": "tests.sweep.objectives_for_tests:quadratic"},
    "metric": {"name": "value", "goal": "minimize"},
    "strategy": {"name": "random", "seed": 0},
    "budget": {"trials": 2},
    "pruner": {"type": "median", "n_startup_trials": 1},
    "execution": {"executor": "local"},
    "parameters": {
        "x": {"type": "float", "low": 0, "high": 1},
        "k": {"type": "categorical", "choices": ["a", "b"]},
        "n": {"type": "int", "low": 1, "high": 4, "when": {"k": "a"}},
    },
}

# every key an extension declares, so mutations reach every option of every block
_OPTION_KEYS = sorted(
    {
        key
        for registry in (STRATEGIES, PRUNERS, OBJECTIVES)
        for cls in registry.values()
        for key in cls.schema.names
    }
)
_KEYS = sorted(
    {
        *_OPTION_KEYS,
        *TOP_KEYS,
        *BUDGET_KEYS,
        *EXECUTION_KEYS,
        *WANDB_TOP_KEYS,
        *HYPERBAND_KEYS,
        *METRIC_KEYS,
        "type",
        "name",
        "seed",
        "low",
        "high",
        "step",
        "log",
        "choices",
        "when",
        "values",
        "min",
        "max",
        "distribution",
        "cpu",
        "gpu",
        "bogus",
    }
)
_NAMES = [*STRATEGIES, *PRUNERS, *OBJECTIVES, *EXECUTORS, "hyperband", "grid", "bayes"]
_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([-1, 0, 1, 2, 3, 150, 0.5, -0.5, 1e300, 2**63, 10**400 // 10**399]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "abc", "30m", "-5", "1e400", "nan", "sklearn:iris", "x:y", *_NAMES]),
    st.text(max_size=6),
    st.lists(st.sampled_from([0, 1, "a", None, 2.5]), max_size=3),
    st.dictionaries(st.sampled_from(_KEYS), st.sampled_from([0, 1, "a", None, True]), max_size=2),
)


def _load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _documents() -> dict[str, object]:
    docs: dict[str, object] = {"tiny": TINY}
    for path in sorted(SEARCH_SPACES.glob("*.yaml")):
        docs[path.name] = _load(path)
    if CORPUS.is_dir():
        for path in sorted(CORPUS.glob("*.yaml")):
            with contextlib.suppress(yaml.YAMLError):  # the duplicate-key file
                docs[path.name] = _load(path)
    return docs


DOCUMENTS = _documents()


def _paths(doc, prefix=()):
    yield prefix
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from _paths(value, (*prefix, i))


def mutate(data, doc, *, rounds: int = 3):
    """``doc`` with up to ``rounds`` keys set, deleted or added (drawn by hypothesis)."""
    doc = copy.deepcopy(doc)
    for _ in range(data.draw(st.integers(1, rounds))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        op = data.draw(st.sampled_from(["set", "set", "delete", "add"]))
        if op == "set":
            parent[path[-1]] = data.draw(_VALUES)
        elif op == "delete":
            del parent[path[-1]]
        elif isinstance(parent[path[-1]], dict):
            parent[path[-1]][data.draw(st.sampled_from(_KEYS))] = data.draw(_VALUES)
    return doc


def call(argv: list[str]) -> tuple[int, str]:
    """``hpsearch argv`` in process: (exit code, stderr). An exception propagates (a
    traceback, which fails the test)."""
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 2
    return code, err.getvalue()


def assert_clean(code: int, stderr: str, argv: list[str]) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    if code == 0:
        return
    if code == 1 and len(lines) == 1 and lines[0].startswith("error: every trial failed"):
        return
    assert code == 2, f"exit {code} for {argv}: {stderr}"
    assert len(lines) == 1, f"{len(lines)} lines on stderr for {argv}:\n{stderr}"
    assert lines[0].startswith("error: "), stderr


def write(doc, folder: str, name: str = "space.yaml") -> str:
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as fh:
        yaml.safe_dump(doc, fh, sort_keys=False, allow_unicode=True)
    return path


#: HPSEARCH_FUZZ=10 runs ten times the examples (a deeper search, outside the suite)
SCALE = int(os.environ.get("HPSEARCH_FUZZ", "1"))


@settings(max_examples=120 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), name=st.sampled_from(sorted(DOCUMENTS)))
def test_validate_mutated_files_exits_0_or_2_with_one_line(data, name):
    doc = mutate(data, DOCUMENTS[name])
    with tempfile.TemporaryDirectory() as tmp:
        argv = ["validate", write(doc, tmp)]
        assert_clean(*call(argv), argv)


_FLAGS = {
    "--trials": ["0", "-1", "1", "2", "abc", "1.5"],
    "--timeout": ["0", "-5", "1s", "30m", "abc", "1e400", "nan"],
    "--strategy": [*STRATEGIES, "bogus", ""],
    "--seed": ["-1", "0", "7", str(2**70), "x"],
    "--workers": ["0", "1", "-2", "two"],
    "--executor": ["local", "bogus"],
    "--address": ["", "localhost:1", "auto"],
    "--storage": ["", "bogus://", "sqlite:///{tmp}/nodir/x.db", "sqlite:///{tmp}/s.db"],
    "--out": ["{tmp}/space.yaml", "{tmp}/out", "{tmp}/out/deeper"],
}


@settings(max_examples=40 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_run_mutated_files_and_flags_exits_0_or_2_with_one_line(data):
    doc = mutate(data, TINY, rounds=2)
    execution = doc.get("execution")
    if isinstance(execution, dict) and execution.get("executor") in ("ray", "tune"):
        execution["executor"] = "local"  # Ray start-up is too slow for many examples
    flags = data.draw(st.lists(st.sampled_from(sorted(_FLAGS)), max_size=3, unique=True))
    with tempfile.TemporaryDirectory() as tmp:
        argv = ["run", write(doc, tmp), "--trials", "1", "--quiet", "--no-report"]
        if "--out" not in flags:
            argv += ["--out", f"{tmp}/run"]
        for flag in flags:
            argv += [flag, data.draw(st.sampled_from(_FLAGS[flag])).format(tmp=tmp)]
        assert_clean(*call(argv), argv)


_BLOCKS = {"strategy": (STRATEGIES, "name"), "pruner": (PRUNERS, "type")}
_OPTION_VALUES = st.one_of(
    st.sampled_from([None, True, False, -1, 0, 1, 2, 5, 150, 0.0, 0.5, 1.0, 1e9, "auto", "x"]),
    st.sampled_from(["sampling", "lbfgs", "gp_hedge", "EI", "GP", "RF", "ET", "GBRT"]),
)


@settings(max_examples=60 * SCALE, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), block=st.sampled_from(sorted(_BLOCKS)))
def test_run_with_any_option_of_any_extension_exits_0_or_2(data, block):
    """Every option of every strategy and pruner, with edge values, in a sweep that runs."""
    registry, key = _BLOCKS[block]
    name = data.draw(st.sampled_from(sorted(registry)))
    keys = registry[name].schema.names
    options = data.draw(st.dictionaries(st.sampled_from(keys), _OPTION_VALUES)) if keys else {}
    doc = copy.deepcopy(TINY)
    doc[block] = {key: name, **options}
    if name == "grid":
        doc["parameters"]["x"]["step"] = 0.25
    trials = data.draw(st.sampled_from(["1", "3"]))
    with tempfile.TemporaryDirectory() as tmp:
        argv = ["run", write(doc, tmp), "--trials", trials, "--quiet", "--no-report"]
        argv += ["--out", f"{tmp}/run"]
        assert_clean(*call(argv), argv)


@pytest.mark.parametrize(
    "argv",
    [
        ["run"],
        ["bogus"],
        ["run", "x.yaml", "--trials", "abc"],
        ["trials", "d", "--top"],
        ["validate", "a", "b"],
    ],
)
def test_argument_errors_are_one_line(argv):
    code, stderr = call(argv)
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert "hpsearch" in lines[0] and "--help" in lines[0]
