"""How far to trust the probabilities and the mutual information: calibration and error detection.

    python benchmarks/calibration.py [--realisations 2] [--model paper] [--tables "Table 2"]

On the robustness test sets (every class, supercells 0-2 periodic and finite, the defect
levels of ARISE Table 2, S2 and S3; descriptors shared with `arise benchmark` through
~/.cache/ariseml/benchmark) prints per level the accuracy, the mean confidence (top class's
probability), the expected calibration error and how well the mutual information, the
predictive entropy and the confidence single out the wrong answers (ROC AUC); then, over all
levels, a reliability table, the accuracy below and above mutual-information thresholds, and the
classes most often answered with a confidence below 0.7.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ariseml.evaluation import calibration, robustness
from ariseml.evaluation.levels import TABLES
from ariseml.classifier import DOUBT_BELOW, Classifier
from ariseml.caches import benchmark_cache

CONFIDENCE_EDGES = (0.0, 0.3, 0.5, 0.7, 0.9, 0.95, 0.99, 1.0)
MI_THRESHOLDS = (0.01, 0.05, 0.1, 0.2, 0.3, 0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realisations", type=int, default=2)
    parser.add_argument("--model", default="paper", help="a shipped model or a path written by 'arise train'")
    parser.add_argument("--tables", default=",".join(TABLES), help='comma-separated, e.g. "Table 2"')
    parser.add_argument("--samples", type=int, default=1000, help="Monte-Carlo passes T")
    parser.add_argument("--cache", type=Path, default=Path(benchmark_cache()))
    args = parser.parse_args()
    print(f"command: python benchmarks/calibration.py --realisations {args.realisations} --model {args.model} "
          f'--tables "{args.tables}" --samples {args.samples}')
    start = time.perf_counter()
    classifier = Classifier.load(args.model, samples=args.samples, seed=0)
    config = robustness.BenchmarkConfig(realisations=args.realisations, samples=args.samples)
    levels = list(dict.fromkeys(level for table in args.tables.split(",")
                                for level in TABLES[table.strip()]))
    print("| level | structures | accuracy | mean confidence | ECE | AUC, mutual information "
          "| AUC, predictive entropy | AUC, 1 − confidence |")
    print("|---|---|---|---|---|---|---|---|")
    per_level = []
    for level in levels:
        answers = calibration.level_answers(classifier, config, level, args.cache, progress=True)
        per_level.append(answers)
        _print_level_row(level.name, answers)
    pooled = calibration.Answers.join(per_level)
    _print_level_row("all levels", pooled)

    print("\nReliability over all levels (confidence: the top class's mean probability):")
    print("| confidence | structures | mean confidence | accuracy |")
    print("|---|---|---|---|")
    for row in calibration.reliability_table(pooled, CONFIDENCE_EDGES):
        closing = "]" if row.high == CONFIDENCE_EDGES[-1] else ")"
        measured = f"{row.confidence:.3f} | {100 * row.accuracy:.2f} %" if row.count else "- | -"
        print(f"| [{row.low:g}, {row.high:g}{closing} | {row.count} | {measured} |")

    print("\nMutual-information thresholds over all levels:")
    print("| mutual information below (nats) | share of structures | accuracy below | accuracy at or above |")
    print("|---|---|---|---|")
    for row in calibration.threshold_table(pooled, MI_THRESHOLDS):
        print(f"| {row.threshold:g} | {100 * row.share_below:.1f} % | {100 * row.accuracy_below:.2f} % | "
              f"{100 * row.accuracy_above:.2f} % |")
    print(f"\nThe true classes most often answered with confidence below {DOUBT_BELOW:g}:")
    print("| true class | structures | right |")
    print("|---|---|---|")
    for name, number, right in calibration.least_confident_classes(pooled, DOUBT_BELOW, count=8):
        print(f"| {name} | {number} | {100 * right:.1f} % |")
    print(f"\n{len(pooled.correct):,} structures in {(time.perf_counter() - start) / 60:.1f} min")


def _print_level_row(name: str, answers: calibration.Answers) -> None:
    cells = [name, str(len(answers.correct)), f"{100 * answers.accuracy:.2f} %", f"{answers.confidence.mean():.3f}",
             f"{calibration.expected_calibration_error(answers):.4f}",
             *(f"{calibration.error_detection_auc(answers, score):.3f}" for score in calibration.ERROR_SCORES)]
    print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
