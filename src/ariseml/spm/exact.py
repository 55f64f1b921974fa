"""Exact mode, the paper's: each box described from its own atoms, with d_NN measured in the box."""

from __future__ import annotations


import numpy as np
from ase import Atoms
from scipy.spatial import cKDTree

from ariseml.classifier import Classifier
from ariseml.descriptors.soap import SoapSettings, arise_soap
from ariseml.parallel import progress_map, worker_state
from ariseml.spm.boxes import atoms_in_box, box_search_tree, majority_species
from ariseml.spm.classify import classify_described
from ariseml.spm.grid import Grid, SpmSettings


def describe_box(atoms: Atoms, tree: cKDTree, grid: Grid, settings: SpmSettings, soap: SoapSettings,
                 flat_index: int) -> tuple[int, np.ndarray | None]:
    """Exact mode: (atom count, descriptor of the box's own atoms, or None when empty or undefined). Species under
    ``settings.minority`` of the box's atoms are left out of the descriptor."""
    inside = atoms_in_box(tree, grid.box_centre(flat_index), grid.box_edges)
    if len(inside) < settings.min_atoms:
        return len(inside), None
    count = len(inside)
    inside = inside[majority_species(atoms.numbers[inside], settings.minority)]
    if len(inside) < 2:
        return count, None
    region = Atoms(numbers=atoms.numbers[inside], positions=atoms.positions[inside], pbc=False)
    try:
        return count, arise_soap(region, soap)
    except ValueError:  # no atom has a neighbour of some pair: nothing to describe
        return count, None


def _describe_box(flat_index: int) -> tuple[int, np.ndarray | None]:
    state = worker_state()
    return describe_box(*(state[k] for k in ("atoms", "tree", "grid", "settings", "soap")), flat_index)


def exact_chunk(atoms: Atoms, tree: cKDTree, grid: Grid, settings: SpmSettings, classifier: Classifier,
                indices: np.ndarray, jobs: int | None) -> dict[str, np.ndarray]:
    """One chunk of exact mode, its boxes described on ``jobs`` processes (``tree`` from
    :func:`box_search_tree`)."""
    state = {"atoms": atoms, "tree": tree, "grid": grid, "settings": settings, "soap": classifier.settings_}
    described = list(progress_map(_describe_box, list(map(int, indices)), jobs, state=state))
    return classify_described(indices, described, classifier, settings)


def remote_exact_chunk(atoms: Atoms, grid: Grid, settings: SpmSettings, classifier: Classifier,
                       indices: np.ndarray) -> dict[str, np.ndarray]:
    """One chunk of exact mode on a Dask worker (the sample and the model arrive scattered once)."""
    tree = box_search_tree(atoms.positions, grid.box_edges)
    described = [describe_box(atoms, tree, grid, settings, classifier.settings_, int(i)) for i in indices]
    return classify_described(indices, described, classifier, settings)
