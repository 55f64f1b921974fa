import json
from collections import Counter

import numpy as np
import pytest
import spglib
from pymatgen.core import Composition

from ariseml.prototypes import (
    GROUPS,
    UnknownPrototypeError,
    all_prototypes,
    build,
    get_prototype,
    prototypes_in_group,
)
from ariseml.structure import nearest_neighbour_distance

PAPER_COUNTS = {"elemental": 27, "binary": 11, "ternary": 6, "quaternary": 6, "2d": 46, "nanotube": 12}
# Cu2ZnSiS4: Table S5 lists Pc (7); its CMR geometry has Pmn2_1 (31) at every tolerance. See docs/method.md.
SPACE_GROUP_EXCEPTIONS = {"Cu2ZnSiS4": 31}
TOLERANCES = (1e-5, 1e-4, 1e-3, 1e-2)  # Å; the recorded group must appear at one of them


def test_counts_and_unique_identity():
    prototypes = all_prototypes()
    assert len(prototypes) == 108
    assert Counter(p.group for p in prototypes) == PAPER_COUNTS
    assert len({p.id for p in prototypes}) == 108
    assert len({p.arise_label for p in prototypes}) == 108
    for p in prototypes:
        assert p.group in GROUPS and p.name and p.source and p.formula
        assert (p.space_group is None) == p.is_nanotube


def test_records_are_json_ready():
    record = get_prototype("fcc_Cu").record()
    assert json.loads(json.dumps(record)) == {
        "id": "fcc_Cu", "name": "fcc (Cu)", "group": "elemental", "formula": "Cu", "space_group": 225,
        "arise_label": "fcc_Cu_A_cF4_225_a", "source": record["source"],
    }
    assert "AFLOW" in record["source"]


def test_lookup_by_arise_label_and_unknown_id_suggests_closest():
    assert get_prototype("RockSalt_NaCl").id == "rocksalt_NaCl"
    with pytest.raises(UnknownPrototypeError, match="closest: fcc_Cu"):
        get_prototype("fcc_cuu")
    with pytest.raises(ValueError, match="unknown group"):
        prototypes_in_group("bulk")


@pytest.mark.parametrize("prototype", all_prototypes(), ids=lambda p: p.id)
def test_every_class_builds_with_its_formula_and_symmetry(prototype):
    atoms = prototype.unit_cell()
    assert Composition(atoms.get_chemical_formula()).reduced_formula == prototype.formula
    if prototype.is_nanotube:
        assert not atoms.pbc.any() and len(atoms) >= 100
        return
    assert list(atoms.pbc) == ([True, True, False] if prototype.is_2d else [True, True, True])
    cell = (atoms.cell[:], atoms.get_scaled_positions(), atoms.numbers)
    found = {spglib.get_symmetry_dataset(cell, symprec=symprec).number for symprec in TOLERANCES}
    assert SPACE_GROUP_EXCEPTIONS.get(prototype.id, prototype.space_group) in found


def test_in_uses_literature_lattice_not_the_wrong_aflow_volume():
    atoms = get_prototype("bct_In").unit_cell()
    # bct In: a = 3.2523 Å, c = 4.9461 Å, two atoms in the conventional cell
    assert atoms.get_volume() == pytest.approx(3.2523**2 * 4.9461 / 2, rel=1e-6)


@pytest.mark.parametrize("prototype", prototypes_in_group("2d"), ids=lambda p: p.id)
def test_monolayers_lie_in_plane_with_15_angstrom_vacuum(prototype):
    atoms = prototype.unit_cell()
    cell = atoms.cell[:]
    assert np.allclose(cell[2, :2], 0) and np.allclose(cell[:2, 2], 0)
    thickness = np.ptp(atoms.positions[:, 2])
    assert cell[2, 2] - thickness == pytest.approx(15.0)


@pytest.mark.parametrize("prototype_id, layer", [("fcc_Cu", False), ("B31_MnP", False), ("MoS2", True),
                                                 ("graphene", True)])
def test_supercells_follow_the_paper_recipe(prototype_id, layer):
    cell = build(prototype_id)
    sizes = []
    for index in range(3):
        supercell = build(prototype_id, supercell=index)
        assert not supercell.pbc.any()
        sizes.append(len(supercell))
    repeats = [round((n / len(cell)) ** (1 / (2 if layer else 3))) for n in sizes]
    assert sizes[0] >= 100 > len(cell) * (repeats[0] - 1) ** (2 if layer else 3)
    assert repeats == [repeats[0], repeats[0] + 1, repeats[0] + 2]
    periodic = build(prototype_id, supercell=1, periodic=True)
    assert periodic.pbc[:2].all() and periodic.pbc[2] != layer and len(periodic) == sizes[1]
    if layer:  # 2D: in-plane replicas only
        assert np.ptp(build(prototype_id, supercell=2).positions[:, 2]) == pytest.approx(
            np.ptp(cell.positions[:, 2]))


def test_nanotubes_have_a_single_finite_structure():
    tube = build("cnt_5_3")
    assert len(tube) == 196 and not tube.pbc.any()
    assert nearest_neighbour_distance(tube) == pytest.approx(1.42, abs=0.02)
    with pytest.raises(ValueError, match="single finite structure"):
        build("cnt_5_3", supercell=1)
    with pytest.raises(ValueError, match="single finite structure"):
        build("cnt_5_3", periodic=True)


def test_the_similar_pairs_state_the_classes_own_numbers():
    from ariseml.prototypes.pairs import SIMILAR_PAIRS, difference

    def conventional_lengths(class_id):
        atoms = build(class_id)
        lattice = spglib.standardize_cell((atoms.cell[:], atoms.get_scaled_positions(), atoms.numbers), symprec=1e-3)[0]
        return np.linalg.norm(lattice, axis=1)

    a, _, c = conventional_lengths("bct_In")
    assert f"c/a {c / (a * np.sqrt(2)):.3f}" in difference("bct_In", "fcc_Cu")
    a, _, c = conventional_lengths("alpha_Pa")
    assert f"c/a {c / a:.2f}" in difference("bcc_W", "alpha_Pa")
    assert f"{build('beta_Po').cell.cellpar()[3]:.1f}°" in difference("beta_Po", "sc_Po")
    assert all(len(pair) == 2 and all(get_prototype(i) for i in pair) for pair in SIMILAR_PAIRS)
