"""``arise dataset``, ``train`` and ``tune``: training sets and networks."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import click

from ariseml.caches import training_cache
from ariseml.cli.group import main
from ariseml.cli.options import jobs_option

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

    folder = Path(cache or training_cache(average, rbf))
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
    folder = Path(cache or training_cache(average, rbf))
    if recipe == "realistic":
        realistic = _realistic_recipe(draws, antisites)
        features, labels, classes = dataset.load_for_training(folder / dataset.AUGMENTED_FOLDER,
                                                              dataset.augmented_settings(average, rbf),
                                                              realistic.structures())
        augmentation: dict[str, Any] = {"realistic_recipe": realistic.record()}
    else:
        if average == "both":
            features, labels, classes = dataset.load_for_training(Path(training_cache("inner")),
                                                                  outer_cache=Path(training_cache("outer")))
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


@main.command(short_help="Hyper-parameter search with TPE over the supplement's space.")
@click.option("--data", "cache", type=click.Path(file_okay=False), default=training_cache, show_default=True,
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
