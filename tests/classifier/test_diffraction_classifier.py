"""The shipped diffraction ConvNet and the commands around it: classify, explain, train, benchmark."""

from __future__ import annotations

import csv
import json
from importlib import resources

import time

import ase.io
import numpy as np
import pytest
from ase.build import bulk
from click.testing import CliRunner
from scipy.spatial.transform import Rotation

from ariseml.classifier import Classifier, DiffractionClassifier, ModelFileError, load_classifier
from ariseml.cli import main
from ariseml.descriptors.diffraction import diffraction_supercell
from ariseml.prototypes import get_prototype
from ariseml.defects import apply_defects

PROTOTYPE_OF_CLASS = {"bct139": "bct_In", "bct141": "beta_Sn", "hex_rh": "hcp_Mg", "sc": "sc_Po", "fcc": "fcc_Cu",
                      "diamond": "diamond_C", "bcc": "bcc_W"}


@pytest.fixture(scope="module")
def shipped() -> DiffractionClassifier:
    return DiffractionClassifier.load(samples=200, seed=0)


def test_shipped_model_knows_the_papers_seven_classes(shipped):
    assert shipped.classes_ == ["bct139", "bct141", "hex_rh", "sc", "fcc", "diamond", "bcc"]
    assert shipped.metadata_["test_accuracy"] == 1.0
    assert isinstance(load_classifier("diffraction"), DiffractionClassifier)
    assert isinstance(load_classifier("paper"), Classifier)
    shipped_path = resources.files("ariseml.models").joinpath("shipped", "diffraction_convnet")
    with pytest.raises(ModelFileError, match="diffraction-fingerprint model"):
        Classifier.load(str(shipped_path))


def test_pristine_prototypes_and_finite_defective_clusters_are_recognised(shipped):
    pristine = [get_prototype(p).unit_cell() for p in PROTOTYPE_OF_CLASS.values()]
    assert shipped.predict(pristine) == list(PROTOTYPE_OF_CLASS)
    clusters = []
    for structure in pristine:
        supercell = diffraction_supercell(structure)
        supercell.pbc = False  # a finite cluster: used as given
        clusters.append(apply_defects(supercell, eta=0.3, seed=1))
    results = shipped.classify(clusters, top=2)
    assert [r.top_ids[0] for r in results] == list(PROTOTYPE_OF_CLASS)
    assert all(0 <= r.mutual_information < 0.2 for r in results)


def test_classify_command_reads_the_diffraction_model(tmp_path):
    path = tmp_path / "beta_sn.cif"
    ase.io.write(path, get_prototype("beta_Sn").unit_cell())
    result = CliRunner().invoke(main, ["classify", str(path), "--model", "diffraction", "--json", "--seed", "0",
                                       "--samples", "100"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)[0]
    assert record["predictions"][0]["id"] == "bct141"
    assert set(record["predictions"][0]) == {"id", "arise_label", "probability"}


def test_classify_turns_finite_clusters_to_their_axes_unless_told_to_use_the_papers_handling(tmp_path):
    block = bulk("Cu", "fcc", a=3.6, cubic=True).repeat(8)
    block.pbc = False
    distances = np.linalg.norm(block.positions - block.positions.mean(axis=0), axis=1)
    cluster = block[np.argsort(distances, kind="stable")[:400]]  # a 400-atom fcc cluster, randomly turned
    cluster.positions = cluster.positions @ Rotation.random(random_state=1).as_matrix().T
    path = tmp_path / "turned.xyz"
    ase.io.write(path, cluster)
    arguments = ["classify", str(path), "--model", "diffraction", "--json", "--samples", "50"]
    oriented = json.loads(CliRunner().invoke(main, arguments).output)[0]
    as_given = json.loads(CliRunner().invoke(main, [*arguments, "--paper-orientation"]).output)[0]
    assert oriented["predictions"][0]["id"] == "fcc" and as_given["predictions"][0]["id"] != "fcc"
    wrong_model = CliRunner().invoke(main, ["classify", str(path), "--paper-orientation"])
    assert wrong_model.exit_code == 2 and "diffraction model only" in wrong_model.output


def test_large_periodic_cells_are_answered_as_their_cell_and_fast(shipped):
    large = [bulk("Cu", "fcc", a=3.6, cubic=True).repeat(17), bulk("W", "bcc", a=3.16, cubic=True).repeat(22)]
    start = time.perf_counter()
    assert shipped.predict(large) == ["fcc", "bcc"]  # 19,652 and 21,296 atoms
    assert time.perf_counter() - start < 20  # about 1 s


@pytest.mark.slow
def test_a_200k_atom_periodic_fcc_cell_is_answered_fcc_in_seconds(shipped):
    start = time.perf_counter()
    assert shipped.predict([bulk("Cu", "fcc", a=3.6, cubic=True).repeat(37)]) == ["fcc"]  # 202,612 atoms
    assert time.perf_counter() - start < 30  # about 1.5 s


def test_diffraction_classifier_is_reproducible_by_default():
    classifier = DiffractionClassifier.load(samples=20)
    assert classifier.seed == 0 and classifier.orient_clusters
    cluster = diffraction_supercell(get_prototype("hcp_Mg").unit_cell())
    cluster.pbc = False
    first, second = classifier.classify([cluster]), classifier.classify([cluster])
    assert np.array_equal(first[0].probabilities, second[0].probabilities) and first[0].mutual_information > 0


def test_explain_writes_the_response_maps(tmp_path):
    path = tmp_path / "fcc.xyz"
    ase.io.write(path, get_prototype("fcc_Cu").unit_cell())
    out = tmp_path / "explained"
    result = CliRunner().invoke(main, ["explain", str(path), "--layers", "1,6", "--top", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "fcc" in result.output.splitlines()[-1]
    arrays = np.load(out / "response_maps.npz")
    assert arrays["layer1_maps"].shape == (2, 64, 64, 3) and arrays["layer6_maps"].shape == (2, 64, 64, 3)
    assert all((out / name).stat().st_size > 0 for name in ("fingerprint.png", "response_maps.png", "template.png"))
    bad = CliRunner().invoke(main, ["explain", str(path), "--layers", "1,9", "--out", str(tmp_path / "bad")])
    assert bad.exit_code == 2 and "layers 1 to 6" in bad.output


def test_fingerprint_command_writes_an_image_and_an_array(tmp_path):
    path = tmp_path / "w.xyz"
    ase.io.write(path, get_prototype("bcc_W").unit_cell())
    for name in ("w.png", "w.npy"):
        result = CliRunner().invoke(main, ["diffraction", "fingerprint", str(path), "-o", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    assert np.load(tmp_path / "w.npy").shape == (64, 64, 3)
    cluster = diffraction_supercell(get_prototype("bcc_W").unit_cell())
    cluster.pbc = False
    cluster.positions = cluster.positions @ Rotation.random(random_state=2).as_matrix().T
    ase.io.write(tmp_path / "turned.xyz", cluster)
    for name, options in (("oriented.npy", []), ("as_given.npy", ["--paper-orientation"])):
        result = CliRunner().invoke(main, ["diffraction", "fingerprint", str(tmp_path / "turned.xyz"), "-o",
                                           str(tmp_path / name), *options])
        assert result.exit_code == 0, result.output
    assert np.abs(np.load(tmp_path / "oriented.npy") - np.load(tmp_path / "as_given.npy")).mean() > 0.005
    wrong = CliRunner().invoke(main, ["diffraction", "fingerprint", str(path), "-o", str(tmp_path / "w.jpg")])
    assert wrong.exit_code == 2 and ".png or .npy" in wrong.output and not (tmp_path / "w.jpg").exists()


def test_train_command_writes_a_model_that_loads(tmp_path):
    stem = tmp_path / "tiny"
    result = CliRunner().invoke(main, ["diffraction", "train", "--per-class", "10", "--epochs", "1", "--data",
                                       str(tmp_path / "cache"), "-o", str(stem)])
    assert result.exit_code == 0, result.output
    model = DiffractionClassifier.load(stem)
    assert model.metadata_["per_class"] == 10 and model.metadata_["test_size"] == 7
    assert isinstance(load_classifier(stem), DiffractionClassifier)


def test_quick_benchmark_scores_the_convnet_beside_spglib(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["diffraction", "benchmark", "--quick", "--per-class", "1", "--cache",
                                       str(tmp_path / "cache"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Supplementary Table 1" in result.output and "ConvNet, paper" in result.output
    rows = list(csv.DictReader(open(out / "accuracy.csv")))
    pristine = {row["method"]: float(row["accuracy"]) for row in rows if row["level"] == "pristine"}
    assert pristine["convnet"] == 100.0 and pristine["spglib-tight"] == 100.0
    vacancies = {row["method"]: float(row["accuracy"]) for row in rows if row["level"] == "η 50 %"}
    assert vacancies["spglib-loose"] == 0.0
    again = CliRunner().invoke(main, ["diffraction", "benchmark", "--quick", "--per-class", "1", "--cache",
                                      str(tmp_path / "cache"), "--out", str(out)])
    assert again.output.split("command:")[1].strip() == result.output.split("command:")[1].strip()  # from the cache


def test_the_diffraction_benchmark_recomputes_a_damaged_cache_file(tmp_path):
    from ariseml.evaluation.diffraction_robustness import Level, run
    from ariseml.classifier import DiffractionClassifier

    classifier = DiffractionClassifier.load("diffraction", samples=5, seed=0)
    first = run(classifier, [Level(sigma=0.02)], per_class=1, cache=tmp_path, jobs=1, progress=False)
    (cached,) = tmp_path.glob("diffraction_*.npz")
    cached.write_bytes(b"half a file")
    again = run(classifier, [Level(sigma=0.02)], per_class=1, cache=tmp_path, jobs=1, progress=False)
    assert all(np.array_equal(first[0].predicted[m], again[0].predicted[m]) for m in first[0].predicted)
    assert cached.stat().st_size > 100  # written again
