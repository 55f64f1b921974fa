"""Calibration and error detection on the robustness test sets (ariseml.evaluation.calibration)."""

import math

import numpy as np
import pytest

from ariseml.evaluation.levels import DefectLevel
from ariseml.evaluation.robustness import BenchmarkConfig, benchmark_cases, defective_structure, draw_descriptors
from ariseml.evaluation.calibration import (
    Answers,
    error_detection_auc,
    expected_calibration_error,
    least_confident_classes,
    level_answers,
    reliability_table,
    threshold_table,
)
from ariseml.classifier import Classifier


def _answers(confidence, mutual_information, correct) -> Answers:
    confidence = np.array(confidence, dtype=float)
    return Answers(confidence, np.array(mutual_information, dtype=float), 1.0 - confidence,
                   np.array(correct, dtype=bool), np.array(["fcc_Cu"] * len(confidence)))


def test_calibration_error_and_reliability_bins_by_hand():
    answers = _answers([0.95, 0.95, 0.6, 0.6, 1.0], [0.0] * 5, [True, True, True, False, True])
    # bins of width 1/15: {0.95, 0.95, 1.0} right, mean confidence 0.9667; {0.6, 0.6} half right
    assert expected_calibration_error(answers) == pytest.approx(3 / 5 * (1 - 2.9 / 3) + 2 / 5 * 0.1)
    table = reliability_table(answers, [0.0, 0.5, 0.9, 1.0])
    assert [row.count for row in table] == [0, 2, 3]  # 1.0 falls in the last, closed bin
    assert math.isnan(table[0].accuracy)
    assert (table[1].confidence, table[1].accuracy) == pytest.approx((0.6, 0.5))


def test_error_detection_auc_is_one_when_the_wrong_answers_have_the_highest_mutual_information():
    answers = _answers([0.9, 0.8, 0.7, 0.6], [0.01, 0.02, 0.30, 0.40], [True, True, False, False])
    assert error_detection_auc(answers) == 1.0
    assert error_detection_auc(answers, "doubt") == error_detection_auc(answers, "predictive_entropy") == 1.0
    reversed_order = _answers([0.6, 0.7, 0.8, 0.9], [0.40, 0.30, 0.02, 0.01], [True, True, False, False])
    assert error_detection_auc(reversed_order) == 0.0
    assert math.isnan(error_detection_auc(_answers([0.9], [0.1], [True])))
    with pytest.raises(ValueError, match="mutual_information, predictive_entropy, doubt"):
        error_detection_auc(answers, "entropy")


def test_least_confident_classes_count_and_score_the_doubtful_structures():
    answers = _answers([0.5, 0.6, 0.55, 0.99, 0.4], [0.0] * 5, [True, False, True, True, False])
    answers.true_class = np.array(["hex_graphite_C", "hex_graphite_C", "bct_In", "bct_In", "fcc_Cu"])
    assert least_confident_classes(answers, below=0.7, count=2) == [("hex_graphite_C", 2, 0.5), ("bct_In", 1, 1.0)]


def test_threshold_table_splits_at_each_threshold():
    answers = _answers([0.9] * 4, [0.01, 0.02, 0.30, 0.40], [True, True, True, False])
    low, high = threshold_table(answers, [0.1, 1.0])
    assert (low.share_below, low.accuracy_below, low.accuracy_above) == (0.5, 1.0, 0.5)
    assert (high.share_below, high.accuracy_below) == (1.0, 0.75) and math.isnan(high.accuracy_above)


def test_level_answers_flag_the_papers_fcc_confusion_with_the_highest_mutual_information(tmp_path):
    classifier = Classifier.load("paper", samples=100, seed=0)
    config = BenchmarkConfig(classes=("fcc_Cu", "bcc_W", "rocksalt_NaCl"), supercells=(0,), realisations=2)
    level = DefectLevel(delta=0.01)
    answers = level_answers(classifier, config, level, tmp_path, jobs=1)
    assert len(answers.correct) == 2 * 3 * 2  # draws x classes x (periodic, finite)
    # the paper's model splits periodic fcc between fcc and bct In (docs/benchmark.md, Table 2): its two wrong
    # answers are the periodic fcc cells, with the lowest confidence and the highest mutual information
    assert np.flatnonzero(~answers.correct).tolist() == [0, 6]
    wrong = ~answers.correct
    assert answers.confidence[~wrong].min() > 0.9 and answers.confidence[wrong].max() < 0.6
    assert error_detection_auc(answers) == 1.0
    # a split the passes agree on: high predictive entropy, far lower mutual information (docs/results.md)
    assert answers.predictive_entropy[wrong].min() > 0.5 and answers.mutual_information[wrong].max() < 0.2
    assert len(list(tmp_path.rglob("draw1__descriptors__*.npz"))) == 1
    cached = draw_descriptors(config, level, 1, classifier.settings_, tmp_path)  # read back
    fresh = classifier.describe([defective_structure(case, level) for case in benchmark_cases(config, 1)])
    assert np.allclose(cached, fresh)
