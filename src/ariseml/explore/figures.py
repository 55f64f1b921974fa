"""Figures of an exploration; every one colours a cluster alike."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ariseml.explore.points import Representations
from ariseml.io import atomic_path, save_png


OUTLIER_COLOUR = "#d3d3d3"
"""Light grey: HDBSCAN's outliers (label -1) in every figure."""


def cluster_colours(labels: np.ndarray) -> dict[int, str]:
    """One colour per cluster label, the same in every figure of an exploration: matplotlib's tab20 in the
    clusters' order (cycled beyond 20 clusters), ``OUTLIER_COLOUR`` for the outliers."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    palette = colormaps["tab20"].colors
    return {int(k): OUTLIER_COLOUR if k < 0 else to_hex(palette[int(k) % len(palette)]) for k in sorted(set(labels))}


def _cluster_name(label: int) -> str:
    return "outliers" if label < 0 else f"cluster {label}"


def plot_embedding(path: Path, representations: Representations, labels: np.ndarray, embedding: np.ndarray) -> None:
    """Three panels as Fig. 2e-g: coloured by cluster, by predicted class, by mutual information."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    scatter = dict(s=6, linewidths=0)
    for value, colour in cluster_colours(labels).items():
        axes[0].scatter(*embedding[labels == value].T, label=_cluster_name(value), color=colour, **scatter)
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


def plot_cluster_map(path: Path, representations: Representations, labels: np.ndarray, unit: str = "Å") -> None:
    """The clusters drawn back onto the scan's grid (Fig. 2d), in the colours of the other figures: the middle z
    plane, or the only one; axes in ``unit``, the sample's length unit; empty boxes white."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    from ariseml.spm.plot import image_span

    colours = cluster_colours(labels)
    order = {label: rank for rank, label in enumerate(colours)}
    shape = representations.extra["grid_shape"]
    image = np.full(shape, np.nan)
    z, y, x = representations.grid_index.T
    image[z, y, x] = [order[int(k)] for k in labels]
    plane = shape[0] // 2
    (x_centres, y_centres, z_centres), edges = representations.extra["centres"], representations.extra["box_edges"]
    extent = [*image_span(x_centres, edges[0]), *image_span(y_centres, edges[1])]
    figure, axis = plt.subplots(figsize=(5.6, 4.5))
    axis.imshow(image[plane], origin="lower", extent=extent, cmap=ListedColormap(list(colours.values())),
                vmin=-0.5, vmax=len(colours) - 0.5, interpolation="nearest")
    axis.legend(handles=[Patch(color=c, label=_cluster_name(k)) for k, c in colours.items()], fontsize=7,
                loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    axis.set_title(f"clusters on the scan's grid (z = {z_centres[plane]:.2f} {unit})", fontsize=10)
    axis.set_xlabel(f"x ({unit})")
    axis.set_ylabel(f"y ({unit})")
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
    colours = cluster_colours(labels)
    figure = go.Figure(go.Scattergl(x=embedding[:, 0], y=embedding[:, 1], mode="markers", text=hover,
                                    hoverinfo="text", marker=dict(color=[colours[int(k)] for k in labels], size=5)))
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
    for value, colour in cluster_colours(labels).items():
        chosen = (labels == value) & np.isfinite(difference)
        if chosen.any():
            axis.hist(difference[chosen], bins=30, histtype="step", color=colour, label=_cluster_name(value))
    axis.set_xlabel(f"d_{pair[0]}{pair[0]} - d_{pair[1]}{pair[1]}")
    axis.set_ylabel("boxes")
    axis.legend(fontsize=7)
    figure.tight_layout()
    save_png(figure, path)
