"""The points to explore: hidden-layer vectors of structures or of the boxes of a scan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms

from ariseml.errors import InputError


@dataclass
class Representations:
    """Hidden-layer vectors and what is known about each point."""

    vectors: np.ndarray  # (n, width)
    labels: list[str]  # point names: a file and frame, or a box's indices
    predicted: list[str]  # most probable class
    probability: np.ndarray  # (n,) its probability
    mutual_information: np.ndarray  # (n,)
    positions: np.ndarray | None = None  # (n, 3) box centres, for SPM inputs
    grid_index: np.ndarray | None = None  # (n, 3) z, y, x indices, for SPM inputs
    extra: dict[str, Any] = field(default_factory=dict)

    def subset(self, keep: np.ndarray) -> Representations:
        """The points where ``keep`` (a boolean mask) is true."""
        rows = np.flatnonzero(keep)
        return Representations(
            self.vectors[rows], [self.labels[i] for i in rows], [self.predicted[i] for i in rows],
            self.probability[rows], self.mutual_information[rows],
            None if self.positions is None else self.positions[rows],
            None if self.grid_index is None else self.grid_index[rows], self.extra)


def from_spm(folder: Path, layer: int, before_relu: bool = False) -> Representations:
    """The boxes of an ``arise spm`` output folder that were classified, with hidden layer ``layer``
    after its ReLU, or before it."""
    from ariseml.spm import BEFORE_RELU, read_result

    path = Path(folder) / "spm.nc"
    if not path.exists():
        raise InputError(f"{folder} holds no spm.nc: give the --out folder of 'arise spm'")
    dataset = read_result(path)
    name = f"hidden_{layer}{BEFORE_RELU if before_relu else ''}"
    if name not in dataset:
        kept = sorted(v for v in dataset.data_vars if v.startswith("hidden_"))
        raise InputError(f"{path} has no {name} (it has: {', '.join(kept) or 'none'}); "
                         f"rerun 'arise spm' with --hidden-layer {layer} into a new folder")
    argmax = dataset["argmax_class"].values
    valid = argmax >= 0
    z, y, x = np.nonzero(valid)
    classes = dataset["class"].values.astype(str)
    probabilities = dataset["probabilities"].values  # (class, z, y, x)
    chosen = argmax[valid]
    return Representations(
        vectors=dataset[name].values[valid].astype(np.float64),
        labels=[f"box z{i} y{j} x{k}" for i, j, k in zip(z, y, x)],
        predicted=list(classes[chosen]),
        probability=probabilities[chosen, z, y, x],
        mutual_information=dataset["mutual_information"].values[valid],
        positions=np.stack([dataset["x"].values[x], dataset["y"].values[y], dataset["z"].values[z]], axis=1),
        grid_index=np.stack([z, y, x], axis=1),
        extra={"grid_shape": argmax.shape, "box_edges": dataset.attrs["box_edges"],
               "centres": tuple(dataset[axis].values for axis in "xyz"), "layer": layer, "before_relu": before_relu},
    )


def from_structures(structures: Sequence[Atoms], names: Sequence[str], classifier: Any, layer: int,
                    before_relu: bool = False) -> Representations:
    """Hidden layer ``layer`` of each structure (after its ReLU, or before), from the Monte-Carlo passes."""
    results = classifier.classify(list(structures), top=1, keep_hidden=True)
    return Representations(
        vectors=np.stack([(r.hidden_before_relu if before_relu else r.hidden)[layer - 1]
                          for r in results]).astype(np.float64),
        labels=list(names), predicted=[r.top_ids[0] for r in results],
        probability=np.array([r.top_probabilities[0] for r in results]),
        mutual_information=np.array([r.mutual_information for r in results]),
        extra={"layer": layer, "before_relu": before_relu},
    )
