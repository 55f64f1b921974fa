"""``arise prototypes``, ``build``, ``polycrystal`` and ``superalloy``: the classes and structures of them."""

from __future__ import annotations

import json
from typing import Any

import click

from ariseml.cli.group import main
from ariseml.cli.options import format_option, fraction, output_option, seed_option
from ariseml.prototypes import GROUPS


@main.command(short_help="List the 108 crystal-structure classes.")
@click.option("--group", "group", type=click.Choice(GROUPS), help="Only the classes of this group.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON records instead of a table.")
def prototypes(group: str | None, as_json: bool) -> None:
    """List the 108 crystal-structure classes."""
    from ariseml.prototypes import all_prototypes

    selected = [p for p in all_prototypes() if group is None or p.group == group]
    if as_json:
        click.echo(json.dumps([p.record() for p in selected], indent=1, ensure_ascii=False))
        return
    click.echo(f"{'id':33s} {'group':11s} {'formula':12s} {'SG':>4s}  name")
    for p in selected:
        space_group = "-" if p.space_group is None else str(p.space_group)
        click.echo(f"{p.id:33s} {p.group:11s} {p.formula:12s} {space_group:>4s}  {p.name}")
    counts = ", ".join(f"{g} {sum(p.group == g for p in selected)}" for g in GROUPS)
    click.echo(f"{len(selected)} classes ({counts})")


@main.command(short_help="A structure of a class: periodic cell or finite supercell, optionally defective.")
@click.argument("prototype_id")
@click.option("--supercell", type=click.IntRange(0, 2), default=None,
              help="0: smallest isotropic replica with >= 100 atoms; 1, 2: the next two. "
                   "Non-periodic unless --periodic. Without it: the periodic cell.")
@click.option("--periodic", is_flag=True, help="Keep periodic boundary conditions for a supercell.")
@click.option("--displace", type=float, default=0.0, callback=fraction("--displace"),
              help="Random displacements, uniform in [-δ·d_NN, δ·d_NN] per component (fraction, 0.01 = 1 %).")
@click.option("--remove", type=float, default=0.0, callback=fraction("--remove", 1.0),
              help="Fraction η of atoms removed at random (0.05 = 5 %).")
@seed_option
@output_option
@format_option
def build(prototype_id: str, supercell: int | None, periodic: bool, displace: float, remove: float,
          seed: int | None, output: str, file_format: str | None) -> None:
    """Build a structure of class PROTOTYPE_ID, optionally with defects."""
    from ariseml.io import validate_output, write_structure
    from ariseml.prototypes import build as build_structure
    from ariseml.defects import apply_defects

    validate_output(output, file_format)
    atoms = build_structure(prototype_id, supercell=supercell, periodic=True if periodic else None)
    atoms = apply_defects(atoms, delta=displace, eta=remove, seed=seed)
    write_structure(output, atoms, file_format)
    click.echo(f"wrote {output}: {atoms.get_chemical_formula()} ({len(atoms)} atoms, "
               f"periodic={bool(atoms.pbc.any())})")


def _atoms_summary(atoms: Any) -> str:
    return f"{atoms.get_chemical_formula()} ({len(atoms)} atoms)"


@main.command(short_help="A Voronoi polycrystal with randomly oriented grains.")
@click.option("--grains", required=True,
              help="Comma-separated prototype ids used for the grains, e.g. fcc_Cu,bcc_W,hcp_Mg,diamond_C.")
@click.option("--size", type=float, required=True, help="Edge of the cubic box (Å).")
@click.option("--n-grains", type=int, default=None, help="Number of grains (default: one per listed id).")
@click.option("--slab", "slab_thickness", type=float, default=None,
              help="Build a slab of this thickness (Å): grains rotated about z only.")
@seed_option
@output_option
@format_option
def polycrystal(grains: str, size: float, n_grains: int | None, slab_thickness: float | None,
                seed: int | None, output: str, file_format: str | None) -> None:
    """A Voronoi polycrystal with randomly oriented grains (grain id stored per atom)."""
    from ariseml.io import validate_output, write_structure
    from ariseml.synthetic import voronoi_polycrystal

    validate_output(output, file_format)
    grain_ids = [g.strip() for g in grains.split(",") if g.strip()]
    atoms = voronoi_polycrystal(grain_ids, size, n_grains=n_grains, slab_thickness=slab_thickness, seed=seed)
    write_structure(output, atoms, file_format)
    click.echo(f"wrote {output}: {_atoms_summary(atoms)}")


@main.command(short_help="The Ni-based superalloy model of ARISE Fig. 2h.")
@click.option("--size", type=float, default=120.0, show_default=True, help="Edge of the cubic box (Å).")
@click.option("--precipitate", "precipitate_size", type=float, default=None,
              help="Edge of the central L1₂ Ni₃Al cube (Å); default: half the box.")
@seed_option
@output_option
@format_option
def superalloy(size: float, precipitate_size: float | None, seed: int | None, output: str,
               file_format: str | None) -> None:
    """The Ni-based superalloy model of ARISE Fig. 2h: fcc Ni(Al) matrix with an L1₂ precipitate."""
    from ariseml.io import validate_output, write_structure
    from ariseml.synthetic import superalloy as build_superalloy

    validate_output(output, file_format)
    atoms = build_superalloy(size=size, precipitate_size=precipitate_size, seed=seed)
    write_structure(output, atoms, file_format)
    click.echo(f"wrote {output}: {_atoms_summary(atoms)}")
