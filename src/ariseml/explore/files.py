"""An exploration's files, each written atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ariseml.explore.points import Representations
from ariseml.io import atomic_path


def write_arrays(out: Path, representations: Representations, labels: np.ndarray, embedding: np.ndarray,
                 extra: dict[str, np.ndarray] | None = None) -> Path:
    """explore.npz: cluster labels, 2-D embedding and the per-point facts, in the points' order."""
    path = out / "explore.npz"
    with atomic_path(path) as temporary, open(temporary, "wb") as handle:
        np.savez(handle, labels=labels, embedding=embedding, names=np.array(representations.labels),
                 predicted=np.array(representations.predicted), probability=representations.probability,
                 mutual_information=representations.mutual_information,
                 **({} if representations.grid_index is None else {"grid_index": representations.grid_index}),
                 **(extra or {}))
    return path


def write_similarity(path: Path, similarity: np.ndarray) -> None:
    """The cosine-similarity matrix as ``.npy``, written atomically."""
    with atomic_path(path) as temporary, open(temporary, "wb") as handle:
        np.save(handle, similarity)


def write_json(path: Path, record: dict[str, Any]) -> None:
    with atomic_path(path) as temporary:
        Path(temporary).write_text(json.dumps(record, indent=1))
