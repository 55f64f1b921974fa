"""Per-atom ARISE SOAP of a large sample, computed once and pooled into boxes (SPM fast mode).

For every ordered species pair (α centres, β neighbours), each α atom gets the
power spectrum of its β neighbours: the per-atom vectors whose mean is the
``average="outer"`` descriptor. The environment of an atom is scaled by a local
d_NN: the median, over its nearest α atoms, of their distance to the closest β
atom, rounded to steps of 0.5 % so that atoms sharing a scale are described in
one DScribe call.

The sample is treated as finite: environments stop at its edges.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from ase import Atoms
from scipy.spatial import cKDTree

from ariseml.descriptors.soap import DUMMY_SPECIES, SoapSettings, _dscribe_soap
from ariseml.errors import InputError
from ariseml.parallel import progress_map, worker_state

LOCAL_NEIGHBOURS = 32
"""How many nearby α atoms the local d_NN is the median over."""
SCALE_STEP = 0.005
"""Local d_NN values are rounded to this relative step (0.5 %)."""
CENTRES_PER_CALL = 4000


def local_distances(positions_alpha: np.ndarray, positions_beta: np.ndarray, same_species: bool,
                    neighbours: int = LOCAL_NEIGHBOURS, largest: float = np.inf,
                    period: np.ndarray | None = None, workers: int = 1) -> np.ndarray:
    """Per α atom: the median over its ``neighbours`` nearest α atoms of their closest-β distance,
    at most ``largest`` (an α atom far from every β atom would otherwise get a huge environment).
    ``period``: the edges of an orthorhombic periodic cell holding all positions; ``workers``: threads of the
    neighbour searches."""
    if len(positions_beta) < (2 if same_species else 1):
        raise InputError("a species pair needs at least one neighbour atom")
    distance, _ = cKDTree(positions_beta, boxsize=period).query(positions_alpha, k=2 if same_species else 1,
                                                               workers=workers)
    closest = distance[:, 1] if same_species else distance
    count = min(neighbours, len(positions_alpha))
    if count == 1:
        return np.minimum(closest, largest)
    _, nearby = cKDTree(positions_alpha, boxsize=period).query(positions_alpha, k=count, workers=workers)
    return np.minimum(np.median(closest[nearby], axis=1), largest)


def rounded_scales(distances: np.ndarray, step: float = SCALE_STEP) -> np.ndarray:
    """Distances rounded to a geometric grid of relative spacing ``step``."""
    exponent = np.round(np.log(distances) / np.log1p(step))
    return np.exp(exponent * np.log1p(step))


def _describe_centres(job: tuple[np.ndarray, float]) -> tuple[np.ndarray, np.ndarray]:
    """Per-atom vectors of some α atoms (indices into the α list) that share one d_NN."""
    centre_index, d_nn = job
    state = worker_state()
    alpha, beta, settings = state["alpha"], state["beta"], state["settings"]
    scale = 1.0 / (settings.extrinsic_factor * d_nn)
    centres = alpha[centre_index]
    reach = settings.r_cut / scale
    low, high = centres.min(axis=0) - reach, centres.max(axis=0) + reach
    near = np.all((beta >= low) & (beta <= high), axis=1)
    neighbours = Atoms(symbols=[DUMMY_SPECIES] * int(near.sum()), positions=beta[near] * scale)
    vectors = _dscribe_soap(settings, False, per_atom=True).create(neighbours, centers=centres * scale)
    return centre_index, np.asarray(vectors, dtype=np.float32).reshape(len(centre_index), -1)


def per_atom_vectors(atoms: Atoms, alpha: str, beta: str, settings: SoapSettings,
                     jobs: int | None = None, progress: bool = False, largest_scale: float = np.inf
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(indices of the α atoms in ``atoms``, their per-atom vectors), each scaled by its local d_NN
    (at most ``largest_scale``)."""
    symbols = np.array(atoms.get_chemical_symbols())
    alpha_index = np.flatnonzero(symbols == alpha)
    alpha_positions = atoms.positions[alpha_index]
    beta_positions = atoms.positions[symbols == beta]
    scales = rounded_scales(local_distances(alpha_positions, beta_positions, alpha == beta,
                                            largest=largest_scale))
    work = list(_jobs(alpha_positions, scales))
    vectors = np.zeros((len(alpha_index), settings.n_features), dtype=np.float32)
    for centre_index, block in progress_map(_describe_centres, work, jobs, progress,
                                            desc=f"per-atom SOAP {alpha}-{beta}", ordered=False, unit="block",
                                            state={"alpha": alpha_positions, "beta": beta_positions,
                                                   "settings": settings}):
        vectors[centre_index] = block
    return alpha_index, vectors


def _jobs(positions: np.ndarray, scales: np.ndarray) -> Iterator[tuple[np.ndarray, float]]:
    """Spatially compact groups of at most CENTRES_PER_CALL atoms sharing a scale."""
    low, high = positions.min(axis=0), positions.max(axis=0)
    volume_per_atom = float(np.prod(np.maximum(high - low, 1.0))) / len(positions)
    edge = (volume_per_atom * CENTRES_PER_CALL) ** (1 / 3)
    cells = np.floor((positions - low) / edge).astype(np.int64)
    order = np.lexsort(cells.T[::-1])  # cell by cell: each group is a compact block of the sample
    for scale in np.unique(scales):
        members = order[scales[order] == scale]
        for start in range(0, len(members), CENTRES_PER_CALL):
            yield members[start:start + CENTRES_PER_CALL], float(scale)
