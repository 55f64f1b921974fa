"""Fixtures of the scan tests: the paper's model at T = 100, and a small scan of the bicrystal."""

import pytest

from ariseml import spm
from ariseml.classifier import Classifier
from bicrystal import iron_bicrystal


@pytest.fixture(scope="session")
def classifier():
    return Classifier.load("paper", samples=100, seed=0)


@pytest.fixture
def small_scan(classifier):
    """A function scanning the bicrystal into a folder: 21 boxes of a slab, in chunks of 4; its maps."""

    def scan_into(folder, **changes):
        settings = spm.SpmSettings(box=10.0, stride=(5.0, 5.0, 5.0), geometry="slab", chunk_boxes=4, **changes)
        return spm.scan(iron_bicrystal(), settings, classifier, folder, jobs=1, progress=False)

    return scan_into
