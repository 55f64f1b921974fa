"""The helpers of the realistic evaluation suite (benchmarks/realistic.py) on tiny inputs."""

from __future__ import annotations

import csv
import importlib
import math
from pathlib import Path
from types import ModuleType, SimpleNamespace

import numpy as np
import pytest
from ase.build import bulk

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def realistic() -> ModuleType:
    """The script as a module (it imports its neighbours in benchmarks/)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(BENCHMARKS))
        yield importlib.import_module("realistic")


def _answers(realistic, probabilities):
    probabilities = np.array(probabilities, dtype=float)
    return realistic.Answers(["a", "b", "c"][:probabilities.shape[1]], probabilities,
                             np.zeros(len(probabilities)), np.zeros(len(probabilities)))


def test_cells_and_tables(realistic, tmp_path):
    assert realistic.cell(0.5, "%") == "50.0 %"
    assert realistic.cell(0.12345, ".3f") == "0.123"
    assert realistic.cell(None, "%") == realistic.cell(math.nan, ".3f") == "–"
    table = realistic.Table("tiny", "A tiny table", [("model", ""), ("right", "%"), ("AUC", ".3f")],
                            [["paper", 0.995, None]])
    assert table.markdown().splitlines() == ["| model | right | AUC |", "|---|---|---|", "| paper | 99.5 % | – |"]
    with open(table.write_csv(tmp_path)) as handle:
        assert list(csv.reader(handle)) == [["model", "right", "AUC"], ["paper", "0.995", ""]]
    assert [path.name for path in tmp_path.iterdir()] == ["tiny.csv"]  # no temporary file left


def test_calibration_error_by_hand(realistic):
    answers = _answers(realistic, [[0.95, 0.05], [0.05, 0.95], [0.65, 0.35], [0.35, 0.65]])
    scored = answers.scored(answers.answer == np.array(["a", "b", "a", "a"]), ["a", "b", "a", "a"])
    # bin [0.9, 1]: confidence 0.95, all right; bin [0.6, 0.7): confidence 0.65, half right
    expected = 0.5 * 0.05 + 0.5 * 0.15
    assert realistic.calibration_error([scored]) == pytest.approx(expected)
    assert realistic.calibration_error([scored, scored]) == pytest.approx(expected)


def test_the_summary_gives_the_calibration_error_over_all_parts_and_per_part(realistic):
    sure = _answers(realistic, [[0.95, 0.05], [0.05, 0.95]])
    unsure = _answers(realistic, [[0.65, 0.35], [0.35, 0.65]])
    outcomes = {"md": realistic.Outcome([], scored={"m": [unsure.scored(np.array([True, False]), ["a", "a"])]}),
                "real": realistic.Outcome([], scored={"m": [sure.scored(np.array([True, True]), ["a", "b"])]})}
    rows = {row[0]: row[2] for row in realistic.summary(outcomes, ["m"]).rows}
    assert rows["ECE, 10 bins of top probability"].startswith("0.1000 (4 structures) ✗")  # 0.5 · 0.05 + 0.5 · 0.15
    assert rows["ECE per part"] == "md 0.1500 · real 0.0500"


def test_margins_and_melt_auc(realistic):
    answers = _answers(realistic, [[0.7, 0.2, 0.1]] * 3)
    assert realistic.margins(answers, ["a", "b", "unknown"]) == pytest.approx([0.5, -0.5, -0.7])
    melt = np.array([False, False, True, True])
    assert realistic.melt_auc(melt, np.array([0.1, 0.2, 0.8, 0.9])) == 1.0
    assert realistic.melt_auc(melt, np.array([0.9, 0.8, 0.2, 0.1])) == 0.0
    assert math.isnan(realistic.melt_auc(np.zeros(3, dtype=bool), np.array([0.1, 0.2, 0.3])))


def test_cache_keys_follow_the_structure_and_the_model(realistic):
    atoms = bulk("Cu", "fcc", a=3.6, cubic=True)
    key = realistic.structure_key(atoms)
    labelled = atoms.copy()
    labelled.info["class_id"] = "fcc_Cu"
    assert realistic.structure_key(labelled) == key
    moved, flat = atoms.copy(), atoms.copy()
    moved.positions[0, 0] += 1e-6
    flat.pbc = (True, True, False)
    assert len({key, realistic.structure_key(moved), realistic.structure_key(flat)}) == 3
    answer = realistic.answer_key("f" * 64, 1000, 0, key)
    assert answer == realistic.answer_key("f" * 64, 1000, 0, key)
    assert len({answer, realistic.answer_key("e" * 64, 1000, 0, key), realistic.answer_key("f" * 64, 100, 0, key),
                realistic.answer_key("f" * 64, 1000, 1, key)}) == 4


def test_answers_are_cached_per_structure(realistic, tmp_path):
    described = []

    def describe(structures):
        described.append(len(structures))
        return np.array([[len(atoms)] for atoms in structures], dtype=float)

    def predict_descriptors(features, top):
        return [SimpleNamespace(probabilities=np.array([0.25, 0.75]) if row[0] > 1 else np.array([0.9, 0.1]),
                                mutual_information=0.01, predictive_entropy=0.2) for row in features]

    def fake(sha256: str) -> SimpleNamespace:
        return SimpleNamespace(metadata_={"sha256": sha256}, samples=10, seed=0, classes_=["a", "b"],
                               settings_=SimpleNamespace(to_dict=lambda: {"n_max": 9}), describe=describe,
                               predict_descriptors=predict_descriptors)

    suite = realistic.Suite({"fake": fake("0" * 64), "other": fake("1" * 64)}, tmp_path, tmp_path)
    single, cell = bulk("Cu", "fcc", a=3.6), bulk("Cu", "fcc", a=3.6, cubic=True)
    first = suite.answers("fake", [single, cell], "test")
    again = suite.answers("fake", [cell, single, cell], "test")
    assert described == [2]  # the second call reads every answer from the cache
    assert list(first.answer) == ["a", "b"] and list(again.answer) == ["b", "a", "b"]
    assert again.confidence == pytest.approx([0.75, 0.9, 0.75])
    other = suite.answers("other", [cell, single], "test")  # another model: its own answers, the same descriptors
    assert described == [2] and list(other.answer) == ["b", "a"]


def test_parts_are_checked_and_ordered(realistic):
    assert realistic.parse_parts("stem, pristine,stem") == ["pristine", "stem"]
    with pytest.raises(ValueError, match="unknown part"):
        realistic.parse_parts("pristine,liquids")


def test_unknown_crystals_are_none_of_the_classes(realistic):
    from ariseml.prototypes import all_prototypes

    crystals = realistic.unknown_crystals(count=8)
    assert len(crystals) == 8 and len({label for label, _ in crystals}) == 8
    assert [label for label, _ in crystals] == [label for label, _ in realistic.unknown_crystals(count=8)]
    ours = {realistic._class_signature(p.unit_cell()) for p in all_prototypes() if not p.is_nanotube and not p.is_2d}
    for label, atoms in crystals:
        assert len(set(atoms.numbers)) <= 2 and len(atoms) <= 16
        assert realistic._class_signature(atoms) not in ours, label
    assert realistic._class_signature(bulk("Cu", "fcc", a=3.6)) in ours  # fcc is a class: it would be left out
