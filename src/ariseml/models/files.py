"""Model files: shipped models by name, a model's weights beside its metadata, checksums, loading that runs no
code from the file, and writing the pair so that an interruption never leaves a mixed one."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import torch

from ariseml import __version__
from ariseml.errors import InputError
from ariseml.io import atomic_path

SHIPPED_MODELS = {"paper": "arise_mlp", "outer": "arise_mlp_outer", "antisite": "arise_mlp_antisite",
                  "realistic": "arise_mlp_realistic"}
"""Name -> file stem of the ARISE models inside ``ariseml/models/shipped`` (``.pt`` weights, ``.json`` metadata).

``paper``: trained exactly as published (Table 1, Methods), the reference mode.
``outer``: the same network and training on the mean of per-atom power spectra
(``average="outer"``), the only averaging that can be pooled from per-atom vectors.
``antisite``: the paper's network and descriptor, trained on the paper's set plus the
supercells of the bulk compounds with 5 % and 10 % antisites (``arise dataset/train
--antisites 5,10``; not in the paper): ordered alloys that are not perfectly ordered.
``realistic``: five of the paper's networks on signed-log compressed and standardised inputs of the joined
descriptor (``average="both"``), trained on the realistic recipe (``arise dataset/train --recipe realistic``
with the options of docs/realistic.md; ``training.augmentation``): thermal-like and correlated noise, vacancies,
strain, c/a stretches, varied finite shapes, the stacking classes drawn more often, the paper's pristine
structures, flat and two-grain draws of the 2D classes, and the extra class ``not_a_crystal``; the default
(docs/realistic.md).
"""
SHIPPED_DIFFRACTION_MODELS = {"diffraction": "diffraction_convnet"}
"""The ConvNet on two-dimensional diffraction fingerprints (Ziletti et al. 2018), seven classes."""
DIFFRACTION_KIND = "diffraction"
"""``kind`` in the metadata of a diffraction model (ARISE models have none)."""


class ModelFileError(InputError):
    """A model file that is missing, corrupted or made for other descriptor settings."""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def model_files(model: str | Path, shipped: dict[str, str]) -> tuple[Path, dict[str, Any]]:
    """The weights of a shipped model (by name) or of the one at a path, and its verified metadata."""
    if str(model) in shipped:
        weights = Path(str(resources.files("ariseml.models").joinpath("shipped", f"{shipped[str(model)]}.pt")))
    else:
        weights = Path(model).with_suffix(".pt")
    meta_path = weights.with_suffix(".json")
    if not weights.is_file() or not meta_path.is_file():
        names = ", ".join([*SHIPPED_MODELS, *SHIPPED_DIFFRACTION_MODELS])
        raise ModelFileError(f"no model {str(model)!r}: not a shipped model ({names}) and no file pair "
                             f"{weights} and {meta_path.name}")
    try:
        metadata = json.loads(meta_path.read_text())
        expected = metadata["sha256"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, TypeError, KeyError) as error:
        raise ModelFileError(f"{meta_path} is not the metadata of a model written by ariseml ({type(error).__name__}: "
                             f"{error}); write the model again with 'arise train'") from error
    if sha256(weights) != expected:
        raise ModelFileError(f"{weights} does not match the checksum in {meta_path.name}: "
                             "the file is corrupted or was replaced; write it again (a shipped model: reinstall "
                             "the package)")
    return weights, metadata


def load_network(network: torch.nn.Module, weights: Path) -> torch.nn.Module:
    """``network`` with the weights of ``weights`` (tensors only: ``weights_only=True``), in evaluation mode."""
    try:
        network.load_state_dict(torch.load(weights, weights_only=True))
    except Exception as error:  # unpickling, size mismatch, missing keys: all mean a broken model pair
        raise ModelFileError(f"{weights} does not hold the network its metadata describes ({type(error).__name__}); "
                             "write the model again") from error
    return network.eval()


@contextmanager
def metadata_fields(weights: Path) -> Iterator[None]:
    """A missing or ill-typed field in the metadata beside ``weights`` becomes a ``ModelFileError``."""
    try:
        yield
    except (KeyError, TypeError) as error:
        raise ModelFileError(f"{weights.with_suffix('.json')} lacks what the network needs ({type(error).__name__}: "
                             f"{error}); write the model again") from error


def write_model(weights: Path, state: dict[str, torch.Tensor], record: dict[str, Any]) -> None:
    """Write ``weights`` and its metadata (``.json``, holding the weights' sha256) as a pair.

    Both are written to temporary files and renamed into place only when both are complete, the
    weights first: an interruption leaves the old pair, or the new one, or (killed between the two
    renames) new weights beside the old metadata, which loading refuses by the checksum.
    """
    with atomic_path(weights.with_suffix(".json")) as metadata, atomic_path(weights) as temporary:
        torch.save({name: tensor.cpu() for name, tensor in state.items()}, temporary)  # loadable without a GPU
        record = {**record, "package_version": __version__, "sha256": sha256(Path(temporary))}
        Path(metadata).write_text(json.dumps(record, indent=1))
