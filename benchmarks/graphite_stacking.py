"""How far apart the averaged SOAP puts hexagonal (AB) and rhombohedral (ABC) graphite.

    python benchmarks/graphite_stacking.py [--average inner|outer|both] [--rbf gto|polynomial]

Describes the two periodic cells at the 99 settings of the training set and
prints, per R_C at σ = 0.1 and extrinsic factor 1: the cosine similarity of the
two stackings and the distance between them; then the typical distance between
one stacking's own vectors at neighbouring settings, and the 5-fold
cross-validated accuracy of a logistic regression that sees only these 198
vectors. A dedicated classifier that cannot separate them tells us the
descriptor, not the network, is the limit. ``--average both`` joins the inner-
and outer-averaged vectors of each setting into one (a candidate descriptor).
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score

from ariseml.prototypes import get_prototype
from ariseml.training.dataset import PristineStructure, describe, training_settings

STACKINGS = ("hex_graphite_C", "rh_graphite_C")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--average", choices=("inner", "outer", "both"), default="inner")
    parser.add_argument("--rbf", choices=("gto", "polynomial"), default="gto")
    args = parser.parse_args()
    averages = ("inner", "outer") if args.average == "both" else (args.average,)
    settings = training_settings(averages[0], args.rbf)
    hexagonal, rhombohedral = (
        np.concatenate([describe(PristineStructure(get_prototype(i), None), training_settings(average, args.rbf))
                        for average in averages], axis=1)
        for i in STACKINGS)
    print(f"command: python benchmarks/graphite_stacking.py --average {args.average} --rbf {args.rbf}")
    print("R_C/d_NN  cosine(AB, ABC)  |AB - ABC|")
    for index, setting in enumerate(settings):
        if setting.sigma == 0.1 and setting.extrinsic_factor == 1.0:
            a, b = hexagonal[index], rhombohedral[index]
            cosine = a @ b / np.linalg.norm(a) / np.linalg.norm(b)
            print(f"{setting.r_cut:8.1f}  {cosine:15.7f}  {np.linalg.norm(a - b):10.5f}")
    sigma_neighbours = [np.linalg.norm(hexagonal[i] - hexagonal[j])
                        for i, s in enumerate(settings) for j, t in enumerate(settings)
                        if s.r_cut == t.r_cut and s.extrinsic_factor == t.extrinsic_factor
                        and round(t.sigma - s.sigma, 2) == 0.02]
    print(f"|AB(σ) - AB(σ + 0.02)| at equal R_C and factor, median: {np.median(sigma_neighbours):.5f}")
    features = np.concatenate([hexagonal, rhombohedral])
    labels = np.repeat([0, 1], len(settings))
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    for strength in (1e2, 1e4, 1e6):
        score = cross_val_score(LogisticRegression(C=strength, max_iter=50_000), features, labels, cv=folds)
        print(f"logistic regression C = {strength:.0e}: cross-validated accuracy {100 * score.mean():.1f} %")


if __name__ == "__main__":
    main()
