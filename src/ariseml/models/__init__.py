"""The networks (the Bayesian MLP of ARISE, the diffraction ConvNet) and their Monte-Carlo dropout."""

DEFAULT_MODEL = "realistic"
"""The shipped model every command, ``Classifier.load`` and the OVITO modifier use unless told otherwise: the
realistic recipe's, which holds on thermal MD, real lattices and microscopy; the paper's stays ``"paper"``
(docs/realistic.md)."""
DEFAULT_SEED = 0
"""Seed of the Monte-Carlo dropout masks wherever none is given: the same input gives the same numbers
on every run (``arise classify``, ``arise spm``, ``Classifier``); another seed draws other passes."""
