"""The real-materials suite (benchmarks/real_materials.py): its records and the structures built from them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from ariseml.prototypes import prototype_ids

MODULE = Path(__file__).resolve().parents[2] / "benchmarks" / "real_materials.py"


@pytest.fixture(scope="module")
def real_materials():
    spec = importlib.util.spec_from_file_location("real_materials", MODULE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def test_records_are_complete(real_materials):
    known = set(prototype_ids())
    for record in real_materials.load_records():
        assert record["class_id"] in known
        assert len(record["cellpar"]) == 6 and len(record["basis"]) == len(record["symbols"]) > 0
        assert record["compound"] and record["source"]


def test_every_record_is_its_class_prototype(real_materials):
    bad = [check.line() for check in map(real_materials.check_record, real_materials.load_records()) if not check.ok]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("class_id", ["hcp_Mg", "MoS2"])  # a bulk crystal and a layer cut from one
def test_structures_carry_the_suite_schema(real_materials, class_id):
    index, record = next((i, r) for i, r in enumerate(real_materials.load_records()) if r["class_id"] == class_id)
    structures = real_materials.record_structures(record, index, seed=3)
    assert [(a.info["form"], a.info["defect"]) for a in structures] == [
        (form, defect) for form in real_materials.FORMS for defect in real_materials.DEFECTS]
    for atoms in structures:
        assert atoms.info["suite"] == "real" and atoms.info["class_id"] == class_id
        assert atoms.info["compound"] == record["compound"] and atoms.info["source"] == record["source"]
        assert atoms.pbc.any() == (atoms.info["form"] == "periodic")
        assert len(atoms) >= (80 if atoms.info["defect"] == "noise3_missing20" else 100)
    clean, noisy, missing = structures[:3]  # the periodic form
    assert len(missing) == round(0.8 * len(clean))
    shifts = (noisy.positions - clean.positions).ravel()
    assert 0.02 < shifts.std() / real_materials.nearest_neighbour_distance(clean) < 0.04
    again = real_materials.record_structures(record, index, seed=3)
    assert all(np.array_equal(a.positions, b.positions) for a, b in zip(structures, again))
