"""Which atoms a box holds, in exact mode and in fast mode's voxels, and which boxes hold the same."""

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk

from ariseml import spm
from bicrystal import iron_bicrystal


def test_box_atoms_are_those_inside_the_box():
    atoms = bulk("Cu", "fcc", a=3.6, cubic=True).repeat((6, 6, 6))
    grid = spm.make_grid(atoms, spm.SpmSettings(box=7.0, stride=(3.0, 3.0, 3.0)))
    tree = spm.box_search_tree(atoms.positions, grid.box_edges)
    for flat_index in (0, grid.size // 2, grid.size - 1):
        centre = grid.box_centre(flat_index)
        expected = np.flatnonzero(np.all(np.abs(atoms.positions - centre) <= 3.5, axis=1))
        assert list(spm.atoms_in_box(tree, centre, grid.box_edges)) == list(expected)


def test_fast_mode_box_sums_match_the_boxes_atoms_when_the_stride_does_not_divide_the_box():
    rng = np.random.default_rng(5)
    atoms = Atoms("Fe" * 3000, positions=rng.uniform(0, 23.0, (3000, 3)))
    settings = spm.SpmSettings(box=10.0, stride=(3.0, 2.5, 4.0), mode="fast")  # voxels 1, 2.5 and 2 Å wide
    grid = spm.make_grid(atoms, settings)
    on_a_face = np.any((atoms.positions == atoms.positions.min(axis=0)) | (atoms.positions == atoms.positions.max(axis=0)),
                       axis=1)
    atoms = atoms[~on_a_face]  # the extreme atoms, which set the grid, lie on box faces: in or out by rounding
    voxel, layout = spm.voxels.atom_voxels(atoms, grid, settings)
    assert layout.box == (5, 4, 10) and layout.step == (2, 1, 3)  # (z, y, x)
    per_voxel = np.bincount(voxel[voxel >= 0], minlength=layout.size).reshape(*layout.shape, 1).astype(float)
    counts = spm.voxels.box_sums(per_voxel, grid.shape, layout)[:, 0].round()
    tree = spm.box_search_tree(atoms.positions, grid.box_edges)
    direct = [len(spm.atoms_in_box(tree, grid.box_centre(i), grid.box_edges)) for i in range(grid.size)]
    assert grid.size > 100 and np.array_equal(counts, direct)


def _box_atom_sets(atoms: Atoms, grid: spm.Grid, settings: spm.SpmSettings) -> list[frozenset[int]]:
    """Each box's atoms by the rule of the mode: the search tree's (exact), the voxels' (fast)."""
    if settings.mode == "exact":
        tree = spm.box_search_tree(atoms.positions, grid.box_edges)
        return [frozenset(spm.atoms_in_box(tree, grid.box_centre(i), grid.box_edges)) for i in range(grid.size)]
    voxel, layout = spm.voxels.atom_voxels(atoms, grid, settings)
    position = np.array(np.unravel_index(np.maximum(voxel, 0), layout.shape)).T  # (atoms, 3) in z, y, x
    sets = []
    for box in range(grid.size):
        low = np.array(np.unravel_index(box, grid.shape)) * layout.step
        inside = (voxel >= 0) & np.all((position >= low) & (position < low + layout.box), axis=1)
        sets.append(frozenset(np.flatnonzero(inside)))
    return sets


@pytest.mark.parametrize("mode", ["exact", "fast"])
def test_boxes_holding_the_same_atoms_point_to_the_first_such_box(mode):
    atoms = bulk("Fe", "fcc", a=3.6, cubic=True).repeat(4)  # atomic planes 1.8 Å apart, stride 0.5 Å
    atoms.rattle(0.05, seed=1)
    atoms.pbc = False
    settings = spm.SpmSettings(box=8.0, stride=(0.5, 0.5, 0.5), mode=mode)
    grid = spm.make_grid(atoms, settings)
    first = spm.first_equal_box(atoms, grid, settings)
    sets = _box_atom_sets(atoms, grid, settings)
    expected = [sets.index(atoms_of_box) for atoms_of_box in sets]
    assert np.array_equal(first, expected) and np.sum(first != np.arange(grid.size)) > grid.size // 4


def test_fast_mode_needs_box_and_stride_with_a_common_divisor(tmp_path, classifier):
    atoms = iron_bicrystal()
    settings = spm.SpmSettings(box=10.0, stride=(np.pi, np.pi, np.pi), geometry="slab", mode="fast")
    with pytest.raises(ValueError, match="common divisor"):
        spm.scan(atoms, settings, classifier, tmp_path, jobs=1, progress=False)
