"""How far apart the averaged SOAP puts hexagonal (AB) and rhombohedral (ABC) graphite.

    python benchmarks/graphite_stacking.py [--average inner|outer|both] [--rbf gto|polynomial]

Describes the two periodic cells at the 99 settings of the training set and
prints, per R_C at σ = 0.1 and extrinsic factor 1: the cosine similarity of the
two stackings and the distance between them; then the typical distance between
one stacking's own vectors at neighbouring settings, and the 5-fold
cross-validated accuracy of a logistic regression that sees only these 198
vectors. A dedicated classifier that cannot separate them tells us the
descriptor, not the network, is the limit. ``--average both`` joins the inner-
and outer-averaged vectors of each setting into one (a candidate descriptor);
``--rbf polynomial`` uses the radial basis of the original SOAP paper instead of
DScribe's GTOs. With ``--reference`` (the ARISE data set, default
``../shared/reference/arise-data``) it also prints the two periodic cells'
distance in the descriptors the authors published (``Neural_network_data/test_data``).
"""

from __future__ import annotations

import argparse
import json
import pickle
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score

from ariseml.prototypes import get_prototype
from ariseml.training.dataset import describe
from ariseml.training.paper_set import TrainingStructure, training_settings
from reference_data import add_reference_option

STACKINGS = ("hex_graphite_C", "rh_graphite_C")


class ArrayUnpickler(pickle.Unpickler):
    """Reads the authors' Python-2 pickles of NumPy arrays and refuses every other object: no code in them runs."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy", "ndarray"), ("numpy", "dtype")}

    def find_class(self, module: str, name: str) -> type:
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not a NumPy array part: refused")
        return super().find_class(module, name)


def read_array(path: Path) -> np.ndarray:
    with open(path, "rb") as handle:
        return np.asarray(ArrayUnpickler(handle, encoding="latin1").load())


def published_distance(reference: Path) -> float:
    """|AB - ABC| of the two periodic cells (unit vectors) in the authors' pristine test descriptors."""
    data = reference / "Neural_network_data"
    vectors = read_array(data / "test_data" / "soap_pristine_x.pkl").astype(float)
    labels = read_array(data / "test_data" / "soap_pristine_y.pkl")
    output_index = json.loads((data / "nn_output_layer_text_to_numerical_label.json").read_text())
    # the first row of a class is its periodic cell, its three supercells follow at the end
    first_rows = [np.flatnonzero(labels == output_index[get_prototype(i).arise_label])[0] for i in STACKINGS]
    hexagonal, rhombohedral = (vectors[row] / np.linalg.norm(vectors[row]) for row in first_rows)
    return float(np.linalg.norm(hexagonal - rhombohedral))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--average", choices=("inner", "outer", "both"), default="inner")
    parser.add_argument("--rbf", choices=("gto", "polynomial"), default="gto")
    add_reference_option(parser)
    args = parser.parse_args()
    averages = ("inner", "outer") if args.average == "both" else (args.average,)
    settings = training_settings(averages[0], args.rbf)
    hexagonal, rhombohedral = (
        np.concatenate([describe(TrainingStructure(get_prototype(i), None), training_settings(average, args.rbf))
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
    if (args.reference / "Neural_network_data").is_dir():
        print(f"the authors' published descriptors (quippy): |AB - ABC| = {published_distance(args.reference):.5f} "
              "for the periodic cells at the central setting")


if __name__ == "__main__":
    main()
