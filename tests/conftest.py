"""Shared fixtures: paths to the repo's example files and the shared corpus.

Under ``CI=true`` a missing resource a test needs (the shared W&B corpus, Chromium) is a
failure, not a skip: CI must run every check (:func:`skip_or_fail`).

Also the session-end leak check: the test run fails when a process a test started is still
running after every fixture (the shared Ray instance included) has been torn down. The pytest
process makes itself a child subreaper (Linux), so a process whose parent died is re-parented to
pytest instead of init and is still found among its descendants. The check is always on, in CI
(``CI=true``) as anywhere: a leaked process is a bug (a worker that outlived its driver holds
memory, a GPU, or keeps training), and the failure names each one (pid and command line) and
kills it, so a failed run leaves nothing behind either.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from hpsearch._processes import become_subreaper
from tests.processes import Proc, descendants, kill_all, wait_until_gone

ROOT = Path(__file__).resolve().parents[1]
SEARCH_SPACES = ROOT / "search_spaces"
#: the shared W&B corpus, next to the checkout (HPSEARCH_CORPUS points elsewhere, e.g. from a
#: git worktree)
CORPUS = Path(os.environ.get("HPSEARCH_CORPUS") or ROOT.parent / "shared" / "corpus" / "wandb")
IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")
CORPUS_MISSING = "../shared/corpus/wandb is absent"


def skip_or_fail(reason: str) -> None:
    """Skip the test because ``reason``; under ``CI=true``, fail it instead."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing resource is a failure, not a skip)")
    pytest.skip(reason)


def require_corpus() -> Path:
    """The W&B corpus folder; skips (fails under CI) when it is absent."""
    if not CORPUS.is_dir():
        skip_or_fail(CORPUS_MISSING)
    return CORPUS


def cuda_available() -> bool:
    """Whether torch can use a GPU on this machine: device tests expect either case."""
    try:
        import torch  # heavy: only for the tests that ask
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


LEAK_GRACE_S = 10.0  # how long processes may take to exit once the last test is done
_LEAKED = pytest.StashKey[list[Proc]]()


@pytest.fixture
def corpus_dir() -> Path:
    return require_corpus()


def pytest_configure(config: pytest.Config) -> None:
    become_subreaper()
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # the suite was started with `&`
        # which children inherit: the Ctrl-C tests' drivers would ignore their SIGINT
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.hookimpl(trylast=True)  # after the runner's own hook has torn the session fixtures down
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    leaked = wait_until_gone(descendants(os.getpid()), LEAK_GRACE_S)
    if not leaked:
        return
    session.config.stash[_LEAKED] = leaked
    kill_all(leaked)
    if session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    leaked = terminalreporter.config.stash.get(_LEAKED, [])
    if not leaked:
        return
    terminalreporter.section("processes left running", sep="=", red=True, bold=True)
    terminalreporter.write_line(
        f"{len(leaked)} process(es) started by the tests were still running "
        f"{LEAK_GRACE_S:g}s after the last test (now killed):"
    )
    for proc in leaked:
        terminalreporter.write_line(f"  {proc}")
