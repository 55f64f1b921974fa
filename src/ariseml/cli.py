"""The ``arise`` command line: parses options, calls the library, prints."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from typing import Any

import click
import numpy as np

from ariseml import __version__
from ariseml.errors import InputError
from ariseml.models import DEFAULT_SEED
from ariseml.prototypes import GROUPS, UnknownPrototypeError

EXIT_BAD_INPUT = 2
PROGRESS_MIN_FRAMES = 20
"""A trajectory with at least this many frames shows a progress bar (on stderr)."""


class AriseGroup(click.Group):
    """Turns bad input into a one-line message and exit code 2.

    Bad input is a usage error, the package's own ``InputError`` (and ``UnknownPrototypeError``), or an
    ``OSError`` (a path that cannot be read or written); any other exception is a bug and keeps its traceback.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as error:
            command = f" {ctx.invoked_subcommand}" if ctx.invoked_subcommand else ""
            click.echo(f"arise: error: {error.format_message()} (see 'arise{command} --help')", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except (InputError, UnknownPrototypeError, OSError) as error:
            click.echo(f"arise: error: {error}", err=True)
            sys.exit(EXIT_BAD_INPUT)


def fraction(name: str, upper_exclusive: float | None = None):
    """A click callback checking a fraction in [0, upper)."""

    def check(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
        if value is None:
            return value
        if value < 0 or (upper_exclusive is not None and value >= upper_exclusive):
            bound = f"[0, {upper_exclusive})" if upper_exclusive is not None else ">= 0"
            raise click.BadParameter(f"{name} must be a fraction {bound}, e.g. 0.05 for 5 %; got {value}")
        return value

    return check


@click.group(cls=AriseGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="arise")
def main() -> None:
    """ariseml: which crystal structure, how sure, and where (ARISE, Bayesian deep learning)."""


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


output_option = click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
                             help="Output file; any format ASE writes, chosen by extension.")
format_option = click.option("--format", "file_format", default=None,
                             help="ASE format name, when the extension does not tell it.")
seed_option = click.option("--seed", type=int, default=None, help="Random seed (reproducible output).")


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
    from ariseml.structure import apply_defects

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
    from ariseml.samples import voronoi_polycrystal

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
    from ariseml.samples import superalloy as build_superalloy

    validate_output(output, file_format)
    atoms = build_superalloy(size=size, precipitate_size=precipitate_size, seed=seed)
    write_structure(output, atoms, file_format)
    click.echo(f"wrote {output}: {_atoms_summary(atoms)}")


def _cache_folder(name: str) -> str:
    """$XDG_CACHE_HOME/ariseml/NAME, by default under ~/.cache."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "ariseml", name)


def default_cache(average: str = "inner", rbf: str = "gto") -> str:
    """~/.cache/ariseml/training-set (-outer for outer-averaged, -polynomial for the polynomial basis)."""
    suffixes = ("" if average == "inner" else f"-{average}") + ("" if rbf == "gto" else f"-{rbf}")
    return _cache_folder("training-set" + suffixes)


jobs_option = click.option("--jobs", type=click.IntRange(1), default=None,
                           help="Worker processes (default: all cores).")
average_option = click.option(
    "--average", type=click.Choice(["inner", "outer"]), default="inner", show_default=True,
    help="How SOAP is averaged over centres: inner = coefficients first (the original code), "
         "outer = the mean of per-atom power spectra.")
train_average_option = click.option(
    "--average", type=click.Choice(["inner", "outer", "both"]), default="inner", show_default=True,
    help="How SOAP is averaged over centres: inner = coefficients first (the original code), "
         "outer = the mean of per-atom power spectra, both = the two joined (from the inner and "
         "outer caches of 'arise dataset').")
rbf_option = click.option(
    "--rbf", type=click.Choice(["gto", "polynomial"]), default="gto", show_default=True,
    help="SOAP's radial basis: gto = DScribe's Gaussian-type orbitals (the shipped models), "
         "polynomial = the (r_c - r)^(n+2) functions of the original SOAP paper (Bartók et al. 2013).")


def _antisite_fractions(context: click.Context, parameter: click.Parameter, value: str | None) -> tuple[float, ...]:
    if not value:
        return ()
    try:
        fractions = tuple(float(v) / 100 for v in value.split(","))
    except ValueError:
        raise click.BadParameter(f"{value!r}: give percentages separated by commas, e.g. 5,10") from None
    if not all(0 < f <= 50 / 100 for f in fractions):
        raise click.BadParameter(f"{value!r}: each antisite percentage must be above 0 and at most 50")
    return fractions


antisites_option = click.option(
    "--antisites", default=None, callback=_antisite_fractions, metavar="PERCENT[,PERCENT...]",
    help="Also the finite supercells of the bulk binary, ternary and quaternary classes with this "
         "percentage of their atoms swapped onto another species' site (antisite defects; not in the "
         "paper), e.g. 5,10. 'arise train' needs the same value as 'arise dataset'.")


recipe_option = click.option(
    "--recipe", type=click.Choice(["paper", "realistic"]), default="paper", show_default=True,
    help="paper: the pristine structures at the 99 descriptor settings (ARISE); realistic (not in the paper): "
         "--draws structures per class with thermal-like noise, vacancies, a small strain and c/a stretches, and "
         "amorphous packings for the class 'not_a_crystal', at the central setting, in the cache's 'augmented' "
         "folder; 'arise train' then compresses (signed logarithm) and standardises the inputs.")
draws_option = click.option("--draws", type=click.IntRange(1), default=None,
                            help="Structures per class of the realistic recipe [default: 120].")


@main.command(short_help="Compute a training set (paper's or realistic recipe) into a resumable cache.")
@click.option("--out", "cache", type=click.Path(file_okay=False), default=None,
              help="Cache folder: one .npz per structure; an interrupted run resumes from it "
                   "[default: ~/.cache/ariseml/training-set, -outer with --average outer, "
                   "-polynomial with --rbf polynomial].")
@jobs_option
@click.option("--classes", default=None, help="Comma-separated prototype ids (default: all 108).")
@average_option
@rbf_option
@antisites_option
@recipe_option
@draws_option
def dataset(cache: str | None, jobs: int | None, classes: str | None, average: str, rbf: str,
            antisites: tuple[float, ...], recipe: str, draws: int | None) -> None:
    """Compute a training set into a cache: the paper's (396 structures × 99 SOAP settings; with --antisites
    also the antisite supercells, 69 per percentage) or the realistic recipe's draws."""
    from pathlib import Path

    from ariseml.prototypes import get_prototype
    from ariseml.training import dataset as training_set

    folder = Path(cache or default_cache(average, rbf))
    selected = ([get_prototype(c.strip()) for c in classes.split(",") if c.strip()] if classes else None)
    if recipe == "realistic":
        folder, structures, settings = (folder / training_set.AUGMENTED_FOLDER,
                                        _realistic_recipe(draws, antisites).structures(selected),
                                        training_set.augmented_settings(average, rbf))
    else:
        structures = training_set.pristine_structures(selected) + training_set.antisite_structures(antisites, selected)
        settings = training_set.training_settings(average, rbf)
    computed = training_set.generate(folder, structures, settings, jobs=jobs)
    click.echo(f"{folder}: {len(structures)} structures ready ({computed} computed now, "
               f"{len(structures) - computed} from the cache)")


def _realistic_recipe(draws: int | None, antisites: tuple[float, ...]) -> Any:
    """The realistic recipe with ``draws`` per class; --antisites belongs to the paper's recipe."""
    from ariseml.training.augmentation import AugmentationRecipe

    if antisites:
        raise click.UsageError("--antisites adds to the paper's recipe; leave it out with --recipe realistic")
    return AugmentationRecipe() if draws is None else AugmentationRecipe(draws_per_class=draws)


@main.command(short_help="Train the Bayesian MLP (or an ensemble) on a cached training set.")
@click.option("--data", "cache", type=click.Path(file_okay=False), default=None,
              help="The cache written by 'arise dataset' [default: its default for --average].")
@click.option("--epochs", type=click.IntRange(1), default=300, show_default=True)
@train_average_option
@rbf_option
@antisites_option
@recipe_option
@draws_option
@click.option("--members", type=click.IntRange(1), default=1, show_default=True,
              help="Networks trained from different random starts on the same split, kept as one ensemble "
                   "that shares the Monte-Carlo passes out among them (not in the paper).")
@click.option("--checkpoint", type=click.Path(dir_okay=False), default=None,
              help="Checkpoint file written every epoch (per member: .member-K appended); rerunning resumes "
                   "from it.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Model path stem: writes STEM.pt and STEM.json.")
def train(cache: str | None, epochs: int, average: str, rbf: str, antisites: tuple[float, ...], recipe: str,
          draws: int | None, members: int, checkpoint: str | None, output: str) -> None:
    """Train the Bayesian MLP on a cached training set (the paper's hyper-parameters; the realistic recipe
    compresses and standardises the inputs)."""
    from pathlib import Path

    from ariseml.classifier import Classifier
    from ariseml.io import check_writable
    from ariseml.training import dataset
    from ariseml.training.train import REALISTIC_LOG_EPSILON, TrainingConfig, train_ensemble
    from ariseml.training.train import train as train_model

    check_writable(output + ".pt")
    if average == "both" and (cache or rbf != "gto" or antisites or recipe != "paper"):
        raise click.UsageError("--average both reads the default inner and outer caches of the paper's recipe; "
                               "leave out --data, --rbf, --antisites and --recipe")
    folder = Path(cache or default_cache(average, rbf))
    if recipe == "realistic":
        realistic = _realistic_recipe(draws, antisites)
        features, labels, classes = dataset.load_for_training(folder / dataset.AUGMENTED_FOLDER,
                                                              dataset.augmented_settings(average, rbf),
                                                              realistic.structures())
        augmentation: dict[str, Any] = {"realistic_recipe": realistic.record()}
    else:
        if average == "both":
            features, labels, classes = dataset.load_for_training(Path(default_cache("inner")),
                                                                  outer_cache=Path(default_cache("outer")))
        else:
            structures = dataset.pristine_structures() + dataset.antisite_structures(antisites)
            features, labels, classes = dataset.load_for_training(folder, dataset.training_settings(average, rbf),
                                                                  structures)
        augmentation = {"r_cut": list(dataset.R_CUTS), "sigma": list(dataset.SIGMAS),
                        "extrinsic_factor": list(dataset.EXTRINSIC_FACTORS),
                        "antisites": {"fractions": list(antisites), "groups": list(dataset.ANTISITE_GROUPS)}}
    config = TrainingConfig(epochs=epochs, standardised=recipe == "realistic",
                            log_epsilon=REALISTIC_LOG_EPSILON if recipe == "realistic" else None)
    checkpoint_path = Path(checkpoint) if checkpoint else None
    if members == 1:
        result = train_model(features, labels, len(classes), config, checkpoint=checkpoint_path)
        network, results, accuracy = result.model, [result], result.validation_accuracy
    else:
        network, results, accuracy = train_ensemble(features, labels, len(classes), members, config, checkpoint_path)
    best_epochs = [result.best_epoch for result in results]
    central = dataclasses.replace(dataset.CENTRAL_SETTINGS, average=average, rbf=rbf)
    Classifier.from_model(network, classes, central).save(
        output, training_points=len(features), training_size=results[0].training_size,
        validation_size=results[0].validation_size, validation_accuracy=accuracy,
        best_epoch=best_epochs[0] if members == 1 else best_epochs, training=dataclasses.asdict(config),
        recipe=recipe, augmentation=augmentation)
    click.echo(f"wrote {output}.pt: validation accuracy {100 * accuracy:.2f} % (best epoch "
               f"{', '.join(map(str, best_epochs))} of {epochs}, {len(features)} training points)")


device_option = click.option(
    "--device", default="cpu", show_default=True,
    help="Where the ARISE network's Monte-Carlo passes run: cpu, cuda, cuda:N (an NVIDIA GPU, with a CUDA "
         "build of PyTorch) or mps (Apple); the dropout masks are drawn on the CPU, so a seed gives the same "
         "passes everywhere.")
paper_orientation_option = click.option(
    "--paper-orientation", is_flag=True,
    help="Diffraction model only: use a finite cluster as given, with its crystal axes assumed along x, y, z "
         "(the paper's handling, to reproduce it); by default it is first turned to the crystal axes found "
         "from its atoms.")


@dataclasses.dataclass
class _Frame:
    """One frame to classify, or (with ``error``) one that cannot be: a file that cannot be read has frame None."""

    file: str
    frame: int | None
    atoms: Any = None
    notes: list[str] = dataclasses.field(default_factory=list)
    error: str | None = None

    def where(self) -> str:
        return self.file if self.frame is None else f"{self.file}: frame {self.frame}"


def _frames_of(path: str, file_format: str | None) -> list[_Frame]:
    """The frames of one input file, each checked: a bad frame costs itself, an unreadable file itself."""
    from ariseml.io import read_frames
    from ariseml.structure import check_structure

    try:
        frames = read_frames(path, file_format)
    except InputError as error:
        return [_Frame(path, None, error=str(error))]
    checked = []
    for number, atoms in enumerate(frames):
        try:
            checked.append(_Frame(path, number, atoms, notes=check_structure(atoms)))
        except InputError as error:
            checked.append(_Frame(path, number, error=str(error)))
    return checked


def _read_frames(path: str, file_format: str | None = None) -> list:
    """Every frame of ``path``, each checked; an ``InputError`` naming the file (and the frame) otherwise."""
    frames = _frames_of(path, file_format)
    for frame in frames:
        if frame.error is not None:
            where = frame.where() if len(frames) > 1 else frame.file
            raise InputError(f"{where}: {frame.error}")
    return [frame.atoms for frame in frames]


def _describe_file(classifier: Any, frames: list[_Frame]) -> tuple[np.ndarray | None, str | None]:
    """The descriptors of one file's checked frames, or None and what went wrong.

    An ``InputError`` is the file's problem; any other exception is a bug, reported as one so that the
    other files' results are still given.
    """
    try:
        return classifier.describe([f.atoms for f in frames], progress=len(frames) >= PROGRESS_MIN_FRAMES), None
    except InputError as error:
        return None, str(error)
    except Exception as error:  # noqa: BLE001 - one file's failure must not cost the others
        return None, f"internal error ({type(error).__name__}: {error}); please report it with this file"


@main.command(short_help="Classify every structure of FILES among the 108 classes, with uncertainty.")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--top", type=click.IntRange(1), default=3, show_default=True,
              help="How many of the most similar prototypes to print.")
@click.option("--samples", type=click.IntRange(1), default=1000, show_default=True,
              help="T, the Monte-Carlo dropout passes averaged.")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True,
              help="Seed of the dropout masks: the same input gives the same numbers; change it to draw other "
                   "passes.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
@click.option("--model", "model_path", default="paper", show_default=True,
              help="A model shipped in the package (paper: ARISE trained as published; antisite and outer: "
                   "its variants; realistic: the realistic recipe, docs/realistic.md; diffraction: the "
                   "diffraction-fingerprint ConvNet, 7 classes) or the path of one written by 'arise train' "
                   "or 'arise diffraction train'.")
@paper_orientation_option
@format_option
@device_option
def classify(files: tuple[str, ...], top: int, samples: int, seed: int, as_json: bool, model_path: str,
             paper_orientation: bool, file_format: str | None, device: str) -> None:
    """Classify every structure (every frame) of FILES among the trained prototypes.

    A file or frame that cannot be classified gets a line of its own on stderr (and a record with
    "error" in --json); the others are still classified, and the exit code is 1.
    """
    from ariseml.classifier import DiffractionClassifier, load_classifier

    classifier = load_classifier(model_path, samples=samples, seed=seed)
    if paper_orientation:
        if not isinstance(classifier, DiffractionClassifier):
            raise click.UsageError("--paper-orientation applies to the diffraction model only (--model diffraction)")
        classifier.orient_clusters = False
    if device != "cpu":
        if isinstance(classifier, DiffractionClassifier):
            raise click.UsageError("--device applies to the ARISE network; the diffraction ConvNet runs on the CPU")
        classifier.to(device)
    frames, descriptors = [], []
    for path in files:
        file_frames = _frames_of(path, file_format)
        good = [f for f in file_frames if f.error is None]
        if good:
            described, error = _describe_file(classifier, good)
            if error is None:
                descriptors.append(described)
            else:
                file_frames = [f for f in file_frames if f.error is not None] + [_Frame(path, None, error=error)]
        frames += file_frames
    answered = [f for f in frames if f.error is None]
    results = iter(classifier.predict_descriptors(np.concatenate(descriptors), top=top) if answered else [])
    records = []
    for frame in frames:
        if frame.error is not None:
            click.echo(f"arise: error: {frame.where()}: {frame.error}", err=True)
            records.append({"file": frame.file, "frame": frame.frame, "error": frame.error})
            continue
        result = next(results)
        records.append({"file": frame.file, "frame": frame.frame, "n_atoms": len(frame.atoms),
                        "predictions": result.predictions(), "mutual_information": result.mutual_information,
                        "predictive_entropy": result.predictive_entropy,
                        "notes": frame.notes + result.notes})
    if as_json:
        click.echo(json.dumps(records, indent=1))
    else:
        for record in records:
            if "error" in record:
                continue
            click.echo(f"{record['file']} [frame {record['frame']}, {record['n_atoms']} atoms]  "
                       f"mutual information {record['mutual_information']:.4f} nats, "
                       f"predictive entropy {record['predictive_entropy']:.4f} nats")
            for rank, prediction in enumerate(record["predictions"], start=1):
                click.echo(f"  {rank}. {prediction['id']:33s} {100 * prediction['probability']:6.2f} %")
            for note in record["notes"]:
                click.echo(f"  note: {note}")
    if len(answered) < len(frames):
        sys.exit(1)


@main.command(short_help="Hyper-parameter search with TPE over the supplement's space.")
@click.option("--data", "cache", type=click.Path(file_okay=False), default=default_cache, show_default=True,
              help="The cache written by 'arise dataset'.")
@click.option("--trials", type=click.IntRange(1), default=20, show_default=True)
@click.option("--epochs", type=click.IntRange(1), default=50, show_default=True,
              help="Epochs per trial (the final model is then trained for 300).")
@click.option("--storage", default=None,
              help="Optuna storage URL (e.g. sqlite:///tune.db): an interrupted search resumes from it.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="JSON file with the trials, best first.")
def tune(cache: str, trials: int, epochs: int, storage: str | None, output: str) -> None:
    """Hyper-parameter search with TPE over the supplement's search space."""
    from pathlib import Path

    from ariseml.io import atomic_path, check_writable
    from ariseml.training import dataset
    from ariseml.training.tune import search

    check_writable(output)
    features, labels, classes = dataset.load_for_training(Path(cache))
    ranking = search(features, labels, len(classes), trials, epochs, storage=storage)
    with atomic_path(output) as temporary:
        Path(temporary).write_text(json.dumps(ranking, indent=1))
    best = ranking[0]
    click.echo(f"wrote {output}: best validation accuracy {100 * best['validation_accuracy']:.2f} % with "
               + ", ".join(f"{k}={v}" for k, v in best.items() if k != "validation_accuracy"))


ALL_TABLES = "Table 2,Table S2,Table S3"
"""The tables of the robustness benchmark (the keys of ``benchmark.robustness.TABLES``)."""


def default_benchmark_cache() -> str:
    return _cache_folder("benchmark")


@main.command(short_help="Robustness beside spglib, PTM, CNA, a-CNA, BAA, naive Bayes (Table 2, S2, S3).")
@click.option("--quick", is_flag=True,
              help="9 classes, supercell 0, 2 realisations per level: a few minutes (what CI runs).")
@click.option("--methods", default="all", show_default=True,
              help="Comma-separated methods among ariseml, gnb, bnb, spglib-loose, spglib-tight, ptm, cna, "
                   "acna, baa.")
@click.option("--model", "models", multiple=True, default=("paper",), show_default=True,
              help="Model(s) scored as ariseml rows: a shipped name or a path written by 'arise train'. "
                   "Repeat for more rows.")
@click.option("--tables", default=ALL_TABLES, show_default=True,
              help="Which tables' defect levels to run.")
@click.option("--realisations", type=click.IntRange(1), default=None,
              help="Random draws per class, structure and level (default 10; --quick: 2).")
@click.option("--samples", type=click.IntRange(1), default=1000, show_default=True,
              help="T, the Monte-Carlo dropout passes.")
@jobs_option
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False), default=default_benchmark_cache,
              show_default=True, help="Scores per level and method; a rerun reuses them.")
@click.option("--out", type=click.Path(file_okay=False), default="benchmark-results", show_default=True,
              help="Folder for accuracy.csv, per_class.csv, confusions.csv and accuracy.png.")
def benchmark(quick: bool, methods: str, models: tuple[str, ...], tables: str, realisations: int | None,
              samples: int, jobs: int | None, cache_dir: str, out: str) -> None:
    """ariseml beside spglib, OVITO's PTM/CNA/a-CNA/BAA and naive Bayes on defective structures.

    Prints ARISE Table 2, S2 and S3 (our rows beside the published ones) and writes
    CSV files and a plot. Interrupted runs resume from the cache.
    """
    from dataclasses import replace
    from pathlib import Path

    from ariseml.benchmark import report, robustness
    from ariseml.classifier import Classifier
    from ariseml.io import check_writable

    chosen = list(robustness.METHODS) if methods == "all" else [m.strip() for m in methods.split(",") if m.strip()]
    unknown = sorted(set(chosen) - set(robustness.METHODS))
    if unknown:
        raise click.BadParameter(f"unknown method(s) {', '.join(unknown)}; choose among "
                                 f"{', '.join(robustness.METHODS)}", param_hint="--methods")
    table_names = [t.strip() for t in tables.split(",")]
    if set(table_names) - set(robustness.TABLES):
        raise click.BadParameter(f"choose tables among {', '.join(robustness.TABLES)}", param_hint="--tables")
    if any(m in robustness.OVITO_METHODS for m in chosen):
        _require({"ovito": "OVITO's Python module"}, "the methods ptm, cna, acna and baa need it; "
                 "pip install 'ariseml[benchmark]', or leave them out with --methods")
    os.makedirs(out, exist_ok=True)
    check_writable(os.path.join(out, "accuracy.csv"))
    config = robustness.BenchmarkConfig.quick() if quick else robustness.BenchmarkConfig()
    config = replace(config, samples=samples, realisations=realisations or config.realisations)
    classifiers = ({name: Classifier.load(name, samples=samples, seed=0) for name in models}
                   if "ariseml" in chosen else {})
    rows = [robustness.model_method(name) for name in classifiers] + [m for m in chosen if m != "ariseml"]
    levels = list(dict.fromkeys(level for t in table_names for level in robustness.TABLES[t]))
    results = {}
    for number, level in enumerate(levels, start=1):
        click.echo(f"[{number}/{len(levels)}] {level.name}", err=True)
        results[level.name] = robustness.evaluate_level(config, level, chosen, classifiers, Path(cache_dir),
                                                        jobs=jobs, progress=True)
    command = ("arise benchmark" + (" --quick" if quick else "") + f" --realisations {config.realisations}"
               + ("" if methods == "all" else f" --methods {methods}") + "".join(f" --model {m}" for m in models)
               + ("" if tables == ALL_TABLES else f' --tables "{tables}"'))
    click.echo(f"command: {command} --samples {samples} (classes: {len(config.classes)}, supercells "
               f"{','.join(map(str, config.supercells))}, periodic and finite)")
    for table in table_names:
        click.echo("\n" + report.markdown_table(table, results, rows, config.classes))
    for path in report.write_outputs(Path(out), results, rows, config.classes):
        click.echo(f"wrote {path}")


TRAINING_SEED = 2018
"""Seed of the diffraction training crystals (the benchmark's test crystals use another)."""


@main.group(short_help="The diffraction fingerprint and ConvNet of Ziletti et al. 2018.")
def diffraction() -> None:
    """The diffraction-fingerprint ConvNet of Ziletti et al. (2018): fingerprints, training, benchmark."""


@diffraction.command("fingerprint")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="PNG image (R, G, B: rotations about x, y, z); .npy writes the array.")
@paper_orientation_option
def diffraction_fingerprint_command(file: str, output: str, paper_orientation: bool) -> None:
    """Write the two-dimensional diffraction fingerprint of the first structure in FILE."""
    from ariseml.descriptors.diffraction import DiffractionSettings, diffraction_fingerprint
    from ariseml.io import atomic_path, check_writable

    if not output.endswith((".png", ".npy")):
        raise click.BadParameter(f"give a .png or .npy file, got {output!r}", param_hint="--output")
    check_writable(output)
    image = diffraction_fingerprint(_read_frames(file)[0], DiffractionSettings(orient_clusters=not paper_orientation))
    with atomic_path(output, suffix=os.path.splitext(output)[1]) as temporary:
        if output.endswith(".npy"):
            np.save(temporary, image)
        else:
            import matplotlib.pyplot as plt

            plt.imsave(temporary, image, origin="lower", format="png")
    click.echo(f"wrote {output}")


@diffraction.command("train")
@click.option("--per-class", type=click.IntRange(10), default=400, show_default=True,
              help="Crystals built per class (random element, bond length, c/a, orientation).")
@click.option("--data", "cache", type=click.Path(file_okay=False), default=lambda: _cache_folder("diffraction"),
              show_default=True, help="Cache of fingerprints; an interrupted run resumes from it.")
@click.option("--epochs", type=click.IntRange(1), default=5, show_default=True)
@jobs_option
@click.option("--checkpoint", type=click.Path(dir_okay=False), default=None,
              help="Checkpoint file written every epoch; rerunning resumes from it.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Model path stem: writes STEM.pt and STEM.json.")
def diffraction_train(per_class: int, cache: str, epochs: int, jobs: int | None, checkpoint: str | None,
                      output: str) -> None:
    """Build the seven-class training set and train the ConvNet as in the paper (Adam, 1e-3, batch 32)."""
    from pathlib import Path

    from ariseml.classifier import DiffractionClassifier
    from ariseml.descriptors.diffraction import DiffractionSettings
    from ariseml.io import check_writable
    from ariseml.training import diffraction as training

    check_writable(output + ".pt")
    settings = DiffractionSettings()
    images, labels = training.fingerprint_dataset(per_class, TRAINING_SEED, Path(cache), settings, jobs=jobs)
    config = training.ConvNetTrainingConfig(epochs=epochs)
    result = training.train_convnet(images, labels, config, Path(checkpoint) if checkpoint else None)
    classes = list(training.DIFFRACTION_CLASSES)
    DiffractionClassifier.from_model(result.model, classes, [training.CLASS_NAMES[c] for c in classes],
                                     settings).save(
        output, per_class=per_class, training_seed=TRAINING_SEED, training_size=result.training_size,
        test_size=result.test_size, test_accuracy=result.test_accuracy, history=result.history,
        training=dataclasses.asdict(config))
    click.echo(f"wrote {output}.pt: held-out accuracy {100 * result.test_accuracy:.2f} % "
               f"({result.test_size} test, {result.training_size} training crystals)")


@diffraction.command("benchmark")
@click.option("--quick", is_flag=True, help="3 crystals per class and 4 defect levels (what CI runs).")
@click.option("--per-class", type=click.IntRange(1), default=None,
              help="Test crystals per class (default 50; --quick: 3).")
@click.option("--model", "model_path", default="diffraction", show_default=True,
              help="The shipped ConvNet or the path of one written by 'arise diffraction train'.")
@jobs_option
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False), default=default_benchmark_cache,
              show_default=True, help="Scores per level; a rerun reuses them.")
@click.option("--out", type=click.Path(file_okay=False), default="benchmark-diffraction", show_default=True,
              help="Folder for accuracy.csv.")
def diffraction_benchmark(quick: bool, per_class: int | None, model_path: str, jobs: int | None, cache_dir: str,
                          out: str) -> None:
    """The ConvNet beside spglib on displaced and vacancy-ridden crystals (the paper's Table 1, S1, S2)."""
    from pathlib import Path

    from ariseml.benchmark import diffraction as bench
    from ariseml.classifier import DiffractionClassifier
    from ariseml.io import check_writable

    per_class = per_class or (3 if quick else 50)
    os.makedirs(out, exist_ok=True)
    check_writable(os.path.join(out, "accuracy.csv"))
    classifier = DiffractionClassifier.load(model_path, samples=0)
    results = bench.run(classifier, bench.levels_for(quick), per_class, Path(cache_dir), jobs=jobs)
    click.echo(f"command: arise diffraction benchmark{' --quick' if quick else ''} --per-class {per_class}"
               + ("" if model_path == "diffraction" else f" --model {model_path}")
               + f" ({per_class * 7} test crystals per level)")
    click.echo("\n" + bench.markdown_tables(results))
    bench.write_csv(Path(out) / "accuracy.csv", results)
    click.echo(f"wrote {os.path.join(out, 'accuracy.csv')}")


@main.command(short_help="Attentive response maps of the diffraction ConvNet.")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--layers", default="1,3,6", show_default=True,
              help="Convolutional layers (1-6) whose most activated filters are shown.")
@click.option("--top", type=click.IntRange(1, 32), default=4, show_default=True,
              help="Filters shown per layer.")
@click.option("--model", "model_path", default="diffraction", show_default=True,
              help="The shipped ConvNet or the path of one written by 'arise diffraction train'.")
@paper_orientation_option
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Folder for the images and arrays.")
def explain(file: str, layers: str, top: int, model_path: str, paper_orientation: bool, out: str) -> None:
    """Attentive response maps: what the diffraction ConvNet looks at for the first structure in FILE.

    Writes the fingerprint, the back-projections of the most activated filters of each chosen
    layer (guided back-propagation, as the paper's Fig. 5a), the sum over the last layer's filters
    (Fig. 5b), and the arrays (response_maps.npz).
    """
    from pathlib import Path

    from ariseml.classifier import DiffractionClassifier
    from ariseml.explain import write_explanation

    try:
        chosen = tuple(int(value) for value in layers.split(","))
    except ValueError as error:
        raise click.BadParameter(f"give comma-separated layer numbers, e.g. 1,3,6; got {layers!r}",
                                 param_hint="--layers") from error
    classifier = DiffractionClassifier.load(model_path, samples=1000, seed=0, orient_clusters=not paper_orientation)
    image = classifier.describe(_read_frames(file)[:1])
    result = classifier.predict_descriptors(image, top=3)[0]
    for path in write_explanation(classifier, image[0], chosen, top, Path(out)):
        click.echo(f"wrote {path}")
    click.echo(f"{file}: " + ", ".join(f"{i} {100 * p:.2f} %" for i, p in zip(result.top_ids, result.top_probabilities))
               + f"; mutual information {result.mutual_information:.4f} nats")


def _require(packages: dict[str, str], remedy: str) -> None:
    """A usage error when an optional package (module name -> package name) is missing: which, and ``remedy``."""
    import importlib.util

    for module, package in packages.items():
        if importlib.util.find_spec(module) is None:
            raise click.UsageError(f"{package} is not installed: {remedy}")


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
@click.option("--mode", type=click.Choice(["exact", "fast"]), default="exact", show_default=True,
              help="exact: each box described from its own atoms (the paper); fast: per-atom coefficients "
                   "computed once in the whole sample and pooled per box (box and stride need a common divisor).")
@click.option("--settle", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Run a box's Monte-Carlo passes in stages of 25 and stop after the stage where the standard "
                   "error of each probability's difference to the T-pass result (its variance plus 3/n, the rule "
                   "of three, so n agreeing passes leave about 1.7/n) is below this, e.g. 0.01; default: every box "
                   "gets all T passes.")
@click.option("--samples", type=click.IntRange(1), default=1000, show_default=True,
              help="T, the Monte-Carlo dropout passes per box.")
@click.option("--hidden-layer", "hidden_layers", type=click.IntRange(1, 3), multiple=True,
              help="Keep this hidden layer's activations per box in spm.nc (repeatable; for 'arise explore').")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Seed of the dropout masks.")
@click.option("--model", "model_path", default="paper", show_default=True,
              help="A shipped model name or the path of one written by 'arise train'.")
@click.option("--top", type=click.IntRange(1), default=3, show_default=True,
              help="How many classes get a probability map.")
@click.option("--slice", "slices", multiple=True, help="A plane to plot, e.g. z=12.5 (repeatable); "
              "default: the middle plane (slabs and images: the only one).")
@jobs_option
@click.option("--scheduler", default=None,
              help="Address of a Dask distributed scheduler (e.g. tcp://10.0.0.5:8786): the chunks run on its "
                   "workers instead of this machine's cores.")
@device_option
@click.option("--out", type=click.Path(file_okay=False), default="spm-out", show_default=True,
              help="Folder for spm.nc, the PNG maps, the per-atom XYZ and the resumable chunks: a new or empty "
                   "one, or that of an interrupted run of the same command.")
@format_option
def spm(file: str, box: float, stride: str, slab: bool, rod: str | None, min_atoms: int, mode: str,
        settle: float | None, samples: int, hidden_layers: tuple[int, ...], seed: int, model_path: str, top: int,
        slices: tuple[str, ...], jobs: int | None, scheduler: str | None, device: str, out: str,
        file_format: str | None) -> None:
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
    frames = _read_frames(file, file_format)
    if len(frames) > 1:
        raise click.UsageError(f"{file} holds {len(frames)} frames; SPM maps one sample: write the frame you want "
                               "to its own file (e.g. with 'ase convert -n INDEX')")
    atoms = frames[0]
    geometry = "slab" if slab else "rod" if rod else "cube"
    settings = strided.SpmSettings(box=box, stride=strides, geometry=geometry, axis="xyz".index(rod) if rod else 2,
                                   min_atoms=min_atoms, mode=mode, settle=settle,
                                   hidden_layers=tuple(sorted(set(hidden_layers))))
    classifier = Classifier.load(model_path, samples=samples, seed=seed, device=device)
    target = Path(out)  # made by scan, which refuses a folder holding files of another run or of the user
    dataset = strided.scan(atoms, settings, classifier, target, jobs=jobs, scheduler=scheduler)
    valid = int((dataset["argmax_class"] >= 0).sum())
    click.echo(f"wrote {target / 'spm.nc'}: {dataset.sizes['x']} x {dataset.sizes['y']} x {dataset.sizes['z']} boxes, "
               f"{valid} classified, {int(dataset['argmax_class'].size) - valid} empty")
    if not valid:
        raise click.UsageError("every box is empty: lower --min-atoms or use a larger --box")
    classes = strided.top_classes(dataset, top)
    planes = planes or [("z", None)]
    for axis, position in planes:
        name = "maps.png" if position is None else f"maps_{axis}{position:g}.png"
        strided.plot_maps(dataset, target / name, classes, axis, position)
        click.echo(f"wrote {target / name} ({', '.join(classes)} and mutual information)")
    labels, information = strided.atom_labels(atoms, dataset)
    atoms.new_array("spm_class", labels.astype("U40"))
    atoms.new_array("spm_mutual_information", information.astype(float))
    write_structure(target / "atoms.xyz", atoms, format="extxyz")
    click.echo(f"wrote {target / 'atoms.xyz'} (per atom: spm_class, spm_mutual_information of the nearest box)")
    for rank, name in enumerate(classes, start=1):
        share = float((dataset["argmax_class"] == list(dataset["class"].values).index(name)).sum()) / valid
        click.echo(f"  {rank}. {name:33s} most probable in {100 * share:5.1f} % of the boxes")


@main.command(short_help="Cluster and map the network's hidden representations.")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--layer", type=click.IntRange(1, 3), default=2, show_default=True, help="Hidden layer (1-3).")
@click.option("--before-relu", is_flag=True, help="The layer's activations before its ReLU (default: after).")
@click.option("--only-class", default=None, help="Keep only the points whose most probable class is this id.")
@click.option("--min-cluster-size", type=click.IntRange(2), default=25, show_default=True)
@click.option("--soft", is_flag=True, help="Soft clustering: outliers join their most probable cluster unless "
              "every membership probability is below 10 %.")
@click.option("--neighbors", type=click.IntRange(2), default=15, show_default=True, help="UMAP n_neighbors.")
@click.option("--min-dist", type=click.FloatRange(0, 1), default=0.1, show_default=True, help="UMAP min_dist.")
@click.option("--sweep", default=None, help="Comma-separated min-cluster-size values to report clusters and "
              "outliers for, e.g. 25,50,100,250,500,1000.")
@click.option("--species", default=None, help="Two elements A,B: per box d_AA and d_BB and the histogram of "
              "d_AA - d_BB per cluster (SPM inputs).")
@click.option("--samples", type=click.IntRange(1), default=1000, show_default=True,
              help="T for structure inputs (SPM inputs keep the passes of their run).")
@click.option("--out", type=click.Path(file_okay=False), default="explore-out", show_default=True)
def explore(inputs: tuple[str, ...], layer: int, before_relu: bool, only_class: str | None, min_cluster_size: int,
            soft: bool, neighbors: int, min_dist: float, sweep: str | None, species: str | None, samples: int,
            out: str) -> None:
    """Cluster and map the network's hidden representations of INPUTS.

    INPUTS is one folder written by 'arise spm --hidden-layer K --out DIR', or structure files.
    """
    from pathlib import Path

    from ariseml import explore as unsupervised

    _require({"umap": "umap-learn", "hdbscan": "hdbscan", "plotly": "plotly"},
             "arise explore needs it; pip install 'ariseml[explore]'")
    sizes = _integers(sweep, "--sweep") if sweep else []
    pair = tuple(s.strip() for s in species.split(",")) if species else None
    if pair is not None and len(pair) != 2:
        raise click.BadParameter(f"give two elements, e.g. Fe,Pt; got {species!r}", param_hint="--species")
    folder = Path(out)
    if folder.is_dir() and any(folder.iterdir()) and not (folder / "summary.json").is_file():
        raise click.UsageError(f"{folder} is not empty and holds no earlier 'arise explore' output (summary.json): "
                               "choose another --out, so that none of its files is overwritten")
    if len(inputs) == 1 and Path(inputs[0]).is_dir():
        points = unsupervised.from_spm(Path(inputs[0]), layer, before_relu)
    else:
        if any(Path(i).is_dir() for i in inputs):
            raise click.UsageError("give one 'arise spm' output folder, or structure files, not both")
        if pair is not None:
            raise click.UsageError("--species needs an 'arise spm' output folder")
        from ariseml.classifier import Classifier

        structures, names = [], []
        for path in inputs:
            frames = _read_frames(path)
            structures += frames
            names += [path if len(frames) == 1 else f"{path}[{n}]" for n in range(len(frames))]
        points = unsupervised.from_structures(structures, names, Classifier.load(samples=samples, seed=0), layer,
                                              before_relu)
    if only_class is not None:
        points = points.subset(np.array(points.predicted) == only_class)
    if len(points.vectors) < 3:
        raise click.UsageError(f"{len(points.vectors)} points to explore: need at least 3"
                               + (f" (is '{only_class}' predicted anywhere?)" if only_class else ""))
    folder.mkdir(parents=True, exist_ok=True)
    labels = unsupervised.cluster(points.vectors, min_cluster_size, soft)
    embedding = unsupervised.embed(points.vectors, neighbors, min_dist)
    extra = {}
    if pair is not None:
        import ase.io

        sample = ase.io.read(Path(inputs[0]) / "atoms.xyz")
        extra["species_distances"] = unsupervised.species_distances(sample, points.positions,
                                                                    points.extra["box_edges"], pair)
        unsupervised.plot_distance_histograms(folder / "delta_d.png", extra["species_distances"], labels, pair)
    written = [unsupervised.write_arrays(folder, points, labels, embedding, extra)]
    unsupervised.plot_embedding(folder / "embedding.png", points, labels, embedding)
    unsupervised.write_html(folder / "embedding.html", points, labels, embedding)
    written += [folder / "embedding.png", folder / "embedding.html"]
    if points.grid_index is not None:
        unsupervised.plot_cluster_map(folder / "cluster_map.png", points, labels)
        written.append(folder / "cluster_map.png")
    else:
        similarity = unsupervised.cosine_similarity(points.vectors)
        unsupervised.write_similarity(folder / "similarity.npy", similarity)
        unsupervised.plot_similarity(folder / "similarity.png", similarity, points.labels)
        written += [folder / "similarity.npy", folder / "similarity.png"]
    summary = {"points": len(labels), "layer": layer, "before_relu": before_relu, "clusters": int(labels.max() + 1),
               "outliers": int(np.sum(labels < 0)), "min_cluster_size": min_cluster_size, "soft": soft,
               "sweep": unsupervised.sweep(points.vectors, sizes) if sizes else []}
    unsupervised.write_json(folder / "summary.json", summary)
    click.echo(f"{summary['points']} points, hidden layer {layer}{' before its ReLU' if before_relu else ''}: "
               f"{summary['clusters']} clusters, {summary['outliers']} outliers "
               f"(min cluster size {min_cluster_size}{', soft' if soft else ''})")
    if summary["clusters"] == 0:
        click.echo(f"  no cluster: HDBSCAN needs at least --min-cluster-size {min_cluster_size} similar points; with "
                   f"{summary['points']} points try --min-cluster-size {max(2, summary['points'] // 3)}, or --sweep "
                   "to compare sizes")
    for row in summary["sweep"]:
        click.echo(f"  min cluster size {row['min_cluster_size']:5d}: {row['clusters']} clusters, "
                   f"{row['outliers']} outliers")
    for path in [*written, folder / "summary.json"]:
        click.echo(f"wrote {path}")


def _integers(text: str, option: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError as error:
        raise click.BadParameter(f"give comma-separated integers, e.g. 25,50,100; got {text!r}",
                                 param_hint=option) from error
    if min(values) < 2:
        raise click.BadParameter("cluster sizes start at 2", param_hint=option)
    return values
