"""The ConvNet on two-dimensional diffraction fingerprints (Ziletti et al. 2018) behind the ``Classifier``'s
interface."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms

from ariseml.classifier.classification import Classification, answer_checked, classifications
from ariseml.descriptors.diffraction import DiffractionSettings, fingerprint_many
from ariseml.models import DEFAULT_SEED
from ariseml.models.convnet import DiffractionConvNet, convnet_predict
from ariseml.models.files import (DIFFRACTION_KIND, SHIPPED_DIFFRACTION_MODELS, ModelFileError, load_network,
                                  metadata_fields, model_files, write_model)


class DiffractionClassifier:
    """The ConvNet on two-dimensional diffraction fingerprints (Ziletti et al. 2018), same answers as ``Classifier``.

    ``samples`` is T, the Monte-Carlo passes of the dropout layer (0: the paper's deterministic
    network); ``seed`` draws the dropout masks (``DEFAULT_SEED``: the same numbers on every call;
    None: new masks each time). ``orient_clusters`` (default): turn finite clusters to their crystal
    axes before the fingerprint (``oriented_cluster``); False uses them as given, with their axes
    assumed along x, y, z (the paper's handling, for reproduction). Learned state: ``classes_``,
    ``labels_``, ``settings_`` (the fingerprint's), ``model_``, ``metadata_``.
    """

    def __init__(self, samples: int = 1000, seed: int | None = DEFAULT_SEED, jobs: int | None = None,
                 orient_clusters: bool = True) -> None:
        self.samples = samples
        self.seed = seed
        self.jobs = jobs
        self.orient_clusters = orient_clusters

    @classmethod
    def load(cls, model: str | Path = "diffraction", **options: Any) -> DiffractionClassifier:
        """The shipped model by name (see ``SHIPPED_DIFFRACTION_MODELS``) or the one at a path; checksum verified."""
        weights, metadata = model_files(model, SHIPPED_DIFFRACTION_MODELS)
        if metadata.get("kind") != DIFFRACTION_KIND:
            raise ModelFileError(f"{weights} is not a diffraction-fingerprint model: load it with Classifier.load")
        with metadata_fields(weights):
            settings = DiffractionSettings(**metadata["descriptor"])
            network = load_network(DiffractionConvNet(len(metadata["classes"]), n_pixels=settings.n_pixels), weights)
            classes, labels = metadata["classes"], metadata["labels"]
        return cls.from_model(network, classes, labels, settings, metadata, **options)

    @classmethod
    def from_model(cls, model: DiffractionConvNet, classes: Sequence[str], labels: Sequence[str],
                   settings: DiffractionSettings, metadata: dict[str, Any] | None = None,
                   **options: Any) -> DiffractionClassifier:
        classifier = cls(**options)
        classifier.model_, classifier.settings_ = model, settings
        classifier.classes_, classifier.labels_ = list(classes), list(labels)
        classifier.metadata_ = metadata or {}
        return classifier

    def save(self, path: str | Path, **metadata: Any) -> None:
        """Write ``path.pt`` (weights) and ``path.json`` (classes, fingerprint settings, checksum, extra metadata)."""
        write_model(Path(path).with_suffix(".pt"), self.model_.state_dict(), {
            **metadata, "kind": DIFFRACTION_KIND, "classes": self.classes_, "labels": self.labels_,
            "descriptor": self.settings_.to_dict()})

    def describe(self, structures: Sequence[Atoms], progress: bool = False) -> np.ndarray:
        """Fingerprint images, shape (n, pixels, pixels, 3)."""
        settings = dataclasses.replace(self.settings_, orient_clusters=self.orient_clusters)
        return fingerprint_many(structures, settings, jobs=self.jobs, progress=progress)

    def predict_descriptors(self, images: np.ndarray, top: int = 3) -> list[Classification]:
        prediction = convnet_predict(self.model_, images, self.samples, seed=self.seed)
        return classifications(prediction, self.classes_, self.labels_, top)

    def classify(self, structures: Atoms | Sequence[Atoms], top: int = 3, progress: bool = False
                 ) -> list[Classification]:
        """One answer per structure, with the notes of ``check_structure``; ``InputError`` for one it refuses."""
        return answer_checked(structures, lambda checked: self.predict_descriptors(
            self.describe(checked, progress), top))

    def predict_proba(self, structures: Sequence[Atoms]) -> np.ndarray:
        return np.stack([c.probabilities for c in self.classify(structures, top=1)])

    def predict(self, structures: Sequence[Atoms]) -> list[str]:
        return [c.top_ids[0] for c in self.classify(structures, top=1)]
