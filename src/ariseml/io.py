"""Reading structures through ASE with clear errors, and writing them with no half-written output."""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ase.io
import numpy as np
from ase import Atoms
from ase.io.formats import UnknownFileTypeError, filetype, ioformats

from ariseml.errors import InputError


def output_format(path: str | Path, format: str | None = None) -> str:
    """The ASE format for writing ``path``: the given one, or guessed from the file name."""
    if format is not None:
        if format not in ioformats or not ioformats[format].can_write:
            raise InputError(f"ASE cannot write format {format!r}; pick one listed by 'ase info --formats'", "format")
        return format
    try:
        guessed = filetype(str(path), read=False, guess=False)
    except Exception:  # ASE raises several types for unknown names
        guessed = None
    if guessed is None or guessed not in ioformats or not ioformats[guessed].can_write:
        raise InputError(f"cannot tell the file format of {str(path)!r} from its name; "
                         "use a known extension (.xyz, .cif, .vasp, ...) or give `format`", "format")
    return guessed


def read_frames(path: str | Path, format: str | None = None) -> list[Atoms]:
    """Every frame of a structure file ASE reads; an ``InputError`` that says what to fix when it cannot.

    The frames are not checked (see ``structure.check_structure``): one bad frame must not cost the others.
    """
    source = Path(path)
    if source.is_dir():
        raise InputError("is a folder; give the structure files in it (e.g. FOLDER/*.xyz)")
    if not source.exists():
        raise InputError("no such file")
    try:
        frames = ase.io.read(source, index=":", format=format)
    except UnknownFileTypeError:
        raise InputError("cannot tell its format from the name; give `format` (an ASE format name such as "
                         "extxyz, cif, vasp, lammps-data; 'ase info --formats' lists them)", "format") from None
    except UnicodeDecodeError:
        guessed = format or _guessed_format(source)
        raise InputError(f"not a text file of format {guessed!r} (binary or damaged bytes); check the file, or "
                         "give `format` if it is another format", "format") from None
    except KeyError as error:
        name = str(error.args[0]) if error.args else ""
        what = f"the unknown element symbol {name!r}" if name.isalnum() and len(name) <= 3 else f"{name!r}"
        raise InputError(f"ASE stopped at {what}; fix that entry of the file") from None
    except Exception as error:  # ASE's readers raise many types for unreadable files
        detail = f": {error}" if str(error) else ""
        raise InputError(f"cannot read it with ASE ({type(error).__name__}{detail}); check the file, or give "
                         "`format`", "format") from error
    frames = frames if isinstance(frames, list) else [frames]
    if not frames:
        raise InputError("the file holds no structure")
    return frames


def _guessed_format(path: Path) -> str:
    try:
        return str(filetype(str(path), read=False))
    except Exception:  # ASE raises several types for unknown names
        return "unknown"


def read_arrays(path: str | Path) -> dict[str, np.ndarray] | None:
    """The arrays of an ``.npz`` file we wrote (a cache, a chunk); None when it is unreadable (corrupt or
    truncated), so that the caller can recompute it. Never unpickles: a file's contents run no code."""
    try:
        with np.load(path) as stored:
            return {name: stored[name] for name in stored.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return None


def check_writable(path: str | Path) -> None:
    """Fail early, before any work, when ``path`` cannot be written."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"cannot write {str(target)!r}: folder {str(folder)!r} does not exist; create it first")
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise InputError(f"cannot write {str(target)!r}: permission denied; choose another path")


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def validate_output(path: str | Path, format: str | None = None) -> str:
    """Check, before any work, that ``path`` can be written; return its ASE format."""
    check_writable(path)
    return output_format(path, format)


@contextmanager
def atomic_path(path: str | Path, suffix: str = ".part") -> Iterator[str]:
    """A temporary path beside ``path``, renamed onto it when the block succeeds and removed otherwise."""
    target = Path(path)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=suffix)
    os.close(handle)
    try:
        yield temporary
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private; give it a normal file's mode
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def write_structure(path: str | Path, atoms: Atoms | list[Atoms], format: str | None = None) -> None:
    """Write via a temporary file and rename it into place, so a failure leaves nothing behind."""
    fmt = validate_output(path, format)
    with atomic_path(path) as temporary:
        ase.io.write(temporary, atoms, format=fmt)


def save_png(figure: Any, path: str | Path, dpi: int = 140) -> None:
    """Write a matplotlib figure as PNG without leaving half a file behind, then close it."""
    import matplotlib.pyplot as plt

    with atomic_path(path) as temporary:
        figure.savefig(temporary, dpi=dpi, format="png")
    plt.close(figure)
