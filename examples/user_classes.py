"""Your own classes: fluorite CaF₂, rutile TiO₂ and NbO, three structures outside the 108, added to the
shipped realistic model, and their answers before and after.

    python examples/user_classes.py [--mode head|all] [--draws N] [--out user-classes] [--samples 1000]
                                    [--model STEM]

The classes come from the AFLOW prototype library that ariseml builds the 108 from (C1, C4 and NbO's
AB_cP6_221_c_d). Each is tested as real samples show it: a periodic replica (>= 100 atoms), the paper's finite
supercells 0 and 1, clean, with 3 % Gaussian noise, and with 3 % noise after 20 % of the atoms were removed (five
draws each); rutile also as SnO₂ and GeO₂, whose c/a and oxygen coordinate differ from TiO₂'s. The 108 classes'
figures before and after come from the realistic suite, whose command the script prints at the end.
Registration and extension are cached in --out, so a rerun only classifies. ``--model STEM`` scores that model
instead of the extension: one trained from scratch on the realistic recipe with the same classes, ``arise train
... --user-classes OUT/classes`` (docs/classes.md), to compare the two ways.
"""

from __future__ import annotations

import argparse
import time
import zlib
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.spacegroup import crystal

from ariseml.classifier import Classifier
from ariseml.defects import remove_atoms
from ariseml.io import write_structure
from ariseml.prototypes import Prototype
from ariseml.prototypes.builders import aflow_structure, supercell_repeats
from ariseml.prototypes.user import add_class, read_classes
from ariseml.structure import nearest_neighbour_distance
from ariseml.training.extend import Extension, extend_model

NEW_CLASSES = {"fluorite": ("AB2_cF12_225_a_c", "fluorite (CaF2, C1)"),
               "rutile": ("A2B_tP6_136_f_a", "rutile (TiO2, C4)"),
               "NbO": ("AB_cP6_221_c_d", "NbO (ordered-vacancy rock salt)")}
"""id -> AFLOW label and name of the three classes added."""
OTHER_RUTILES = {
    # a, c (Å) and the oxygen coordinate x at 4f (x, x, 0): Bolzan, Fong, Kennedy & Howard, Acta Cryst. B 53, 373 (1997)
    "SnO2": (4.7374, 3.1864, 0.3056),
    "GeO2": (4.3975, 2.8625, 0.3061),
}
VERSIONS = {"clean": (0.0, 0.0), "noise 3 %": (0.03, 0.0), "noise 3 % + 20 % missing": (0.03, 0.20)}
"""Gaussian σ (fraction of d_NN) and fraction of atoms removed."""
DRAWS = 5
"""Random draws of each noisy version of each form."""


def rutile(a: float, c: float, x: float, metal: str) -> Atoms:
    return crystal([metal, "O"], basis=[(0, 0, 0), (x, x, 0)], spacegroup=136, cellpar=[a, a, c, 90, 90, 90])


def register(folder: Path, base: Classifier) -> list[Prototype]:
    """The three classes in ``folder`` (added from CIF files of the AFLOW cells on the first run)."""
    known = {p.id for p in read_classes(folder)}
    for class_id, (label, name) in NEW_CLASSES.items():
        if class_id not in known:
            path = folder / f"{class_id}.cif"
            folder.mkdir(parents=True, exist_ok=True)
            write_structure(path, aflow_structure(label))
            prototype, closest = add_class(folder, [path], class_id, base.settings_, name)
            print(f"added {class_id}: nearest of the 108 is {closest.id} (descriptor distance {closest.distance:.3f})")
    return [p for p in read_classes(folder) if p.id in NEW_CLASSES]


def test_structures(prototype: Prototype) -> list[tuple[str, str, Atoms]]:
    """(compound, version, structure) for every form and draw of one class."""
    cells = {prototype.formula: prototype.unit_cell()}
    if prototype.id == "rutile":
        cells.update({name: rutile(*values, name[:2]) for name, values in OTHER_RUTILES.items()})
    structures = []
    for compound, cell in cells.items():
        for version, (sigma, missing) in VERSIONS.items():
            for form in ("periodic", 0, 1):
                clean = cell.repeat(supercell_repeats(cell, False, 0 if form == "periodic" else form))
                clean.pbc = form == "periodic"
                for draw in range(1 if version == "clean" else DRAWS):
                    rng = np.random.default_rng(zlib.crc32(f"{compound} {version} {form} {draw}".encode()))
                    atoms = remove_atoms(clean, missing, seed=int(rng.integers(2**32))) if missing else clean.copy()
                    atoms.positions += rng.normal(0, sigma * nearest_neighbour_distance(clean), atoms.positions.shape)
                    structures.append((compound, version, atoms))
    return structures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("head", "all"), default="head")
    parser.add_argument("--out", type=Path, default=Path("user-classes"))
    parser.add_argument("--samples", type=int, default=1000, help="Monte-Carlo passes T")
    parser.add_argument("--draws", type=int, default=None,
                        help="training draws per new class [default: Extension's, three times the base recipe's 120: "
                             "fluorite and GeO2 with missing atoms reach p >= 0.9 with these]")
    parser.add_argument("--model", type=Path, default=None,
                        help="score this model instead of extending (e.g. one trained from scratch with 'arise train "
                             "--user-classes OUT/classes')")
    options = parser.parse_args()
    base = Classifier.load("realistic", samples=options.samples)
    added = register(options.out / "classes", base)
    model_path = options.model or options.out / f"realistic_plus_3_{options.mode}"
    if options.model is None and not model_path.with_suffix(".pt").exists():
        started = time.perf_counter()
        extension = Extension(draws=options.draws, mode=options.mode)
        result = extend_model(base, options.out / "classes", model_path, extension, progress=False)
        print(f"extended in {time.perf_counter() - started:.0f} s ({result.training_points} training points, their "
              "descriptors included; a rerun finds them cached)")
    extended = Classifier.load(model_path, samples=options.samples)
    print(f"\n{model_path}:\n| class | compound | version | before: answer (top p) | after: right | after: right, "
          "p >= 0.9 | after: mean p (wrong: 0) | after: lowest p |\n|---|---|---|---|---|---|---|---|")
    for prototype in added:
        cases = test_structures(prototype)
        before = base.classify([atoms for _, _, atoms in cases])
        after = extended.classify([atoms for _, _, atoms in cases])
        for compound, version in dict.fromkeys((c, v) for c, v, _ in cases):
            rows = [k for k, (c, v, _) in enumerate(cases) if (c, v) == (compound, version)]
            answers = [before[k].top_ids[0] for k in rows]
            common = max(set(answers), key=answers.count)
            probability = np.mean([before[k].top_probabilities[0] for k in rows])
            right = np.array([after[k].top_ids[0] == prototype.id for k in rows])
            top = np.array([after[k].top_probabilities[0] for k in rows])
            print(f"| {prototype.id} | {compound} | {version} | {common} ({probability:.2f}) | "
                  f"{100 * right.mean():.0f} % | {100 * np.mean(right & (top >= 0.9)):.0f} % | "
                  f"{np.mean(np.where(right, top, 0.0)):.2f} | "
                  f"{top[right].min() if right.any() else float('nan'):.2f} |")
    print(f"\nThe 108 classes before and after (realistic suite):\n    python benchmarks/realistic.py --model realistic "
          f"--model {model_path} --parts real,pristine,stem,unknown --samples {options.samples}")


if __name__ == "__main__":
    main()
