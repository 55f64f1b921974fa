"""Per-atom SOAP coefficients: their pooled power spectrum is DScribe's inner-averaged vector."""

import numpy as np
import pytest
from ase.build import bulk

from ariseml.descriptors.coefficients import centre_coefficients, power_spectrum, real_spherical_harmonics
from ariseml.descriptors.soap import SoapSettings, pair_vector


@pytest.mark.parametrize("settings", [SoapSettings(), SoapSettings(r_cut=3.2, sigma=0.08, extrinsic_factor=1.05)])
def test_pooled_coefficients_give_dscribes_inner_average(settings):
    atoms = bulk("Fe", "bcc", a=2.87, cubic=True).repeat(4)
    atoms.pbc = False
    atoms.rattle(0.05, seed=2)
    d_nn = 2.87 * np.sqrt(3) / 2
    reference = pair_vector(atoms, "Fe", "Fe", d_nn, settings)
    coefficients = centre_coefficients(atoms.positions, np.full(len(atoms), d_nn), atoms.positions, settings, jobs=1)
    pooled = power_spectrum([c.astype(float).sum(axis=0, keepdims=True) for c in coefficients], settings)[0]
    assert np.allclose(pooled / np.linalg.norm(pooled), reference, atol=1e-8)


def test_real_spherical_harmonics_are_orthonormal():
    directions = np.random.default_rng(0).normal(size=(200_000, 3))
    for l, harmonics in enumerate(real_spherical_harmonics(directions, 6)):
        gram = 4 * np.pi * harmonics.T @ harmonics / len(directions)  # Monte-Carlo integral over the sphere
        assert np.allclose(gram, np.eye(2 * l + 1), atol=0.03), l


def test_coefficients_in_small_neighbour_tables_are_the_same(monkeypatch):
    import ariseml.descriptors.coefficients as coefficients

    atoms = bulk("Cu", "fcc", a=3.61, cubic=True).repeat(3)
    atoms.rattle(0.05, seed=3)
    scales = np.full(len(atoms), 3.61 / np.sqrt(2))
    whole = centre_coefficients(atoms.positions, scales, atoms.positions, SoapSettings(), jobs=1)
    monkeypatch.setattr(coefficients, "TABLE_ENTRIES", 500)  # a few centres per table
    grouped = centre_coefficients(atoms.positions, scales, atoms.positions, SoapSettings(), jobs=1)
    assert all(np.array_equal(a, b) for a, b in zip(whole, grouped))


def test_local_distance_of_an_atom_far_from_the_other_species_is_capped():
    from ariseml.descriptors.local import local_distances

    copper = bulk("Cu", "fcc", a=3.61, cubic=True).repeat(4).positions
    tungsten = copper[:4] + np.array([60.0, 0.0, 0.0])  # a few W atoms 50 Å and more away
    free = local_distances(copper, tungsten, same_species=False)
    capped = local_distances(copper, tungsten, same_species=False, largest=6.0)
    assert free.min() > 45 and np.all(capped == 6.0)


def test_power_spectrum_in_blocks_is_that_of_all_rows_at_once(monkeypatch):
    from ariseml.descriptors import coefficients as module

    settings = SoapSettings()
    rng = np.random.default_rng(0)
    pooled = [rng.normal(size=(10, settings.n_max, 2 * l + 1)).astype(np.float32) for l in range(settings.l_max + 1)]
    whole = power_spectrum(pooled, settings)
    monkeypatch.setattr(module, "SPECTRUM_ROWS", 3)
    assert np.array_equal(power_spectrum(pooled, settings), whole)
    assert power_spectrum(pooled, settings, dtype=np.float32).dtype == np.float32
    upper = np.triu_indices(settings.n_max)  # l = 0 block by definition: Σ_m c_n c_n'
    single = pooled[0][4].astype(np.float64)
    assert np.allclose(whole[4, :len(upper[0])] / module._calibration(settings)[0],
                       (single @ single.T)[upper])


@pytest.mark.parametrize("case", ["periodic fcc cell", "triclinic alpha-As", "graphene sheet", "rock-salt cluster",
                                  "fcc slab"])
def test_inner_and_outer_from_one_set_of_coefficients_are_dscribes(case):
    from dataclasses import replace

    from ase.build import fcc111

    from ariseml.descriptors.soap import arise_soap, pair_distances
    from ariseml.prototypes import build

    atoms = {"periodic fcc cell": lambda: bulk("Cu", "fcc", a=3.6),
             "triclinic alpha-As": lambda: build("alpha_As"),
             "graphene sheet": lambda: build("graphene"),
             "rock-salt cluster": lambda: build("rocksalt_NaCl", supercell=0),
             "fcc slab": lambda: fcc111("Cu", (3, 3, 4), vacuum=5.0)}[case]()
    atoms.rattle(0.02, seed=4)
    if atoms.pbc.any():  # atoms outside the cell, as MD files often hold them
        atoms.positions += atoms.cell[:].sum(axis=0) * 0.7
    settings = SoapSettings(average="both", extrinsic_factor=1.05)
    distances = pair_distances(atoms)
    separately = [arise_soap(atoms, replace(settings, average=average), distances) for average in ("inner", "outer")]
    joined = arise_soap(atoms, settings, distances)
    assert joined.shape == (settings.n_features,)
    assert np.allclose(joined, np.concatenate(separately) / np.sqrt(2), atol=1e-9)
