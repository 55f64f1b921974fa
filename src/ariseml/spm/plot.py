"""Maps of a scan's result."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ariseml.io import save_png
from ariseml.spm.grid import AXES


def _image_span(centres: np.ndarray, box_edge: float) -> tuple[float, float]:
    """The first and last box centre along a map's axis; a single box (a rod across it): the box's faces."""
    if len(centres) == 1:
        return float(centres[0]) - box_edge / 2, float(centres[0]) + box_edge / 2
    return float(centres.min()), float(centres.max())


def plot_maps(dataset: Any, path: Path, classes: Sequence[str], plane_axis: str = "z",
              position: float | None = None) -> None:
    """Probability maps of ``classes`` and the mutual-information map in one plane (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if position is None:
        chosen = dataset.isel({plane_axis: dataset.sizes[plane_axis] // 2})
    else:
        chosen = dataset.sel({plane_axis: position}, method="nearest")
    horizontal, vertical = [a for a in AXES if a != plane_axis][:2]
    panels = [(f"P({c})", chosen["probabilities"].sel({"class": c}), "viridis", (0, 1)) for c in classes]
    panels.append(("mutual information (nats)", chosen["mutual_information"], "hot", None))
    figure, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels), 3.4), squeeze=False)
    extent = [limit for name in (horizontal, vertical)
              for limit in _image_span(chosen[name].values, dataset.attrs["box_edges"][AXES.index(name)])]
    for axis, (title, values, colours, limits) in zip(axes[0], panels):
        image = values.transpose(vertical, horizontal).values
        shown = axis.imshow(image, origin="lower", extent=extent, cmap=colours,
                            vmin=None if limits is None else limits[0], vmax=None if limits is None else limits[1])
        axis.set_title(title, fontsize=9)
        axis.set_xlabel(horizontal)
        axis.set_ylabel(vertical)
        figure.colorbar(shown, ax=axis, fraction=0.046)
    where = float(chosen[plane_axis])
    figure.suptitle(f"{plane_axis} = {where:.2f}", fontsize=10)
    figure.tight_layout()
    save_png(figure, path, dpi=130)
