"""Fast mode's voxel grid: voxels that divide box and stride, and sums over every box of values per voxel."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ase import Atoms

from ariseml.errors import InputError
from ariseml.spm.grid import Grid, SpmSettings


@dataclass(frozen=True)
class VoxelLayout:
    """The voxel grid of fast mode, each as (z, y, x): its shape, a box's size and the step between boxes
    in voxels."""

    shape: tuple[int, int, int]
    box: tuple[int, int, int]
    step: tuple[int, int, int]

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))


MAX_VOXELS_PER_STRIDE = 64
"""Voxels are the largest common divisor of box and stride, at least a 64th of the stride."""


def _voxel_width(box: float, stride: float) -> tuple[float, int, int]:
    """(voxel width, voxels per box, voxels per stride): the widest voxel of which both are whole multiples."""
    for per_stride in range(1, MAX_VOXELS_PER_STRIDE + 1):
        width = stride / per_stride
        ratio = box / width
        if abs(ratio - round(ratio)) <= 1e-6 * max(ratio, 1.0):
            return width, int(round(ratio)), per_stride
    raise InputError(f"fast mode needs box and stride with a common divisor of at least stride / "
                     f"{MAX_VOXELS_PER_STRIDE} (box {box}, stride {stride}): round `box` or `stride`, or use "
                     "`mode` exact", "box", "stride", "mode")


def atom_voxels(atoms: Atoms, grid: Grid, settings: SpmSettings) -> tuple[np.ndarray, VoxelLayout]:
    """Per atom its voxel (flat index, -1 outside every box) and the voxel layout.

    Voxels divide both the box and the stride (box 16 Å, stride 4 Å: 4 Å; stride 3 Å: 1 Å),
    so that every box is a whole block of voxels.
    """
    shape, box_voxels, step_voxels, index = [], [], [], []
    for axis in range(3):
        count = len(grid.centres[axis])
        if count > 1:
            width, size, step = _voxel_width(grid.box_edges[axis], settings.stride[axis])
        else:
            width, size, step = grid.box_edges[axis], 1, 1
        voxels = (count - 1) * step + size
        origin = grid.centres[axis][0] - grid.box_edges[axis] / 2
        index.append(np.floor((atoms.positions[:, axis] - origin) / width + 1e-9).astype(np.int64))
        shape.append(voxels)
        box_voxels.append(size)
        step_voxels.append(step)
    x, y, z = index
    inside = (x >= 0) & (x < shape[0]) & (y >= 0) & (y < shape[1]) & (z >= 0) & (z < shape[2])
    flat = np.where(inside, (z * shape[1] + y) * shape[0] + x, -1)
    return flat, VoxelLayout(tuple(shape[::-1]), tuple(box_voxels[::-1]), tuple(step_voxels[::-1]))


def _window_matrix(count: int, size: int, step: int, length: int, dtype: np.dtype) -> np.ndarray:
    """(count, length) 0/1 matrix whose row i sums voxels i·step to i·step + size - 1 of an axis."""
    voxel = np.arange(length)
    starts = step * np.arange(count)[:, None]
    return ((voxel >= starts) & (voxel < starts + size)).astype(dtype)


def box_sums(voxel_values: np.ndarray, grid_shape: tuple[int, int, int], layout: VoxelLayout) -> np.ndarray:
    """Sums over every box of values given per voxel, (vz, vy, vx, k) -> (nz * ny * nx, k), in their precision.

    A box sum is separable: window sums along z, then y, then x, each a product with a 0/1
    window matrix (no differences of large sums, so float32 loses nothing), the first and
    largest one a single matrix product.
    """
    (vz, vy, vx), k = voxel_values.shape[:3], int(np.prod(voxel_values.shape[3:], dtype=int))
    (nz, ny, nx), (mz, my, mx), (sz, sy, sx) = grid_shape, layout.box, layout.step
    dtype = voxel_values.dtype
    sums = _window_matrix(nz, mz, sz, vz, dtype) @ voxel_values.reshape(vz, vy * vx * k)
    sums = _window_matrix(ny, my, sy, vy, dtype) @ sums.reshape(nz, vy, vx * k)
    sums = _window_matrix(nx, mx, sx, vx, dtype) @ sums.reshape(nz * ny, vx, k)
    return sums.reshape(nz * ny * nx, *voxel_values.shape[3:])
