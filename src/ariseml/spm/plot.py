"""Maps of a scan's result."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ariseml.spm.grid import AXES


def image_span(centres: np.ndarray, box_edge: float) -> tuple[float, float]:
    """The first and last box centre along a map's axis; a single box (a rod across it): the box's faces."""
    if len(centres) == 1:
        return float(centres[0]) - box_edge / 2, float(centres[0]) + box_edge / 2
    return float(centres.min()), float(centres.max())


INFORMATION_MAX = math.log(2)
"""Top of the mutual-information colour scale (nats), the same for every map so that maps compare: ln 2 is the
information of passes split evenly between two answers each given with certainty; higher values show as the top
colour."""


def _plane(dataset: Any, plane_axis: str, position: float | None) -> Any:
    """The plane of boxes at ``position`` along ``plane_axis`` (nearest), by default the middle one."""
    if position is None:
        return dataset.isel({plane_axis: dataset.sizes[plane_axis] // 2})
    return dataset.sel({plane_axis: position}, method="nearest")


def plot_plane(dataset: Any, quantity: str, plane_axis: str = "z", position: float | None = None, ax: Any = None,
               unit: str = "Å", information_max: float = INFORMATION_MAX) -> Any:
    """One map of a scan's result in one plane, on ``ax`` (new axes by default), returned: the probability of
    the class ``quantity`` (0 to 1), or ``"mutual_information"`` (0 to ``information_max`` nats). Axes in
    ``unit``, the sample's length unit."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(3.6, 3.4))
    chosen = _plane(dataset, plane_axis, position)
    horizontal, vertical = [a for a in AXES if a != plane_axis][:2]
    if quantity == "mutual_information":
        values, colours, limits = chosen["mutual_information"], "hot", (0, information_max)
        title = "mutual information (nats)"
    else:
        values, colours, limits = chosen["probabilities"].sel({"class": quantity}), "viridis", (0, 1)
        title = f"P({quantity})"
    extent = [limit for name in (horizontal, vertical)
              for limit in image_span(chosen[name].values, dataset.attrs["box_edges"][AXES.index(name)])]
    shown = ax.imshow(values.transpose(vertical, horizontal).values, origin="lower", extent=extent, cmap=colours,
                      vmin=limits[0], vmax=limits[1])
    ax.set_title(title, fontsize=9)
    ax.set_xlabel(f"{horizontal} ({unit})")
    ax.set_ylabel(f"{vertical} ({unit})")
    ax.figure.colorbar(shown, ax=ax, fraction=0.046, extend="max" if quantity == "mutual_information" else "neither")
    return ax


def plot_maps(dataset: Any, path: Path, classes: Sequence[str], plane_axis: str = "z",
              position: float | None = None, unit: str = "Å", information_max: float = INFORMATION_MAX) -> None:
    """Probability maps of ``classes`` and the mutual-information map in one plane, side by side (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ariseml.io import save_png  # ASE's file formats: loaded when a map is written, not with the constant

    quantities = [*classes, "mutual_information"]
    figure, axes = plt.subplots(1, len(quantities), figsize=(3.6 * len(quantities), 3.4), squeeze=False)
    for ax, quantity in zip(axes[0], quantities):
        plot_plane(dataset, quantity, plane_axis, position, ax, unit, information_max)
    where = float(_plane(dataset, plane_axis, position)[plane_axis])
    figure.suptitle(f"{plane_axis} = {where:.2f} {unit}", fontsize=10)
    figure.tight_layout()
    save_png(figure, path, dpi=130)
