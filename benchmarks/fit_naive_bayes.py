"""Fit the naive Bayes baselines on the training set and store them in the package.

    arise dataset --out ~/.cache/ariseml/training-set      # once, about 15 min
    python benchmarks/fit_naive_bayes.py [--training-set DIR]

Prints each estimator's accuracy on the 80/20 split the network uses, then
refits on all 39,204 points and writes src/ariseml/models/shipped/naive_bayes.npz.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from ariseml.evaluation import naive_bayes
from ariseml.training.dataset import load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--training-set", type=Path, default=Path.home() / ".cache/ariseml/training-set")
    args = parser.parse_args()
    features, labels, _ = load(args.training_set)
    labels = np.array(labels)
    train_x, valid_x, train_y, valid_y = train_test_split(features, labels, test_size=0.2, stratify=labels,
                                                          random_state=42)
    for name, estimator in zip(("Gaussian", "Bernoulli"), naive_bayes.fit(train_x, train_y)):
        print(f"{name} naive Bayes: validation accuracy {100 * estimator.score(valid_x, valid_y):.2f} %")
    naive_bayes.save(*naive_bayes.fit(features, labels))
    print(f"wrote {naive_bayes.SHIPPED_PARAMETERS} ({len(features)} training points)")


if __name__ == "__main__":
    main()
