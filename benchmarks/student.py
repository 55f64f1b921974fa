"""Is a student network (`arise distill`) as good as its teacher's Monte-Carlo passes? On the per-atom
descriptors of the MD snapshots (benchmarks/realistic_md.py, one snapshot per system and T/T_m, a random
sample of atoms each), compare the student with the teacher at T passes run with two seeds: the student is
kept only if it stays within the spread of the two teacher runs.

    python benchmarks/student.py --student STEM [--teacher realistic] [--samples 1000] [--atoms 40]

Prints, over all sampled atoms and per system: the share whose most probable class differs between the two
teacher runs (the spread) and between the student and the first run; the mean |Δ| of the top probability and
of the mutual information, same pairs; and each one's share of atoms given the expected class.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from ariseml.caches import cache_folder
from ariseml.classifier import Classifier
from ariseml.labels import environment_descriptors
from ariseml.prototypes import NOT_A_CRYSTAL


def sampled_descriptors(model: Classifier, atoms_per_frame: int, seed: int = 0):
    """Per-atom descriptors of a random sample of atoms of one snapshot per system and T/T_m, with the
    expected class of each and its system; cached per descriptor settings and sample size."""
    from realistic_md import md_frames

    key = hashlib.sha256(json.dumps([model.settings_.to_dict(), atoms_per_frame, seed]).encode()).hexdigest()[:16]
    cache = Path(cache_folder("realistic")) / f"student-check-{key}.npz"
    if cache.exists():
        with np.load(cache) as stored:
            return stored["rows"], stored["expected"], stored["systems"]

    rng = np.random.default_rng(seed)
    seen, rows, expected, systems = set(), [], [], []
    for atoms in md_frames(None):
        key = (atoms.info["system"], float(atoms.info["t_over_tm"]))
        if key in seen:
            continue
        seen.add(key)
        vectors, _ = environment_descriptors(atoms, model.settings_, jobs=2)
        chosen = rng.choice(len(atoms), size=min(atoms_per_frame, len(atoms)), replace=False)
        rows.append(vectors[chosen])
        expected += [NOT_A_CRYSTAL if atoms.info["melt"] else atoms.info["class_id"]] * len(chosen)
        systems += [atoms.info["system"]] * len(chosen)
        print(f"  described {key[0]} {key[1]:g} T_m", flush=True)
    rows, expected, systems = np.concatenate(rows), np.array(expected), np.array(systems)
    np.savez(cache, rows=rows, expected=expected, systems=systems)
    return rows, expected, systems


def compare(first, second) -> tuple[float, float, float]:
    """Share of rows whose argmax differs, mean |Δ| of the first's top probability, mean |Δ| mutual information."""
    top = first.probabilities.argmax(axis=1)
    rows = np.arange(len(top))
    return (float(np.mean(second.probabilities.argmax(axis=1) != top)),
            float(np.mean(np.abs(second.probabilities[rows, top] - first.probabilities[rows, top]))),
            float(np.mean(np.abs(second.mutual_information - first.mutual_information))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--student", required=True, help="path stem of the student model")
    parser.add_argument("--teacher", default="realistic")
    parser.add_argument("--samples", type=int, default=1000, help="the teacher's passes T")
    parser.add_argument("--atoms", type=int, default=40, help="atoms sampled per snapshot")
    args = parser.parse_args()
    print(f"command: python benchmarks/student.py --student {args.student} --teacher {args.teacher} "
          f"--samples {args.samples} --atoms {args.atoms}")
    runs = [Classifier.load(args.teacher, samples=args.samples, seed=seed) for seed in (0, 1)]
    student = Classifier.load(args.student)
    features, expected, systems = sampled_descriptors(student, args.atoms)
    answers = {"teacher, seed 0": runs[0].predict_arrays(features), "teacher, seed 1": runs[1].predict_arrays(features),
               "student": student.predict_arrays(features)}
    reference = answers["teacher, seed 0"]
    print(f"\n{len(features)} atoms of {len(set(systems))} systems")
    print("| pair | argmax differs | mean abs. diff. of top probability | mean abs. diff. of mutual information |")
    print("|---|---|---|---|")
    for name in ("teacher, seed 1", "student"):
        differs, top, information = compare(reference, answers[name])
        print(f"| {name} vs teacher, seed 0 | {100 * differs:.2f} % | {top:.4f} | {information:.4f} nats |")
    print("\n| answers | expected class | lowest system |\n|---|---|---|")
    for name, answer in answers.items():
        right = np.asarray(student.classes_)[answer.probabilities.argmax(axis=1)] == expected
        worst = min(set(systems), key=lambda s: right[systems == s].mean())
        print(f"| {name} | {100 * right.mean():.2f} % | {worst} {100 * right[systems == worst].mean():.1f} % |")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
