"""From bcc to simple cubic by removing the body-centre atoms (Ziletti et al. 2018, Fig. 4a-b).

    python examples/diffraction_bcc_to_sc.py [--crystals 10] [--samples 1000] [--seed 0] [--model diffraction]
                                             [--out docs/diffraction_bcc_to_sc.png]

``--crystals`` bcc crystals (the conventional cell of bcc W with a random element and a random
nearest-neighbour distance of 2.2-3.4 Å) are replicated to the ~250-atom cluster of the
fingerprint. In each, the atoms at the centre (½, ½, ½) of a conventional cell are put in a random
order and the first 0, 10, ..., 100 % of them removed: 0 % is bcc, 100 % simple cubic. Every
cluster is classified as given (pbc=False: no standardisation; ``orient_clusters=False``: the
paper's handling) by the ConvNet with T Monte-Carlo dropout passes. The figure shows P(bcc) and
P(sc), mean ± one standard deviation over the crystals, and the mean mutual information, against
the percentage removed.

The fingerprint is scaled to the mean bond length and each channel to its brightest pixel, so
element and bond length leave it unchanged: the spread over crystals comes from which atoms go.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from ase import Atoms

from ariseml.classifier import DiffractionClassifier
from ariseml.descriptors.diffraction import conventional_cell, diffraction_supercell
from ariseml.io import check_writable, save_png
from ariseml.prototypes import get_prototype
from ariseml.structure import nearest_neighbour_distance
from ariseml.training.diffraction import BOND_RANGE, ELEMENTS

PERCENTAGES = np.arange(0, 101, 10)
BODY_CENTRE_TOLERANCE = 1e-4
"""Fractional-coordinate tolerance for an atom to sit at (½, ½, ½) of its conventional cell."""


def bcc_cluster(rng: np.random.Generator) -> tuple[Atoms, np.ndarray]:
    """A replicated bcc conventional cell (random element and bond length) and its body-centre atom indices."""
    cell = conventional_cell(get_prototype("bcc_W").unit_cell())
    cell.symbols = [ELEMENTS[rng.integers(len(ELEMENTS))]] * len(cell)
    bond = rng.uniform(*BOND_RANGE)
    cell.set_cell(cell.cell[:] * bond / nearest_neighbour_distance(cell), scale_atoms=True)
    cluster = diffraction_supercell(cell)
    replicas = round((len(cluster) / len(cell)) ** (1 / 3))
    fractions = cluster.cell.scaled_positions(cluster.positions) * replicas  # in conventional cells
    corner = fractions[np.argmin(np.linalg.norm(fractions, axis=1))]  # the atom nearest the box's origin
    within_cell = (fractions - corner) % 1.0
    centres = np.flatnonzero(np.all(np.abs(within_cell - 0.5) < BODY_CENTRE_TOLERANCE, axis=1))
    if len(centres) != len(cluster) // 2:
        raise RuntimeError(f"found {len(centres)} body-centre atoms among {len(cluster)}, expected half")
    cluster.pbc = False
    return cluster, centres


def transition_series(rng: np.random.Generator) -> list[Atoms]:
    """One bcc cluster with 0, 10, ..., 100 % of its body-centre atoms removed (nested, in a random order)."""
    cluster, centres = bcc_cluster(rng)
    order = rng.permutation(centres)
    series = []
    for percentage in PERCENTAGES:
        removed = order[:round(percentage / 100 * len(centres))]
        series.append(cluster[np.setdiff1d(np.arange(len(cluster)), removed)])
    return series


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crystals", type=int, default=10, help="bcc crystals N averaged over")
    parser.add_argument("--samples", type=int, default=1000, help="Monte-Carlo dropout passes T")
    parser.add_argument("--seed", type=int, default=0, help="seed of the crystals and of the removal order")
    parser.add_argument("--model", default="diffraction", help="the shipped model's name or a model path stem")
    parser.add_argument("--out", type=Path, default=Path("docs/diffraction_bcc_to_sc.png"))
    args = parser.parse_args()
    if args.crystals < 1:
        parser.error("--crystals must be at least 1")
    check_writable(args.out)
    print(f"command: python examples/diffraction_bcc_to_sc.py --crystals {args.crystals} --samples {args.samples} "
          f"--seed {args.seed} --model {args.model} --out {args.out}")

    start = time.perf_counter()
    classifier = DiffractionClassifier.load(args.model, samples=args.samples, seed=0, orient_clusters=False)
    rng = np.random.default_rng(args.seed)
    structures = [atoms for _ in range(args.crystals) for atoms in transition_series(rng)]
    print(f"{len(structures)} clusters: {len(structures[0])} atoms at 0 %, {len(structures[-1])} at 100 % removed")
    results = classifier.classify(structures, top=1)
    shape = (args.crystals, len(PERCENTAGES))
    probabilities = np.stack([r.probabilities for r in results]).reshape(*shape, -1)
    information = np.array([r.mutual_information for r in results]).reshape(shape)
    p_bcc = probabilities[..., classifier.classes_.index("bcc")]
    p_sc = probabilities[..., classifier.classes_.index("sc")]
    top = np.array([r.top_ids[0] for r in results]).reshape(shape)

    others = [i for i, class_id in enumerate(classifier.classes_) if class_id not in ("bcc", "sc")]
    print(f"\n{'removed %':>9}  {'P(bcc)':>13}  {'P(sc)':>13}  {'MI (nats)':>15}  {'likeliest other class':>21}  "
          "most probable (crystals)")
    for column, percentage in enumerate(PERCENTAGES):
        names, counts = np.unique(top[:, column], return_counts=True)
        votes = ", ".join(f"{n} {c}" for n, c in sorted(zip(names, counts), key=lambda item: -item[1]))
        other_means = probabilities[:, column, others].mean(axis=0)
        other = f"{classifier.classes_[others[other_means.argmax()]]} {other_means.max():.3f}"
        print(f"{percentage:9d}  {p_bcc[:, column].mean():6.3f} ± {p_bcc[:, column].std():4.3f}  "
              f"{p_sc[:, column].mean():6.3f} ± {p_sc[:, column].std():4.3f}  "
              f"{information[:, column].mean():7.4f} ± {information[:, column].std():5.4f}  {other:>21}  {votes}")

    figure, (probability_axis, information_axis) = plt.subplots(
        2, 1, figsize=(5.5, 5.2), sharex=True, height_ratios=(2.2, 1), layout="constrained")
    for values, label, colour in ((p_bcc, "bcc", "tab:purple"), (p_sc, "sc", "tab:red")):
        mean, spread = values.mean(axis=0), values.std(axis=0)
        probability_axis.plot(PERCENTAGES, mean, "o-", color=colour, label=label)
        probability_axis.fill_between(PERCENTAGES, mean - spread, mean + spread, color=colour, alpha=0.25, lw=0)
    probability_axis.set_ylabel("classification probability")
    probability_axis.set_ylim(-0.03, 1.03)
    probability_axis.legend(loc="center left", frameon=False)
    probability_axis.set_title(f"bcc → sc: body-centre atoms removed ({args.crystals} crystals, T = {args.samples})",
                               fontsize=10)
    mean, spread = information.mean(axis=0), information.std(axis=0)
    information_axis.plot(PERCENTAGES, mean, "s-", color="0.3")
    information_axis.fill_between(PERCENTAGES, mean - spread, mean + spread, color="0.3", alpha=0.2, lw=0)
    information_axis.set_ylabel("mutual information\n(nats)")
    information_axis.set_ylim(bottom=0)
    information_axis.set_xlabel("body-centre atoms removed (%)")
    information_axis.set_xticks(PERCENTAGES)
    for axis in (probability_axis, information_axis):
        axis.grid(alpha=0.3)
    save_png(figure, args.out, dpi=160)
    print(f"\nwrote {args.out} in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
