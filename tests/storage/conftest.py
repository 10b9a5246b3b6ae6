"""Pristine sweep directories, made once per test session by real sweeps."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.storage.journals import make_sweep, strip_checksums


@pytest.fixture(scope="session")
def sweep_one_worker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sweep(tmp_path_factory.mktemp("sweeps") / "one-worker")


@pytest.fixture(scope="session")
def sweep_two_workers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sweep(tmp_path_factory.mktemp("sweeps") / "two-workers", workers=2)


@pytest.fixture(scope="session")
def small_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve trials on two workers: short enough to cut at every byte of its end."""
    return make_sweep(tmp_path_factory.mktemp("sweeps") / "small", workers=2, trials=12)


@pytest.fixture(scope="session")
def legacy_sweep(tmp_path_factory: pytest.TempPathFactory, sweep_one_worker: Path) -> Path:
    """The one-worker sweep as hpsearch 0.1 wrote it (no checksums)."""
    import shutil

    target = tmp_path_factory.mktemp("sweeps") / "legacy"
    shutil.copytree(sweep_one_worker, target)
    strip_checksums(target / "study.journal")
    return target
