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
