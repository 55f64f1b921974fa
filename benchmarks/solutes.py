"""Per-atom labels of metals with a few solute atoms, and of compounds, under the rules for a species with few
atoms in an atom's sphere (issue 20: Cu with a few W atoms must stay fcc, not become a compound).

    python benchmarks/solutes.py [--model realistic] [--samples 100] [--minority 0,0.05,0.1] [--taper 0.4]
                                 [--species-reach 2]

Rules (``label_atoms(minority=...)``): 0 keeps every species in every sphere, as the ARISE descriptor of a
whole structure does; a share s > 0 leaves out of a sphere's descriptor a species making up less than s of its
atoms (the original code's rule for SPM boxes was an absolute one: a species with fewer than 3 atoms in a box
was deleted). Samples: periodic cells of about 1,000 atoms with Gaussian noise of 3 % of d_NN; hosts with 1, 3
and 8 % of their atoms replaced by a solute at random (the host's class is right), and compounds of the 108
classes, whose minority species must not be lost (their own class is right). Prints the share of atoms right,
their mean top probability and mean mutual information per sample and rule. ``--taper`` and ``--species-reach``:
the spheres' other two rules (``label_atoms``), 0 to switch them off.
"""

from __future__ import annotations

import argparse

import numpy as np
from ase import Atoms

from ariseml.classifier import Classifier
from ariseml.labels import DEFAULT_SPECIES_REACH, DEFAULT_TAPER, label_atoms
from ariseml.prototypes import build
from ariseml.structure import nearest_neighbour_distance

HOSTS = {"fcc_Cu": "W", "bcc_W": "Cu", "hcp_Mg": "Al"}
"""Host class -> the solute put on its sites."""
SOLUTE_SHARES = (0.01, 0.03, 0.08)
COMPOUNDS = ("L12_Cu3Au", "L10_CuAu", "B2_CsCl", "rocksalt_NaCl", "zincblende_ZnS", "perovskite_CsSnI3",
             "Cu2ZnSnS4")
NOISE = 0.03
"""Gaussian displacement per Cartesian component, a fraction of d_NN."""
ATOMS = 1000


def periodic_sample(class_id: str, rng: np.random.Generator) -> Atoms:
    cell = build(class_id)
    repeats = max(1, round((ATOMS / len(cell)) ** (1 / 3)))
    sample = cell.repeat(repeats)
    sample.positions += rng.normal(0, NOISE * nearest_neighbour_distance(sample), sample.positions.shape)
    return sample


def samples(rng: np.random.Generator) -> list[tuple[str, str, Atoms]]:
    """(name, right class, structure)."""
    made = []
    for host, solute in HOSTS.items():
        for share in SOLUTE_SHARES:
            sample = periodic_sample(host, rng)
            replaced = rng.choice(len(sample), size=max(1, round(share * len(sample))), replace=False)
            symbols = np.array(sample.get_chemical_symbols())
            symbols[replaced] = solute
            sample.set_chemical_symbols(symbols)
            made.append((f"{host} + {100 * share:g} % {solute}", host, sample))
    made += [(class_id, class_id, periodic_sample(class_id, rng)) for class_id in COMPOUNDS]
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="realistic")
    parser.add_argument("--samples", type=int, default=100, help="Monte-Carlo passes T")
    parser.add_argument("--minority", default="0,0.05,0.1", help="comma-separated shares to compare")
    parser.add_argument("--taper", type=float, default=DEFAULT_TAPER)
    parser.add_argument("--species-reach", type=float, default=DEFAULT_SPECIES_REACH)
    parser.add_argument("--radius", type=float, default=None, help="sphere radius (Å) [default: ariseml's]")
    args = parser.parse_args()
    shares = [float(v) for v in args.minority.split(",")]
    print(f"command: python benchmarks/solutes.py --model {args.model} --samples {args.samples} "
          f"--minority {args.minority} --taper {args.taper:g} --species-reach {args.species_reach:g}"
          + (f" --radius {args.radius:g}" if args.radius is not None else ""))
    classifier = Classifier.load(args.model, samples=args.samples, seed=0)
    print("| sample | atoms | " + " | ".join(f"minority {s:g}: right / mean p / mean MI" for s in shares) + " |")
    print("|---|---|" + "---|" * len(shares))
    for name, right, atoms in samples(np.random.default_rng(0)):
        cells = []
        for share in shares:
            labels = label_atoms(atoms, classifier, args.radius, minority=share, taper=args.taper,
                                 species_reach=args.species_reach, top=1, jobs=2)
            correct = np.mean(labels.names() == right)
            cells.append(f"{100 * correct:.1f} % / {np.nanmean(labels.top_probabilities[:, 0]):.2f} / "
                         f"{np.nanmean(labels.mutual_information):.3f}")
        print(f"| {name} | {len(atoms)} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
