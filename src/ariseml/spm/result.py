"""A scan's gridded result (``spm.nc``, an xarray Dataset) and what is read from it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms
from scipy.spatial import cKDTree

from ariseml import __version__
from ariseml.classifier import Classifier
from ariseml.errors import InputError
from ariseml.io import atomic_path
from ariseml.models.bayesian_mlp import hidden_widths
from ariseml.spm.classify import BEFORE_RELU
from ariseml.spm.grid import Grid, SpmSettings
from ariseml.spm.store import read_checked, record_key


def assemble(out: Path, grid: Grid, settings: SpmSettings, classifier: Classifier,
             identity: dict[str, Any], first: np.ndarray) -> Path:
    """Gather the chunks into one gridded data set, ``OUT/spm.nc`` (NetCDF, read with xarray); a box not
    classified itself gets the results of ``first[box]``, which holds the same atoms."""
    import xarray as xr

    n_classes = len(classifier.classes_)
    probabilities = np.full((grid.size, n_classes), np.nan, dtype=np.float32)
    information = np.full(grid.size, np.nan, dtype=np.float32)
    entropy = np.full(grid.size, np.nan, dtype=np.float32)
    counts = np.zeros(grid.size, dtype=np.int32)
    passes = np.zeros(grid.size, dtype=np.int32)
    widths = hidden_widths(classifier.model_)
    hidden = {f"hidden_{k}{suffix}": np.full((grid.size, widths[k - 1]), np.nan, dtype=np.float32)
              for k in settings.hidden_layers for suffix in ("", BEFORE_RELU)}
    key = record_key(identity)
    for path in sorted((out / "chunks").glob("chunk-*.npz")):
        chunk = read_checked(path, key)
        if chunk is None:
            raise InputError(f"{path} became unreadable during the scan: rerun the same command to recompute it")
        index = chunk["indices"]
        probabilities[index] = chunk["probabilities"]
        information[index] = chunk["mutual_information"]
        entropy[index] = chunk["predictive_entropy"]
        counts[index] = chunk["counts"]
        passes[index] = chunk["passes"]
        for name, values in hidden.items():
            values[index] = chunk[name]
    probabilities, information, entropy, counts, passes = (values[first] for values in (
        probabilities, information, entropy, counts, passes))
    hidden = {name: values[first] for name, values in hidden.items()}
    valid = ~np.isnan(information)
    argmax = np.where(valid, np.argmax(np.nan_to_num(probabilities, nan=-1.0), axis=1), -1).astype(np.int16)
    shape = grid.shape
    dataset = xr.Dataset(
        {
            "probabilities": (("class", "z", "y", "x"), probabilities.T.reshape(n_classes, *shape)),
            "argmax_class": (("z", "y", "x"), argmax.reshape(shape),
                             {"description": "index into 'class' of the most probable class; -1: empty box"}),
            "mutual_information": (("z", "y", "x"), information.reshape(shape), {"units": "nats"}),
            "predictive_entropy": (("z", "y", "x"), entropy.reshape(shape), {"units": "nats"}),
            "atom_count": (("z", "y", "x"), counts.reshape(shape)),
            "passes": (("z", "y", "x"), passes.reshape(shape), {"description": "Monte-Carlo passes of the box"}),
            **{name: (("z", "y", "x", f"unit_{name.split('_')[1]}"), values.reshape(*shape, -1),
                      {"description": f"hidden layer {name.split('_')[1]} "
                                      f"{'before' if name.endswith(BEFORE_RELU) else 'after'} its ReLU, "
                                      "mean over the passes"})
               for name, values in hidden.items()},
        },
        coords={"x": grid.centres[0], "y": grid.centres[1], "z": grid.centres[2],
                "class": np.array(classifier.classes_, dtype=str)},
        attrs={"title": "ariseml strided pattern matching", "ariseml_version": __version__,
               "box_edges": list(grid.box_edges), "run": json.dumps(identity),
               "descriptor_settings": json.dumps(classifier.settings_.to_dict())},
    )
    target = out / "spm.nc"
    with atomic_path(target) as temporary:
        dataset.to_netcdf(temporary, engine="scipy")
    return target


def read_result(path: str | Path) -> Any:
    """The gridded data set ``spm.nc`` written by :func:`scan` (``path``: the file or the run's folder), loaded into
    memory (an xarray Dataset)."""
    import xarray as xr

    path = Path(path)
    path = path / "spm.nc" if path.is_dir() else path
    if not path.is_file():
        raise InputError(f"no SPM result at {path}: give the spm.nc an 'arise spm' run wrote, or its --out folder",
                         "path")
    with xr.open_dataset(path, engine="scipy") as dataset:
        return dataset.load()


def atom_labels(atoms: Atoms, dataset: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per atom, the most probable class and the mutual information of the nearest non-empty box."""
    centres = np.stack(np.meshgrid(dataset["z"].values, dataset["y"].values, dataset["x"].values,
                                   indexing="ij"), axis=-1).reshape(-1, 3)[:, ::-1]
    argmax = dataset["argmax_class"].values.reshape(-1)
    information = dataset["mutual_information"].values.reshape(-1)
    valid = argmax >= 0
    if not valid.any():
        raise InputError("every box is empty: lower `min_atoms` or use a larger `box`", "min_atoms", "box")
    edges = np.array(dataset.attrs["box_edges"])
    _, nearest = cKDTree(centres[valid] / edges).query(atoms.positions / edges)
    classes = dataset["class"].values
    return classes[argmax[valid][nearest]].astype(str), information[valid][nearest]


def labelled_atoms(atoms: Atoms, dataset: Any) -> Atoms:
    """A copy of the scanned ``atoms`` with two per-atom arrays from :func:`atom_labels`: ``spm_class`` and
    ``spm_mutual_information`` (for extended XYZ, to colour in OVITO)."""
    labels, information = atom_labels(atoms, dataset)
    labelled = atoms.copy()
    labelled.new_array("spm_class", labels.astype("U40"))
    labelled.new_array("spm_mutual_information", information.astype(float))
    return labelled


def class_shares(dataset: Any, classes: Sequence[str]) -> list[float]:
    """For each class, the fraction of the non-empty boxes where it is the most probable."""
    argmax = dataset["argmax_class"].values
    valid = int((argmax >= 0).sum())
    names = list(dataset["class"].values)
    return [float((argmax == names.index(name)).sum()) / max(valid, 1) for name in classes]


def top_classes(dataset: Any, count: int) -> list[str]:
    """The classes with the highest mean probability over the non-empty boxes."""
    mean = dataset["probabilities"].mean(dim=("z", "y", "x"), skipna=True).values
    order = np.argsort(np.nan_to_num(mean, nan=-1.0))[::-1][:count]
    return [str(dataset["class"].values[i]) for i in order]
