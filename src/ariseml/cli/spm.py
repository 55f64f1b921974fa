"""``arise spm``: strided pattern matching of a sample."""

from __future__ import annotations

import click

from ariseml.cli.frames import read_checked_frames
from ariseml.cli.group import main
from ariseml.cli.options import device_option, format_option, jobs_option, minority_option, precision_option
from ariseml.models import DEFAULT_MODEL, DEFAULT_SEED
from ariseml.spm.plot import INFORMATION_MAX


def _strides(text: str) -> tuple[float, float, float]:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError as error:
        raise click.BadParameter(f"give one stride or three (x,y,z), e.g. 2 or 2,2,1; got {text!r}",
                                 param_hint="--stride") from error
    if len(values) not in (1, 3) or min(values) <= 0:
        raise click.BadParameter(f"give one positive stride or three (x,y,z); got {text!r}", param_hint="--stride")
    return (values[0],) * 3 if len(values) == 1 else tuple(values)


def _slice(text: str) -> tuple[str, float]:
    axis, _, value = text.partition("=")
    try:
        if axis.strip() not in ("x", "y", "z"):
            raise ValueError
        return axis.strip(), float(value)
    except ValueError as error:
        raise click.BadParameter(f"write a slice as AXIS=POSITION, e.g. z=12.5; got {text!r}",
                                 param_hint="--slice") from error


@main.command(short_help="Strided pattern matching: class and uncertainty maps of a sample.")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--box", type=float, default=16.0, show_default=True,
              help="Edge of the box, in the file's unit (Å; pixels for images).")
@click.option("--stride", default="2", show_default=True, help="Step of the grid: one value or x,y,z.")
@click.option("--slab", is_flag=True, help="Stride in-plane only; the box spans the thickness along z.")
@click.option("--rod", type=click.Choice(["x", "y", "z"]), default=None,
              help="Stride along this axis only; the box spans the sample across it.")
@click.option("--min-atoms", type=click.IntRange(2), default=10, show_default=True,
              help="Boxes with fewer atoms are marked empty, never guessed.")
@minority_option("a box")
@click.option("--mode", type=click.Choice(["exact", "fast"]), default="exact", show_default=True,
              help="exact: each box described from its own atoms (the paper); fast: per-atom coefficients "
                   "computed once in the whole sample and pooled per box (box and stride need a common divisor).")
@click.option("--settle", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Run a box's Monte-Carlo passes in stages of 25 and stop after the stage where the standard "
                   "error of each probability's difference to the T-pass result (its variance plus 3/n, the rule "
                   "of three, so n agreeing passes leave about 1.7/n) is below this, e.g. 0.01, and the two most "
                   "probable classes are 2 standard errors apart; default: every box gets all T passes.")
@click.option("--samples", type=click.IntRange(1), default=1000, show_default=True,
              help="T, the Monte-Carlo dropout passes per box.")
@click.option("--hidden-layer", "hidden_layers", type=click.IntRange(1, 3), multiple=True,
              help="Keep this hidden layer's activations per box in spm.nc (repeatable; for 'arise explore').")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Seed of the dropout masks.")
@click.option("--model", "model_path", default=DEFAULT_MODEL, show_default=True,
              help="A shipped model name or the path of one written by 'arise train'.")
@click.option("--top", type=click.IntRange(1), default=3, show_default=True,
              help="How many classes get a probability map.")
@click.option("--mi-max", "information_max", type=click.FloatRange(min=0, min_open=True), default=INFORMATION_MAX,
              show_default="ln 2 = 0.693", help="Top of the mutual-information colour scale (nats); the same in "
              "every map, so that maps compare.")
@click.option("--slice", "slices", multiple=True, help="A plane to plot, e.g. z=12.5 (repeatable); "
              "default: the middle plane (slabs and images: the only one).")
@jobs_option
@click.option("--scheduler", default=None,
              help="Address of a Dask distributed scheduler (e.g. tcp://10.0.0.5:8786): the chunks run on its "
                   "workers instead of this machine's cores.")
@device_option
@precision_option("float32")
@click.option("--out", type=click.Path(file_okay=False), required=True,
              help="Folder for spm.nc, the PNG maps, the per-atom XYZ and the resumable chunks: a new or empty "
                   "one, or that of an interrupted run of the same command (no default: nothing lands where you "
                   "did not ask).")
@format_option
def spm(file: str, box: float, stride: str, slab: bool, rod: str | None, min_atoms: int, minority: float,
        mode: str, settle: float | None, samples: int, hidden_layers: tuple[int, ...], seed: int, model_path: str,
        top: int, information_max: float, slices: tuple[str, ...], jobs: int | None, scheduler: str | None,
        device: str, precision: str, out: str, file_format: str | None) -> None:
    """Strided pattern matching: maps of the class probabilities and uncertainty across FILE.

    Rerunning the same command after an interruption resumes where it stopped.
    """
    from pathlib import Path

    from ariseml import spm as strided
    from ariseml.classifier import Classifier
    from ariseml.io import write_structure

    if slab and rod:
        raise click.UsageError("choose --slab or --rod, not both")
    if scheduler and device != "cpu":
        raise click.UsageError("--device applies to this machine; with --scheduler the passes run on the workers' "
                               "CPUs: leave out --device")
    planes = [_slice(s) for s in slices]
    strides = _strides(stride)
    frames = read_checked_frames(file, file_format)
    if len(frames) > 1:
        raise click.UsageError(f"{file} holds {len(frames)} frames; SPM maps one sample: write the frame you want "
                               "to its own file (e.g. with 'ase convert -n INDEX')")
    atoms = frames[0]
    geometry = "slab" if slab else "rod" if rod else "cube"
    settings = strided.SpmSettings(box=box, stride=strides, geometry=geometry, axis="xyz".index(rod) if rod else 2,
                                   min_atoms=min_atoms, minority=minority, mode=mode,
                                   hidden_layers=tuple(sorted(set(hidden_layers))))
    classifier = Classifier.load(model_path, samples=samples, seed=seed, device=device, settle=settle,
                                 precision=precision)
    target = Path(out)  # made by scan, which refuses a folder holding files of another run or of the user
    dataset = strided.scan(atoms, settings, classifier, target, jobs=jobs, scheduler=scheduler)
    valid = int((dataset["argmax_class"] >= 0).sum())
    click.echo(f"wrote {target / 'spm.nc'}: {dataset.sizes['x']} x {dataset.sizes['y']} x {dataset.sizes['z']} boxes, "
               f"{valid} classified, {int(dataset['argmax_class'].size) - valid} empty")
    if not valid:
        raise click.UsageError("every box is empty: lower --min-atoms or use a larger --box")
    classes = strided.top_classes(dataset, top)
    unit = "pixels" if strided.is_flat(atoms) else "Å"
    for axis, position in planes or [("z", None)]:
        name = "maps.png" if position is None else f"maps_{axis}{position:g}.png"
        strided.plot_maps(dataset, target / name, classes, axis, position, unit, information_max)
        click.echo(f"wrote {target / name} ({', '.join(classes)} and mutual information, 0 to {information_max:.3g} "
                   "nats)")
    write_structure(target / "atoms.xyz", strided.labelled_atoms(atoms, dataset), format="extxyz")
    click.echo(f"wrote {target / 'atoms.xyz'} (per atom: spm_class, spm_mutual_information of the nearest box)")
    for rank, (name, share) in enumerate(zip(classes, strided.class_shares(dataset, classes)), start=1):
        click.echo(f"  {rank}. {name:33s} most probable in {100 * share:5.1f} % of the boxes")
