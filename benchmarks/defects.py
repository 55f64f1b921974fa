"""Accuracy of a model on freshly generated defective structures, beside the ARISE row of Table 2.

    python benchmarks/defects.py [--seeds 5] [--samples 1000] [--model STEM] [--out DIR]

For every class: supercell 0, periodic and non-periodic (nanotubes: the tube),
with `--seeds` random realisations per defect level (seeds never used in
training). Prints the table, writes `defects.csv` and the most frequent
confusions per level to `--out`.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections import Counter
from pathlib import Path

from ariseml.benchmark.defects import PAPER_ARISE_ROW, accuracy, defective_set, table2_levels
from ariseml.classifier import Classifier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--samples", type=int, default=1000, help="Monte-Carlo passes T")
    parser.add_argument("--model", default="paper", help="a shipped model's name or a model path stem")
    parser.add_argument("--out", type=Path, default=Path("benchmark-results"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    classifier = Classifier.load(args.model, samples=args.samples, seed=0)

    command = f"python benchmarks/defects.py --seeds {args.seeds} --samples {args.samples} --model {args.model}"
    print(f"command: {command}")
    rows = []
    for level in table2_levels():
        start = time.perf_counter()
        structures, truth = defective_set(level, args.seeds)
        predicted = [r.top_ids[0] for r in classifier.classify(structures, top=1)]
        confusions = Counter((t, p) for t, p in zip(truth, predicted) if t != p)
        rows.append({"level": level.name, "structures": len(structures),
                     "ariseml": round(accuracy(predicted, truth), 2),
                     "paper ARISE": PAPER_ARISE_ROW.get(level.name, ""),
                     "confusions": "; ".join(f"{t}->{p} ({n})" for (t, p), n in confusions.most_common(5))})
        print(f"{level.name:10s} {len(structures):5d} structures  ariseml {rows[-1]['ariseml']:6.2f} %  "
              f"paper {rows[-1]['paper ARISE']:>6} %  ({time.perf_counter() - start:.0f} s)  "
              f"{rows[-1]['confusions']}", flush=True)
    with open(args.out / "defects.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    header = " | ".join(r["level"] for r in rows)
    print(f"\n| model | {header} |\n|---|" + "---|" * len(rows))
    print("| ariseml | " + " | ".join(f"{r['ariseml']:.2f}" for r in rows) + " |")
    print("| ARISE (paper) | " + " | ".join(f"{r['paper ARISE']:.2f}" for r in rows) + " |")


if __name__ == "__main__":
    main()
