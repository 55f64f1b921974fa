"""How the models read random substitutional alloys (solid solutions) of the elemental lattices.

    python benchmarks/random_alloys.py [--model realistic] [--model paper] [--seeds 5] [--samples 100]

A solid solution keeps its host's lattice: Ni with 10 % Al on random sites (a superalloy's γ matrix) is fcc, Fe
with Al is bcc, Mg with Al hcp, Si with Ge diamond. For each host and share of substituted sites (one other
species) this builds --seeds random alloys in two forms, a periodic supercell of about 500 atoms and a finite
cube of 16 Å cut from a larger crystal (an SPM box of the paper's size), each pristine and with Gaussian noise of
4 % of d_NN per component, and prints per model the share read as the host's class and the mean top probability
of the lowest of the four forms.
"""

from __future__ import annotations

import argparse

import numpy as np
from ase import Atoms
from ase.build import bulk

from ariseml.classifier import Classifier

HOSTS = {  # class, ASE bulk arguments (experimental lattice parameters at room temperature, Å)
    "Ni (fcc)": ("fcc_Cu", dict(name="Ni", crystalstructure="fcc", a=3.524, cubic=True)),  # Kittel
    "Fe (bcc)": ("bcc_W", dict(name="Fe", crystalstructure="bcc", a=2.867, cubic=True)),  # Kittel
    "Mg (hcp)": ("hcp_Mg", dict(name="Mg", crystalstructure="hcp", a=3.209, c=5.211, orthorhombic=True)),  # Kittel
    "Si (diamond)": ("diamond_C", dict(name="Si", crystalstructure="diamond", a=5.431, cubic=True)),  # Kittel
}
SUBSTITUTE = "Al"
"""The species put on random sites (for Si: Ge would be the usual one; the descriptor sees only which sites hold
which species)."""
SHARES = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5)
NOISE = 0.04
"""Gaussian noise per Cartesian component, a fraction of d_NN (about room temperature to half the melting point)."""
BOX = 16.0
"""The finite form's cube edge, Å: ARISE's SPM box for the superalloy."""
PERIODIC_ATOMS = 500


def forms(cell: Atoms, share: float, rng: np.random.Generator) -> list[tuple[str, Atoms]]:
    """The alloy of ``cell`` with ``share`` of its sites substituted, as a periodic supercell and a finite cube,
    each pristine and noisy."""
    periodic = cell.repeat(max(1, round((PERIODIC_ATOMS / len(cell)) ** (1 / 3))))
    big = cell.repeat([int(np.ceil(3 * BOX / length)) for length in cell.cell.lengths()])
    corner = rng.uniform(BOX / 2, big.cell.lengths() - 1.5 * BOX)
    inside = np.all((big.positions >= corner) & (big.positions < corner + BOX), axis=1)
    cube = Atoms(numbers=big.numbers[inside], positions=big.positions[inside])
    d_nn = float(np.sort(np.linalg.norm(periodic.positions[1:] - periodic.positions[0], axis=1))[0])
    built = []
    for name, atoms in (("periodic", periodic), ("cube", cube)):
        alloy = atoms.copy()
        symbols = np.array(alloy.get_chemical_symbols(), dtype=object)
        symbols[rng.permutation(len(alloy))[:round(share * len(alloy))]] = SUBSTITUTE
        alloy.set_chemical_symbols(list(symbols))
        noisy = alloy.copy()
        noisy.positions += rng.normal(0, NOISE * d_nn, noisy.positions.shape)
        built += [(name, alloy), (f"{name}, noise", noisy)]
    return built


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", help="a shipped model's name or a model path stem; repeat "
                                                          "(default realistic and paper)")
    parser.add_argument("--seeds", type=int, default=5, help="alloys per host, share and form")
    parser.add_argument("--samples", type=int, default=100, help="Monte-Carlo passes")
    args = parser.parse_args()
    models = args.model or ["realistic", "paper"]
    print(f"command: python benchmarks/random_alloys.py {' '.join(f'--model {m}' for m in models)} "
          f"--seeds {args.seeds} --samples {args.samples}")
    classifiers = {m: Classifier.load(m, samples=args.samples, seed=0) for m in models}
    print("| host | substituted share | " + " | ".join(f"{m}: right % (lowest form's mean top p)" for m in models)
          + " |")
    print("|---|---|" + "---|" * len(models))
    rng = np.random.default_rng(2026)
    for host, (class_id, arguments) in HOSTS.items():
        cell = bulk(**arguments)
        for share in SHARES:
            built = [form for _ in range(args.seeds) for form in forms(cell, share, rng)]
            cells = []
            for classifier in classifiers.values():
                probabilities = classifier.predict_proba([atoms for _, atoms in built])
                right = np.array(classifier.classes_)[probabilities.argmax(axis=1)] == class_id
                top = probabilities.max(axis=1)
                names = np.array([name for name, _ in built])
                lowest = min(top[names == name].mean() for name in set(names))
                cells.append(f"{100 * right.mean():.0f} ({lowest:.2f})")
            print(f"| {host} | {share:.2f} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
