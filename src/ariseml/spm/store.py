"""A scan's folder: its record ``run.json``, and chunk and per-atom files that carry the run's key."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms

from ariseml import __version__
from ariseml.classifier import Classifier
from ariseml.errors import InputError
from ariseml.io import atomic_path, read_arrays
from ariseml.spm.grid import SpmSettings


CHUNK_FORMAT = 4
"""Bumped when chunks hold other arrays or boxes (2: hidden layers before the ReLU too; 3: only the first of
boxes holding the same atoms; 4: each chunk and per-atom file carries its run's key), so older chunks are not
mixed in."""


RUN_KEY = "run"
"""The array, in each chunk and per-atom file, holding the key of the run that wrote it."""


_log = logging.getLogger(__name__)


def sample_sha256(atoms: Atoms) -> str:
    """A checksum of what a scan reads from the sample: species, positions, and the cell and its periodicity
    (fast mode's environments cross a periodic cell's faces)."""
    digest = hashlib.sha256()
    digest.update(atoms.numbers.tobytes())
    digest.update(np.ascontiguousarray(atoms.positions).tobytes())
    digest.update(np.ascontiguousarray(atoms.cell.array).tobytes())
    digest.update(atoms.pbc.tobytes())
    return digest.hexdigest()


def run_identity(atoms: Atoms, settings: SpmSettings, classifier: Classifier) -> dict[str, Any]:
    """What a chunk on disk must have been made with to be reused: the sample, the scan's settings, the model
    and its Monte-Carlo passes (T, seed, settling, precision)."""
    return {"sample_sha256": sample_sha256(atoms), "settings": asdict(settings),
            "model_sha256": classifier.metadata_.get("sha256", ""), "samples": classifier.samples,
            "seed": classifier.seed, "settle": classifier.settle, "precision": classifier.precision,
            "ariseml_version": __version__,
            "chunk_format": CHUNK_FORMAT}


def record_key(record: dict[str, Any]) -> str:
    """A checksum of a JSON record (what a run's files depend on), stored in each of them."""
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


def _another_scan(out: Path) -> InputError:
    return InputError(f"{out} holds a scan made with another sample, settings, model or ariseml version: "
                      f"choose another `out`, or delete the folder {out} to start again", "out")


def prepare_output(out: Path, identity: dict[str, Any]) -> Path:
    """The chunk folder of a scan into ``out``. A new or empty folder gets the run's record, ``run.json``;
    a folder holding this run is resumed; any other folder is refused, so nothing of the user's is
    overwritten and no other run's files are mixed in."""
    record = out / "run.json"
    if record.exists():
        try:
            stored = json.loads(record.read_text())
        except (OSError, ValueError):  # unreadable: not a record of this run either
            stored = None
        if stored != json.loads(json.dumps(identity)):
            raise _another_scan(out)
    elif out.exists() and any(out.iterdir()):
        raise InputError(f"{out} is not empty and holds no run.json of a scan: choose another `out`, "
                         "or delete its files", "out")
    else:
        out.mkdir(parents=True, exist_ok=True)
        with atomic_path(record) as temporary:
            Path(temporary).write_text(json.dumps(identity, indent=1))
    chunks = out / "chunks"
    chunks.mkdir(exist_ok=True)
    return chunks


def read_checked(path: Path, key: str) -> dict[str, np.ndarray] | None:
    """The arrays of a chunk or per-atom file (in ``OUT/chunks`` or ``OUT/per-atom``) written with ``key``.

    A corrupt file is removed after a warning and None returned: it is then recomputed. A file
    written by another run raises.
    """
    arrays = read_arrays(path)
    if arrays is None:
        _log.warning(f"{path} is corrupt (unreadable); it will be recomputed")
        path.unlink()
        return None
    if RUN_KEY not in arrays or str(arrays.pop(RUN_KEY)) != key:
        raise _another_scan(path.parent.parent)
    return arrays


def save_checked(path: Path, key: str, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` with the run's ``key`` (read back with :func:`read_checked`), atomically."""
    with atomic_path(path) as temporary, open(temporary, "wb") as handle:
        np.savez(handle, **{RUN_KEY: np.array(key)}, **arrays)
