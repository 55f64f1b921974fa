"""The robustness tests' defects: displacements, missing atoms, both, and antisites."""

import math

import numpy as np
import pytest
from ase.build import bulk

from ariseml.defects import apply_defects, displace_atoms, remove_atoms, swap_antisites
from ariseml.prototypes import build
from ariseml.structure import nearest_neighbour_distance

A_CU = 3.61491  # fcc Cu lattice constant of the AFLOW A_cF4_225_a prototype (Å)


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


def test_antisite_swaps_keep_composition_and_move_the_asked_fraction():
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
