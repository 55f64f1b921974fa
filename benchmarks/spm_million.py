"""Fast-mode SPM on a large fcc/bcc polycrystal: time and peak memory.

    python benchmarks/spm_million.py [--size 240] [--box 16] [--stride 4] [--settle 0.01] [--samples 1000]
                                     [--compare-exact] [--out DIR]

Builds a Voronoi polycrystal of fcc and bcc grains (`arise polycrystal` with fcc_Cu and bcc_W cells,
every atom then called Fe: one species on two lattices, as in an iron fcc/bcc sample; --size 240
gives about a million atoms), scans it with `arise spm --mode fast` and prints the seconds,
boxes/s, atoms/s, the peak resident memory of this process and of its largest worker, and the
shares of the boxes classified fcc and bcc beside the shares of the atoms in fcc and bcc grains.
``--compare-exact`` also scans it in exact mode (the paper's) and prints how often the two agree.
With ``--out DIR`` the scans are kept in DIR/fast and DIR/exact, and a rerun of an interrupted run
resumes them (the printed time is then that of the rerun only).
"""

from __future__ import annotations

import argparse
import resource
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from ase import Atoms

from ariseml import spm
from ariseml.classifier import Classifier
from ariseml.synthetic import voronoi_polycrystal

GRAINS = ("fcc_Cu", "bcc_W")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, default=240.0, help="edge of the cubic sample, Å")
    parser.add_argument("--grains", type=int, default=16)
    parser.add_argument("--box", type=float, default=16.0)
    parser.add_argument("--stride", type=float, default=4.0)
    parser.add_argument("--settle", type=float, default=0.01)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--compare-exact", action="store_true")
    parser.add_argument("--out", type=Path, default=None, help="keep the scans here (resumable)")
    args = parser.parse_args()
    print(f"command: python benchmarks/spm_million.py --size {args.size:g} --box {args.box:g} "
          f"--stride {args.stride:g} --settle {args.settle:g} --samples {args.samples}"
          + (" --compare-exact" if args.compare_exact else ""))
    atoms = voronoi_polycrystal(list(GRAINS), args.size, n_grains=args.grains, seed=2021)
    grain_lattice = np.array(atoms.info["grains"])[atoms.arrays["grain_id"]]
    atoms.set_chemical_symbols(["Fe"] * len(atoms))
    classifier = Classifier.load("paper", samples=args.samples, seed=0, settle=args.settle)
    settings = spm.SpmSettings(box=args.box, stride=(args.stride,) * 3, mode="fast")
    start = time.perf_counter()
    predicted = _argmax_map(atoms, settings, classifier, args.out)
    seconds = time.perf_counter() - start
    boxes = int(np.sum(predicted >= 0))
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # kB -> GB
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    print(f"{len(atoms):,} atoms, {boxes:,} boxes: {seconds / 60:.1f} min, {boxes / seconds:.0f} boxes/s, "
          f"{len(atoms) / seconds:.0f} atoms/s; peak memory {own:.1f} GB (this process), "
          f"{workers:.1f} GB (largest worker)")
    common = np.bincount(predicted[predicted >= 0]).argsort()[::-1][:4]
    print("most common classes: " + ", ".join(
        f"{classifier.classes_[i]} {100 * np.sum(predicted == i) / boxes:.0f} %" for i in common))
    for lattice in GRAINS:
        index = classifier.classes_.index(lattice)
        print(f"{lattice}: {100 * np.sum(predicted == index) / boxes:.0f} % of the boxes, "
              f"{100 * np.mean(grain_lattice == lattice):.0f} % of the atoms in its grains")
    if args.compare_exact:
        start = time.perf_counter()
        exact = _argmax_map(atoms, replace(settings, mode="exact"), classifier, args.out)
        both = (exact >= 0) & (predicted >= 0)
        print(f"exact mode: {(time.perf_counter() - start) / 60:.1f} min; argmax of fast = exact in "
              f"{100 * np.mean(exact[both] == predicted[both]):.1f} % of the boxes; exact: "
              + ", ".join(f"{lattice} {100 * np.mean(exact[both] == classifier.classes_.index(lattice)):.0f} %"
                          for lattice in GRAINS))


def _argmax_map(atoms: Atoms, settings: spm.SpmSettings, classifier: Classifier, keep: Path | None) -> np.ndarray:
    """The most probable class index of every box (-1: empty), flattened; the scan kept in keep/MODE."""
    out = keep / settings.mode if keep is not None else None
    return spm.scan(atoms, settings, classifier, out)["argmax_class"].values.ravel()


if __name__ == "__main__":
    main()
