"""Synthetic samples for polycrystal maps: Voronoi polycrystals, a Ni-based superalloy, ordered FePt.

- :func:`voronoi_polycrystal`: a periodic box (or a slab) tessellated into
  randomly oriented grains, as in the four-grain polycrystal of the ARISE paper
  (Leitherer et al., Nat. Commun. 12, 6234 (2021), Fig. 2a).
- :func:`superalloy`: a γ/γ' Ni-based superalloy model, a cubic L1₂ Ni₃Al
  precipitate coherently embedded in an fcc Ni(Al) matrix (Fig. 2h).
- :func:`ordered_fept`: the conventional cells of L1₀ FePt and L1₂ FePt₃, the orderings
  found in the AET FePt nanoparticle (Fig. 4).

The first two are vectorised (no Python loops over atoms) and reproducible with ``seed``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from ase import Atoms
from scipy.spatial import cKDTree
from scipy.spatial.transform import Rotation

from ariseml.errors import InputError
from ariseml.prototypes import Prototype, build, get_prototype
from ariseml.structure import nearest_neighbour_distance

__all__ = ["voronoi_polycrystal", "superalloy", "ordered_fept", "SUPERALLOY_LATTICE_CONSTANT", "GAMMA_AL_FRACTION"]

_EPS = 1e-9


def _resolve_seed(seed: int | None) -> int:
    """The seed itself, or a fresh random one, so that every sample records a seed that rebuilds it."""
    if seed is None:
        return int(np.random.default_rng().integers(2**63 - 1))
    if isinstance(seed, bool) or int(seed) != seed or seed < 0:
        raise InputError(f"seed must be a non-negative integer or None, got {seed!r}")
    return int(seed)


# --------------------------------------------------------------------------- #
# Voronoi polycrystal
# --------------------------------------------------------------------------- #


def _resolve_grain(grain: str | Prototype | Atoms) -> tuple[Atoms, str]:
    """The periodic cell and label of one grain entry; rejects 2D classes and nanotubes."""
    if isinstance(grain, Atoms):
        if not np.all(grain.pbc) or grain.cell.rank != 3 or len(grain) == 0:
            raise InputError("an Atoms grain must be a non-empty cell periodic in all three "
                             f"directions (got pbc={tuple(bool(p) for p in grain.pbc)}, "
                             f"cell rank {grain.cell.rank}, {len(grain)} atoms)")
        return grain.copy(), grain.get_chemical_formula(empirical=True)
    prototype = grain if isinstance(grain, Prototype) else get_prototype(grain)
    if prototype.is_finite or prototype.is_2d:
        kind = "a finite structure" if prototype.is_finite else "a 2D material"
        raise InputError(f"{prototype.id} is {kind}: a Voronoi polycrystal needs bulk (3D-periodic) "
                         "crystal classes")
    return build(prototype), prototype.id


def _box_lengths(size: float | Sequence[float], slab_thickness: float | None) -> np.ndarray:
    lengths = np.atleast_1d(np.asarray(size, dtype=float))
    if lengths.ndim != 1 or len(lengths) not in (1, 2, 3):
        raise InputError(f"size must be a number or (Lx, Ly, Lz), got {size!r}")
    if slab_thickness is not None:
        if not slab_thickness > 0:
            raise InputError(f"slab_thickness must be > 0, got {slab_thickness}")
        in_plane = np.resize(lengths, 2) if len(lengths) == 1 else lengths[:2]
        lengths = np.append(in_plane, float(slab_thickness))
    elif len(lengths) == 1:
        lengths = np.repeat(lengths, 3)
    elif len(lengths) != 3:
        raise InputError(f"size must be a number or (Lx, Ly, Lz) for a 3D box, got {size!r}")
    if not np.all(np.isfinite(lengths)) or np.any(lengths <= 0):
        raise InputError(f"box lengths must be > 0, got {tuple(lengths.tolist())}")
    return lengths


def _wrap(points: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Wrap into [0, L) (np.mod may round up to exactly L, which cKDTree rejects)."""
    wrapped = np.mod(points, lengths)
    return np.where(wrapped >= lengths, wrapped - lengths, wrapped)


def _lattice_points_in_box(vectors: np.ndarray, basis: np.ndarray, low: np.ndarray,
                           high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All ``basis[m] + i a1 + j a2 + k a3`` with ``low <= r < high``, and their basis index m.

    The (i, j) range comes from the box corners in fractional coordinates; for
    each (i, j) the admissible k form an interval (a line crossing a box), so
    the points inside are generated exactly, without a bounding-box surplus.
    """
    inverse = np.linalg.inv(vectors)
    corners = np.array([[high[d] if (c >> d) & 1 else low[d] for d in range(3)] for c in range(8)])
    a1, a2, a3 = vectors
    positions, which = [], []
    for m, origin in enumerate(basis):
        fractional = (corners - origin) @ inverse
        start = np.floor(fractional[:, :2].min(axis=0)).astype(int) - 1
        stop = np.ceil(fractional[:, :2].max(axis=0)).astype(int) + 1
        i, j = np.meshgrid(np.arange(start[0], stop[0] + 1), np.arange(start[1], stop[1] + 1),
                           indexing="ij")
        line_origin = origin + i.reshape(-1, 1) * a1 + j.reshape(-1, 1) * a2
        k_low = np.full(len(line_origin), -np.inf)
        k_high = np.full(len(line_origin), np.inf)
        for d in range(3):
            if abs(a3[d]) > _EPS:
                t1 = (low[d] - line_origin[:, d]) / a3[d]
                t2 = (high[d] - line_origin[:, d]) / a3[d]
                k_low = np.maximum(k_low, np.minimum(t1, t2))
                k_high = np.minimum(k_high, np.maximum(t1, t2))
            else:  # the line runs parallel to this pair of faces
                inside = (line_origin[:, d] >= low[d]) & (line_origin[:, d] < high[d])
                k_high = np.where(inside, k_high, -np.inf)
        valid = np.isfinite(k_low) & np.isfinite(k_high) & (k_high >= k_low)
        k_first = np.zeros(len(line_origin), dtype=np.int64)
        counts = np.zeros(len(line_origin), dtype=np.int64)
        k_first[valid] = np.ceil(k_low[valid] - 1e-6).astype(np.int64)
        counts[valid] = np.maximum(np.floor(k_high[valid] + 1e-6).astype(np.int64) - k_first[valid] + 1, 0)
        rows = np.repeat(np.arange(len(line_origin)), counts)
        offsets = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
        points = line_origin[rows] + (k_first[rows] + offsets)[:, None] * a3
        inside = np.all((points >= low) & (points < high), axis=1)
        positions.append(points[inside])
        which.append(np.full(int(inside.sum()), m, dtype=np.int64))
    return np.concatenate(positions), np.concatenate(which)


def _voronoi_cell_bounds(centres: np.ndarray, lengths: np.ndarray, planar: int,
                         seed_tree: cKDTree) -> tuple[np.ndarray, np.ndarray]:
    """Boxes (relative to each seed, minimum image) that contain each periodic Voronoi cell.

    Probe points at the centres of a grid of voxels (half-diagonal δ) cover the
    box. For a point p of cell g and the probe q of its voxel,
    |q - s_g| <= |p - s_g| + δ = d₁(p) + δ <= d₁(q) + 2δ (d₁: distance to the
    nearest seed, 1-Lipschitz), so the probes within d₁ + 2δ of s_g, grown by
    δ, bound the cell. Each grain's lattice is then generated only there.
    """
    n_grains = len(centres)
    half = 0.5 * lengths
    low, high = np.tile(-half, (n_grains, 1)), np.tile(half, (n_grains, 1))
    if n_grains == 1:
        return low, high
    volume = float(np.prod(lengths[:planar]))
    # ~10 probes across a grain, at most ~10⁵ probes in all
    spacing = max((volume / n_grains) ** (1 / planar) / 10, (volume / 1e5) ** (1 / planar))
    counts = np.maximum(np.ceil(lengths[:planar] / spacing).astype(int), 1)
    steps = lengths[:planar] / counts
    delta = 0.5 * float(np.linalg.norm(steps))
    grid = np.indices(counts).reshape(planar, -1).T
    probes = (grid + 0.5) * steps
    k = min(n_grains, 8)
    while True:
        distance, nearest = seed_tree.query(probes, k=k)
        reach = distance[:, :1] + 2 * delta
        if k == n_grains or np.all(distance[:, -1] > reach[:, 0]):
            break
        k = min(2 * k, n_grains)
    close = distance <= reach
    probe_index = np.broadcast_to(np.arange(len(probes))[:, None], close.shape)[close]
    grain = nearest[close]
    offset = probes[probe_index] - centres[grain, :planar]
    offset -= lengths[:planar] * np.round(offset / lengths[:planar])
    cell_low = np.full((n_grains, planar), np.inf)
    cell_high = np.full((n_grains, planar), -np.inf)
    np.minimum.at(cell_low, grain, offset)
    np.maximum.at(cell_high, grain, offset)
    cell_low, cell_high = cell_low - delta, cell_high + delta
    # a bound crossing ±L/2 wraps round to the other side: keep the full range there
    wraps = (cell_low < -half[:planar]) | (cell_high > half[:planar])
    low[:, :planar] = np.where(wraps, -half[:planar], cell_low)
    high[:, :planar] = np.where(wraps, half[:planar], cell_high)
    return low, high


def _prune_overlaps(positions: np.ndarray, relative: np.ndarray, grain_id: np.ndarray,
                    d_nn: np.ndarray, fraction: float, lengths: np.ndarray, slab: bool,
                    rng: np.random.Generator) -> np.ndarray:
    """Mask of atoms kept after removing grain-boundary overlaps.

    A conflict is a pair closer than ``fraction * min(d_NN of the two grains)``
    whose atoms belong to different grains, or to the same grain but meet
    across the periodic seam of the box (the grain's lattice does not fit the
    box). From the conflict graph a maximal independent set is kept, chosen
    with random priorities (Luby's algorithm), so boundaries are not biased
    towards one grain and as few atoms as possible are removed.
    """
    keep = np.ones(len(positions), dtype=bool)
    if fraction <= 0 or len(positions) < 2:
        return keep
    cutoff = fraction * float(d_nn.max())
    boxsize = lengths.copy()
    if slab:  # z is not periodic: a box taller than the slab + cutoff never wraps a pair
        boxsize[2] = lengths[2] + 2 * cutoff + 1.0
    tree = cKDTree(positions, boxsize=boxsize)
    pairs = tree.query_pairs(cutoff, output_type="ndarray")
    if len(pairs) == 0:
        return keep
    i, j = pairs[:, 0], pairs[:, 1]
    delta = positions[j] - positions[i]
    periodic = np.array([True, True, not slab])
    delta[:, periodic] -= lengths[periodic] * np.round(delta[:, periodic] / lengths[periodic])
    distance = np.linalg.norm(delta, axis=1)
    threshold = fraction * np.minimum(d_nn[grain_id[i]], d_nn[grain_id[j]])
    across_seam = np.linalg.norm(relative[j] - relative[i] - delta, axis=1) > 1e-6
    conflict = (distance < threshold) & ((grain_id[i] != grain_id[j]) | across_seam)
    i, j = i[conflict], j[conflict]
    priority = rng.permutation(len(positions)).astype(float)  # unique: no ties
    while len(i):
        best_partner = np.full(len(positions), -1.0)
        np.maximum.at(best_partner, i, priority[j])
        np.maximum.at(best_partner, j, priority[i])
        winner = priority > best_partner
        keep[j[winner[i]]] = False
        keep[i[winner[j]]] = False
        alive = keep[i] & keep[j]
        i, j = i[alive], j[alive]
    return keep


def voronoi_polycrystal(
    grains: Sequence[str | Atoms],
    size: float | tuple[float, float, float],
    n_grains: int | None = None,
    slab_thickness: float | None = None,
    seed: int | None = None,
    min_distance_fraction: float = 0.7,
) -> Atoms:
    """A periodic Voronoi polycrystal of randomly oriented grains.

    Parameters
    ----------
    grains
        Prototype ids (periodic cells from :func:`ariseml.prototypes.build`) or
        3D-periodic ``Atoms`` cells. Grain ``g`` is made of ``grains[g % len(grains)]``.
    size
        Box edge in Å, or ``(Lx, Ly, Lz)`` (in slab mode ``Lz`` is replaced by
        ``slab_thickness``; ``(Lx, Ly)`` is accepted too).
    n_grains
        Number of grains (Voronoi seeds); default ``len(grains)``.
    slab_thickness
        If given: a slab of this thickness, periodic in x and y only, seeds at
        the slab centre, Voronoi tessellation in-plane and grains rotated only
        about z, so atomic columns along z stay aligned (paper's Fig. 2a).
    seed
        Seed of ``numpy.random.default_rng``: seed points, rotations, pruning
        (``None``: a fresh random seed, recorded in ``info["seed"]``).
    min_distance_fraction
        Atoms of different grains closer than this fraction of the smaller
        d_NN of the two grains are thinned out (one of each pair is removed;
        0 switches pruning off). A grain whose Voronoi cell touches its own
        periodic image meets itself across a seam, where its lattice does not
        fit the box: such a seam is a grain boundary too and is pruned alike.

    Returns
    -------
    ase.Atoms
        Orthorhombic cell; ``arrays["grain_id"]`` (int), ``info["grains"]``
        (label of each grain id: prototype id, or the empirical formula of an
        ``Atoms`` grain),
        ``info["seed"]``, ``info["grain_centres"]`` (n_grains × 3, Å) and
        ``info["grain_rotations"]`` (n_grains × 4 quaternions, scalar last).
    """
    if isinstance(grains, (str, Atoms, Prototype)):
        grains = [grains]
    grains = list(grains)
    if not grains:
        raise InputError("grains is empty: give at least one prototype id or Atoms cell")
    if n_grains is None:
        n_grains = len(grains)
    if isinstance(n_grains, bool) or int(n_grains) != n_grains or n_grains < 1:
        raise InputError(f"n_grains must be an integer >= 1, got {n_grains!r}")
    n_grains = int(n_grains)
    if not 0 <= min_distance_fraction < 1:
        raise InputError(f"min_distance_fraction must be in [0, 1), got {min_distance_fraction}")
    slab = slab_thickness is not None
    lengths = _box_lengths(size, slab_thickness)

    kinds: dict[int, tuple[Atoms, str, float]] = {}
    for index in range(min(n_grains, len(grains))):
        cell, label = _resolve_grain(grains[index])
        kinds[index] = (cell, label, nearest_neighbour_distance(cell))
    kind_of = [g % len(grains) for g in range(n_grains)]
    labels = [kinds[k][1] for k in kind_of]
    d_nn = np.array([kinds[k][2] for k in kind_of])

    seed = _resolve_seed(seed)
    rng = np.random.default_rng(seed)
    centres = rng.random((n_grains, 3)) * lengths
    if slab:
        centres[:, 2] = 0.5 * lengths[2]
        rotations = Rotation.from_euler("z", rng.uniform(0.0, 2 * np.pi, (n_grains, 1)))
    else:
        rotations = Rotation.random(n_grains, rng)
    centres = _wrap(centres, lengths)
    planar = 2 if slab else 3
    seed_tree = cKDTree(centres[:, :planar], boxsize=lengths[:planar])

    # each grain fills (a bound of) its Voronoi cell within the box centred on its
    # seed (one periodic image of the whole box, in which its minimum-image cell
    # is contiguous) and keeps the atoms whose nearest seed is its own
    low, high = _voronoi_cell_bounds(centres, lengths, planar, seed_tree)
    all_positions, all_relative, all_numbers, all_grain = [], [], [], []
    for g in range(n_grains):
        cell = kinds[kind_of[g]][0]
        matrix = rotations[g].as_matrix()
        vectors = cell.cell[:] @ matrix.T
        basis = cell.positions @ matrix.T
        relative, which = _lattice_points_in_box(vectors, basis, low[g], high[g])
        positions = centres[g] + relative
        positions[:, :planar] = _wrap(positions[:, :planar], lengths[:planar])
        if slab:  # z stays in [0, Lz] by construction; clip rounding-level excursions
            positions[:, 2] = np.clip(positions[:, 2], 0.0, lengths[2])
        _, nearest = seed_tree.query(positions[:, :planar], k=1)
        mine = nearest == g
        all_positions.append(positions[mine])
        all_relative.append(relative[mine])
        all_numbers.append(cell.numbers[which[mine]])
        all_grain.append(np.full(int(mine.sum()), g, dtype=np.int64))
    positions = np.concatenate(all_positions)
    relative = np.concatenate(all_relative)
    numbers = np.concatenate(all_numbers)
    grain_id = np.concatenate(all_grain)

    keep = _prune_overlaps(positions, relative, grain_id, d_nn, min_distance_fraction, lengths,
                           slab, rng)
    atoms = Atoms(numbers=numbers[keep], positions=positions[keep], cell=np.diag(lengths),
                  pbc=(True, True, not slab))
    atoms.arrays["grain_id"] = grain_id[keep]
    atoms.info["grains"] = labels
    atoms.info["seed"] = seed
    atoms.info["grain_centres"] = centres
    atoms.info["grain_rotations"] = rotations.as_quat()
    return atoms


# --------------------------------------------------------------------------- #
# Ni-based superalloy (γ matrix + γ' precipitate)
# --------------------------------------------------------------------------- #

SUPERALLOY_LATTICE_CONSTANT = 3.57
"""Common lattice constant (Å) of the coherent γ/γ' model.

Pure Ni has a ≈ 3.524 Å and Ni₃Al (γ', L1₂) a ≈ 3.57 Å (e.g. N. S. Stoloff,
Int. Mater. Rev. 34, 153 (1989); R. C. Reed, *The Superalloys*, Cambridge
University Press, 2006, ch. 2). In real superalloys the solute-rich γ matrix
expands to within ~0.5 % of γ' (small lattice misfit, which is what keeps the
precipitates coherent), so one value, that of Ni₃Al, is used for both phases.
"""

GAMMA_AL_FRACTION = 0.10
"""Default Al fraction in the γ matrix: ~10 at.% is about the solubility of Al
in binary Ni-Al γ in equilibrium with γ' at intermediate temperatures (the
γ/(γ+γ') solvus), a typical Al-rich γ-matrix composition."""

_FCC_SITES = np.array([[0.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.5, 0.0, 0.5], [0.0, 0.5, 0.5]])
"""Conventional fcc cell; in L1₂ Ni₃Al site 0 (corner) is Al and 1-3 (face centres) Ni."""


def superalloy(
    size: float = 120.0,
    precipitate_size: float | None = None,
    lattice_constant: float = SUPERALLOY_LATTICE_CONSTANT,
    al_fraction: float = GAMMA_AL_FRACTION,
    seed: int | None = None,
) -> Atoms:
    """A γ/γ' Ni-based superalloy model (paper's Fig. 2h), periodic cubic box.

    An fcc Ni matrix with a random fraction ``al_fraction`` of the sites
    substituted by Al (γ), and a cubic, ordered L1₂ Ni₃Al precipitate (γ') in
    the centre, coherent with the matrix (same fcc lattice: Al on the cube
    corners, Ni on the face centres of the conventional cell).

    ``size`` and ``precipitate_size`` (default ``size / 2``, i.e. 1/8 of the
    volume) are rounded to whole conventional cells of edge
    ``lattice_constant``. ``atoms.arrays["region"]`` is 0 in the matrix and 1
    in the precipitate; the matrix Al count is exactly
    ``round(al_fraction * matrix sites)``. ``info["seed"]`` records the seed
    (a fresh random one for ``seed=None``).
    """
    if not np.isfinite(lattice_constant) or lattice_constant <= 0:
        raise InputError(f"lattice_constant must be > 0, got {lattice_constant}")
    if not np.isfinite(size) or size <= 0:
        raise InputError(f"size must be > 0, got {size}")
    if not 0 <= al_fraction < 1:
        raise InputError(f"al_fraction must be in [0, 1), got {al_fraction}")
    n_cells = int(round(size / lattice_constant))
    if n_cells < 1:
        raise InputError(f"size {size} Å is smaller than one conventional cell ({lattice_constant} Å)")
    if precipitate_size is None:
        precipitate_size = 0.5 * size
    if not np.isfinite(precipitate_size) or precipitate_size < 0:
        raise InputError(f"precipitate_size must be >= 0, got {precipitate_size}")
    if precipitate_size > size:
        raise InputError(f"precipitate_size ({precipitate_size} Å) exceeds the box size ({size} Å)")
    n_precipitate = min(int(round(precipitate_size / lattice_constant)), n_cells)

    index = np.indices((n_cells,) * 3).reshape(3, -1).T  # conventional cells
    positions = (index[:, None, :] + _FCC_SITES[None, :, :]).reshape(-1, 3) * lattice_constant
    site = np.tile(np.arange(4), len(index))
    start = (n_cells - n_precipitate) // 2
    cell_inside = np.all((index >= start) & (index < start + n_precipitate), axis=1)
    region = np.repeat(cell_inside, 4).astype(np.int64)

    seed = _resolve_seed(seed)
    rng = np.random.default_rng(seed)
    numbers = np.full(len(positions), 28, dtype=np.int64)  # Ni
    numbers[(region == 1) & (site == 0)] = 13  # Al on the L1₂ corner sublattice
    matrix_sites = np.flatnonzero(region == 0)
    n_al = int(round(al_fraction * len(matrix_sites)))
    numbers[rng.choice(matrix_sites, size=n_al, replace=False)] = 13

    atoms = Atoms(numbers=numbers, positions=positions, cell=[n_cells * lattice_constant] * 3, pbc=True)
    atoms.arrays["region"] = region
    atoms.info.update(seed=seed, lattice_constant=float(lattice_constant), al_fraction=float(al_fraction),
                      box_cells=n_cells, precipitate_cells=n_precipitate)
    return atoms


# --------------------------------------------------------------------------- #
# Ordered FePt
# --------------------------------------------------------------------------- #

FEPT_LATTICE = {"L10_CuAu": (3.852, 3.852, 3.713), "L12_Cu3Au": (3.87, 3.87, 3.87)}
"""Conventional cells (Å): L1₀ FePt a = 3.852, c = 3.713 (powder diffraction file ICDD PDF 43-1359);
L1₂ FePt₃ a ≈ 3.87 (the descriptor scales by d_NN, so for cubic L1₂ only the geometry matters)."""


def ordered_fept(class_id: str) -> Atoms:
    """The periodic conventional cell of L1₀ FePt (``"L10_CuAu"``) or L1₂ FePt₃ (``"L12_Cu3Au"``)."""
    if class_id not in FEPT_LATTICE:
        raise InputError(f"ordered FePt is {' or '.join(FEPT_LATTICE)}, not {class_id!r}")
    symbols = "Fe2Pt2" if class_id == "L10_CuAu" else "FePt3"  # L1₀: Fe and Pt (001) planes alternate
    return Atoms(symbols, scaled_positions=_FCC_SITES, cell=FEPT_LATTICE[class_id], pbc=True)
