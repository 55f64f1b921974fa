"""Each atom's own descriptor: the ARISE descriptor of the atoms in a sphere centred on it, pooled from per-atom
expansion coefficients computed once in the whole sample (as fast SPM pools them per box)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
from ase import Atoms
from scipy import sparse
from scipy.spatial import cKDTree

from ariseml.descriptors.pooling import pair_vectors
from ariseml.descriptors.soap import SoapSettings
from ariseml.errors import InputError
from ariseml.parallel import worker_count
from ariseml.structure import nearest_neighbour_distance, periodic_padding

PAPER_BOX = 16.0
"""Edge (Å) of the paper's SPM boxes."""
DEFAULT_RADIUS = float((3 * PAPER_BOX**3 / (4 * np.pi)) ** (1 / 3))
"""Radius (Å) of an atom's sphere by default: the volume of one of the paper's SPM boxes (9.9 Å)."""
SPHERE_SPACINGS = 3.2
"""By default a sphere reaches at least this many nearest-neighbour distances of the most common element's own
atoms: 9.9 Å holds too few of them where that distance is long (``benchmarks/per_atom.py``: Lennard-Jones Ar,
3.8 Å, right at 98.5-99.1 % of its atoms from 0.5 T_m, and 79 % of the NaCl melt, whose Na and Cl atoms are 4.0 Å
apart, not a crystal; with 12.0 and 12.8 Å, 99.6-99.95 % and 98.6 %)."""
POOL_SEED = 0
"""Seed of the choice of contributing atoms when only a fraction of them is pooled."""
DEFAULT_TAPER = 0.4
"""Atoms of a sphere weigh exp(-r² / 2σ²) with σ = DEFAULT_TAPER x the radius (``benchmarks/polycrystals.py``: Fe
fcc/bcc/hcp grains with 4 % noise, atoms 5-7.5 Å from another grain right 91 % of the time with every atom alike,
99 % with the weights)."""
DEFAULT_SPECIES_REACH = 2.0
"""A species with no atom within this many times the centre's nearest-neighbour distance is another phase's, left
out of the centre's descriptor (``benchmarks/polycrystals.py``: Cu/W/Mg/C grains, atoms farther than 5 Å from
another grain right 64 % of the time without the rule, 98 % with it)."""
CENTRES_PER_BLOCK = 10_000
"""Atoms whose spheres are pooled (and, in ``label_atoms``, classified) at once: bounds the neighbour lists and
descriptors held in memory."""
COEFFICIENT_ROWS_PER_REGION = 300_000
"""Per-atom coefficients held at once (about 3 kB each with the outer part): a larger sample is cut into slabs
along its longest side, each pooled from the coefficients of its own atoms and of those within a sphere radius
of it, so that the memory they take stops growing with the sample; the atoms near a slab's faces have their
coefficients computed twice."""


def sphere_radius(atoms: Atoms) -> float:
    """The default sphere radius (Å) for ``atoms``: ``DEFAULT_RADIUS``, or ``SPHERE_SPACINGS`` nearest-neighbour
    distances of its most common element's own atoms where that is longer (DEFAULT_RADIUS for a lone atom)."""
    if len(atoms) < 2:
        return DEFAULT_RADIUS
    symbols, counts = np.unique(atoms.get_chemical_symbols(), return_counts=True)
    common = str(symbols[np.argmax(counts)])
    try:
        spacing = nearest_neighbour_distance(atoms, common, common)
    except InputError:  # no two atoms of that element
        return DEFAULT_RADIUS
    return max(DEFAULT_RADIUS, SPHERE_SPACINGS * spacing)


def sphere_matrix(centres: np.ndarray, tree: cKDTree, origin: np.ndarray, columns: int, radius: float,
                  taper: float = 0.0) -> sparse.csr_matrix:
    """(centres x columns): entry (i, j) sums the weights of the images of column j's atom within ``radius`` of
    centre i (an atom of a small periodic cell can be in a sphere more than once): 1 each, or with ``taper`` > 0
    exp(-r² / 2σ²), σ = taper x radius."""
    pairs = cKDTree(centres).sparse_distance_matrix(tree, radius, output_type="ndarray")
    weights = (np.exp(-0.5 * (pairs["v"] / (taper * radius)) ** 2) if taper else np.ones(len(pairs))
               ).astype(np.float32)
    matrix = sparse.csr_matrix((weights, (pairs["i"], origin[pairs["j"]])),
                               shape=(len(centres), columns))
    matrix.sum_duplicates()
    return matrix


def _slabs(coordinates: np.ndarray, size: int) -> list[np.ndarray]:
    """Indices of the atoms in slabs of at most ``size`` atoms, in the order of their ``coordinates``."""
    order = np.argsort(coordinates, kind="stable")
    return np.array_split(order, max(1, -(-len(coordinates) // size)))


_Source = tuple[list[np.ndarray], np.ndarray | None, cKDTree, np.ndarray]
"""What a sphere pools for one species pair: per l the α atoms' coefficients, their power spectra (the outer
part), a k-d tree of the α atoms and their images, and each image's row in the coefficients."""


@dataclass
class _Computed:
    """Coefficients (per l) and power spectra already computed for some α atoms, so that the next slab reuses
    those of the atoms it shares with this one instead of computing them again."""

    atoms: np.ndarray  # indices of the α atoms, one per row
    coefficients: list[np.ndarray]
    spectra: np.ndarray | None

    def restricted(self, wanted: np.ndarray) -> _Computed:
        """A copy of the rows of the atoms marked in ``wanted`` (the rest is freed with this one)."""
        rows = wanted[self.atoms]
        return _Computed(self.atoms[rows], [c[rows] for c in self.coefficients],
                         None if self.spectra is None else self.spectra[rows])


def _pooling_source(near: np.ndarray, positions: np.ndarray, padded: np.ndarray, origin: np.ndarray,
                    neighbours: np.ndarray, scales: np.ndarray, soap: SoapSettings, jobs: int | None,
                    progress: bool, known: _Computed | None) -> tuple[_Source, _Computed]:
    """The coefficients of the α atoms marked ``near`` (of their β ``neighbours``, each scaled by its d_NN in
    ``scales``, indexed by atom) and how the images in ``padded`` (atom ``origin``) find them; those of ``known``
    (atoms among ``near``) are reused."""
    from ariseml.descriptors.coefficients import centre_coefficients, centre_coefficients_and_spectra

    inner_soap = replace(soap, average="inner")
    alpha_index = np.flatnonzero(near)
    todo = alpha_index if known is None else alpha_index[~np.isin(alpha_index, known.atoms)]
    if soap.average == "inner":
        new, spectra = centre_coefficients(positions[todo], scales[todo], neighbours, inner_soap, jobs, progress), None
    else:
        new, spectra = centre_coefficients_and_spectra(positions[todo], scales[todo], neighbours, inner_soap, jobs,
                                                       progress)
    row_atoms = todo  # the atom of each row of the coefficients
    if known is not None:
        spectra = None if spectra is None else np.concatenate([known.spectra, spectra])
        for l, reused in enumerate(known.coefficients):  # one l at a time: one extra array held at once
            new[l] = np.concatenate([reused, new[l]])
        row_atoms = np.concatenate([known.atoms, todo])
    row = np.full(len(near), -1)
    row[row_atoms] = np.arange(len(row_atoms))
    alpha_padded = np.flatnonzero(near[origin])
    source = (new, spectra, cKDTree(padded[alpha_padded]), row[origin[alpha_padded]])
    return source, _Computed(row_atoms, new, spectra)


def _block_vectors(centres: np.ndarray, sources: dict[tuple[str, str], _Source],
                   present: dict[tuple[str, str], np.ndarray], soap: SoapSettings, radius: float,
                   taper: float, threads: int) -> np.ndarray:
    """(centres, n_features): each centre's pair vectors pooled from ``sources`` and averaged over the pairs
    ``present`` in its sphere (zeros where none is), the centres shared out among ``threads`` threads (the
    neighbour searches and sparse products release Python's lock)."""
    parts = np.array_split(np.arange(len(centres)), threads)
    with ThreadPoolExecutor(threads) as pool:
        return np.concatenate(list(pool.map(
            lambda part: _pooled_vectors(centres[part], sources, {pair: p[part] for pair, p in present.items()},
                                         soap, radius, taper), parts)))


def _pooled_vectors(centres: np.ndarray, sources: dict[tuple[str, str], _Source],
                    present: dict[tuple[str, str], np.ndarray], soap: SoapSettings, radius: float,
                    taper: float) -> np.ndarray:
    """``_block_vectors`` for some centres, in this thread."""
    total = np.zeros((len(centres), soap.n_features), dtype=np.float32)
    pairs_present = np.zeros(len(centres), dtype=np.int32)
    for pair, (coefficients, spectra, tree, rows) in sources.items():
        summing = sphere_matrix(centres, tree, rows, len(coefficients[0]), radius, taper)
        pooled = None if soap.average == "outer" else [
            np.asarray(summing @ c.reshape(len(c), -1)).reshape(-1, soap.n_max, 2 * l + 1)
            for l, c in enumerate(coefficients)]
        vectors, found = pair_vectors(pooled, None if spectra is None else summing @ spectra, soap)
        found &= present[pair]
        vectors[~found] = 0.0
        total += vectors
        pairs_present += found
    described = pairs_present > 0
    total[described] /= pairs_present[described, None]
    return total


def environment_descriptors(atoms: Atoms, soap: SoapSettings, radius: float = DEFAULT_RADIUS,
                            pool_fraction: float = 1.0, minority: float = 0.0, taper: float = 0.0,
                            species_reach: float = 0.0, jobs: int | None = None, progress: bool = False
                            ) -> tuple[np.ndarray, np.ndarray]:
    """(atoms, n_features) descriptors of every atom's sphere and the number of atoms in it: the blocks of
    :func:`environment_blocks` put together (a row of zeros: no species pair in the sphere)."""
    total = np.zeros((len(atoms), soap.n_features), dtype=np.float32)
    counts = np.zeros(len(atoms), dtype=np.int64)
    for centres, vectors, sphere_atoms in environment_blocks(atoms, soap, radius, pool_fraction, minority, taper,
                                                              species_reach, jobs, progress):
        total[centres], counts[centres] = vectors, sphere_atoms
    return total, counts


def environment_blocks(atoms: Atoms, soap: SoapSettings, radius: float = DEFAULT_RADIUS,
                       pool_fraction: float = 1.0, minority: float = 0.0, taper: float = 0.0,
                       species_reach: float = 0.0, jobs: int | None = None, progress: bool = False
                       ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Blocks of at most CENTRES_PER_BLOCK atoms: their indices, the (block, n_features) descriptors of their
    spheres and the number of atoms in each sphere; every atom in exactly one block.

    For each species pair (α, β) every α atom's coefficients of its β environment are computed, scaled by its
    local d_NN; an atom's pair vector pools those of the α atoms in its sphere (the images of a periodic cell
    included, of any shape). Pair vectors are normalised and averaged over the pairs present, as for a whole
    structure. A row of zeros: no pair in the sphere. A large sample is done in slabs
    (COEFFICIENT_ROWS_PER_REGION), with the same numbers.

    ``pool_fraction`` < 1: only that share of the α atoms (a fixed random choice) contribute coefficients, the
    time of the coefficients and of pooling shrinking alike; each sphere's pair vector is then the mean over a
    sample of its atoms (about ``pool_fraction`` x 350 of them at the default radius in a metal).

    ``minority``: a species making up less than this share of the atoms of a sphere is left out of that sphere's
    descriptor (its pairs are not averaged in; to the other species its sites are vacancies), so that a few
    solute atoms do not turn a metal into a compound.

    ``taper`` > 0: the atoms of a sphere are weighted by a Gaussian of their distance to its centre (σ = taper x
    radius), so that a grain's atoms near a boundary are described mostly by their own grain. ``species_reach`` > 0:
    a species with no atom within that many times the centre's nearest-neighbour distance (the centre's own species
    aside) is left out as for ``minority``: a neighbouring grain of another element is not part of the centre's
    structure, while in a compound every species has atoms within a few shells of every atom.
    """
    from ariseml.descriptors.coefficients import pair_cutoff
    from ariseml.descriptors.local import LOCAL_NEIGHBOURS, local_distances

    if not (np.isfinite(radius) and radius > 0):
        raise InputError(f"the sphere radius must be a positive length in Å, got {radius}", "radius")
    if not 0 <= minority < 0.5:
        raise InputError(f"the minority share is in [0, 0.5), got {minority}", "minority")
    if not (0 <= taper and 0 <= species_reach):
        raise InputError(f"taper and species reach are >= 0 (0: off), got {taper} and {species_reach}",
                         "taper", "species_reach")
    if not 0 < pool_fraction <= 1:
        raise InputError(f"the pooled fraction of atoms is in (0, 1], got {pool_fraction}", "pool_fraction")
    threads = worker_count(jobs)
    symbols = np.array(atoms.get_chemical_symbols())
    largest = 2 * radius / (soap.r_cut * soap.extrinsic_factor)  # an α atom far from every β atom
    padded, origin = periodic_padding(atoms, radius)
    positions = padded[:len(atoms)]  # wrapped into a periodic cell
    species = sorted(set(symbols))  # a pair needs a β atom besides the α atom (its images count)
    pairs = [(a, b) for a in species for b in species if np.sum(symbols[origin] == b) >= (2 if a == b else 1)]
    if not pairs:
        raise InputError("a single atom has no environment: give at least two atoms or a periodic cell")
    scales = {(a, b): local_distances(positions[symbols == a], padded[symbols[origin] == b], a == b,
                                      LOCAL_NEIGHBOURS, largest, workers=threads) for a, b in pairs}
    reach = pair_cutoff(soap) * soap.extrinsic_factor * max(float(s.max()) for s in scales.values())
    if reach > radius:  # the coefficients' cutoff spheres reach further than the atoms' spheres
        padded, origin = periodic_padding(atoms, reach)
    padded_symbols = symbols[origin]
    every_atom = cKDTree(padded)
    species_positions = {s: padded[padded_symbols == s] for s in species}  # each species' atoms and images
    species_trees = {s: cKDTree(points) for s, points in species_positions.items()}
    counts = every_atom.query_ball_point(positions, radius, return_length=True, workers=threads)
    kept = {s: tree.query_ball_point(positions, radius, return_length=True, workers=threads)
            >= np.maximum(minority * counts, 1) for s, tree in species_trees.items()}  # enough of it in each sphere
    if species_reach and len(species) > 1:
        nearest, _ = every_atom.query(positions, k=2, workers=threads)
        for s, tree in species_trees.items():
            distance, _ = tree.query(positions, workers=threads)
            kept[s] &= (distance <= species_reach * nearest[:, 1]) | (symbols == s)
    contributes = np.random.default_rng(POOL_SEED).random(len(atoms)) < pool_fraction
    chosen = {}
    for alpha in species:
        chosen[alpha] = (symbols == alpha) & contributes
        if not chosen[alpha].any():
            chosen[alpha] = symbols == alpha
    atom_scales = {}  # per pair, each α atom's d_NN at its index among all atoms
    for alpha, beta in pairs:
        atom_scales[alpha, beta] = np.full(len(atoms), np.nan)
        atom_scales[alpha, beta][symbols == alpha] = scales[alpha, beta]
    axis = int(np.argmax(np.ptp(positions, axis=0)))  # the longest side
    sources: dict[tuple[str, str], _Source] = {}
    computed: dict[tuple[str, str], _Computed] = {}
    for slab in _slabs(positions[:, axis], max(1, COEFFICIENT_ROWS_PER_REGION // len(species))):
        low, high = positions[slab, axis].min() - radius, positions[slab, axis].max() + radius
        reached = np.zeros(len(atoms), dtype=bool)  # the atoms whose images lie within a radius of the slab
        reached[origin[(padded[:, axis] >= low) & (padded[:, axis] <= high)]] = True
        near = {pair: chosen[pair[0]] & reached for pair in pairs}
        computed = {pair: known.restricted(near[pair]) for pair, known in computed.items()}
        sources = {}  # the previous slab's arrays go, but for the rows just copied
        for pair in pairs:
            sources[pair], computed[pair] = _pooling_source(
                near[pair], positions, padded, origin, species_positions[pair[1]], atom_scales[pair], soap, jobs,
                progress, computed.get(pair))
        for start in range(0, len(slab), CENTRES_PER_BLOCK):
            block = np.sort(slab[start:start + CENTRES_PER_BLOCK])
            present = {pair: kept[pair[0]][block] & kept[pair[1]][block] for pair in sources}
            vectors = _block_vectors(positions[block], sources, present, soap, radius, taper, threads)
            yield block, vectors, counts[block]
