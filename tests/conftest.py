"""Shared fixtures: the ARISE reference data set, when it sits beside the repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]


def reference_root() -> Path:
    """``$ARISEML_REFERENCE`` or ``../shared/reference/arise-data`` next to the repository."""
    return Path(os.environ.get("ARISEML_REFERENCE", REPOSITORY.parent / "shared" / "reference" / "arise-data"))


@pytest.fixture(scope="session")
def arise_data() -> Path:
    root = reference_root()
    if not (root / "Neural_network_data" / "PROTOTYPES").is_dir():
        pytest.skip(f"ARISE reference data not found at {root}")
    return root
