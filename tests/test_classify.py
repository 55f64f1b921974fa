"""The classifier and `arise classify` on a small model trained here on four classes."""

import json
from pathlib import Path

import ase.io
import numpy as np
import pytest
import torch
from ase import Atoms
from click.testing import CliRunner

from ariseml.classifier import Classifier, ModelFileError
from ariseml.cli import main
from ariseml.descriptors.soap import SoapSettings
from ariseml.prototypes import build
from ariseml.training.dataset import describe, pristine_structures
from ariseml.prototypes import get_prototype
from ariseml.training.train import TrainingConfig, train

CLASSES = ["fcc_Cu", "bcc_W", "hcp_Mg", "diamond_C"]


@pytest.fixture(scope="session")
def small_model(tmp_path_factory):
    settings = [SoapSettings(r_cut=r, extrinsic_factor=f) for r in (3.6, 4.0, 4.4) for f in (0.95, 1.0, 1.05)]
    structures = pristine_structures([get_prototype(c) for c in CLASSES])
    features = np.concatenate([describe(s, settings) for s in structures])
    labels = np.repeat([CLASSES.index(s.prototype.id) for s in structures], len(settings))
    result = train(features, labels, len(CLASSES), TrainingConfig(epochs=80, learning_rate=1e-3),
                   progress=False)
    path = tmp_path_factory.mktemp("model") / "small"
    Classifier.from_model(result.model, CLASSES, SoapSettings()).save(path, note="test model")
    return path


def test_classifies_pristine_structures_with_low_uncertainty(small_model):
    classifier = Classifier.load(small_model, samples=200, seed=0)
    structures = [build("fcc_Cu", supercell=1), build("bcc_W"), build("hcp_Mg", supercell=0)]
    assert classifier.predict(structures) == ["fcc_Cu", "bcc_W", "hcp_Mg"]
    probabilities = classifier.predict_proba(structures)
    assert probabilities.shape == (3, 4) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)
    result = classifier.classify([build("diamond_C", supercell=2)], top=2, keep_hidden=True)[0]
    assert result.top_ids[0] == "diamond_C" and len(result.top_probabilities) == 2
    assert 0 <= result.mutual_information <= result.predictive_entropy
    assert [h.shape for h in result.hidden] == [(256,), (512,), (256,)]
    assert result.predictions()[0]["arise_label"] == "diam_C_A_cF8_227_a"


def test_model_files_are_verified(small_model, tmp_path):
    with pytest.raises(ModelFileError, match="trained on descriptors made with"):
        Classifier.load(small_model, settings=SoapSettings(r_cut=5.0))
    corrupted = tmp_path / "corrupted"
    for suffix in (".pt", ".json"):
        corrupted.with_suffix(suffix).write_bytes(small_model.with_suffix(suffix).read_bytes())
    with open(corrupted.with_suffix(".pt"), "ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelFileError, match="checksum"):
        Classifier.load(corrupted)
    with pytest.raises(ModelFileError, match="not found"):
        Classifier.load(tmp_path / "absent")


def test_cli_classifies_good_files_and_reports_bad_ones(small_model, tmp_path):
    trajectory = tmp_path / "two_frames.xyz"
    ase.io.write(trajectory, [build("fcc_Cu", supercell=0), build("bcc_W", supercell=0)])
    bad = {
        "nan.xyz": Atoms("Cu2", positions=[[0, 0, 0], [np.nan, 0, 0]]),
        "single.xyz": Atoms("Cu", positions=[[0, 0, 0]]),
        "overlap.xyz": Atoms("Cu3", positions=[[0, 0, 0], [0, 0, 0], [2.5, 0, 0]]),
    }
    for name, atoms in bad.items():
        ase.io.write(tmp_path / name, atoms)
    (tmp_path / "garbage.cif").write_text("this is not a crystal\n")
    files = [str(trajectory)] + [str(tmp_path / n) for n in [*bad, "garbage.cif"]]
    result = CliRunner().invoke(main, ["classify", *files, "--model", str(small_model), "--json",
                                       "--samples", "100", "--seed", "1"])
    assert result.exit_code == 1, result.output
    records = json.loads(result.stdout)
    assert [(r["frame"], r["predictions"][0]["id"]) for r in records] == [(0, "fcc_Cu"), (1, "bcc_W")]
    assert set(records[0]) == {"file", "frame", "n_atoms", "predictions", "mutual_information",
                               "predictive_entropy"}
    assert set(records[0]["predictions"][0]) == {"id", "arise_label", "probability"}
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 4
    for message, name in zip(errors, [*bad, "garbage.cif"]):
        assert message.startswith(f"arise: error: {tmp_path / name}:")
    assert "NaN" in errors[0] and "single atom" in errors[1] and "on top of each other" in errors[2]
    table = CliRunner().invoke(main, ["classify", str(trajectory), "--model", str(small_model), "--top", "2"])
    assert table.exit_code == 0 and "1. fcc_Cu" in table.output and "mutual information" in table.output


def test_device_names_are_checked_and_the_cpu_gives_the_same_numbers(small_model):
    classifier = Classifier.load(small_model, samples=50, seed=1)
    structure = build("fcc_Cu", supercell=0)
    on_cpu = classifier.classify([structure])[0]
    assert classifier.to("cpu").classify([structure])[0].probabilities.tolist() == on_cpu.probabilities.tolist()
    with pytest.raises(ValueError, match="unknown device 'gpu'"):
        classifier.to("gpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="sees no such device"):
            Classifier.load(small_model, device="cuda")
        result = CliRunner().invoke(main, ["classify", "--device", "cuda", "--model", str(small_model),
                                           str(Path(__file__).parents[1] / "examples/structures/NaCl_rocksalt.cif")])
        assert result.exit_code != 0 and "arise: error: device 'cuda'" in result.output
