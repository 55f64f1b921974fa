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
    results = shipped.classify([s.atoms() for s in structures], top=1)
    wrong = [(s.name, r.top_ids[0]) for s, r in zip(structures, results) if r.top_ids[0] != s.prototype.id]
    assert wrong == []
    assert np.median([r.mutual_information for r in results]) < 0.05
