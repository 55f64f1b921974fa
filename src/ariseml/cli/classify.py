"""``arise classify``: the class of every structure of the given files, with uncertainty."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
import numpy as np

from ariseml.cli.frames import Frame, frames_of
from ariseml.cli.group import in_option_words, main
from ariseml.cli.options import device_option, format_option, paper_orientation_option
from ariseml.errors import InputError
from ariseml.models import DEFAULT_MODEL, DEFAULT_SEED

PROGRESS_MIN_FRAMES = 20
"""A trajectory with at least this many frames shows a progress bar (on stderr)."""


def _describe_file(classifier: Any, frames: list[Frame]) -> tuple[np.ndarray | None, str | None]:
    """The descriptors of one file's checked frames, or None and what went wrong.

    An ``InputError`` is the file's problem; any other exception is a bug, reported as one so that the
    other files' results are still given.
    """
    try:
        return classifier.describe([f.atoms for f in frames], progress=len(frames) >= PROGRESS_MIN_FRAMES), None
    except InputError as error:
        return None, in_option_words(error)
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
@click.option("--model", "model_path", default=DEFAULT_MODEL, show_default=True,
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
        file_frames = frames_of(path, file_format)
        good = [f for f in file_frames if f.error is None]
        if good:
            described, error = _describe_file(classifier, good)
            if error is None:
                descriptors.append(described)
            else:
                file_frames = [f for f in file_frames if f.error is not None] + [Frame(path, None, error=error)]
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
