"""OVITO's structure identification methods (PTM, CNA, adaptive CNA, bond-angle analysis) as ARISE's peers."""

import numpy as np
import pytest

pytest.importorskip("ovito")

from ariseml.evaluation.peers_ovito import (  # noqa: E402
    DESIGNED_CLASSES,
    METHODS,
    atom_accuracy,
    per_atom_labels,
)
from ariseml.prototypes import build, prototype_ids  # noqa: E402
from ariseml.defects import apply_defects  # noqa: E402

DESIGNED = [(method, prototype_id) for method in METHODS for prototype_id in DESIGNED_CLASSES[method]]


def test_designed_classes_are_prototypes():
    assert set(DESIGNED_CLASSES) == set(METHODS)
    assert len(DESIGNED_CLASSES["ptm"]) == 12
    assert set(DESIGNED_CLASSES["ptm"]) <= set(prototype_ids())


@pytest.mark.parametrize(("method", "prototype_id"), DESIGNED)
def test_pristine_designed_class_is_fully_recognised(method, prototype_id):
    atoms = build(prototype_id, supercell=0, periodic=True)
    labels = per_atom_labels(atoms, method)
    assert labels.shape == (len(atoms),)
    assert atom_accuracy(atoms, prototype_id, method) == 1.0


def test_ptm_folds_chemical_ordering_into_the_label():
    for prototype_id, label in [("L10_CuAu", "L10"), ("L12_Cu3Au", "L12"), ("zincblende_ZnS", "ZINCBLENDE"),
                                ("wurtzite_ZnS", "WURTZITE"), ("hBN", "HBN"), ("graphene", "GRAPHENE")]:
        labels = per_atom_labels(build(prototype_id, supercell=0, periodic=True), "ptm")
        assert set(labels) == {label}, prototype_id


@pytest.mark.parametrize("method", ["cna", "acna", "baa"])
def test_cna_and_baa_see_ordered_fcc_alloys_as_fcc(method):
    labels = per_atom_labels(build("L12_Cu3Au", supercell=0, periodic=True), method)
    assert set(labels) == {"FCC"}


@pytest.mark.parametrize("method", METHODS)
def test_hcp_is_not_fcc(method):
    labels = per_atom_labels(build("hcp_Mg", supercell=0, periodic=True), method)
    assert not np.any(labels == "FCC")


def test_missing_atoms_lower_ptm_accuracy():
    atoms = build("fcc_Cu", supercell=0, periodic=True)
    accuracy = atom_accuracy(apply_defects(atoms, eta=0.2, seed=0), "fcc_Cu", "ptm")
    assert accuracy < 0.5


def test_small_displacements_keep_ptm_accurate():
    atoms = build("bcc_W", supercell=0, periodic=True)
    assert atom_accuracy(apply_defects(atoms, delta=0.01, seed=0), "bcc_W", "ptm") == 1.0


def test_class_not_designed_for_the_method_has_no_accuracy():
    assert atom_accuracy(build("rocksalt_NaCl", supercell=0, periodic=True), "rocksalt_NaCl", "ptm") is None
    assert atom_accuracy(build("sc_Po", supercell=0, periodic=True), "sc_Po", "cna") is None


def test_unknown_method_raises():
    atoms = build("fcc_Cu", supercell=0, periodic=True)
    with pytest.raises(ValueError, match="unknown method"):
        per_atom_labels(atoms, "voronoi")
    with pytest.raises(ValueError, match="unknown method"):
        atom_accuracy(atoms, "fcc_Cu", "voronoi")
