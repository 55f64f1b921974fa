"""Which atoms each box holds, and which boxes hold the same atoms."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import numpy as np
from ase import Atoms
from scipy.spatial import cKDTree

from ariseml.spm.grid import Grid, SpmSettings
from ariseml.spm.voxels import atom_voxels, box_sums


def box_search_tree(positions: np.ndarray, box_edges: Sequence[float]) -> cKDTree:
    """A search tree of the positions divided by the box edges: a box is then a unit cube."""
    return cKDTree(positions / np.asarray(box_edges))


def atoms_in_boxes(tree: cKDTree, centres: np.ndarray, box_edges: Sequence[float]) -> Sequence[list[int]]:
    """Per box around ``centres`` (n, 3), the indices of the atoms inside it, unsorted (``tree`` from
    :func:`box_search_tree`)."""
    return tree.query_ball_point(np.asarray(centres) / np.asarray(box_edges), r=0.5, p=np.inf)


def atoms_in_box(tree: cKDTree, centre: np.ndarray, box_edges: Sequence[float]) -> np.ndarray:
    """Indices of the atoms inside the box around ``centre``, sorted."""
    return np.array(sorted(atoms_in_boxes(tree, np.asarray(centre)[None], box_edges)[0]), dtype=int)


def majority_species(numbers: np.ndarray, minority: float) -> np.ndarray:
    """Mask of the atoms whose species makes up at least ``minority`` of ``numbers`` (one box's atoms)."""
    _, inverse, counts = np.unique(numbers, return_inverse=True, return_counts=True)
    return (counts >= minority * len(numbers))[inverse.ravel()]


RANDOM_KEY_SEED = 0
"""Seed of the atoms' random keys in :func:`first_equal_box` (any fixed value: the keys only compare sets)."""


BOXES_PER_QUERY = 4096
"""Exact mode finds the atoms of this many boxes per search-tree query when comparing boxes."""


def first_equal_box(atoms: Atoms, grid: Grid, settings: SpmSettings) -> np.ndarray:
    """Per box, the first box (flat index) holding exactly the same atoms: itself unless an earlier one does.

    Atom sets are compared by their sums of two random 64-bit keys per atom (integer sums wrap, so
    equal sets give equal sums whatever the order; two different sets agree with a chance of
    2⁻¹²⁸). Fast mode sums the keys per voxel and box as it pools; exact mode asks the search tree.
    """
    keys = np.random.default_rng(RANDOM_KEY_SEED).integers(0, 2**64, size=(len(atoms), 2), dtype=np.uint64)
    if settings.mode == "fast":
        flat, layout = atom_voxels(atoms, grid, settings)
        inside = flat >= 0
        per_voxel = np.zeros((layout.size, 2), dtype=np.uint64)
        np.add.at(per_voxel, flat[inside], keys[inside])
        sums = box_sums(per_voxel.reshape(*layout.shape, 2), grid.shape, layout)
    else:
        tree = box_search_tree(atoms.positions, grid.box_edges)
        sums = np.zeros((grid.size, 2), dtype=np.uint64)
        for start in range(0, grid.size, BOXES_PER_QUERY):
            boxes = np.arange(start, min(start + BOXES_PER_QUERY, grid.size))
            members = atoms_in_boxes(tree, grid.box_centre(boxes), grid.box_edges)
            ends = np.cumsum([len(inside) for inside in members])
            running = np.cumsum(keys[np.fromiter(chain.from_iterable(members), dtype=np.int64, count=ends[-1])],
                                axis=0)  # wrapping sums of the keys, box after box
            running = np.concatenate([np.zeros((1, 2), dtype=np.uint64), running])
            sums[boxes] = running[ends] - running[np.concatenate([[0], ends[:-1]])]
    _, first, inverse = np.unique(sums, axis=0, return_index=True, return_inverse=True)
    return first[inverse.ravel()]
