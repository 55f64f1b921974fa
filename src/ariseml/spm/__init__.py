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

Where each part lives: ``grid`` (settings and box centres), ``boxes`` (which atoms a box holds, equal
boxes), ``exact`` and ``fast`` (the two modes' descriptors), ``voxels`` (fast mode's window sums),
``classify`` (Monte-Carlo predictions per chunk), ``store`` (the run's folder and its keys), ``run``
(:func:`scan`), ``result`` (``spm.nc`` and per-atom labels), ``plot`` (maps).
"""

from importlib import import_module

_PUBLIC = {
    **dict.fromkeys(["atoms_in_box", "box_search_tree", "first_equal_box"], "boxes"),
    "BEFORE_RELU": "classify",
    **dict.fromkeys(["environment_period", "pooled_descriptors"], "fast"),
    **dict.fromkeys(["DEFAULT_MIN_ATOMS", "Grid", "SpmSettings", "effective_settings", "is_flat", "make_grid"], "grid"),
    **dict.fromkeys(["INFORMATION_MAX", "plot_maps", "plot_plane"], "plot"),
    **dict.fromkeys(["atom_labels", "class_shares", "labelled_atoms", "read_result", "top_classes"], "result"),
    "scan": "run",
    "RUN_KEY": "store",
}
"""The public names and the modules that hold them, imported on first use: the command line reads a constant
of ``plot`` without loading the classifier (and PyTorch) that ``run`` needs."""
_MODULES = ("boxes", "classify", "exact", "fast", "grid", "plot", "result", "run", "store", "voxels")

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    """``spm.scan``, ``spm.SpmSettings``, ..., and the modules themselves (``spm.voxels``), on first use."""
    if name in _PUBLIC:
        return getattr(import_module(f"ariseml.spm.{_PUBLIC[name]}"), name)
    if name in _MODULES:
        return import_module(f"ariseml.spm.{name}")
    raise AttributeError(f"module 'ariseml.spm' has no attribute {name!r}")
