"""A small two-grain sample shared by the tests of scans and of exploration."""

from __future__ import annotations

from ase import Atoms
from ase.build import bulk


def iron_bicrystal() -> Atoms:
    """A 40 x 20 x 12 Å slab: fcc iron for x < 20 Å, bcc iron for x >= 20 Å (no rotation)."""
    fcc = bulk("Fe", "fcc", a=3.6, cubic=True).repeat((6, 6, 4))
    bcc = bulk("Fe", "bcc", a=2.87, cubic=True).repeat((8, 8, 5))
    bcc.positions[:, 0] += 20.6
    atoms = fcc[fcc.positions[:, 0] < 20.0] + bcc[bcc.positions[:, 0] < 41.0]
    keep = (atoms.positions[:, 1] < 20.0) & (atoms.positions[:, 2] < 12.0)
    atoms = atoms[keep]
    atoms.pbc = False
    return atoms
