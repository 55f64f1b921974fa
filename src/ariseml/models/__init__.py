"""The networks (the Bayesian MLP of ARISE, the diffraction ConvNet) and their Monte-Carlo dropout."""

DEFAULT_MODEL = "paper"
"""The shipped model every command and ``Classifier.load`` use unless told otherwise."""
ATOMS_MODEL = "realistic"
"""The model of per-atom labels (``arise atoms``, ``label_atoms``, the OVITO modifier) unless told otherwise: they
are not in the paper, and the paper's model misreads thermal fcc (docs/realistic.md)."""
DEFAULT_SEED = 0
"""Seed of the Monte-Carlo dropout masks wherever none is given: the same input gives the same numbers
on every run (``arise classify``, ``arise spm``, ``Classifier``); another seed draws other passes."""
