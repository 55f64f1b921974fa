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

from ariseml.spm.boxes import atoms_in_box, box_search_tree, first_equal_box
from ariseml.spm.classify import BEFORE_RELU
from ariseml.spm.fast import environment_period, pooled_descriptors
from ariseml.spm.grid import DEFAULT_MIN_ATOMS, Grid, SpmSettings, effective_settings, is_flat, make_grid
from ariseml.spm.plot import INFORMATION_MAX, plot_maps, plot_plane
from ariseml.spm.result import atom_labels, class_shares, labelled_atoms, read_result, top_classes
from ariseml.spm.run import scan
from ariseml.spm.store import RUN_KEY

__all__ = ["BEFORE_RELU", "DEFAULT_MIN_ATOMS", "INFORMATION_MAX", "RUN_KEY", "Grid", "SpmSettings", "atom_labels",
           "atoms_in_box", "box_search_tree", "class_shares", "effective_settings", "environment_period",
           "first_equal_box", "is_flat", "labelled_atoms", "make_grid", "plot_maps", "plot_plane", "pooled_descriptors",
           "read_result", "scan", "top_classes"]
