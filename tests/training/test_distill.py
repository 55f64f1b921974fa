"""A student network reproduces its teacher's Monte-Carlo answers in one pass, and loads as a model."""

import numpy as np
import pytest
from ase.build import bulk

from ariseml.classifier import Classifier
from ariseml.errors import InputError
from ariseml.training.distill import distill


@pytest.fixture(scope="module")
def teacher():
    return Classifier.load("realistic", samples=20, seed=0)


def _crystals():
    cells = [bulk("Cu", "fcc", a=3.61, cubic=True).repeat(3), bulk("Fe", "bcc", a=2.87, cubic=True).repeat(4),
             bulk("Mg", "hcp", a=3.21, c=5.21).repeat((4, 4, 3))]
    structures = []
    for number in range(16):
        for cell in cells:
            noisy = cell.copy()
            noisy.rattle(0.02 + 0.01 * number, seed=number)  # up to thermal motion near melting
            structures.append(noisy)
    return structures


def test_a_student_follows_its_teacher_and_resumes_from_its_answers(teacher, tmp_path, monkeypatch):
    features = teacher.describe(_crystals())
    report = distill(teacher, features, tmp_path / "student", epochs=100, progress=False)
    assert report.inputs == 2 * len(features) and report.agreement > 0.8
    student = Classifier.load(tmp_path / "student")
    answer, truth = student.predict_arrays(features), teacher.predict_arrays(features)
    assert np.mean(answer.probabilities.argmax(1) == truth.probabilities.argmax(1)) > 0.95
    assert np.all(answer.passes == 1) and np.all(answer.mutual_information >= 0)
    with pytest.raises(InputError, match="student"):
        student.predict_arrays(features, keep_hidden=True)

    def no_passes(*_, **__):
        raise AssertionError("the teacher's answers were computed again")

    monkeypatch.setattr(teacher, "predict_arrays", no_passes)
    assert distill(teacher, features, tmp_path / "student", epochs=2, progress=False).inputs == 2 * len(features)
