"""The 108 crystal-structure classes of ARISE (Supplementary Tables S4-S6) as data.

Each class is a :class:`Prototype` record read from ``classes.json``; its
``definition`` says how the project builds the periodic cell (AFLOW label,
space group with Wyckoff positions, or an ASE nanotube). A user's own classes
(``prototypes.user``) are records of the same kind whose definition holds the
structures themselves.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

from ase import Atoms

from ariseml.errors import AriseError, InputError

Group = Literal["elemental", "binary", "ternary", "quaternary", "2d", "nanotube", "user"]
GROUPS: tuple[Group, ...] = ("elemental", "binary", "ternary", "quaternary", "2d", "nanotube")
"""The groups of the 108 classes (a user's own classes are in the group ``user``)."""
NOT_A_CRYSTAL = "not_a_crystal"
"""The id of a model's extra class for melts, glasses and random packings: an answer, not a prototype."""


class UnknownPrototypeError(AriseError, KeyError):
    """Raised for an id that is not one of the 108 classes; the message names the closest ids."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


@dataclass(frozen=True)
class Prototype:
    """One ARISE class: identity, expected symmetry, provenance and a build recipe (hashed and compared without
    the recipe: an id names one class)."""

    id: str
    name: str
    group: Group
    formula: str
    space_group: int | None
    arise_label: str
    source: str
    definition: dict[str, Any] = field(repr=False, compare=False)

    @property
    def is_2d(self) -> bool:
        return self.group == "2d" or self.definition.get("shape") == "layer"

    @property
    def is_nanotube(self) -> bool:
        return self.group == "nanotube"

    @property
    def is_finite(self) -> bool:
        """A single finite structure (a nanotube, or a user's tube or cluster), with no periodic cell."""
        return self.is_nanotube or self.definition.get("shape") == "finite"

    @property
    def variants(self) -> int:
        """How many structures the class has (a user's class may have several; the 108 have one)."""
        return len(self.definition.get("structures", [None]))

    def unit_cell(self, variant: int = 0) -> Atoms:
        """The periodic cell (for finite classes: the structure) of one of the class's ``variants``."""
        from ariseml.prototypes.builders import build_unit_cell

        return build_unit_cell(self.definition, variant)

    def record(self) -> dict[str, Any]:
        """The public fields as a JSON-ready dict (without the build recipe)."""
        data = asdict(self)
        del data["definition"]
        return data


@cache
def all_prototypes() -> tuple[Prototype, ...]:
    """All 108 classes, in the order of Supplementary Tables S4-S6."""
    text = resources.files(__package__).joinpath("classes.json").read_text(encoding="utf-8")
    return tuple(Prototype(**record) for record in json.loads(text))


def prototype_ids() -> list[str]:
    return [p.id for p in all_prototypes()]


def get_prototype(prototype_id: str) -> Prototype:
    """The class with this id (or ARISE label); unknown ids raise with the closest matches."""
    for prototype in all_prototypes():
        if prototype_id in (prototype.id, prototype.arise_label):
            return prototype
    known = prototype_ids()
    lowered = {i.lower(): i for i in known}
    close = [lowered[c] for c in difflib.get_close_matches(prototype_id.lower(), lowered, n=3, cutoff=0.5)]
    hint = f"; closest: {', '.join(close)}" if close else ""
    raise UnknownPrototypeError(
        f"unknown prototype id {prototype_id!r}{hint} (run 'arise prototypes' for the full list)"
    )


def prototypes_in_group(group: Group) -> list[Prototype]:
    if group not in GROUPS:
        raise InputError(f"unknown group {group!r}; choose one of {', '.join(GROUPS)}")
    return [p for p in all_prototypes() if p.group == group]


def build(prototype: Prototype | str, supercell: int | None = None, periodic: bool | None = None) -> Atoms:
    """A structure of the paper's recipe.

    - ``supercell=None``: the periodic cell (finite classes such as nanotubes: the structure).
    - ``supercell=0, 1, 2``: the smallest isotropic replica with ≥ 100 atoms and
      the next two larger ones, non-periodic unless ``periodic=True``.
    """
    from ariseml.prototypes.builders import supercell_repeats

    if isinstance(prototype, str):
        prototype = get_prototype(prototype)
    cell = prototype.unit_cell()
    if prototype.is_finite:
        if supercell not in (None, 0) or periodic:
            raise InputError(f"{prototype.id} is a single finite structure "
                             "(no periodic cell and no larger supercells)")
        return cell
    if supercell is None:
        if periodic is False:
            raise InputError("a non-periodic structure needs a supercell (0, 1 or 2)")
        return cell
    structure = cell.repeat(supercell_repeats(cell, prototype.is_2d, supercell))
    structure.pbc = cell.pbc if periodic else False
    return structure
