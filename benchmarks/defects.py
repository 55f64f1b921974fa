"""Accuracy of a model on freshly generated defective structures, beside the ARISE row of Table 2 (or of the
supplement's Table S2 or S3).

    python benchmarks/defects.py [--table "Table S2"] [--seeds 5] [--samples 1000] [--model STEM] [--out DIR]

For every class: supercell 0, periodic and non-periodic (nanotubes: the tube),
with `--seeds` random realisations per defect level (seeds never used in
training): the structures of `arise benchmark`'s Table 2 at supercell 0, whose
descriptor cache (`--cache`) it shares. Prints the table, writes `defects.csv`
(`defects-table-s2.csv`, ...) and the most frequent confusions per level to `--out`.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections import Counter
from pathlib import Path

import numpy as np

from ariseml.caches import benchmark_cache
from ariseml.classifier import Classifier
from ariseml.evaluation.levels import TABLES
from ariseml.evaluation.report import PAPER_ROWS
from ariseml.evaluation.robustness import BenchmarkConfig, benchmark_cases, draw_descriptors, draws


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", choices=list(TABLES), default="Table 2")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--samples", type=int, default=1000, help="Monte-Carlo passes T")
    parser.add_argument("--model", default="paper", help="a shipped model's name or a model path stem")
    parser.add_argument("--out", type=Path, default=Path("benchmark-results"))
    parser.add_argument("--cache", type=Path, default=Path(benchmark_cache()), help="descriptors of the test sets")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    classifier = Classifier.load(args.model, samples=args.samples, seed=0)

    command = (f"python benchmarks/defects.py --table '{args.table}' --seeds {args.seeds} --samples {args.samples} "
               f"--model {args.model}")
    print(f"command: {command}")
    config = BenchmarkConfig(supercells=(0,), realisations=args.seeds, samples=args.samples)
    rows = []
    for level, paper in zip(TABLES[args.table], PAPER_ROWS[args.table]["ariseml"]):
        start = time.perf_counter()
        truth = [case.prototype_id for draw in range(draws(config, level)) for case in benchmark_cases(config, draw)]
        features = np.concatenate([draw_descriptors(config, level, draw, classifier.settings_, args.cache)
                                   for draw in range(draws(config, level))])
        predicted = [answer.top_ids[0] for answer in classifier.predict_descriptors(features, top=1)]
        confusions = Counter((t, p) for t, p in zip(truth, predicted) if t != p)
        rows.append({"level": level.name, "structures": len(truth),
                     "ariseml": round(100 * float(np.mean(np.array(predicted) == np.array(truth))), 2),
                     "paper ARISE": paper,
                     "confusions": "; ".join(f"{t}->{p} ({n})" for (t, p), n in confusions.most_common(5))})
        print(f"{level.name:10s} {len(truth):5d} structures  ariseml {rows[-1]['ariseml']:6.2f} %  "
              f"paper {rows[-1]['paper ARISE']:>6} %  ({time.perf_counter() - start:.0f} s)  "
              f"{rows[-1]['confusions']}", flush=True)
    name = "defects.csv" if args.table == "Table 2" else f"defects-{args.table.lower().replace(' ', '-')}.csv"
    with open(args.out / name, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    header = " | ".join(r["level"] for r in rows)
    print(f"\n| model | {header} |\n|---|" + "---|" * len(rows))
    print(f"| {args.model} | " + " | ".join(f"{r['ariseml']:.2f}" for r in rows) + " |")
    print("| ARISE (paper) | " + " | ".join(f"{r['paper ARISE']:.2f}" for r in rows) + " |")


if __name__ == "__main__":
    main()
