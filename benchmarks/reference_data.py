"""Where the benchmarks find the data published with ARISE (``../shared/reference/arise-data``).

The files are read in place, never copied into the project; every benchmark that uses them
takes ``--reference DIR`` (default: the folder beside this repository).
"""

from __future__ import annotations

import argparse
from pathlib import Path

DEFAULT_REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "arise-data"
FOUR_GRAINS = Path("Fig_2") / "Fig_2_four_grains_elemental_solid.xyz"
"""The four-grain polycrystal of Fig. 2a (slab)."""
FOUR_GRAIN_CLUSTER_MAP = (Path("Fig_2") / "2_a_to_g_supervised_unsupervised_analysis" / "unsupervised"
                          / "min_dist_0.9_analysis"
                          / "dense_1_neighbors_500_crystal_map_cluster_labels_min_csize_500.npy")
"""The authors' cluster of every box of the four-grain polycrystal at stride 1 Å (-1: outlier)."""
AET_PARTICLE = Path("Fig_4") / "Fig_4_AET_2017_data.xyz"
"""The FePt nanoparticle from atomic electron tomography (Fig. 4)."""


def add_reference_option(parser: argparse.ArgumentParser) -> None:
    """``--reference DIR``: the ARISE data folder."""
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE,
                        help=f"the data published with ARISE (default {DEFAULT_REFERENCE})")
