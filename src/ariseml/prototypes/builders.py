"""Build periodic cells and the paper's supercells from a class definition.

Definitions (see ``classes.json``):

- ``aflow``: an entry of the AFLOW prototype library shipped with pymatgen,
  picked by AFLOW label and, where labels repeat, a Strukturbericht/mineral tag.
- ``spacegroup``: space group number, Wyckoff representative positions and
  lattice parameters, expanded with :func:`ase.spacegroup.crystal`;
  ``primitive`` reduces to the primitive cell, ``layer`` marks a 2D material
  whose out-of-plane axis is rebuilt with ``vacuum`` Å of vacuum.
- ``nanotube``: :func:`ase.build.nanotube` with chiral numbers (n, m), repeated
  along the axis until it holds at least 100 atoms.
- ``atoms``: a user's class (``prototypes.user``): its ``structures`` as numbers,
  positions, cell and periodicity, with the ``shape`` bulk, layer or finite.
"""

from __future__ import annotations

import ast
import gzip
import json
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import spglib
from ase import Atoms
from ase.build import nanotube
from ase.spacegroup import crystal

from ariseml.errors import InputError

MIN_SUPERCELL_ATOMS = 100
"""The paper's smallest non-periodic supercell holds at least this many atoms."""
LAYER_VACUUM = 15.0
"""Vacuum (Å) between periodic images of a monolayer."""


@cache
def _aflow_library() -> tuple[dict[str, Any], ...]:
    path = resources.files("pymatgen.analysis.prototypes").joinpath("aflow_prototypes.json.gz")
    with path.open("rb") as handle:
        entries = json.loads(gzip.decompress(handle.read()))
    return tuple(
        {"snl": _as_dict(e["snl"]), "tags": _as_dict(e["tags"])} for e in entries
    )


def aflow_labels() -> list[str]:
    """Every label of the AFLOW prototype library that pymatgen ships, sorted, each once."""
    return sorted({entry["tags"]["aflow"] for entry in _aflow_library()})


def _as_dict(value: Any) -> dict[str, Any]:
    """pymatgen stores some fields of this file as Python-literal strings."""
    if isinstance(value, dict):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return ast.literal_eval(value)


def aflow_structure(label: str, tags: dict[str, str] | None = None) -> Atoms:
    """The AFLOW library entry with this label (and tags, where labels repeat) as ASE atoms."""
    matches = [
        e
        for e in _aflow_library()
        if e["tags"]["aflow"] == label
        and all(e["tags"].get(key) == value for key, value in (tags or {}).items())
    ]
    if len(matches) != 1:
        raise LookupError(f"AFLOW label {label} with tags {tags} matches {len(matches)} entries, expected 1")
    snl = matches[0]["snl"]
    cell = np.array(snl["lattice"]["matrix"], dtype=float)
    symbols, fractional = [], []
    for site in snl["sites"]:
        symbols.append(site["species"][0]["element"])
        fractional.append(site["abc"])
    atoms = Atoms(symbols=symbols, cell=cell, pbc=True)
    atoms.set_scaled_positions(np.mod(fractional, 1.0))
    return atoms


def spacegroup_structure(definition: dict[str, Any]) -> Atoms:
    """Expand Wyckoff positions with the space group's operations."""
    atoms = crystal(
        symbols=definition["symbols"],
        basis=definition["basis"],
        spacegroup=definition["spacegroup"],
        cellpar=definition["cellpar"],
        setting=definition.get("setting", 1),
        primitive_cell=False,
        pbc=True,
    )
    if definition.get("primitive"):
        atoms = primitive_cell(atoms)
    if definition.get("layer"):
        atoms = isolate_layer(atoms, definition.get("vacuum", LAYER_VACUUM))
    return atoms


def primitive_cell(atoms: Atoms, symprec: float = 1e-4) -> Atoms:
    """The spglib primitive cell of a periodic structure."""
    cell = spglib.standardize_cell(
        (atoms.cell[:], atoms.get_scaled_positions(), atoms.numbers),
        to_primitive=True,
        no_idealize=True,
        symprec=symprec,
    )
    lattice, fractional, numbers = cell
    return Atoms(numbers=numbers, cell=lattice, scaled_positions=fractional, pbc=True)


def empty_gaps(atoms: Atoms) -> np.ndarray:
    """The widest empty gap (Å) across each lattice axis of a periodic cell, between the planes of its atoms."""
    fractional = np.sort(atoms.get_scaled_positions(wrap=True), axis=0)
    spacing = 1.0 / np.linalg.norm(atoms.cell.reciprocal(), axis=1)  # distance between lattice planes
    widest = np.max(np.diff(np.concatenate([fractional, fractional[:1] + 1.0]), axis=0), axis=0)
    return widest * spacing


def layer_axis(atoms: Atoms) -> int:
    """The lattice axis across the vacuum of a slab: the one with the widest empty gap (Å)."""
    return int(np.argmax(empty_gaps(atoms)))


def isolate_layer(atoms: Atoms, vacuum: float = LAYER_VACUUM) -> Atoms:
    """Rebuild a slab so the layer lies in the xy plane with ``vacuum`` Å between images.

    The two in-plane lattice vectors are kept; the third becomes the plane normal,
    so atoms keep their in-plane periodicity and the layer is made contiguous
    across the old cell boundary.
    """
    normal_axis = layer_axis(atoms)
    in_plane = [axis for axis in range(3) if axis != normal_axis]
    fractional = atoms.get_scaled_positions(wrap=True)
    heights = np.sort(fractional[:, normal_axis])
    gaps = np.diff(np.concatenate([heights, heights[:1] + 1.0]))
    cut = heights[np.argmax(gaps)]  # the start of the vacuum gap
    fractional[:, normal_axis] = np.where(fractional[:, normal_axis] > cut + 1e-9,
                                          fractional[:, normal_axis] - 1.0,
                                          fractional[:, normal_axis])
    cartesian = fractional @ atoms.cell[:]
    a, b = atoms.cell[in_plane[0]], atoms.cell[in_plane[1]]
    normal = np.cross(a, b)
    normal /= np.linalg.norm(normal)
    # orient: a along x, b in the xy plane, normal along +z
    x_axis = a / np.linalg.norm(a)
    y_axis = np.cross(normal, x_axis)
    rotation = np.array([x_axis, y_axis, normal])
    cartesian = cartesian @ rotation.T
    new_a, new_b = rotation @ a, rotation @ b
    thickness = np.ptp(cartesian[:, 2])
    cartesian[:, 2] += vacuum / 2 - cartesian[:, 2].min()
    layer = Atoms(
        numbers=atoms.numbers,
        positions=cartesian,
        cell=[new_a, new_b, [0.0, 0.0, thickness + vacuum]],
        pbc=(True, True, False),  # a monolayer: periodic in-plane only, the vacuum keeps images apart
    )
    layer.wrap()
    return layer


def finite_nanotube(n: int, m: int, bond: float = 1.42) -> Atoms:
    """A finite (n, m) carbon nanotube, the shortest with at least 100 atoms."""
    length = 1
    while len(tube := nanotube(n, m, length=length, bond=bond)) < MIN_SUPERCELL_ATOMS:
        length += 1
    tube.pbc = False
    tube.cell = np.zeros((3, 3))
    tube.center()
    return tube


def build_unit_cell(definition: dict[str, Any], variant: int = 0) -> Atoms:
    """The periodic cell (finite tube for nanotubes) of a class definition; ``variant`` picks one of a user
    class's structures."""
    kind = definition["kind"]
    if kind == "atoms":
        structure = definition["structures"][variant]
        return Atoms(numbers=structure["numbers"], positions=structure["positions"], cell=structure["cell"],
                     pbc=structure["pbc"])
    if kind == "aflow":
        return aflow_structure(definition["aflow_label"], definition.get("tags"))
    if kind == "spacegroup":
        return spacegroup_structure(definition)
    if kind == "nanotube":
        return finite_nanotube(definition["n"], definition["m"], definition.get("bond", 1.42))
    raise ValueError(f"unknown definition kind {kind!r}")


def supercell_repeats(unit_cell: Atoms, layer: bool, supercell: int) -> tuple[int, int, int]:
    """Isotropic repeats of the paper's supercell ``supercell`` (0, 1 or 2).

    Supercell 0 is the smallest isotropic replica with at least 100 atoms
    (in-plane only for 2D materials); 1 and 2 are the next two larger replicas.
    """
    if supercell not in (0, 1, 2):
        raise InputError(f"supercell must be 0, 1 or 2, got {supercell}")
    dimensions = 2 if layer else 3
    n = 1
    while len(unit_cell) * n**dimensions < MIN_SUPERCELL_ATOMS:
        n += 1
    n += supercell
    return (n, n, 1) if layer else (n, n, n)
