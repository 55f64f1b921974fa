"""Distillation (``arise distill``; not in the paper): a student network trained to reproduce a teacher's
T-pass Monte-Carlo answers, the mean probabilities and the mutual information, in one deterministic pass."""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ariseml.classifier import Classifier
from ariseml.io import read_arrays
from ariseml.models.bayesian_mlp import first_member
from ariseml.models.files import write_model
from ariseml.models.student import STUDENT_KIND, StudentMLP, student_predict
from ariseml.spm.store import RUN_KEY, record_key, save_checked

TEACHER_BATCH = 2048
"""Rows the teacher answers at once; its answers are saved after each batch, so an interrupted run resumes."""
VALIDATION_SHARE = 0.1
BATCH_SIZE = 512
LEARNING_RATE = 1e-3
INFORMATION_WEIGHT = 10.0
"""Weight of the squared error of the mutual information (nats²) beside the KL divergence of the probabilities
(on per-atom MD descriptors, benchmarks/student.py: mean |Δ MI| to the teacher 0.016 nats with 10, 0.021 with 1)."""


@dataclass(frozen=True)
class DistilledReport:
    """How closely the student follows the teacher on held-out inputs."""

    agreement: float  # share of held-out inputs whose most probable class is the teacher's
    top_probability_error: float  # mean |student - teacher| of the teacher's top class's probability
    information_error: float  # mean |student - teacher| mutual information, nats
    best_epoch: int
    inputs: int


def mixed_inputs(features: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One input per row between two random rows (weights uniform in [0, 1]): the teacher's answers between the
    classes, where its doubt lies, which the training rows alone hardly show."""
    first, second = rng.integers(len(features), size=(2, len(features)))
    weight = rng.random((len(features), 1), dtype=np.float32)
    return weight * features[first] + (1 - weight) * features[second]


def teacher_answers(teacher: Classifier, inputs: np.ndarray, cache: Path, progress: bool = True
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The teacher's mean probabilities and mutual information on ``inputs``, batch by batch into ``cache``."""
    from tqdm.auto import tqdm

    key = record_key({"teacher_sha256": teacher.metadata_.get("sha256", ""), "samples": teacher.samples,
                      "seed": teacher.seed, "inputs_sha256": hashlib.sha256(inputs.tobytes()).hexdigest()})
    cache.mkdir(parents=True, exist_ok=True)
    probabilities, information = [], []
    for start in tqdm(range(0, len(inputs), TEACHER_BATCH), desc="teacher passes", unit="batch",
                      disable=not progress):
        path = cache / f"batch-{start // TEACHER_BATCH}.npz"
        stored = read_arrays(path)  # None when missing or damaged; another teacher's answers are replaced
        if stored is None or str(stored.pop(RUN_KEY, "")) != key:
            prediction = teacher.predict_arrays(inputs[start:start + TEACHER_BATCH])
            stored = {"probabilities": prediction.probabilities, "information": prediction.mutual_information}
            save_checked(path, key, stored)
        probabilities.append(stored["probabilities"])
        information.append(stored["information"])
    return np.concatenate(probabilities), np.concatenate(information).astype(np.float32)


def train_student(teacher: Classifier, inputs: np.ndarray, probabilities: np.ndarray, information: np.ndarray,
                  epochs: int, seed: int = 0, progress: bool = True) -> tuple[StudentMLP, DistilledReport]:
    """A student of the teacher's widths and input handling (its standardisation copied), trained on the teacher's
    answers; the epoch with the lowest held-out loss is kept."""
    from tqdm.auto import tqdm

    torch.manual_seed(seed)
    first = first_member(teacher.model_)
    student = StudentMLP(inputs.shape[1], len(teacher.classes_), tuple(layer.out_features for layer in first.hidden),
                         first.standardised, first.log_epsilon, first.linear_inputs)
    if first.standardised:
        student.body.input_mean.copy_(first.input_mean.cpu())
        student.body.input_scale.copy_(first.input_scale.cpu())
    order = np.random.default_rng(seed).permutation(len(inputs))
    held = order[:int(VALIDATION_SHARE * len(inputs))]
    used = order[len(held):]
    x = torch.as_tensor(inputs, dtype=torch.float32)
    p = torch.as_tensor(probabilities, dtype=torch.float32)
    mi = torch.as_tensor(information, dtype=torch.float32)
    optimizer = torch.optim.Adam(student.parameters(), lr=LEARNING_RATE)

    def loss_of(rows: np.ndarray | torch.Tensor) -> torch.Tensor:
        logits, mutual = student(x[rows])
        divergence = nn.functional.kl_div(torch.log_softmax(logits, dim=-1), p[rows], reduction="batchmean")
        return divergence + INFORMATION_WEIGHT * torch.mean((mutual - mi[rows]) ** 2)

    best, best_loss, best_epoch = copy.deepcopy(student.state_dict()), np.inf, 0
    for epoch in tqdm(range(1, epochs + 1), desc="student", unit="epoch", disable=not progress):
        student.train()
        shuffled = torch.as_tensor(np.random.default_rng(seed + epoch).permutation(used))
        for batch in shuffled.split(BATCH_SIZE):
            optimizer.zero_grad()
            loss_of(batch).backward()
            optimizer.step()
        student.eval()
        with torch.no_grad():
            held_loss = float(loss_of(held))
        if held_loss < best_loss:
            best, best_loss, best_epoch = copy.deepcopy(student.state_dict()), held_loss, epoch
    student.load_state_dict(best)
    answer = student_predict(student, inputs[held])
    top = probabilities[held].argmax(axis=1)
    report = DistilledReport(
        agreement=float(np.mean(answer.probabilities.argmax(axis=1) == top)),
        top_probability_error=float(np.mean(np.abs(answer.probabilities[np.arange(len(held)), top]
                                                   - probabilities[held, top]))),
        information_error=float(np.mean(np.abs(answer.mutual_information - information[held]))),
        best_epoch=best_epoch, inputs=len(inputs))
    return student, report


def distill(teacher: Classifier, features: np.ndarray, output: Path, epochs: int = 60, seed: int = 0,
            progress: bool = True) -> DistilledReport:
    """Train a student of ``teacher`` on ``features`` (the teacher's training inputs) and as many inputs mixed
    from them; write ``output.pt`` and ``output.json`` (classes, descriptor, the teacher and the report)."""
    from dataclasses import asdict

    rng = np.random.default_rng(seed)
    inputs = np.concatenate([features, mixed_inputs(features, rng)]).astype(np.float32)
    probabilities, information = teacher_answers(teacher, inputs, Path(f"{output}.teacher"), progress)
    student, report = train_student(teacher, inputs, probabilities, information, epochs, seed, progress)
    first = first_member(teacher.model_)
    write_model(Path(output).with_suffix(".pt"), student.state_dict(), {
        "kind": STUDENT_KIND, "classes": teacher.classes_, "descriptor": teacher.settings_.to_dict(),
        "hidden": [layer.out_features for layer in first.hidden], "standardised": first.standardised,
        "log_epsilon": first.log_epsilon, "linear_inputs": first.linear_inputs,
        "teacher": {"sha256": teacher.metadata_.get("sha256", ""), "samples": teacher.samples, "seed": teacher.seed,
                    "recipe": teacher.metadata_.get("recipe"), "augmentation": teacher.metadata_.get("augmentation")},
        "distillation": {"epochs": epochs, "seed": seed, "mixed_per_row": 1, **asdict(report)}})
    return report
