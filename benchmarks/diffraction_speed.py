"""Speed of the diffraction fingerprint and of the ConvNet on this machine.

    python benchmarks/diffraction_speed.py [--repeats 5] [--model diffraction]

Prints the time of one fingerprint (one process) for the seven classes' ~250-atom clusters, the
fingerprints per second on all cores, and the ConvNet's images per second with dropout off (the
paper's network) and with T = 1000 Monte-Carlo passes of its dropout head. Larger inputs are cut to
about that size: benchmarks/diffraction_large.py times them.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from ariseml.classifier import DiffractionClassifier
from ariseml.descriptors.diffraction import diffraction_fingerprint, diffraction_supercell, fingerprint_many
from ariseml.prototypes import get_prototype

PROTOTYPES = ("bct_In", "beta_Sn", "hcp_Mg", "sc_Po", "fcc_Cu", "diamond_C", "bcc_W")


def best_time(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--model", default="diffraction")
    args = parser.parse_args()
    print(f"command: python benchmarks/diffraction_speed.py --repeats {args.repeats}"
          + ("" if args.model == "diffraction" else f" --model {args.model}"))
    cells = [get_prototype(p).unit_cell() for p in PROTOTYPES]
    for prototype, cell in zip(PROTOTYPES, cells):
        atoms = len(diffraction_supercell(cell))
        seconds = best_time(lambda: diffraction_fingerprint(cell), args.repeats)
        print(f"fingerprint {prototype:10s} {atoms:4d} atoms: {1000 * seconds:6.1f} ms (one process)")

    batch = cells * 20
    start = time.perf_counter()
    images = fingerprint_many(batch)
    elapsed = time.perf_counter() - start
    print(f"fingerprints on {os.cpu_count()} cores: {len(batch) / elapsed:.1f} structures/s ({len(batch)} structures)")

    classifier = DiffractionClassifier.load(args.model, seed=0)
    many = np.repeat(images, 5, axis=0)
    for samples in (0, 1000):
        classifier.samples = samples
        seconds = best_time(lambda: classifier.predict_descriptors(many), max(1, args.repeats // 2))
        label = "dropout off" if samples == 0 else f"T = {samples}"
        print(f"ConvNet, {label}: {len(many) / seconds:.0f} images/s ({len(many)} images)")


if __name__ == "__main__":
    main()
