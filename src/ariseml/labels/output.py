"""Per-atom labels into files OVITO reads: extended XYZ, or a LAMMPS text dump when the input was one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from ase import Atoms

from ariseml.errors import InputError
from ariseml.io import atomic_path, write_structure
from ariseml.labels.run import AtomLabels

PREFIX = "arise_"
"""Prefix of the per-atom columns."""


def label_columns(labels: AtomLabels) -> dict[str, np.ndarray]:
    """The per-atom columns, named for OVITO: ``arise_class_id`` (index into the model's classes, -1 unlabelled)
    colours by class; the names, probabilities and uncertainties beside it; ranks 2.. with a suffix."""
    columns: dict[str, np.ndarray] = {}
    for rank in range(labels.top_classes.shape[1]):
        suffix = "" if rank == 0 else f"_{rank + 1}"
        columns[f"{PREFIX}class_id{suffix}"] = labels.top_classes[:, rank].astype(np.int32)
        columns[f"{PREFIX}class{suffix}"] = labels.names(rank)
        columns[f"{PREFIX}probability{suffix}"] = labels.top_probabilities[:, rank].astype(np.float64)
    columns[f"{PREFIX}mutual_information"] = labels.mutual_information.astype(np.float64)
    columns[f"{PREFIX}predictive_entropy"] = labels.predictive_entropy.astype(np.float64)
    columns[f"{PREFIX}sphere_atoms"] = labels.sphere_atoms.astype(np.int32)
    return columns


def labelled_copy(atoms: Atoms, labels: AtomLabels, model: str) -> Atoms:
    """``atoms`` with the label columns as per-atom arrays and the model and class list in ``info``."""
    copy = atoms.copy()
    copy.calc = None
    for name, values in label_columns(labels).items():
        copy.new_array(name, values)
    copy.info[f"{PREFIX}model"] = model
    copy.info[f"{PREFIX}classes"] = " ".join(labels.classes)
    return copy


def write_labelled(path: Path, frames: list[Atoms], lammps_dump: bool) -> None:
    """All frames into one file, atomically: extended XYZ, or a LAMMPS text dump (numbers only, as dump readers
    expect: the class ids, with the list of class names beside it in ``PATH.classes.txt``)."""
    if not lammps_dump:
        write_structure(path, frames, format="extxyz")
        return
    with atomic_path(path) as temporary, open(temporary, "w") as handle:
        for frame in frames:
            handle.write(_dump_frame(frame))
    names = frames[0].info[f"{PREFIX}classes"].split()
    with atomic_path(f"{path}.classes.txt") as temporary:
        Path(temporary).write_text("".join(f"{index} {name}\n" for index, name in enumerate(names)))


def _dump_frame(atoms: Atoms) -> str:
    """One LAMMPS dump frame: id type x y z and the numeric label columns."""
    cell, lo = atoms.cell.array, atoms.get_celldisp().ravel()  # lo: LAMMPS's xlo, ylo, zlo
    if not np.allclose(cell[np.triu_indices(3, 1)], 0.0, atol=1e-8):
        raise InputError("the cell is not in LAMMPS's form (a along x, b in the xy plane): write extended XYZ "
                         "(--format extxyz)", "format")
    lx, ly, lz = np.diag(cell)
    xy, xz, yz = cell[1, 0], cell[2, 0], cell[2, 1]
    periodic = " ".join("pp" if p else "ff" for p in atoms.pbc)
    if abs(xy) + abs(xz) + abs(yz) < 1e-12:
        bounds = f"ITEM: BOX BOUNDS {periodic}\n" + "".join(f"{lo[k]:.10g} {lo[k] + (lx, ly, lz)[k]:.10g}\n"
                                                            for k in range(3))
    else:
        x_low = lo[0] + min(0.0, xy, xz, xy + xz)
        x_high = lo[0] + lx + max(0.0, xy, xz, xy + xz)
        y_low, y_high = lo[1] + min(0.0, yz), lo[1] + ly + max(0.0, yz)
        bounds = (f"ITEM: BOX BOUNDS xy xz yz {periodic}\n{x_low:.10g} {x_high:.10g} {xy:.10g}\n"
                  f"{y_low:.10g} {y_high:.10g} {xz:.10g}\n{lo[2]:.10g} {lo[2] + lz:.10g} {yz:.10g}\n")
    types = atoms.arrays.get("type", atoms.numbers)
    columns = {name: values for name, values in atoms.arrays.items()
               if name.startswith(PREFIX) and values.dtype.kind in "if"}
    header = "id type x y z " + " ".join(columns)
    lines = [f"ITEM: TIMESTEP\n{int(atoms.info.get('timestep', 0))}\nITEM: NUMBER OF ATOMS\n{len(atoms)}\n", bounds,
             f"ITEM: ATOMS {header}\n"]
    for index in range(len(atoms)):
        x, y, z = atoms.positions[index]
        values = " ".join(_dump_value(values[index]) for values in columns.values())
        lines.append(f"{index + 1} {int(types[index])} {x:.8g} {y:.8g} {z:.8g} {values}\n")
    return "".join(lines)


def _dump_value(value) -> str:
    if isinstance(value, (np.integer, int)):
        return str(int(value))
    return f"{float(value):.6g}"
