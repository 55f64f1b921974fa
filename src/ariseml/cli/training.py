"""``arise dataset``, ``train``, ``tune`` and ``distill``: training sets and networks."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from ariseml.caches import training_cache
from ariseml.cli.group import main
from ariseml.cli.options import jobs_option

if TYPE_CHECKING:
    from ariseml.training.recipe import Recipe

average_option = click.option(
    "--average", type=click.Choice(["inner", "outer", "both"]), default="inner", show_default=True,
    help="How SOAP is averaged over centres: inner = coefficients first (the original code), "
         "outer = the mean of per-atom power spectra, both = the two joined (not in the paper).")

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

thermal_option = click.option(
    "--thermal", type=click.Choice(["amplitude", "temperature", "mixed"]), default="amplitude", show_default=True,
    help="How the realistic recipe spreads its thermal noise σ: uniform in σ (the default), uniform in "
         "σ², which grows linearly with temperature (as many draws near melting as near 0 K), or each draw one "
         "way or the other (mixed).")

stacking_option = click.option(
    "--stacking-factor", type=click.IntRange(1), default=1, show_default=True,
    help="The realistic recipe draws the classes told apart only by their layer order (fcc, hcp, dhcp, α-Sm, "
         "hexagonal and rhombohedral graphite) this many times as often as the others.")

max_sigma_option = click.option(
    "--max-sigma", type=click.FloatRange(0, 0.3, min_open=True), default=None,
    help="The realistic recipe's largest thermal noise σ per Cartesian component, a fraction of d_NN "
         "[default: 0.09].")

vacancies_option = click.option(
    "--max-vacancies", type=click.FloatRange(0, 0.9, min_open=True), default=None,
    help="The largest fraction of atoms the realistic recipe removes from a draw [default: 0.25].")

vacancy_fraction_option = click.option(
    "--vacancy-fraction", type=click.FloatRange(0, 1), default=None,
    help="The share of the realistic recipe's draws that lose atoms [default: 0.3].")

pristine_fraction_option = click.option(
    "--pristine-fraction", type=click.FloatRange(0, 1), default=None,
    help="The share of the realistic recipe's draws without thermal noise [default: 0.2].")

planar_option = click.option(
    "--planar-fraction", type=click.FloatRange(0, 1), default=None,
    help="The share of the realistic recipe's noisy draws of 2D classes whose atoms move within the layer only, "
         "as positions read from a micrograph do [default: 0].")

bicrystal_option = click.option(
    "--bicrystal-fraction", type=click.FloatRange(0, 1), default=None,
    help="The share of the realistic recipe's finite draws of 2D classes made of two grains turned against each "
         "other about the layer's normal, as micrographs show grain boundaries [default: 0].")

alloy_option = click.option(
    "--alloy-draws", type=click.IntRange(0), default=None,
    help="Extra draws of chemical disorder per class that can have it (times --stacking-factor for the stacking "
         "classes): for a single-species bulk class random substitutional alloys, 2-50 % of the sites taken by one "
         "or two other species, labelled with the lattice's class (a solid solution keeps its element's "
         "structure); for L1₂, L1₀ and B2 antisites, up to half-way to a random arrangement [default: 0].")

film_option = click.option(
    "--film-draws", type=click.IntRange(0), default=None,
    help="Extra draws per bulk class (times --stacking-factor for the stacking classes) that are films: periodic "
         "in one of 13 low-index lattice planes, 3-10 nearest-neighbour distances thick along its normal, with free "
         "surfaces [default: 0].")

interface_option = click.option(
    "--interface-draws", type=click.IntRange(0), default=None,
    help="Extra draws per bulk class (times --stacking-factor for the stacking classes) in which a slab of 5-50 % "
         "of the atoms is disordered, labelled with the crystal's class: grain boundaries and melt fronts in a "
         "sphere centred on a crystal atom [default: 0].")

with_pristine_option = click.option(
    "--with-pristine", is_flag=True,
    help="The realistic recipe also trains on the paper's 396 pristine structures (each class's periodic cell "
         "and three supercells, as they are) at the central setting.")

RECIPE_OPTIONS = (average_option, rbf_option, antisites_option, recipe_option, draws_option, thermal_option,
                  stacking_option, max_sigma_option, vacancies_option, vacancy_fraction_option,
                  pristine_fraction_option, planar_option, bicrystal_option, alloy_option, film_option,
                  interface_option, with_pristine_option)


def recipe_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options that choose a training recipe, the same for ``dataset`` and ``train``: the command gets
    them as one ``Recipe`` named ``chosen``."""

    @functools.wraps(command)
    def with_recipe(recipe: str, average: str, rbf: str, antisites: tuple[float, ...], draws: int | None,
                    thermal: str, stacking_factor: int, max_sigma: float | None, max_vacancies: float | None,
                    vacancy_fraction: float | None, pristine_fraction: float | None,
                    planar_fraction: float | None, bicrystal_fraction: float | None, alloy_draws: int | None,
                    film_draws: int | None, interface_draws: int | None, with_pristine: bool, **others: Any) -> None:
        from ariseml.training.recipe import Recipe

        command(chosen=Recipe(recipe, average, rbf, antisites, draws, thermal, stacking_factor, max_sigma,
                              max_vacancies, vacancy_fraction, pristine_fraction, with_pristine,
                              planar_fraction, bicrystal_fraction, alloy_draws, film_draws, interface_draws),
                **others)

    for option in reversed(RECIPE_OPTIONS):
        with_recipe = option(with_recipe)
    return with_recipe


user_classes_option = click.option(
    "--user-classes", type=click.Path(exists=True, file_okay=False), default=None,
    help="A folder of your classes ('arise classes add'): drawn by the realistic recipe beside the 108 and trained "
         "with them from scratch (their descriptors cached in the folder). 'arise classes train' fine-tunes a "
         "trained model with them instead, in minutes.")


@main.command(short_help="Compute a training set (paper's or realistic recipe) into a resumable cache.")
@click.option("--out", "cache", type=click.Path(file_okay=False), default=None,
              help="Cache folder: one .npz per structure; an interrupted run resumes from it "
                   "[default: ~/.cache/ariseml/training-set, -outer or -both with --average outer or both, "
                   "-polynomial with --rbf polynomial].")
@jobs_option
@click.option("--classes", default=None, help="Comma-separated prototype ids (default: all 108).")
@user_classes_option
@recipe_options
def dataset(cache: str | None, jobs: int | None, classes: str | None, user_classes: str | None,
            chosen: Recipe) -> None:
    """Compute a training set into a cache: the paper's (396 structures × 99 SOAP settings; with --antisites
    also the antisite supercells, 69 per percentage) or the realistic recipe's draws."""
    from pathlib import Path

    from ariseml.prototypes import get_prototype
    from ariseml.training.dataset import generate

    selected = ([get_prototype(c.strip()) for c in classes.split(",") if c.strip()] if classes else None)
    folder, structures = chosen.folder(Path(cache) if cache else None), chosen.structures(selected)
    computed = generate(folder, structures, chosen.settings(), jobs=jobs)
    click.echo(f"{folder}: {len(structures)} structures ready ({computed} computed now, "
               f"{len(structures) - computed} from the cache)")
    if user_classes is not None:
        from ariseml.prototypes.user import USER_DESCRIPTORS

        added, draws = chosen.user_draws(Path(user_classes))
        computed = generate(Path(user_classes) / USER_DESCRIPTORS, draws, chosen.settings(), jobs=jobs)
        click.echo(f"{user_classes}: {len(draws)} draws of {len(added)} classes ready ({computed} computed now)")


@main.command(short_help="Train the Bayesian MLP (or an ensemble) on a cached training set.")
@click.option("--data", "cache", type=click.Path(file_okay=False), default=None,
              help="The cache written by 'arise dataset' [default: its default for --average].")
@click.option("--epochs", type=click.IntRange(1), default=300, show_default=True)
@recipe_options
@click.option("--members", type=click.IntRange(1), default=1, show_default=True,
              help="Networks trained from different random starts on the same split, kept as one ensemble "
                   "that shares the Monte-Carlo passes out among them (not in the paper).")
@click.option("--checkpoint", type=click.Path(dir_okay=False), default=None,
              help="Checkpoint file written every epoch (per member: .member-K appended); rerunning resumes "
                   "from it.")
@user_classes_option
@click.option("--linear-inputs", is_flag=True,
              help="Realistic recipe: the network sees the descriptor on a linear scale beside its logarithm "
                   "(the logarithm alone blurs hexagonal and rhombohedral graphite).")
@click.option("--pristine-copies", type=click.IntRange(1), default=1, show_default=True,
              help="Realistic recipe with --with-pristine: each of the paper's pristine structures is trained this "
                   "many times an epoch (they are never held out for validation).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Model path stem: writes STEM.pt and STEM.json.")
def train(cache: str | None, epochs: int, chosen: Recipe, members: int, checkpoint: str | None,
          user_classes: str | None, linear_inputs: bool, pristine_copies: int, output: str) -> None:
    """Train the Bayesian MLP on a cached training set (the paper's hyper-parameters; the realistic recipe
    compresses and standardises the inputs)."""
    from pathlib import Path

    from ariseml.io import check_writable
    from ariseml.training.recipe import train_recipe

    check_writable(output + ".pt")
    trained = train_recipe(chosen, Path(output), epochs, members, Path(cache) if cache else None,
                           Path(checkpoint) if checkpoint else None, Path(user_classes) if user_classes else None,
                           linear_inputs, pristine_copies)
    click.echo(f"wrote {output}.pt: validation accuracy {100 * trained.validation_accuracy:.2f} % (best epoch "
               f"{', '.join(map(str, trained.best_epochs))} of {epochs}, {trained.training_points} training points)")


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


@main.command(short_help="A one-pass student of a model, for millions of atoms (not in the paper).")
@click.option("--teacher", default="realistic", show_default=True,
              help="The model to reproduce: a shipped name or the path of one written by 'arise train'.")
@click.option("--data", "cache", type=click.Path(file_okay=False), default=None,
              help="The cache of the teacher's training set, written by 'arise dataset' with the recipe options "
                   "given here [default: its default for --average].")
@recipe_options
@click.option("--samples", type=click.IntRange(1), default=1000, show_default=True,
              help="T, the teacher's Monte-Carlo passes per input: the student learns their mean.")
@click.option("--epochs", type=click.IntRange(1), default=60, show_default=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Model path stem: writes STEM.pt and STEM.json (the teacher's answers are kept in "
                   "STEM.teacher/, so an interrupted run resumes).")
def distill(teacher: str, cache: str | None, chosen: Recipe, samples: int, epochs: int, output: str) -> None:
    """Train a student network that gives in one deterministic pass what the teacher's T dropout passes give (mean
    probabilities, mutual information), on the teacher's training inputs and inputs mixed from them."""
    from pathlib import Path

    from ariseml.classifier import Classifier
    from ariseml.io import check_writable
    from ariseml.training import dataset
    from ariseml.training.distill import distill as distil_into

    check_writable(output + ".pt")
    model = Classifier.load(teacher, samples=samples, seed=0)
    if model.metadata_.get("recipe", "paper") != chosen.name or model.settings_.average != chosen.average:
        raise click.UsageError(f"the teacher {teacher} was trained on the {model.metadata_.get('recipe', 'paper')} "
                               f"recipe with --average {model.settings_.average}: give the same recipe options "
                               "(docs/realistic.md lists the shipped model's)")
    features, _, classes = dataset.load_for_training(chosen.folder(Path(cache) if cache else None),
                                                     chosen.settings(), chosen.structures())
    if classes != model.classes_:
        raise click.UsageError(f"the training set's classes are not the teacher's ({len(classes)} against "
                               f"{len(model.classes_)}): give the teacher's recipe options")
    report = distil_into(model, features, Path(output), epochs)
    click.echo(f"wrote {output}.pt: on held-out inputs the student's most probable class is the teacher's for "
               f"{100 * report.agreement:.2f} %; mean |Δ top probability| {report.top_probability_error:.4f}, "
               f"mean |Δ mutual information| {report.information_error:.4f} nats (best epoch {report.best_epoch}, "
               f"{report.inputs} inputs)")
