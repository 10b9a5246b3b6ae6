"""Shared fixtures: paths to the repo's example files and the shared corpus.

Under ``CI=true`` a missing resource a test needs (the shared W&B corpus, Chromium) is a
failure, not a skip: CI must run every check (:func:`skip_or_fail`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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


@pytest.fixture
def corpus_dir() -> Path:
    return require_corpus()
