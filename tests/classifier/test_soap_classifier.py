"""The classifier and `arise classify` on a small model trained here on four classes."""

import hashlib
import json
from pathlib import Path

import ase.io
import numpy as np
import pytest
import torch
from ase import Atoms
from click.testing import CliRunner

from ariseml.classifier import SHIPPED_DIFFRACTION_MODELS, SHIPPED_MODELS, Classifier, ModelFileError
from ariseml.classifier.classification import doubt_note
from ariseml.cli import main
from ariseml.errors import InputError
from ariseml.descriptors.soap import SoapSettings
from ariseml.prototypes import build
from ariseml.training.dataset import describe
from ariseml.training.paper_set import pristine_structures
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
    with pytest.raises(ModelFileError, match="no model"):
        Classifier.load(tmp_path / "absent")


def _write_bad_inputs(folder: Path) -> dict[str, str]:
    """Files no structure can be read from or no answer given to, with a word the error line must hold."""
    crystal = build("fcc_Cu", supercell=0)
    overlapping = crystal.copy()
    overlapping.append("Cu")
    overlapping.positions[-1] = overlapping.positions[0] + [0.01, 0, 0]
    far = crystal.copy()
    far.positions[0, 0] = 1e200
    unknown_element = crystal.copy()
    unknown_element.numbers[0] = 200
    ase.io.write(folder / "nan.xyz", Atoms("Cu12", positions=np.r_[crystal.positions[:11], [[np.nan, 0, 0]]]))
    ase.io.write(folder / "dimer.xyz", Atoms("Cu2", positions=[[0, 0, 0], [2.5, 0, 0]]))
    ase.io.write(folder / "overlap.xyz", overlapping)
    ase.io.write(folder / "far.xyz", far)
    ase.io.write(folder / "z200.traj", unknown_element)
    (folder / "symbol.xyz").write_text("2\n\nXx 0 0 0\nCu 2.5 0 0\n")
    (folder / "bytes.xyz").write_bytes(bytes(range(256)) * 4)
    ase.io.write(folder / "cu.unknown", crystal, format="xyz")
    (folder / "garbage.cif").write_text("this is not a crystal\n")
    (folder / "a_folder").mkdir()
    return {"nan.xyz": "NaN", "dimer.xyz": "too few for a crystal environment", "overlap.xyz": "atoms overlap",
            "far.xyz": "beyond 1e+06", "z200.traj": "200 are not elements", "symbol.xyz": "element symbol 'Xx'",
            "bytes.xyz": "not a text file", "cu.unknown": "--format", "garbage.cif": "cannot read it",
            "a_folder": "is a folder"}


def test_cli_classifies_good_files_and_reports_each_bad_one(small_model, tmp_path):
    trajectory = tmp_path / "frames.xyz"
    broken = build("hcp_Mg", supercell=0)
    broken.positions[3, 1] = np.nan
    ase.io.write(trajectory, [build("fcc_Cu", supercell=0), broken, build("bcc_W", supercell=0)])
    bad = _write_bad_inputs(tmp_path)
    files = [str(trajectory)] + [str(tmp_path / name) for name in bad]
    result = CliRunner().invoke(main, ["classify", *files, "--model", str(small_model), "--json", "--samples", "100"])
    assert result.exit_code == 1, result.output
    records = json.loads(result.stdout)
    answered = [r for r in records if "error" not in r]
    assert [(r["frame"], r["predictions"][0]["id"]) for r in answered] == [(0, "fcc_Cu"), (2, "bcc_W")]
    assert set(answered[0]) == {"file", "frame", "n_atoms", "predictions", "mutual_information",
                                "predictive_entropy", "notes"}
    assert set(answered[0]["predictions"][0]) == {"id", "arise_label", "probability"}
    refused = [r for r in records if "error" in r]
    assert [(r["file"], r["frame"]) for r in refused][0] == (str(trajectory), 1)
    assert [r["file"] for r in refused[1:]] == [str(tmp_path / name) for name in bad]
    errors = result.stderr.strip().splitlines()
    assert len(errors) == len(bad) + 1 and errors[0].startswith(f"arise: error: {trajectory}: frame 1: ")
    for line, (name, word) in zip(errors[1:], bad.items()):
        assert line.startswith(f"arise: error: {tmp_path / name}:") and word in line, line
    table = CliRunner().invoke(main, ["classify", str(tmp_path / "cu.unknown"), "--format", "xyz",
                                      "--model", str(small_model)])
    assert table.exit_code == 0 and "1. fcc_Cu" in table.stdout


def test_an_answer_is_reproducible_and_flags_small_clusters_anddoubt_note(small_model, tmp_path):
    cluster = build("fcc_Cu", supercell=0)
    small = cluster[np.argsort(np.linalg.norm(cluster.positions - cluster.positions.mean(0), axis=1))[:43]]
    ase.io.write(tmp_path / "small.xyz", small)
    runs = [CliRunner().invoke(main, ["classify", str(tmp_path / "small.xyz"), "--model", str(small_model),
                                      "--samples", "50", "--json"]) for _ in range(2)]
    assert runs[0].exit_code == 0 and runs[0].stdout == runs[1].stdout
    assert any(note.startswith("small cluster: 43 atoms") for note in json.loads(runs[0].stdout)[0]["notes"])
    assert Classifier.load(small_model).seed == 0
    result = Classifier.load(small_model, samples=50).classify(small)[0]
    assert result.notes[0].startswith("small cluster: 43 atoms")
    with pytest.raises(InputError, match="structure 1: 2 atoms and no periodicity"):
        Classifier.load(small_model).classify([small, small[:2]])
    torn = doubt_note(np.array([0.1, 0.55, 0.35]), ["a", "b", "c"])
    assert torn == "uncertain: torn between b (0.55) and c (0.35)" and doubt_note(np.array([0.9, 0.1]), "ab") is None
    explained = doubt_note(np.array([0.6, 0.4]), ["fcc_Cu", "bct_In"])
    assert explained.endswith("(0.40): bct In is fcc stretched 7.5 % along one cube axis (face-centred c/a 1.075)")


@pytest.mark.parametrize("change, message", [
    ("no checksum", "is not the metadata of a model written by ariseml (KeyError: 'sha256')"),
    ("bad json", "is not the metadata of a model written by ariseml (JSONDecodeError"),
    ("truncated weights", "does not hold the network its metadata describes"),
    ("no hidden", "lacks what the network needs (KeyError: 'hidden')"),
])
def test_a_broken_model_file_is_one_line(small_model, tmp_path, change, message):
    broken = tmp_path / "broken"
    weights = small_model.with_suffix(".pt").read_bytes()
    record = json.loads(small_model.with_suffix(".json").read_text())
    if change == "truncated weights":
        weights = weights[:len(weights) // 2]
        record["sha256"] = hashlib.sha256(weights).hexdigest()
    record.pop({"no checksum": "sha256", "no hidden": "hidden"}.get(change, ""), None)
    broken.with_suffix(".pt").write_bytes(weights)
    broken.with_suffix(".json").write_text("{" if change == "bad json" else json.dumps(record))
    result = CliRunner().invoke(main, ["classify", "--model", str(broken), "x.xyz"])
    assert result.exit_code == 2 and result.output.count("\n") == 1 and message in result.output, result.output


def test_an_unknown_model_name_lists_the_shipped_ones():
    result = CliRunner().invoke(main, ["classify", "--model", "papr", "x.xyz"])
    assert result.exit_code == 2
    names = ", ".join([*SHIPPED_MODELS, *SHIPPED_DIFFRACTION_MODELS])
    assert f"no model 'papr': not a shipped model ({names})" in result.output and "paper, outer" in names


def test_one_file_failing_unexpectedly_costs_only_itself(small_model, tmp_path, monkeypatch):
    for name in ("a.xyz", "b.xyz"):
        ase.io.write(tmp_path / name, build("bcc_W", supercell=0))
    describe = Classifier.describe

    def failing_for_a(self, structures, progress=False):
        if len(structures[0]) and structures[0].info.get("fail"):
            raise RuntimeError("boom")
        return describe(self, structures, progress)

    failing = build("bcc_W", supercell=0)
    failing.info["fail"] = True
    ase.io.write(tmp_path / "a.xyz", failing)
    monkeypatch.setattr(Classifier, "describe", failing_for_a)
    result = CliRunner().invoke(main, ["classify", str(tmp_path / "a.xyz"), str(tmp_path / "b.xyz"),
                                       "--model", str(small_model), "--samples", "20"])
    assert result.exit_code == 1 and "1. bcc_W" in result.stdout
    assert "a.xyz: internal error (RuntimeError: boom); please report it" in result.stderr


def test_only_the_packages_own_input_errors_are_bad_input(monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("a bug, not bad input")

    monkeypatch.setattr("ariseml.prototypes.all_prototypes", broken)
    result = CliRunner().invoke(main, ["prototypes"])
    assert result.exit_code == 1 and isinstance(result.exception, ValueError)


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


def test_the_public_names_import_from_the_package_without_pytorch_until_used():
    import subprocess
    import sys

    probe = ("import sys, ariseml; assert 'torch' not in sys.modules; "
             "from ariseml import Classifier, DiffractionClassifier, load_classifier, Classification; "
             "assert 'torch' in sys.modules and load_classifier('realistic').metadata_['members'] == 5")
    subprocess.run([sys.executable, "-c", probe], check=True)
    import ariseml

    assert set(ariseml.__all__) >= {"Classifier", "load_classifier", "scan", "SpmSettings"}
    assert ariseml.scan.__module__ == "ariseml.spm.run"
    with pytest.raises(AttributeError, match="no attribute 'classify'"):
        ariseml.classify


def test_a_classification_prints_its_top_classes_not_every_probability():
    result = Classifier.load("paper", samples=50).classify(build("fcc_Cu", supercell=0), top=2)[0]
    text = repr(result)
    assert text.startswith("Classification(fcc_Cu 0.") and "mutual information" in text
    assert len(text) < 200 and text.count(",") < 5


def test_the_classifier_owns_the_passes_early_settling_included():
    from ariseml.errors import InputError

    settled = Classifier.load("paper", samples=200, settle=0.05)
    features = settled.describe([build("fcc_Cu", supercell=0)])
    assert settled.predict_arrays(features).passes[0] < 200  # a sure answer stops early
    assert Classifier.load("paper", samples=200).predict_arrays(features).passes[0] == 200
    with pytest.raises(InputError, match="`settle` must be a finite positive"):
        Classifier(settle=float("nan"))
