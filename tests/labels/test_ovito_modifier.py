"""The OVITO modifier adds the per-atom labels to a pipeline, headless."""

import ase.io
import numpy as np
import pytest
from ase.build import bulk


def test_the_modifier_labels_a_pipeline_by_class_name(tmp_path):
    pytest.importorskip("ovito")
    from ovito.io import import_file

    from ariseml.ovito_modifier import CLASS_PROPERTY, AriseAtomLabels

    crystal = bulk("Fe", "bcc", a=2.87, cubic=True).repeat(5)
    crystal.rattle(0.05, seed=3)
    ase.io.write(tmp_path / "fe.xyz", crystal)
    pipeline = import_file(str(tmp_path / "fe.xyz"))
    pipeline.modifiers.append(AriseAtomLabels(model="realistic", samples=20, radius=7.0))
    data = pipeline.compute()
    classes = data.particles[CLASS_PROPERTY]
    assert {classes.type_by_id(int(i)).name for i in np.unique(classes)} == {"bcc_W"}
    assert np.min(data.particles["ARISE Probability"]) > 0.9
    assert np.all(np.asarray(data.particles["ARISE Mutual Information"]) >= 0)
