"""``arise diffraction ...`` and ``arise explain``: the 2018 fingerprint and ConvNet."""

from __future__ import annotations

import dataclasses
import os

import click
import numpy as np

from ariseml.caches import benchmark_cache, cache_folder
from ariseml.cli.frames import read_checked_frames
from ariseml.cli.group import main
from ariseml.cli.options import jobs_option, paper_orientation_option

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
    settings = DiffractionSettings(orient_clusters=not paper_orientation)
    image = diffraction_fingerprint(read_checked_frames(file)[0], settings)
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
@click.option("--data", "cache", type=click.Path(file_okay=False), default=lambda: cache_folder("diffraction"),
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
    from ariseml.training import convnet_training as training

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
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False), default=benchmark_cache,
              show_default=True, help="Scores per level; a rerun reuses them.")
@click.option("--out", type=click.Path(file_okay=False), default="benchmark-diffraction", show_default=True,
              help="Folder for accuracy.csv.")
def diffraction_benchmark(quick: bool, per_class: int | None, model_path: str, jobs: int | None, cache_dir: str,
                          out: str) -> None:
    """The ConvNet beside spglib on displaced and vacancy-ridden crystals (the paper's Table 1, S1, S2)."""
    from pathlib import Path

    from ariseml.evaluation import diffraction_robustness as bench
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
    image = classifier.describe(read_checked_frames(file)[:1])
    result = classifier.predict_descriptors(image, top=3)[0]
    for path in write_explanation(classifier, image[0], chosen, top, Path(out)):
        click.echo(f"wrote {path}")
    click.echo(f"{file}: " + ", ".join(f"{i} {100 * p:.2f} %" for i, p in zip(result.top_ids, result.top_probabilities))
               + f"; mutual information {result.mutual_information:.4f} nats")
