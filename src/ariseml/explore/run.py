"""An exploration from points to files: clusters, a 2-D map, figures and a summary in one folder."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms

from ariseml.errors import InputError
from ariseml.explore import analysis, figures, files
from ariseml.explore.points import Representations


@dataclass(frozen=True)
class ExploreSettings:
    """How points are clustered (HDBSCAN) and mapped (UMAP); ``sweep``: more cluster sizes to report."""

    min_cluster_size: int = 25
    soft: bool = False
    neighbors: int = 15
    min_dist: float = 0.1
    sweep: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.min_cluster_size < 2 or any(size < 2 for size in self.sweep):
            raise InputError("cluster sizes start at 2: raise `min_cluster_size` (and each `sweep` size)",
                             "min_cluster_size", "sweep")
        if self.neighbors < 2:
            raise InputError(f"UMAP needs at least 2 `neighbors`, got {self.neighbors}", "neighbors")
        if not (math.isfinite(self.min_dist) and 0 <= self.min_dist <= 1):
            raise InputError(f"`min_dist` must lie in [0, 1], got {self.min_dist}", "min_dist")


def check_folder(out: Path) -> None:
    """Refuse a folder that holds files but no earlier exploration (``summary.json``): none of them is
    overwritten."""
    if out.is_dir() and any(out.iterdir()) and not (out / "summary.json").is_file():
        raise InputError(f"{out} is not empty and holds no earlier exploration (summary.json): choose another "
                         "`out`, so that none of its files is overwritten", "out")


def explore(points: Representations, out: Path, settings: ExploreSettings = ExploreSettings(),
            species: tuple[str, str] | None = None, sample: Atoms | None = None, unit: str = "Å"
            ) -> tuple[dict[str, Any], list[Path]]:
    """Cluster and map ``points`` and write the figures and arrays into ``out``: the summary (also
    ``summary.json``) and the files written.

    Points from a scan get a cluster map on its grid (axes in ``unit``); structures get their cosine
    similarities. ``species`` (A, B) with the scanned ``sample``: per box d_AA and d_BB and their
    histogram per cluster.
    """
    if len(points.vectors) < 3:
        raise InputError(f"{len(points.vectors)} points to explore: need at least 3")
    if species is not None and (sample is None or points.positions is None):
        raise InputError("species distances need the points of a scan and the scanned sample (its atoms.xyz)")
    check_folder(out)
    out.mkdir(parents=True, exist_ok=True)
    labels = analysis.cluster(points.vectors, settings.min_cluster_size, settings.soft)
    embedding = analysis.embed(points.vectors, settings.neighbors, settings.min_dist)
    extra, written = {}, []
    if species is not None:
        extra["species_distances"] = analysis.species_distances(sample, points.positions, points.extra["box_edges"],
                                                                species)
        figures.plot_distance_histograms(out / "delta_d.png", extra["species_distances"], labels, species)
        written.append(out / "delta_d.png")
    written.append(files.write_arrays(out, points, labels, embedding, extra))
    figures.plot_embedding(out / "embedding.png", points, labels, embedding)
    figures.write_html(out / "embedding.html", points, labels, embedding)
    written += [out / "embedding.png", out / "embedding.html"]
    if points.grid_index is not None:
        figures.plot_cluster_map(out / "cluster_map.png", points, labels, unit)
        written.append(out / "cluster_map.png")
    else:
        similarity = analysis.cosine_similarity(points.vectors)
        files.write_similarity(out / "similarity.npy", similarity)
        figures.plot_similarity(out / "similarity.png", similarity, points.labels)
        written += [out / "similarity.npy", out / "similarity.png"]
    summary = {"points": len(labels), "layer": points.extra.get("layer"),
               "before_relu": points.extra.get("before_relu"), "clusters": int(labels.max() + 1),
               "outliers": int(np.sum(labels < 0)),
               **asdict(settings), "sweep": analysis.sweep(points.vectors, settings.sweep) if settings.sweep else []}
    files.write_json(out / "summary.json", summary)
    return summary, [*written, out / "summary.json"]
