"""The defects of the paper's robustness tests (random displacements, missing atoms) and antisites."""

from __future__ import annotations

import numpy as np
from ase import Atoms

from ariseml.errors import InputError
from ariseml.structure import nearest_neighbour_distance


def _check_delta(delta: float) -> None:
    if delta < 0:
        raise InputError(f"displacement fraction must be >= 0, got {delta}")


def _check_eta(eta: float) -> None:
    if not 0 <= eta < 1:
        raise InputError(f"fraction of removed atoms must be in [0, 1), got {eta}")


def displace_atoms(atoms: Atoms, delta: float, seed: int | None = None,
                   d_nn: float | None = None) -> Atoms:
    """Random displacements, uniform in [-δ·d_NN, +δ·d_NN] on each Cartesian component.

    ``delta`` is a fraction of d_NN (0.01 means 1 %).
    """
    _check_delta(delta)
    if d_nn is None:
        d_nn = nearest_neighbour_distance(atoms)
    rng = np.random.default_rng(seed)
    displaced = atoms.copy()
    displaced.positions += rng.uniform(-delta * d_nn, delta * d_nn, size=(len(atoms), 3))
    return displaced


def remove_atoms(atoms: Atoms, eta: float, seed: int | None = None) -> Atoms:
    """Remove a random fraction η of the atoms (rounded to the nearest whole atom)."""
    _check_eta(eta)
    rng = np.random.default_rng(seed)
    n_remove = int(round(eta * len(atoms)))
    removed = rng.choice(len(atoms), size=n_remove, replace=False)
    kept = np.setdiff1d(np.arange(len(atoms)), removed)
    return atoms[kept]


def apply_defects(atoms: Atoms, delta: float = 0.0, eta: float = 0.0, seed: int | None = None,
                  d_nn: float | None = None) -> Atoms:
    """Missing atoms and displacements together (atoms removed first, then displaced).

    d_NN for the displacement amplitude is the pristine structure's (pass ``d_nn`` if known).
    """
    _check_delta(delta)
    _check_eta(eta)
    rng = np.random.default_rng(seed)
    removal_seed, displacement_seed = (int(x) for x in rng.integers(0, 2**63 - 1, size=2))
    if delta > 0 and d_nn is None:
        d_nn = nearest_neighbour_distance(atoms)
    defective = remove_atoms(atoms, eta, removal_seed)  # always a new Atoms object
    if delta > 0:
        defective = displace_atoms(defective, delta, displacement_seed, d_nn=d_nn)
    return defective


def swap_antisites(atoms: Atoms, fraction: float, seed: int | None = None) -> Atoms:
    """Antisite defects: random swaps of two atoms of different species, each atom swapped at most once,
    until ``fraction`` of all atoms sit on another species' site (composition kept).

    For a two-species ordered alloy this is a Bragg-Williams order parameter S = 1 - 2·fraction
    of a fully ordered crystal (L1₀); not one of the paper's defects.
    """
    if not 0 <= fraction <= 0.5:
        raise InputError(f"antisite fraction must be between 0 and 0.5, got {fraction}")
    numbers = atoms.numbers.copy()
    if len(set(numbers)) < 2 and fraction > 0:
        raise InputError("antisites need at least two species")
    rng = np.random.default_rng(seed)
    swaps = int(round(fraction * len(atoms) / 2))
    free = np.ones(len(atoms), dtype=bool)
    for _ in range(swaps):
        first = rng.choice(np.flatnonzero(free))
        partners = np.flatnonzero(free & (numbers != numbers[first]))
        if len(partners) == 0:
            raise InputError(f"cannot swap {swaps} antisite pairs in {atoms.get_chemical_formula()}: "
                             "use a smaller fraction")
        second = rng.choice(partners)
        numbers[[first, second]] = numbers[[second, first]]
        free[[first, second]] = False
    swapped = atoms.copy()
    swapped.numbers = numbers
    return swapped
