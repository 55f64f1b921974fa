"""How far to trust the classifier's probabilities and mutual information, on the robustness test sets.

For every structure of the defective test sets (:mod:`ariseml.evaluation.robustness`, the
same draws and cached descriptors) the top class's mean probability (the confidence), the
mutual information and whether the top class is right. From them:

- calibration: per confidence bin, the share of right answers (a reliability table) and the
  expected calibration error, ECE = Σ_bins (n_bin / N) |accuracy_bin − confidence_bin|;
- error detection: the area under the ROC curve of the mutual information, the predictive entropy
  or one minus the confidence as a score for "this answer is wrong" (0.5: no better than chance,
  1: perfect);
- selective classification: the share of structures below a mutual-information threshold and
  the accuracy on them and on the rest, which says which threshold to act on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from ariseml.evaluation.levels import DefectLevel
from ariseml.evaluation.robustness import BenchmarkConfig, benchmark_cases, draw_descriptors, draws
from ariseml.classifier import Classifier
from ariseml.errors import InputError


@dataclass
class Answers:
    """Per structure: the top class's probability, the mutual information and predictive entropy (nats),
    right or wrong, and the true class."""

    confidence: np.ndarray
    mutual_information: np.ndarray
    predictive_entropy: np.ndarray
    correct: np.ndarray  # bool
    true_class: np.ndarray  # class ids

    @classmethod
    def join(cls, parts: Sequence[Answers]) -> Answers:
        return cls(*(np.concatenate([getattr(p, field.name) for p in parts]) for field in fields(cls)))

    @property
    def accuracy(self) -> float:
        return float(self.correct.mean())


def level_answers(classifier: Classifier, config: BenchmarkConfig, level: DefectLevel, cache_dir: Path,
                  jobs: int | None = None, progress: bool = False) -> Answers:
    """The classifier's answers on every draw of one defect level."""
    parts = []
    for draw in range(draws(config, level)):
        features = draw_descriptors(config, level, draw, classifier.settings_, cache_dir, jobs, progress)
        prediction = classifier.predict_arrays(features)
        top = prediction.probabilities.argmax(axis=1)
        truth = np.array([case.prototype_id for case in benchmark_cases(config, draw)])
        parts.append(Answers(prediction.probabilities[np.arange(len(top)), top].astype(float),
                             prediction.mutual_information.astype(float),
                             prediction.predictive_entropy.astype(float),
                             np.asarray(classifier.classes_)[top] == truth, truth))
    return Answers.join(parts)


@dataclass(frozen=True)
class ReliabilityBin:
    low: float
    high: float
    count: int
    confidence: float  # mean confidence in the bin (nan when empty)
    accuracy: float  # share right in the bin (nan when empty)


def reliability_table(answers: Answers, edges: Sequence[float]) -> list[ReliabilityBin]:
    """Per confidence bin [low, high) (the last one closed): count, mean confidence, accuracy."""
    edges = np.asarray(edges, dtype=float)
    which = np.clip(np.searchsorted(edges, answers.confidence, side="right") - 1, 0, len(edges) - 2)
    table = []
    for number, (low, high) in enumerate(zip(edges[:-1], edges[1:])):
        inside = which == number
        count = int(inside.sum())
        table.append(ReliabilityBin(float(low), float(high), count,
                                    float(answers.confidence[inside].mean()) if count else float("nan"),
                                    float(answers.correct[inside].mean()) if count else float("nan")))
    return table


def expected_calibration_error(answers: Answers, bins: int = 15) -> float:
    """ECE over ``bins`` equal-width confidence bins on [0, 1]."""
    table = reliability_table(answers, np.linspace(0.0, 1.0, bins + 1))
    total = sum(b.count for b in table)
    return float(sum(b.count / total * abs(b.accuracy - b.confidence) for b in table if b.count))


ERROR_SCORES = ("mutual_information", "predictive_entropy", "doubt")
"""What :func:`error_detection_auc` can rank by; "doubt" is one minus the confidence."""


def error_detection_auc(answers: Answers, score: str = "mutual_information") -> float:
    """ROC AUC of ``score`` (one of ERROR_SCORES) for telling wrong answers from right ones; nan when all
    answers are right or all wrong."""
    if score not in ERROR_SCORES:
        raise InputError(f"score must be one of {', '.join(ERROR_SCORES)}, not {score!r}")
    wrong = ~answers.correct
    if wrong.all() or not wrong.any():
        return float("nan")
    values = 1.0 - answers.confidence if score == "doubt" else getattr(answers, score)
    return float(roc_auc_score(wrong, values))


@dataclass(frozen=True)
class ThresholdRow:
    threshold: float
    share_below: float  # of all structures
    accuracy_below: float
    accuracy_above: float


def threshold_table(answers: Answers, thresholds: Sequence[float]) -> list[ThresholdRow]:
    """Per mutual-information threshold: the share of structures below it and the accuracy below and above."""
    rows = []
    for threshold in thresholds:
        below = answers.mutual_information < threshold
        rows.append(ThresholdRow(float(threshold), float(below.mean()),
                                 float(answers.correct[below].mean()) if below.any() else float("nan"),
                                 float(answers.correct[~below].mean()) if (~below).any() else float("nan")))
    return rows


def least_confident_classes(answers: Answers, below: float, count: int) -> list[tuple[str, int, float]]:
    """The ``count`` true classes most often answered with confidence below ``below``: (class, how many
    such structures, the share of them answered right)."""
    doubtful = answers.confidence < below
    classes, numbers = np.unique(answers.true_class[doubtful], return_counts=True)
    order = np.argsort(-numbers, kind="stable")[:count]
    return [(str(classes[i]), int(numbers[i]),
             float(answers.correct[doubtful & (answers.true_class == classes[i])].mean())) for i in order]
