"""Bayesian summaries of Monte-Carlo dropout samples (ARISE supplement, Eq. 4-5)."""

from __future__ import annotations

import numpy as np
from scipy.special import xlogy


def predictive_entropy(mean_probabilities: np.ndarray) -> np.ndarray:
    """H[p̄] = -Σ_c p̄_c log p̄_c for each row of mean class probabilities (nats)."""
    return -np.sum(xlogy(mean_probabilities, mean_probabilities), axis=-1)  # 0 log 0 = 0


def expected_entropy(sample_probabilities: np.ndarray) -> np.ndarray:
    """(1/T) Σ_t H[p_t] for samples shaped (T, n, classes)."""
    return -np.mean(np.sum(xlogy(sample_probabilities, sample_probabilities), axis=-1), axis=0)


def mutual_information(sample_probabilities: np.ndarray) -> np.ndarray:
    """Eq. (5): H[p̄] - (1/T) Σ_t H[p_t], the model (epistemic) uncertainty, for (T, n, classes)."""
    return mutual_information_from_means(sample_probabilities.mean(axis=0), expected_entropy(sample_probabilities))


def mutual_information_from_means(mean_probabilities: np.ndarray, mean_entropy: np.ndarray) -> np.ndarray:
    """Eq. (5) from the mean probabilities p̄ and the mean per-pass entropy (1/T) Σ_t H[p_t]."""
    return np.maximum(predictive_entropy(mean_probabilities) - mean_entropy, 0.0)
