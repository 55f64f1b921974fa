"""Synthetic samples: Voronoi polycrystals and the γ/γ' superalloy model."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk
from ase.neighborlist import neighbor_list
from scipy.spatial import cKDTree

from ariseml.prototypes import UnknownPrototypeError, build
from ariseml.synthetic import ordered_fept, superalloy, voronoi_polycrystal
from ariseml.structure import nearest_neighbour_distance

FOUR_GRAINS = ["fcc_Cu", "bcc_W", "hcp_Mg", "diamond_C"]


def d_nn_of(prototype_id: str) -> float:
    return nearest_neighbour_distance(build(prototype_id))


def periodic_tree(atoms, positions=None, margin: float = 10.0) -> cKDTree:
    """A KD-tree respecting atoms.pbc (a non-periodic z gets a box too tall to wrap)."""
    lengths = atoms.cell.lengths().copy()
    lengths[~atoms.pbc] += margin
    return cKDTree(atoms.positions if positions is None else positions, boxsize=lengths)


def close_pairs(atoms, cutoff: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    tree = periodic_tree(atoms)
    pairs = tree.query_pairs(cutoff, output_type="ndarray")
    i, j = pairs[:, 0], pairs[:, 1]
    delta = atoms.positions[j] - atoms.positions[i]
    lengths = atoms.cell.lengths()
    delta[:, atoms.pbc] -= lengths[atoms.pbc] * np.round(delta[:, atoms.pbc] / lengths[atoms.pbc])
    return i, j, np.linalg.norm(delta, axis=1)


def distance_to_cell_walls(atoms) -> np.ndarray:
    """Distance of each atom to the walls of its periodic Voronoi cell.

    The walls include those towards periodic images of the grain's own seed:
    a grain meeting itself across the periodic box forms a seam, a boundary too.
    """
    lengths = atoms.cell.lengths()
    shifts = np.array(np.meshgrid(*[[-1, 0, 1]] * 3, indexing="ij")).reshape(3, -1).T * lengths
    images = (atoms.info["grain_centres"][:, None, :] + shifts[None]).reshape(-1, 3)
    squared = ((atoms.positions[:, None, :] - images[None]) ** 2).sum(axis=-1)
    own = np.argmin(squared, axis=1)
    rows = np.arange(len(atoms))
    separation = np.linalg.norm(images[None] - images[own][:, None, :], axis=-1)
    separation[rows, own] = 1.0
    to_walls = (squared - squared[rows, own][:, None]) / (2 * separation)
    to_walls[rows, own] = np.inf
    return to_walls.min(axis=1)


@pytest.fixture(scope="module")
def four_grains():
    return voronoi_polycrystal(FOUR_GRAINS, 36.0, seed=0)


@pytest.fixture(scope="module")
def fcc_bcc():
    return voronoi_polycrystal(["fcc_Cu", "bcc_W"], 40.0, seed=5)


# --------------------------------------------------------------------------- #
# Voronoi polycrystal
# --------------------------------------------------------------------------- #


def test_seed_reproduces_and_differs():
    first = voronoi_polycrystal(["fcc_Cu", "bcc_W"], 20.0, seed=3)
    again = voronoi_polycrystal(["fcc_Cu", "bcc_W"], 20.0, seed=3)
    other = voronoi_polycrystal(["fcc_Cu", "bcc_W"], 20.0, seed=4)
    assert first.info["seed"] == 3
    assert np.array_equal(first.positions, again.positions)
    assert np.array_equal(first.numbers, again.numbers)
    assert np.array_equal(first.arrays["grain_id"], again.arrays["grain_id"])
    assert len(first) != len(other) or not np.allclose(first.positions, other.positions)


def test_unseeded_sample_records_a_seed_that_rebuilds_it():
    sample = voronoi_polycrystal(["fcc_Cu"], 15.0, n_grains=2)
    rebuilt = voronoi_polycrystal(["fcc_Cu"], 15.0, n_grains=2, seed=sample.info["seed"])
    assert np.array_equal(sample.positions, rebuilt.positions)


def test_grain_ids_and_labels(four_grains):
    grain_id = four_grains.arrays["grain_id"]
    assert np.issubdtype(grain_id.dtype, np.integer) and len(grain_id) == len(four_grains)
    assert four_grains.info["grains"] == FOUR_GRAINS
    assert set(np.unique(grain_id)) == {0, 1, 2, 3}
    assert np.bincount(grain_id).sum() == len(four_grains)
    for g, label in enumerate(FOUR_GRAINS):
        assert set(four_grains.numbers[grain_id == g]) == set(build(label).numbers)
    assert np.allclose(four_grains.cell[:], np.diag([36.0] * 3))
    assert four_grains.pbc.all()
    assert np.all((four_grains.positions >= 0) & (four_grains.positions < 36.0))


def test_grain_counts_match_voronoi_volumes(four_grains):
    """Atoms per grain ≈ (Monte-Carlo volume of its periodic Voronoi cell) × crystal density."""
    centres = four_grains.info["grain_centres"]
    lengths = four_grains.cell.lengths()
    points = np.random.default_rng(0).random((200_000, 3)) * lengths
    _, owner = cKDTree(centres, boxsize=lengths).query(points)
    volume = np.bincount(owner, minlength=4) / len(points) * np.prod(lengths)
    counts = np.bincount(four_grains.arrays["grain_id"], minlength=4)
    for g, label in enumerate(FOUR_GRAINS):
        cell = build(label)
        expected = volume[g] * len(cell) / cell.get_volume()
        assert counts[g] == pytest.approx(expected, rel=0.1), label


def test_cycles_through_grains():
    sample = voronoi_polycrystal(["fcc_Cu", "bcc_W"], 25.0, n_grains=5, seed=1)
    assert sample.info["grains"] == ["fcc_Cu", "bcc_W", "fcc_Cu", "bcc_W", "fcc_Cu"]
    assert set(np.unique(sample.arrays["grain_id"])) == set(range(5))
    assert len(sample.info["grain_centres"]) == 5


@pytest.mark.parametrize("fraction", [0.7, 0.9])
def test_no_overlaps_between_grains(fraction):
    sample = voronoi_polycrystal(FOUR_GRAINS, 30.0, seed=2, min_distance_fraction=fraction)
    d_nn = np.array([d_nn_of(label) for label in sample.info["grains"]])
    grain_id = sample.arrays["grain_id"]
    i, j, distance = close_pairs(sample, fraction * d_nn.max())
    different = grain_id[i] != grain_id[j]
    threshold = fraction * np.minimum(d_nn[grain_id[i]], d_nn[grain_id[j]])
    assert different.any() or len(i) == 0
    assert np.all(distance[different] >= threshold[different] - 1e-9)


def test_no_pruning_keeps_more_atoms():
    pruned = voronoi_polycrystal(["fcc_Cu", "bcc_W"], 20.0, seed=7)
    unpruned = voronoi_polycrystal(["fcc_Cu", "bcc_W"], 20.0, seed=7, min_distance_fraction=0.0)
    assert len(unpruned) > len(pruned)


def test_single_grain_seam_is_pruned():
    """One grain does not fit the periodic box: its seam is pruned like a grain boundary."""
    sample = voronoi_polycrystal(["fcc_Cu"], 18.0, seed=4)
    d_nn = d_nn_of("fcc_Cu")
    _, _, distance = close_pairs(sample, d_nn)
    assert distance.min() >= 0.7 * d_nn - 1e-9
    assert set(sample.arrays["grain_id"]) == {0}


def test_local_structure_far_from_boundaries(fcc_bcc):
    """Atoms away from grain boundaries keep the fcc (12 NN) or bcc (8 NN) environment."""
    owner = cKDTree(fcc_bcc.info["grain_centres"], boxsize=fcc_bcc.cell.lengths()).query(fcc_bcc.positions)[1]
    assert np.array_equal(owner, fcc_bcc.arrays["grain_id"])  # every atom lies in its own cell
    grain_id = fcc_bcc.arrays["grain_id"]
    far = distance_to_cell_walls(fcc_bcc) > 5.0
    for g, (label, n_neighbours) in enumerate([("fcc_Cu", 12), ("bcc_W", 8)]):
        d_nn = d_nn_of(label)
        i, d = neighbor_list("id", fcc_bcc, 1.05 * d_nn)
        count = np.bincount(i, minlength=len(fcc_bcc))
        nearest = np.full(len(fcc_bcc), np.inf)
        np.minimum.at(nearest, i, d)
        selected = far & (grain_id == g)
        assert selected.sum() > 200
        matches = (count[selected] == n_neighbours) & np.isclose(nearest[selected], d_nn, rtol=1e-6)
        assert matches.mean() > 0.99, label


def test_grains_are_rotated(fcc_bcc):
    rotations = fcc_bcc.info["grain_rotations"]
    assert rotations.shape == (2, 4)
    assert np.allclose(np.linalg.norm(rotations, axis=1), 1)
    assert not np.allclose(np.abs(rotations[0]), np.abs(rotations[1]))


def test_atoms_grains_and_box_tuple():
    aluminium = bulk("Al", "fcc", a=4.05, cubic=True)
    sample = voronoi_polycrystal([aluminium, "bcc_W"], (20.0, 24.0, 28.0), seed=1)
    assert sample.info["grains"] == ["Al", "bcc_W"]
    assert np.allclose(sample.cell.lengths(), [20.0, 24.0, 28.0])
    assert set(sample.numbers[sample.arrays["grain_id"] == 0]) == {13}


def test_slab_mode():
    thickness = 9.0
    sample = voronoi_polycrystal(["fcc_Cu"], 40.0, n_grains=4, slab_thickness=thickness, seed=3)
    assert tuple(sample.pbc) == (True, True, False)
    assert np.allclose(sample.cell.lengths(), [40.0, 40.0, thickness])
    z = sample.positions[:, 2]
    assert z.min() >= 0 and z.max() < thickness
    assert set(np.unique(sample.arrays["grain_id"])) == set(range(4))
    # rotations only about z: the fcc [001] columns stay along z, every grain on the same
    # (002) layers through the slab centre, spaced a/2
    half_a = d_nn_of("fcc_Cu") * np.sqrt(2) / 2
    layers = (z - thickness / 2) / half_a
    assert np.allclose(layers, np.round(layers), atol=1e-6)
    quaternions = sample.info["grain_rotations"]
    assert np.allclose(quaternions[:, :2], 0)
    # no overlaps between grains; z is not periodic
    d_nn = d_nn_of("fcc_Cu")
    grain_id = sample.arrays["grain_id"]
    i, j, distance = close_pairs(sample, d_nn)
    different = grain_id[i] != grain_id[j]
    assert np.all(distance[different] >= 0.7 * d_nn - 1e-9)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(grains=["fcc_Cu"], size=0.0),
        dict(grains=["fcc_Cu"], size=-5.0),
        dict(grains=["fcc_Cu"], size=(10.0, 0.0, 10.0)),
        dict(grains=["fcc_Cu"], size=(10.0, 10.0, 10.0, 10.0)),
        dict(grains=["fcc_Cu"], size=10.0, n_grains=0),
        dict(grains=["fcc_Cu"], size=10.0, n_grains=2.5),
        dict(grains=[], size=10.0),
        dict(grains=["fcc_Cu"], size=10.0, min_distance_fraction=-0.1),
        dict(grains=["fcc_Cu"], size=10.0, min_distance_fraction=1.0),
        dict(grains=["fcc_Cu"], size=10.0, slab_thickness=0.0),
        dict(grains=["fcc_Cu", "cnt_3_3"], size=10.0),
        dict(grains=["graphene"], size=10.0),
        # a finite cluster is not a crystal cell
        dict(grains=[Atoms("Cu2", positions=[[0, 0, 0], [2.5, 0, 0]], cell=[5, 5, 5], pbc=False)],
             size=10.0),
    ],
)
def test_bad_polycrystal_inputs(kwargs):
    with pytest.raises(ValueError):
        voronoi_polycrystal(**kwargs)


def test_unknown_prototype():
    with pytest.raises(UnknownPrototypeError):
        voronoi_polycrystal(["fcc_Cuu"], 10.0)


# --------------------------------------------------------------------------- #
# Superalloy
# --------------------------------------------------------------------------- #

A = 3.57


@pytest.fixture(scope="module")
def alloy():
    return superalloy(size=36.0, seed=0)


def test_superalloy_defaults():
    sample = superalloy(seed=1)
    edge = sample.cell.lengths()
    assert np.allclose(edge, edge[0]) and abs(edge[0] - 120.0) <= A / 2
    assert sample.info["lattice_constant"] == A
    assert sample.info["precipitate_cells"] == round(60.0 / A)
    assert sample.pbc.all()
    assert len(sample) / sample.get_volume() == pytest.approx(4 / A**3, rel=0.01)


def test_superalloy_regions(alloy):
    region = alloy.arrays["region"]
    assert set(np.unique(region)) == {0, 1}
    n = alloy.info["box_cells"]
    n_p = alloy.info["precipitate_cells"]
    assert n == 10 and n_p == 5
    assert (region == 1).sum() == 4 * n_p**3
    # the precipitate is a cube in the middle of the box
    inside = alloy.positions[region == 1]
    centre = 0.5 * (inside.min(axis=0) + inside.max(axis=0))
    assert np.all(np.abs(centre - alloy.cell.lengths() / 2) <= A)
    assert np.allclose(np.ptp(inside, axis=0), (n_p - 0.5) * A)


def test_superalloy_composition(alloy):
    region = alloy.arrays["region"]
    symbols = np.array(alloy.get_chemical_symbols())
    assert set(symbols) == {"Ni", "Al"}
    precipitate = symbols[region == 1]
    assert (precipitate == "Ni").sum() == 3 * (precipitate == "Al").sum()  # Ni₃Al
    matrix = symbols[region == 0]
    assert (matrix == "Al").mean() == pytest.approx(0.10, abs=1 / len(matrix))
    other = superalloy(size=36.0, al_fraction=0.05, seed=0)
    matrix = np.array(other.get_chemical_symbols())[other.arrays["region"] == 0]
    assert (matrix == "Al").mean() == pytest.approx(0.05, abs=1 / len(matrix))


def test_superalloy_is_a_perfect_fcc_lattice(alloy):
    assert len(alloy) / alloy.get_volume() == pytest.approx(4 / A**3, rel=0.01)
    i, d = neighbor_list("id", alloy, 0.85 * A)
    assert np.all(np.bincount(i, minlength=len(alloy)) == 12)
    assert np.allclose(d, A / np.sqrt(2))


def test_precipitate_is_ordered_l12(alloy):
    region = alloy.arrays["region"]
    is_al = alloy.numbers == 13
    i, j = neighbor_list("ij", alloy, 0.85 * A)
    # Al of the precipitate whose 12 nearest neighbours all lie in the precipitate
    outside = np.bincount(i, weights=(region[j] == 0), minlength=len(alloy))
    interior_al = is_al & (region == 1) & (outside == 0)
    assert interior_al.sum() > 20
    al_neighbours = np.bincount(i, weights=is_al[j], minlength=len(alloy))
    assert np.all(al_neighbours[interior_al] == 0)
    # the matrix is a random solid solution: some Al-Al nearest-neighbour pairs occur
    assert al_neighbours[is_al & (region == 0)].sum() > 0


def test_superalloy_seed():
    first, again, other = superalloy(20.0, seed=2), superalloy(20.0, seed=2), superalloy(20.0, seed=3)
    assert np.array_equal(first.numbers, again.numbers)
    assert not np.array_equal(first.numbers, other.numbers)
    assert first.info["seed"] == 2


def test_superalloy_without_precipitate():
    sample = superalloy(20.0, precipitate_size=0.0, seed=0)
    assert np.all(sample.arrays["region"] == 0)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(size=0.0),
        dict(size=-10.0),
        dict(size=1.0),  # smaller than one conventional cell
        dict(size=30.0, al_fraction=1.0),
        dict(size=30.0, al_fraction=-0.1),
        dict(size=30.0, lattice_constant=0.0),
        dict(size=30.0, precipitate_size=-1.0),
        dict(size=30.0, precipitate_size=40.0),
    ],
)
def test_bad_superalloy_inputs(kwargs):
    with pytest.raises(ValueError):
        superalloy(**kwargs)


@pytest.mark.parametrize("class_id, space_group, fe_share", [("L10_CuAu", "P4/mmm (123)", 0.5),
                                                              ("L12_Cu3Au", "Pm-3m (221)", 0.25)])
def test_ordered_fept_cells_have_the_orderings_space_groups(class_id, space_group, fe_share):
    import spglib

    cell = ordered_fept(class_id)
    assert spglib.get_spacegroup((cell.cell[:], cell.get_scaled_positions(), cell.numbers)) == space_group
    assert np.mean(np.array(cell.get_chemical_symbols()) == "Fe") == fe_share
    with pytest.raises(ValueError, match="L10_CuAu or L12_Cu3Au"):
        ordered_fept("fcc_Cu")
