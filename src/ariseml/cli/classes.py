"""``arise classes add``, ``list`` and ``train``: a user's own classes beside the 108, and a model extended with
them."""

from __future__ import annotations

import click

from ariseml.cli.group import main
from ariseml.cli.options import jobs_option

EXTENSION_BASE = "realistic"
"""The model extended unless told otherwise: the one trained on the realistic recipe, which the new classes'
draws repeat."""

folder_option = click.option(
    "--folder", type=click.Path(file_okay=False), default="arise-classes", show_default=True,
    help="The folder of your classes (its classes.json lists them; created by the first 'add').")

base_option = click.option(
    "--base", default=EXTENSION_BASE, show_default=True,
    help="The model to extend (a shipped name, or the path of a model trained on the realistic recipe); 'add' "
         "checks duplicates with its descriptor settings.")


@main.group(short_help="Your own classes beside the 108: add them, list them, extend a model with them.")
def classes() -> None:
    """Your own crystal-structure classes beside the 108 (ARISE's "number that can be extended on demand").

    \b
    arise classes add CaF2.cif --id fluorite --name "fluorite (CaF2)"
    arise classes train -o my_model
    arise classify sample.xyz --model my_model
    """


@classes.command(short_help="Register structure files as a new class.")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--id", "class_id", required=True, help="The class's id: a letter, then letters, digits, _ or -.")
@click.option("--name", default=None, help="A readable name [default: the id].")
@folder_option
@base_option
@click.option("--tolerance", type=float, default=None,
              help="A structure whose descriptor lies this close (relative distance) to an existing class's is "
                   "refused as a duplicate [default: 0.003; the closest two of the 108 are 0.006 apart].")
def add(files: tuple[str, ...], class_id: str, name: str | None, folder: str, base: str,
        tolerance: float | None) -> None:
    """Register FILES (one structure each, any format ASE reads: a periodic cell, a layer, or a finite tube or
    cluster) as one new class: several files are several variants of it (other compounds, other c/a)."""
    from ariseml.classifier import Classifier
    from ariseml.prototypes.user import DUPLICATE_TOLERANCE, add_class

    classifier = Classifier.load(base)
    prototype, closest = add_class(folder, files, class_id, classifier.settings_, name,
                                   DUPLICATE_TOLERANCE if tolerance is None else tolerance)
    shape = prototype.definition["shape"]
    group = "" if prototype.space_group is None else f", space group {prototype.space_group}"
    click.echo(f"added {prototype.id} ({prototype.name}: {prototype.formula}, {shape}{group}, "
               f"{prototype.variants} structure(s)) to {folder}")
    click.echo(f"nearest existing class: {closest.id} (descriptor distance {closest.distance:.4f})")
    answer = classifier.classify(prototype.unit_cell())[0]
    click.echo(f"the base model {base} reads it now as {answer.top_ids[0]} {answer.top_probabilities[0]:.2f} "
               f"(mutual information {answer.mutual_information:.2f} nats); 'arise classes train' extends it")


@classes.command(name="list", short_help="List the classes of a folder.")
@folder_option
def list_classes(folder: str) -> None:
    """List the classes registered in a folder."""
    from ariseml.prototypes.user import read_classes

    registered = read_classes(folder)
    if not registered:
        click.echo(f"{folder}: no classes yet ('arise classes add FILE --id ID' adds one)")
        return
    click.echo(f"{'id':24s} {'shape':7s} {'formula':12s} {'SG':>4s}  name")
    for p in registered:
        space_group = "-" if p.space_group is None else str(p.space_group)
        click.echo(f"{p.id:24s} {p.definition['shape']:7s} {p.formula:12s} {space_group:>4s}  {p.name}")


@classes.command(short_help="Extend a model with the folder's classes (transfer learning, minutes).")
@folder_option
@base_option
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Model path stem: writes STEM.pt and STEM.json, for --model STEM in every command.")
@click.option("--mode", type=click.Choice(["head", "all"]), default="head", show_default=True,
              help="head: train only the new classes' output rows, the 108 keep their logits exactly; all: "
                   "fine-tune every weight.")
@click.option("--draws", type=click.IntRange(2), default=None,
              help="Draws of the realistic recipe per new class [default: three times the base model's, 360].")
@click.option("--replay", type=click.IntRange(2), default=20, show_default=True,
              help="Draws per existing class (and of not-a-crystal packings) shown beside the new ones.")
@click.option("--epochs", type=click.IntRange(1), default=None,
              help="Training epochs [default: 150 in mode head, 60 in mode all].")
@click.option("--data", "cache", type=click.Path(file_okay=False), default=None,
              help="Cache of the replay draws [default: the realistic training set's, shared with 'arise "
                   "dataset --recipe realistic --average both'].")
@click.option("--checkpoint", type=click.Path(dir_okay=False), default=None,
              help="Checkpoint file written every epoch (per member: .member-K appended); rerunning resumes.")
@jobs_option
def train(folder: str, base: str, output: str, mode: str, draws: int | None, replay: int, epochs: int,
          cache: str | None, checkpoint: str | None, jobs: int | None) -> None:
    """Extend the base model with the folder's classes it lacks: their draws of the base's own realistic recipe
    and replayed draws of the existing classes, descriptors cached (an interrupted run resumes)."""
    from pathlib import Path

    from ariseml.classifier import Classifier
    from ariseml.io import check_writable
    from ariseml.training.extend import Extension, extend_model

    check_writable(output + ".pt")
    extension = Extension(draws=draws, replay=replay, mode=mode, epochs=epochs)
    result = extend_model(Classifier.load(base), Path(folder), Path(output), extension,
                          Path(cache) if cache else None, Path(checkpoint) if checkpoint else None, jobs)
    click.echo(f"wrote {output}.pt: {base} with {', '.join(result.added)}; validation accuracy "
               f"{100 * result.validation_accuracy:.2f} % on {result.training_points} training points")
