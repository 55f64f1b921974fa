"""Unsupervised exploration of the network's hidden layers (ARISE Fig. 2d-g, 3d, 4b-c).

Representations are a hidden layer's activations averaged over the Monte-Carlo
passes, for structures or for the boxes of an SPM run (``arise spm --hidden-layer K``).
They are clustered with HDBSCAN (the ``hdbscan`` package, as in the paper, since its
soft clustering is what Fig. 4c uses), embedded in 2-D with UMAP, and compared
by cosine similarity.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms

from ariseml.errors import InputError
from ariseml.io import atomic_path, save_png

SOFT_THRESHOLD = 0.1
"""With soft clustering a point joins its most probable cluster unless every membership is below this."""


@dataclass
class Representations:
    """Hidden-layer vectors and what is known about each point."""

    vectors: np.ndarray  # (n, width)
    labels: list[str]  # point names: a file and frame, or a box's indices
    predicted: list[str]  # most probable class
    probability: np.ndarray  # (n,) its probability
    mutual_information: np.ndarray  # (n,)
    positions: np.ndarray | None = None  # (n, 3) box centres, for SPM inputs
    grid_index: np.ndarray | None = None  # (n, 3) z, y, x indices, for SPM inputs
    extra: dict[str, Any] = field(default_factory=dict)

    def subset(self, keep: np.ndarray) -> Representations:
        """The points where ``keep`` (a boolean mask) is true."""
        rows = np.flatnonzero(keep)
        return Representations(
            self.vectors[rows], [self.labels[i] for i in rows], [self.predicted[i] for i in rows],
            self.probability[rows], self.mutual_information[rows],
            None if self.positions is None else self.positions[rows],
            None if self.grid_index is None else self.grid_index[rows], self.extra)


def from_spm(folder: Path, layer: int, before_relu: bool = False) -> Representations:
    """The boxes of an ``arise spm`` output folder that were classified, with hidden layer ``layer``
    after its ReLU, or before it."""
    from ariseml.spm import BEFORE_RELU, read_result

    path = Path(folder) / "spm.nc"
    if not path.exists():
        raise InputError(f"{folder} holds no spm.nc: give the --out folder of 'arise spm'")
    dataset = read_result(path)
    name = f"hidden_{layer}{BEFORE_RELU if before_relu else ''}"
    if name not in dataset:
        kept = sorted(v for v in dataset.data_vars if v.startswith("hidden_"))
        raise InputError(f"{path} has no {name} (it has: {', '.join(kept) or 'none'}); "
                         f"rerun 'arise spm' with --hidden-layer {layer} into a new folder")
    argmax = dataset["argmax_class"].values
    valid = argmax >= 0
    z, y, x = np.nonzero(valid)
    classes = dataset["class"].values.astype(str)
    probabilities = dataset["probabilities"].values  # (class, z, y, x)
    chosen = argmax[valid]
    return Representations(
        vectors=dataset[name].values[valid].astype(np.float64),
        labels=[f"box z{i} y{j} x{k}" for i, j, k in zip(z, y, x)],
        predicted=list(classes[chosen]),
        probability=probabilities[chosen, z, y, x],
        mutual_information=dataset["mutual_information"].values[valid],
        positions=np.stack([dataset["x"].values[x], dataset["y"].values[y], dataset["z"].values[z]], axis=1),
        grid_index=np.stack([z, y, x], axis=1),
        extra={"grid_shape": argmax.shape, "box_edges": dataset.attrs["box_edges"]},
    )


def from_structures(structures: Sequence[Atoms], names: Sequence[str], classifier: Any, layer: int,
                    before_relu: bool = False) -> Representations:
    """Hidden layer ``layer`` of each structure (after its ReLU, or before), from the Monte-Carlo passes."""
    results = classifier.classify(list(structures), top=1, keep_hidden=True)
    return Representations(
        vectors=np.stack([(r.hidden_before_relu if before_relu else r.hidden)[layer - 1]
                          for r in results]).astype(np.float64),
        labels=list(names), predicted=[r.top_ids[0] for r in results],
        probability=np.array([r.top_probabilities[0] for r in results]),
        mutual_information=np.array([r.mutual_information for r in results]),
    )


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


def write_arrays(out: Path, representations: Representations, labels: np.ndarray, embedding: np.ndarray,
                 extra: dict[str, np.ndarray] | None = None) -> Path:
    """explore.npz: cluster labels, 2-D embedding and the per-point facts, in the points' order."""
    path = out / "explore.npz"
    with atomic_path(path) as temporary, open(temporary, "wb") as handle:
        np.savez(handle, labels=labels, embedding=embedding, names=np.array(representations.labels),
                 predicted=np.array(representations.predicted), probability=representations.probability,
                 mutual_information=representations.mutual_information,
                 **({} if representations.grid_index is None else {"grid_index": representations.grid_index}),
                 **(extra or {}))
    return path


def plot_embedding(path: Path, representations: Representations, labels: np.ndarray, embedding: np.ndarray) -> None:
    """Three panels as Fig. 2e-g: coloured by cluster, by predicted class, by mutual information."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    scatter = dict(s=6, linewidths=0)
    for value in sorted(set(labels)):
        chosen = labels == value
        axes[0].scatter(*embedding[chosen].T, label="outlier" if value < 0 else f"cluster {value}",
                        color="lightgrey" if value < 0 else None, **scatter)
    axes[0].legend(fontsize=7, markerscale=2)
    predicted = np.array(representations.predicted)
    for name in sorted(set(predicted), key=lambda c: -np.sum(predicted == c))[:10]:
        axes[1].scatter(*embedding[predicted == name].T, label=name, **scatter)
    axes[1].legend(fontsize=7, markerscale=2)
    shown = axes[2].scatter(*embedding.T, c=representations.mutual_information, cmap="hot", **scatter)
    figure.colorbar(shown, ax=axes[2], label="mutual information (nats)")
    for axis, title in zip(axes, ("HDBSCAN clusters", "most probable class (10 most frequent)",
                                  "mutual information")):
        axis.set_title(title, fontsize=10)
        axis.set_xticks([])
        axis.set_yticks([])
    figure.tight_layout()
    save_png(figure, path)


def plot_cluster_map(path: Path, representations: Representations, labels: np.ndarray) -> None:
    """The clusters drawn back onto the SPM grid (Fig. 2d): the middle z plane, or the only one."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shape = representations.extra["grid_shape"]
    image = np.full(shape, np.nan)
    z, y, x = representations.grid_index.T
    image[z, y, x] = labels
    plane = shape[0] // 2
    figure, axis = plt.subplots(figsize=(5, 4.5))
    shown = axis.imshow(image[plane], origin="lower", cmap="tab10", interpolation="nearest")
    figure.colorbar(shown, ax=axis, label="cluster (-1: outlier)")
    axis.set_title(f"clusters on the SPM grid (z index {plane})", fontsize=10)
    axis.set_xlabel("x index")
    axis.set_ylabel("y index")
    figure.tight_layout()
    save_png(figure, path)


def plot_similarity(path: Path, similarity: np.ndarray, names: Sequence[str]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(0.4 * len(names) + 3, 0.4 * len(names) + 2.5))
    shown = axis.imshow(similarity, cmap="viridis", vmin=min(0.0, similarity.min()), vmax=1.0)
    axis.set_xticks(range(len(names)), names, rotation=90, fontsize=7)
    axis.set_yticks(range(len(names)), names, fontsize=7)
    figure.colorbar(shown, ax=axis, label="cosine similarity")
    figure.tight_layout()
    save_png(figure, path)


def write_html(path: Path, representations: Representations, labels: np.ndarray, embedding: np.ndarray) -> None:
    """An interactive 2-D map: hovering a point shows its name, class, probability and mutual information."""
    import plotly.graph_objects as go

    hover = [f"{n}<br>class {c} ({100 * p:.1f} %)<br>mutual information {mi:.3f}<br>cluster {k}"
             for n, c, p, mi, k in zip(representations.labels, representations.predicted,
                                       representations.probability, representations.mutual_information, labels)]
    figure = go.Figure(go.Scattergl(x=embedding[:, 0], y=embedding[:, 1], mode="markers", text=hover,
                                    hoverinfo="text", marker=dict(color=labels, colorscale="Turbo", size=5)))
    figure.update_layout(title="UMAP of hidden-layer representations (colour: HDBSCAN cluster)",
                         xaxis=dict(showticklabels=False), yaxis=dict(showticklabels=False))
    with atomic_path(path) as temporary:
        figure.write_html(temporary, include_plotlyjs=True)


def plot_distance_histograms(path: Path, distances: np.ndarray, labels: np.ndarray, pair: tuple[str, str]) -> None:
    """Histogram of d_AA - d_BB for each cluster (Fig. 4b, right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    difference = distances[:, 0] - distances[:, 1]
    figure, axis = plt.subplots(figsize=(5, 3.5))
    for value in sorted(set(labels)):
        chosen = (labels == value) & np.isfinite(difference)
        if chosen.any():
            axis.hist(difference[chosen], bins=30, histtype="step",
                      label="outliers" if value < 0 else f"cluster {value}")
    axis.set_xlabel(f"d_{pair[0]}{pair[0]} - d_{pair[1]}{pair[1]}")
    axis.set_ylabel("boxes")
    axis.legend(fontsize=7)
    figure.tight_layout()
    save_png(figure, path)


def write_similarity(path: Path, similarity: np.ndarray) -> None:
    """The cosine-similarity matrix as ``.npy``, written atomically."""
    with atomic_path(path) as temporary, open(temporary, "wb") as handle:
        np.save(handle, similarity)


def write_json(path: Path, record: dict[str, Any]) -> None:
    with atomic_path(path) as temporary:
        Path(temporary).write_text(json.dumps(record, indent=1))
