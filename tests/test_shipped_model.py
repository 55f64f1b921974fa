"""The model shipped inside the package."""

import numpy as np
import pytest

from ariseml.classifier import Classifier
from ariseml.prototypes import all_prototypes
from ariseml.training.dataset import CENTRAL_SETTINGS, pristine_structures


@pytest.fixture(scope="module")
def shipped():
    return Classifier.load(samples=100, seed=0)


def test_metadata_describes_the_training(shipped):
    meta = shipped.metadata_
    assert shipped.classes_ == [p.id for p in all_prototypes()]
    assert shipped.settings_ == CENTRAL_SETTINGS
    assert meta["training_points"] == 39_204
    assert meta["training_size"] + meta["validation_size"] == 39_204
    assert 0.9 < meta["validation_accuracy"] <= 1.0
    assert meta["augmentation"]["r_cut"][0] == 3.0 and meta["augmentation"]["r_cut"][-1] == 5.0


def test_every_pristine_structure_is_classified_correctly(shipped):
    structures = pristine_structures()
    results = shipped.classify([s.atoms() for s in structures], top=2)
    wrong = [(s.name, r.top_ids[0]) for s, r in zip(structures, results) if r.top_ids[0] != s.prototype.id]
    # periodic hexagonal (AB) and rhombohedral (ABC) graphite give descriptors with cosine similarity
    # 0.99999 at R_C = 4 d_NN; the paper's model is split between them (README, "Known limits")
    assert wrong in ([], [("hex_graphite_C__periodic", "rh_graphite_C")])
    if wrong:
        split = next(r for s, r in zip(structures, results) if s.name == "hex_graphite_C__periodic")
        assert set(split.top_ids) == {"hex_graphite_C", "rh_graphite_C"} and sum(split.top_probabilities) > 0.95
    assert np.median([r.mutual_information for r in results]) < 0.05
