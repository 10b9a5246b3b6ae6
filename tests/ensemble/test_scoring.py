"""Prediction metrics: each one against scikit-learn, and the name mappings."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from hpsearch.errors import ConfigError
from hpsearch.objectives._scoring import (
    SCORER_NAMES,
    get_metric,
    metric_for_scorer,
    metric_for_torch,
)

RNG = np.random.default_rng(0)
Y3 = RNG.integers(0, 3, 120)
P3 = RNG.dirichlet(np.ones(3), size=120)
Y2 = RNG.integers(0, 2, 120)
P2 = RNG.dirichlet(np.ones(2), size=120)
YR = RNG.normal(size=120) + 3.0
PR = YR + 0.4 * RNG.normal(size=120)

CASES = {
    "accuracy": (Y3, P3, lambda: skm.accuracy_score(Y3, P3.argmax(1))),
    "balanced_accuracy": (Y3, P3, lambda: skm.balanced_accuracy_score(Y3, P3.argmax(1))),
    "neg_log_loss": (Y3, P3, lambda: skm.log_loss(Y3, P3)),
    "matthews_corrcoef": (Y3, P3, lambda: skm.matthews_corrcoef(Y3, P3.argmax(1))),
    "f1_macro": (Y3, P3, lambda: skm.f1_score(Y3, P3.argmax(1), average="macro")),
    "f1_weighted": (Y3, P3, lambda: skm.f1_score(Y3, P3.argmax(1), average="weighted")),
    "precision_micro": (Y3, P3, lambda: skm.precision_score(Y3, P3.argmax(1), average="micro")),
    "recall_macro": (Y3, P3, lambda: skm.recall_score(Y3, P3.argmax(1), average="macro")),
    "roc_auc_ovr": (Y3, P3, lambda: skm.roc_auc_score(Y3, P3, multi_class="ovr")),
    "f1": (Y2, P2, lambda: skm.f1_score(Y2, P2.argmax(1))),
    "roc_auc": (Y2, P2, lambda: skm.roc_auc_score(Y2, P2[:, 1])),
    "neg_brier_score": (Y2, P2, lambda: skm.brier_score_loss(Y2, P2[:, 1])),
    "r2": (YR, PR, lambda: skm.r2_score(YR, PR)),
    "neg_mean_squared_error": (YR, PR, lambda: skm.mean_squared_error(YR, PR)),
    "neg_root_mean_squared_error": (YR, PR, lambda: skm.root_mean_squared_error(YR, PR)),
    "neg_mean_absolute_error": (YR, PR, lambda: skm.mean_absolute_error(YR, PR)),
    "neg_median_absolute_error": (YR, PR, lambda: skm.median_absolute_error(YR, PR)),
    "explained_variance": (YR, PR, lambda: skm.explained_variance_score(YR, PR)),
    "neg_mean_absolute_percentage_error": (
        YR,
        PR,
        lambda: skm.mean_absolute_percentage_error(YR, PR),
    ),
}


@pytest.mark.parametrize("scorer", sorted(CASES))
def test_metric_matches_scikit_learn(scorer):
    y, p, expected = CASES[scorer]
    metric = metric_for_scorer(scorer)
    preds = p if p.ndim == 2 else p[:, None]
    assert metric.score(y, preds) == pytest.approx(expected(), rel=1e-12, abs=1e-12)
    many = metric.score_many(y, np.stack([preds, preds[::-1]]))
    assert many[0] == pytest.approx(expected(), rel=1e-12, abs=1e-12)


def test_losses_are_minimized_and_scores_maximized():
    assert metric_for_scorer("neg_log_loss").goal == "minimize"
    assert metric_for_scorer("neg_mean_squared_error").name == "mse"
    assert metric_for_scorer("accuracy").goal == "maximize"
    assert all(
        get_metric(name).task in ("classification", "regression") for name in SCORER_NAMES.values()
    )


def test_torch_metric_names_map_to_prediction_metrics():
    assert metric_for_torch(["compressed_accuracy", "size_mb"], "classification").name == "accuracy"
    assert metric_for_torch(["latency_ms", "f1"], "classification").name == "f1_macro"
    assert metric_for_torch(["val_loss"], "classification").name == "log_loss"
    assert metric_for_torch(["value"], "regression").name == "mse"
    assert metric_for_torch(["r2"], "regression").name == "r2"


def test_an_unsupported_scorer_is_a_config_error():
    with pytest.raises(
        ConfigError, match=r"cannot score predictions with the scorer 'top_k_accuracy'"
    ):
        metric_for_scorer("top_k_accuracy")
    with pytest.raises(ConfigError, match=r"unknown prediction metric 'acuracy' \(did you mean"):
        get_metric("acuracy")


def test_binary_roc_auc_of_many_candidates_matches_scikit_learn_with_ties():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 300)
    positive = np.round(rng.random((6, 300)), 1)  # many ties, which count one half
    stack = np.stack([1 - positive, positive], axis=2)
    expected = [skm.roc_auc_score(y, p) for p in positive]
    np.testing.assert_allclose(get_metric("roc_auc").score_many(y, stack), expected, atol=1e-12)
