import math

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk

from ariseml.prototypes import build
from ariseml.structure import (
    apply_defects,
    displace_atoms,
    nearest_neighbour_distance,
    nearest_neighbour_distances,
    remove_atoms,
    scale_to_unit_nn,
    species_pair_distances,
)

A_CU = 3.61491  # fcc Cu lattice constant of the AFLOW A_cF4_225_a prototype (Å)
A_NACL = 5.63931  # rock salt NaCl of the AFLOW AB_cF8_225_a_b prototype (Å)


def test_fcc_and_bcc_nearest_neighbour_distance():
    assert nearest_neighbour_distance(build("fcc_Cu")) == pytest.approx(A_CU / math.sqrt(2), rel=1e-9)
    assert nearest_neighbour_distance(build("bcc_W")) == pytest.approx(3.155 * math.sqrt(3) / 2, rel=1e-6)


def test_finite_supercell_has_the_periodic_distance():
    finite = build("fcc_Cu", supercell=0)
    assert not finite.pbc.any()
    assert nearest_neighbour_distance(finite) == pytest.approx(A_CU / math.sqrt(2), rel=1e-9)


def test_species_pair_substructures():
    nacl = build("rocksalt_NaCl")
    assert nearest_neighbour_distance(nacl, "Na", "Cl") == pytest.approx(A_NACL / 2, rel=1e-6)
    assert nearest_neighbour_distance(nacl, "Na", "Na") == pytest.approx(A_NACL / math.sqrt(2), rel=1e-6)
    # in a finite cluster some surface atoms lack their nearest neighbour: the histogram then spans
    # a range and the bin centre is within half a bin (1/200 of the range) of the true distance
    finite = build("rocksalt_NaCl", supercell=1)
    distances = nearest_neighbour_distances(finite, "Cl", "Na")
    half_bin = np.ptp(distances) / 200
    assert distances.min() == pytest.approx(A_NACL / 2, rel=1e-6)
    assert nearest_neighbour_distance(finite, "Cl", "Na") == pytest.approx(A_NACL / 2, abs=half_bin + 1e-9)
    assert nearest_neighbour_distance(finite, "Cl", "Cl") == pytest.approx(A_NACL / math.sqrt(2), rel=1e-6)
    with pytest.raises(ValueError, match="not in the structure"):
        nearest_neighbour_distance(nacl, "Na", "K")


def test_histogram_mode_resists_outliers_where_the_mean_does_not():
    # 10 % of atoms displaced far: the mean nearest-neighbour distance moves, the mode does not
    atoms = build("fcc_Cu", supercell=2)
    rng = np.random.default_rng(0)
    chosen = rng.choice(len(atoms), size=len(atoms) // 10, replace=False)
    atoms.positions[chosen] += rng.normal(scale=0.6, size=(len(chosen), 3))
    pristine = A_CU / math.sqrt(2)
    assert nearest_neighbour_distance(atoms) == pytest.approx(pristine, rel=0.02)
    assert abs(np.mean(nearest_neighbour_distances(atoms)) - pristine) > 0.02 * pristine


def test_two_dimensional_points_in_pixels():
    # microscopy: graphene columns at z = 0 in arbitrary units (pixels)
    sheet = build("graphene", supercell=1)
    sheet.positions[:, 2] = 0.0
    sheet.positions *= 10.0
    assert nearest_neighbour_distance(sheet) == pytest.approx(14.2, rel=0.01)


def test_lone_atom_has_no_distance():
    with pytest.raises(ValueError, match="undefined"):
        nearest_neighbour_distance(Atoms("Cu", positions=[[0, 0, 0]]))
    cluster = Atoms("Cu2Au", positions=[[0, 0, 0], [2.5, 0, 0], [0, 2.5, 0]])
    with pytest.raises(ValueError, match="undefined"):
        nearest_neighbour_distance(cluster, "Au", "Au")
    assert nearest_neighbour_distance(cluster, "Au", "Cu") == pytest.approx(2.5)


@pytest.mark.parametrize("structure", [build("hcp_Mg"), build("hcp_Mg", supercell=0), build("MoS2")])
def test_isotropic_scaling_gives_unit_distance(structure):
    scaled = scale_to_unit_nn(structure)
    assert nearest_neighbour_distance(scaled) == pytest.approx(1.0, rel=1e-9)
    assert scale_to_unit_nn(structure, extrinsic_factor=1.05).get_volume() == pytest.approx(
        scaled.get_volume() / 1.05**3, rel=1e-9) if structure.pbc.all() else True


def test_displacements_are_uniform_within_bounds_and_seeded():
    atoms = bulk("Cu", "fcc", a=A_CU, cubic=True).repeat(8)
    d_nn = nearest_neighbour_distance(atoms)
    moved = displace_atoms(atoms, 0.04, seed=3)
    shift = moved.positions - atoms.positions
    assert np.abs(shift).max() <= 0.04 * d_nn
    # a uniform distribution on [-w, w] has standard deviation w / sqrt(3)
    assert shift.std() == pytest.approx(0.04 * d_nn / math.sqrt(3), rel=0.05)
    assert np.array_equal(displace_atoms(atoms, 0.04, seed=3).positions, moved.positions)
    assert not np.array_equal(displace_atoms(atoms, 0.04, seed=4).positions, moved.positions)


def test_removal_fraction_and_seed():
    atoms = build("L12_Cu3Au", supercell=1)
    thinned = remove_atoms(atoms, 0.2, seed=1)
    assert len(thinned) == round(0.8 * len(atoms))
    assert np.array_equal(remove_atoms(atoms, 0.2, seed=1).positions, thinned.positions)
    assert len(remove_atoms(atoms, 0.0)) == len(atoms)


def test_combined_defects_and_validation():
    atoms = build("diamond_C", supercell=0)
    both = apply_defects(atoms, delta=0.02, eta=0.1, seed=7)
    assert len(both) == round(0.9 * len(atoms))
    again = apply_defects(atoms, delta=0.02, eta=0.1, seed=7)
    assert np.array_equal(both.positions, again.positions)
    assert apply_defects(atoms) is not atoms
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        apply_defects(atoms, eta=1.0)
    with pytest.raises(ValueError, match=">= 0"):
        apply_defects(atoms, delta=-0.01)


@pytest.mark.parametrize("periodic", [True, False])
def test_all_species_pairs_at_once_match_each_pair_alone(periodic):
    atoms = apply_defects(build("perovskite_CsSnCl3_orthorhombic", supercell=0, periodic=periodic), 0.02, 0.2, 11)
    together = species_pair_distances(atoms)
    assert len(together) == 9
    for (alpha, beta), distances in together.items():
        assert np.array_equal(distances, nearest_neighbour_distances(atoms, alpha, beta))


def test_antisite_swaps_keep_composition_and_move_the_asked_fraction():
    from ariseml.structure import swap_antisites

    alloy = bulk("CuAu", "rocksalt", a=5.0).repeat(5)  # 250 atoms, two sublattices
    swapped = swap_antisites(alloy, 0.08, seed=4)
    assert sorted(swapped.numbers) == sorted(alloy.numbers)
    assert np.sum(swapped.numbers != alloy.numbers) == 20  # 0.08 * 250 / 2 = 10 swaps, two atoms each
    assert np.array_equal(swapped.positions, alloy.positions)
    assert np.array_equal(swap_antisites(alloy, 0.08, seed=4).numbers, swapped.numbers)
    assert not np.array_equal(swap_antisites(alloy, 0.08, seed=5).numbers, swapped.numbers)
    with pytest.raises(ValueError, match="two species"):
        swap_antisites(bulk("Cu", "fcc", a=3.6).repeat(3), 0.1)
    with pytest.raises(ValueError, match="smaller fraction"):
        swap_antisites(bulk("Cu", "fcc", a=3.6, cubic=True).repeat(2)[:-1] + bulk("Au", "fcc", a=3.6)[:1], 0.5)


def test_every_prototype_passes_the_overlap_check_and_beta_o_comes_closest():
    from ariseml.prototypes import all_prototypes, build
    from ariseml.structure import CLOSE_PAIR_FRACTION, check_structure

    ratios = {}  # the lowest closest-pair / typical-distance ratio of each class's cell and supercell 0
    for prototype in all_prototypes():
        for atoms in [build(prototype)] + ([] if prototype.is_nanotube else [build(prototype, supercell=0)]):
            check_structure(atoms)
            distances = nearest_neighbour_distances(atoms)
            ratios[prototype.id] = min(ratios.get(prototype.id, 1.0), distances.min() / np.median(distances))
    lowest = sorted(ratios, key=ratios.get)
    assert lowest[0] == "beta_O" and round(ratios["beta_O"], 2) == 0.39 > CLOSE_PAIR_FRACTION
    assert {round(ratios[i], 2) for i in ("Ti3C2H2O2", "Ti4C3H2O2")} == {0.47} and ratios[lowest[3]] > 0.8
