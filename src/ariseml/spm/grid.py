"""Settings of a scan and its grid of boxes."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from ase import Atoms

from ariseml.errors import InputError


AXES = "xyz"


DEFAULT_MIN_ATOMS = 10
"""Boxes with fewer atoms are marked empty: their descriptor would describe a surface, not a crystal."""


DEFAULT_MINORITY = 0.05
"""A species under this share of a box's (or an atom's sphere's) atoms is left out of its descriptor
(``benchmarks/solutes.py``: with 0, as for whole structures, 1 % of W atoms in fcc Cu leaves 1 % of the atoms fcc;
with 0.05 Cu, W and Mg hosts with 1-3 % solutes stay right on 97-100 % of the atoms and compounds keep their minority
species; 0.1 also takes 8 % solutes but costs the cubic perovskite 13 % of its atoms)."""


FLAT_TOLERANCE = 1e-6
"""A sample whose z coordinates all agree to this (in its unit) is 2D: a microscopy image."""


@dataclass(frozen=True)
class SpmSettings:
    """How the sample is scanned. Lengths in the sample's unit (Å, or pixels for images)."""

    box: float = 16.0
    stride: tuple[float, float, float] = (2.0, 2.0, 2.0)
    geometry: Literal["cube", "slab", "rod"] = "cube"
    axis: int = 2  # slab normal or rod axis
    min_atoms: int = DEFAULT_MIN_ATOMS
    minority: float = DEFAULT_MINORITY  # species under this share of a box's atoms are left out of it
    mode: Literal["exact", "fast"] = "exact"
    hidden_layers: tuple[int, ...] = ()  # hidden layers (1-based) whose activations are kept per box
    chunk_boxes: int = 256

    def __post_init__(self) -> None:
        if any(k not in (1, 2, 3) for k in self.hidden_layers):
            raise InputError(f"hidden layers are numbered 1 to 3, got {self.hidden_layers}")
        lengths = (self.box, *self.stride)
        if len(self.stride) != 3 or not all(math.isfinite(v) and v > 0 for v in lengths):
            raise InputError(f"box and stride must be finite positive lengths (stride: one per axis), "
                             f"got box {self.box}, stride {self.stride}")
        if self.geometry not in ("cube", "slab", "rod"):
            raise InputError(f"geometry must be cube, slab or rod, got {self.geometry!r}")
        if self.axis not in (0, 1, 2):
            raise InputError(f"axis must be 0, 1 or 2 (x, y, z), got {self.axis}")
        if self.min_atoms < 2:
            raise InputError(f"min_atoms must be at least 2, got {self.min_atoms}")
        if not 0 <= self.minority < 0.5:
            raise InputError(f"the minority share is in [0, 0.5), got {self.minority}")
        if self.mode not in ("exact", "fast"):
            raise InputError(f"mode must be exact or fast, got {self.mode!r}")
        if self.chunk_boxes < 1:
            raise InputError(f"chunk_boxes must be at least 1, got {self.chunk_boxes}")

    def strided_axes(self) -> list[int]:
        if self.geometry == "cube":
            return [0, 1, 2]
        if self.geometry == "slab":
            return [a for a in range(3) if a != self.axis]
        return [self.axis]


@dataclass(frozen=True)
class Grid:
    """Box centres (one coordinate array per axis) and each axis's box edge."""

    centres: tuple[np.ndarray, np.ndarray, np.ndarray]  # x, y, z
    box_edges: tuple[float, float, float]

    @property
    def shape(self) -> tuple[int, int, int]:
        """(nz, ny, nx), the order of the maps."""
        return len(self.centres[2]), len(self.centres[1]), len(self.centres[0])

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    def box_centre(self, flat_index: int | np.ndarray) -> np.ndarray:
        """The centre (x, y, z) of a box; for an array of boxes, their centres (n, 3)."""
        z, y, x = np.unravel_index(flat_index, self.shape)
        return np.stack([self.centres[0][x], self.centres[1][y], self.centres[2][z]], axis=-1)


def is_flat(atoms: Atoms) -> bool:
    """All atoms in one plane z = constant (positions from an image)."""
    return bool(np.ptp(atoms.positions[:, 2]) <= FLAT_TOLERANCE)


def effective_settings(atoms: Atoms, settings: SpmSettings) -> SpmSettings:
    """A 2D sample is always scanned as a slab with normal z."""
    if is_flat(atoms) and (settings.geometry != "slab" or settings.axis != 2):
        return replace(settings, geometry="slab", axis=2)
    return settings


def make_grid(atoms: Atoms, settings: SpmSettings) -> Grid:
    """Box centres from the first position where a box fits in the sample to the last."""
    low, high = atoms.positions.min(axis=0), atoms.positions.max(axis=0)
    centres, edges = [], []
    for axis in range(3):
        extent = high[axis] - low[axis]
        if axis in settings.strided_axes() and extent > settings.box:
            count = int(np.floor((extent - settings.box) / settings.stride[axis] + 1e-9)) + 1
            first = low[axis] + settings.box / 2
            centres.append(first + settings.stride[axis] * np.arange(count))
            edges.append(settings.box)
        elif axis in settings.strided_axes():  # the sample is thinner than one box along this axis
            centres.append(np.array([(low[axis] + high[axis]) / 2]))
            edges.append(settings.box)
        else:  # the box spans the sample along this axis
            centres.append(np.array([(low[axis] + high[axis]) / 2]))
            edges.append(max(extent, FLAT_TOLERANCE) * (1 + 1e-6) + 2 * FLAT_TOLERANCE)
    return Grid(tuple(centres), tuple(edges))


def check_box_fits(atoms: Atoms, settings: SpmSettings) -> None:
    """Refuse a box larger than the sample along an axis it slides along: nothing there to map."""
    extent = np.ptp(atoms.positions, axis=0)
    for axis in settings.strided_axes():
        if settings.box > extent[axis]:
            sizes = " x ".join(f"{v:.4g}" for v in extent)
            raise InputError(f"the box ({settings.box:g}) is larger than the sample along {AXES[axis]} (its atoms "
                             f"span {sizes} along x, y, z): use a smaller `box`"
                             + (" (or a slab or rod geometry, for a thin sample)" if settings.geometry == "cube"
                                else ""), "box")
