"""Clusters (HDBSCAN), a 2-D embedding (UMAP), similarities and per-box species distances."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from ase import Atoms

from ariseml.errors import InputError


SOFT_THRESHOLD = 0.1
"""With soft clustering a point joins its most probable cluster unless every membership is below this."""


def cluster(vectors: np.ndarray, min_cluster_size: int, soft: bool = False,
            threshold: float = SOFT_THRESHOLD) -> np.ndarray:
    """HDBSCAN labels (-1: outlier). ``soft``: outliers join their most probable cluster unless all
    membership probabilities are below ``threshold``."""
    import hdbscan

    if len(vectors) < 2:
        raise InputError("clustering needs at least two points")
    size = max(2, min(min_cluster_size, len(vectors)))
    clusterer = hdbscan.HDBSCAN(min_cluster_size=size, prediction_data=soft).fit(vectors)
    labels = clusterer.labels_.copy()
    if soft and labels.max() >= 0:
        membership = np.atleast_2d(hdbscan.all_points_membership_vectors(clusterer))
        if membership.shape[0] != len(vectors):  # a single cluster comes back as a flat vector
            membership = membership.reshape(len(vectors), -1)
        best = membership.argmax(axis=1)
        confident = membership.max(axis=1) >= threshold
        labels = np.where(confident, best, -1)
    return labels


def sweep(vectors: np.ndarray, sizes: Sequence[int]) -> list[dict[str, int]]:
    """Clusters and outliers for each min-cluster-size (Methods: test small, middle and large values)."""
    rows = []
    for size in sizes:
        labels = cluster(vectors, size)
        rows.append({"min_cluster_size": int(size), "clusters": int(labels.max() + 1),
                     "outliers": int(np.sum(labels < 0))})
    return rows


def embed(vectors: np.ndarray, n_neighbors: int = 15, min_dist: float = 0.1, seed: int = 0) -> np.ndarray:
    """UMAP 2-D coordinates of the vectors."""
    import umap

    neighbours = max(2, min(n_neighbors, len(vectors) - 1))
    return umap.UMAP(n_neighbors=neighbours, min_dist=min_dist, random_state=seed, n_jobs=1).fit_transform(vectors)


def cosine_similarity(vectors: np.ndarray) -> np.ndarray:
    """The matrix of cosine similarities between the rows (Fig. 3d)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.where(norms > 0, norms, 1.0)
    return unit @ unit.T


def species_distances(atoms: Atoms, centres: np.ndarray, box_edges: Sequence[float],
                      species: tuple[str, str]) -> np.ndarray:
    """Per box, (d_AA, d_BB): the d_NN of each species' own substructure among the box's atoms (Fig. 4b)."""
    from ariseml.spm import atoms_in_box, box_search_tree
    from ariseml.structure import nearest_neighbour_distance

    tree = box_search_tree(atoms.positions, box_edges)
    result = np.full((len(centres), 2), np.nan)
    for row, centre in enumerate(centres):
        region = atoms[atoms_in_box(tree, centre, box_edges)]
        region.pbc = False
        for column, element in enumerate(species):
            try:
                result[row, column] = nearest_neighbour_distance(region, element, element)
            except ValueError:
                continue
    return result
