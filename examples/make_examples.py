"""Regenerate the example structures in examples/structures (all built by ariseml itself).

    python examples/make_examples.py
"""

from pathlib import Path

from ase.spacegroup import crystal

from ariseml.io import write_structure
from ariseml.prototypes import build
from ariseml.defects import apply_defects

HERE = Path(__file__).parent / "structures"


def main() -> None:
    HERE.mkdir(exist_ok=True)
    # a finite fcc cluster with 2 % displacements and 5 % of the atoms missing
    write_structure(HERE / "fcc_Cu_cluster_defective.xyz",
                    apply_defects(build("fcc_Cu", supercell=1), delta=0.02, eta=0.05, seed=1))
    # a periodic cell in CIF
    write_structure(HERE / "NaCl_rocksalt.cif", build("rocksalt_NaCl"))
    # microscopy-like: graphene column positions at z = 0, 1 % noise
    flake = apply_defects(build("graphene", supercell=1), delta=0.01, seed=2)
    flake.positions[:, 2] = 0.0
    write_structure(HERE / "graphene_flake_z0.xyz", flake)
    # a three-frame trajectory of bcc W heating up (growing displacements)
    frames = [apply_defects(build("bcc_W", supercell=0, periodic=True), delta=d, seed=3)
              for d in (0.01, 0.03, 0.05)]
    write_structure(HERE / "bcc_W_heating.xyz", frames)
    # not among the 108 classes: fluorite CaF2, Fm-3m, a = 5.4626 Å (Batchelder & Simmons,
    # J. Chem. Phys. 41, 2324 (1964)); the model must pick the most similar class, uncertain
    fluorite = crystal(["Ca", "F"], [(0, 0, 0), (0.25, 0.25, 0.25)], spacegroup=225,
                       cellpar=[5.4626, 5.4626, 5.4626, 90, 90, 90])
    write_structure(HERE / "fluorite_CaF2_not_a_class.cif", fluorite)


if __name__ == "__main__":
    main()
