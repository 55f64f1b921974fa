"""``arise atoms``: a class, its probability and uncertainty for every atom of every frame."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from ariseml.cli.frames import Frame, frames_of
from ariseml.cli.group import in_option_words, main
from ariseml.cli.options import device_option, format_option, jobs_option, minority_option, precision_option
from ariseml.errors import InputError
from ariseml.models import DEFAULT_MODEL, DEFAULT_SEED

PARTS = ".arise-atoms"
"""Folder inside OUT holding each finished frame's labels, so that a rerun resumes."""


def _is_lammps_dump(path: str, file_format: str | None) -> bool:
    """Whether the input is a LAMMPS text dump (its labels then go to a dump too)."""
    from ase.io.formats import filetype

    if file_format is not None:
        return file_format == "lammps-dump-text"
    try:
        return filetype(path) == "lammps-dump-text"
    except Exception:  # noqa: BLE001 - ASE raises several types; an unreadable file is reported when read
        return False


def _output_name(path: str, lammps_dump: bool) -> str:
    source = Path(path)
    return source.name if lammps_dump else f"{source.stem}.xyz"


def _frame_labels(frame: Frame, classifier, options: dict, parts: Path, jobs: int | None):
    """The frame's labels, read from ``parts`` when an interrupted run of the same command finished it."""
    from ariseml.labels import AtomLabels, label_atoms
    from ariseml.spm.store import read_checked, record_key, sample_sha256, save_checked

    key = record_key({"sample_sha256": sample_sha256(frame.atoms), **options,
                      "model_sha256": classifier.metadata_.get("sha256", ""), "samples": classifier.samples,
                      "seed": classifier.seed, "settle": classifier.settle, "precision": classifier.precision})
    part = parts / f"frame-{frame.frame}.npz"
    stored = read_checked(part, key) if part.exists() else None
    if stored is not None:
        return AtomLabels(list(classifier.classes_), **stored)
    labels = label_atoms(frame.atoms, classifier, **options, jobs=jobs, progress=len(frame.atoms) > 20_000)
    parts.mkdir(parents=True, exist_ok=True)
    save_checked(part, key, labels.arrays())
    return labels


@main.command(short_help="A class with probability and uncertainty for every atom (extXYZ or LAMMPS dump).")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--out", type=click.Path(file_okay=False), required=True,
              help="Folder for the labelled files: NAME.xyz per input (a LAMMPS dump keeps its name and format).")
@click.option("--radius", type=click.FloatRange(min=0, min_open=True), default=None,
              show_default="9.9 Å, the volume of the paper's 16 Å SPM box, or 3.2 nearest-neighbour distances of "
                           "the most common element's atoms where that is longer",
              help="Radius of the sphere around each atom whose atoms describe it, in the file's unit (Å).")
@click.option("--min-atoms", type=click.IntRange(2), default=10, show_default=True,
              help="An atom whose sphere holds fewer atoms is left unlabelled (class id -1), never guessed.")
@minority_option("a sphere")
@click.option("--taper", type=click.FloatRange(min=0), default=None, show_default="0.4",
              help="Weigh the atoms of a sphere by a Gaussian of their distance to its centre, σ = this x the "
                   "radius, so that atoms near a grain boundary are described mostly by their own grain; 0 weighs "
                   "every atom alike.")
@click.option("--species-reach", type=click.FloatRange(min=0), default=None, show_default="2",
              help="Leave out a species with no atom within this many times the centre atom's nearest-neighbour "
                   "distance (a neighbouring grain of another element, not part of the atom's structure); 0: off.")
@click.option("--pool-fraction", type=click.FloatRange(0, 1, min_open=True), default=1.0, show_default=True,
              help="Pool the coefficients of only this share of the atoms (a fixed random choice) into each sphere: "
                   "faster in proportion, each sphere then averaging a sample of its atoms (not yet measured on "
                   "the MD suite).")
@click.option("--top", type=click.IntRange(1), default=2, show_default=True,
              help="How many of the most probable classes each atom gets columns for.")
@click.option("--samples", type=click.IntRange(1), default=1000, show_default=True,  # labels.DEFAULT_SAMPLES
              help="T, the Monte-Carlo dropout passes per atom (fewer where an answer settles, --settle).")
@click.option("--settle", type=click.FloatRange(min=0), default=0.07, show_default=True,  # labels.DEFAULT_SETTLE
              help="Stop an atom's passes, in stages of 25, once the standard error of each probability's difference "
                   "to the T-pass result (its variance plus 3/n, the rule of three) is below this and its two most "
                   "probable classes are decided: a sure atom then gets 25 passes; 0: every atom gets all T.")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Seed of the dropout masks.")
@click.option("--model", "model_path", default=DEFAULT_MODEL, show_default=True,
              help="A shipped model name or the path of one written by 'arise train'.")
@jobs_option
@device_option
@precision_option("auto")  # labels.DEFAULT_PRECISION
@format_option
def atoms(files: tuple[str, ...], out: str, radius: float | None, min_atoms: int, minority: float,
          taper: float | None, species_reach: float | None, pool_fraction: float, top: int, samples: int,
          settle: float, seed: int, model_path: str, jobs: int | None, device: str, precision: str,
          file_format: str | None) -> None:
    """Label every atom (every frame) of FILES with the class of the sphere centred on it.

    Writes per-atom columns arise_class_id (for colouring in OVITO), arise_class, arise_probability,
    arise_mutual_information, arise_predictive_entropy, arise_sphere_atoms and ranks 2.. with suffixes.
    A file or frame that cannot be read gets a line on stderr and the exit code 1; the others are written.
    Rerunning the same command after an interruption reuses the frames already finished.
    """
    from ariseml.classifier import Classifier
    from ariseml.labels import DEFAULT_SPECIES_REACH, DEFAULT_TAPER, labelled_copy, write_labelled

    target = Path(out)
    options = {"radius": radius, "top": top, "min_atoms": min_atoms, "minority": minority,
               "taper": DEFAULT_TAPER if taper is None else taper,
               "species_reach": DEFAULT_SPECIES_REACH if species_reach is None else species_reach,
               "pool_fraction": pool_fraction}
    lammps_dump = {path: _is_lammps_dump(path, file_format) for path in files}
    names = Counter(_output_name(path, lammps_dump[path]) for path in files)
    if clashes := [name for name, count in names.items() if count > 1]:
        raise click.UsageError(f"several inputs would write {', '.join(clashes)} in {out}: label them into "
                               "separate --out folders")
    classifier = Classifier.load(model_path, samples=samples, seed=seed, device=device, settle=settle or None,
                                 precision=precision)
    failed = False
    for path in files:
        frames = frames_of(path, file_format)
        labelled = []
        for frame in frames:
            if frame.error is None:
                try:
                    parts = target / PARTS / _output_name(path, lammps_dump[path])
                    labels = _frame_labels(frame, classifier, options, parts, jobs)
                    labelled.append(labelled_copy(frame.atoms, labels, str(model_path)))
                    shares = Counter(labels.names()[labels.labelled]).most_common(3)
                    summary = ", ".join(f"{name} {100 * n / len(frame.atoms):.1f} %" for name, n in shares)
                    click.echo(f"{frame.where()}: {len(frame.atoms)} atoms, {summary or 'none labelled'}")
                    continue
                except InputError as error:
                    frame.error = in_option_words(error)
            click.echo(f"arise: error: {frame.where()}: {frame.error}", err=True)
            failed = True
        if labelled:
            name = target / _output_name(path, lammps_dump[path])
            write_labelled(name, labelled, lammps_dump[path])
            click.echo(f"wrote {name}")
    if failed:
        sys.exit(1)
