"""A user's own classes beside the 108: registered from structure files into a folder of the user's choosing
(``arise classes add``), never into the installed package.

The folder's ``classes.json`` holds one :class:`~ariseml.prototypes.Prototype` record per class, in the group
``user``, whose definition (kind ``atoms``) carries the class's structures themselves: a periodic cell (bulk),
a layer (periodic in-plane, rebuilt with vacuum as the 2D classes are) or a finite structure (a tube, a
cluster). ``training.extend`` builds their training data and extends a model with them.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms

from ariseml.caches import cache_folder
from ariseml.descriptors.soap import SoapSettings, describe_many
from ariseml.errors import InputError
from ariseml.io import atomic_path, read_arrays, read_frames
from ariseml.prototypes import NOT_A_CRYSTAL, Prototype, all_prototypes
from ariseml.prototypes.builders import LAYER_VACUUM, build_unit_cell, empty_gaps, isolate_layer
from ariseml.structure import check_structure, space_group

CLASSES_FILE = "classes.json"
"""The file, in a user's class folder, that lists the classes."""
FORMAT = "ariseml user classes 1"
"""What ``classes.json`` says it is, so that another JSON file is not mistaken for one."""
DUPLICATE_TOLERANCE = 0.003
"""A new structure whose descriptor lies within this relative distance of a class's is that class again. The
descriptor does not see scale or species (fcc Al and fcc Cu are at 0); the closest two of the 108 classes,
dhcp La and α-Sm, are 0.006 apart, and hcp Ti (c/a 1.59) lies 0.012 from hcp Mg (1.62)."""
LAYER_GAP = 8.0
"""A periodic cell with an empty gap this wide (Å) across one axis is a layer, not a bulk crystal."""
USER_CLASSES_KEY = "user_classes"
"""The metadata field of a model with user classes holding their records (with their structures)."""
USER_DESCRIPTORS = "descriptors"
"""The subfolder of a class folder caching the descriptors of its classes' training draws."""
SYMMETRY_TOLERANCE = 1e-3
"""spglib's tolerance (Å) for the space group recorded with a periodic structure."""
_ID_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class ClosestClass:
    """The existing class whose structure lies nearest a new one's, in relative descriptor distance."""

    id: str
    distance: float


def descriptor_distance(first: np.ndarray, second: np.ndarray) -> float:
    """|a - b| / sqrt(|a| |b|): zero for the same structure at any scale and with any species."""
    return float(np.linalg.norm(first - second) / np.sqrt(np.linalg.norm(first) * np.linalg.norm(second)))


def read_classes(folder: str | Path) -> tuple[Prototype, ...]:
    """The classes registered in ``folder`` (none when it has no ``classes.json`` yet)."""
    path = Path(folder) / CLASSES_FILE
    if not path.exists():
        return ()
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
        if content.get("format") != FORMAT:
            raise ValueError(f"format {content.get('format')!r}")
        return tuple(Prototype(**record) for record in content["classes"])
    except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError, AttributeError) as error:
        raise InputError(f"{path} is not a class list written by 'arise classes add' ({type(error).__name__}: "
                         f"{error}); use another `folder`", "folder") from error


def recorded_classes(metadata: dict[str, Any]) -> list[Prototype]:
    """The user classes a model's metadata records (none for a model that was not extended)."""
    return [Prototype(**record) for record in metadata.get(USER_CLASSES_KEY, [])]


def _write_classes(folder: Path, classes: Sequence[Prototype]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    records = [asdict(prototype) for prototype in classes]
    with atomic_path(folder / CLASSES_FILE) as temporary:
        Path(temporary).write_text(json.dumps({"format": FORMAT, "classes": records}, indent=1), encoding="utf-8")


def _checked_id(class_id: str, existing: Sequence[Prototype]) -> str:
    if not _ID_PATTERN.fullmatch(class_id):
        raise InputError(f"class id {class_id!r}: start with a letter and use letters, digits, _ and - only "
                         "(it names files)", "class_id")
    taken = next((p for p in existing if class_id.lower() in (p.id.lower(), p.arise_label.lower())), None)
    if class_id.lower() == NOT_A_CRYSTAL:
        owner = "the not-a-crystal answer"
    elif taken is not None:
        owner = "a class already in the folder" if taken.group == "user" else f"one of the 108 classes ({taken.id})"
    else:
        return class_id
    raise InputError(f"class id {class_id!r} is taken by {owner}; choose another `class_id`", "class_id")


def _shape(atoms: Atoms) -> str:
    """bulk, layer or finite: how the structure repeats."""
    periodic = int(np.sum(atoms.pbc))
    if periodic == 0:
        return "finite"
    if periodic == 1:
        raise InputError("periodic along one axis only: give a finite structure (no periodic axes, e.g. a tube "
                         "long enough to hold its environments) or a periodic cell")
    if periodic == 2:
        return "layer"
    return "layer" if empty_gaps(atoms).max() >= LAYER_GAP else "bulk"


def _as_layer(atoms: Atoms) -> Atoms:
    """A slab rebuilt as the 2D classes are: the layer in the xy plane with ``LAYER_VACUUM`` Å of vacuum."""
    slab = atoms.copy()
    if not slab.pbc.all():  # give the open axis a cell vector across the slab so that the gap can be found
        axis = int(np.flatnonzero(~slab.pbc)[0])
        in_plane = [slab.cell[k] for k in range(3) if k != axis]
        normal = np.cross(*in_plane)
        normal /= np.linalg.norm(normal)
        cell = slab.cell[:].copy()
        cell[axis] = normal * (np.ptp(slab.positions @ normal) + LAYER_VACUUM)
        slab.set_cell(cell)
        slab.pbc = True
    return isolate_layer(slab)


def _structure_record(atoms: Atoms, source: str) -> tuple[dict[str, Any], str]:
    """A checked structure as stored in a class definition, and its shape."""
    if len(atoms) < 2:
        raise InputError(f"{source}: a class needs more than one atom (for a Bravais lattice give its conventional "
                         "cell)")
    check_structure(atoms)
    shape = _shape(atoms)
    if shape == "layer":
        atoms = _as_layer(atoms)
    elif shape == "finite":
        atoms = Atoms(numbers=atoms.numbers, positions=atoms.positions - atoms.positions.mean(axis=0), pbc=False)
    record = {"numbers": atoms.numbers.tolist(), "positions": atoms.positions.round(6).tolist(),
              "cell": atoms.cell[:].round(6).tolist(), "pbc": atoms.pbc.tolist(),
              "space_group": space_group(atoms, SYMMETRY_TOLERANCE) if shape == "bulk" else None}
    return record, shape


def _read_one(path: Path) -> Atoms:
    try:
        frames = read_frames(path)
    except InputError as error:
        raise InputError(f"{path}: {error}", *error.parameters) from error
    if len(frames) > 1:
        raise InputError(f"{path} holds {len(frames)} frames: give one structure per file")
    return frames[0]


def _reference_vectors(classes: Sequence[Prototype], settings: SoapSettings) -> np.ndarray:
    """The descriptors of the classes' pristine structures (the 108's cached on disk, per descriptor setting)."""
    shipped = [p for p in classes if p.group != "user"]
    key = hashlib.sha256(json.dumps(settings.to_dict(), sort_keys=True).encode()).hexdigest()[:16]
    path = Path(cache_folder("class-descriptors")) / f"{key}.npz"
    arrays = read_arrays(path) if path.exists() else None
    if arrays is None or list(arrays["ids"]) != [p.id for p in shipped]:
        vectors = describe_many([p.unit_cell() for p in shipped], settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path, suffix=".npz") as temporary:
            np.savez(temporary, ids=np.array([p.id for p in shipped]), vectors=vectors)
        arrays = {"vectors": vectors}
    user = [p.unit_cell(variant) for p in classes if p.group == "user" for variant in range(p.variants)]
    return np.concatenate([arrays["vectors"], describe_many(user, settings)]) if user else arrays["vectors"]


def closest_class(vector: np.ndarray, classes: Sequence[Prototype], references: np.ndarray) -> ClosestClass:
    """The class (one row of ``references`` per class structure, in ``classes`` order) nearest ``vector``."""
    owners = [p.id for p in classes for _ in range(p.variants)]
    distances = [descriptor_distance(vector, reference) for reference in references]
    best = int(np.argmin(distances))
    return ClosestClass(owners[best], distances[best])


def add_class(folder: str | Path, paths: Sequence[str | Path], class_id: str, settings: SoapSettings,
              name: str | None = None, tolerance: float = DUPLICATE_TOLERANCE) -> tuple[Prototype, ClosestClass]:
    """Register the structures in ``paths`` (one per file, any ASE format) as the class ``class_id`` of
    ``folder``; returns it and the existing class nearest it (descriptors at ``settings``).

    Refused, with nothing written: an unreadable file, one atom, a taken id, structures of mixed shapes, and a
    structure within ``tolerance`` of an existing class (that class is named).
    """
    if not paths:
        raise InputError("give at least one structure file")
    if not 0 <= tolerance < 1:
        raise InputError(f"`tolerance` is a relative distance in [0, 1), got {tolerance}", "tolerance")
    folder = Path(folder)
    registered = read_classes(folder)
    existing = (*all_prototypes(), *registered)
    class_id = _checked_id(class_id, existing)
    records, shapes, sources = [], set(), []
    for path in map(Path, paths):
        atoms = _read_one(path)
        record, shape = _structure_record(atoms, str(path))
        records.append(record)
        shapes.add(shape)
        sources.append(f"{path.name} (sha256 {hashlib.sha256(path.read_bytes()).hexdigest()[:12]})")
    if len(shapes) > 1:
        raise InputError(f"the structures of one class must all be bulk, all layers or all finite; these are "
                         f"{', '.join(sorted(shapes))}: register them as separate classes")
    definition = {"kind": "atoms", "shape": shapes.pop(), "structures": records}
    prototype = Prototype(
        id=class_id, name=name or class_id, group="user",
        formula=build_unit_cell(definition).get_chemical_formula(empirical=True),
        space_group=records[0]["space_group"], arise_label=name or class_id,
        source=f"user class from {', '.join(sources)}, added {datetime.date.today().isoformat()}",
        definition=definition)
    references = _reference_vectors(existing, settings)
    vectors = describe_many([prototype.unit_cell(v) for v in range(prototype.variants)], settings)
    nearest = [closest_class(vector, existing, references) for vector in vectors]
    closest = min(nearest, key=lambda c: c.distance)
    if closest.distance <= tolerance:
        raise InputError(f"{class_id!r} duplicates the class {closest.id} (descriptor distance "
                         f"{closest.distance:.4f}, within `tolerance` {tolerance}): the descriptor sees neither "
                         "scale nor species, so this structure is that class already", "tolerance")
    for a in range(len(vectors)):
        for b in range(a):
            if (distance := descriptor_distance(vectors[a], vectors[b])) <= tolerance:
                raise InputError(f"{paths[a]} and {paths[b]} are the same structure (descriptor distance "
                                 f"{distance:.4f}): give each once")
    _write_classes(folder, [*registered, prototype])
    return prototype, closest
