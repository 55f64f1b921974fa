"""SPM on the ARISE reference samples: exact vs fast mode, speed, agreement, early settling.

    python benchmarks/spm_modes.py [--reference ../shared/reference/arise-data] [--samples 1000] [--model paper]
                                   [--settling-only]

For the four-grain polycrystal (slab, box 16 Å) and the AET FePt nanoparticle
(cube, box 12 Å), both modes with one model (the paper's by default) on the same grid: seconds,
boxes/s, atoms/s, argmax agreement of fast with exact, mean |ΔMI| and, for the polycrystal,
the share of the boxes inside its four grains (the authors' cluster map) given their grain's
class. Then, on
the fast-mode descriptors, Monte-Carlo passes with early settling against all
T passes at three tolerances: max |Δp|, max |ΔMI|, mean passes per box and the time of each;
and, as the yardstick, how far all T passes with another seed (other dropout masks) lie from them.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import ase.io
import numpy as np

from ariseml import spm
from ariseml.classifier import Classifier
from ariseml.models.monte_carlo import monte_carlo_predict
from reference_data import AET_PARTICLE, FOUR_GRAIN_CLUSTER_MAP, FOUR_GRAINS, add_reference_option

SAMPLES = {
    "four-grain polycrystal (Fig. 2a)": (FOUR_GRAINS, dict(box=16.0, geometry="slab")),
    "AET FePt nanoparticle (Fig. 4)": (AET_PARTICLE, dict(box=12.0, geometry="cube")),
}
SETTLE_VALUES = (0.02, 0.01, 0.005)
GRAIN_CLASSES = {0: "diamond_C", 1: "fcc_Cu", 2: "hcp_Mg", 3: "bcc_W"}
"""The grain of each of their clusters (Fig. 2a-d; the class that most boxes of each get in exact mode)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_reference_option(parser)
    parser.add_argument("--stride", type=float, default=4.0, help="stride in Å (the paper: 1)")
    parser.add_argument("--samples", type=int, default=1000, help="Monte-Carlo passes T")
    parser.add_argument("--model", default="paper", help="a shipped model's name or a model path stem")
    parser.add_argument("--settling-only", action="store_true",
                        help="skip exact mode and the mode table: only the early-settling table")
    args = parser.parse_args()
    print(f"command: python benchmarks/spm_modes.py --stride {args.stride:g} --samples {args.samples} "
          f"--model {args.model}"
          + (" --settling-only" if args.settling_only else ""))
    classifier = Classifier.load(args.model, samples=args.samples, seed=0)
    if not args.settling_only:
        print("| sample | atoms | boxes | mode | seconds | boxes/s | atoms/s | argmax = exact | mean abs ΔMI "
              "| grain's class |")
        print("|---|---|---|---|---|---|---|---|---|---|")
    settling = []
    for name, (path, options) in SAMPLES.items():
        atoms = ase.io.read(args.reference / path)
        stride = (args.stride,) * 3
        maps = {}
        for mode in ("fast",) if args.settling_only else ("exact", "fast"):
            settings = spm.SpmSettings(stride=stride, mode=mode, **options)
            with tempfile.TemporaryDirectory() as out:
                start = time.perf_counter()
                maps[mode] = spm.scan(atoms, settings, classifier, Path(out), progress=False)
                seconds = time.perf_counter() - start
                if mode == "fast":
                    grid = spm.make_grid(atoms, spm.effective_settings(atoms, settings))
                    features, _, valid = spm.pooled_descriptors(atoms, grid, settings, classifier.settings_,
                                                                Path(out), progress=False)
                    settling.append((name, features[valid]))
            if args.settling_only:
                continue
            boxes = maps[mode]["argmax_class"].size
            exact, this = maps["exact"], maps[mode]
            both = (exact["argmax_class"].values >= 0) & (this["argmax_class"].values >= 0)
            agreement = np.mean(exact["argmax_class"].values[both] == this["argmax_class"].values[both])
            delta = np.abs(exact["mutual_information"].values - this["mutual_information"].values)[both].mean()
            grains = (_grain_class_share(atoms, this, args.reference / FOUR_GRAIN_CLUSTER_MAP)
                      if path == FOUR_GRAINS else None)
            print(f"| {name} | {len(atoms)} | {boxes} | {mode} | {seconds:.1f} | {boxes / seconds:.1f} | "
                  f"{len(atoms) / seconds:.0f} | {100 * agreement:.1f} % | {delta:.4f} | "
                  f"{'' if grains is None else f'{grains:.1f} %'} |", flush=True)
    print(f"\nEarly settling (stages of 25 passes) against all {args.samples} passes:")
    print("| sample | boxes | settle | max abs Δp | max abs ΔMI | mean passes | seconds (all T) | seconds (settling) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, features in settling:
        start = time.perf_counter()
        full = monte_carlo_predict(classifier.model_, features, args.samples, seed=0)
        full_seconds = time.perf_counter() - start
        for settle in SETTLE_VALUES:
            start = time.perf_counter()
            early = monte_carlo_predict(classifier.model_, features, args.samples, seed=0, settle=settle)
            print(f"| {name} | {len(features)} | {settle} | "
                  f"{np.abs(full.probabilities - early.probabilities).max():.4f} | "
                  f"{np.abs(full.mutual_information - early.mutual_information).max():.4f} | "
                  f"{early.passes.mean():.0f} | {full_seconds:.1f} | {time.perf_counter() - start:.1f} |", flush=True)
        other_seed = monte_carlo_predict(classifier.model_, features, args.samples, seed=1)
        print(f"| {name} | {len(features)} | none, seed 1 | "
              f"{np.abs(full.probabilities - other_seed.probabilities).max():.4f} | "
              f"{np.abs(full.mutual_information - other_seed.mutual_information).max():.4f} | "
              f"{args.samples} | | |", flush=True)


def _grain_class_share(atoms, result, grain_map: Path) -> float:
    """Percentage of the classified boxes inside one of the authors' four grains whose most probable
    class is that grain's (their map's index of a box centre x is x - min(x) + box / 2, in Å)."""
    clusters = np.load(grain_map)
    half_box = result.attrs["box_edges"][0] / 2
    row = np.round(result["y"].values - atoms.positions[:, 1].min() + half_box).astype(int)
    column = np.round(result["x"].values - atoms.positions[:, 0].min() + half_box).astype(int)
    rows, columns = np.meshgrid(row, column, indexing="ij")
    argmax = result["argmax_class"].values[0]
    on_map = (rows < clusters.shape[0]) & (columns < clusters.shape[1]) & (argmax >= 0)
    grain = clusters[rows[on_map], columns[on_map]]
    predicted = np.array(result["class"].values)[argmax[on_map]]
    inside = grain >= 0
    expected = np.array([GRAIN_CLASSES[int(g)] for g in grain[inside]])
    return float(100 * np.mean(predicted[inside] == expected))


if __name__ == "__main__":
    main()
