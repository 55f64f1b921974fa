import json
from dataclasses import replace

import numpy as np
import pytest
import torch

import ariseml.training.train as training
from ariseml.errors import InputError
from ariseml.training.paper_set import pristine_structures, training_settings
from ariseml.training.train import TrainingConfig, train


def separable_data(n_classes=4, per_class=40, n_features=315, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_classes, n_features))
    labels = np.repeat(np.arange(n_classes), per_class)
    return centres[labels] + 0.3 * rng.normal(size=(len(labels), n_features)), labels


def test_the_paper_training_set_has_39204_points():
    assert len(pristine_structures()) == 396
    assert len(training_settings()) == 99
    assert len(pristine_structures()) * len(training_settings()) == 39_204


def test_training_learns_and_keeps_the_best_checkpoint():
    features, labels = separable_data()
    result = train(features, labels, 4, TrainingConfig(epochs=15), progress=False)
    assert result.validation_accuracy == 1.0
    assert result.training_size == 128 and result.validation_size == 32  # stratified 80/20
    best = max(h["validation_accuracy"] for h in result.history)
    assert result.history[result.best_epoch - 1]["validation_accuracy"] == best


def test_an_interrupted_run_resumes_to_the_same_model(tmp_path, monkeypatch):
    features, labels = separable_data(seed=1)
    config = TrainingConfig(epochs=6, learning_rate=1e-3)
    uninterrupted = train(features, labels, 4, config, checkpoint=tmp_path / "a.pt", progress=False)

    calls = {"n": 0}
    original = training._accuracy

    def failing_after_three_epochs(*args):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return original(*args)

    monkeypatch.setattr(training, "_accuracy", failing_after_three_epochs)
    with pytest.raises(KeyboardInterrupt):
        train(features, labels, 4, config, checkpoint=tmp_path / "b.pt", progress=False)
    monkeypatch.setattr(training, "_accuracy", original)
    resumed = train(features, labels, 4, config, checkpoint=tmp_path / "b.pt", progress=False)
    for key, value in uninterrupted.model.state_dict().items():
        assert torch.equal(value, resumed.model.state_dict()[key])
    with pytest.raises(ValueError, match="other settings"):
        train(features, labels, 4, TrainingConfig(epochs=7), checkpoint=tmp_path / "b.pt", progress=False)


def test_tpe_search_explores_the_papers_space_and_resumes(tmp_path):
    from ariseml.training.tune import search

    features, labels = separable_data(per_class=20)
    storage = f"sqlite:///{tmp_path / 'tune.db'}"
    ranking = search(features, labels, 4, trials=3, epochs=2, storage=storage)
    assert len(ranking) == 3
    assert [r["validation_accuracy"] for r in ranking] == sorted((r["validation_accuracy"] for r in ranking),
                                                                 reverse=True)
    for trial in ranking:
        assert trial["n_layers"] in (2, 3, 4, 5) and trial["batch_size"] in (64, 128)
        assert 1e-4 <= trial["learning_rate"] <= 1e-2 and 0.01 <= trial["dropout"] <= 0.05
        assert all(trial[f"neurons_{i}"] in (256, 512) for i in range(trial["n_layers"]))
    assert len(search(features, labels, 4, trials=4, epochs=2, storage=storage)) == 4  # one more, not four



def test_dataset_cache_resumes_and_knows_its_settings(tmp_path):
    import dataclasses

    from ariseml.prototypes import get_prototype
    from ariseml.training.dataset import generate, load

    structures = pristine_structures([get_prototype("hcp_Mg")])
    settings = training_settings()[:2]
    assert generate(tmp_path, structures, settings, jobs=1, progress=False) == 4
    assert generate(tmp_path, structures, settings, jobs=1, progress=False) == 0  # all from the cache
    features, labels, names = load(tmp_path, structures, settings)
    assert features.shape == (8, 315) and set(labels) == {"hcp_Mg"} and names[0] == "hcp_Mg__periodic"
    with pytest.raises(ValueError, match="other settings"):
        load(tmp_path, structures, [dataclasses.replace(s, average="outer") for s in settings])
    (tmp_path / "hcp_Mg__supercell2.npz").unlink()
    with pytest.raises(InputError, match="is missing: complete the cache .*'arise dataset'"):
        load(tmp_path, structures, settings)


def test_a_cache_of_both_averages_holds_the_inner_and_outer_rows_joined(tmp_path):
    import dataclasses

    from ariseml.prototypes import get_prototype
    from ariseml.training.dataset import generate, load

    structures = pristine_structures([get_prototype("B2_CsCl")])[:2]
    settings = training_settings()[:2]
    rows = {}
    for average in ("inner", "outer", "both"):
        chosen = [dataclasses.replace(s, average=average) for s in settings]
        generate(tmp_path / average, structures, chosen, jobs=1, progress=False)
        rows[average], labels, _ = load(tmp_path / average, structures, chosen)
    assert rows["both"].shape == (4, 630) and labels == ["B2_CsCl"] * 4
    assert np.allclose(rows["both"], np.concatenate([rows["inner"], rows["outer"]], axis=1) / np.sqrt(2), atol=1e-9)


def test_dataset_command_with_the_polynomial_basis_writes_its_own_settings(tmp_path, monkeypatch):
    from click.testing import CliRunner

    import ariseml.training.dataset as dataset
    import ariseml.training.paper_set as paper_set
    from ariseml.cli import main
    from ariseml.prototypes import get_prototype

    monkeypatch.setattr(paper_set, "training_settings", lambda average, rbf: training_settings(average, rbf)[:1])
    result = CliRunner().invoke(main, ["dataset", "--rbf", "polynomial", "--classes", "sc_Po", "--jobs", "1",
                                       "--out", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0 and "4 structures ready" in result.output
    structures = pristine_structures([get_prototype("sc_Po")])
    features, _, _ = dataset.load(tmp_path, structures, training_settings("inner", "polynomial")[:1])
    assert features.shape == (4, 315) and np.allclose(np.linalg.norm(features, axis=1), 1)
    with pytest.raises(ValueError, match="other settings"):
        dataset.load(tmp_path, structures, training_settings("inner", "gto")[:1])


def test_dataset_command_adds_antisite_supercells_of_compounds_only(tmp_path, monkeypatch):
    from click.testing import CliRunner

    import ariseml.training.dataset as dataset
    import ariseml.training.paper_set as paper_set
    from ariseml.cli import main
    from ariseml.prototypes import get_prototype

    monkeypatch.setattr(paper_set, "training_settings", lambda average, rbf: training_settings(average, rbf)[:1])
    result = CliRunner().invoke(main, ["dataset", "--antisites", "5,10", "--classes", "B2_CsCl,sc_Po", "--jobs", "1",
                                       "--out", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0 and "14 structures ready" in result.output  # 2 x 4 pristine + 3 x 2 antisite
    antisite = paper_set.antisite_structures([0.05, 0.10], [get_prototype("B2_CsCl"), get_prototype("sc_Po")])
    assert [s.name for s in antisite[:2]] == ["B2_CsCl__supercell0__antisites5", "B2_CsCl__supercell0__antisites10"]
    pristine = paper_set.TrainingStructure(get_prototype("B2_CsCl"), 0).atoms()
    assert np.sum(antisite[1].atoms().numbers != pristine.numbers) == 2 * round(0.10 * len(pristine) / 2)
    features, labels, _ = dataset.load(tmp_path, antisite, training_settings()[:1])
    assert labels == ["B2_CsCl"] * 6 and len({tuple(np.round(f, 6)) for f in features}) == 6
    refused = CliRunner().invoke(main, ["dataset", "--antisites", "60", "--out", str(tmp_path)])
    assert refused.exit_code != 0 and "at most 50" in refused.output


def test_a_cache_of_other_settings_is_refused_by_dataset_and_train(tmp_path, monkeypatch, caplog):
    from click.testing import CliRunner

    import ariseml.training.paper_set as paper_set
    from ariseml.cli import main

    monkeypatch.setattr(paper_set, "training_settings", lambda average="inner", rbf="gto":
                        training_settings(average, rbf)[:1])
    runner = CliRunner()
    made = runner.invoke(main, ["dataset", "--classes", "sc_Po", "--jobs", "1", "--out", str(tmp_path)])
    assert made.exit_code == 0, made.output
    assert json.loads((tmp_path / "settings.json").read_text())[0]["average"] == "inner"
    for options in (["--average", "outer"], ["--rbf", "polynomial"]):
        other = runner.invoke(main, ["dataset", "--classes", "sc_Po", "--jobs", "1", "--out", str(tmp_path), *options])
        assert other.exit_code == 2 and "ready" not in other.output, other.output
        assert "other settings (--average inner, --rbf gto" in other.output and "another cache folder" in other.output
    trained = runner.invoke(main, ["train", "--data", str(tmp_path), "--average", "outer", "--epochs", "1",
                                   "-o", str(tmp_path / "model")])
    assert trained.exit_code == 2 and "other settings" in trained.output, trained.output
    assert not (tmp_path / "model.pt").exists()

    (tmp_path / "sc_Po__supercell1.npz").write_bytes(b"not an npz")  # corrupt: recomputed with a warning
    with caplog.at_level("WARNING"):
        again = runner.invoke(main, ["dataset", "--classes", "sc_Po", "--jobs", "1", "--out", str(tmp_path)])
    assert again.exit_code == 0 and "(1 computed now, 3 from the cache)" in again.output, again.output
    assert any("sc_Po__supercell1.npz is corrupt" in r.getMessage() for r in caplog.records)


def test_a_standardised_network_keeps_its_scaling_through_save_and_load(tmp_path):
    from ariseml.classifier import Classifier
    from ariseml.descriptors.soap import SoapSettings

    rng = np.random.default_rng(0)
    width = SoapSettings().n_features
    features = (0.5 + 1e-3 * rng.normal(size=(60, width))).astype(np.float32)  # classes apart by a hair
    labels = np.repeat([0, 1], 30)
    features[labels == 1, :5] += 2e-3
    config = TrainingConfig(epochs=30, hidden=(16,), batch_size=8, learning_rate=1e-3, standardised=True)
    result = train(features, labels, 2, config, progress=False)
    assert np.allclose(result.model.input_mean.numpy(), features[:, :].mean(axis=0), atol=2e-3)
    Classifier.from_model(result.model, ["fcc_Cu", "bct_In"], SoapSettings(), samples=20).save(tmp_path / "m")
    loaded = Classifier.load(tmp_path / "m", samples=20)
    assert loaded.metadata_["standardised"] and loaded.model_.standardised
    original = Classifier.from_model(result.model, ["fcc_Cu", "bct_In"], SoapSettings(), samples=20)
    assert np.allclose(loaded.predict_arrays(features).probabilities, original.predict_arrays(features).probabilities)
    assert (loaded.predict_arrays(features).probabilities.argmax(axis=1) == labels).mean() > 0.9


def test_a_log_compressed_network_keeps_its_epsilon_through_save_and_load(tmp_path):
    import torch

    from ariseml.classifier import Classifier
    from ariseml.descriptors.soap import SoapSettings

    rng = np.random.default_rng(0)
    width = SoapSettings().n_features
    features = rng.normal(0.05, 0.002, size=(200, width)).astype(np.float32)
    labels = np.repeat([0, 1], 100)
    features[:, :5] = np.where(labels == 1, 2e-4, 1e-6)[:, None]  # apart by decades, by nothing on a linear scale
    config = TrainingConfig(epochs=40, hidden=(16,), batch_size=8, learning_rate=1e-3, standardised=True,
                            log_epsilon=1e-5)
    result = train(features, labels, 2, config, progress=False)
    compressed = result.model.compress(torch.tensor([-1e-5, 0.0, 1e-5, 1.0]))
    assert np.allclose(compressed.numpy(), [-np.log(2), 0, np.log(2), np.log1p(1e5)], rtol=1e-5)
    Classifier.from_model(result.model, ["fcc_Cu", "bct_In"], SoapSettings(), samples=20).save(tmp_path / "m")
    loaded = Classifier.load(tmp_path / "m", samples=20)
    assert loaded.metadata_["log_epsilon"] == 1e-5 and loaded.model_.log_epsilon == 1e-5
    assert (loaded.predict_arrays(features).probabilities.argmax(axis=1) == labels).mean() > 0.9


def test_a_network_with_linear_inputs_sees_both_scales_and_keeps_them_through_save_and_load(tmp_path):
    import torch

    from ariseml.classifier import Classifier
    from ariseml.descriptors.soap import SoapSettings

    rng = np.random.default_rng(1)
    width = SoapSettings().n_features
    features = rng.normal(0.05, 0.002, size=(200, width)).astype(np.float32)
    labels = np.repeat([0, 1], 100)
    features[:, :5] += np.where(labels == 1, 0.004, 0.0)[:, None]  # apart on the linear scale
    config = TrainingConfig(epochs=40, hidden=(16,), batch_size=8, learning_rate=1e-3, standardised=True,
                            log_epsilon=1e-5, linear_inputs=True)
    result = train(features, labels, 2, config, progress=False)
    assert result.model.hidden[0].in_features == 2 * width and result.model.input_mean.shape == (2 * width,)
    seen = result.model.compress(torch.tensor([[1e-5, 1.0]]))
    assert np.allclose(seen.numpy(), [[1e-5, 1.0, np.log(2), np.log1p(1e5)]], rtol=1e-5)
    Classifier.from_model(result.model, ["fcc_Cu", "bct_In"], SoapSettings(), samples=20).save(tmp_path / "m")
    loaded = Classifier.load(tmp_path / "m", samples=20)
    assert loaded.metadata_["linear_inputs"] and loaded.model_.linear_inputs
    assert (loaded.predict_arrays(features).probabilities.argmax(axis=1) == labels).mean() > 0.9
    with pytest.raises(InputError, match="`linear_inputs`"):
        TrainingConfig(linear_inputs=True)


def test_an_ensemble_trains_its_members_on_one_split_and_survives_save_and_load(tmp_path):
    from ariseml.classifier import Classifier
    from ariseml.descriptors.soap import SoapSettings
    from ariseml.models.bayesian_mlp import EnsembleMLP
    from ariseml.training.train import train_ensemble

    features, labels = separable_data(seed=2)
    config = TrainingConfig(epochs=4, learning_rate=1e-3)
    ensemble, results, accuracy = train_ensemble(features, labels, 4, 2, config, progress=False)
    alone = train(features, labels, 4, config, progress=False)
    assert all(torch.equal(v, alone.model.state_dict()[k]) for k, v in ensemble.members[0].state_dict().items())
    assert not torch.equal(ensemble.members[0].hidden[0].weight, ensemble.members[1].hidden[0].weight)
    assert [r.config.member for r in results] == [0, 1] and accuracy == 1.0
    Classifier.from_model(ensemble, ["fcc_Cu", "bcc_W", "hcp_Mg", "sc_Po"], SoapSettings(), samples=40).save(
        tmp_path / "m")
    loaded = Classifier.load(tmp_path / "m", samples=40)
    assert loaded.metadata_["members"] == 2 and isinstance(loaded.model_, EnsembleMLP)
    original = Classifier.from_model(ensemble, loaded.classes_, SoapSettings(), samples=40)
    assert np.allclose(loaded.predict_arrays(features).probabilities, original.predict_arrays(features).probabilities)


def test_the_pristine_structures_of_a_realistic_set_are_always_trained_on_never_held_out():
    from ariseml.prototypes import get_prototype
    from ariseml.training.paper_set import antisite_structures, pristine_rows
    from ariseml.training.recipe import Recipe

    classes = [get_prototype("fcc_Cu"), get_prototype("B2_CsCl")]
    recipe = Recipe("realistic", draws=6, with_pristine=True)
    rows = pristine_rows(recipe.structures(classes))
    assert rows.sum() == 8 and not rows[:12].any()  # 4 structures per class, after the 2 × 6 draws
    assert not pristine_rows(antisite_structures((0.05,), classes)).any()

    features, labels = separable_data()
    config = TrainingConfig(epochs=2)
    first_column = features[:, 0].astype(np.float32)
    held_out = training._split(features, labels, config)[1][:6, 0]  # six rows the plain split holds out
    always = np.isin(first_column, held_out)
    anchored_train, anchored_valid = training._split(features, labels, config, always)[:2]
    assert always.sum() == 6 and np.isin(held_out, anchored_train[:, 0]).all()
    assert not np.isin(held_out, anchored_valid[:, 0]).any() and len(anchored_valid) == 31  # 20 % of the rest
    result = train(features, labels, 4, config, progress=False, always_trained=always)
    assert (result.training_size, result.validation_size) == (129, 31)
    copied_train, copied_valid = training._split(features, labels, replace(config, anchor_copies=3), always)[:2]
    assert np.array_equal(copied_valid, anchored_valid) and len(copied_train) == 129 + 2 * 6
    assert all((copied_train[:, 0] == value).sum() == 3 for value in held_out)


@pytest.mark.parametrize("change", [{"epochs": 0}, {"learning_rate": -1e-3}, {"dropout": 1.0}, {"hidden": ()},
                                    {"validation_fraction": 0.0}, {"log_epsilon": float("inf")}])
def test_training_settings_refuse_values_that_cannot_train(change):

    with pytest.raises(InputError, match=f"`{next(iter(change))}`"):
        TrainingConfig(**change)


def test_a_recipe_knows_its_cache_and_refuses_what_belongs_to_the_other(tmp_path):
    from ariseml.training.recipe import Recipe

    assert Recipe("realistic").folder(tmp_path) == tmp_path / "augmented"
    assert Recipe("paper", average="outer").folder(tmp_path) == tmp_path
    assert Recipe("realistic", average="both").config(10).log_epsilon is not None  # joined caches, compressed
    assert Recipe("realistic").config(10, linear_inputs=True).linear_inputs
    assert Recipe("realistic", with_pristine=True).config(10, pristine_copies=3).anchor_copies == 3
    with pytest.raises(InputError, match="`pristine_copies` weights the realistic recipe's pristine structures"):
        Recipe("realistic").config(10, pristine_copies=3)
    with pytest.raises(InputError, match="`linear_inputs` sits beside the realistic recipe's logarithms"):
        Recipe("paper").config(10, linear_inputs=True)
    with pytest.raises(InputError, match="`antisites` adds to the paper's recipe"):
        Recipe("realistic", antisites=(0.05,))
    for misplaced in ({"draws": 10}, {"thermal": "temperature"}, {"stacking_factor": 3}, {"max_sigma": 0.1},
                      {"max_vacancies": 0.3}, {"vacancy_fraction": 0.4}, {"pristine_fraction": 0.3},
                      {"with_pristine": True}):
        with pytest.raises(InputError, match="belong to the realistic recipe"):
            Recipe("paper", **misplaced)
    hot = Recipe("realistic", thermal="temperature", max_sigma=0.1, max_vacancies=0.3, vacancy_fraction=0.4)
    record = hot.record()["realistic_recipe"]
    assert (record["thermal"], record["max_sigma"], record["max_vacancies"], record["vacancy_fraction"]) == (
        "temperature", 0.1, 0.3, 0.4)
    assert record["draws_per_class"] == 120 and record["stacking_factor"] == 1  # the defaults where none is set
    assert record["pristine_fraction"] == 0.2 and not record["with_pristine"]
    with_pristine = Recipe("realistic", pristine_fraction=0.3, with_pristine=True)
    added = [s.name for s in with_pristine.structures() if "__draw" not in s.name]
    assert len(added) == 396 and "fcc_Cu__supercell0" in added and "fcc_Cu__periodic" in added
    assert with_pristine.record()["realistic_recipe"]["with_pristine"]
    assert {s.name for s in hot.structures()[:5]} != {s.name for s in Recipe("realistic").structures()[:5]}
    with pytest.raises(InputError, match="`average` both"):
        Recipe("paper", average="both", rbf="polynomial")
    assert Recipe("realistic", average="both").folder() != Recipe("realistic").folder()
