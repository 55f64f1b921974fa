"""The ARISE classifier: descriptor + Bayesian MLP, with a scikit-learn-like interface.

    >>> from ariseml import Classifier
    >>> classifier = Classifier.load()          # the model shipped in the package
    >>> result = classifier.classify([atoms])[0]
    >>> result.top_ids, result.top_probabilities, result.mutual_information
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import torch
from ase import Atoms

from ariseml import __version__
from ariseml.descriptors.soap import SoapSettings, describe_many
from ariseml.models.bayesian_mlp import BayesianMLP, monte_carlo_predict
from ariseml.prototypes import get_prototype

SHIPPED_MODELS = {"paper": "arise_mlp", "outer": "arise_mlp_outer"}
"""Name -> file stem of the models inside ``ariseml/models/shipped`` (``.pt`` weights, ``.json`` metadata).

``paper``: trained exactly as published (Table 1, Methods), the reference mode.
``outer``: the same network and training on the mean of per-atom power spectra
(``average="outer"``), the only averaging that can be pooled from per-atom vectors:
the model of SPM's fast mode.
"""
DEFAULT_MODEL = "paper"


class ModelFileError(ValueError):
    """A model file that is missing, corrupted or made for other descriptor settings."""


@dataclass
class Classification:
    """One structure's answer: the most similar prototypes, how sure, and the uncertainty (nats)."""

    top_ids: list[str]
    top_probabilities: list[float]
    mutual_information: float
    predictive_entropy: float
    probabilities: np.ndarray
    hidden: list[np.ndarray] | None = None

    def predictions(self) -> list[dict[str, Any]]:
        return [{"id": i, "arise_label": get_prototype(i).arise_label, "probability": p}
                for i, p in zip(self.top_ids, self.top_probabilities)]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Classifier:
    """Assigns one of the trained prototype classes with Monte-Carlo dropout uncertainty.

    ``samples`` is T, the number of stochastic forward passes (the paper uses 1000).
    Learned state: ``classes_`` (prototype ids, output order), ``settings_``
    (the descriptor the model was trained for), ``model_`` and ``metadata_``.
    """

    def __init__(self, samples: int = 1000, seed: int | None = None, jobs: int | None = None) -> None:
        self.samples = samples
        self.seed = seed
        self.jobs = jobs

    # -- persistence -------------------------------------------------------------------------
    @classmethod
    def load(cls, model: str | Path = DEFAULT_MODEL, settings: SoapSettings | None = None,
             **options: Any) -> Classifier:
        """A shipped model by name (see ``SHIPPED_MODELS``), or the one at a path (``.pt`` beside its ``.json``).

        Its checksum is verified; ``settings`` other than the model's raise.
        """
        if str(model) in SHIPPED_MODELS:
            shipped = resources.files("ariseml.models").joinpath("shipped", f"{SHIPPED_MODELS[str(model)]}.pt")
            weights = Path(str(shipped))
        else:
            weights = Path(model).with_suffix(".pt")
        meta_path = weights.with_suffix(".json")
        if not weights.exists() or not meta_path.exists():
            raise ModelFileError(f"model files {weights} and {meta_path.name} not found")
        metadata = json.loads(meta_path.read_text())
        if sha256(weights) != metadata["sha256"]:
            raise ModelFileError(f"{weights} does not match the checksum in {meta_path.name}: "
                                 "the file is corrupted or was replaced; reinstall the package")
        model_settings = SoapSettings(**metadata["descriptor"])
        if settings is not None and settings != model_settings:
            raise ModelFileError(f"the model was trained on descriptors made with {model_settings}, "
                                 f"not {settings}")
        classifier = cls(**options)
        network = BayesianMLP(model_settings.n_features, len(metadata["classes"]),
                              tuple(metadata["hidden"]), metadata["dropout"])
        network.load_state_dict(torch.load(weights, weights_only=True))
        network.eval()
        classifier.model_, classifier.settings_ = network, model_settings
        classifier.classes_, classifier.metadata_ = list(metadata["classes"]), metadata
        return classifier

    def save(self, path: str | Path, **metadata: Any) -> None:
        """Write ``path.pt`` (weights) and ``path.json`` (classes, settings, checksum, extra metadata)."""
        weights = Path(path).with_suffix(".pt")
        torch.save(self.model_.state_dict(), weights)
        dropout = self.model_.dropout.p
        record = {
            **metadata,
            "classes": self.classes_,
            "descriptor": self.settings_.to_dict(),
            "hidden": [layer.out_features for layer in self.model_.hidden],
            "dropout": dropout,
            "package_version": __version__,
            "sha256": sha256(weights),
        }
        weights.with_suffix(".json").write_text(json.dumps(record, indent=1))

    @classmethod
    def from_model(cls, model: BayesianMLP, classes: Sequence[str], settings: SoapSettings,
                   **options: Any) -> Classifier:
        classifier = cls(**options)
        classifier.model_, classifier.classes_, classifier.settings_ = model, list(classes), settings
        classifier.metadata_ = {}
        return classifier

    # -- answers -----------------------------------------------------------------------------
    def describe(self, structures: Sequence[Atoms], progress: bool = False) -> np.ndarray:
        return describe_many(structures, self.settings_, jobs=self.jobs, progress=progress)

    def predict_descriptors(self, features: np.ndarray, top: int = 3, keep_hidden: bool = False
                            ) -> list[Classification]:
        """Classify descriptor rows (made with ``settings_``)."""
        prediction = monte_carlo_predict(self.model_, features, self.samples, keep_hidden, seed=self.seed)
        results = []
        for row, probabilities in enumerate(prediction.probabilities):
            order = np.argsort(probabilities)[::-1][:top]
            results.append(Classification(
                top_ids=[self.classes_[i] for i in order],
                top_probabilities=[float(probabilities[i]) for i in order],
                mutual_information=float(prediction.mutual_information[row]),
                predictive_entropy=float(prediction.predictive_entropy[row]),
                probabilities=probabilities,
                hidden=[h[row] for h in prediction.hidden] if keep_hidden else None,
            ))
        return results

    def classify(self, structures: Sequence[Atoms], top: int = 3, keep_hidden: bool = False,
                 progress: bool = False) -> list[Classification]:
        return self.predict_descriptors(self.describe(structures, progress), top, keep_hidden)

    def predict_proba(self, structures: Sequence[Atoms]) -> np.ndarray:
        """Mean class probabilities over the T passes, columns in the order of ``classes_``."""
        return np.stack([c.probabilities for c in self.classify(structures, top=1)])

    def predict(self, structures: Sequence[Atoms]) -> list[str]:
        """The most probable prototype id of each structure."""
        return [c.top_ids[0] for c in self.classify(structures, top=1)]
