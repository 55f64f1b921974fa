import math
import time

import numpy as np
import ase.build
import pytest
from ase import Atoms
from ase.neighborlist import neighbor_list

from ariseml.defects import apply_defects
from ariseml.prototypes import build
from ariseml.structure import (
    nearest_neighbour_distance,
    nearest_neighbour_distances,
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


@pytest.mark.parametrize("periodic", [True, False])
def test_all_species_pairs_at_once_match_each_pair_alone(periodic):
    atoms = apply_defects(build("perovskite_CsSnCl3_orthorhombic", supercell=0, periodic=periodic), 0.02, 0.2, 11)
    together = species_pair_distances(atoms)
    assert len(together) == 9
    for (alpha, beta), distances in together.items():
        assert np.array_equal(distances, nearest_neighbour_distances(atoms, alpha, beta))


def _nearest_by_ase(atoms: Atoms, alpha: str, beta: str) -> np.ndarray:
    i, j, d = neighbor_list("ijd", atoms, 12.0)
    symbols = np.array(atoms.get_chemical_symbols())
    nearest = np.full(len(atoms), np.inf)
    wanted = symbols[j] == beta
    np.minimum.at(nearest, i[wanted], d[wanted])
    return nearest[(symbols == alpha) & np.isfinite(nearest)]


@pytest.mark.parametrize("atoms", [
    ase.build.bulk("Cu"),  # one atom: its neighbours are its own images
    ase.build.graphene(vacuum=None),  # a periodic sheet whose cell has no third vector
    apply_defects(ase.build.bulk("NaCl", "rocksalt", a=5.64).repeat((3, 2, 2)), 0.05, 0.1, 3),
    Atoms("GaAs", scaled_positions=[(0, 0, 0), (0.3, 0.2, 0.4)], cell=[[3, 0, 0], [1.5, 3.5, 0], [1, 1, 4]],
          pbc=[True, False, True]),  # triclinic, periodic along two axes
], ids=["one-atom", "sheet", "defective-rock-salt", "triclinic-two-axes"])
def test_periodic_nearest_distances_equal_a_full_neighbour_list(atoms):
    for (alpha, beta), distances in species_pair_distances(atoms).items():
        assert np.allclose(np.sort(distances), np.sort(_nearest_by_ase(atoms, alpha, beta)))


def test_a_200k_atom_periodic_cell_gets_its_nearest_neighbour_distances_in_a_second_or_two():
    atoms = ase.build.bulk("Cu", "fcc", a=A_CU, cubic=True).repeat(37)  # 202,612 atoms
    start = time.perf_counter()
    distances = nearest_neighbour_distances(atoms)
    assert time.perf_counter() - start < 10  # 0.5 s here; ASE's neighbour list took 20-40 s
    assert len(distances) == len(atoms) and np.allclose(distances, A_CU / math.sqrt(2))


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
