"""Per-atom labels of thin films: free surfaces cut the spheres the labels are computed from.

    python benchmarks/thin_films.py [--model realistic] [--model PATH] [--samples 100]

Films of fcc Cu, bcc Fe and hcp Mg, periodic in x and y and --thickness Å thick along z (a (001) film; hcp: the
basal plane), each atom moved by Gaussian noise of 0.05 Å per component, labelled by ``label_atoms`` with
spheres of --radii Å (default: the command's default radius too). Prints per model, film and radius the share
of atoms given the film's class, over all atoms and over the atoms within 1 Å of the middle plane, and the
class that takes most of the others.
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np
from ase import Atoms
from ase.build import bulk

from ariseml import label_atoms
from ariseml.classifier import Classifier

FILMS = {  # class, the bulk crystal (Kittel's room-temperature lattice parameters, Å)
    "Cu (fcc)": ("fcc_Cu", lambda: bulk("Cu", "fcc", a=3.615, cubic=True)),
    "Fe (bcc)": ("bcc_W", lambda: bulk("Fe", "bcc", a=2.867, cubic=True)),
    "Mg (hcp)": ("hcp_Mg", lambda: bulk("Mg", "hcp", a=3.209, c=5.211, orthorhombic=True)),
}
NOISE = 0.05
"""Å per Cartesian component."""
WIDTH = 30.0
"""The film's periodic extent along x and y, Å."""


def film(cell: Atoms, thickness: float, rng: np.random.Generator) -> Atoms:
    """A film of ``cell`` about ``thickness`` Å thick, periodic in x and y, free along z, with noise."""
    lengths = cell.cell.lengths()
    crystal = cell.repeat((int(np.ceil(WIDTH / lengths[0])), int(np.ceil(WIDTH / lengths[1])),
                           int(np.ceil(thickness / lengths[2])) + 1))
    crystal = crystal[crystal.positions[:, 2] < thickness - 0.1]
    crystal.pbc = (True, True, False)
    crystal.positions += rng.normal(0, NOISE, crystal.positions.shape)
    return crystal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", help="a shipped model's name or a model path stem; repeat "
                                                          "(default realistic)")
    parser.add_argument("--samples", type=int, default=100, help="Monte-Carlo passes")
    parser.add_argument("--thickness", type=float, default=12.0, help="Å")
    parser.add_argument("--radii", default="6,8,default", help="sphere radii, Å, or 'default'")
    args = parser.parse_args()
    models = args.model or ["realistic"]
    radii = [None if r == "default" else float(r) for r in args.radii.split(",")]
    print(f"command: python benchmarks/thin_films.py {' '.join(f'--model {m}' for m in models)} "
          f"--samples {args.samples} --thickness {args.thickness:g} --radii {args.radii}")
    print("| model | film | sphere radius (Å) | atoms right % | middle plane right % | most other atoms |")
    print("|---|---|---|---|---|---|")
    for model in models:
        classifier = Classifier.load(model, samples=args.samples, seed=0)
        for name, (class_id, cell) in FILMS.items():
            atoms = film(cell(), args.thickness, np.random.default_rng(0))
            middle = np.abs(atoms.positions[:, 2] - atoms.positions[:, 2].mean()) < 1.0
            for radius in radii:
                labels = label_atoms(atoms, classifier, radius, progress=False)
                names = labels.names()
                right = names == class_id
                others = Counter(names[~right].tolist()).most_common(1)
                print(f"| {model} | {name} | {radius or 'default'} | {100 * right.mean():.1f} | "
                      f"{100 * right[middle].mean():.1f} | {others[0][0] if others else '-'} |", flush=True)


if __name__ == "__main__":
    main()
