"""Gaussian and Bernoulli naive Bayes on the ARISE descriptor, the paper's statistical baseline.

Both are scikit-learn's estimators with default options, fitted on the pristine
training set (``arise dataset``). Their fitted parameters ship with the package
(``models/shipped/naive_bayes.npz``, a few hundred kB), so the benchmark needs no
training set; ``python benchmarks/fit_naive_bayes.py`` remakes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.naive_bayes import BernoulliNB, GaussianNB

from ariseml.io import atomic_path

SHIPPED_PARAMETERS = Path(__file__).resolve().parent.parent / "models" / "shipped" / "naive_bayes.npz"


def fit(features: np.ndarray, labels: Sequence[str]) -> tuple[GaussianNB, BernoulliNB]:
    """Both estimators fitted on descriptor rows and their class ids."""
    return GaussianNB().fit(features, labels), BernoulliNB().fit(features, labels)


def save(gaussian: GaussianNB, bernoulli: BernoulliNB, path: Path = SHIPPED_PARAMETERS) -> None:
    with atomic_path(path) as temporary, open(temporary, "wb") as handle:
        np.savez_compressed(handle, classes=gaussian.classes_, theta=gaussian.theta_, var=gaussian.var_,
                            class_prior=gaussian.class_prior_, epsilon=gaussian.epsilon_,
                            binarize=bernoulli.binarize, feature_log_prob=bernoulli.feature_log_prob_,
                            class_log_prior=bernoulli.class_log_prior_)


def load(path: Path = SHIPPED_PARAMETERS) -> tuple[GaussianNB, BernoulliNB]:
    """The two fitted estimators, rebuilt from their stored parameters."""
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run 'python benchmarks/fit_naive_bayes.py' to make it")
    with np.load(path) as stored:
        gaussian, bernoulli = GaussianNB(), BernoulliNB(binarize=float(stored["binarize"]))
        for estimator in (gaussian, bernoulli):
            estimator.classes_ = stored["classes"].astype(str)
            estimator.n_features_in_ = stored["theta"].shape[1]
        gaussian.theta_, gaussian.var_ = stored["theta"], stored["var"]
        gaussian.class_prior_, gaussian.epsilon_ = stored["class_prior"], float(stored["epsilon"])
        bernoulli.feature_log_prob_, bernoulli.class_log_prior_ = stored["feature_log_prob"], stored["class_log_prior"]
    return gaussian, bernoulli
