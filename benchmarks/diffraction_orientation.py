"""Finite clusters in any orientation: the diffraction ConvNet by default and with ``--paper-orientation``.

    python benchmarks/diffraction_orientation.py [--per-class 10] [--model diffraction]

The paper's fingerprint needs the crystal axes along x, y, z; its clusters were always built that
way. Microscopy and atom-probe clusters are not. For fresh test crystals (the robustness
benchmark's seed) of the seven classes, the ~250-atom finite cluster is made defective (vacancies
η, Gaussian displacements σ in Å) and then either left aligned or turned at random, and classified
by the deterministic ConvNet with the paper's handling (as given, ``orient_clusters=False``) and
with the clusters turned to the axes found from their atoms (``oriented_cluster``, the default).
Prints the accuracy of each case.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.spatial.transform import Rotation

from ariseml.evaluation.diffraction_robustness import TEST_SEED, Level, defective
from ariseml.classifier import DiffractionClassifier
from ariseml.descriptors.diffraction import diffraction_supercell
from ariseml.training.convnet_training import crystal_set

LEVELS = (Level(), Level(eta=0.2), Level(sigma=0.04), Level(eta=0.4))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-class", type=int, default=10)
    parser.add_argument("--model", default="diffraction")
    args = parser.parse_args()
    print(f"command: python benchmarks/diffraction_orientation.py --per-class {args.per_class}"
          + ("" if args.model == "diffraction" else f" --model {args.model}"))
    start = time.perf_counter()
    structures, labels = crystal_set(args.per_class, TEST_SEED)
    plain = DiffractionClassifier.load(args.model, samples=0, orient_clusters=False)
    oriented = DiffractionClassifier.load(args.model, samples=0, orient_clusters=True)
    print(f"{'level':12s} {'cluster':8s} {'as given (paper)':>17s} {'oriented':>9s}")
    for level in LEVELS:
        aligned, turned = [], []
        for index, atoms in enumerate(structures):
            cluster = defective(diffraction_supercell(atoms), level, seed=TEST_SEED + 7 * index + level.index())
            cluster.pbc = False
            aligned.append(cluster)
            rotated = cluster.copy()
            rotated.positions = rotated.positions @ Rotation.random(random_state=index).as_matrix().T
            turned.append(rotated)
        for name, clusters in (("aligned", aligned), ("turned", turned)):
            scores = [100 * np.mean(np.array([classifier.classes_.index(c) for c in classifier.predict(clusters)])
                                    == labels) for classifier in (plain, oriented)]
            print(f"{level.name:12s} {name:8s} {scores[0]:16.2f} % {scores[1]:7.2f} %")
    print(f"{len(structures)} crystals per row, {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
