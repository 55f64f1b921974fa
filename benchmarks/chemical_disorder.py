"""How the shipped model reads chemically ordered alloys as their order is lost (antisite defects).

    python benchmarks/chemical_disorder.py [--boxes 20] [--box 12] [--samples 200] [--model paper]

The paper's defects are displacements and missing atoms; real ordered alloys (the AET FePt
nanoparticle of Fig. 4) also have atoms on the wrong sublattice. For L1₀ FePt and L1₂ FePt₃
this swaps Fe-Pt pairs at random (composition kept) until a fraction f of all atoms sits on the
other species' sublattice (Bragg-Williams order parameter S = 1 - 2f for L1₀), cuts cubic boxes of
side --box at random places inside the crystal, as SPM does, and prints the share of boxes
classified as the ordered class and the classes that take the others.
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np
from ase import Atoms

from ariseml.classifier import Classifier
from ariseml.synthetic import FEPT_LATTICE, ordered_fept
from ariseml.defects import swap_antisites

ANTISITE_FRACTIONS = (0.0, 0.02, 0.05, 0.10, 0.20, 0.30)


def random_boxes(sample: Atoms, side: float, count: int, rng: np.random.Generator) -> list[Atoms]:
    """``count`` finite clusters: the atoms in cubes of ``side`` placed at random inside ``sample``."""
    low, high = sample.positions.min(axis=0), sample.positions.max(axis=0) - side
    boxes = []
    for _ in range(count):
        corner = rng.uniform(low, high)
        inside = np.all((sample.positions >= corner) & (sample.positions < corner + side), axis=1)
        boxes.append(Atoms(numbers=sample.numbers[inside], positions=sample.positions[inside]))
    return boxes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boxes", type=int, default=20, help="boxes per class and antisite fraction")
    parser.add_argument("--box", type=float, default=12.0, help="box side, Å (the paper's AET box: 12)")
    parser.add_argument("--samples", type=int, default=200, help="Monte-Carlo passes")
    parser.add_argument("--model", default="paper")
    args = parser.parse_args()
    classifier = Classifier.load(args.model, samples=args.samples, seed=0)
    rng = np.random.default_rng(2021)
    print(f"command: python benchmarks/chemical_disorder.py --boxes {args.boxes} --box {args.box:g} "
          f"--samples {args.samples} --model {args.model}")
    print("| class | antisite fraction f | boxes read as the class | mean mutual information (nats) | the others |")
    print("|---|---|---|---|---|")
    for class_id in FEPT_LATTICE:
        cell = ordered_fept(class_id)
        crystal = cell.repeat(tuple(int(np.ceil(3 * args.box / length)) for length in cell.cell.lengths()))
        for fraction in ANTISITE_FRACTIONS:
            disordered = swap_antisites(crystal, fraction, seed=int(rng.integers(2**32)))
            boxes = random_boxes(disordered, args.box, args.boxes, rng)
            result = classifier.predict_arrays(classifier.describe(boxes))
            predicted = [classifier.classes_[i] for i in result.probabilities.argmax(axis=1)]
            others = Counter(p for p in predicted if p != class_id).most_common(3)
            share = 100 * predicted.count(class_id) / len(predicted)
            print(f"| {class_id} | {100 * fraction:.0f} % | {share:.0f} % | {result.mutual_information.mean():.3f} | "
                  + (", ".join(f"{name} {count}" for name, count in others) or "-") + " |")


if __name__ == "__main__":
    main()
