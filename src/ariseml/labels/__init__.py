"""Per-atom labels: each atom classified by the descriptor of the sphere centred on it (``arise atoms``)."""

from ariseml.labels.environments import (DEFAULT_RADIUS, DEFAULT_SPECIES_REACH, DEFAULT_TAPER,
                                         environment_blocks, environment_descriptors, sphere_radius)
from ariseml.labels.output import label_columns, labelled_copy, write_labelled
from ariseml.labels.run import (DEFAULT_MINORITY, DEFAULT_PRECISION, DEFAULT_SAMPLES, DEFAULT_SETTLE, AtomLabels,
                               atoms_classifier, label_atoms)

__all__ = ["DEFAULT_MINORITY", "DEFAULT_PRECISION", "DEFAULT_RADIUS", "DEFAULT_SAMPLES", "DEFAULT_SETTLE",
           "DEFAULT_SPECIES_REACH", "DEFAULT_TAPER",
           "AtomLabels", "atoms_classifier", "environment_blocks", "environment_descriptors", "label_atoms", "label_columns",
           "labelled_copy", "sphere_radius", "write_labelled"]
