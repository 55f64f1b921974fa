"""A model extended with a user's own classes (``prototypes.user``): transfer learning from a trained ensemble.

The output layer grows by one row per new class. By default (``head``) only those rows are trained and the rest
of the network is frozen, so the existing classes keep exactly their logits: they can lose probability only
where a new class really fits. ``all`` fine-tunes every weight instead. Either way the training data are the new
classes' draws of the base model's own realistic recipe (same descriptor settings, same noise, vacancies,
shapes) and a replay set: the first draws of each existing class and of the not-a-crystal packings, and all the
draws of the classes the base model confuses the new ones with (``neighbours``), so that a new class learns where
it must not fire; each class's loss is weighted as if all were drawn alike (``TrainingConfig.balanced``), so that
the new classes' many draws do not raise their prior above the old classes'. Minutes on 2 cores, against hours to
retrain from scratch.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch

from ariseml.caches import training_cache
from ariseml.classifier import Classifier
from ariseml.errors import InputError
from ariseml.models import DEFAULT_SEED
from ariseml.models.bayesian_mlp import BayesianMLP, EnsembleMLP
from ariseml.models.monte_carlo import monte_carlo_predict
from ariseml.prototypes import NOT_A_CRYSTAL, Prototype, all_prototypes
from ariseml.prototypes.user import USER_CLASSES_KEY, USER_DESCRIPTORS, read_classes, recorded_classes
from ariseml.training import dataset, paper_set
from ariseml.training.augmentation import AmorphousDraw, AugmentationRecipe, Draw
from ariseml.training.train import TrainingConfig, train_ensemble

MODE_TRAINING = {"head": (150, 3e-3), "all": (60, 1e-3)}
"""Epochs and Adam's learning rate of each mode unless told otherwise: the new rows alone (a logistic regression on
the last hidden layer) take larger steps for longer than a fine-tuning of every weight, which must not wander."""


NEW_CLASS_FACTOR = 3
"""A new class's draws, in units of the base recipe's draws per class: ``examples/user_classes.py`` on the stop-40
model, with 120 draws (1x), left one noisy GeO₂ rutile at p = 0.89; with 360 (3x) every case was right at
p >= 0.94."""


@dataclass(frozen=True)
class Extension:
    """How to extend: ``draws`` per new class (None: ``NEW_CLASS_FACTOR`` x the base recipe's), ``replay`` draws per
    existing class, ``mode`` head (new output rows only) or all (every weight), and the training's ``epochs`` and
    ``learning_rate`` (None: the mode's, ``MODE_TRAINING``)."""

    draws: int | None = None
    replay: int = 20
    mode: Literal["head", "all"] = "head"
    epochs: int | None = None
    learning_rate: float | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODE_TRAINING:
            raise InputError(f"`mode` is head or all, got {self.mode!r}", "mode")
        if min(self.replay, self.draws or 2) < 2 or (self.epochs or 1) < 1:
            raise InputError("`draws` and `replay` are at least 2 (the validation split holds draws of every "
                             "class) and `epochs` at least 1", "draws", "replay", "epochs")

    def config(self, member: BayesianMLP, anchor_copies: int = 1) -> TrainingConfig:
        """The training settings for an extension of ``member``: its architecture and inputs, balanced classes,
        the new classes' pristine structures trained ``anchor_copies`` times an epoch (as the base trained its
        own)."""
        epochs, learning_rate = MODE_TRAINING[self.mode]
        return TrainingConfig(epochs=self.epochs or epochs, learning_rate=self.learning_rate or learning_rate,
                              dropout=member.dropout.p, hidden=tuple(layer.out_features for layer in member.hidden),
                              standardised=member.standardised, log_epsilon=member.log_epsilon,
                              linear_inputs=member.linear_inputs, balanced=True, anchor_copies=anchor_copies)


@dataclass(frozen=True)
class ExtendedModel:
    """What an extension reports: the classes added, the ensemble's validation accuracy, the points."""

    added: list[str]
    validation_accuracy: float
    training_points: int


def base_recipe(base: Classifier) -> AugmentationRecipe:
    """The realistic recipe a model was trained on, from its metadata; other models cannot be extended alike."""
    record = base.metadata_.get("augmentation", {}).get("realistic_recipe")
    if base.metadata_.get("recipe") != "realistic" or record is None:
        raise InputError("the base model was not trained on the realistic recipe (its metadata holds no "
                         "'realistic_recipe'): extend the shipped 'realistic' model or one written by 'arise train "
                         "--recipe realistic'", "base")
    fields = {f.name for f in dataclasses.fields(AugmentationRecipe)}
    return AugmentationRecipe(**{name: value for name, value in record.items() if name in fields})


def new_class_structures(base: Classifier, recipe: AugmentationRecipe, new: Sequence[Prototype]) -> list[Any]:
    """The new classes' training structures: ``recipe``'s draws of them and, when the base model was trained with
    the paper's pristine structures (``--with-pristine``), their periodic cell and three supercells as well."""
    record = base.metadata_.get("augmentation", {}).get("realistic_recipe", {})
    return [*recipe.structures(new), *(paper_set.pristine_structures(new) if record.get("with_pristine") else [])]


def model_classes(base: Classifier) -> list[Prototype]:
    """The base model's crystal classes as records: the 108's and its own user classes."""
    user = {p.id: p for p in recorded_classes(base.metadata_)}
    shipped = {p.id: p for p in all_prototypes()}
    return [user.get(i) or shipped[i] for i in base.classes_ if i != NOT_A_CRYSTAL]


NEIGHBOUR_PROBABILITY = 0.05
"""An old class that the base model gives at least this probability, among its two first answers, for a draw of
a new class is that class's neighbour: all of its draws are replayed, not ``replay`` of them."""


NEIGHBOUR_SAMPLES = 1000
"""Monte-Carlo passes (seed ``DEFAULT_SEED``) of the base model that pick the neighbours: fixed, so that the
extension does not depend on the passes the base classifier was loaded with."""


def neighbours(base: Classifier, features: np.ndarray) -> list[str]:
    """The old classes the base model confuses the new classes' draws (``features``) with: each draw's two most
    probable classes, where at least ``NEIGHBOUR_PROBABILITY``. The new class must learn its border with them
    from as many of their draws as the base saw."""
    probabilities = monte_carlo_predict(base.model_, features, NEIGHBOUR_SAMPLES, seed=DEFAULT_SEED).probabilities
    top_two = np.argsort(probabilities, axis=1)[:, -2:]
    chosen = {int(c) for row, pair in zip(probabilities, top_two) for c in pair if row[c] >= NEIGHBOUR_PROBABILITY}
    return [base.classes_[c] for c in sorted(chosen)]


def _replayed(recipe: AugmentationRecipe, old: Sequence[Prototype], replay: int,
              close: Sequence[str]) -> list[Draw | AmorphousDraw]:
    """The replay draws: ``replay`` of each old class (all of a class in ``close``) and of not-a-crystal."""
    kept: list[Draw | AmorphousDraw] = [Draw(p, n, recipe) for p in old
                                        for n in range(recipe.all_draws_of(p) if p.id in close else replay)]
    return kept + [AmorphousDraw(n, recipe) for n in range(recipe.amorphous_draws if NOT_A_CRYSTAL in close
                                                            else replay)]


def _enlarged(member: BayesianMLP, added: int) -> BayesianMLP:
    """A copy of ``member`` whose output layer has ``added`` more rows, starting at zero (a logistic regression
    on the last hidden layer, which trains from zero as well as from anywhere, and the same on every run)."""
    grown = BayesianMLP(member.n_inputs, member.output.out_features + added,
                        tuple(layer.out_features for layer in member.hidden), member.dropout.p, member.standardised,
                        member.log_epsilon, member.linear_inputs)
    state = member.state_dict()
    state["output.weight"] = torch.cat([state["output.weight"], state["output.weight"].new_zeros(
        added, member.output.in_features)])
    state["output.bias"] = torch.cat([state["output.bias"], state["output.bias"].new_zeros(added)])
    grown.load_state_dict(state)
    return grown


def extend_model(base: Classifier, folder: Path, output: Path, extension: Extension = Extension(),
                 cache: Path | None = None, checkpoint: Path | None = None, jobs: int | None = None,
                 progress: bool = True) -> ExtendedModel:
    """Extend ``base`` with the classes of ``folder`` it lacks and save the model as ``output`` (.pt, .json).

    The new classes' draws are cached in ``folder/descriptors``, the replay draws in ``cache`` (default: the
    realistic training set's cache of the base's averaging, which ``arise dataset`` fills); both resume.
    """
    recipe = base_recipe(base)
    registered = read_classes(folder)
    new = [p for p in registered if p.id not in base.classes_]
    if not new:
        raise InputError(f"{folder} holds no class the base model lacks: add one with 'arise classes add'",
                         "folder")
    old = model_classes(base)
    members = base.model_.members if isinstance(base.model_, EnsembleMLP) else [base.model_]
    settings = [base.settings_]
    drawn = dataclasses.replace(recipe, draws_per_class=extension.draws or NEW_CLASS_FACTOR * recipe.draws_per_class)
    fresh = new_class_structures(base, drawn, new)
    user_cache = Path(folder) / USER_DESCRIPTORS
    dataset.generate(user_cache, fresh, settings, jobs=jobs, progress=progress)
    fresh_x, fresh_labels, _ = dataset.load(user_cache, fresh, settings)
    close = neighbours(base, fresh_x)
    kept = _replayed(recipe, old, extension.replay, close)
    replay_cache = Path(cache) if cache else Path(training_cache(base.settings_.average)) / dataset.AUGMENTED_FOLDER
    dataset.generate(replay_cache, kept, settings, jobs=jobs, progress=progress)
    kept_x, kept_labels, _ = dataset.load(replay_cache, kept, settings)
    classes = [*base.classes_, *(p.id for p in new)]
    index = {c: i for i, c in enumerate(classes)}
    features = np.concatenate([fresh_x, kept_x])
    labels = np.array([index[label] for label in [*fresh_labels, *kept_labels]])
    config = extension.config(members[0], base.metadata_.get("training", {}).get("anchor_copies", 1))
    starts = [_enlarged(member, len(new)) for member in members]
    kept_outputs = len(base.classes_) if extension.mode == "head" else None
    always_trained = np.concatenate([paper_set.pristine_rows(fresh), np.zeros(len(kept), bool)])
    network, results, accuracy = train_ensemble(features, labels, len(classes), len(starts), config, checkpoint,
                                                progress, starts, kept_outputs, always_trained)
    model = network if isinstance(base.model_, EnsembleMLP) else network.members[0]
    records = [*base.metadata_.get(USER_CLASSES_KEY, []), *(dataclasses.asdict(p) for p in new)]
    Classifier.from_model(model, classes, base.settings_).save(
        output, **_kept_metadata(base.metadata_), **{USER_CLASSES_KEY: records},
        extension={**dataclasses.asdict(extension), "training": dataclasses.asdict(config), "base_sha256": base.metadata_.get("sha256"),
                   "added": [p.id for p in new], "neighbours": close, "validation_accuracy": accuracy,
                   "best_epoch": [result.best_epoch for result in results], "training_points": len(features)})
    return ExtendedModel([p.id for p in new], accuracy, len(features))


def _kept_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """The base model's record of how it was made, carried into the extended model's."""
    return {key: metadata[key] for key in ("recipe", "augmentation", "training", "training_points",
                                           "validation_accuracy", "best_epoch") if key in metadata}
