"""Quiet Optuna, and one BLAS/OpenMP thread, for the strategy tests.

GP samplers (Optuna's and scikit-optimize's) run small linear algebra many times: on a shared
2-core machine, several BLAS threads per process slow them down several-fold.
"""

from __future__ import annotations

import optuna
import pytest


@pytest.fixture(autouse=True)
def _quiet_optuna():
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    yield
    optuna.logging.set_verbosity(level)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield
