"""The robustness benchmark: its test set, the peers' answers, the accuracies and `arise benchmark`."""

import csv

import numpy as np
import pytest
from click.testing import CliRunner

from ariseml.evaluation import naive_bayes
from ariseml.evaluation.levels import TABLES, TEST_SEED_OFFSET, DefectLevel
from ariseml.evaluation.robustness import (
    BenchmarkCase,
    BenchmarkConfig,
    LevelResult,
    MethodScores,
    accuracies,
    benchmark_cases,
    defective_structure,
    designed_classes,
    draws,
    evaluate_level,
)
from ariseml.classifier import Classifier
from ariseml.structure import space_group
from ariseml.cli import main
from ariseml.prototypes import build


def test_test_set_has_the_papers_size_and_fresh_seeds():
    cases = benchmark_cases(BenchmarkConfig(), draw=0)
    assert len(cases) == 588  # 96 classes x 3 supercells x (periodic, finite) + 12 tubes; x 10 = 5880
    assert sum(c.supercell is None for c in cases) == 12
    seeds = [c.seed for c in cases] + [c.seed for c in benchmark_cases(BenchmarkConfig(), draw=1)]
    assert len(set(seeds)) == len(seeds) and min(seeds) >= TEST_SEED_OFFSET
    assert draws(BenchmarkConfig(), DefectLevel()) == 1 and draws(BenchmarkConfig(), DefectLevel(eta=0.1)) == 10


def test_levels_of_the_three_tables():
    assert [lv.name for lv in TABLES["Table S2"]] == ["δ 7%", "δ 10%", "η 25%", "η 30%"]
    assert TABLES["Table S3"][0].name == "η 1% + δ 0.1%" and len(TABLES["Table S3"]) == 7
    assert len(TABLES["Table 2"]) == 10


def test_defective_structure_is_reproducible_and_defective():
    case = BenchmarkCase("fcc_Cu", 0, True, 3)
    level = DefectLevel(eta=0.1, delta=0.01)
    first, again = defective_structure(case, level), defective_structure(case, level)
    pristine = build("fcc_Cu", supercell=0, periodic=True)
    assert len(first) == len(pristine) - round(0.1 * len(pristine))
    assert np.array_equal(first.positions, again.positions) and first.pbc.all()


def test_spglib_tolerances_separate_pristine_from_displaced():
    pristine = build("fcc_Cu", supercell=0, periodic=True)
    assert space_group(pristine, 1e-4, 1.0) == 225 and space_group(pristine, 0.1, 5.0) == 225
    displaced = defective_structure(BenchmarkCase("fcc_Cu", 0, True, 0), DefectLevel(delta=0.01))
    assert space_group(displaced, 1e-4, 1.0) != 225 and space_group(displaced, 0.1, 5.0) == 225


def test_designed_classes_of_each_kind_of_method():
    classes = ["fcc_Cu", "sc_Po", "rocksalt_NaCl", "graphene", "cnt_4_4"]
    assert designed_classes("ariseml", classes) == classes
    assert designed_classes("spglib-loose", classes) == ["fcc_Cu", "sc_Po", "rocksalt_NaCl"]
    assert designed_classes("ptm", classes) == ["fcc_Cu", "sc_Po", "graphene"]
    assert designed_classes("cna", classes) == ["fcc_Cu"]


def test_accuracy_over_designed_and_all_classes():
    cases = [BenchmarkCase("fcc_Cu", 0, True, 0), BenchmarkCase("fcc_Cu", 0, False, 0),
             BenchmarkCase("rocksalt_NaCl", 0, True, 0), BenchmarkCase("cnt_4_4", None, False, 0)]
    result = LevelResult(DefectLevel(), cases, {
        # per-atom: fcc 90 of 100 atoms right; NaCl not designed (50 atoms); tube (40 atoms) untreatable
        "ptm": MethodScores([100, 100, 50, 40], [90, 0, 0, 0], [None] * 4, [True, False, True, False]),
        # per-structure: wrong on the finite fcc only
        "ariseml": MethodScores([1, 1, 1, 1], [1, 0, 1, 1], ["fcc_Cu", "bcc_W", "rocksalt_NaCl", "cnt_4_4"],
                                [True] * 4),
        # spglib: fcc right, NaCl wrong, the finite fcc and the tube untreatable
        "spglib-tight": MethodScores([1, 1, 1, 1], [1, 0, 0, 0], [225, None, 1, None], [True, False, True, False]),
    })
    classes = ["fcc_Cu", "rocksalt_NaCl", "cnt_4_4"]
    assert accuracies(result, "ptm", classes) == pytest.approx((90.0, 100 * 90 / 190))
    assert accuracies(result, "ariseml", classes) == pytest.approx((75.0, 75.0))
    assert accuracies(result, "spglib-tight", classes) == pytest.approx((50.0, 100 / 3))


def test_shipped_naive_bayes_parameters_classify_like_a_fresh_fit(tmp_path):
    rng = np.random.default_rng(0)
    features = np.concatenate([rng.normal(0, 1, (30, 5)), rng.normal(3, 1, (30, 5))])
    labels = ["a"] * 30 + ["b"] * 30
    gaussian, bernoulli = naive_bayes.fit(features, labels)
    naive_bayes.save(gaussian, bernoulli, tmp_path / "nb.npz")
    loaded_gaussian, loaded_bernoulli = naive_bayes.load(tmp_path / "nb.npz")
    assert list(loaded_gaussian.predict(features)) == list(gaussian.predict(features))
    assert list(loaded_bernoulli.predict(features)) == list(bernoulli.predict(features))
    shipped_gaussian, _ = naive_bayes.load()
    assert len(shipped_gaussian.classes_) == 108


def test_benchmark_command_rejects_unknown_methods(tmp_path):
    result = CliRunner().invoke(main, ["benchmark", "--quick", "--methods", "ariseml,magic", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "unknown method(s) magic" in result.output


@pytest.mark.slow
def test_quick_benchmark_runs_every_method_and_resumes(tmp_path):
    pytest.importorskip("ovito")
    arguments = ["benchmark", "--quick", "--samples", "100", "--cache", str(tmp_path / "cache"),
                 "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(main, arguments, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "| Table S3 |" in result.output and "| PTM, paper |" in result.output
    with open(tmp_path / "out" / "accuracy.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 21 * 10  # every level of the three tables, every method, the default and paper models
    by_key = {(r["level"], r["method"]): r for r in rows}
    assert float(by_key["pristine", "PTM"]["accuracy designed %"]) == 100.0
    assert float(by_key["η 20%", "PTM"]["accuracy designed %"]) < 20.0  # PTM fails with missing atoms
    assert float(by_key["δ 1%", "Spglib, tight"]["accuracy designed %"]) == 0.0
    assert float(by_key["η 20%", "ariseml"]["accuracy designed %"]) > 80.0
    assert float(by_key["η 20%", "ariseml[realistic]"]["accuracy designed %"]) > 80.0
    assert (tmp_path / "out" / "accuracy.png").stat().st_size > 10_000
    again = CliRunner().invoke(main, arguments, catch_exceptions=False)  # everything from the cache
    assert again.exit_code == 0 and "draw" not in again.output


def test_a_model_added_later_reuses_the_draws_descriptors(tmp_path, monkeypatch):
    config = BenchmarkConfig(classes=("fcc_Cu", "bcc_W"), supercells=(0,), realisations=1, samples=10)
    level = DefectLevel(delta=0.01)
    models = {name: Classifier.load(name, samples=10, seed=0) for name in ("paper", "antisite", "outer")}
    first = evaluate_level(config, level, ["ariseml"], {"paper": models["paper"]}, tmp_path, jobs=1)
    assert first.scores["ariseml"].correct == [1.0] * 4

    def no_descriptor(*_):
        raise AssertionError("the descriptors of this draw were cached")

    monkeypatch.setattr("ariseml.evaluation.robustness.arise_soap", no_descriptor)
    second = evaluate_level(config, level, ["ariseml"], {"paper": models["paper"], "antisite": models["antisite"]},
                            tmp_path, jobs=1)
    assert second.scores["ariseml[antisite]"].correct == [1.0] * 4
    with pytest.raises(AssertionError, match="cached"):  # another descriptor setting is computed, not reused
        evaluate_level(config, level, ["ariseml"], {"outer": models["outer"]}, tmp_path, jobs=1)


def test_spglib_finding_p1_for_a_p1_class_does_not_count():
    cases = [BenchmarkCase("ScPSe3", 0, True, 0), BenchmarkCase("fcc_Cu", 0, True, 0)]
    result = LevelResult(DefectLevel(delta=0.01), cases, {
        "spglib-loose": MethodScores([1, 1], [1.0, 1.0], [1, 225], [True, True])})
    assert accuracies(result, "spglib-loose", ["ScPSe3", "fcc_Cu"]) == pytest.approx((100.0, 50.0))


def test_damaged_benchmark_cache_files_are_computed_again(tmp_path):
    config = BenchmarkConfig(classes=("fcc_Cu", "bcc_W"), supercells=(0,), realisations=1, samples=10)
    level = DefectLevel(delta=0.01)
    models = {"paper": Classifier.load("paper", samples=10, seed=0)}
    first = evaluate_level(config, level, ["ariseml", "spglib-loose"], models, tmp_path, jobs=1)
    cached = sorted(path for path in tmp_path.rglob("*") if path.is_file())
    assert any(p.suffix == ".npz" for p in cached) and any(p.suffix == ".json" for p in cached)
    for path in cached:
        path.write_bytes(b"half a file")  # an interrupted copy, a full disk
    again = evaluate_level(config, level, ["ariseml", "spglib-loose"], models, tmp_path, jobs=1)
    assert again.scores["ariseml"].correct == first.scores["ariseml"].correct
    assert again.scores["spglib-loose"].correct == first.scores["spglib-loose"].correct
