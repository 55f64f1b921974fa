"""A training recipe from end to end: its structures and descriptor settings (``arise dataset``), and a model
trained on its cached descriptors and saved with the record of how (``arise train``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ariseml.caches import training_cache
from ariseml.descriptors.soap import SoapSettings
from ariseml.errors import InputError
from ariseml.prototypes import Prototype
from ariseml.prototypes.user import USER_CLASSES_KEY, USER_DESCRIPTORS, read_classes
from ariseml.training import dataset, paper_set
from ariseml.training.augmentation import AugmentationRecipe, augmented_settings
from ariseml.training.train import REALISTIC_LOG_EPSILON, TrainingConfig, train, train_ensemble


@dataclass(frozen=True)
class Recipe:
    """A training set: ``paper``, the pristine structures at the 99 descriptor settings (optionally with
    antisite supercells, ``antisites`` fractions), or ``realistic``, ``draws`` per class of the realistic
    recipe at the central setting (with ``with_pristine``, also the paper's pristine structures there)."""

    name: Literal["paper", "realistic"] = "paper"
    average: Literal["inner", "outer", "both"] = "inner"
    rbf: Literal["gto", "polynomial"] = "gto"
    antisites: tuple[float, ...] = ()
    draws: int | None = None
    thermal: Literal["amplitude", "temperature", "mixed"] = "amplitude"
    stacking_factor: int = 1
    max_sigma: float | None = None
    max_vacancies: float | None = None
    vacancy_fraction: float | None = None
    pristine_fraction: float | None = None
    with_pristine: bool = False
    planar_fraction: float | None = None
    bicrystal_fraction: float | None = None
    alloy_draws: int | None = None
    film_draws: int | None = None
    interface_draws: int | None = None

    def __post_init__(self) -> None:
        if self.name not in ("paper", "realistic"):
            raise InputError(f"`recipe` is paper or realistic, got {self.name!r}", "recipe")
        if self.name == "realistic" and self.antisites:
            raise InputError("`antisites` adds to the paper's recipe; leave it out of the realistic one", "antisites")
        if self.name == "paper" and (self.thermal != "amplitude" or self.stacking_factor != 1 or self.with_pristine
                                     or any(value is not None for value in self._drawn().values())):
            raise InputError("`draws`, `thermal`, `stacking_factor`, `max_sigma`, `max_vacancies`, "
                             "`vacancy_fraction`, `pristine_fraction`, `planar_fraction`, `bicrystal_fraction`, "
                             "`alloy_draws`, `film_draws`, `interface_draws` and `with_pristine` belong to the "
                             "realistic recipe", "draws",
                             "thermal", "stacking_factor", "max_sigma", "max_vacancies", "vacancy_fraction",
                             "pristine_fraction", "planar_fraction", "bicrystal_fraction", "alloy_draws", "film_draws",
                             "interface_draws", "with_pristine")
        if self.average == "both" and self.rbf != "gto":
            raise InputError("`average` both is computed from per-centre coefficients of the gto basis only",
                             "average", "rbf")

    def _drawn(self) -> dict[str, Any]:
        """The realistic recipe's ranges set here (None: the recipe's default)."""
        return {"draws_per_class": self.draws, "max_sigma": self.max_sigma, "max_vacancies": self.max_vacancies,
                "vacancy_fraction": self.vacancy_fraction, "pristine_fraction": self.pristine_fraction,
                "planar_fraction": self.planar_fraction, "bicrystal_fraction": self.bicrystal_fraction,
                "alloy_draws": self.alloy_draws, "film_draws": self.film_draws,
                "interface_draws": self.interface_draws}

    def _augmentation(self) -> AugmentationRecipe:
        chosen = {name: value for name, value in self._drawn().items() if value is not None}
        return AugmentationRecipe(thermal=self.thermal, stacking_factor=self.stacking_factor, **chosen)

    def folder(self, cache: Path | None = None) -> Path:
        """Where the descriptors are cached: ``cache`` or the default of this averaging and basis (the
        realistic draws in its ``augmented`` folder)."""
        base = Path(cache) if cache is not None else Path(training_cache(self.average, self.rbf))
        return base / dataset.AUGMENTED_FOLDER if self.name == "realistic" else base

    def structures(self, prototypes: list[Prototype] | None = None) -> list[Any]:
        """The recipe's structures, of ``prototypes`` only when given."""
        if self.name == "realistic":
            pristine = paper_set.pristine_structures(prototypes) if self.with_pristine else []
            return [*self._augmentation().structures(prototypes), *pristine]
        return paper_set.pristine_structures(prototypes) + paper_set.antisite_structures(self.antisites, prototypes)

    def user_draws(self, folder: Path) -> tuple[tuple[Prototype, ...], list[Any]]:
        """The classes of a user's class folder (``prototypes.user``) and their draws by this recipe (realistic
        only; with ``with_pristine`` also their pristine structures), whose descriptors are cached in the folder's
        ``descriptors``, as ``arise classes train`` caches them."""
        if self.name != "realistic":
            raise InputError("user classes are drawn by the realistic recipe: add --recipe realistic", "recipe")
        added = read_classes(folder)
        if not added:
            raise InputError(f"{folder} holds no class: add one with 'arise classes add'", "user_classes")
        pristine = paper_set.pristine_structures(added) if self.with_pristine else []
        return added, [*self._augmentation().structures(list(added)), *pristine]

    def settings(self) -> list[SoapSettings]:
        if self.name == "realistic":
            return augmented_settings(self.average, self.rbf)
        return paper_set.training_settings(self.average, self.rbf)

    def record(self) -> dict[str, Any]:
        """How the training set was made, as stored with a model."""
        if self.name == "realistic":
            return {"realistic_recipe": {**self._augmentation().record(), "with_pristine": self.with_pristine}}
        return {"r_cut": list(paper_set.R_CUTS), "sigma": list(paper_set.SIGMAS),
                "extrinsic_factor": list(paper_set.EXTRINSIC_FACTORS),
                "antisites": {"fractions": list(self.antisites), "groups": list(paper_set.ANTISITE_GROUPS)}}

    def config(self, epochs: int, linear_inputs: bool = False, pristine_copies: int = 1) -> TrainingConfig:
        """The paper's hyper-parameters; the realistic recipe compresses and standardises the inputs (with
        ``linear_inputs``, the network sees them beside their logarithms; with ``with_pristine``, the pristine
        structures are trained ``pristine_copies`` times an epoch)."""
        realistic = self.name == "realistic"
        if linear_inputs and not realistic:
            raise InputError("`linear_inputs` sits beside the realistic recipe's logarithms: add --recipe realistic",
                             "linear_inputs")
        if pristine_copies != 1 and not self.with_pristine:
            raise InputError("`pristine_copies` weights the realistic recipe's pristine structures: add --recipe "
                             "realistic --with-pristine", "pristine_copies")
        return TrainingConfig(epochs=epochs, standardised=realistic,
                              log_epsilon=REALISTIC_LOG_EPSILON if realistic else None, linear_inputs=linear_inputs,
                              anchor_copies=pristine_copies)


@dataclass(frozen=True)
class TrainedModel:
    """What a training run reports: the ensemble's validation accuracy, each member's best epoch, the points."""

    validation_accuracy: float
    best_epochs: list[int]
    training_points: int


def train_recipe(recipe: Recipe, output: Path, epochs: int = 300, members: int = 1, cache: Path | None = None,
                 checkpoint: Path | None = None, user_classes: Path | None = None,
                 linear_inputs: bool = False, pristine_copies: int = 1) -> TrainedModel:
    """Train on the recipe's cached descriptors (``arise dataset`` computes them) and save the model as
    ``output.pt`` and ``output.json``; ``members`` > 1 trains an ensemble. Resumes from ``checkpoint``.

    ``user_classes``: a class folder whose classes are trained beside the 108 from scratch (their outputs after
    ``NOT_A_CRYSTAL``'s, as in a model extended with them), their draws' descriptors cached in the folder.
    ``linear_inputs``: the network sees the descriptors beside their logarithms (``BayesianMLP.compress``).
    The realistic recipe's pristine structures are never held out for validation (``paper_set.pristine_rows``)
    and are trained ``pristine_copies`` times an epoch.
    """
    from ariseml.classifier import Classifier

    structures = recipe.structures()
    features, labels, classes = dataset.load_for_training(recipe.folder(cache), recipe.settings(), structures)
    records = {}
    if user_classes is not None:
        added, draws = recipe.user_draws(user_classes)
        structures = [*structures, *draws]
        user_features, user_labels, _ = dataset.load(Path(user_classes) / USER_DESCRIPTORS, draws, recipe.settings())
        classes = [*classes, *(p.id for p in added)]
        features = np.concatenate([features, user_features])
        labels = np.concatenate([labels, [classes.index(label) for label in user_labels]])
        records = {USER_CLASSES_KEY: [dataclasses.asdict(p) for p in added]}
    config = recipe.config(epochs, linear_inputs, pristine_copies)
    anchors = paper_set.pristine_rows(structures) if recipe.with_pristine else None
    if members == 1:
        result = train(features, labels, len(classes), config, checkpoint=checkpoint, always_trained=anchors)
        network, results, accuracy = result.model, [result], result.validation_accuracy
    else:
        network, results, accuracy = train_ensemble(features, labels, len(classes), members, config, checkpoint,
                                                    always_trained=anchors)
    best_epochs = [result.best_epoch for result in results]
    central = dataclasses.replace(paper_set.CENTRAL_SETTINGS, average=recipe.average, rbf=recipe.rbf)
    Classifier.from_model(network, classes, central).save(
        output, training_points=len(features), training_size=results[0].training_size,
        validation_size=results[0].validation_size, validation_accuracy=accuracy,
        best_epoch=best_epochs[0] if members == 1 else best_epochs, training=dataclasses.asdict(config),
        recipe=recipe.name, augmentation=recipe.record(),
        always_trained=int(anchors.sum()) if anchors is not None else 0, **records)
    return TrainedModel(accuracy, best_epochs, len(features))
