"""The grid of boxes: geometries, flat samples, settings that are refused."""

import numpy as np
import pytest
from ase.build import bulk

from ariseml import spm


def test_grid_of_each_geometry():
    atoms = bulk("Cu", "fcc", a=3.6, cubic=True).repeat((10, 5, 3))  # positions span 34.2 x 16.2 x 9.0 Å
    cube = spm.make_grid(atoms, spm.SpmSettings(box=8.0, stride=(2.0, 2.0, 2.0)))
    assert cube.shape == (1, 5, 14)  # x: floor((34.2 - 8) / 2) + 1 = 14 centres; z: one
    slab = spm.make_grid(atoms, spm.SpmSettings(box=8.0, stride=(2.0, 3.0, 2.0), geometry="slab"))
    assert slab.shape == (1, 3, 14) and slab.box_edges[2] > 9.0
    rod = spm.make_grid(atoms, spm.SpmSettings(box=8.0, stride=(4.0, 4.0, 4.0), geometry="rod", axis=0))
    assert rod.shape == (1, 1, 7) and rod.box_edges[1] > 16.2
    assert np.allclose(cube.centres[0][0], 4.0) and np.allclose(np.diff(cube.centres[0]), 2.0)


def test_flat_sample_is_scanned_as_a_slab():
    atoms = bulk("C", "fcc", a=3.6, cubic=True).repeat((4, 4, 1))
    atoms.positions[:, 2] = 0.0
    settings = spm.effective_settings(atoms, spm.SpmSettings(box=6.0))
    assert settings.geometry == "slab" and settings.axis == 2


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="positive"):
        spm.SpmSettings(box=-1.0)
    with pytest.raises(ValueError, match="min_atoms"):
        spm.SpmSettings(min_atoms=1)
