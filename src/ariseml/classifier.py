"""The ARISE classifier: descriptor + Bayesian MLP, with a scikit-learn-like interface.

    >>> from ariseml import Classifier
    >>> classifier = Classifier.load()          # the model shipped in the package
    >>> result = classifier.classify([atoms])[0]
    >>> result.top_ids, result.top_probabilities, result.mutual_information
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms

from ariseml.descriptors.diffraction import DiffractionSettings, fingerprint_many
from ariseml.descriptors.soap import SoapSettings, describe_many
from ariseml.errors import InputError
from ariseml.models import DEFAULT_SEED
from ariseml.models.bayesian_mlp import BayesianMLP, EnsembleMLP, Network, torch_device
from ariseml.models.convnet import DiffractionConvNet, convnet_predict
from ariseml.models.files import (DIFFRACTION_KIND, SHIPPED_DIFFRACTION_MODELS, SHIPPED_MODELS, ModelFileError,
                                  load_network, metadata_fields, model_files, write_model)
from ariseml.models.monte_carlo import MonteCarloPrediction, check_settle, monte_carlo_predict
from ariseml.prototypes import NOT_A_CRYSTAL, get_prototype
from ariseml.prototypes.pairs import difference
from ariseml.structure import check_structure

DEFAULT_MODEL = "paper"
NOT_A_CRYSTAL_LABEL = "not a crystal (melt, glass or random packing)"
"""The ``arise_label`` of a model's ``NOT_A_CRYSTAL`` class."""
DOUBT_BELOW = 0.7
"""Below this top probability an answer carries a note: on the robustness test sets the paper's model is
right 69 % of the time at confidence 0.5-0.7, mostly torn between two classes (docs/results.md, "How far to trust the probabilities")."""


@dataclass
class Classification:
    """One structure's answer: the most similar prototypes, how sure, and the uncertainty (nats)."""

    top_ids: list[str]
    top_labels: list[str]
    top_probabilities: list[float]
    mutual_information: float
    predictive_entropy: float
    probabilities: np.ndarray
    hidden: list[np.ndarray] | None = None  # per hidden layer, after its ReLU, mean over the passes
    hidden_before_relu: list[np.ndarray] | None = None
    notes: list[str] = dataclasses.field(default_factory=list)  # a small cluster, a doubtful answer (DOUBT_BELOW)

    def __repr__(self) -> str:
        """The top classes with their probabilities and the uncertainty, not the full probability vector."""
        top = ", ".join(f"{i} {p:.3f}" for i, p in zip(self.top_ids, self.top_probabilities))
        notes = f", notes={self.notes}" if self.notes else ""
        return (f"Classification({top}; mutual information {self.mutual_information:.3g} nats, predictive entropy "
                f"{self.predictive_entropy:.3g} nats{notes})")

    def predictions(self) -> list[dict[str, Any]]:
        """``arise_label``: the class's name in the ARISE data set (the diffraction model: its description)."""
        return [{"id": i, "arise_label": label, "probability": p}
                for i, label, p in zip(self.top_ids, self.top_labels, self.top_probabilities)]


def _doubt(probabilities: np.ndarray, classes: Sequence[str]) -> str | None:
    """A note naming the two most probable classes when the first is below ``DOUBT_BELOW``, and what separates
    them when they are a known similar pair (``prototypes.pairs``)."""
    first, second = np.argsort(probabilities)[::-1][:2]
    if probabilities[first] >= DOUBT_BELOW:
        return None
    note = (f"uncertain: torn between {classes[first]} ({probabilities[first]:.2f}) and {classes[second]} "
            f"({probabilities[second]:.2f})")
    separating = difference(classes[first], classes[second])
    return f"{note}: {separating}" if separating else note


def _answer_checked(structures: Atoms | Sequence[Atoms], answer: Callable[[list[Atoms]], list[Classification]]
                    ) -> list[Classification]:
    """``answer`` for the structures (one ``Atoms`` alone too) after ``check_structure``, whose notes come first
    in each result; an ``InputError`` names a refused structure."""
    structures = [structures] if isinstance(structures, Atoms) else list(structures)
    if not structures:
        raise InputError("no structures to classify: give at least one ase.Atoms")
    notes = []
    for number, atoms in enumerate(structures):
        try:
            notes.append(check_structure(atoms))
        except InputError as error:
            raise InputError(f"structure {number}: {error}") from error
    results = answer(structures)
    for result, structure_notes in zip(results, notes):
        result.notes[:0] = structure_notes
    return results


def _classifications(prediction: MonteCarloPrediction, classes: Sequence[str], labels: Sequence[str], top: int,
                     keep_hidden: bool = False) -> list[Classification]:
    results = []
    for row, probabilities in enumerate(prediction.probabilities):
        order = np.argsort(probabilities)[::-1][:top]
        results.append(Classification(
            top_ids=[classes[i] for i in order],
            top_labels=[labels[i] for i in order],
            top_probabilities=[float(probabilities[i]) for i in order],
            mutual_information=float(prediction.mutual_information[row]),
            predictive_entropy=float(prediction.predictive_entropy[row]),
            probabilities=probabilities,
            hidden=[h[row] for h in prediction.hidden] if keep_hidden else None,
            hidden_before_relu=[h[row] for h in prediction.hidden_before_relu] if keep_hidden else None,
            notes=[doubt] if (doubt := _doubt(probabilities, classes)) else [],
        ))
    return results


class Classifier:
    """Assigns one of the trained prototype classes with Monte-Carlo dropout uncertainty.

    ``samples`` is T, the number of stochastic forward passes (the paper uses 1000); ``seed`` draws
    the dropout masks (``DEFAULT_SEED``: the same numbers on every call; None: new masks each time);
    ``settle``: an input stops before T passes once its answer is this close to the T-pass one (a standard
    error, e.g. 0.01; see ``monte_carlo_predict``), None: every input gets all T.
    Learned state: ``classes_`` (prototype ids, output order), ``settings_``
    (the descriptor the model was trained for), ``model_`` and ``metadata_``.
    """

    def __init__(self, samples: int = 1000, seed: int | None = DEFAULT_SEED, jobs: int | None = None,
                 device: str = "cpu", settle: float | None = None) -> None:
        self.samples = samples
        self.seed = seed
        self.settle = check_settle(settle)
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
        ``jobs`` (processes for the descriptor) and ``device`` (where the passes run).
        """
        weights, metadata = model_files(model, SHIPPED_MODELS)
        if metadata.get("kind") == DIFFRACTION_KIND:
            raise ModelFileError(f"{weights} is a diffraction-fingerprint model: load it with "
                                 "DiffractionClassifier.load or load_classifier")
        with metadata_fields(weights):
            model_settings = SoapSettings(**metadata["descriptor"])
            members = [BayesianMLP(model_settings.n_features, len(metadata["classes"]), tuple(metadata["hidden"]),
                                   metadata["dropout"], metadata.get("standardised", False),
                                   metadata.get("log_epsilon"))
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
        return [NOT_A_CRYSTAL_LABEL if i == NOT_A_CRYSTAL else get_prototype(i).arise_label for i in self.classes_]

    def save(self, path: str | Path, **metadata: Any) -> None:
        """Write ``path.pt`` (weights) and ``path.json`` (classes, settings, checksum, extra metadata)."""
        network = self.model_.first if isinstance(self.model_, EnsembleMLP) else self.model_
        write_model(Path(path).with_suffix(".pt"), self.model_.state_dict(), {
            **metadata,
            "classes": self.classes_,
            "descriptor": self.settings_.to_dict(),
            "hidden": [layer.out_features for layer in network.hidden],
            "dropout": network.dropout.p,
            "standardised": network.standardised,
            "log_epsilon": network.log_epsilon,
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
        return _classifications(self.predict_arrays(features, keep_hidden), self.classes_, self.labels_, top,
                                keep_hidden)

    def predict_arrays(self, features: np.ndarray, keep_hidden: bool = False) -> MonteCarloPrediction:
        """The T passes' summaries as arrays over descriptor rows."""
        return monte_carlo_predict(self.model_, features, self.samples, keep_hidden, seed=self.seed,
                                   settle=self.settle)

    def classify(self, structures: Atoms | Sequence[Atoms], top: int = 3, keep_hidden: bool = False,
                 progress: bool = False) -> list[Classification]:
        """One answer per structure, with the notes of ``check_structure``; ``InputError`` for one it refuses."""
        return _answer_checked(structures, lambda checked: self.predict_descriptors(
            self.describe(checked, progress), top, keep_hidden))

    def predict_proba(self, structures: Sequence[Atoms]) -> np.ndarray:
        """Mean class probabilities over the T passes, columns in the order of ``classes_``."""
        return np.stack([c.probabilities for c in self.classify(structures, top=1)])

    def predict(self, structures: Sequence[Atoms]) -> list[str]:
        """The most probable prototype id of each structure."""
        return [c.top_ids[0] for c in self.classify(structures, top=1)]


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
        return _classifications(prediction, self.classes_, self.labels_, top)

    def classify(self, structures: Atoms | Sequence[Atoms], top: int = 3, progress: bool = False
                 ) -> list[Classification]:
        """One answer per structure, with the notes of ``check_structure``; ``InputError`` for one it refuses."""
        return _answer_checked(structures, lambda checked: self.predict_descriptors(
            self.describe(checked, progress), top))

    def predict_proba(self, structures: Sequence[Atoms]) -> np.ndarray:
        return np.stack([c.probabilities for c in self.classify(structures, top=1)])

    def predict(self, structures: Sequence[Atoms]) -> list[str]:
        return [c.top_ids[0] for c in self.classify(structures, top=1)]


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
