"""One structure's answer (``Classification``) and how both classifiers build it from the Monte-Carlo passes."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from ase import Atoms

from ariseml.errors import InputError
from ariseml.models.monte_carlo import MonteCarloPrediction
from ariseml.prototypes.pairs import difference
from ariseml.structure import check_structure

DOUBT_BELOW = 0.7
"""Below this top probability an answer carries a note: on the robustness test sets the paper's model is
right 69 % of the time at confidence 0.5-0.7, mostly torn between two classes (docs/results.md, "How far to trust the probabilities")."""


@dataclass
class Classification:
    """One structure's answer: the most similar prototypes, how sure, and the uncertainty (nats)."""

    top_ids: list[str]
    top_labels: list[str]
    top_probabilities: list[float]
    mutual_information: float
    predictive_entropy: float
    probabilities: np.ndarray
    hidden: list[np.ndarray] | None = None  # per hidden layer, after its ReLU, mean over the passes
    hidden_before_relu: list[np.ndarray] | None = None
    notes: list[str] = dataclasses.field(default_factory=list)  # a small cluster, a doubtful answer (DOUBT_BELOW)

    def __repr__(self) -> str:
        """The top classes with their probabilities and the uncertainty, not the full probability vector."""
        top = ", ".join(f"{i} {p:.3f}" for i, p in zip(self.top_ids, self.top_probabilities))
        notes = f", notes={self.notes}" if self.notes else ""
        return (f"Classification({top}; mutual information {self.mutual_information:.3g} nats, predictive entropy "
                f"{self.predictive_entropy:.3g} nats{notes})")

    def predictions(self) -> list[dict[str, Any]]:
        """``arise_label``: the class's name in the ARISE data set (the diffraction model: its description)."""
        return [{"id": i, "arise_label": label, "probability": p}
                for i, label, p in zip(self.top_ids, self.top_labels, self.top_probabilities)]


def doubt_note(probabilities: np.ndarray, classes: Sequence[str]) -> str | None:
    """A note naming the two most probable classes when the first is below ``DOUBT_BELOW``, and what separates
    them when they are a known similar pair (``prototypes.pairs``)."""
    first, second = np.argsort(probabilities)[::-1][:2]
    if probabilities[first] >= DOUBT_BELOW:
        return None
    note = (f"uncertain: torn between {classes[first]} ({probabilities[first]:.2f}) and {classes[second]} "
            f"({probabilities[second]:.2f})")
    separating = difference(classes[first], classes[second])
    return f"{note}: {separating}" if separating else note


def answer_checked(structures: Atoms | Sequence[Atoms], answer: Callable[[list[Atoms]], list[Classification]]
                   ) -> list[Classification]:
    """``answer`` for the structures (one ``Atoms`` alone too) after ``check_structure``, whose notes come first
    in each result; an ``InputError`` names a refused structure."""
    structures = [structures] if isinstance(structures, Atoms) else list(structures)
    if not structures:
        raise InputError("no structures to classify: give at least one ase.Atoms")
    notes = []
    for number, atoms in enumerate(structures):
        try:
            notes.append(check_structure(atoms))
        except InputError as error:
            raise InputError(f"structure {number}: {error}") from error
    results = answer(structures)
    for result, structure_notes in zip(results, notes):
        result.notes[:0] = structure_notes
    return results


def classifications(prediction: MonteCarloPrediction, classes: Sequence[str], labels: Sequence[str], top: int,
                    keep_hidden: bool = False) -> list[Classification]:
    """One ``Classification`` per row of ``prediction``: its ``top`` classes, uncertainty and doubt note."""
    results = []
    for row, probabilities in enumerate(prediction.probabilities):
        order = np.argsort(probabilities)[::-1][:top]
        results.append(Classification(
            top_ids=[classes[i] for i in order],
            top_labels=[labels[i] for i in order],
            top_probabilities=[float(probabilities[i]) for i in order],
            mutual_information=float(prediction.mutual_information[row]),
            predictive_entropy=float(prediction.predictive_entropy[row]),
            probabilities=probabilities,
            hidden=[h[row] for h in prediction.hidden] if keep_hidden else None,
            hidden_before_relu=[h[row] for h in prediction.hidden_before_relu] if keep_hidden else None,
            notes=[doubt] if (doubt := doubt_note(probabilities, classes)) else [],
        ))
    return results
