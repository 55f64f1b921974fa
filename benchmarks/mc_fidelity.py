"""Faster Monte-Carlo passes against the spread of the passes themselves: bfloat16 hidden layers and early
settling, on the per-atom descriptors of the MD snapshots (one snapshot per system and T/T_m of
benchmarks/realistic_md.py, a random sample of atoms of each; see benchmarks/student.py).

    python benchmarks/mc_fidelity.py [--model realistic] [--samples 1000] [--atoms 40] [--settle 0.05,0.07]
        [--fewer 100]

The reference is the full float32 run of T passes with seed 0; a second full run with seed 1 gives the spread
a faster variant has to stay within, and a full run of ``--fewer`` passes (per-atom labels' T until stop 39) what
fewer passes give. Per variant: the share of atoms whose most probable class differs from the
reference, the mean and largest |Δ| of the top probability and of the mutual information, the mean passes per
atom, the share of atoms given the expected class and the seconds the passes took on this machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from ariseml.classifier import Classifier
from ariseml.models import DEFAULT_MODEL


def differences(reference, other) -> dict[str, float]:
    """How far ``other`` is from ``reference``: argmax changes, |Δ| of the top probability and of the MI."""
    top = reference.probabilities.argmax(axis=1)
    rows = np.arange(len(top))
    top_change = np.abs(other.probabilities[rows, top] - reference.probabilities[rows, top])
    information_change = np.abs(other.mutual_information - reference.mutual_information)
    return {"argmax differs %": 100 * float(np.mean(other.probabilities.argmax(axis=1) != top)),
            "mean |Δp|": float(top_change.mean()), "max |Δp|": float(top_change.max()),
            "mean |ΔMI|": float(information_change.mean()), "max |ΔMI|": float(information_change.max())}


def main() -> None:
    from student import sampled_descriptors

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--samples", type=int, default=1000, help="T, the passes of the full runs")
    parser.add_argument("--atoms", type=int, default=40, help="atoms sampled per snapshot")
    parser.add_argument("--settle", default="0.05,0.07", help="comma-separated settling tolerances to try")
    parser.add_argument("--fewer", type=int, default=100, help="passes of a full run with fewer of them")
    args = parser.parse_args()
    print(f"command: python benchmarks/mc_fidelity.py --model {args.model} --samples {args.samples} "
          f"--atoms {args.atoms} --settle {args.settle} --fewer {args.fewer}")
    features, expected, _ = sampled_descriptors(Classifier.load(args.model), args.atoms)
    variants = [("float32, seed 1 (the spread)", 1, args.samples, "float32", None),
                (f"float32, seed 0, T = {args.fewer}", 0, args.fewer, "float32", None)]
    for precision in ("float32", "bfloat16"):
        variants += [(f"{precision}, seed 0" + (f", settle {settle}" if settle else ""), 0, args.samples, precision,
                      settle) for settle in [None, *map(float, args.settle.split(","))]
                     if precision != "float32" or settle]
    print(f"{len(features)} atoms, T = {args.samples}")
    print("| variant | argmax differs | mean / max abs. Δ top probability | mean / max abs. Δ mutual information "
          "(nats) | mean passes | expected class | seconds |")
    print("|---|---|---|---|---|---|---|")

    def run(seed: int, samples: int, precision: str, settle: float | None):
        classifier = Classifier.load(args.model, samples=samples, seed=seed, settle=settle, precision=precision)
        started = time.perf_counter()
        answer = classifier.predict_arrays(features)
        right = np.asarray(classifier.classes_)[answer.probabilities.argmax(axis=1)] == expected
        return answer, 100 * float(right.mean()), time.perf_counter() - started

    reference, right, seconds = run(0, args.samples, "float32", None)
    print(f"| float32, seed 0 (the reference) | - | - | - | {args.samples} | {right:.2f} % | {seconds:.1f} |")
    for name, seed, samples, precision, settle in variants:
        answer, right, seconds = run(seed, samples, precision, settle)
        d = differences(reference, answer)
        print(f"| {name} | {d['argmax differs %']:.2f} % | {d['mean |Δp|']:.5f} / {d['max |Δp|']:.4f} | "
              f"{d['mean |ΔMI|']:.5f} / {d['max |ΔMI|']:.4f} | {answer.passes.mean():.1f} | {right:.2f} % | "
              f"{seconds:.1f} |", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
