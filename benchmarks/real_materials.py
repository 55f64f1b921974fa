"""Real materials: experimental crystal structures of the ariseml classes, clean and defective.

    python benchmarks/real_materials.py --check

``data/real_materials.json`` holds one record per real compound, each assigned to one class id:
``spacegroup`` (number), optional ``setting`` (2: rhombohedral axes), ``cellpar`` [a, b, c, α, β, γ]
in Å and degrees, ``basis`` (fractional coordinates of one atom per Wyckoff site, with the
measured internal parameters), ``symbols`` (one per basis site) and ``source`` (the citation
of every number in the record). ``"layer": true`` marks a 2D class: the record is then the
experimental bulk crystal, and one layer is cut from it (the layer holding the first basis
atom) and isolated with ariseml's 15 Å of vacuum, so the monolayer keeps the bulk in-plane
lattice and the bulk internal coordinates. Everything is reduced to the primitive cell, and a
bulk cell further to its Niggli-reduced form: the most compact cell of the lattice, as AFLOW's
prototype cells are. spglib's primitive cell of a rhombohedral or face-centred lattice can be
very acute (α-Sm 23°, rhombohedral graphite 39°), and its supercell 0 a needle of surface atoms
(Sm 97 x 20 x 12 Å) that no prototype supercell resembles.
Where ariseml builds a class from the same experimental AFLOW entry, its record reproduces the
prototype; the other compounds of a class differ from it in lattice ratios, internal
parameters or angles.

For each record :func:`real_material_structures` builds three forms, each in three versions:

- ``periodic``: the periodic cell, replicated like the paper's supercell 0 (the smallest
  isotropic replica with at least 100 atoms) but kept periodic, so that noise and missing
  atoms act on about 100 or more independent atoms and not on a 2-atom cell;
- ``supercell``: the paper's non-periodic supercell 0, built with ariseml's own
  :func:`~ariseml.prototypes.builders.supercell_repeats`, as for the prototypes;
- ``cluster``: a sphere of whole neighbour shells around an atom of the crystal, about 250
  atoms (the shell that brings the count closest to 250); for layers a round flake.

Versions: ``clean``; ``noise3``: Gaussian displacements with σ = 3 % of the clean structure's
nearest-neighbour distance d_NN (ariseml's definition) on each Cartesian component;
``noise3_missing20``: 20 % of the atoms removed at random, then the same noise. Every random
draw comes from the seed, the record's index, the form and the version, so the suite is
reproducible. Every structure carries ``info``: suite="real", compound, class_id, form,
defect, source.

Coverage. Every bulk class with a real compound whose structure has the class's space group
and Wyckoff sites, and the 2D classes whose layer exists in a real layered crystal. Not
covered, and why:

- nanotubes (12 classes): no periodic crystal to take lattice parameters from;
- ``buckled_graphite_C``: Hull's 1917 model of graphite, later shown wrong; no real material;
- ``rp214_Cs2WO4``: real n = 1 Ruddlesden-Popper compounds (Sr2TiO4, K2NiF4) are I4/mmm, not
  the class's Pm (Pmm2 as spglib finds ariseml's cell at 1e-3·a);
- real compounds exist, but no refined atom positions with a source we could quote were at
  hand (to be added): ``rp327_Ca3Ge2O7`` (Sr3Ti2O7), ``perovskite_CsSnCl3_tetragonal``
  (SrTiO3 below 105 K, KMnF3), ``Cu2BaGeSe4``, ``Cu2CdGeS4``, ``Cu2ZnSiS4`` (real Cu2ZnSiS4
  is wurtz-stannite Pmn2₁; the class is Pc in Table S5, and ariseml's cell of it is Pmn2₁ like
  the ``Cu2CdGeS4`` class), and the 2D layers of real layered crystals ``FeOCl``, ``TiS3``,
  ``WTe2`` (1T' layer), ``ReS2``, ``PdS2``, ``BiTeI``, ``AuSe``, ``C3N``;
- ``Cu2KVS4``: not known to us as a real compound;
- 2D classes without a real crystal of that layer, or whose real layer has another space
  group: the MXenes ``Ti3C2``, ``Ti3C2O2``, ``Ti3C2H2O2``, ``Ti2CO2``, ``Ti2CH2O2``,
  ``Ti4C3``, ``Ti4C3O2``, ``Ti4C3H2O2`` (real MXenes carry mixed terminations, the ARISE
  layers are DFT geometries, and Ti3C2 cut from Ti3AlC2 is P-3m1, not P-6m2); ``CH``
  (graphane) and ``MoSSe`` (made, but never refined as crystals); ``GeSe`` (real GeSe is
  orthorhombic, a layer of the ``SnS`` class's type); ``GaSe`` (the real GaSe layer is the
  P-6m2 layer of the ``GaS`` class); ``TiCl3`` (real TiCl3 layers are P-31m); ``MnS2`` (real
  MnS2 is pyrite); ``PbS`` (real PbS is rock salt); ``ScPSe3``, ``VPSe3``, ``MnPSe3`` (real
  MnPSe3 layers, cut from R-3 crystals, are P-3; the classes are P1 DFT geometries);
  ``CH2Si``, ``AgBr3``, ``PbSe``, ``GeS2``, ``HfBrS``, ``RhO``, ``NiSe``, ``VTe3``,
  ``PbA2I4``, ``CrW3S8``, ``CrWS4`` (no real layered crystal of these layers known to us).

``--check`` prints, for every record, its class, compound, the space group spglib finds with
symprec = 1e-3·a, the atoms per primitive cell, and whether the structure is the class's
prototype: the space group is the class's (as recorded, or as spglib finds it in ariseml's own
cell at the same tolerance), the number of atoms per primitive cell is the same, and the
occupied Wyckoff sites (multiplicity and site symmetry, grouped by species) are the same.
It exits with 1 if any record is not.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms
from ase.build import niggli_reduce

from ariseml.prototypes import get_prototype
from ariseml.prototypes.builders import (
    isolate_layer,
    layer_axis,
    primitive_cell,
    spacegroup_structure,
    supercell_repeats,
)
from ariseml.defects import remove_atoms
from ariseml.structure import nearest_neighbour_distance, symmetry_dataset

DATA = Path(__file__).resolve().parent / "data" / "real_materials.json"
FORMS = ("periodic", "supercell", "cluster")
DEFECTS = ("clean", "noise3", "noise3_missing20")
NOISE = 0.03
"""σ of the Gaussian displacements, as a fraction of d_NN."""
MISSING = 0.20
"""Fraction of atoms removed in ``noise3_missing20``."""
CLUSTER_ATOMS = 250
"""Atoms of a spherical cluster (or round flake), about: it ends with the whole shell closest to this count."""
SHELL_WIDTH = 1e-3
"""Distances (Å) from a cluster's centre closer than this belong to one shell."""
SYMPREC = 1e-3
"""spglib tolerance as a fraction of the shortest periodic lattice vector."""
LAYER_GAP = 0.9
"""Gaps between layers of a bulk crystal: at least this fraction of the widest gap."""


@cache
def load_records() -> tuple[dict[str, Any], ...]:
    """The records of ``data/real_materials.json``, in file order."""
    return tuple(json.loads(DATA.read_text(encoding="utf-8")))


def periodic_cell(record: dict[str, Any]) -> Atoms:
    """The Niggli-reduced primitive cell of a record; for a layer record, one layer with vacuum."""
    definition = {key: record[key] for key in ("spacegroup", "cellpar", "basis", "symbols")}
    definition["setting"] = record.get("setting", 1)
    if not record.get("layer"):
        cell = spacegroup_structure({**definition, "primitive": True})
        niggli_reduce(cell)
        return cell
    bulk = spacegroup_structure(definition)
    return isolate_layer(primitive_cell(one_layer(bulk)))


def one_layer(bulk: Atoms) -> Atoms:
    """The layer holding atom 0 of a layered crystal, in the bulk cell (the other layers removed).

    Layers are separated by the widest gaps along the stacking axis: those at least
    ``LAYER_GAP`` times the widest one (the van der Waals gaps).
    """
    axis = layer_axis(bulk)
    heights = bulk.get_scaled_positions(wrap=True)[:, axis]
    order = np.argsort(heights)
    gaps = np.diff(np.concatenate([heights[order], heights[order[:1]] + 1.0]))
    starts = order[(np.flatnonzero(gaps >= LAYER_GAP * gaps.max()) + 1) % len(order)]
    # each atom belongs to the layer that starts at the last gap below it (cyclically)
    start_heights = np.sort(heights[starts])
    layer_of = np.searchsorted(start_heights, heights, side="right") % len(start_heights)
    return bulk[layer_of == layer_of[0]]


def is_layer(atoms: Atoms) -> bool:
    """A monolayer: periodic in-plane only (as :func:`~ariseml.prototypes.builders.isolate_layer` leaves it)."""
    return not atoms.pbc.all()


def replicate(cell: Atoms) -> Atoms:
    """The paper's supercell 0 of a periodic cell (isotropic, ≥ 100 atoms), still periodic."""
    return cell.repeat(supercell_repeats(cell, is_layer(cell), 0))


def finite_supercell(cell: Atoms) -> Atoms:
    """The paper's non-periodic supercell 0, as ariseml builds it for the prototypes."""
    supercell = replicate(cell)
    supercell.pbc = False
    return supercell


def cluster(cell: Atoms, n_atoms: int = CLUSTER_ATOMS) -> Atoms:
    """A sphere (for layers: a round flake) of whole neighbour shells around an atom.

    The last shell is the one that brings the count closest to ``n_atoms``.
    """
    layer = is_layer(cell)
    periodic = cell.pbc
    spacing = 1.0 / np.linalg.norm(cell.cell.reciprocal(), axis=1)  # distances between lattice planes
    if layer:
        area = np.linalg.norm(np.cross(*cell.cell[np.flatnonzero(periodic)]))
        radius = 1.3 * np.sqrt(n_atoms * area / len(cell) / np.pi)
    else:
        radius = 1.3 * (3 * n_atoms * cell.get_volume() / len(cell) / (4 * np.pi)) ** (1 / 3)
    repeats = np.where(periodic, np.ceil(2 * radius / spacing).astype(int) + 2, 1)
    crystal = cell.repeat(tuple(int(n) for n in repeats))
    middle = crystal.cell.sum(axis=0) / 2
    in_plane = slice(0, 2) if layer else slice(0, 3)  # isolate_layer puts the layer normal along z
    centre = crystal.positions[np.argmin(np.linalg.norm((crystal.positions - middle)[:, in_plane], axis=1))]
    distances = np.linalg.norm((crystal.positions - centre)[:, in_plane], axis=1)
    ordered = np.sort(distances)
    shell_ends = np.flatnonzero(np.diff(ordered) > SHELL_WIDTH)  # last atom of each whole shell
    cutoff = ordered[shell_ends[np.argmin(np.abs(shell_ends + 1 - n_atoms))]] + SHELL_WIDTH / 2
    finite = crystal[distances <= cutoff]
    finite.pbc = False
    finite.cell = np.zeros((3, 3))
    finite.positions -= centre
    return finite


def defective(clean: Atoms, defect: str, rng: np.random.Generator) -> Atoms:
    """``clean`` unchanged, with 3 % Gaussian noise, or with 20 % of its atoms removed and that noise."""
    if defect == "clean":
        return clean.copy()
    sigma = NOISE * nearest_neighbour_distance(clean)
    atoms = clean.copy() if defect == "noise3" else remove_atoms(clean, MISSING, seed=int(rng.integers(2**63)))
    atoms.positions += rng.normal(0.0, sigma, size=(len(atoms), 3))
    return atoms


def record_structures(record: dict[str, Any], index: int, seed: int = 0) -> list[Atoms]:
    """The 3 forms × 3 versions of one record (``index``: its position in the file, for the seeds)."""
    cell = periodic_cell(record)
    forms = {"periodic": replicate(cell), "supercell": finite_supercell(cell), "cluster": cluster(cell)}
    structures = []
    for form_index, (form, clean) in enumerate(forms.items()):
        for defect_index, defect in enumerate(DEFECTS):
            rng = np.random.default_rng([seed, index, form_index, defect_index])
            atoms = defective(clean, defect, rng)
            atoms.info.update(suite="real", compound=record["compound"], class_id=record["class_id"],
                              form=form, defect=defect, source=record["source"])
            structures.append(atoms)
    return structures


def real_material_structures(seed: int = 0) -> list[Atoms]:
    """Every record as periodic cell, supercell 0 and cluster, each clean, noise3 and noise3_missing20."""
    return [atoms for index, record in enumerate(load_records()) for atoms in record_structures(record, index, seed)]


def symprec(atoms: Atoms) -> float:
    """spglib tolerance (Å) for a periodic cell: ``SYMPREC`` times its shortest periodic lattice vector."""
    return SYMPREC * float(atoms.cell.lengths()[atoms.pbc].min())


def symmetry(atoms: Atoms, tolerance: float) -> tuple[int, tuple]:
    """Space-group number and the occupied sites: per species, the sorted (multiplicity, site symmetry)."""
    dataset = symmetry_dataset(atoms, tolerance)
    orbits = np.asarray(dataset.equivalent_atoms)
    sites: dict[int, list[tuple[int, str]]] = {}
    for representative in np.unique(orbits):
        sites.setdefault(int(atoms.numbers[representative]), []).append(
            (int(np.sum(orbits == representative)), dataset.site_symmetry_symbols[representative]))
    return dataset.number, tuple(sorted(tuple(sorted(s)) for s in sites.values()))


@cache
def class_reference(class_id: str) -> tuple[set[int], int, tuple]:
    """The accepted space groups, atoms per primitive cell and sites of ariseml's own cell of a class."""
    prototype = get_prototype(class_id)
    cell = prototype.unit_cell()
    tolerance = symprec(cell)
    cell = primitive_cell(cell, tolerance)
    number, sites = symmetry(cell, tolerance)
    return {prototype.space_group, number}, len(cell), sites


@dataclass(frozen=True)
class Check:
    """How a record's structure compares with its class's prototype."""

    class_id: str
    compound: str
    space_group: int
    expected_groups: tuple[int, ...]
    atoms: int
    expected_atoms: int
    same_sites: bool

    @property
    def ok(self) -> bool:
        return self.space_group in self.expected_groups and self.atoms == self.expected_atoms and self.same_sites

    def line(self) -> str:
        groups = "/".join(map(str, self.expected_groups))
        sites = "" if self.same_sites else "  sites differ"
        return (f"{'ok ' if self.ok else 'BAD'} {self.class_id:32s} {self.compound:18s} SG {self.space_group:3d} "
                f"(class {groups:7s}) {self.atoms:3d} atoms/cell (class {self.expected_atoms}){sites}")


def check_record(record: dict[str, Any]) -> Check:
    """Compare a record's periodic cell with ariseml's cell of its class."""
    cell = periodic_cell(record)
    number, sites = symmetry(cell, symprec(cell))
    groups, n_atoms, class_sites = class_reference(record["class_id"])
    return Check(record["class_id"], record["compound"], number, tuple(sorted(groups)), len(cell), n_atoms,
                 sites == class_sites)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="check every record against its class and exit")
    args = parser.parse_args(argv)
    if not args.check:
        parser.print_help()
        return 0
    checks = [check_record(record) for record in load_records()]
    for check in checks:
        print(check.line())
    bad = sum(not check.ok for check in checks)
    print(f"{len(checks)} records, {len({c.class_id for c in checks})} classes, {bad} not matching their class")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
