"""The rhombohedral β-Po path through bcc, sc and fcc (Ziletti et al. 2018, Fig. 4c-d).

    python examples/diffraction_rhombohedral_path.py [--points 80] [--samples 1000] [--model diffraction]
                                                     [--out docs/diffraction_rhombohedral_path.png]

The β-Po lattice (A_hR1_166_a) in its hexagonal setting with μ = c/a from √(3/8) to 5√(3/8):
``--points`` evenly spaced values plus the three at which the lattice is cubic, μ_bcc = √(3/8),
μ_sc = √(3/2) and μ_fcc = √6, where it is bcc, sc and fcc. Each periodic cell is classified by
the ConvNet (T Monte-Carlo dropout passes) after the fingerprint's standardisation, which turns
the cells at the special μ into the cubic conventional cell. The figure shows the probability of
every class and the mutual information against μ; the paper finds hex/rh everywhere except at
the three special values.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from ariseml.classifier import DiffractionClassifier
from ariseml.io import check_writable, save_png
from ariseml.training.diffraction import SPECIAL_MU, stretched_along_c

SPECIAL_CLASSES = ("bcc", "sc", "fcc")
"""The class of the lattice at each of ``SPECIAL_MU``."""
CLASS_COLOURS = {"bct139": "tab:olive", "bct141": "tab:brown", "hex_rh": "tab:blue", "sc": "tab:red",
                 "fcc": "tab:green", "diamond": "tab:gray", "bcc": "tab:purple"}


def path_values(points: int) -> tuple[np.ndarray, np.ndarray]:
    """μ from μ_bcc to 5 μ_bcc (``points`` evenly spaced plus the special values) and which are special."""
    grid = np.linspace(SPECIAL_MU[0], 5 * SPECIAL_MU[0], points)
    grid = grid[~np.any(np.isclose(grid[:, None], np.array(SPECIAL_MU)[None], rtol=1e-9, atol=0), axis=1)]
    mu = np.sort(np.concatenate([grid, SPECIAL_MU]))
    return mu, np.isin(mu, SPECIAL_MU)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=80, help="evenly spaced μ values (the special ones are added)")
    parser.add_argument("--samples", type=int, default=1000, help="Monte-Carlo dropout passes T")
    parser.add_argument("--model", default="diffraction", help="the shipped model's name or a model path stem")
    parser.add_argument("--out", type=Path, default=Path("docs/diffraction_rhombohedral_path.png"))
    args = parser.parse_args()
    if args.points < 2:
        parser.error("--points must be at least 2")
    check_writable(args.out)
    print(f"command: python examples/diffraction_rhombohedral_path.py --points {args.points} "
          f"--samples {args.samples} --model {args.model} --out {args.out}")

    start = time.perf_counter()
    classifier = DiffractionClassifier.load(args.model, samples=args.samples, seed=0)
    mu, special = path_values(args.points)
    results = classifier.classify([stretched_along_c("beta_Po", value) for value in mu], top=1)
    probabilities = np.stack([r.probabilities for r in results])
    information = np.array([r.mutual_information for r in results])
    top = np.array([r.top_ids[0] for r in results])

    print(f"{len(mu)} structures, μ from {mu[0]:.4f} to {mu[-1]:.4f}")
    print("\nspecial μ: expected class, most probable class (probability), mutual information")
    for value, expected in zip(SPECIAL_MU, SPECIAL_CLASSES):
        row = int(np.flatnonzero(mu == value)[0])
        print(f"  μ_{expected:3s} = {value:.4f}: {expected:3s} -> {top[row]:7s} "
              f"({probabilities[row].max():.3f}), MI {information[row]:.4f}")
    ordinary = ~special
    hex_rh = top[ordinary] == "hex_rh"
    print(f"\nnon-special μ classified hex_rh: {hex_rh.sum()}/{ordinary.sum()} = {hex_rh.mean():.3f}")
    p_hex = probabilities[ordinary, classifier.classes_.index("hex_rh")]
    print(f"lowest P(hex_rh) at non-special μ: {p_hex.min():.3f} (μ = {mu[ordinary][p_hex.argmin()]:.4f}); "
          f"largest mutual information: {information.max():.4f} nats (μ = {mu[information.argmax()]:.4f})")
    for value, class_id, p in zip(mu[ordinary][~hex_rh], top[ordinary][~hex_rh],
                                  probabilities[ordinary][~hex_rh].max(axis=1)):
        print(f"  μ = {value:.4f} (μ/μ_bcc = {value / SPECIAL_MU[0]:.3f}): {class_id} ({p:.3f})")

    figure, (probability_axis, information_axis) = plt.subplots(
        2, 1, figsize=(7.0, 5.4), sharex=True, height_ratios=(2.4, 1), layout="constrained")
    for column, class_id in enumerate(classifier.classes_):
        probability_axis.plot(mu, probabilities[:, column], ".-", ms=4, lw=1.2,
                              color=CLASS_COLOURS.get(class_id), label=class_id)
    for row in np.flatnonzero(special):  # the winning class at μ_bcc, μ_sc, μ_fcc, marked larger
        probability_axis.plot(mu[row], probabilities[row].max(), "o", ms=6, color=CLASS_COLOURS.get(top[row]))
    information_axis.plot(mu, information, ".-", ms=4, lw=1.2, color="0.3")
    for axis in (probability_axis, information_axis):
        for value in SPECIAL_MU:
            axis.axvline(value, color="0.5", ls="--", lw=0.9, zorder=0)
        axis.grid(alpha=0.3)
    for value, name in zip(SPECIAL_MU, SPECIAL_CLASSES):
        probability_axis.annotate(f"$\\mu_{{\\rm {name}}}$", (value, 1.0), xycoords=("data", "axes fraction"),
                                  xytext=(0, 3), textcoords="offset points", ha="center", va="bottom")
    probability_axis.set_ylabel("classification probability")
    probability_axis.set_ylim(-0.03, 1.03)
    probability_axis.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    information_axis.set_ylabel("mutual information\n(nats)")
    information_axis.set_ylim(bottom=0)
    information_axis.set_xlabel("μ = c/a (β-Po, hexagonal setting)")
    figure.suptitle(f"Rhombohedral path through bcc, sc and fcc ({len(mu)} structures, T = {args.samples})",
                    fontsize=10)
    save_png(figure, args.out, dpi=160)
    print(f"\nwrote {args.out} in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
