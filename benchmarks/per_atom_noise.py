"""How much the Monte-Carlo passes move per-atom accuracy where atoms are least sure: the share of the atoms of
one MD group (benchmarks/realistic_md.py, first two snapshots) given their crystal's class by `label_atoms`,
with full float32 runs of 1000 and 100 passes (two seeds each) and with the settled, bfloat16 defaults.

    python benchmarks/per_atom_noise.py [--system Ar_fcc_lj] [--t-over-tm 0.9] [--model realistic]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from ariseml.classifier import Classifier
from ariseml.labels import DEFAULT_PRECISION, DEFAULT_SETTLE, label_atoms
from ariseml.models import DEFAULT_MODEL

VARIANTS = [  # (T, settle, precision, seed)
    (1000, None, "float32", 0), (1000, None, "float32", 1), (100, None, "float32", 0), (100, None, "float32", 1),
    (100, DEFAULT_SETTLE, DEFAULT_PRECISION, 0), (1000, DEFAULT_SETTLE, DEFAULT_PRECISION, 0),
    (1000, DEFAULT_SETTLE, DEFAULT_PRECISION, 1)]


def main() -> None:
    from realistic_md import md_frames

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--system", default="Ar_fcc_lj")
    parser.add_argument("--t-over-tm", type=float, default=0.9)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    args = parser.parse_args()
    print(f"command: python benchmarks/per_atom_noise.py --system {args.system} --t-over-tm {args.t_over_tm:g} "
          f"--model {args.model}")
    frames = [atoms for atoms in md_frames(None) if atoms.info["system"] == args.system
              and np.isclose(float(atoms.info["t_over_tm"]), args.t_over_tm)][:2]
    if not frames:
        raise SystemExit(f"no MD frames of {args.system} at {args.t_over_tm} T_m: run benchmarks/realistic_md.py")
    expected = frames[0].info["class_id"]
    print(f"{sum(len(f) for f in frames)} atoms of {len(frames)} snapshots, expected {expected}")
    print("| passes T | settle | precision | seed | atoms right |\n|---|---|---|---|---|")
    for samples, settle, precision, seed in VARIANTS:
        classifier = Classifier.load(args.model, samples=samples, seed=seed, settle=settle, precision=precision)
        right = np.concatenate([label_atoms(atoms, classifier, top=1, jobs=2).names() == expected for atoms in frames])
        print(f"| {samples} | {settle or '-'} | {precision} | {seed} | {100 * right.mean():.2f} % |", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
