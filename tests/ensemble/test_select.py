"""Weight selection and the nested estimate, on arrays (no sweep)."""

from __future__ import annotations

import numpy as np
import pytest

from hpsearch.ensemble import (
    METHODS,
    average_top_k,
    blend,
    fit_weights,
    greedy_selection,
    nested_estimate,
    stack_nnls,
)
from hpsearch.ensemble._nested import split_ids
from hpsearch.ensemble._select import check_method
from hpsearch.errors import ConfigError
from hpsearch.objectives._scoring import get_metric


def noisy_classifiers(m: int, n: int = 300, k: int = 3, *, noise: float = 1.0, seed: int = 0):
    """``m`` models whose probabilities are the truth plus independent noise (logit space)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    logits = 1.5 * np.eye(k)[y][None] + noise * rng.normal(size=(m, n, k))
    probs = np.exp(logits) / np.exp(logits).sum(axis=2, keepdims=True)
    return probs, y


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weights_are_non_negative_and_sum_to_one(method, seed):
    probs, y = noisy_classifiers(7, seed=seed)
    for metric in ("accuracy", "log_loss", "f1_macro"):
        w = fit_weights(method, probs, y, get_metric(metric), 4)
        assert w.shape == (7,)
        assert np.all(w >= 0)
        assert w.sum() == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_an_ensemble_of_one_member_is_that_member(method):
    probs, y = noisy_classifiers(6, seed=3)
    metric = get_metric("log_loss")
    w = fit_weights(method, probs, y, metric, 1)
    best = int(np.argmin(metric.score_many(y, probs)))
    assert np.flatnonzero(w).tolist() == [best] and w[best] == 1.0
    assert np.array_equal(blend(probs, w), probs[best])
    assert metric.score(y, blend(probs, w)) == metric.score(y, probs[best])


def test_greedy_combines_models_with_complementary_errors():
    y = np.array([0, 1, 0, 1, 0, 1])
    right = np.eye(2)[y]
    a, b, c = right.copy(), right.copy(), right.copy()
    a[0], b[1], c[2] = [0.1, 0.9], [0.9, 0.1], [0.1, 0.9]  # each wrong on a different row
    metric = get_metric("accuracy")
    w = greedy_selection(np.stack([a, b, c]), y, metric, rounds=10)
    assert metric.score(y, blend(np.stack([a, b, c]), w)) == 1.0  # alone each scores 5/6
    assert np.count_nonzero(w) >= 2


def test_greedy_takes_the_best_round_not_the_last():
    # a perfect model and a terrible one: more rounds never help, so weights stay on the first
    y = np.array([0, 1, 1, 0])
    good, bad = np.eye(2)[y], np.eye(2)[1 - y]
    w = greedy_selection(np.stack([bad, good]), y, get_metric("log_loss"), rounds=25)
    assert w.tolist() == [0.0, 1.0]


def test_average_top_k_weights_the_k_best_equally():
    rng = np.random.default_rng(0)
    y = rng.normal(size=50)
    preds = np.stack([y + s * rng.normal(size=50) for s in (0.1, 3.0, 0.2, 0.3)])[..., None]
    w = average_top_k(preds, y, get_metric("mse"), k=3)
    assert w.tolist() == pytest.approx([1 / 3, 0.0, 1 / 3, 1 / 3])


def test_stack_recovers_a_convex_mixture():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=400), rng.normal(size=400)
    y = 0.7 * a + 0.3 * b
    preds = np.stack([a, b, rng.normal(size=400)])[..., None]
    w = stack_nnls(preds, y, get_metric("mse"), k=3)
    assert w == pytest.approx([0.7, 0.3, 0.0], abs=1e-6)


def test_nested_estimate_exposes_selection_overfitting():
    # 40 models of pure noise: in-sample greedy finds a blend that looks good; nested does not
    rng = np.random.default_rng(0)
    n = 200
    y = rng.integers(0, 2, n)
    probs = rng.dirichlet([1.0, 1.0], size=(40, n))
    metric = get_metric("accuracy")
    fit = lambda p, t: greedy_selection(p, t, metric, rounds=25)  # noqa: E731
    in_sample = metric.score(y, blend(probs, fit(probs, y)))
    est = nested_estimate(probs, y, metric, fit, n_splits=5, n_repeats=2, seed=0)
    assert in_sample > 0.6
    assert est.ensemble.mean < in_sample - 0.05
    assert abs(est.ensemble.mean - 0.5) < 3 * est.ensemble.se + 0.02
    assert est.ensemble.n == 10 and est.ensemble.se > 0


def test_nested_estimate_of_a_real_gain_is_positive_and_seeded():
    probs, y = noisy_classifiers(8, n=400, seed=4, noise=1.2)
    metric = get_metric("log_loss")
    fit = lambda p, t: fit_weights("average", p, t, metric, 8)  # noqa: E731
    first = nested_estimate(probs, y, metric, fit, seed=7)
    assert first.gain.mean > 3 * first.gain.se > 0
    assert nested_estimate(probs, y, metric, fit, seed=7) == first
    assert nested_estimate(probs, y, metric, fit, seed=8) != first


def test_split_ids_are_stratified():
    y = np.repeat([0, 1, 2], [50, 30, 20])
    ids = split_ids(y, "classification", 5, np.random.default_rng(0))
    for part in range(5):
        counts = np.bincount(y[ids == part], minlength=3)
        assert counts.tolist() == [10, 6, 4]


def test_nested_estimate_needs_enough_rows():
    probs, y = noisy_classifiers(2, n=6)
    with pytest.raises(ValueError, match="at least 10 rows"):
        nested_estimate(probs, y, get_metric("accuracy"), lambda p, t: np.ones(2) / 2)


def test_bad_method_and_size_are_config_errors():
    with pytest.raises(ConfigError, match=r"unknown ensemble method 'greddy' \(did you mean"):
        check_method("greddy", None)
    with pytest.raises(ConfigError, match="size: must be an integer >= 1, got 0"):
        check_method("greedy", 0)
