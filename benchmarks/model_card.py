"""A model's training record and its accuracy on the 396 pristine training structures.

    python benchmarks/model_card.py [--model paper] [--samples 1000]

Prints the validation accuracy stored by 'arise train' and classifies the
periodic cell and the three supercells of every class at the central setting.
"""

from __future__ import annotations

import argparse

from ariseml.classifier import Classifier
from ariseml.training.paper_set import pristine_structures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="paper", help="a shipped model's name or a model path stem")
    parser.add_argument("--samples", type=int, default=1000, help="Monte-Carlo passes T")
    args = parser.parse_args()
    classifier = Classifier.load(args.model, samples=args.samples, seed=0)
    meta = classifier.metadata_
    print(f"command: python benchmarks/model_card.py --model {args.model} --samples {args.samples}")
    print(f"training points {meta['training_points']}, validation accuracy "
          f"{100 * meta['validation_accuracy']:.2f} % (best epoch {meta['best_epoch']})")
    structures = pristine_structures()
    results = classifier.classify([s.atoms() for s in structures], top=2)
    wrong = [(s.name, r) for s, r in zip(structures, results) if r.top_ids[0] != s.prototype.id]
    print(f"pristine structures classified correctly: {len(structures) - len(wrong)} of {len(structures)}")
    for name, result in wrong:
        shares = ", ".join(f"{i} {100 * p:.1f} %" for i, p in zip(result.top_ids, result.top_probabilities))
        print(f"  {name}: {shares}")


if __name__ == "__main__":
    main()
