"""The ARISE classifier: the averaged species-pair SOAP descriptor and a Bayesian MLP, with a scikit-learn-like
interface.

    >>> from ariseml import Classifier
    >>> classifier = Classifier.load()          # the model shipped in the package
    >>> result = classifier.classify([atoms])[0]
    >>> result.top_ids, result.top_probabilities, result.mutual_information
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms

from ariseml.classifier.classification import Classification, answer_checked, classifications
from ariseml.descriptors.soap import SoapSettings, describe_many
from ariseml.models import DEFAULT_MODEL, DEFAULT_SEED
from ariseml.models.bayesian_mlp import BayesianMLP, EnsembleMLP, Network, first_member, torch_device
from ariseml.models.files import (DIFFRACTION_KIND, SHIPPED_MODELS, ModelFileError, load_network, metadata_fields,
                                  model_files, write_model)
from ariseml.models.monte_carlo import MonteCarloPrediction, check_precision, check_settle, monte_carlo_predict
from ariseml.models.student import STUDENT_KIND, StudentMLP, student_predict
from ariseml.prototypes import NOT_A_CRYSTAL, get_prototype
from ariseml.prototypes.user import recorded_classes

NOT_A_CRYSTAL_LABEL = "not a crystal (melt, glass or random packing)"
"""The ``arise_label`` of a model's ``NOT_A_CRYSTAL`` class."""


class Classifier:
    """Assigns one of the trained prototype classes with Monte-Carlo dropout uncertainty.

    ``samples`` is T, the number of stochastic forward passes (the paper uses 1000); ``seed`` draws
    the dropout masks (``DEFAULT_SEED``: the same numbers on every call; None: new masks each time);
    ``settle``: an input stops before T passes once its answer is this close to the T-pass one (a standard
    error, e.g. 0.01; see ``monte_carlo_predict``), None: every input gets all T. ``precision``: "float32",
    "bfloat16" or "auto" for the network's products (``monte_carlo.PRECISIONS``).
    Learned state: ``classes_`` (prototype ids, output order), ``settings_``
    (the descriptor the model was trained for), ``model_`` and ``metadata_``.
    """

    def __init__(self, samples: int = 1000, seed: int | None = DEFAULT_SEED, jobs: int | None = None,
                 device: str = "cpu", settle: float | None = None, precision: str = "float32") -> None:
        self.samples = samples
        self.seed = seed
        self.settle = check_settle(settle)
        self.precision = check_precision(precision)
        self.jobs = jobs
        self.device = torch_device(device)  # where the Monte-Carlo passes run

    def to(self, device: str) -> Classifier:
        """Run the Monte-Carlo passes on ``device`` (cpu, cuda, cuda:N, mps) from now on; returns the classifier."""
        self.device = torch_device(device)
        if hasattr(self, "model_"):
            self.model_.to(self.device)
        return self

    # -- persistence -------------------------------------------------------------------------
    @classmethod
    def load(cls, model: str | Path = DEFAULT_MODEL, settings: SoapSettings | None = None,
             **options: Any) -> Classifier:
        """A shipped model by name (see ``SHIPPED_MODELS``), or the one at a path (``.pt`` beside its ``.json``).

        Its checksum is verified; ``settings`` other than the model's raise. ``options`` go to the constructor:
        ``samples`` (T, default 1000), ``seed`` (of the dropout masks), ``settle`` (early stopping of the passes),
        ``precision`` (of the passes), ``jobs`` (processes for the descriptor) and ``device`` (where the passes run).
        """
        weights, metadata = model_files(model, SHIPPED_MODELS)
        if metadata.get("kind") == DIFFRACTION_KIND:
            raise ModelFileError(f"{weights} is a diffraction-fingerprint model: load it with "
                                 "DiffractionClassifier.load or load_classifier")
        with metadata_fields(weights):
            model_settings = SoapSettings(**metadata["descriptor"])
            if metadata.get("kind") == STUDENT_KIND:
                network = StudentMLP(model_settings.n_features, len(metadata["classes"]), tuple(metadata["hidden"]),
                                     metadata.get("standardised", False), metadata.get("log_epsilon"),
                                     metadata.get("linear_inputs", False))
            else:
                members = [BayesianMLP(model_settings.n_features, len(metadata["classes"]),
                                       tuple(metadata["hidden"]), metadata["dropout"],
                                       metadata.get("standardised", False), metadata.get("log_epsilon"),
                                       metadata.get("linear_inputs", False))
                           for _ in range(metadata.get("members", 1))]
                network = EnsembleMLP(members) if "members" in metadata else members[0]
        if settings is not None and settings != model_settings:
            raise ModelFileError(f"the model was trained on descriptors made with {model_settings}, "
                                 f"not {settings}")
        classifier = cls(**options)
        network = load_network(network, weights)
        classifier.model_, classifier.settings_ = network.to(classifier.device), model_settings
        classifier.classes_, classifier.metadata_ = list(metadata["classes"]), metadata
        return classifier

    @property
    def labels_(self) -> list[str]:
        """Each class's ARISE label (a user's class: its name)."""
        user = {p.id: p.arise_label for p in recorded_classes(self.metadata_)}
        return [NOT_A_CRYSTAL_LABEL if i == NOT_A_CRYSTAL else user.get(i) or get_prototype(i).arise_label
                for i in self.classes_]

    def save(self, path: str | Path, **metadata: Any) -> None:
        """Write ``path.pt`` (weights) and ``path.json`` (classes, settings, checksum, extra metadata)."""
        network = first_member(self.model_)
        write_model(Path(path).with_suffix(".pt"), self.model_.state_dict(), {
            **metadata,
            "classes": self.classes_,
            "descriptor": self.settings_.to_dict(),
            "hidden": [layer.out_features for layer in network.hidden],
            "dropout": network.dropout.p,
            "standardised": network.standardised,
            "log_epsilon": network.log_epsilon,
            "linear_inputs": network.linear_inputs,
            **({"members": len(self.model_.members)} if isinstance(self.model_, EnsembleMLP) else {}),
        })

    @classmethod
    def from_model(cls, model: Network, classes: Sequence[str], settings: SoapSettings,
                   **options: Any) -> Classifier:
        classifier = cls(**options)
        classifier.model_, classifier.classes_ = model.to(classifier.device), list(classes)
        classifier.settings_ = settings
        classifier.metadata_ = {}
        return classifier

    # -- answers -----------------------------------------------------------------------------
    def describe(self, structures: Sequence[Atoms], progress: bool = False) -> np.ndarray:
        return describe_many(structures, self.settings_, jobs=self.jobs, progress=progress)

    def predict_descriptors(self, features: np.ndarray, top: int = 3, keep_hidden: bool = False
                            ) -> list[Classification]:
        """Classify descriptor rows (made with ``settings_``)."""
        return classifications(self.predict_arrays(features, keep_hidden), self.classes_, self.labels_, top,
                                keep_hidden)

    def predict_arrays(self, features: np.ndarray, keep_hidden: bool = False) -> MonteCarloPrediction:
        """The T passes' summaries as arrays over descriptor rows (a student network: its one pass)."""
        if isinstance(self.model_, StudentMLP):
            return student_predict(self.model_, features, keep_hidden)
        return monte_carlo_predict(self.model_, features, self.samples, keep_hidden, seed=self.seed,
                                   settle=self.settle, precision=self.precision)

    def classify(self, structures: Atoms | Sequence[Atoms], top: int = 3, keep_hidden: bool = False,
                 progress: bool = False) -> list[Classification]:
        """One answer per structure, with the notes of ``check_structure``; ``InputError`` for one it refuses."""
        return answer_checked(structures, lambda checked: self.predict_descriptors(
            self.describe(checked, progress), top, keep_hidden))

    def predict_proba(self, structures: Sequence[Atoms]) -> np.ndarray:
        """Mean class probabilities over the T passes, columns in the order of ``classes_``."""
        return np.stack([c.probabilities for c in self.classify(structures, top=1)])

    def predict(self, structures: Sequence[Atoms]) -> list[str]:
        """The most probable prototype id of each structure."""
        return [c.top_ids[0] for c in self.classify(structures, top=1)]
