"""The training set's descriptors, cached: one ``.npz`` per structure (the paper's set, ``paper_set``, or a draw
of the realistic recipe, ``augmentation``) holding its vectors at each descriptor setting.

Files are written atomically, so an interrupted run resumes where it stopped. The cache folder's
``settings.json`` and each file record the descriptor settings, so a cache is never
completed or read with other settings; a corrupt file is recomputed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np

from ariseml.descriptors.soap import SoapSettings, arise_soap, pair_distances
from ariseml.errors import InputError
from ariseml.io import atomic_path, read_arrays
from ariseml.parallel import progress_map
from ariseml.prototypes import NOT_A_CRYSTAL, Prototype, all_prototypes, build, get_prototype
from ariseml.training import paper_set
from ariseml.training.augmentation import AmorphousDraw, Draw
from ariseml.training.paper_set import TrainingStructure

AUGMENTED_FOLDER = "augmented"
"""The subfolder of a training-set cache holding the draws of the realistic recipe (``augmentation``)."""
SETTINGS_RECORD = "settings.json"
"""The file, in a cache folder, recording the descriptor settings of its files."""

_log = logging.getLogger(__name__)

Structure = TrainingStructure | Draw | AmorphousDraw
"""What a training-set cache holds: a structure of the paper's set or a draw of the realistic recipe."""


def describe(structure: Structure, settings: Sequence[SoapSettings]) -> np.ndarray:
    """The structure's descriptor for each setting (rows), d_NN computed once."""
    atoms = structure.atoms()
    distances = pair_distances(atoms)
    return np.stack([arise_soap(atoms, s, distances) for s in settings])


def _expected_cost(structure: Structure) -> int:
    """Atoms times species squared (the descriptor's work), told from a draw's parameters without building it
    (building the realistic recipe's 13,000 draws once more only to sort them took a quarter of an hour)."""
    if isinstance(structure, AmorphousDraw):
        p = structure.parameters()
        return p["atoms"] * _pristine_size(get_prototype(p["species_of"]), None)[1] ** 2
    if isinstance(structure, Draw):
        p = structure.parameters()
        supercell = None if structure.prototype.is_finite else p["supercell"]
        atoms, species = _pristine_size(structure.prototype, supercell)
        return (p["ellipsoid"] or atoms) * species ** 2
    atoms, species = _pristine_size(structure.prototype, structure.supercell)
    return atoms * species ** 2


@cache
def _pristine_size(prototype: Prototype, supercell: int | None) -> tuple[int, int]:
    """Atoms and species of a class's periodic cell (``supercell`` None) or finite supercell."""
    atoms = build(prototype, supercell=supercell)
    return len(atoms), len(set(atoms.get_chemical_symbols()))


def _identity(settings: Sequence[SoapSettings]) -> str:
    """The descriptor settings of a cache file's rows, as stored in it."""
    return json.dumps([s.to_dict() for s in settings])


def _cache_file(cache: Path, structure: Structure) -> Path:
    return cache / f"{structure.name}.npz"


def _settings_name(identity: str) -> str:
    """The parameters that give the settings of ``identity`` (see :func:`_identity`), for messages."""
    try:
        settings = [SoapSettings(**record) for record in json.loads(identity)]
        (average, rbf), = {(s.average, s.rbf) for s in settings}
    except (ValueError, TypeError):  # not a list of settings, or one mixing averages or bases
        return "unrecognised settings"
    count = "" if settings == paper_set.training_settings(average, rbf) else f", {len(settings)} of them"
    return f"`average` {average}, `rbf` {rbf}{count}"


def _check_settings(path: Path, found: str, expected: str) -> None:
    """Refuse a cache whose file ``path`` records settings ``found`` other than ``expected``."""
    try:
        same = json.loads(found) == json.loads(expected)
    except ValueError:  # not JSON: not a record of these settings either
        same = False
    if not same:
        raise InputError(f"{path} holds descriptors made with other settings ({_settings_name(found)}) than "
                         f"these ({_settings_name(expected)}): use another cache folder for these settings "
                         "(by default each `average` and `rbf` has its own)", "average", "rbf")


def _check_record(cache: Path, expected: str) -> None:
    """Refuse a cache folder whose ``settings.json`` records other settings than ``expected``."""
    record = cache / SETTINGS_RECORD
    if record.exists():
        _check_settings(record, record.read_text(), expected)


def _read_cached(path: Path, expected: str) -> np.ndarray | None:
    """The vectors of a cache file made with the ``expected`` settings; None when the file is corrupt.
    A file of other settings raises."""
    arrays = read_arrays(path)
    if arrays is None or not {"settings", "vectors"} <= set(arrays):
        return None
    _check_settings(path, str(arrays["settings"]), expected)
    return arrays["vectors"]


def _describe_into_cache(job: tuple[Structure, tuple[SoapSettings, ...], Path]) -> str:
    structure, settings, cache = job
    vectors = describe(structure, settings)
    with atomic_path(_cache_file(cache, structure), suffix=".npz") as temporary:
        np.savez(temporary, vectors=vectors.astype(np.float32), settings=_identity(settings))
    return structure.name


def generate(cache: Path, structures: Sequence[Structure] | None = None,
             settings: Sequence[SoapSettings] | None = None, jobs: int | None = None,
             progress: bool = True) -> int:
    """Describe every structure not yet in ``cache``; returns how many were computed.

    A cache of other settings is refused before any work; a corrupt file is recomputed.
    """
    structures = list(structures or paper_set.pristine_structures())
    settings = tuple(settings or paper_set.training_settings())
    expected = _identity(settings)
    _check_record(cache, expected)
    todo = []
    for structure in structures:
        path = _cache_file(cache, structure)
        if not path.exists():
            todo.append(structure)
        elif _read_cached(path, expected) is None:
            _log.warning(f"{path} is corrupt (unreadable); it will be recomputed")
            todo.append(structure)
    cache.mkdir(parents=True, exist_ok=True)
    if not (cache / SETTINGS_RECORD).exists():
        with atomic_path(cache / SETTINGS_RECORD) as temporary:
            Path(temporary).write_text(json.dumps(json.loads(expected), indent=1))
    todo.sort(key=_expected_cost, reverse=True)  # no worker is left with a big structure at the end
    work = [(s, settings, cache) for s in todo]
    for _ in progress_map(_describe_into_cache, work, jobs, progress, desc="describing",
                          total=len(structures), done=len(structures) - len(todo), ordered=False):
        pass
    return len(todo)


def load(cache: Path, structures: Sequence[Structure] | None = None,
         settings: Sequence[SoapSettings] | None = None) -> tuple[np.ndarray, list[str], list[str]]:
    """Descriptor rows, their class ids and structure names, from a complete cache made with ``settings``."""
    expected = _identity(settings or paper_set.training_settings())
    _check_record(cache, expected)
    rows, labels, names = [], [], []
    for structure in structures or paper_set.pristine_structures():
        path = _cache_file(cache, structure)
        if not path.exists():
            raise InputError(f"{path} is missing: complete the cache {cache} with the same `average`, `rbf` and "
                             "`antisites` ('arise dataset', or dataset.generate)", "average", "rbf", "antisites")
        vectors = _read_cached(path, expected)
        if vectors is None:
            raise InputError(f"{path} is corrupt: recompute it into {cache} with the same `average`, `rbf` and "
                             "`antisites` ('arise dataset', or dataset.generate)", "average", "rbf", "antisites")
        rows.append(vectors)
        labels += [structure.label] * len(vectors)
        names += [structure.name] * len(vectors)
    return np.concatenate(rows), labels, names


def load_for_training(cache: Path, settings: Sequence[SoapSettings] | None = None,
                      structures: Sequence[Structure] | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Features, class indices and the class ids (output order: the 108 classes' order, then ``NOT_A_CRYSTAL``
    when the structures hold it).

    ``structures``: default the 396 pristine ones.
    """
    features, labels, _ = load(cache, structures, settings)
    classes = [p.id for p in all_prototypes()] + ([NOT_A_CRYSTAL] if NOT_A_CRYSTAL in labels else [])
    index = {c: i for i, c in enumerate(classes)}
    return features, np.array([index[label] for label in labels]), classes
