"""HPSearchCV behaves like scikit-learn's search estimators."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_iris
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from hpsearch import HPSearchCV


def test_hpsearchcv_fits_pipeline_and_exposes_results(tmp_path):
    X, y = load_iris(return_X_y=True)
    search = HPSearchCV(
        make_pipeline(StandardScaler(), SVC()),
        {
            "svc__C": {"type": "float", "low": 1e-2, "high": 1e2, "log": True},
            "svc__kernel": {"type": "categorical", "choices": ["rbf", "linear"]},
        },
        strategy="tpe",
        n_trials=8,
        cv=3,
        random_state=0,
        out=str(tmp_path / "cv"),
    )
    search.fit(X, y)
    assert search.n_trials_ == 8
    assert set(search.best_params_) == {"svc__C", "svc__kernel"}
    assert search.best_score_ == np.nanmax(search.cv_results_["mean_test_score"])
    assert search.cv_results_["rank_test_score"][search.best_index_] == 1
    assert (search.cv_results_["std_test_score"] >= 0).all()
    assert search.predict(X).shape == y.shape
    assert 0.8 < search.score(X, y) <= 1.0
    assert (tmp_path / "cv" / "trials.csv").exists()
