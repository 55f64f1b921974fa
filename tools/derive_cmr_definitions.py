"""Derive space-group definitions of the CMR classes from the ARISE data set.

Developer tool, run once by hand; the package never reads the reference data.
The ternary perovskites, quaternary chalcogenides and 2D materials of ARISE come
from the Computational Materials Repository (CMR). Their geometries are published
with ARISE (A. Leitherer et al., Nat. Commun. 12, 6234 (2021), data set CC-BY 4.0).
This script reads those geometries, finds their space group with spglib at the
smallest tolerance that reproduces the symmetry listed in Supplementary Tables
S4-S5, and prints facts only: space group, Wyckoff representatives, lattice
parameters. The output goes into ``src/ariseml/prototypes/classes.json``.

    python tools/derive_cmr_definitions.py ../shared/reference/arise-data > cmr.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import ase.io
import spglib
from ase import Atoms

TOLERANCES = (1e-5, 1e-4, 1e-3, 1e-2, 3e-2, 0.1, 0.2)


def crystal_system(number: int) -> str:
    for upper, name in ((2, "triclinic"), (15, "monoclinic"), (74, "orthorhombic"), (142, "tetragonal"),
                        (167, "trigonal"), (194, "hexagonal"), (230, "cubic")):
        if number <= upper:
            return name
    raise ValueError(number)


def symmetrize(atoms: Atoms, wanted: int | str | None) -> tuple[float, spglib.SpglibDataset]:
    """The dataset at the smallest tolerance giving ``wanted`` (number or crystal system)."""
    cell = (atoms.cell[:], atoms.get_scaled_positions(), atoms.numbers)
    found = []
    for symprec in TOLERANCES:
        dataset = spglib.get_symmetry_dataset(cell, symprec=symprec)
        if dataset is None:
            continue
        found.append((symprec, dataset))
        if wanted in (dataset.number, crystal_system(dataset.number)):
            return symprec, dataset
    symprec, dataset = next((s, d) for s, d in found if s >= 1e-3)
    print(f"# {atoms.get_chemical_formula()}: wanted {wanted}, using {dataset.number} at {symprec}", file=sys.stderr)
    return symprec, dataset


def wyckoff_definition(atoms: Atoms, wanted: int | str | None, layer: bool) -> dict:
    symprec, dataset = symmetrize(atoms, wanted)
    std = Atoms(numbers=dataset.std_types, cell=dataset.std_lattice,
                scaled_positions=dataset.std_positions, pbc=True)
    std_data = spglib.get_symmetry_dataset((std.cell[:], std.get_scaled_positions(), std.numbers), symprec=1e-5)
    assert std_data.number == dataset.number, (std_data.number, dataset.number)
    representatives = sorted(set(std_data.equivalent_atoms))
    definition = {
        "kind": "spacegroup",
        "spacegroup": int(dataset.number),
        "setting": 1,
        "symbols": [std.get_chemical_symbols()[i] for i in representatives],
        "wyckoff": [std_data.wyckoffs[i] for i in representatives],
        "basis": [[round(float(x), 6) for x in std.get_scaled_positions()[i]] for i in representatives],
        "cellpar": [round(float(x), 5) for x in std.cell.cellpar()],
        "symprec": symprec,
    }
    if len(std) > len(atoms):  # keep the CMR cell size: the paper's supercells replicate it
        definition["primitive"] = True
    if layer:
        definition["layer"] = True
        definition["vacuum"] = 15.0
    return definition


def main(root: Path, table: dict[str, int | str]) -> None:
    base = root / "Neural_network_data" / "PROTOTYPES"
    out = {}
    for group in ("Ternaries", "Quaternaries", "2D_materials"):
        for folder in sorted((base / group).iterdir()):
            geometry = next(folder.iterdir())
            atoms = ase.io.read(geometry, format="aims")
            out[folder.name] = wyckoff_definition(atoms, table.get(folder.name), group == "2D_materials")
    json.dump(out, sys.stdout, indent=1)


# Symmetry column of Supplementary Tables S4-S5 (crystal system where no number is given).
TABLE_SYMMETRY: dict[str, int | str] = {
    "3_cubic": "cubic", "3_halides_cubic": "cubic", "3_halides_tetragonal": "tetragonal",
    "24_RP": "tetragonal", "327_RP": "tetragonal", "3_halides_orthorhombic": "orthorhombic",
    "Cu2BaGeSe4": 144, "Cu2CdSnS4": 121, "Cu2ZnSnS4": 82, "Cu2KVS4": 40, "Cu2CdGeS4": 31, "Cu2ZnSiS4": 7,
    "C": 191, "Ti3C2": 187, "Ti3C2O2": 187, "MoS2": 187, "Ti3C2H2O2": 187, "GaS": 187, "BN": 187,
    "Ti2CH2O2": 164, "Ti2CO2": 164, "CdI2": 164, "CH": 164, "CH2Si": 156, "Ti4C3": 156, "BiTeI": 156,
    "Ti4C3O2": 156, "GeSe": 156, "MoSSe": 156, "Ti4C3H2O2": 156, "AgBr3": 150, "TiCl3": 150, "BiI3": 147,
    "FeSe": 129, "PbSe": 123, "GeS2": 115, "C3N": 65, "FeOCl": 59, "P": 28, "PdS2": 14, "MnS2": 14,
    "GaSe": 12, "TiS3": 11, "WTe2": 11, "HfBrS": 7, "RhO": 6, "SnS": 6, "NiSe": 6, "AuSe": 6, "VTe3": 6,
    "ReS2": 2, "ScPSe3": 1, "PbA2I4": 1, "PbS": 1, "CrW3S8": 1, "VPSe3": 1, "CrWS4": 1, "MnPSe3": 1,
}

if __name__ == "__main__":
    main(Path(sys.argv[1]), TABLE_SYMMETRY)
