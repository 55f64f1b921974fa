"""A model extended with a user's class: it answers the new class, keeps the old ones, and loads everywhere."""

import dataclasses
from pathlib import Path

import ase.io
import numpy as np
import pytest
import torch
from ase.build import bulk

from ariseml.classifier import Classifier
from ariseml.cli import main
from ariseml.errors import InputError
from ariseml.prototypes import NOT_A_CRYSTAL, get_prototype
from ariseml.prototypes.user import add_class
from ariseml.training import dataset
from ariseml.training.augmentation import AmorphousDraw, AugmentationRecipe
from ariseml.training.extend import Extension, extend_model
from ariseml.training.train import REALISTIC_LOG_EPSILON, TrainingConfig, train_ensemble

TINY = Extension(draws=12, replay=6, epochs=150)
"""A class of 12 draws beside 6 draws of each existing class: seconds, not minutes."""
BASE_CLASSES = ("fcc_Cu", "bcc_W")


BASE_RECIPE = AugmentationRecipe(draws_per_class=8, amorphous_draws=8)
"""The tiny base model's recipe: 8 draws of each of BASE_CLASSES and 8 packings."""


def base_structures() -> list:
    """The tiny base model's training structures."""
    return [*BASE_RECIPE.structures([get_prototype(c) for c in BASE_CLASSES]),
            *(AmorphousDraw(n, BASE_RECIPE) for n in range(BASE_RECIPE.amorphous_draws))]


@pytest.fixture(scope="module")
def extended(tmp_path_factory):
    """A small model of the realistic recipe (fcc, bcc, not a crystal) extended with fluorite, in a folder with the
    class folder and both models."""
    root = tmp_path_factory.mktemp("extend")
    structures = base_structures()
    settings = Classifier.load("realistic").settings_
    dataset.generate(root / "replay", structures, [settings], progress=False)
    features, labels, _ = dataset.load(root / "replay", structures, [settings])
    classes = [*BASE_CLASSES, NOT_A_CRYSTAL]
    network, _, _ = train_ensemble(features, np.array([classes.index(label) for label in labels]), len(classes), 2,
                                   TrainingConfig(epochs=30, standardised=True, log_epsilon=REALISTIC_LOG_EPSILON),
                                   progress=False)
    Classifier.from_model(network, classes, settings).save(root / "base", recipe="realistic",
                                                           augmentation={"realistic_recipe": BASE_RECIPE.record()})
    ase.io.write(root / "CaF2.cif", bulk("CaF2", "fluorite", a=5.46))
    add_class(root / "classes", [root / "CaF2.cif"], "fluorite", settings, "fluorite (CaF2)")
    extend_model(Classifier.load(root / "base"), root / "classes", root / "model", TINY, cache=root / "replay",
                 progress=False)
    return root


def test_the_extended_model_answers_its_new_class_and_keeps_the_old_logits(extended):
    base, model = Classifier.load(extended / "base"), Classifier.load(extended / "model", samples=100)
    assert model.classes_ == [*base.classes_, "fluorite"] and model.labels_[-1] == "fluorite (CaF2)"
    assert model.metadata_["user_classes"][0]["definition"]["shape"] == "bulk"
    for old, new in zip(base.model_.members, model.model_.members):  # head mode: the old rows untouched
        assert torch.equal(old.output.weight, new.output.weight[:-1])
        assert torch.equal(old.hidden[0].weight, new.hidden[0].weight)
    fluorite = bulk("SrF2", "fluorite", a=5.80).repeat(3)  # another compound of the class, thermal noise
    fluorite.rattle(0.05, seed=1)
    copper = bulk("Cu", "fcc", a=3.61, cubic=True).repeat(3)
    first, second = model.classify([fluorite, copper])
    assert first.top_ids[0] == "fluorite" and first.top_labels[0] == "fluorite (CaF2)"
    assert second.top_ids[0] == "fcc_Cu"


def test_every_command_takes_the_extended_model(extended, tmp_path):
    from click.testing import CliRunner

    ase.io.write(tmp_path / "SrF2.xyz", bulk("SrF2", "fluorite", a=5.80).repeat(3))
    result = CliRunner().invoke(main, ["classify", str(tmp_path / "SrF2.xyz"), "--model", str(extended / "model"),
                                       "--json"])
    assert result.exit_code == 0 and '"fluorite"' in result.output
    pytest.importorskip("hdbscan")
    pytest.importorskip("umap")
    samples = {"CaF2": bulk("CaF2", "fluorite", a=5.46), "BaF2": bulk("BaF2", "fluorite", a=6.20),
               "Cu": bulk("Cu", "fcc", a=3.61, cubic=True), "Ni": bulk("Ni", "fcc", a=3.52, cubic=True),
               "Al": bulk("Al", "fcc", a=4.05, cubic=True)}
    for name, atoms in samples.items():
        ase.io.write(tmp_path / f"{name}.xyz", atoms.repeat(3))
    result = CliRunner().invoke(main, ["explore", *(str(tmp_path / f"{n}.xyz") for n in ("SrF2", *samples)),
                                       "--model", str(extended / "model"), "--samples", "20", "--neighbors", "3",
                                       "--min-cluster-size", "2", "--out", str(tmp_path / "explore")])
    assert result.exit_code == 0, result.output
    stored = np.load(tmp_path / "explore" / "explore.npz")
    predicted = {Path(str(name)).stem: str(answer) for name, answer in zip(stored["names"], stored["predicted"])}
    assert predicted == {"SrF2": "fluorite", "CaF2": "fluorite", "BaF2": "fluorite", "Cu": "fcc_Cu",
                         "Ni": "fcc_Cu", "Al": "fcc_Cu"}
    refused = CliRunner().invoke(main, ["explore", str(tmp_path), "--model", "paper", "--out", str(tmp_path / "x")])
    assert refused.exit_code == 2 and "keeps the hidden layers" in refused.output


def test_what_cannot_be_extended_is_refused(extended, tmp_path):
    with pytest.raises(InputError, match="realistic recipe"):
        extend_model(Classifier.load("paper"), extended / "classes", tmp_path / "m", TINY)
    with pytest.raises(InputError, match="at least 2"):
        Extension(replay=1)
    extended_model = Classifier.load(extended / "model")
    with pytest.raises(InputError, match="holds no class the base model lacks"):
        extend_model(extended_model, extended / "classes", tmp_path / "m", TINY, cache=extended / "replay")


def test_descriptors_of_other_settings_are_refused(extended, tmp_path):
    base = Classifier.load(extended / "base")
    base.settings_ = base.settings_.__class__(**{**base.settings_.to_dict(), "n_max": 6})
    with pytest.raises(InputError, match="other settings"):
        extend_model(base, extended / "classes", tmp_path / "m", TINY, cache=extended / "replay")
    assert not (tmp_path / "m.pt").exists()


def test_the_cli_adds_and_lists_classes_with_one_line_errors(tmp_path):
    from click.testing import CliRunner

    runner = CliRunner()
    ase.io.write(tmp_path / "Al.xyz", bulk("Al", "fcc", a=4.05, cubic=True))
    result = runner.invoke(main, ["classes", "add", str(tmp_path / "Al.xyz"), "--id", "fccAl", "--folder",
                                  str(tmp_path / "c")])
    assert result.exit_code == 2 and "duplicates the class fcc_Cu" in result.output
    assert len(result.output.strip().splitlines()) == 1
    result = runner.invoke(main, ["classes", "add", str(tmp_path / "missing.cif"), "--id", "x", "--folder",
                                  str(tmp_path / "c")])
    assert result.exit_code == 2 and "missing.cif" in result.output
    assert np.all([line.startswith("arise: error") for line in result.output.strip().splitlines()])
    result = runner.invoke(main, ["classes", "list", "--folder", str(tmp_path / "c")])
    assert result.exit_code == 0 and "no classes yet" in result.output


def test_user_classes_train_from_scratch_beside_the_recipe(extended, tmp_path, monkeypatch):
    """`arise train --user-classes`: the folder's classes drawn by the recipe (the draws 'classes train' cached)
    and trained with the rest from scratch; the 108's training set stands in as the fixture's small one."""
    from ariseml.training import recipe as recipes

    settings = Classifier.load("realistic").settings_
    features, labels, _ = dataset.load(extended / "replay", base_structures(), [settings])
    classes = [*BASE_CLASSES, NOT_A_CRYSTAL]
    monkeypatch.setattr(recipes.dataset, "load_for_training", lambda *_: (
        features, np.array([classes.index(label) for label in labels]), classes))
    chosen = recipes.Recipe("realistic", average="both", draws=TINY.draws)
    trained = recipes.train_recipe(chosen, tmp_path / "scratch", epochs=60, user_classes=extended / "classes")
    assert trained.training_points == len(features) + TINY.draws  # the class folder's cached draws, none new
    model = Classifier.load(tmp_path / "scratch", samples=50)
    assert model.classes_ == [*classes, "fluorite"] and model.labels_[-1] == "fluorite (CaF2)"
    assert model.classify(bulk("SrF2", "fluorite", a=5.80).repeat(2))[0].top_ids[0] == "fluorite"
    with pytest.raises(InputError, match="realistic recipe"):
        recipes.Recipe("paper").user_draws(extended / "classes")
    with pytest.raises(InputError, match="holds no class"):
        chosen.user_draws(tmp_path)


def test_user_classes_get_their_pristine_structures_when_the_recipe_has_the_papers(extended):
    import copy

    from ariseml.training import recipe as recipes
    from ariseml.training.extend import new_class_structures

    new = [get_prototype("fcc_Cu")]  # any class record will do: what is added depends on the base's recipe
    base = Classifier.load(extended / "base")
    drawn = new_class_structures(base, BASE_RECIPE, new)
    with_pristine = copy.copy(base)
    with_pristine.metadata_ = {**base.metadata_, "augmentation": {
        "realistic_recipe": {**base.metadata_["augmentation"]["realistic_recipe"], "with_pristine": True}}}
    added = new_class_structures(with_pristine, BASE_RECIPE, new)
    assert [s.name for s in added[:len(drawn)]] == [s.name for s in drawn]
    assert [s.name for s in added[len(drawn):]] == [f"fcc_Cu__{k}" for k in ("periodic", "supercell0", "supercell1",
                                                                           "supercell2")]
    chosen = recipes.Recipe("realistic", average="both", draws=TINY.draws)
    _, draws = chosen.user_draws(extended / "classes")
    _, both = dataclasses.replace(chosen, with_pristine=True).user_draws(extended / "classes")
    assert len(draws) == TINY.draws and [s.name for s in both[TINY.draws:]] == [
        f"fluorite__{k}" for k in ("periodic", "supercell0", "supercell1", "supercell2")]
    assert sorted(set(both[-1].atoms().get_chemical_symbols())) == ["Ca", "F"]

