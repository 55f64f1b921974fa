"""Clusters of the four-grain polycrystal's hidden representations against the authors' (ARISE Fig. 2d).

    python benchmarks/explore_four_grains.py [--stride 3] [--samples 1000] [--min-cluster-size 50]

Runs exact-mode SPM (box 16 Å, slab) keeping hidden layer 2, clusters it with
HDBSCAN and reports the clusters, the outliers and the adjusted Rand index of our
labels against the authors' cluster map (reference data, stride 1 Å; their grid
starts half a box before the sample, so a box centre x sits at their index
x - min(x) + 8).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import ase.io
import numpy as np
from sklearn.metrics import adjusted_rand_score

from ariseml import explore, spm
from ariseml.classifier import Classifier
from reference_data import FOUR_GRAIN_CLUSTER_MAP, FOUR_GRAINS, add_reference_option

BOX = 16.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_reference_option(parser)
    parser.add_argument("--stride", type=float, default=3.0)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--min-cluster-size", type=int, default=50)
    args = parser.parse_args()
    print(f"command: python benchmarks/explore_four_grains.py --stride {args.stride:g} --samples {args.samples} "
          f"--min-cluster-size {args.min_cluster_size}")
    atoms = ase.io.read(args.reference / FOUR_GRAINS)
    settings = spm.SpmSettings(box=BOX, stride=(args.stride,) * 3, geometry="slab", hidden_layers=(2,))
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        spm.scan(atoms, settings, Classifier.load("paper", samples=args.samples, seed=0), Path(out), progress=False)
        seconds = time.perf_counter() - start
        points = explore.from_spm(Path(out), layer=2)
    labels = explore.cluster(points.vectors, args.min_cluster_size)
    theirs = np.load(args.reference / FOUR_GRAIN_CLUSTER_MAP)
    row = np.round((points.positions[:, 1] - atoms.positions[:, 1].min() + BOX / 2)).astype(int)
    column = np.round((points.positions[:, 0] - atoms.positions[:, 0].min() + BOX / 2)).astype(int)
    inside = (row < theirs.shape[0]) & (column < theirs.shape[1])
    reference = theirs[row[inside], column[inside]]
    both = (labels[inside] >= 0) & (reference >= 0)
    score = adjusted_rand_score(reference[both], labels[inside][both])
    print(f"SPM: {len(points.vectors)} boxes classified in {seconds:.0f} s; HDBSCAN: {labels.max() + 1} clusters, "
          f"{np.sum(labels < 0)} outliers; adjusted Rand index against the authors' clusters "
          f"(boxes that neither calls an outlier, {both.sum()}): {score:.3f}")


if __name__ == "__main__":
    main()
