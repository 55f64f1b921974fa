"""The defect levels of the robustness tables: ARISE Table 2 and Supplementary Tables S2 and S3.

A level is a displacement δ (Gaussian, standard deviation a fraction of d_NN), a fraction η of atoms
removed, or both; test structures draw their defects with seeds that training never uses.
"""

from __future__ import annotations

from dataclasses import dataclass

TEST_SEED_OFFSET = 1_000_003
"""Added to every defect seed, so test structures never repeat anything generated for training."""

DISPLACEMENTS = (0.001, 0.006, 0.01, 0.02, 0.04)
MISSING_FRACTIONS = (0.01, 0.05, 0.10, 0.20)


@dataclass(frozen=True)
class DefectLevel:
    """One column of a robustness table."""

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


TABLE_S2_LEVELS = [DefectLevel(delta=0.07), DefectLevel(delta=0.10), DefectLevel(eta=0.25), DefectLevel(eta=0.30)]
TABLE_S3_LEVELS = [DefectLevel(eta=eta, delta=delta) for eta, delta in
                   ((0.01, 0.001), (0.05, 0.006), (0.10, 0.01), (0.15, 0.02), (0.20, 0.04), (0.25, 0.07),
                    (0.30, 0.10))]
TABLES = {"Table 2": table2_levels(), "Table S2": TABLE_S2_LEVELS, "Table S3": TABLE_S3_LEVELS}
