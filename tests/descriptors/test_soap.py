import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk

from ariseml.descriptors.soap import SoapSettings, arise_soap, pair_distances
from ariseml.errors import InputError
from ariseml.prototypes import build


def cosine(a, b):
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


@pytest.fixture(scope="module")
def fcc():
    return arise_soap(build("fcc_Cu"))


def test_length_and_unit_pair_vectors(fcc):
    assert fcc.shape == (SoapSettings().n_features,) == (315,)
    assert np.linalg.norm(fcc) == pytest.approx(1.0)


def test_invariant_to_rotation_translation_permutation():
    cluster = build("rocksalt_NaCl", supercell=0)
    reference = arise_soap(cluster)
    moved = cluster.copy()
    moved.rotate(37, (1, 2, 3), center="COM")
    moved.translate((1.3, -2.0, 0.7))
    moved = moved[np.random.default_rng(0).permutation(len(moved))]
    assert cosine(arise_soap(moved), reference) == pytest.approx(1.0, abs=1e-10)


def test_invariant_to_periodic_supercell_and_element_names(fcc):
    assert cosine(arise_soap(build("fcc_Cu").repeat((2, 3, 1))), fcc) == pytest.approx(1.0, abs=1e-10)
    tungsten_as_fcc = bulk("W", "fcc", a=4.1)
    assert cosine(arise_soap(tungsten_as_fcc), fcc) == pytest.approx(1.0, abs=1e-10)
    swapped = build("rocksalt_NaCl")
    swapped.set_chemical_symbols(["K" if s == "Na" else "Br" for s in swapped.get_chemical_symbols()])
    assert cosine(arise_soap(swapped), arise_soap(build("rocksalt_NaCl"))) == pytest.approx(1.0, abs=1e-10)


def test_finite_clusters_approach_the_periodic_vector(fcc):
    similarities = [cosine(arise_soap(build("fcc_Cu", supercell=k)), fcc) for k in range(3)]
    assert similarities == sorted(similarities)
    large = bulk("Cu", "fcc", a=3.61491, cubic=True).repeat(9)
    large.pbc = False
    assert cosine(arise_soap(large), fcc) > similarities[-1]


def test_classes_are_distinguishable(fcc):
    assert cosine(arise_soap(build("bcc_W")), fcc) < 0.999
    assert cosine(arise_soap(build("graphene")), fcc) < 0.9


def test_two_dimensional_points_and_single_atom_species():
    sheet = build("graphene", supercell=1)
    flat = sheet.copy()
    flat.positions[:, 2] = 0.0
    flat.positions *= 7.0  # pixels: the descriptor is scale free
    assert cosine(arise_soap(flat), arise_soap(sheet)) == pytest.approx(1.0, abs=1e-10)
    doped = build("fcc_Cu", supercell=0)
    doped[0].symbol = "Au"  # one Au atom: (Au, Au) has no neighbour and is left out
    assert ("Au", "Au") not in pair_distances(doped) and ("Au", "Cu") in pair_distances(doped)
    assert np.isfinite(arise_soap(doped)).all()


def test_undefined_descriptor_raises():
    with pytest.raises(ValueError, match="no atom has a neighbour"):
        arise_soap(Atoms("Cu", positions=[[0, 0, 0]]))


def test_centre_atom_excluded_from_its_own_density():
    cell = build("fcc_Cu")
    with_centre = SoapSettings(central_weight=1.0)
    assert cosine(arise_soap(cell, with_centre), arise_soap(cell)) < 0.999


@pytest.mark.parametrize("change", [{"r_cut": 0.0}, {"sigma": float("nan")}, {"n_max": 0}, {"average": "mean"},
                                    {"rbf": "spline"}, {"central_weight": -1.0}])
def test_descriptor_settings_refuse_what_would_describe_nothing(change):
    with pytest.raises(InputError, match=f"`{next(iter(change))}`"):
        SoapSettings(**change)
