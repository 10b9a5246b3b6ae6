"""Shared fixtures: paths to the repo's example files and the shared corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEARCH_SPACES = ROOT / "search_spaces"
CORPUS = ROOT.parent / "shared" / "corpus" / "wandb"


@pytest.fixture
def corpus_dir() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus/wandb is absent")
    return CORPUS
