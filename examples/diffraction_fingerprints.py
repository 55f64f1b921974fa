"""The two-dimensional diffraction fingerprint of one pristine crystal of each class (Ziletti et al. 2018, Fig. 2c).

    python examples/diffraction_fingerprints.py [--out docs/diffraction_fingerprints.png]

One RGB panel per prototype: the patterns of the ±45° rotations about x, y and z in the red,
green and blue channels (see ``ariseml.descriptors.diffraction``). The hexagonal/rhombohedral
class is shown twice, for hcp Mg and for rhombohedral β-Po. Needs no trained model.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib.pyplot as plt

from ariseml.descriptors.diffraction import diffraction_fingerprint
from ariseml.io import check_writable, save_png
from ariseml.prototypes import get_prototype

PANELS = (("bct139", "bct_In", "In"), ("bct141", "beta_Sn", "β-Sn"), ("hex_rh", "hcp_Mg", "hcp Mg"),
          ("hex_rh", "beta_Po", "β-Po"), ("sc", "sc_Po", "α-Po"), ("fcc", "fcc_Cu", "Cu"),
          ("diamond", "diamond_C", "C"), ("bcc", "bcc_W", "W"))
"""(class id, prototype id, short name) of every panel, left to right."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/diffraction_fingerprints.png"))
    args = parser.parse_args()
    check_writable(args.out)
    print(f"command: python examples/diffraction_fingerprints.py --out {args.out}")

    start = time.perf_counter()
    figure, axes = plt.subplots(1, len(PANELS), figsize=(2.0 * len(PANELS), 2.55), layout="constrained")
    for axis, (class_id, prototype_id, name) in zip(axes, PANELS):
        prototype = get_prototype(prototype_id)
        atoms = prototype.unit_cell()
        image = diffraction_fingerprint(atoms)
        axis.imshow(image, origin="lower", interpolation="nearest")
        axis.set_title(class_id, fontsize=12, fontweight="bold")
        axis.set_xlabel(f"{name}, space group {prototype.space_group}", fontsize=10)
        axis.set_xticks([])
        axis.set_yticks([])
        means = ", ".join(f"{channel} {image[..., i].mean():.3f}" for i, channel in enumerate("RGB"))
        print(f"{class_id:8s} {prototype_id:10s} {atoms.get_chemical_formula():5s} mean intensity: {means}")
    figure.suptitle("Two-dimensional diffraction fingerprints (R: rotations about x, G: about y, B: about z)",
                    fontsize=11)
    save_png(figure, args.out, dpi=160)
    print(f"wrote {args.out} in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
