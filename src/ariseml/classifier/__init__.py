"""The two classifiers (SOAP + Bayesian MLP, diffraction fingerprint + ConvNet), their answers, and the
loader that picks the right one for a model file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ariseml.classifier.classification import DOUBT_BELOW, Classification
from ariseml.classifier.diffraction_classifier import DiffractionClassifier
from ariseml.classifier.soap_classifier import DEFAULT_MODEL, NOT_A_CRYSTAL_LABEL, Classifier
from ariseml.models.files import DIFFRACTION_KIND, SHIPPED_DIFFRACTION_MODELS, SHIPPED_MODELS, ModelFileError

__all__ = ["DEFAULT_MODEL", "DOUBT_BELOW", "NOT_A_CRYSTAL_LABEL", "SHIPPED_DIFFRACTION_MODELS", "SHIPPED_MODELS",
           "Classification", "Classifier", "DiffractionClassifier", "ModelFileError", "load_classifier"]


def load_classifier(model: str | Path, **options: Any) -> Classifier | DiffractionClassifier:
    """Either kind of model, by shipped name or path."""
    if str(model) in SHIPPED_DIFFRACTION_MODELS:
        return DiffractionClassifier.load(model, **options)
    if str(model) not in SHIPPED_MODELS:
        # only the kind is peeked at here; the loader below verifies the files and reports what is wrong
        try:
            kind = json.loads(Path(model).with_suffix(".json").read_text()).get("kind")
        except (OSError, ValueError, AttributeError):
            kind = None
        if kind == DIFFRACTION_KIND:
            return DiffractionClassifier.load(model, **options)
    return Classifier.load(model, **options)
