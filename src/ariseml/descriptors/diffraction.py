"""The two-dimensional diffraction fingerprint of Ziletti et al. (Nat. Commun. 9, 2775, 2018).

Eq. (1)-(2) of the paper, computed directly with NumPy (the paper used Condor):

    Ψ(q) = r⁻¹ Σ_a f_a Σ_j exp(-i q·x_j),     I(q) = Ω(θ) |Ψ(q)|²

for a plane wave travelling along z onto a flat detector perpendicular to it. The structure is
rotated by +45° and -45° about each crystal axis; the two patterns of one axis are added into one
colour channel (x → R, y → G, z → B). Within ``central_radius`` pixels of the image centre the
intensity is set to zero (the direct beam), then each channel is divided by its brightest pixel.

Choices the paper leaves open, made here (``DiffractionSettings`` holds them all):

- the detector distance (0.10 m): with the paper's wavelength and pixels, the image then reaches
  |q| ≈ 16 Å⁻¹, about 2.5 reciprocal-lattice spacings of a simple-cubic crystal of unit bond length;
- the length unit of the scaled cluster: its mean nearest-neighbour distance becomes 1 Å;
- the atomic form factor is its forward-scattering value Z + 2 (the paper adds 2 to every atomic
  number) at all angles; at λ = 5 pm it is nearly angle-independent over the detector;
- no polarisation factor; each channel is normalised to its own brightest pixel;
- the cluster of a periodic structure is n × n × n conventional standard cells (spglib's lattice,
  origin and orientation: a along x, c along z), cut from the structure's own atoms, with n chosen
  so that the atom count is closest to ``target_atoms`` whatever the input's size; the atoms are
  never symmetrised, so defects and thermal noise stay. No cut of a cell of at most
  ``target_atoms`` atoms holds 2 × ``target_atoms``; the lattice of a larger periodic input is read
  from the atoms around its first atom (``local_lattice``), not by spglib (whose time grows with the
  square of the atom count), so that time and memory stay bounded;
- a structure without a periodic cell (a finite cluster) of more than 2 × ``target_atoms`` atoms is
  cut to that many atoms nearest its centre; it is then turned so that its crystal axes lie along
  x, y, z (``oriented_cluster``), or, with ``orient_clusters=False`` (the paper's handling), used as
  given with its axes assumed there.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import spglib
from scipy.spatial import cKDTree
from ase import Atoms
from ase.data import atomic_numbers

from ariseml.errors import InputError
from ariseml.parallel import progress_map
from ariseml.structure import nearest_neighbour_distances

STANDARDISE_SYMPREC = 1e-3
"""spglib tolerance (Å) of ``conventional_cell`` (the training crystals' idealised cells)."""
SYMMETRY_TOLERANCES = (1e-3, 1e-2, 5e-2, 0.1)
"""Tolerances (× the mean bond length) tried to find the conventional lattice of a periodic input."""
LATTICE_SEARCH_RADIUS = 3.0
"""Interatomic vectors up to this many bond lengths are searched for lattice vectors."""
LATTICE_TOLERANCE = 0.15
"""Vectors closer than this (× bond length) count as the same vector."""
LATTICE_MIN_REPEATS = 0.1
"""Vector groups repeating less than this fraction of the most repeated one are not considered."""
LATTICE_INSIDE = 1.2
"""A point with an atom closer than this (× bond length) lies inside the material."""
LATTICE_MIN_HITS = 0.25
"""Below this hit fraction (a crystal with 75 % of its atoms missing) no lattice is claimed."""
LATTICE_PEAK_FRACTION = 0.75
"""A vector is a lattice vector when its hit fraction is at least this share of the best one."""
LATTICE_TOLERANCES = (0.02, 0.05, 0.1)
"""spglib tolerances (× bond length) for the lattice found from the atoms, tightest first."""
LATTICE_MEAN_SHIFTS = 3
"""Times a group of interatomic vectors is re-centred on its mean."""
LATTICE_MAX_ATOMS = 500
"""The lattice is read from at most this many atoms, those nearest the centre (its search time grows
with the square of the atom count)."""
BOX_MARGIN = 1e-6
"""The cut box starts this fraction of a conventional cell before spglib's origin, so that atoms on
the origin's faces are inside and those on the opposite faces outside, as in a repeated cell."""


@dataclass(frozen=True)
class DiffractionSettings:
    """Every parameter of the fingerprint; the identity of a model trained on it."""

    wavelength: float = 5.0e-12  # m, paper (Methods)
    pixel_size: float = 4.0e-4  # m, paper (Methods)
    n_pixels: int = 64  # paper (Methods)
    detector_distance: float = 0.10  # m, our choice (not given in the paper)
    central_radius: float = 5.0  # pixels, paper (Methods)
    rotation_angle: float = 45.0  # degrees, paper
    target_atoms: int = 250  # paper
    bond_length: float = 1.0e-10  # m: the mean nearest-neighbour distance after scaling (our choice)
    atomic_number_shift: int = 2  # paper: H is drawn as Li, He as Be, ...
    orient_clusters: bool = True  # ours: turn finite clusters to their crystal axes (False: as given, the paper)

    def to_dict(self) -> dict[str, float | int]:
        return dataclasses.asdict(self)


@lru_cache(maxsize=8)
def _detector_wavevectors(settings: DiffractionSettings) -> tuple[np.ndarray, np.ndarray]:
    """Scattering vectors q = k₁ - k₀ (m⁻¹, shape pixels × 3) and I's prefactor Ω/r² per pixel."""
    centres = (np.arange(settings.n_pixels) - (settings.n_pixels - 1) / 2) * settings.pixel_size
    x, y = np.meshgrid(centres, centres, indexing="xy")  # image row = y, column = x
    pixels = np.stack([x.ravel(), y.ravel(), np.full(x.size, settings.detector_distance)], axis=1)
    distance = np.linalg.norm(pixels, axis=1)
    k = 2 * np.pi / settings.wavelength
    q = k * pixels / distance[:, None] - np.array([0.0, 0.0, k])
    solid_angle = settings.pixel_size**2 * settings.detector_distance / distance**3
    return q, solid_angle / distance**2


def _rotation(axis: int, degrees: float) -> np.ndarray:
    angle = np.radians(degrees)
    cos, sin = np.cos(angle), np.sin(angle)
    first, second = [(1, 2), (2, 0), (0, 1)][axis]
    matrix = np.eye(3)
    matrix[first, first] = matrix[second, second] = cos
    matrix[first, second], matrix[second, first] = -sin, sin
    return matrix


def conventional_cell(atoms: Atoms, symprec: float = STANDARDISE_SYMPREC) -> Atoms:
    """The conventional standard cell in spglib's standard orientation; the input when spglib finds none."""
    cell = (atoms.cell[:], atoms.get_scaled_positions(), atoms.numbers)
    standard = spglib.standardize_cell(cell, to_primitive=False, no_idealize=False, symprec=symprec)
    if standard is None:
        return atoms.copy()
    lattice, scaled_positions, numbers = standard
    return Atoms(numbers=numbers, cell=lattice, scaled_positions=scaled_positions, pbc=True)


def conventional_lattice(atoms: Atoms) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The conventional standard lattice (rows, in the input's orientation), its origin and the rotation to
    spglib's standard orientation.

    spglib is asked at each of ``SYMMETRY_TOLERANCES`` (× the mean bond length), tightest first, and
    the first answer with more than a triclinic point group is kept, so that thermal noise does not
    hide the lattice. Only the lattice is taken from spglib: the atoms are never symmetrised. When no
    tolerance finds more than triclinic symmetry (heavy noise, vacancies), the lattice is the one
    ``lattice_from_positions`` finds, and failing that a cube along the input's own axes holding one
    atom on average.
    """
    os.environ.setdefault("SPGLIB_WARNING", "OFF")  # its C warnings would flood the terminal
    cell = (atoms.cell[:], atoms.get_scaled_positions(), atoms.numbers)
    bond = mean_bond_length(atoms)
    best = None
    for tolerance in SYMMETRY_TOLERANCES:
        dataset = spglib.get_symmetry_dataset(cell, symprec=tolerance * bond)
        if dataset is not None and len(np.unique(dataset.rotations, axis=0)) > 2:
            best = dataset
            break
    if best is None:
        found = lattice_from_positions(atoms.positions, bond)
        if found is None:
            side = abs(np.linalg.det(atoms.cell[:]) / len(atoms)) ** (1 / 3)
            return side * np.eye(3), np.zeros(3), np.eye(3)
        lattice, rotation = standard_lattice(found, bond)
        return lattice, atoms.positions[0], rotation
    to_input = np.linalg.inv(best.transformation_matrix)  # x_s = P x + p for fractional coordinates
    origin = (-to_input @ best.origin_shift) @ atoms.cell[:]
    return to_input.T @ atoms.cell[:], origin, best.std_rotation_matrix


def lattice_from_positions(positions: np.ndarray, bond: float) -> np.ndarray | None:
    """Three lattice vectors (rows) of a crystal given by its atoms, or None when none can be told.

    The interatomic vectors up to ``LATTICE_SEARCH_RADIUS`` bond lengths are grouped within
    ``LATTICE_TOLERANCE``. A group's vector v is a lattice vector when, from nearly every atom whose
    point x + v lies inside the material, x + v is an atom: the fraction of such hits is about 1 for
    lattice vectors (1 - η with vacancies) and at most one half for a vector between sublattices
    (diamond's bond, hcp's out-of-plane neighbour). The three shortest non-coplanar lattice vectors
    are a basis. Surfaces do not bias the fraction, so small finite clusters work. Of more than
    ``LATTICE_MAX_ATOMS`` atoms, only those nearest the centre are used.
    """
    positions = positions[_central(positions, LATTICE_MAX_ATOMS)]
    tolerance = LATTICE_TOLERANCE * bond
    atom_tree = cKDTree(positions)
    pairs = atom_tree.query_pairs(LATTICE_SEARCH_RADIUS * bond, output_type="ndarray")
    if len(pairs) == 0:
        return None
    vectors = positions[pairs[:, 1]] - positions[pairs[:, 0]]
    vectors = np.concatenate([vectors, -vectors])
    vector_tree = cKDTree(vectors)
    repeats = vector_tree.query_ball_point(vectors, tolerance, return_length=True)
    candidates: list[np.ndarray] = []
    claimed = np.zeros(len(vectors), bool)  # within 2 tolerances of a candidate: its group, already taken
    least_repeats = LATTICE_MIN_REPEATS * repeats.max()
    for index in np.argsort(-repeats, kind="stable"):
        if repeats[index] < least_repeats:
            break
        if claimed[index]:
            continue
        centre = vectors[index]
        for _ in range(LATTICE_MEAN_SHIFTS):  # move to the group's mean, away from the seed's noise
            centre = vectors[vector_tree.query_ball_point(centre, tolerance)].mean(axis=0)
        candidates.append(centre)
        claimed[vector_tree.query_ball_point(centre, 2 * tolerance)] = True
    hit_fractions = []
    for vector in candidates:
        distance, _ = atom_tree.query(positions + vector)
        inside = distance < LATTICE_INSIDE * bond
        hit_fractions.append((distance < tolerance).sum() / max(inside.sum(), 1))
    hit_fractions = np.array(hit_fractions)
    if hit_fractions.max() < LATTICE_MIN_HITS:  # no vector repeats like a lattice vector: not a crystal
        return None
    lattice = [v for v, f in zip(candidates, hit_fractions) if f >= LATTICE_PEAK_FRACTION * hit_fractions.max()]
    basis: list[np.ndarray] = []
    for vector in sorted(lattice, key=np.linalg.norm):
        trial = [*basis, vector]
        lengths = np.prod([np.linalg.norm(v) for v in trial])
        if len(trial) == 2 and np.linalg.norm(np.cross(*trial)) < 0.2 * lengths:
            continue
        if len(trial) == 3 and abs(np.linalg.det(np.array(trial))) < 0.2 * lengths:
            continue
        basis = trial
        if len(basis) == 3:
            return np.array(basis)
    return None


def standard_lattice(basis: np.ndarray, bond: float) -> tuple[np.ndarray, np.ndarray]:
    """The idealised conventional cell of the lattice spanned by ``basis`` (rows, same orientation) and the
    rotation to spglib's standard orientation."""
    os.environ.setdefault("SPGLIB_WARNING", "OFF")
    found = None
    for tolerance in LATTICE_TOLERANCES:  # tightest first; the first that sees more than triclinic wins
        dataset = spglib.get_symmetry_dataset((basis, [[0.0, 0.0, 0.0]], [1]), symprec=tolerance * bond)
        if dataset is not None and dataset.number > 2:
            found = dataset
            break
    if found is None:
        return basis, np.eye(3)
    # spglib's idealised cell (exact angles: a measured lattice carries the atoms' noise), turned back
    return found.std_lattice @ found.std_rotation_matrix, found.std_rotation_matrix


def oriented_cluster(atoms: Atoms) -> Atoms:
    """A finite crystal turned so that its crystal axes lie along x, y, z (spglib's standard orientation).

    The lattice comes from ``lattice_from_positions``; a cluster whose lattice cannot be told is
    returned unchanged.
    """
    bond = mean_bond_length(atoms)
    found = lattice_from_positions(atoms.positions, bond)
    if found is None:
        return atoms.copy()
    _, rotation = standard_lattice(found, bond)
    turned = atoms.copy()
    centre = atoms.positions.mean(axis=0)
    turned.positions = (atoms.positions - centre) @ rotation.T + centre
    return turned


def replication(atoms_per_cell: float, target_atoms: int) -> int:
    """n such that n × n × n cells hold the number of atoms closest to ``target_atoms``."""
    n = max(1, round((target_atoms / atoms_per_cell) ** (1 / 3)))
    candidates = [m for m in (n - 1, n, n + 1) if m >= 1]
    return min(candidates, key=lambda m: abs(m**3 * atoms_per_cell - target_atoms))


def _tiling_near(atoms: Atoms, centre: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Positions and atomic numbers of the periodic structure's infinite tiling within ``radius`` of
    ``centre``, ordered by cell image, then by atom. Only atoms with an image near the centre are
    repeated, so a large cell costs no more memory than its own atoms."""
    inverse_cell = np.linalg.inv(atoms.cell[:])
    reach = radius * np.linalg.norm(inverse_cell, axis=0) + 1e-9  # the sphere's extent in fractional coordinates
    offsets = (atoms.positions - centre) @ inverse_cell
    candidates = np.flatnonzero(np.all(np.abs(offsets - np.round(offsets)) <= reach, axis=1))
    if len(candidates) == 0:
        return np.zeros((0, 3)), np.zeros(0, int)
    low = np.floor(-reach - offsets[candidates].max(axis=0)).astype(int)
    high = np.ceil(reach - offsets[candidates].min(axis=0)).astype(int)
    shifts = np.stack(np.meshgrid(*(np.arange(lo, hi + 1) for lo, hi in zip(low, high)), indexing="ij"),
                      axis=-1).reshape(-1, 3) @ atoms.cell[:]
    images = (atoms.positions[candidates][None] + shifts[:, None]).reshape(-1, 3)
    near = np.sum((images - centre) ** 2, axis=1) <= radius**2
    return images[near], np.tile(atoms.numbers[candidates], len(shifts))[near]


def _atoms_in_box(atoms: Atoms, box: np.ndarray, origin: np.ndarray) -> Atoms:
    """The atoms of the periodic structure's infinite tiling inside the parallelepiped ``origin + box``."""
    corners = origin + np.array(np.meshgrid([0, 1], [0, 1], [0, 1])).reshape(3, -1).T @ box
    centre = corners.mean(axis=0)
    radius = (1 + BOX_MARGIN) * np.linalg.norm(corners - centre, axis=1).max()  # the box's enclosing sphere
    positions, numbers = _tiling_near(atoms, centre, radius)
    fractions = (positions - origin) @ np.linalg.inv(box)
    inside = np.all((fractions >= 0) & (fractions < 1), axis=1)
    return Atoms(numbers=numbers[inside], positions=positions[inside], cell=box, pbc=True)


def local_lattice(atoms: Atoms) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """As ``conventional_lattice``, for a large periodic structure: read by ``lattice_from_positions``
    from the ~``LATTICE_MAX_ATOMS`` atoms around the first atom (periodic images included), which is
    the origin; a cube of the input's axes holding one atom on average when no lattice is found.
    Time and memory are bounded whatever the structure's size: spglib never sees it whole.
    """
    density = len(atoms) / abs(np.linalg.det(atoms.cell[:]))
    origin = atoms.positions[0]
    radius = (3 * LATTICE_MAX_ATOMS / (4 * np.pi * density)) ** (1 / 3)
    positions, _ = _tiling_near(atoms, origin, radius)
    bond = mean_bond_length(Atoms(positions=positions))
    found = lattice_from_positions(positions, bond)
    if found is None:
        return density ** (-1 / 3) * np.eye(3), origin, np.eye(3)
    lattice, rotation = standard_lattice(found, bond)
    return lattice, origin, rotation


def _central(positions: np.ndarray, count: int) -> np.ndarray:
    """Indices, in ascending order, of the ``count`` positions nearest their mean (all when fewer)."""
    if len(positions) <= count:
        return np.arange(len(positions))
    distances = np.linalg.norm(positions - positions.mean(axis=0), axis=1)
    return np.sort(np.argsort(distances, kind="stable")[:count])


def central_cluster(atoms: Atoms, max_atoms: int) -> Atoms:
    """The ``max_atoms`` atoms nearest the centre (mean position) of a finite cluster, in their order;
    a cluster of at most ``max_atoms`` atoms unchanged."""
    return atoms[_central(atoms.positions, max_atoms)]


def diffraction_supercell(atoms: Atoms, settings: DiffractionSettings = DiffractionSettings()) -> Atoms:
    """The replicated conventional cell of a periodic structure, in spglib's standard orientation.

    n × n × n conventional cells cut from the structure's own atoms (defects kept), with n chosen
    for ``settings.target_atoms`` atoms whatever the input's size; the result is periodic (defects
    can be applied to it). No cut of a cell of at most ``settings.target_atoms`` atoms holds twice
    as many: the lattice of a larger periodic structure is found by ``local_lattice``, and a larger
    finite cluster is cut to its central atoms (``central_cluster``). A finite cluster is then, with
    ``settings.orient_clusters``, turned by ``oriented_cluster``.
    """
    max_atoms = 2 * settings.target_atoms
    if not (atoms.pbc.all() and atoms.cell.rank == 3):
        cluster = central_cluster(atoms, max_atoms)
        return oriented_cluster(cluster) if settings.orient_clusters else cluster
    lattice, origin, rotation = local_lattice(atoms) if len(atoms) > max_atoms else conventional_lattice(atoms)
    atoms_per_cell = len(atoms) * abs(np.linalg.det(lattice) / np.linalg.det(atoms.cell[:]))
    n = replication(atoms_per_cell, settings.target_atoms)
    origin = origin - BOX_MARGIN * lattice.sum(axis=0)
    supercell = _atoms_in_box(atoms, n * lattice, origin)
    supercell.positions = (supercell.positions - origin) @ rotation.T
    supercell.set_cell(n * lattice @ rotation.T, scale_atoms=False)
    return supercell


def mean_bond_length(atoms: Atoms) -> float:
    """The mean distance from each atom to its nearest neighbour (the paper's scaling length)."""
    if len(atoms) < 2 and not atoms.pbc.all():
        raise InputError("the diffraction fingerprint needs at least two atoms")
    return float(np.mean(nearest_neighbour_distances(atoms)))


def diffraction_fingerprint(atoms: Atoms, settings: DiffractionSettings = DiffractionSettings()) -> np.ndarray:
    """The fingerprint image of one structure: float32, shape (n_pixels, n_pixels, 3), values in [0, 1].

    A periodic structure is first turned into its replicated conventional cell; the atoms are then
    treated as a finite cluster, centred and scaled to a mean bond length of ``settings.bond_length``.
    """
    cluster = diffraction_supercell(atoms, settings)
    cluster.pbc = False
    positions = cluster.positions - cluster.positions.mean(axis=0)
    positions *= settings.bond_length / mean_bond_length(cluster)
    form_factors = np.array([atomic_numbers[s] for s in cluster.get_chemical_symbols()], np.float32)
    form_factors += settings.atomic_number_shift
    q, prefactor = _detector_wavevectors(settings)
    image = np.zeros((3, settings.n_pixels * settings.n_pixels))
    for axis in range(3):
        for sign in (1, -1):
            rotated = positions @ _rotation(axis, sign * settings.rotation_angle).T
            phase = (rotated @ q.T).astype(np.float32)  # float32 cos/sin are ~10x faster; phase error < 1e-4 rad
            real, imaginary = form_factors @ np.cos(phase), form_factors @ np.sin(phase)
            image[axis] += prefactor * (real**2 + imaginary**2)
    image = image.reshape(3, settings.n_pixels, settings.n_pixels)
    centre = (settings.n_pixels - 1) / 2
    rows, columns = np.indices((settings.n_pixels, settings.n_pixels))
    image[:, np.hypot(rows - centre, columns - centre) <= settings.central_radius] = 0.0
    brightest = image.max(axis=(1, 2), keepdims=True)
    image = np.divide(image, brightest, out=np.zeros_like(image), where=brightest > 0)
    return np.moveaxis(image, 0, -1).astype(np.float32)


def _fingerprint_job(job: tuple[Atoms, DiffractionSettings]) -> np.ndarray:
    return diffraction_fingerprint(*job)


def fingerprint_many(structures: Sequence[Atoms], settings: DiffractionSettings = DiffractionSettings(),
                     jobs: int | None = None, progress: bool = False) -> np.ndarray:
    """Fingerprints of many structures on all cores: shape (n, n_pixels, n_pixels, 3)."""
    images = list(progress_map(_fingerprint_job, [(atoms, settings) for atoms in structures], jobs=jobs,
                               progress=progress, desc="fingerprints"))
    if not images:
        return np.zeros((0, settings.n_pixels, settings.n_pixels, 3), np.float32)
    return np.stack(images)
