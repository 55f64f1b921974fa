"""OVITO's per-atom structure identification, the peer methods ARISE is compared with (Table 2).

Four methods, each giving one label per atom:

- ``"ptm"``: Polyhedral Template Matching, RMSD cutoff 0.1, every structure type
  enabled, with PTM's chemical ordering folded into the label (fcc + L1_0
  ordering is ``"L10"``, cubic diamond + binary ordering is ``"ZINCBLENDE"``, ...).
- ``"cna"``: conventional common neighbour analysis with one fixed cutoff in units
  of the structure's d_NN (:data:`CNA_CUTOFF_FACTOR`), the same for every lattice.
- ``"acna"``: adaptive common neighbour analysis.
- ``"baa"``: bond-angle analysis (Ackland-Jones).

An atom is correct when its label is the one :data:`DESIGNED_CLASSES` expects for
the true class. A class a method is not designed for has no accuracy
(:func:`atom_accuracy` returns ``None``); in an accuracy "over all 108 classes"
such a class counts as 0 % correct, as in the paper.

OVITO (``pip install ovito``) is imported on first use only. The wheel brings
copies of the system libraries its Qt needs, so no system package is required.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
from ase import Atoms

from ariseml.errors import InputError
from ariseml.prototypes import get_prototype

METHODS = ("ptm", "cna", "acna", "baa")

PTM_RMSD_CUTOFF = 0.1

CNA_CUTOFF_FACTOR = 1.28
"""Cutoff of conventional CNA in units of d_NN: between bcc's second shell (1.155 d_NN, which
bcc CNA must include) and the second shell of fcc and hcp (1.414 d_NN, which must stay
outside), about equally far from both. The paper used OVITO's default cutoff in Å, which
recognises fcc and bcc but not hcp (its Table 2: 66.14 % on pristine structures); a cutoff
scaled by d_NN needs no knowledge of the answer and recognises all three."""

_CNA_CLASSES = {"fcc_Cu": "FCC", "bcc_W": "BCC", "hcp_Mg": "HCP"}

DESIGNED_CLASSES: dict[str, dict[str, str]] = {
    "ptm": {
        "fcc_Cu": "FCC", "bcc_W": "BCC", "hcp_Mg": "HCP", "sc_Po": "SC",
        "diamond_C": "CUBIC_DIAMOND", "hex_diamond_C": "HEX_DIAMOND", "graphene": "GRAPHENE",
        "L10_CuAu": "L10", "L12_Cu3Au": "L12", "zincblende_ZnS": "ZINCBLENDE",
        "wurtzite_ZnS": "WURTZITE", "hBN": "HBN",
    },
    "cna": dict(_CNA_CLASSES),
    "acna": dict(_CNA_CLASSES),
    "baa": dict(_CNA_CLASSES),
}
"""Method -> {prototype id -> the per-atom label that counts as correct}."""


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")


@cache
def _type_names(method: str) -> np.ndarray:
    """Label of each structure type number: the name of OVITO's type (``"FCC"``, ``"CUBIC_DIAMOND"``, ...)."""
    from ovito.modifiers import (AcklandJonesModifier, CommonNeighborAnalysisModifier,
                                 PolyhedralTemplateMatchingModifier)

    types = {"ptm": PolyhedralTemplateMatchingModifier, "baa": AcklandJonesModifier}.get(
        method, CommonNeighborAnalysisModifier).Type
    numbers = {int(getattr(types, name)): name for name in dir(types) if name.isupper()}
    table = np.full(max(numbers) + 1, "OTHER", dtype=object)
    for number, name in numbers.items():
        table[number] = name
    return table


@cache
def _ptm_ordered_names() -> dict[tuple[int, int], str]:
    """Labels of PTM's (structure type, ordering type) pairs with a chemical ordering."""
    from ovito.modifiers import PolyhedralTemplateMatchingModifier as PTM

    structure, ordering = PTM.Type, PTM.OrderingType
    ordered = {
        (structure.FCC, ordering.L10): "L10",
        (structure.FCC, ordering.L12_A): "L12",  # majority (Cu) sites
        (structure.FCC, ordering.L12_B): "L12",  # minority (Au) sites
        (structure.BCC, ordering.B2): "B2",
        (structure.CUBIC_DIAMOND, ordering.ZINCBLENDE_WURTZITE): "ZINCBLENDE",
        (structure.HEX_DIAMOND, ordering.ZINCBLENDE_WURTZITE): "WURTZITE",
        (structure.GRAPHENE, ordering.BORON_NITRIDE): "HBN",
    }
    return {(int(s), int(o)): name for (s, o), name in ordered.items()}


def _median_nearest_distance(data: Any) -> float:
    """d_NN of an OVITO data collection: the median over atoms of the distance to the closest neighbour."""
    from ovito.data import NearestNeighborFinder

    _, vectors = NearestNeighborFinder(1, data).find_all()
    return float(np.median(np.linalg.norm(vectors[:, 0], axis=1)))


def _modifier(data: Any, method: str, cna_cutoff_factor: float) -> Any:
    from ovito.modifiers import (AcklandJonesModifier, CommonNeighborAnalysisModifier,
                                 PolyhedralTemplateMatchingModifier)

    if method == "ptm":
        modifier = PolyhedralTemplateMatchingModifier(rmsd_cutoff=PTM_RMSD_CUTOFF, output_ordering=True)
        for structure_type in modifier.structures:
            structure_type.enabled = True
        return modifier
    if method == "cna":
        return CommonNeighborAnalysisModifier(mode=CommonNeighborAnalysisModifier.Mode.FixedCutoff,
                                              cutoff=cna_cutoff_factor * _median_nearest_distance(data))
    if method == "acna":
        return CommonNeighborAnalysisModifier(mode=CommonNeighborAnalysisModifier.Mode.AdaptiveCutoff)
    return AcklandJonesModifier()


def per_atom_labels(atoms: Atoms, method: str,
                    cna_cutoff_factor: float = CNA_CUTOFF_FACTOR) -> np.ndarray:
    """One label per atom, e.g. ``"FCC"``, ``"L12"``, ``"HBN"`` or ``"OTHER"`` (unidentified).

    ``cna_cutoff_factor`` (conventional CNA only) is the cutoff in units of the structure's
    d_NN, here the median over atoms of the distance to the closest neighbour.
    """
    from ovito.io.ase import ase_to_ovito

    _check_method(method)
    data = ase_to_ovito(atoms)
    data.apply(_modifier(data, method, cna_cutoff_factor))
    structure = np.asarray(data.particles["Structure Type"], dtype=int)
    labels = _type_names(method)[structure]
    if method == "ptm":
        ordering = np.asarray(data.particles["Ordering Type"], dtype=int)
        for (structure_type, ordering_type), name in _ptm_ordered_names().items():
            labels[(structure == structure_type) & (ordering == ordering_type)] = name
    return labels.astype(str)


def atom_accuracy(atoms: Atoms, prototype_id: str, method: str) -> float | None:
    """Fraction of atoms labelled as the true class; ``None`` for a class the method is not designed for.

    ``None`` counts as 0 % correct in an accuracy over all 108 classes.
    """
    _check_method(method)
    expected = DESIGNED_CLASSES[method].get(get_prototype(prototype_id).id)
    if expected is None:
        return None
    return float(np.mean(per_atom_labels(atoms, method) == expected))
