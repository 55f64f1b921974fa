"""Fast-mode SPM on the issue's speed targets: the superalloy model and the AET nanoparticle.

    python benchmarks/spm_targets.py superalloy [--size 114.2] [--settle 0.01] [--precision float32] [--device cpu]
        [--out DIR]
    python benchmarks/spm_targets.py aet [--stride 1] [--settle 0.01] [--precision float32] [--device cpu] [--out DIR]

``superalloy``: the γ/γ' model of `arise superalloy` (seed 1), 114.2 Å gives 131,072 atoms, box 16 Å,
stride 3 Å (target: 5 min on 2 cores); prints also the mean L1₂ and fcc probabilities of the boxes
inside the precipitate and in the matrix. ``aet``: the reference FePt particle
(../shared/reference/arise-data), box 12 Å, stride 1 Å (target: 5 min). Both with the paper's model,
T = 1000, early settling at ``--settle`` and the passes in ``--precision``. Prints seconds, boxes, boxes/s, the
mean passes per box, and how many boxes hold atoms of their own (the others copy them) with their network passes.
With ``--out DIR`` the scan is kept and an interrupted run resumes (the time printed is then the rerun's).
The million-atom target is benchmarks/spm_million.py.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import ase.io
import numpy as np
from ase import Atoms

from ariseml import spm
from ariseml.classifier import Classifier
from ariseml.synthetic import superalloy
from reference_data import AET_PARTICLE, add_reference_option

TARGET_MINUTES = 5.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=("superalloy", "aet"))
    parser.add_argument("--size", type=float, default=114.2, help="superalloy edge, Å")
    parser.add_argument("--stride", type=float, default=None, help="Å (superalloy: 3, aet: 1)")
    parser.add_argument("--settle", type=float, default=0.01)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--precision", default="float32", help="of the passes: float32, bfloat16 or auto")
    add_reference_option(parser)
    parser.add_argument("--device", default="cpu", help="where the Monte-Carlo passes run (cpu, cuda)")
    parser.add_argument("--out", type=Path, default=None, help="keep the scan here (resumable)")
    args = parser.parse_args()
    stride = args.stride or (3.0 if args.case == "superalloy" else 1.0)
    box = 16.0 if args.case == "superalloy" else 12.0
    print(f"command: python benchmarks/spm_targets.py {args.case}"
          + (f" --size {args.size:g}" if args.case == "superalloy" else "")
          + f" --stride {stride:g} --settle {args.settle:g} --samples {args.samples} --precision {args.precision}"
          + f" --device {args.device}")
    if args.case == "superalloy":
        atoms = superalloy(size=args.size, seed=1)
    else:
        atoms = ase.io.read(args.reference / AET_PARTICLE)
    classifier = Classifier.load("paper", samples=args.samples, seed=0, device=args.device, settle=args.settle,
                                 precision=args.precision)
    settings = spm.SpmSettings(box=box, stride=(stride,) * 3, mode="fast")
    start = time.perf_counter()
    result = spm.scan(atoms, settings, classifier, args.out)
    seconds = time.perf_counter() - start
    valid = result["argmax_class"].values >= 0
    boxes = int(valid.sum())
    print(f"{len(atoms):,} atoms, {boxes:,} boxes (box {box:g} Å, stride {stride:g} Å): {seconds / 60:.1f} min "
          f"(target {TARGET_MINUTES:g} min), {boxes / seconds:.0f} boxes/s, {len(atoms) / seconds:.0f} atoms/s, "
          f"{result['passes'].values[valid].mean():.0f} passes per box on average")
    own = spm.first_equal_box(atoms, spm.make_grid(atoms, settings), settings) == np.arange(valid.size)
    distinct = own & valid.ravel()
    print(f"{int(distinct.sum()):,} boxes hold atoms of their own (the others copy them): "
          f"{int(result['passes'].values.ravel()[distinct].sum()):,} network passes")
    classes = list(result["class"].values)
    counts = np.bincount(result["argmax_class"].values[valid], minlength=len(classes))
    print("most common classes: " + ", ".join(f"{classes[i]} {100 * counts[i] / boxes:.0f} %"
                                              for i in counts.argsort()[::-1][:4] if counts[i]))
    if args.case == "superalloy":
        _precipitate_read_out(atoms, result)


def _precipitate_read_out(atoms: Atoms, result) -> None:
    """Mean L1₂ and fcc probabilities of the boxes whose centre lies in the precipitate, and of the others."""
    inside = atoms.positions[atoms.arrays["region"] == 1]
    low, high = inside.min(axis=0), inside.max(axis=0)
    z, y, x = np.meshgrid(result["z"].values, result["y"].values, result["x"].values, indexing="ij")
    centres = np.stack([x, y, z], axis=-1)
    in_precipitate = np.all((centres >= low) & (centres <= high), axis=-1)
    valid = result["argmax_class"].values >= 0
    for name, where in (("precipitate", in_precipitate & valid), ("matrix", ~in_precipitate & valid)):
        l12 = result["probabilities"].sel({"class": "L12_Cu3Au"}).values[where].mean()
        fcc = result["probabilities"].sel({"class": "fcc_Cu"}).values[where].mean()
        print(f"{name}: {int(where.sum()):,} boxes, mean probability L1₂ {l12:.2f}, fcc {fcc:.2f}")


if __name__ == "__main__":
    main()
