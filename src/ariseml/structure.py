"""Operations on ``ase.Atoms``: nearest-neighbour distance, isotropic scaling, input checks, symmetry.

The nearest-neighbour distance follows the ARISE supplement ("Isotropic scaling"):
a histogram of nearest-neighbour distances, divided by r² because the area of
spherical shells grows with r², and the centre of its most populated bin.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import spglib
from ase import Atoms
from scipy.spatial import cKDTree

from ariseml.errors import InputError

HISTOGRAM_BINS = 100
"""Bins of the nearest-neighbour histogram (100 in the original ARISE code)."""


def _as_symbol_set(species: str | list[str] | None, atoms: Atoms) -> np.ndarray:
    symbols = np.array(atoms.get_chemical_symbols())
    if species is None:
        return np.ones(len(atoms), dtype=bool)
    wanted = [species] if isinstance(species, str) else list(species)
    missing = set(wanted) - set(symbols)
    if missing:
        raise InputError(f"species {sorted(missing)} not in the structure ({sorted(set(symbols))})")
    return np.isin(symbols, wanted)


def nearest_neighbour_distances(
    atoms: Atoms, centres: str | list[str] | None = None, neighbours: str | list[str] | None = None
) -> np.ndarray:
    """For each centre atom, the distance to its closest neighbour atom.

    ``centres`` and ``neighbours`` select species, giving the (α, β)
    substructure of the paper: α atoms seen from β atoms. Periodic boundary
    conditions are respected; centres without any neighbour are left out.
    """
    centre_mask = _as_symbol_set(centres, atoms)
    neighbour_mask = _as_symbol_set(neighbours, atoms)
    if not neighbour_mask.any() or not centre_mask.any():
        raise InputError("the structure has no atoms of the requested species")
    if not atoms.pbc.any():
        return _finite_nearest_distances(atoms.positions, centre_mask, neighbour_mask)
    return _periodic_nearest_distances(atoms, centre_mask, neighbour_mask)


def _finite_nearest_distances(positions: np.ndarray, centre_mask: np.ndarray,
                              neighbour_mask: np.ndarray) -> np.ndarray:
    distances = _nearest_other(positions, np.flatnonzero(centre_mask), neighbour_mask)
    return distances[np.isfinite(distances)]


def _periodic_nearest_distances(atoms: Atoms, centre_mask: np.ndarray,
                                neighbour_mask: np.ndarray) -> np.ndarray:
    return _periodic_nearest(atoms, np.where(neighbour_mask, 0, -1), {None: (centre_mask, 0)})[None]


def _periodic_nearest(atoms: Atoms, group_of_atom: np.ndarray,
                      requests: dict[Any, tuple[np.ndarray, int]]) -> dict[Any, np.ndarray]:
    """For each request (centre mask, neighbour group): each centre's distance to its closest atom of
    that group (``group_of_atom``, −1: in none), from one k-d tree per group over the atoms and their
    periodic images within a search radius; the radius grows until every centre of every request has
    a neighbour or twelve tries are spent. A centre is its own neighbour only as a periodic image."""
    pending, found = dict(requests), {}
    cutoff = 1.5 * _volume_per_atom(atoms) ** (1 / 3)
    for _ in range(12):
        padded, origin = periodic_padding(atoms, cutoff)  # the atoms themselves first, then their images
        nearest = {group: _nearest_other(padded, np.arange(len(atoms)), group_of_atom[origin] == group, cutoff)
                   for group in {group for _, group in pending.values()}}
        for key, (centre_mask, group) in pending.items():
            found[key] = nearest[group][centre_mask]
        pending = {key: request for key, request in pending.items() if not np.isfinite(found[key]).all()}
        if not pending:
            break
        cutoff *= 1.6
    return {key: distances[np.isfinite(distances)] for key, distances in found.items()}


def _nearest_other(points: np.ndarray, centre_index: np.ndarray, member: np.ndarray,
                   cutoff: float = np.inf) -> np.ndarray:
    """For each centre (``points[centre_index]``): its distance to the closest ``member`` point within
    ``cutoff`` other than the centre itself; inf where there is none."""
    index = np.flatnonzero(member)
    if len(index) == 0:
        return np.full(len(centre_index), np.inf)
    # ask for two: the closest may be the centre itself
    distances, found = cKDTree(points[index]).query(points[centre_index], k=2, distance_upper_bound=cutoff)
    found_index = np.append(index, -1)[found]  # the tree answers len(index) for "none found"
    is_self = found_index == centre_index[:, None]
    return np.where(is_self, np.inf, distances).min(axis=1)


def species_pair_distances(atoms: Atoms) -> dict[tuple[str, str], np.ndarray]:
    """For every ordered species pair (α, β): each α atom's distance to its closest β atom (not itself).

    The same numbers as ``nearest_neighbour_distances(atoms, α, β)`` for each pair, but a periodic
    structure needs the periodic images and one k-d tree per species for all S² pairs, per search
    radius, instead of per pair. Pairs in which no α atom has a β neighbour are left out.
    """
    symbols = np.array(atoms.get_chemical_symbols())
    species = sorted(set(symbols))
    masks = {name: symbols == name for name in species}
    if atoms.pbc.any():
        found = _periodic_nearest(atoms, np.searchsorted(species, symbols),
                                  {(a, b): (masks[a], species.index(b)) for a in species for b in species})
    else:
        found = {(a, b): _finite_nearest_distances(atoms.positions, masks[a], masks[b])
                 for a in species for b in species}
    return {pair: d for pair, d in found.items() if len(d)}


def _volume_per_atom(atoms: Atoms) -> float:
    """A length scale to start the neighbour search; works for slabs with vacuum too."""
    extent = np.ptp(atoms.positions, axis=0) if len(atoms) > 1 else np.zeros(3)
    lengths = np.where(atoms.pbc, atoms.cell.lengths(), np.maximum(extent, 1.0))
    return float(np.prod(np.maximum(lengths, 1e-3)) / len(atoms)) if atoms.cell.rank == 3 else 1.0


def periodic_padding(atoms: Atoms, pad: float) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the atoms (wrapped into the cell along its periodic axes), followed by their periodic images
    within ``pad`` of the cell, and for each the index of the atom it is. Any cell shape."""
    positions = atoms.positions
    origin = np.arange(len(atoms))
    periodic = np.asarray(atoms.pbc, dtype=bool)
    if not periodic.any():
        return positions, origin
    cell = atoms.cell.complete().array  # a unit vector along a missing non-periodic axis
    inverse = np.linalg.inv(cell)
    heights = 1.0 / np.linalg.norm(inverse, axis=0)  # distance between opposite faces
    reach = [int(np.ceil(pad / h)) if p else 0 for h, p in zip(heights, periodic)]
    fractional = positions @ inverse
    fractional[:, periodic] %= 1.0
    wrapped = fractional @ cell
    margin = np.where(periodic, pad / heights, np.inf)
    images, origins = [wrapped], [origin]
    for shift in np.ndindex(*(2 * r + 1 for r in reach)):
        shift = np.array(shift) - reach
        if not shift.any():
            continue
        moved = fractional + shift
        inside = np.all((moved > -margin) & (moved < 1 + margin), axis=1)
        images.append(moved[inside] @ cell)
        origins.append(origin[inside])
    return np.concatenate(images), np.concatenate(origins)


def nearest_neighbour_distance(
    atoms: Atoms, centres: str | list[str] | None = None, neighbours: str | list[str] | None = None,
    bins: int = HISTOGRAM_BINS,
) -> float:
    """d_NN: centre of the most populated bin of the r²-weighted nearest-neighbour histogram.

    The ``bins`` bins span the smallest to the largest nearest-neighbour distance,
    so the answer is within half a bin of the most common distance; when all
    distances agree (a pristine crystal) it is that distance exactly.
    Raises ``ValueError`` when no centre atom has a neighbour (e.g. a lone atom).
    """
    return d_nn_from_distances(nearest_neighbour_distances(atoms, centres, neighbours), bins)


def d_nn_from_distances(distances: np.ndarray, bins: int = HISTOGRAM_BINS) -> float:
    """The d_NN of ``nearest_neighbour_distance`` from the centres' nearest-neighbour distances."""
    if len(distances) == 0:
        raise InputError("no centre atom has a neighbour: d_NN is undefined for this (sub)structure")
    low, high = float(distances.min()), float(distances.max())
    if high - low <= 1e-6 * high:  # a pristine structure: every atom has the same distance
        return float(np.median(distances))
    counts, edges = np.histogram(distances, bins=bins, range=(low, high))
    centres_of_bins = 0.5 * (edges[:-1] + edges[1:])
    return float(centres_of_bins[np.argmax(counts / centres_of_bins**2)])


def scale_to_unit_nn(atoms: Atoms, d_nn: float | None = None, extrinsic_factor: float = 1.0) -> Atoms:
    """A copy isotropically scaled so that d_NN becomes 1 (times ``1 / extrinsic_factor``).

    The paper's extrinsic scaling factors (0.95, 1.00, 1.05) divide the
    positions by ``extrinsic_factor * d_NN``.
    """
    if d_nn is None:
        d_nn = nearest_neighbour_distance(atoms)
    scaled = atoms.copy()
    factor = 1.0 / (extrinsic_factor * d_nn)
    scaled.set_cell(atoms.cell[:] * factor, scale_atoms=False)
    scaled.positions = atoms.positions * factor
    return scaled


MAX_COORDINATE = 1e6
"""Largest accepted coordinate or cell length, in the file's unit (Å; pixels for images): beyond it the
squared distances of the neighbour search lose all precision (coordinates of 1e200 crashed DScribe)."""
CLOSE_PAIR_FRACTION = 0.25
"""Two atoms closer than this fraction of the structure's typical neighbour distance (the median of
every atom's nearest-neighbour distance) are refused as overlapping. Molecules inside a crystal
make the lowest legitimate ratios among the 108 prototypes' cells and supercells 0: 0.39 in β-O (O₂),
0.47 in the OH-covered MXenes, above 0.8 for all others (a test checks it); an atom 0.01 Å from another
in a metal is at 0.004."""
MIN_FINITE_ATOMS = 10
"""A finite structure needs this many atoms to be a crystal environment (SPM marks boxes with fewer empty)."""
SMALL_CLUSTER_ATOMS = 100
"""A finite structure with fewer atoms is answered with a note: most of its atoms are on the surface,
and the paper's smallest training clusters have about 100 atoms."""


def check_structure(atoms: Atoms) -> list[str]:
    """Raise ``InputError`` for what no crystal-structure answer can be given to; notes for the rest.

    Refused: no atoms, an element ASE does not know (atomic number outside 1-118), non-finite or
    absurdly large coordinates or cell (``MAX_COORDINATE``), a periodic direction without a cell
    vector, a finite structure of fewer than ``MIN_FINITE_ATOMS`` atoms, and atoms closer than
    ``CLOSE_PAIR_FRACTION`` times the typical neighbour distance. A note is returned for a finite
    structure of fewer than ``SMALL_CLUSTER_ATOMS`` atoms.
    """
    if len(atoms) == 0:
        raise InputError("the structure contains no atoms")
    unknown = sorted(set(int(z) for z in atoms.numbers if not 1 <= z <= 118))
    if unknown:
        raise InputError(f"atomic number(s) {', '.join(map(str, unknown))} are not elements (1-118): "
                         "fix the species column of the file")
    if not np.isfinite(atoms.positions).all():
        raise InputError("the structure has NaN or infinite coordinates")
    cell = atoms.cell[:]
    if not np.isfinite(cell).all():
        raise InputError("the cell has NaN or infinite entries")
    largest = max(np.abs(atoms.positions).max(), np.abs(cell).max())
    if largest > MAX_COORDINATE:
        raise InputError(f"a coordinate or cell length of {largest:.3g} is beyond {MAX_COORDINATE:.0e}: the file "
                         "is damaged, or not in Å; rescale it")
    lengths = atoms.cell.lengths()
    if np.any(atoms.pbc & (lengths <= 0)):
        axes = ", ".join("abc"[k] for k in np.flatnonzero(atoms.pbc & (lengths <= 0)))
        raise InputError(f"periodic along cell vector {axes} but it has length 0: give the cell, or mark that "
                         "direction non-periodic")
    if not atoms.pbc.any() and len(atoms) < MIN_FINITE_ATOMS:
        count = f"{len(atoms)} atom" + ("s" if len(atoms) > 1 else "")
        raise InputError(f"{count} and no periodicity: too few for a crystal environment (at least "
                         f"{MIN_FINITE_ATOMS}); give a larger cluster, or the periodic cell")
    distances = nearest_neighbour_distances(atoms)
    typical = float(np.median(distances)) if len(distances) else 0.0
    if len(distances) and distances.min() < CLOSE_PAIR_FRACTION * typical:
        raise InputError(f"atoms overlap: the closest pair is {distances.min():.3g} apart, the typical neighbour "
                         f"distance {typical:.3g} (refused below {CLOSE_PAIR_FRACTION:g} of it); remove the "
                         "duplicated atoms")
    notes = []
    if not atoms.pbc.any() and len(atoms) < SMALL_CLUSTER_ATOMS:
        notes.append(f"small cluster: {len(atoms)} atoms, mostly on the surface (the training clusters have "
                     f"about {SMALL_CLUSTER_ATOMS}); a less reliable answer")
    return notes


def symmetry_dataset(atoms: Atoms, symprec: float, angle_tolerance: float = -1.0) -> Any:
    """spglib's symmetry dataset of a periodic structure (None when spglib finds no symmetry); ``symprec`` in Å,
    ``angle_tolerance`` in degrees (-1: spglib's own)."""
    os.environ.setdefault("SPGLIB_WARNING", "OFF")  # spglib's C warnings would drown progress bars
    return spglib.get_symmetry_dataset((atoms.cell[:], atoms.get_scaled_positions(), atoms.numbers),
                                       symprec=symprec, angle_tolerance=angle_tolerance)


def space_group(atoms: Atoms, symprec: float, angle_tolerance: float = -1.0) -> int:
    """spglib's space-group number of a periodic structure; 0 when it finds none."""
    dataset = symmetry_dataset(atoms, symprec, angle_tolerance)
    return 0 if dataset is None else int(dataset.number)
