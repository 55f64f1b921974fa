"""ariseml's per-atom labels as an OVITO modifier (the ``ovito`` Python module, ``pip install ovito``, or OVITO Pro):
the class of every atom's sphere, its probability and uncertainty as particle properties of a pipeline."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from ovito.data import DataCollection, ParticleType
from ovito.io.ase import ovito_to_ase
from ovito.pipeline import ModifierInterface
from traits.api import Float, Int, Str

from ariseml.labels import DEFAULT_SAMPLES, atoms_classifier, label_atoms
from ariseml.models import DEFAULT_MODEL
from ariseml.spm.grid import DEFAULT_MIN_ATOMS

CLASS_PROPERTY = "ARISE Class"
"""A typed property, so that OVITO colours by it and lists the class names: type id = class index + 1,
0 for atoms left unlabelled."""


@lru_cache(maxsize=2)
def _classifier(model: str, samples: int):
    return atoms_classifier(model, samples)


class AriseAtomLabels(ModifierInterface):
    """Adds ``ARISE Class`` (typed: the class names), ``ARISE Probability``, ``ARISE Mutual Information`` and
    ``ARISE Predictive Entropy`` to every particle, as ``arise atoms`` computes them (docs/atoms.md)."""

    model = Str(DEFAULT_MODEL, label="Model (a shipped name or the path of a trained one)")
    radius = Float(0.0, label="Sphere radius (Å; 0: automatic)")
    samples = Int(DEFAULT_SAMPLES, label="Monte-Carlo passes")
    min_atoms = Int(DEFAULT_MIN_ATOMS, label="Fewest atoms in a sphere")

    def modify(self, data: DataCollection, *, frame: int, **kwargs) -> None:
        classifier = _classifier(self.model, self.samples)
        labels = label_atoms(ovito_to_ase(data), classifier, self.radius or None, top=1, min_atoms=self.min_atoms)
        type_ids = labels.top_classes[:, 0] + 1
        classes = data.particles_.create_property(CLASS_PROPERTY, data=type_ids.astype(np.int32))
        for type_id in np.unique(type_ids):
            name = classifier.classes_[type_id - 1] if type_id > 0 else "unlabelled"
            classes.types.append(ParticleType(id=int(type_id), name=name))
        data.particles_.create_property("ARISE Probability", data=labels.top_probabilities[:, 0])
        data.particles_.create_property("ARISE Mutual Information", data=labels.mutual_information)
        data.particles_.create_property("ARISE Predictive Entropy", data=labels.predictive_entropy)
