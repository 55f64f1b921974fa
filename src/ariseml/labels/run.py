"""Per-atom labels: every atom's sphere classified with Monte-Carlo dropout, as arrays aligned with the atoms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from ase import Atoms

from ariseml.labels.environments import DEFAULT_SPECIES_REACH, DEFAULT_TAPER, environment_blocks, sphere_radius
from ariseml.models import DEFAULT_MODEL
from ariseml.spm.grid import DEFAULT_MIN_ATOMS, DEFAULT_MINORITY

if TYPE_CHECKING:
    from ariseml.classifier import Classifier

DEFAULT_SAMPLES = 1000
"""Monte-Carlo passes per atom by default, as ``arise classify`` uses per structure: with DEFAULT_SETTLE a sure
atom stops after 25 of them; only an atom whose two most probable classes stay close gets them all."""
DEFAULT_SETTLE = 0.07
"""Per-atom labels stop an atom's passes once settled to this standard error (``monte_carlo_predict``). On 4,480
atoms of the MD snapshots (``benchmarks/mc_fidelity.py``) the answers, 27 passes per atom on average, have the
full 1000-pass run's most probable class for every atom and top probabilities about as close to it as 100 full
passes (per-atom labels until stop 39) had."""
DEFAULT_PRECISION = "auto"
"""Per-atom labels run the hidden layers in bfloat16 where the device multiplies it in hardware (``monte_carlo``)."""

@dataclass
class AtomLabels:
    """Arrays aligned with the atoms; an atom whose sphere holds fewer than ``min_atoms`` atoms (or no species
    pair) is unlabelled: class -1, probabilities and uncertainties NaN."""

    classes: list[str]  # the model's class ids; ``top_classes`` index into it
    top_classes: np.ndarray  # (atoms, k) int, most probable first
    top_probabilities: np.ndarray  # (atoms, k)
    mutual_information: np.ndarray  # (atoms,) nats
    predictive_entropy: np.ndarray  # (atoms,) nats
    sphere_atoms: np.ndarray  # (atoms,) atoms in the sphere, images of a periodic cell included

    @property
    def labelled(self) -> np.ndarray:
        return self.top_classes[:, 0] >= 0

    def names(self, rank: int = 0) -> np.ndarray:
        """Class id of each atom at ``rank`` (0: the most probable), "" where unlabelled."""
        ids = np.array([*self.classes, ""], dtype=object)
        return ids[self.top_classes[:, rank]].astype(str)

    def arrays(self) -> dict[str, np.ndarray]:
        return {"top_classes": self.top_classes, "top_probabilities": self.top_probabilities,
                "mutual_information": self.mutual_information, "predictive_entropy": self.predictive_entropy,
                "sphere_atoms": self.sphere_atoms}


def atoms_classifier(model: str = DEFAULT_MODEL, samples: int = DEFAULT_SAMPLES) -> Classifier:
    """``model`` with per-atom labels' passes: T = ``samples``, DEFAULT_SETTLE and DEFAULT_PRECISION."""
    from ariseml.classifier import Classifier

    return Classifier.load(model, samples=samples, settle=DEFAULT_SETTLE, precision=DEFAULT_PRECISION)


def label_atoms(atoms: Atoms, classifier: Classifier | None = None, radius: float | None = None, top: int = 3,
                min_atoms: int = DEFAULT_MIN_ATOMS, pool_fraction: float = 1.0, minority: float = DEFAULT_MINORITY,
                taper: float = DEFAULT_TAPER, species_reach: float = DEFAULT_SPECIES_REACH, jobs: int | None = None,
                progress: bool = False) -> AtomLabels:
    """Classify every atom of ``atoms`` by the descriptor of the sphere of ``radius`` (Å; None: ``sphere_radius``)
    centred on it (``classifier``: default, ``atoms_classifier()``; ``pool_fraction``, ``minority``, ``taper`` and
    ``species_reach``: see :func:`~ariseml.labels.environments.environment_blocks`)."""
    from tqdm.auto import tqdm

    classifier = classifier or atoms_classifier()
    radius = sphere_radius(atoms) if radius is None else radius

    top = min(top, len(classifier.classes_))
    top_classes = np.full((len(atoms), top), -1, dtype=np.int32)
    top_probabilities = np.full((len(atoms), top), np.nan, dtype=np.float32)
    information = np.full(len(atoms), np.nan, dtype=np.float32)
    entropy = np.full(len(atoms), np.nan, dtype=np.float32)
    sphere_atoms = np.zeros(len(atoms), dtype=np.int32)
    blocks = environment_blocks(atoms, classifier.settings_, radius, pool_fraction, minority, taper, species_reach,
                                jobs=jobs, progress=progress)
    with tqdm(total=len(atoms), desc="atoms labelled", unit="atom", disable=not progress) as bar:
        for centres, descriptors, counts in blocks:  # classified as they come: no sample-wide descriptor array
            sphere_atoms[centres] = counts
            labelled = (counts >= min_atoms) & np.any(descriptors != 0, axis=1)
            block = centres[labelled]
            if len(block):
                prediction = classifier.predict_arrays(descriptors[labelled])
                order = np.argsort(-prediction.probabilities, axis=1)[:, :top]
                top_classes[block] = order
                top_probabilities[block] = np.take_along_axis(prediction.probabilities, order, axis=1)
                information[block] = prediction.mutual_information
                entropy[block] = prediction.predictive_entropy
            bar.update(len(centres))
    return AtomLabels(list(classifier.classes_), top_classes, top_probabilities, information, entropy, sphere_atoms)
