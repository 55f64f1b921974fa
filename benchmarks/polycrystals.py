"""Per-atom labels and SPM maps of generated polycrystals with thermal-like noise, against the grains' truth.

    python benchmarks/polycrystals.py [--model realistic] [--samples 100] [--size 64] [--noise 0.04]
                                      [--taper 0.4] [--species-reach 2] [--md 0.5] [--skip-boxes] [--out DIR]

Two periodic Voronoi polycrystals (``ariseml.synthetic.voronoi_polycrystal``), every atom displaced by Gaussian
noise of ``--noise`` x its grain's d_NN per component (0.04: about half the melting point's in the EMT metals):

- **Fe**: fcc, bcc and hcp grains of one element (four grains, the fourth fcc again);
- **Cu/W/Mg/C**: the example of ``arise polycrystal --help``, one element per grain, so a box or sphere across
  a boundary holds two elements;
- with ``--md X``, also **Al fcc after MD**: four fcc grains of Al relaxed and run at X T_m for ``MD_PICOSECONDS``
  with the Mendelev EAM potential of the realistic suite (LAMMPS, as ``benchmarks/realistic_md.py`` runs it: NPH
  with a CSVR thermostat), so that the grain boundaries and the thermal motion are a potential's, not a model's.

Per atom (``ariseml.label_atoms``, default radius and minority rule, ``--taper`` and ``--species-reach`` as given):
the share of atoms given their grain's class, by distance to the nearest atom of another grain, and per grain for
the grain interior (atoms farther than half the sphere radius from another grain), beside OVITO's PTM on the same
atoms where it knows the class; for the MD sample also the **interior after MD**: the atoms farther than half the
sphere radius from every atom that a-CNA does not call fcc once the snapshot is quenched (LAMMPS conjugate
gradients, cached), since the MD moves and widens the boundaries away from the Voronoi faces that ``grain_id``
records. SPM (box 16 Å, stride 4 Å, exact and fast mode, the same model and T): on the boxes whose atoms all belong
to one grain, the share given their grain's class in each mode and the share where fast mode's argmax equals exact
mode's.
Prints markdown tables and writes ``polycrystals.csv`` and ``polycrystals-boxes.csv`` to ``--out``.
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
import tempfile
import time
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.build import bulk
from scipy.spatial import cKDTree

from ariseml import label_atoms, spm
from ariseml.classifier import Classifier
from ariseml.caches import cache_folder
from ariseml.labels import DEFAULT_SPECIES_REACH, DEFAULT_TAPER, sphere_radius
from ariseml.prototypes import build
from ariseml.spm.boxes import atoms_in_boxes, box_search_tree
from ariseml.structure import nearest_neighbour_distance
from ariseml.synthetic import voronoi_polycrystal

IRON_GRAINS = {
    # γ-Fe at room temperature, extrapolated from Fe-Ni alloys: a = 3.59 Å (Basinski, Hume-Rothery & Sutton,
    # Proc. R. Soc. A 229, 459 (1955)); α-Fe: a = 2.8665 Å (ASE's reference data); ε-Fe near 13 GPa:
    # a = 2.468 Å, c/a = 1.603 (Mao, Bassett & Takahashi, J. Appl. Phys. 38, 272 (1967)).
    "fcc_Cu": bulk("Fe", "fcc", a=3.59),
    "bcc_W": bulk("Fe", "bcc", a=2.8665),
    "hcp_Mg": bulk("Fe", "hcp", a=2.468, c=2.468 * 1.603),
}
MIXED_GRAINS = ("fcc_Cu", "bcc_W", "hcp_Mg", "diamond_C")
MD_SYSTEM = "Al_fcc_mendelev"
MD_PICOSECONDS = 10.0
DISTANCE_BANDS = (0.0, 2.5, 5.0, 10.0, np.inf)
"""Bands (Å) of an atom's distance to the nearest atom of another grain."""
BOX, STRIDE = 16.0, 4.0


def noisy_polycrystal(name: str, grains: dict[str, Atoms], size: float, noise: float, seed: int) -> Atoms:
    """The polycrystal with its grain classes in ``info["grain_classes"]`` and Gaussian noise per grain."""
    cells = list(grains.values())
    atoms = voronoi_polycrystal(cells, size, n_grains=4, seed=seed)
    rng = np.random.default_rng(seed)
    grain = atoms.arrays["grain_id"]
    sigma = np.array([noise * nearest_neighbour_distance(cells[g % len(cells)]) for g in grain])
    atoms.positions += rng.normal(size=(len(atoms), 3)) * sigma[:, None]
    atoms.wrap()
    atoms.info["name"] = name
    atoms.info["grain_classes"] = [list(grains)[g % len(grains)] for g in range(int(grain.max()) + 1)]
    return atoms


def md_polycrystal(size: float, t_over_tm: float, seed: int) -> Atoms:
    """Four fcc Al grains after LAMMPS MD at ``t_over_tm`` of the potential's melting point; the atoms keep their
    order (LAMMPS returns them by id), so ``grain_id`` still says which grain each came from, and
    ``quenched_fcc`` says which atoms a-CNA calls fcc once the snapshot is quenched (``quenched``). Both kept in the
    cache folder: a rerun reads them."""
    import ase.io
    from realistic_md import SYSTEMS_BY_NAME, LammpsEngine

    path = Path(cache_folder("realistic")) / f"polycrystal-md-{size:g}-{t_over_tm:g}-{seed}-{MD_PICOSECONDS:g}ps.xyz"
    system = SYSTEMS_BY_NAME[MD_SYSTEM]
    if path.exists():
        atoms = ase.io.read(path, format="extxyz")
    else:
        start = voronoi_polycrystal([bulk("Al", "fcc", a=system.a)], size, n_grains=4, seed=seed)
        engine = LammpsEngine(system, start, seed)
        temperature = t_over_tm * system.tm
        engine.equilibrate(temperature, MD_PICOSECONDS, system.melt_pressure_bar, isotropic=True)
        atoms = engine.atoms()
        engine.close()
        atoms.arrays["grain_id"] = start.arrays["grain_id"]
        atoms.info["name"] = f"Al fcc, MD at {t_over_tm:g} T_m"
        atoms.info["grain_classes"] = ["fcc_Cu"] * (int(start.arrays["grain_id"].max()) + 1)
        _write_cached(atoms, path)
    fcc = quenched(atoms, path.with_name(path.stem + "-quenched.xyz")) == "FCC"
    atoms.arrays["quenched_fcc"] = fcc.astype(np.int8)  # OVITO's ase_to_ovito takes no boolean array
    return atoms


def quenched(snapshot: Atoms, path: Path) -> np.ndarray:
    """a-CNA's label of each atom of the MD ``snapshot``'s inherent structure: its atoms and cell relaxed to the
    nearest energy minimum (conjugate gradients, LAMMPS, the MD's potential), where thermal motion no longer hides
    which atoms sit in a crystal and which in a grain boundary. The quenched structure is cached at ``path``."""
    import ase.io
    from realistic_md import SYSTEMS_BY_NAME, LammpsEngine

    from ariseml.evaluation.peers_ovito import per_atom_labels

    if path.exists():
        relaxed = ase.io.read(path, format="extxyz")
    else:
        engine = LammpsEngine(SYSTEMS_BY_NAME[MD_SYSTEM], snapshot, seed=0)  # starts with the minimisation
        relaxed = engine.atoms()
        engine.close()
        _write_cached(relaxed, path)
    return per_atom_labels(relaxed, "acna")


def _write_cached(atoms: Atoms, path: Path) -> None:
    """Write extXYZ to ``path`` through a temporary name, so that a stopped run leaves no half-written cache."""
    import ase.io

    path.parent.mkdir(parents=True, exist_ok=True)
    ase.io.write(path.with_suffix(".part"), atoms, format="extxyz")
    path.with_suffix(".part").replace(path)


def distance_to_other_grains(atoms: Atoms) -> np.ndarray:
    """Per atom, the distance (Å) to the nearest atom of another grain, across the periodic faces."""
    grain = atoms.arrays["grain_id"]
    lengths = atoms.cell.lengths()
    positions = np.mod(atoms.positions, lengths)
    distance = np.empty(len(atoms))
    for g in np.unique(grain):
        others = cKDTree(positions[grain != g], boxsize=lengths)
        distance[grain == g], _ = others.query(positions[grain == g])
    return distance


def per_atom_rows(atoms: Atoms, classifier: Classifier, taper: float, species_reach: float) -> list[dict]:
    from ariseml.evaluation.peers_ovito import DESIGNED_CLASSES, per_atom_labels

    grain = atoms.arrays["grain_id"]
    truth = np.array(atoms.info["grain_classes"])[grain]
    start = time.perf_counter()
    radius = sphere_radius(atoms)
    ours = label_atoms(atoms, classifier, radius, top=1, taper=taper, species_reach=species_reach, jobs=2).names()
    seconds = time.perf_counter() - start
    ptm_names = per_atom_labels(atoms, "ptm")
    ptm_right = ptm_names == np.array([DESIGNED_CLASSES["ptm"].get(c, "") for c in truth])
    distance = distance_to_other_grains(atoms)
    interior = distance >= radius / 2
    rows = []
    for low, high in zip(DISTANCE_BANDS, DISTANCE_BANDS[1:]):
        band = (distance >= low) & (distance < high)
        rows.append({"sample": atoms.info["name"], "atoms": f"{low:g}-{high:g} Å from another grain",
                     "count": int(band.sum()), "ariseml %": 100 * float(np.mean(ours[band] == truth[band])),
                     "PTM %": 100 * float(np.mean(ptm_right[band]))})
    for g in np.unique(grain):
        chosen = interior & (grain == g)
        rows.append({"sample": atoms.info["name"], "atoms": f"grain {g} ({truth[grain == g][0]}) interior",
                     "count": int(chosen.sum()), "ariseml %": 100 * float(np.mean(ours[chosen] == truth[chosen])),
                     "PTM %": 100 * float(np.mean(ptm_right[chosen]))})
    if "quenched_fcc" in atoms.arrays:
        rows += interior_after_md_rows(atoms, ours == truth, ptm_right, radius)
    wrong = Counter(ours[interior & (ours != truth)].tolist()).most_common(3)
    rows.append({"sample": atoms.info["name"], "atoms": f"interior (>= {radius / 2:.2f} Å), all grains",
                 "count": int(interior.sum()), "ariseml %": 100 * float(np.mean(ours[interior] == truth[interior])),
                 "PTM %": 100 * float(np.mean(ptm_right[interior])), "seconds": round(seconds, 1),
                 "ariseml's wrong answers": ", ".join(f"{name or 'none'} {count}" for name, count in wrong)})
    return rows


def interior_after_md_rows(atoms: Atoms, ours_right: np.ndarray, ptm_right: np.ndarray, radius: float
                           ) -> list[dict]:
    """Per grain and in all, the atoms farther than half the sphere radius from every atom that is not fcc in the
    quenched snapshot: the grain interiors as the MD left them (its boundaries moved and widened from the Voronoi
    faces that ``grain_id`` records)."""
    lengths = atoms.cell.lengths()
    positions = np.mod(atoms.positions, lengths)
    boundary = cKDTree(positions[atoms.arrays["quenched_fcc"] == 0], boxsize=lengths)
    interior = boundary.query(positions)[0] >= radius / 2
    grain = atoms.arrays["grain_id"]
    rows = []
    for g in [*np.unique(grain), None]:
        chosen = interior & (grain == g) if g is not None else interior
        rows.append({"sample": atoms.info["name"],
                     "atoms": (f"grain {g} interior after MD" if g is not None else
                               f"interior after MD (>= {radius / 2:.2f} Å from atoms not fcc once quenched)"),
                     "count": int(chosen.sum()), "ariseml %": 100 * float(np.mean(ours_right[chosen])),
                     "PTM %": 100 * float(np.mean(ptm_right[chosen]))})
    return rows


def box_rows(atoms: Atoms, classifier: Classifier) -> list[dict]:
    """Exact and fast SPM on the boxes inside one grain."""
    maps, seconds = {}, {}
    for mode in ("exact", "fast"):
        settings = spm.SpmSettings(box=BOX, stride=(STRIDE,) * 3, mode=mode)
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            result = spm.scan(atoms, settings, classifier, Path(out), jobs=2, progress=False)
            seconds[mode] = time.perf_counter() - start
            maps[mode] = np.array(result["class"].values)[result["argmax_class"].values.ravel()]
            maps[mode][result["argmax_class"].values.ravel() < 0] = ""
    grid = spm.make_grid(atoms, spm.effective_settings(atoms, spm.SpmSettings(box=BOX, stride=(STRIDE,) * 3)))
    members = atoms_in_boxes(box_search_tree(atoms.positions, grid.box_edges),
                             grid.box_centre(np.arange(grid.size)), grid.box_edges)
    grain = atoms.arrays["grain_id"]
    box_grain = np.array([grain[m[0]] if len(m) and np.all(grain[m] == grain[m[0]]) else -1 for m in members])
    inside = box_grain >= 0
    truth = np.array(atoms.info["grain_classes"])[box_grain[inside]]
    rows = []
    for g in [*np.unique(box_grain[inside]), None]:
        chosen = (box_grain[inside] == g) if g is not None else np.ones(inside.sum(), dtype=bool)
        exact, fast = maps["exact"][inside][chosen], maps["fast"][inside][chosen]
        rows.append({"sample": atoms.info["name"],
                     "boxes": "all grain-interior boxes" if g is None else f"grain {g} ({truth[chosen][0]})",
                     "count": int(chosen.sum()), "exact %": 100 * float(np.mean(exact == truth[chosen])),
                     "fast %": 100 * float(np.mean(fast == truth[chosen])),
                     "fast = exact %": 100 * float(np.mean(fast == exact)),
                     **({"exact s": round(seconds["exact"], 1), "fast s": round(seconds["fast"], 1)} if g is None
                        else {})})
    return rows


def markdown(rows: list[dict]) -> str:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    def cell(value) -> str:
        return f"{value:.1f}" if isinstance(value, float) else str(value)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row.get(k, "")) for k in columns) + " |" for row in rows]
    return "\n".join(lines)


def write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(dict.fromkeys(k for row in rows for k in row)))
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="realistic", help="a shipped model's name or a model path stem")
    parser.add_argument("--samples", type=int, default=100, help="Monte-Carlo passes T (per atom and per box)")
    parser.add_argument("--size", type=float, default=64.0, help="edge of the cubic samples (Å)")
    parser.add_argument("--noise", type=float, default=0.04, help="Gaussian noise per component, x d_NN")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--taper", type=float, default=DEFAULT_TAPER, help="per-atom spheres' Gaussian weights")
    parser.add_argument("--species-reach", type=float, default=DEFAULT_SPECIES_REACH,
                        help="per-atom spheres' species reach")
    parser.add_argument("--md", type=float, default=None, metavar="T_OVER_TM",
                        help="also an Al polycrystal after LAMMPS MD at this fraction of the melting point")
    parser.add_argument("--skip-boxes", action="store_true", help="per-atom labels only")
    parser.add_argument("--out", type=Path, default=Path("benchmark-results"))
    args = parser.parse_args()
    print(f"command: python benchmarks/polycrystals.py --model {args.model} --samples {args.samples} "
          f"--size {args.size:g} --noise {args.noise:g} --seed {args.seed} --taper {args.taper:g} "
          f"--species-reach {args.species_reach:g}" + (f" --md {args.md:g}" if args.md is not None else "")
          + (" --skip-boxes" if args.skip_boxes else ""), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    classifier = Classifier.load(args.model, samples=args.samples, seed=0)
    samples = [noisy_polycrystal("Fe fcc/bcc/hcp", IRON_GRAINS, args.size, args.noise, args.seed),
               noisy_polycrystal("Cu/W/Mg/C", {c: build(c) for c in MIXED_GRAINS}, args.size, args.noise,
                                 args.seed)]
    if args.md is not None:
        samples.append(md_polycrystal(args.size, args.md, args.seed))
    atom_rows, boxes = [], []
    for atoms in samples:
        print(f"{atoms.info['name']}: {len(atoms)} atoms", flush=True)
        atom_rows += per_atom_rows(atoms, classifier, args.taper, args.species_reach)
        if not args.skip_boxes:
            boxes += box_rows(atoms, classifier)
    print("\nPer atom:\n" + markdown(atom_rows))
    write_csv(args.out / "polycrystals.csv", atom_rows)
    if boxes:
        print(f"\nSPM boxes (box {BOX:g} Å, stride {STRIDE:g} Å) inside one grain:\n" + markdown(boxes))
        write_csv(args.out / "polycrystals-boxes.csv", boxes)


if __name__ == "__main__":
    main()
