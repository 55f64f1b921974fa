"""The samples published with ARISE: the four-grain polycrystal, the Cu pearl boundary, a STEM image."""

import ase.io
import numpy as np

from ariseml import spm


def test_four_grain_polycrystal_of_the_paper(arise_data, tmp_path, classifier):
    atoms = ase.io.read(arise_data / "Fig_2" / "Fig_2_four_grains_elemental_solid.xyz")
    settings = spm.SpmSettings(box=16.0, stride=(12.0, 12.0, 12.0), geometry="slab")
    top = spm.top_classes(spm.scan(atoms, settings, classifier, tmp_path, progress=False), 4)
    assert set(top) == {"fcc_Cu", "bcc_W", "hcp_Mg", "diamond_C"}


def test_cu_pearl_grain_boundary(arise_data, tmp_path, classifier):
    atoms = ase.io.read(arise_data / "Fig_2" / "Pearl.in", format="aims")
    settings = spm.SpmSettings(box=10.0, stride=(4.0, 4.0, 4.0))
    dataset = spm.scan(atoms, settings, classifier, tmp_path, progress=False)
    fcc = dataset["probabilities"].sel({"class": "fcc_Cu"}).mean(dim=("x", "y")).values
    information = dataset["mutual_information"].mean(dim=("x", "y")).values
    z = dataset["z"].values
    boundary = int(np.argmin(fcc))
    assert fcc[boundary] < 0.5 and 36.0 < z[boundary] < 52.0  # the boundary plane, mid-sample
    assert fcc[np.abs(z - z[boundary]) > 12.0].min() > 0.9  # the grains are fcc
    assert information[boundary] > 3 * np.median(information)


def test_stem_graphene_image_in_pixels(arise_data, tmp_path, classifier):
    atoms = ase.io.read(arise_data / "Fig_3" / "Fig_3_d_STEM_large.xyz")  # z = 0, positions in pixels
    settings = spm.SpmSettings(box=150.0, stride=(70.0, 70.0, 70.0))  # a cube on a flat sample: a slab
    top = spm.top_classes(spm.scan(atoms, settings, classifier, tmp_path, progress=False), 1)
    assert top == ["graphene"]
