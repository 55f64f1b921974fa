"""Monte-Carlo predictions for a chunk of described boxes."""

from __future__ import annotations


import numpy as np

from ariseml.classifier import Classifier
from ariseml.models.bayesian_mlp import hidden_widths
from ariseml.spm.grid import SpmSettings


BEFORE_RELU = "_before_relu"
"""Suffix of a hidden layer's activations before its ReLU (``hidden_1_before_relu``); ``hidden_1`` is after."""


def classify_boxes(indices: np.ndarray, counts: np.ndarray, features: np.ndarray, valid: np.ndarray,
                   classifier: Classifier, settings: SpmSettings) -> dict[str, np.ndarray]:
    """Monte-Carlo predictions for the valid boxes of a chunk; NaN for the empty ones."""
    n_classes = len(classifier.classes_)
    probabilities = np.full((len(indices), n_classes), np.nan, dtype=np.float32)
    information = np.full(len(indices), np.nan, dtype=np.float32)
    entropy = np.full(len(indices), np.nan, dtype=np.float32)
    passes = np.zeros(len(indices), dtype=np.int32)
    widths = hidden_widths(classifier.model_)
    hidden = {f"hidden_{k}{suffix}": np.full((len(indices), widths[k - 1]), np.nan, dtype=np.float32)
              for k in settings.hidden_layers for suffix in ("", BEFORE_RELU)}
    if valid.any():
        prediction = classifier.predict_arrays(features[valid], keep_hidden=bool(hidden))
        probabilities[valid] = prediction.probabilities
        information[valid] = prediction.mutual_information
        entropy[valid] = prediction.predictive_entropy
        passes[valid] = prediction.passes
        for k in settings.hidden_layers:
            hidden[f"hidden_{k}"][valid] = prediction.hidden[k - 1]
            hidden[f"hidden_{k}{BEFORE_RELU}"][valid] = prediction.hidden_before_relu[k - 1]
    return {"indices": indices, "counts": counts.astype(np.int32), "probabilities": probabilities,
            "mutual_information": information, "predictive_entropy": entropy, "passes": passes, **hidden}


def classify_described(indices: np.ndarray, described: list[tuple[int, np.ndarray | None]],
                        classifier: Classifier, settings: SpmSettings) -> dict[str, np.ndarray]:
    counts = np.array([count for count, _ in described])
    valid = np.array([vector is not None for _, vector in described])
    features = np.zeros((len(indices), classifier.settings_.n_features), dtype=np.float32)
    for row, (_, vector) in enumerate(described):
        if vector is not None:
            features[row] = vector
    return classify_boxes(indices, counts, features, valid, classifier, settings)
