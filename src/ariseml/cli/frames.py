"""Reading input files frame by frame, each frame checked, so that a bad frame costs only itself."""

from __future__ import annotations

import dataclasses
from typing import Any


from ariseml.cli.group import in_option_words
from ariseml.errors import InputError


@dataclasses.dataclass
class Frame:
    """One frame to classify, or (with ``error``) one that cannot be: a file that cannot be read has frame None."""

    file: str
    frame: int | None
    atoms: Any = None
    notes: list[str] = dataclasses.field(default_factory=list)
    error: str | None = None

    def where(self) -> str:
        return self.file if self.frame is None else f"{self.file}: frame {self.frame}"


def frames_of(path: str, file_format: str | None) -> list[Frame]:
    """The frames of one input file, each checked: a bad frame costs itself, an unreadable file itself."""
    from ariseml.io import read_frames
    from ariseml.structure import check_structure

    try:
        frames = read_frames(path, file_format)
    except InputError as error:
        return [Frame(path, None, error=in_option_words(error))]
    checked = []
    for number, atoms in enumerate(frames):
        try:
            checked.append(Frame(path, number, atoms, notes=check_structure(atoms)))
        except InputError as error:
            checked.append(Frame(path, number, error=in_option_words(error)))
    return checked


def read_checked_frames(path: str, file_format: str | None = None) -> list:
    """Every frame of ``path``, each checked; an ``InputError`` naming the file (and the frame) otherwise."""
    frames = frames_of(path, file_format)
    for frame in frames:
        if frame.error is not None:
            where = frame.where() if len(frames) > 1 else frame.file
            raise InputError(f"{where}: {frame.error}")
    return [frame.atoms for frame in frames]
