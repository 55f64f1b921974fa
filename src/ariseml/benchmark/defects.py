"""Defective test structures and accuracy of a classifier on them (ARISE Table 2).

Defects are applied to the supercells of the paper's recipe, periodic and
non-periodic (nanotubes: the finite tube), with seeds that training never uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ase import Atoms

from ariseml.prototypes import Prototype, all_prototypes, build
from ariseml.structure import apply_defects

TEST_SEED_OFFSET = 1_000_003
"""Added to every defect seed, so test structures never repeat anything generated for training."""

DISPLACEMENTS = (0.001, 0.006, 0.01, 0.02, 0.04)
MISSING_FRACTIONS = (0.01, 0.05, 0.10, 0.20)
# ARISE row of Table 2 (Leitherer et al. 2021): pristine, δ = 0.1-4 %, η = 1-20 %
PAPER_ARISE_ROW = {"pristine": 100.00, "δ 0.1%": 100.00, "δ 0.6%": 100.00, "δ 1%": 100.00, "δ 2%": 99.86,
                   "δ 4%": 99.29, "η 1%": 100.00, "η 5%": 100.00, "η 10%": 100.00, "η 20%": 99.85}


@dataclass(frozen=True)
class DefectLevel:
    """One column of Table 2."""

    delta: float = 0.0
    eta: float = 0.0

    @property
    def name(self) -> str:
        if self.delta and self.eta:
            return f"η {100 * self.eta:g}% + δ {100 * self.delta:g}%"
        if self.delta:
            return f"δ {100 * self.delta:g}%"
        return f"η {100 * self.eta:g}%" if self.eta else "pristine"


def table2_levels() -> list[DefectLevel]:
    return ([DefectLevel()] + [DefectLevel(delta=d) for d in DISPLACEMENTS]
            + [DefectLevel(eta=e) for e in MISSING_FRACTIONS])


def base_structures(prototype: Prototype) -> list[Atoms]:
    """The structures defects are applied to: supercell 0, periodic and finite (nanotubes: the tube)."""
    if prototype.is_nanotube:
        return [build(prototype)]
    return [build(prototype, supercell=0, periodic=True), build(prototype, supercell=0)]


def defective_set(level: DefectLevel, seeds: int, prototypes: Sequence[Prototype] | None = None
                  ) -> tuple[list[Atoms], list[str]]:
    """Structures and their true class ids: every class, base structure and seed at this level."""
    structures, truth = [], []
    for number, prototype in enumerate(prototypes or all_prototypes()):
        for which, base in enumerate(base_structures(prototype)):
            for seed in range(seeds if (level.delta or level.eta) else 1):
                seed_value = TEST_SEED_OFFSET + 1000 * (100 * number + 10 * which) + seed
                structures.append(apply_defects(base, level.delta, level.eta, seed_value))
                truth.append(prototype.id)
    return structures, truth


def accuracy(predicted: Sequence[str], truth: Sequence[str]) -> float:
    return 100.0 * float(np.mean(np.array(predicted) == np.array(truth)))
