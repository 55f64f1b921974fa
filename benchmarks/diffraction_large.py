"""Large inputs to the diffraction ConvNet: answer, time and memory.

    python benchmarks/diffraction_large.py [--model diffraction]

Periodic fcc (a = 3.6 Å) and bcc (a = 3.16 Å) cells of about 20,000 and 200,000 atoms, and the
same atoms without periodicity, randomly turned (finite clusters). A periodic input is cut to its
conventional cell repeated to about 250 atoms, a finite one to its 500 central atoms, which are then
turned to their crystal axes. Prints the model's answer (T = 1000, seed 0), the time of the whole
classification (fingerprint and ConvNet, one process) and the peak memory it allocated beyond the
input (tracemalloc).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

from ase import Atoms
from ase.build import bulk
from scipy.spatial.transform import Rotation

from ariseml.classifier import DiffractionClassifier

INPUTS = (("fcc", bulk("Cu", "fcc", a=3.6, cubic=True), (17, 37)),  # 19,652 and 202,612 atoms
          ("bcc", bulk("W", "bcc", a=3.16, cubic=True), (22, 46)))  # 21,296 and 194,672 atoms


def finite(atoms: Atoms, seed: int) -> Atoms:
    """The atoms without periodicity, turned at random."""
    cluster = atoms.copy()
    cluster.pbc = False
    cluster.positions = cluster.positions @ Rotation.random(random_state=seed).as_matrix().T
    return cluster


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="diffraction")
    args = parser.parse_args()
    print("command: python benchmarks/diffraction_large.py"
          + ("" if args.model == "diffraction" else f" --model {args.model}"))
    classifier = DiffractionClassifier.load(args.model)
    classifier.classify([bulk("Cu", "fcc", a=3.6, cubic=True)])  # the first call's one-off costs are not timed
    for name, cell, repeats in INPUTS:
        for repeat in repeats:
            periodic = cell.repeat(repeat)
            for kind, atoms in (("periodic", periodic), ("finite", finite(periodic, repeat))):
                tracemalloc.start()
                start = time.perf_counter()
                answer = classifier.classify([atoms], top=1)[0]
                seconds = time.perf_counter() - start
                peak = tracemalloc.get_traced_memory()[1] / 1e6
                tracemalloc.stop()
                print(f"{name} {kind:8s} {len(atoms):7,d} atoms: {answer.top_ids[0]} "
                      f"{100 * answer.top_probabilities[0]:6.2f} %, {seconds:5.2f} s, peak {peak:5.0f} MB")


if __name__ == "__main__":
    main()
