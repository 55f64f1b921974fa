"""Strided pattern matching (ARISE, "Polycrystal classification" and Methods).

A box is slid over the sample on a regular grid; the atoms inside each box are
classified by the Bayesian network, giving maps of the 108 class probabilities,
mutual information and predictive entropy.

Geometries: a cube (box ``box`` on every axis, strided on every axis), a slab
(strided in-plane, the box spanning the whole thickness along ``axis``; what a
2D input, z = 0, always is) and a rod (strided along ``axis`` only, the box
spanning the sample across it).

Mode ``exact`` is the paper's definition: each box's descriptor is computed
from the box's own atoms, with d_NN measured in that box. Mode ``fast`` computes
per-atom quantities once in the whole sample (each atom scaled by its local
d_NN) and pools them per box with window sums over a voxel grid whose voxels
divide box and stride: the SOAP expansion coefficients for the paper's inner averaging, per-atom power
spectra for outer averaging. Its boxes see their atoms' full environments (no
surface at the box faces), which is what separates it from exact mode.

Boxes that hold exactly the same atoms as an earlier box (common at strides
below the atomic spacing) are classified once and copied: a box's descriptor
depends only on its atoms and all boxes share the T dropout masks, so the maps
are those of classifying every box.

The run is split into chunks of boxes, each written to ``OUT/chunks/`` when it
finishes; a rerun of the same command skips the finished chunks. ``OUT/run.json``
records what the run was made with, and every chunk and per-atom file carries a key
of it, so files of different runs are never mixed; a corrupt file is recomputed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from itertools import chain
from pathlib import Path
from typing import Any, Literal

import numpy as np
from ase import Atoms
from scipy import sparse
from scipy.spatial import cKDTree
from tqdm import tqdm

from ariseml import __version__
from ariseml.classifier import Classifier
from ariseml.descriptors.soap import SoapSettings, arise_soap
from ariseml.errors import InputError
from ariseml.io import atomic_path, read_arrays, save_png
from ariseml.models.bayesian_mlp import hidden_widths
from ariseml.parallel import progress_map

AXES = "xyz"
DEFAULT_MIN_ATOMS = 10
"""Boxes with fewer atoms are marked empty: their descriptor would describe a surface, not a crystal."""
FLAT_TOLERANCE = 1e-6
"""A sample whose z coordinates all agree to this (in its unit) is 2D: a microscopy image."""
BEFORE_RELU = "_before_relu"
"""Suffix of a hidden layer's activations before its ReLU (``hidden_1_before_relu``); ``hidden_1`` is after."""
CHUNK_FORMAT = 4
"""Bumped when chunks hold other arrays or boxes (2: hidden layers before the ReLU too; 3: only the first of
boxes holding the same atoms; 4: each chunk and per-atom file carries its run's key), so older chunks are not
mixed in."""
RUN_KEY = "run"
"""The array, in each chunk and per-atom file, holding the key of the run that wrote it."""

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SpmSettings:
    """How the sample is scanned. Lengths in the sample's unit (Å, or pixels for images)."""

    box: float = 16.0
    stride: tuple[float, float, float] = (2.0, 2.0, 2.0)
    geometry: Literal["cube", "slab", "rod"] = "cube"
    axis: int = 2  # slab normal or rod axis
    min_atoms: int = DEFAULT_MIN_ATOMS
    mode: Literal["exact", "fast"] = "exact"
    settle: float | None = None  # stop Monte-Carlo passes early below this standard error
    hidden_layers: tuple[int, ...] = ()  # hidden layers (1-based) whose activations are kept per box
    chunk_boxes: int = 256

    def __post_init__(self) -> None:
        if any(k not in (1, 2, 3) for k in self.hidden_layers):
            raise InputError(f"hidden layers are numbered 1 to 3, got {self.hidden_layers}")
        lengths = (self.box, *self.stride)
        if len(self.stride) != 3 or not all(math.isfinite(v) and v > 0 for v in lengths):
            raise InputError(f"box and stride must be finite positive lengths (stride: one per axis), "
                             f"got box {self.box}, stride {self.stride}")
        if self.settle is not None and not (math.isfinite(self.settle) and self.settle > 0):
            raise InputError(f"settle must be a finite positive standard error, e.g. 0.01; got {self.settle}")
        if self.geometry not in ("cube", "slab", "rod"):
            raise InputError(f"geometry must be cube, slab or rod, got {self.geometry!r}")
        if self.axis not in (0, 1, 2):
            raise InputError(f"axis must be 0, 1 or 2 (x, y, z), got {self.axis}")
        if self.min_atoms < 2:
            raise InputError(f"min_atoms must be at least 2, got {self.min_atoms}")
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
                             f"span {sizes} along x, y, z): use a smaller --box"
                             + (", or --slab or --rod for a thin sample" if settings.geometry == "cube" else ""))


# The sample, its search tree and the grid, set in the parent before forking workers.
_SCAN: dict[str, Any] = {}


def box_search_tree(positions: np.ndarray, box_edges: Sequence[float]) -> cKDTree:
    """A search tree of the positions divided by the box edges: a box is then a unit cube."""
    return cKDTree(positions / np.asarray(box_edges))


def atoms_in_boxes(tree: cKDTree, centres: np.ndarray, box_edges: Sequence[float]) -> Sequence[list[int]]:
    """Per box around ``centres`` (n, 3), the indices of the atoms inside it, unsorted (``tree`` from
    :func:`box_search_tree`)."""
    return tree.query_ball_point(np.asarray(centres) / np.asarray(box_edges), r=0.5, p=np.inf)


def atoms_in_box(tree: cKDTree, centre: np.ndarray, box_edges: Sequence[float]) -> np.ndarray:
    """Indices of the atoms inside the box around ``centre``, sorted."""
    return np.array(sorted(atoms_in_boxes(tree, np.asarray(centre)[None], box_edges)[0]), dtype=int)


def describe_box(atoms: Atoms, tree: cKDTree, grid: Grid, settings: SpmSettings, soap: SoapSettings,
                 flat_index: int) -> tuple[int, np.ndarray | None]:
    """Exact mode: (atom count, descriptor of the box's own atoms, or None when empty or undefined)."""
    inside = atoms_in_box(tree, grid.box_centre(flat_index), grid.box_edges)
    if len(inside) < settings.min_atoms:
        return len(inside), None
    region = Atoms(numbers=atoms.numbers[inside], positions=atoms.positions[inside], pbc=False)
    try:
        return len(inside), arise_soap(region, soap)
    except ValueError:  # no atom has a neighbour of some pair: nothing to describe
        return len(inside), None


def _describe_box(flat_index: int) -> tuple[int, np.ndarray | None]:
    return describe_box(*(_SCAN[k] for k in ("atoms", "tree", "grid", "settings", "soap")), flat_index)


def _sample_sha256(atoms: Atoms) -> str:
    """A checksum of what a scan reads from the sample: species, positions, and the cell and its periodicity
    (fast mode's environments cross a periodic cell's faces)."""
    digest = hashlib.sha256()
    digest.update(atoms.numbers.tobytes())
    digest.update(np.ascontiguousarray(atoms.positions).tobytes())
    digest.update(np.ascontiguousarray(atoms.cell.array).tobytes())
    digest.update(atoms.pbc.tobytes())
    return digest.hexdigest()


def run_identity(atoms: Atoms, settings: SpmSettings, classifier: Classifier, samples: int,
                 seed: int) -> dict[str, Any]:
    """What a chunk on disk must have been made with to be reused."""
    return {"sample_sha256": _sample_sha256(atoms), "settings": asdict(settings),
            "model_sha256": classifier.metadata_.get("sha256", ""), "samples": samples, "seed": seed,
            "ariseml_version": __version__, "chunk_format": CHUNK_FORMAT}


def _record_key(record: dict[str, Any]) -> str:
    """A checksum of a JSON record (what a run's files depend on), stored in each of them."""
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


def _another_scan(out: Path) -> str:
    return (f"{out} holds a scan made with another sample, settings, model or ariseml version: "
            f"choose another --out, or delete the folder {out} to start again")


def _prepare_output(out: Path, identity: dict[str, Any]) -> Path:
    """The chunk folder of a scan into ``out``. A new or empty folder gets the run's record, ``run.json``;
    a folder holding this run is resumed; any other folder is refused, so nothing of the user's is
    overwritten and no other run's files are mixed in."""
    record = out / "run.json"
    if record.exists():
        try:
            stored = json.loads(record.read_text())
        except (OSError, ValueError):  # unreadable: not a record of this run either
            stored = None
        if stored != json.loads(json.dumps(identity)):
            raise InputError(_another_scan(out))
    elif out.exists() and any(out.iterdir()):
        raise InputError(f"{out} is not empty and holds no run.json of 'arise spm': choose another --out, "
                         "or delete its files")
    else:
        out.mkdir(parents=True, exist_ok=True)
        with atomic_path(record) as temporary:
            Path(temporary).write_text(json.dumps(identity, indent=1))
    chunks = out / "chunks"
    chunks.mkdir(exist_ok=True)
    return chunks


def _read_checked(path: Path, key: str) -> dict[str, np.ndarray] | None:
    """The arrays of a chunk or per-atom file (in ``OUT/chunks`` or ``OUT/per-atom``) written with ``key``.

    A corrupt file is removed after a warning and None returned: it is then recomputed. A file
    written by another run raises.
    """
    arrays = read_arrays(path)
    if arrays is None:
        _log.warning(f"{path} is corrupt (unreadable); it will be recomputed")
        path.unlink()
        return None
    if RUN_KEY not in arrays or str(arrays.pop(RUN_KEY)) != key:
        raise InputError(_another_scan(path.parent.parent))
    return arrays


def _save_checked(path: Path, key: str, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` with the run's ``key`` (read back with :func:`_read_checked`), atomically."""
    with atomic_path(path) as temporary, open(temporary, "wb") as handle:
        np.savez(handle, **{RUN_KEY: np.array(key)}, **arrays)


def _classify(indices: np.ndarray, counts: np.ndarray, features: np.ndarray, valid: np.ndarray,
              classifier: Classifier, settings: SpmSettings) -> dict[str, np.ndarray]:
    """Monte-Carlo predictions for the valid boxes of a chunk; NaN for the empty ones."""
    n_classes = len(classifier.classes_)
    probabilities = np.full((len(indices), n_classes), np.nan, dtype=np.float32)
    information = np.full(len(indices), np.nan, dtype=np.float32)
    entropy = np.full(len(indices), np.nan, dtype=np.float32)
    passes = np.zeros(len(indices), dtype=np.int32)
    widths = hidden_widths(classifier.model_)
    hidden = {f"hidden_{k}{suffix}": np.full((len(indices), widths[k - 1]), np.nan, dtype=np.float32)
              for k in settings.hidden_layers for suffix in ("", BEFORE_RELU)}
    if valid.any():
        prediction = classifier.predict_arrays(features[valid], keep_hidden=bool(hidden), settle=settings.settle)
        probabilities[valid] = prediction.probabilities
        information[valid] = prediction.mutual_information
        entropy[valid] = prediction.predictive_entropy
        passes[valid] = prediction.passes
        for k in settings.hidden_layers:
            hidden[f"hidden_{k}"][valid] = prediction.hidden[k - 1]
            hidden[f"hidden_{k}{BEFORE_RELU}"][valid] = prediction.hidden_before_relu[k - 1]
    return {"indices": indices, "counts": counts.astype(np.int32), "probabilities": probabilities,
            "mutual_information": information, "predictive_entropy": entropy, "passes": passes, **hidden}


def _exact_chunk(indices: np.ndarray, classifier: Classifier, settings: SpmSettings,
                 jobs: int | None) -> dict[str, np.ndarray]:
    described = list(progress_map(_describe_box, list(map(int, indices)), jobs))
    return _classify_described(indices, described, classifier, settings)


def _classify_described(indices: np.ndarray, described: list[tuple[int, np.ndarray | None]],
                        classifier: Classifier, settings: SpmSettings) -> dict[str, np.ndarray]:
    counts = np.array([count for count, _ in described])
    valid = np.array([vector is not None for _, vector in described])
    features = np.zeros((len(indices), classifier.settings_.n_features), dtype=np.float32)
    for row, (_, vector) in enumerate(described):
        if vector is not None:
            features[row] = vector
    return _classify(indices, counts, features, valid, classifier, settings)


def _remote_exact_chunk(atoms: Atoms, grid: Grid, settings: SpmSettings, classifier: Classifier,
                        indices: np.ndarray) -> dict[str, np.ndarray]:
    """One chunk of exact mode on a Dask worker (the sample and the model arrive scattered once)."""
    tree = box_search_tree(atoms.positions, grid.box_edges)
    described = [describe_box(atoms, tree, grid, settings, classifier.settings_, int(i)) for i in indices]
    return _classify_described(indices, described, classifier, settings)


def scan(atoms: Atoms, settings: SpmSettings, classifier: Classifier, out: Path,
         jobs: int | None = None, progress: bool = True, scheduler: str | None = None) -> Path:
    """Classify every box; write ``OUT/spm.nc`` (and the chunks it is made of) and return its path.

    ``scheduler``: the address of a Dask distributed scheduler; the chunks then run on its
    workers (fast mode's per-atom stage stays local) and give the same numbers.
    """
    settings = effective_settings(atoms, settings)
    if settings.mode == "fast" and classifier.settings_.average == "both":
        raise InputError("fast mode pools inner- or outer-averaged vectors; this model joins the two "
                         "(average 'both'): use mode exact")
    check_box_fits(atoms, settings)
    grid = make_grid(atoms, settings)
    first = first_equal_box(atoms, grid, settings)  # before anything is written: checks fast mode's voxels
    identity = run_identity(atoms, settings, classifier, classifier.samples, classifier.seed)
    if settings.mode == "fast":  # recorded in spm.nc's "run" attribute
        period = environment_period(atoms, grid, classifier.settings_)
        identity["environments"] = "end at the sample's surface" if period is None else "cross the cell's faces"
    chunk_dir = _prepare_output(out, identity)
    key = _record_key(identity)
    done = set()
    for path in sorted(chunk_dir.glob("chunk-*.npz")):  # a corrupt chunk is removed, to be recomputed
        if _read_checked(path, key) is not None:
            done.add(int(path.stem.split("-")[1]))
    distinct = np.flatnonzero(first == np.arange(grid.size))
    todo = [distinct[start:start + settings.chunk_boxes] for start in range(0, len(distinct), settings.chunk_boxes)]
    todo = [indices for indices in todo if indices[0] not in done]
    pooled = None
    if settings.mode == "fast" and todo:
        pooled = pooled_descriptors(atoms, grid, settings, classifier.settings_, out, jobs, progress)
    copies = grid.size - len(distinct)
    with tqdm(total=len(distinct), initial=len(distinct) - sum(len(i) for i in todo), unit="box",
              desc=f"boxes (+{copies:,} holding the same atoms as one of them)" if copies else "boxes",
              disable=not progress) as bar:
        for result in _chunk_results(atoms, grid, settings, classifier, todo, pooled, jobs, scheduler):
            _save_checked(chunk_dir / f"chunk-{result['indices'][0]:09d}.npz", key, result)
            bar.update(len(result["indices"]))
    return assemble(out, grid, settings, classifier, identity, first)


RANDOM_KEY_SEED = 0
"""Seed of the atoms' random keys in :func:`first_equal_box` (any fixed value: the keys only compare sets)."""
BOXES_PER_QUERY = 4096
"""Exact mode finds the atoms of this many boxes per search-tree query when comparing boxes."""


def first_equal_box(atoms: Atoms, grid: Grid, settings: SpmSettings) -> np.ndarray:
    """Per box, the first box (flat index) holding exactly the same atoms: itself unless an earlier one does.

    Atom sets are compared by their sums of two random 64-bit keys per atom (integer sums wrap, so
    equal sets give equal sums whatever the order; two different sets agree with a chance of
    2⁻¹²⁸). Fast mode sums the keys per voxel and box as it pools; exact mode asks the search tree.
    """
    keys = np.random.default_rng(RANDOM_KEY_SEED).integers(0, 2**64, size=(len(atoms), 2), dtype=np.uint64)
    if settings.mode == "fast":
        flat, layout = _voxels(atoms, grid, settings)
        inside = flat >= 0
        per_voxel = np.zeros((layout.size, 2), dtype=np.uint64)
        np.add.at(per_voxel, flat[inside], keys[inside])
        sums = _box_sums(per_voxel.reshape(*layout.shape, 2), grid.shape, layout)
    else:
        tree = box_search_tree(atoms.positions, grid.box_edges)
        sums = np.zeros((grid.size, 2), dtype=np.uint64)
        for start in range(0, grid.size, BOXES_PER_QUERY):
            boxes = np.arange(start, min(start + BOXES_PER_QUERY, grid.size))
            members = atoms_in_boxes(tree, grid.box_centre(boxes), grid.box_edges)
            ends = np.cumsum([len(inside) for inside in members])
            running = np.cumsum(keys[np.fromiter(chain.from_iterable(members), dtype=np.int64, count=ends[-1])],
                                axis=0)  # wrapping sums of the keys, box after box
            running = np.concatenate([np.zeros((1, 2), dtype=np.uint64), running])
            sums[boxes] = running[ends] - running[np.concatenate([[0], ends[:-1]])]
    _, first, inverse = np.unique(sums, axis=0, return_index=True, return_inverse=True)
    return first[inverse.ravel()]


def _chunk_results(atoms: Atoms, grid: Grid, settings: SpmSettings, classifier: Classifier,
                   todo: list[np.ndarray], pooled: tuple | None, jobs: int | None,
                   scheduler: str | None) -> Iterator[dict[str, np.ndarray]]:
    """Each chunk's classification as it finishes: here on ``jobs`` processes, or on a Dask cluster."""
    if scheduler is not None:
        from distributed import Client, as_completed

        with Client(scheduler) as client:
            if pooled is None:
                sample, model = client.scatter([atoms, classifier], broadcast=True)
                futures = [client.submit(_remote_exact_chunk, sample, grid, settings, model, indices, pure=False)
                           for indices in todo]
            else:
                features, counts, valid = pooled
                model = client.scatter(classifier, broadcast=True)
                futures = [client.submit(_classify, i, counts[i], features[i], valid[i], model, settings, pure=False)
                           for i in todo]
            for future in as_completed(futures):
                yield future.result()
        return
    if pooled is not None:
        features, counts, valid = pooled
        for indices in todo:
            yield _classify(indices, counts[indices], features[indices], valid[indices], classifier, settings)
        return
    _SCAN.update(atoms=atoms, tree=box_search_tree(atoms.positions, grid.box_edges), grid=grid,
                 settings=settings, soap=classifier.settings_)
    try:
        for indices in todo:
            yield _exact_chunk(indices, classifier, settings, jobs)
    finally:
        _SCAN.clear()


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
                     f"{MAX_VOXELS_PER_STRIDE} (box {box}, stride {stride}): round one of them, or use mode exact")


def _voxels(atoms: Atoms, grid: Grid, settings: SpmSettings) -> tuple[np.ndarray, VoxelLayout]:
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


def _box_sums(voxel_values: np.ndarray, grid_shape: tuple[int, int, int], layout: VoxelLayout) -> np.ndarray:
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


FEATURE_BLOCK = 45
"""Box sums of per-atom vectors are formed this many features at a time, to bound memory."""


def _atom_box_sums(summing: sparse.csr_matrix, per_atom: np.ndarray, layout: VoxelLayout, grid: Grid,
                   rows: np.ndarray | slice = slice(None)) -> np.ndarray:
    """Box sums (boxes, k) of the per-atom rows ``per_atom[rows]`` (``summing`` from :func:`_voxel_matrix`),
    FEATURE_BLOCK columns at a time."""
    sums = np.zeros((grid.size, per_atom.shape[1]), dtype=np.float32)
    for block in range(0, per_atom.shape[1], FEATURE_BLOCK):
        columns = slice(block, min(block + FEATURE_BLOCK, per_atom.shape[1]))
        per_voxel = np.asarray(summing @ per_atom[rows, columns])
        sums[:, columns] = _box_sums(per_voxel.reshape(*layout.shape, -1), grid.shape, layout)
    return sums


def _voxel_matrix(voxel_of_atom: np.ndarray, n_voxels: int) -> sparse.csr_matrix:
    """A (voxels x atoms) 0/1 matrix: multiplying per-atom rows by it sums them per voxel (in float32, as the
    per-atom values come; a voxel holds a few dozen atoms)."""
    return sparse.csr_matrix((np.ones(len(voxel_of_atom), dtype=np.float32),
                              (voxel_of_atom, np.arange(len(voxel_of_atom)))),
                             shape=(n_voxels, len(voxel_of_atom)))


def _has_partner_in_reach(alpha_positions: np.ndarray, beta_positions: np.ndarray, same_species: bool,
                          reach: float, period: np.ndarray | None) -> np.ndarray:
    """Per α atom: whether a β atom (another atom, for α = β) lies within ``reach``."""
    distances, _ = cKDTree(beta_positions, boxsize=period).query(alpha_positions, k=2 if same_species else 1,
                                                                 distance_upper_bound=reach)
    return np.isfinite(distances[:, 1] if same_species else distances)


def environment_period(atoms: Atoms, grid: Grid, soap: SoapSettings) -> np.ndarray | None:
    """Fast mode's periodic cell: the edges of an orthorhombic cell periodic on all three axes whose
    half fits the largest cutoff sphere, for inner averaging; None otherwise (environments then end
    at the surface)."""
    from ariseml.descriptors.coefficients import pair_cutoff

    cell = atoms.cell.array
    if (soap.average != "inner" or not atoms.pbc.all()
            or not np.allclose(cell, np.diag(np.diag(cell)), atol=1e-8)):
        return None
    edges = np.diag(cell).copy()
    reach = pair_cutoff(soap) * _largest_scale(grid, soap) * soap.extrinsic_factor
    return edges if 2 * reach < edges.min() else None


def _largest_scale(grid: Grid, soap: SoapSettings) -> float:
    """The largest local d_NN (Å) of a pair: its cutoff sphere then reaches one box diagonal, the farthest
    two atoms of a box can be in exact mode. Only α atoms far from every β atom (another grain,
    another phase) reach it; without it their environment, and the time, would grow without bound."""
    return float(np.linalg.norm(grid.box_edges)) / (soap.r_cut * soap.extrinsic_factor)


def _inner_pair_boxes(positions: np.ndarray, alpha_index: np.ndarray, beta_index: np.ndarray, voxel: np.ndarray,
                      layout: VoxelLayout, grid: Grid, soap: SoapSettings, period: np.ndarray | None, cache: Path,
                      key: str, jobs: int | None, progress: bool) -> np.ndarray:
    """Box vectors of one species pair from the α atoms' pooled expansion coefficients (inner averaging)."""
    from ariseml.descriptors.coefficients import centre_coefficients, power_spectrum
    from ariseml.descriptors.local import local_distances

    stored = _read_checked(cache, key) if cache.exists() else None
    if stored is not None:
        coefficients = [stored[f"l{l}"] for l in range(soap.l_max + 1)]
    else:
        alpha_positions, beta_positions = positions[alpha_index], positions[beta_index]
        same = len(alpha_index) == len(beta_index) and bool(np.all(alpha_index == beta_index))
        scales = local_distances(alpha_positions, beta_positions, same_species=same,
                                 largest=_largest_scale(grid, soap), period=period)
        kept = voxel >= 0
        coefficients = centre_coefficients(alpha_positions[kept], scales[kept], beta_positions, soap, jobs, progress,
                                           period)
        _save_checked(cache, key, {f"l{l}": c for l, c in enumerate(coefficients)})
    summing = _voxel_matrix(voxel[voxel >= 0], layout.size)
    pooled = []
    for l, c in enumerate(coefficients):
        sums = _atom_box_sums(summing, c.reshape(len(c), -1), layout, grid)
        pooled.append(sums.reshape(grid.size, soap.n_max, 2 * l + 1))
    return power_spectrum(pooled, soap, dtype=np.float32)


def _outer_pair_boxes(atoms: Atoms, alpha: str, beta: str, alpha_index: np.ndarray, voxel: np.ndarray,
                      layout: VoxelLayout, grid: Grid, soap: SoapSettings, cache: Path, key: str, jobs: int | None,
                      progress: bool) -> np.ndarray:
    """Box vectors of one species pair from the α atoms' summed power spectra (outer averaging)."""
    from ariseml.descriptors.local import per_atom_vectors

    stored = _read_checked(cache, key) if cache.exists() else None
    if stored is not None:
        vectors = stored["vectors"]
    else:
        _, vectors = per_atom_vectors(atoms, alpha, beta, soap, jobs, progress, _largest_scale(grid, soap))
        _save_checked(cache, key, {"vectors": vectors})
    kept = voxel >= 0
    return _atom_box_sums(_voxel_matrix(voxel[kept], layout.size), vectors, layout, grid, rows=kept)


def pooled_descriptors(atoms: Atoms, grid: Grid, settings: SpmSettings, soap: SoapSettings, out: Path,
                       jobs: int | None = None, progress: bool = True
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fast mode: (box descriptors, atom counts, valid boxes) from per-atom quantities pooled per species pair.

    Inner averaging (the paper's) pools each α atom's expansion coefficients and
    forms the power spectrum per box; outer averaging pools per-atom power spectra.
    Each pair's box vector is normalised, and the pairs present in a box are
    averaged, as the whole-structure descriptor does. Per-atom quantities are kept
    in ``OUT/per-atom/``, with a key of what they depend on, so that a resumed run skips them.
    """
    flat, layout = _voxels(atoms, grid, settings)
    key = _record_key({"sample_sha256": _sample_sha256(atoms), "descriptor": soap.to_dict(),
                      "centres": [c.tolist() for c in grid.centres], "box_edges": list(grid.box_edges),
                      "stride": list(settings.stride), "chunk_format": CHUNK_FORMAT})
    inside = flat >= 0
    counts = _box_sums(np.bincount(flat[inside], minlength=layout.size).reshape(*layout.shape, 1).astype(float),
                       grid.shape, layout)[:, 0].round().astype(np.int64)
    total = np.zeros((grid.size, soap.n_features), dtype=np.float32)
    pairs_present = np.zeros(grid.size, dtype=np.int32)
    symbols = np.array(atoms.get_chemical_symbols())
    species = sorted(set(symbols))
    period = environment_period(atoms, grid, soap)  # environments across a periodic cell's faces
    positions = atoms.positions if period is None else np.mod(atoms.positions, period) % period
    cache = out / "per-atom"
    cache.mkdir(parents=True, exist_ok=True)
    for alpha in species:
        for beta in species:
            if np.sum(symbols == beta) < (2 if alpha == beta else 1):
                continue
            alpha_index = np.flatnonzero(symbols == alpha)
            # an α atom with no β atom within a box diagonal never shares a box with one: left out
            voxel = np.where(_has_partner_in_reach(positions[alpha_index], positions[symbols == beta], alpha == beta,
                                                   float(np.linalg.norm(grid.box_edges)), period),
                             flat[alpha_index], -1)
            if not np.any(voxel >= 0):
                continue
            if soap.average == "inner":
                boxes = _inner_pair_boxes(positions, alpha_index, np.flatnonzero(symbols == beta), voxel,
                                          layout, grid, soap, period,
                                          cache / f"{alpha}-{beta}-coefficients.npz", key, jobs, progress)
            else:
                boxes = _outer_pair_boxes(atoms, alpha, beta, alpha_index, voxel, layout,
                                          grid, soap, cache / f"{alpha}-{beta}-power.npz", key, jobs, progress)
            norms = np.linalg.norm(boxes, axis=1, keepdims=True)
            present = norms[:, 0] > 1e-12
            boxes[~present] = 0.0
            total += np.divide(boxes, norms, out=boxes, where=present[:, None])  # in place: no copies of all boxes
            pairs_present += present
    valid = (counts >= settings.min_atoms) & (pairs_present > 0)
    total[valid] /= pairs_present[valid, None]
    return total, counts, valid


def assemble(out: Path, grid: Grid, settings: SpmSettings, classifier: Classifier,
             identity: dict[str, Any], first: np.ndarray) -> Path:
    """Gather the chunks into one gridded data set, ``OUT/spm.nc`` (NetCDF, read with xarray); a box not
    classified itself gets the results of ``first[box]``, which holds the same atoms."""
    import xarray as xr

    n_classes = len(classifier.classes_)
    probabilities = np.full((grid.size, n_classes), np.nan, dtype=np.float32)
    information = np.full(grid.size, np.nan, dtype=np.float32)
    entropy = np.full(grid.size, np.nan, dtype=np.float32)
    counts = np.zeros(grid.size, dtype=np.int32)
    passes = np.zeros(grid.size, dtype=np.int32)
    widths = hidden_widths(classifier.model_)
    hidden = {f"hidden_{k}{suffix}": np.full((grid.size, widths[k - 1]), np.nan, dtype=np.float32)
              for k in settings.hidden_layers for suffix in ("", BEFORE_RELU)}
    key = _record_key(identity)
    for path in sorted((out / "chunks").glob("chunk-*.npz")):
        chunk = _read_checked(path, key)
        if chunk is None:
            raise InputError(f"{path} became unreadable during the scan: rerun the same command to recompute it")
        index = chunk["indices"]
        probabilities[index] = chunk["probabilities"]
        information[index] = chunk["mutual_information"]
        entropy[index] = chunk["predictive_entropy"]
        counts[index] = chunk["counts"]
        passes[index] = chunk["passes"]
        for name, values in hidden.items():
            values[index] = chunk[name]
    probabilities, information, entropy, counts, passes = (values[first] for values in (
        probabilities, information, entropy, counts, passes))
    hidden = {name: values[first] for name, values in hidden.items()}
    valid = ~np.isnan(information)
    argmax = np.where(valid, np.argmax(np.nan_to_num(probabilities, nan=-1.0), axis=1), -1).astype(np.int16)
    shape = grid.shape
    dataset = xr.Dataset(
        {
            "probabilities": (("class", "z", "y", "x"), probabilities.T.reshape(n_classes, *shape)),
            "argmax_class": (("z", "y", "x"), argmax.reshape(shape),
                             {"description": "index into 'class' of the most probable class; -1: empty box"}),
            "mutual_information": (("z", "y", "x"), information.reshape(shape), {"units": "nats"}),
            "predictive_entropy": (("z", "y", "x"), entropy.reshape(shape), {"units": "nats"}),
            "atom_count": (("z", "y", "x"), counts.reshape(shape)),
            "passes": (("z", "y", "x"), passes.reshape(shape), {"description": "Monte-Carlo passes of the box"}),
            **{name: (("z", "y", "x", f"unit_{name.split('_')[1]}"), values.reshape(*shape, -1),
                      {"description": f"hidden layer {name.split('_')[1]} "
                                      f"{'before' if name.endswith(BEFORE_RELU) else 'after'} its ReLU, "
                                      "mean over the passes"})
               for name, values in hidden.items()},
        },
        coords={"x": grid.centres[0], "y": grid.centres[1], "z": grid.centres[2],
                "class": np.array(classifier.classes_, dtype=str)},
        attrs={"title": "ariseml strided pattern matching", "ariseml_version": __version__,
               "box_edges": list(grid.box_edges), "run": json.dumps(identity),
               "descriptor_settings": json.dumps(classifier.settings_.to_dict())},
    )
    target = out / "spm.nc"
    with atomic_path(target) as temporary:
        dataset.to_netcdf(temporary, engine="scipy")
    return target


def read_result(path: Path) -> Any:
    """The gridded data set ``spm.nc`` written by :func:`scan`, loaded into memory (an xarray Dataset)."""
    import xarray as xr

    with xr.open_dataset(path, engine="scipy") as dataset:
        return dataset.load()


def atom_labels(atoms: Atoms, dataset: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per atom, the most probable class and the mutual information of the nearest non-empty box."""
    centres = np.stack(np.meshgrid(dataset["z"].values, dataset["y"].values, dataset["x"].values,
                                   indexing="ij"), axis=-1).reshape(-1, 3)[:, ::-1]
    argmax = dataset["argmax_class"].values.reshape(-1)
    information = dataset["mutual_information"].values.reshape(-1)
    valid = argmax >= 0
    if not valid.any():
        raise InputError("every box is empty: lower --min-atoms or use a larger --box")
    edges = np.array(dataset.attrs["box_edges"])
    _, nearest = cKDTree(centres[valid] / edges).query(atoms.positions / edges)
    classes = dataset["class"].values
    return classes[argmax[valid][nearest]].astype(str), information[valid][nearest]


def top_classes(dataset: Any, count: int) -> list[str]:
    """The classes with the highest mean probability over the non-empty boxes."""
    mean = dataset["probabilities"].mean(dim=("z", "y", "x"), skipna=True).values
    order = np.argsort(np.nan_to_num(mean, nan=-1.0))[::-1][:count]
    return [str(dataset["class"].values[i]) for i in order]


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
