"""The paper's SPM maps (ARISE Fig. 2 and 4) redone with ariseml, each beside the authors' published map.

    python examples/paper_maps.py four-grains [--stride 2] [--model NAME] [--out paper-maps]
    python examples/paper_maps.py pearl       [--stride 4]
    python examples/paper_maps.py superalloy  [--stride 6] [--size 72]
    python examples/paper_maps.py aet         [--stride 4]

Reads the samples and the authors' maps from the data published with ARISE (``--reference``, default
``../shared/reference/arise-data`` beside the repository; CC-BY 4.0), scans with exact-mode SPM at the paper's box
(four grains 16 Å slab, Pearl 10 Å, superalloy 16 Å, AET 12 Å) and a coarser stride than the authors' 1-2 Å unless
told (exact mode takes about 0.04 s a box on 2 cores), writes ``OUT/<case>.png`` (the authors' map beside or above
ours, on the same scales) and prints the numbers the figure shows. Scans are kept in
``OUT/<case>-<model>-stride<S>-T<samples>`` (the AET's per annealing time), so a rerun only redraws.

- four-grains (Fig. 2c-d): mutual information of the fcc/bcc/hcp/diamond slab beside the authors' HDBSCAN clusters
  of its boxes (their grid starts half a box before the sample at stride 1 Å, so our box centred at x sits at
  their index x - min(x) + 8; their published mutual-information array matches no orientation of that grid, so
  the clusters, whose outliers mark boundaries and surfaces, stand in for it).
- pearl (Fig. 2k-m): the Cu bicrystal, P(fcc), P(dhcp) and mutual information along z (the boundary normal),
  means over each plane of boxes.
- superalloy (Fig. 2h-j): the authors' sample is not published, so ours is `arise superalloy`'s γ/γ' model
  (a cubic L1₂ Ni₃Al precipitate a third of the edge wide, as in their map, in random fcc Ni with 10 % Al, seed 1);
  P(L1₂) and P(fcc) in the middle plane, and in the precipitate and the matrix.
- aet (Fig. 4c): the FePt nanoparticle after 9, 16 and 26 min of annealing: the distribution of the boxes' mutual
  information (the authors' arrays hold every box of their grid, the empty ones around the particle too, whose
  value is about 0.086) and the shares of the classes the particle holds.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import ase.io
import matplotlib
import numpy as np

from ariseml import spm
from ariseml.classifier import Classifier
from ariseml.models import DEFAULT_MODEL
from ariseml.synthetic import superalloy

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "arise-data"
FIG_2 = Path("Fig_2")
FIG_4 = Path("Fig_4")
AUTHORS = {
    "four-grains": FIG_2 / "2_a_to_g_supervised_unsupervised_analysis" / "unsupervised" / "min_dist_0.9_analysis"
    / "dense_1_neighbors_500_crystal_map_cluster_labels_min_csize_500.npy",
    "pearl": {quantity: FIG_2 / "2k_l_m_Pearl" / name for quantity, name in (
        ("fcc_Cu", "Probability_prob_class_fcc_idx_93.npy"), ("dhcp_La", "Probability_prob_class_dhcp_idx_90.npy"),
        ("mutual_information", "Uncertainty_mutual_information_uncertainty_class.npy"))},
    "superalloy": {"L12_Cu3Au": FIG_2 / "2h_i_j_superalloy_model_system"
                   / "pristine-Proto_L12_Cu3Au_Probability_class_idx_39.npy",
                   "fcc_Cu": FIG_2 / "2h_i_j_superalloy_model_system"
                   / "pristine_Proto_fcc_Cu_A_cF4_225_a_Probability_class_idx_93.npy"},
    "aet": {minutes: FIG_4 / "Fig_4c_ARISE_predictions" / (
        f"structure_{minutes}min{'' if minutes == 9 else '_rotated'}.xyz_stride_1.0_1.0_1.0_box_size_12.0_"
        ".tar.gz_mutual_information.npy") for minutes in (9, 16, 26)},
}
"""The authors' published arrays (NumPy files of plain floats, read without pickle)."""
BOXES = {"four-grains": 16.0, "pearl": 10.0, "superalloy": 16.0, "aet": 12.0}
STRIDES = {"four-grains": 2.0, "pearl": 4.0, "superalloy": 6.0, "aet": 4.0}
AET_CLASSES = ("L10_CuAu", "L12_Cu3Au", "fcc_Cu")


def authors(reference: Path, path: Path) -> np.ndarray:
    """One of the authors' arrays (``AUTHORS``)."""
    return np.load(reference / path, allow_pickle=False)


def scan(atoms, name: str, args, classifier: Classifier, geometry: str = "cube"):
    """Exact-mode SPM at the case's box, kept in OUT/<name>-<model>-stride<S>-T<samples> (a rerun reads it back)."""
    settings = spm.SpmSettings(box=BOXES[args.case], stride=(args.stride,) * 3, geometry=geometry)
    folder = f"{name}-{Path(args.model).name}-stride{args.stride:g}-T{args.samples}"
    return spm.scan(atoms, settings, classifier, args.out / folder)


def four_grains(args, classifier: Classifier) -> plt.Figure:
    atoms = ase.io.read(args.reference / FIG_2 / "Fig_2_four_grains_elemental_solid.xyz")
    scanned = scan(atoms, "four-grains", args, classifier, "slab")
    ours = scanned.isel(z=0)
    theirs = np.nan_to_num(authors(args.reference, AUTHORS["four-grains"]), nan=-1)  # NaN: no box
    low = atoms.positions.min(axis=0)[:2] - BOXES["four-grains"] / 2  # their index of our box at x: x - low
    rows = np.clip(np.round(ours["y"].values - low[1]).astype(int), 0, theirs.shape[0] - 1)
    columns = np.clip(np.round(ours["x"].values - low[0]).astype(int), 0, theirs.shape[1] - 1)
    cluster = theirs[np.ix_(rows, columns)]
    information = ours["mutual_information"].values
    argmax = ours["argmax_class"].values
    classes = ours["class"].values
    valid = argmax >= 0
    print(f"boxes: {valid.sum()}; mean mutual information where the authors' clustering finds a grain "
          f"{np.nanmean(information[valid & (cluster >= 0)]):.3f} nats, where it finds none (boundaries, surfaces) "
          f"{np.nanmean(information[valid & (cluster < 0)]):.3f}")
    for label in range(int(theirs.max()) + 1):
        inside = valid & (cluster == label)
        found, counts = np.unique(argmax[inside], return_counts=True)
        print(f"authors' cluster {label}: {inside.sum()} of our boxes, most probably {classes[found[counts.argmax()]]} "
              f"in {100 * counts.max() / inside.sum():.0f} %")
    figure, axes = plt.subplots(1, 2, figsize=(8, 3.6))
    extent = [low[0], low[0] + theirs.shape[1] - 1, low[1], low[1] + theirs.shape[0] - 1]
    axes[0].imshow(np.ma.masked_less(theirs, 0), origin="lower", extent=extent, cmap="tab10", vmin=0, vmax=9,
                   interpolation="nearest")
    axes[0].set_title("authors: HDBSCAN clusters (stride 1 Å; blank: outliers)", fontsize=9)
    spm.plot_plane(scanned, "mutual_information", ax=axes[1])
    axes[1].set_title(f"ariseml {args.model} (stride {args.stride:g} Å): mutual information", fontsize=9)
    for ax in axes:
        ax.set_xlim(extent[:2])
        ax.set_ylim(extent[2:])
    return figure


def pearl(args, classifier: Classifier) -> plt.Figure:
    atoms = ase.io.read(args.reference / FIG_2 / "Pearl.in", format="aims")
    ours = scan(atoms, "pearl", args, classifier)
    low, high = atoms.positions[:, 2].min(), atoms.positions[:, 2].max()
    profiles = {}
    for quantity, path in AUTHORS["pearl"].items():
        theirs = authors(args.reference, path)  # axis 0 is z, stride 2 Å, from a box below the sample (their padding)
        mine = ours["mutual_information"] if quantity == "mutual_information" else ours["probabilities"].sel(
            {"class": quantity})
        profiles[quantity] = ((low - BOXES["pearl"] + 2.0 * np.arange(len(theirs)), np.nanmean(theirs, axis=(1, 2))),
                              (ours["z"].values, mine.mean(dim=("x", "y")).values))
    figure, axes = plt.subplots(1, 3, figsize=(10, 3.2))
    for ax, (quantity, ((z_theirs, theirs), (z_mine, mine))) in zip(axes, profiles.items()):
        ax.plot(z_theirs, theirs, label="authors (stride 2 Å)")
        ax.plot(z_mine, mine, "o-", label=f"ariseml {args.model}")
        ax.set_xlabel("z (Å)")
        ax.set_title(quantity if quantity == "mutual_information" else f"P({quantity})", fontsize=9)
    axes[0].legend(fontsize=8)
    boundaries = []
    for z, fcc in profiles["fcc_Cu"]:  # the boundary: the plane of lowest P(fcc) at least a box inside the sample
        inside = (z > low + BOXES["pearl"]) & (z < high - BOXES["pearl"])
        boundaries.append(int(np.flatnonzero(inside)[np.nanargmin(fcc[inside])]))
    for quantity, pair in profiles.items():
        text = []
        for who, (z, values), boundary in zip(("authors", "ours"), pair, boundaries):
            grains = (np.abs(z - z[boundary]) > 12) & (z > low + BOXES["pearl"]) & (z < high - BOXES["pearl"])
            text.append(f"{who} {values[boundary]:.2f} at z = {z[boundary]:.0f} Å, "
                        f"grains {np.nanmean(values[grains]):.2f}")
        print(f"{quantity:18s}: " + "; ".join(text))
    print(f"most probable classes at our boundary plane: {', '.join(spm.top_classes(ours.isel(z=[boundaries[1]]), 3))}")
    return figure


def superalloy_map(args, classifier: Classifier) -> plt.Figure:
    precipitate = args.size / 3  # the authors' precipitate spans about a third of their map (16 of 46 boxes)
    atoms = superalloy(size=args.size, precipitate_size=precipitate, seed=1)
    ours = scan(atoms, f"superalloy{args.size:g}", args, classifier)
    distance = np.maximum(np.maximum(np.abs(ours["x"] - args.size / 2), np.abs(ours["y"] - args.size / 2)),
                          np.abs(ours["z"] - args.size / 2))  # from the centre, the largest of the three
    regions = {"precipitate": distance < precipitate / 2 - BOXES["superalloy"] / 4,
               "matrix": distance > precipitate / 2 + BOXES["superalloy"] / 2}
    figure, axes = plt.subplots(2, 2, figsize=(7.6, 6.6))
    for column, quantity in enumerate(AUTHORS["superalloy"]):
        theirs = authors(args.reference, AUTHORS["superalloy"][quantity])
        axes[0, column].imshow(theirs[len(theirs) // 2], origin="lower", cmap="viridis", vmin=0, vmax=1)
        axes[0, column].set_title(f"authors: P({quantity}), middle plane", fontsize=9)
        spm.plot_plane(ours, quantity, ax=axes[1, column])
        probability = ours["probabilities"].sel({"class": quantity})
        print(f"P({quantity}): " + ", ".join(f"{name} {float(probability.where(inside).mean()):.2f}"
                                               for name, inside in regions.items()))
    for name, inside in regions.items():
        top = spm.top_classes(ours.where(inside), 3)
        shares = spm.class_shares(ours.where(inside), top)
        print(f"{name} ({int(inside.sum())} boxes) most probably: "
              + ", ".join(f"{c} {100 * share:.0f} %" for c, share in zip(top, shares) if share > 0))
    return figure


def aet(args, classifier: Classifier) -> plt.Figure:
    figure, ax = plt.subplots(figsize=(5, 3.4))
    bins = np.linspace(0, 1.5, 31)
    for minutes, path in AUTHORS["aet"].items():
        atoms = ase.io.read(args.reference / FIG_4 / f"Fig_4_c_{minutes}min.xyz")
        ours = scan(atoms, f"aet-{minutes}min", args, classifier)
        mine = ours["mutual_information"].values
        mine = mine[~np.isnan(mine)]
        theirs = authors(args.reference, path)  # every box of their grid, also the empty ones around the particle
        line = ax.hist(theirs, bins, density=True, histtype="step", label=f"{minutes} min, authors")[2][0]
        ax.hist(mine, bins, density=True, histtype="step", linestyle="--", color=line.get_edgecolor(),
                label=f"{minutes} min, ariseml")
        shares = spm.class_shares(ours, list(AET_CLASSES))
        print(f"{minutes:2d} min: mutual information above 0.2 nats in {100 * np.mean(mine > 0.2):.0f} % of our "
              f"{len(mine)} boxes (median {np.median(mine):.2f}), in {100 * np.mean(theirs > 0.2):.0f} % of the "
              f"authors' {len(theirs)} (their grid includes empty boxes); our boxes most probably "
              + ", ".join(f"{name} {100 * share:.0f} %" for name, share in zip(AET_CLASSES, shares)))
    ax.set_xlabel("mutual information (nats)")
    ax.set_ylabel("boxes (density)")
    ax.set_yscale("log")
    ax.legend(fontsize=7)
    return figure


CASES = {"four-grains": four_grains, "pearl": pearl, "superalloy": superalloy_map, "aet": aet}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=list(CASES))
    parser.add_argument("--stride", type=float, default=None, help="Å (default: per case, see above)")
    parser.add_argument("--size", type=float, default=72.0, help="superalloy edge, Å")
    parser.add_argument("--model", default=None, help="a shipped model's name or a model path stem [default model]")
    parser.add_argument("--samples", type=int, default=1000, help="Monte-Carlo passes T")
    parser.add_argument("--reference", type=Path, default=REFERENCE, help=f"[default: {REFERENCE}]")
    parser.add_argument("--out", type=Path, default=Path("paper-maps"))
    args = parser.parse_args()
    if not args.reference.is_dir():
        parser.error(f"{args.reference} does not exist: pass the folder of the data published with ARISE "
                     "with --reference")
    args.stride = args.stride or STRIDES[args.case]
    args.model = args.model or DEFAULT_MODEL
    classifier = Classifier.load(args.model, samples=args.samples, seed=0)
    print(f"command: python examples/paper_maps.py {args.case} --stride {args.stride:g} --model {args.model} "
          f"--samples {args.samples}" + (f" --size {args.size:g}" if args.case == "superalloy" else ""))
    args.out.mkdir(parents=True, exist_ok=True)
    figure = CASES[args.case](args, classifier)
    figure.tight_layout()
    figure.savefig(args.out / f"{args.case}.png", dpi=130)
    print(f"figure: {args.out / f'{args.case}.png'}")


if __name__ == "__main__":
    main()
