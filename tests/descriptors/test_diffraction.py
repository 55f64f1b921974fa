"""The diffraction fingerprint, its ConvNet and their training data (Ziletti et al. 2018)."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from ase import Atoms
from ase.build import bulk
from scipy.spatial.transform import Rotation

from ariseml.descriptors.diffraction import (STANDARDISE_SYMPREC, DiffractionSettings, diffraction_fingerprint,
                                             diffraction_supercell, lattice_from_positions, mean_bond_length,
                                             replication)
from ariseml.errors import InputError
from ariseml.models.convnet import DiffractionConvNet, attentive_response_maps, class_template, convnet_predict
from ariseml.prototypes import get_prototype
from ariseml.structure import space_group
from ariseml.training.convnet_training import (CLASS_SPACE_GROUPS, DIFFRACTION_CLASSES, SPECIAL_MU, ConvNetTrainingConfig,
                                          crystal_set, random_crystal, stretched_along_c, train_convnet)


@pytest.fixture(scope="module")
def fcc_image() -> np.ndarray:
    return diffraction_fingerprint(get_prototype("fcc_Cu").unit_cell())


def test_fingerprint_is_a_normalised_image_without_the_direct_beam(fcc_image):
    assert fcc_image.shape == (64, 64, 3) and fcc_image.dtype == np.float32
    assert np.allclose(fcc_image.max(axis=(0, 1)), 1.0) and fcc_image.min() >= 0
    rows, columns = np.indices((64, 64))
    assert np.all(fcc_image[np.hypot(rows - 31.5, columns - 31.5) <= 5] == 0)


def test_simple_cubic_first_reflections_sit_where_bragg_puts_them():
    # unit bond length 1 Å: the {100} reflections at |q| = 2π/1 Å, i.e. x' = D λ / d = 12.5 pixels
    image = diffraction_fingerprint(get_prototype("sc_Po").unit_cell())
    blue = image[..., 2]  # rotations about z: the beam sees the (001) plane, turned by ±45°
    rows, columns = np.indices(blue.shape)
    radius = np.hypot(rows - 31.5, columns - 31.5)
    brightest = radius[blue >= 0.9 * blue.max()]
    settings = DiffractionSettings()
    expected = settings.detector_distance * settings.wavelength / settings.bond_length / settings.pixel_size
    assert np.all(np.abs(brightest - expected) < 1.5)


def test_fingerprint_ignores_orientation_element_and_cell_choice(fcc_image):
    copper = get_prototype("fcc_Cu").unit_cell()
    turned = copper.copy()
    turned.set_cell(copper.cell[:] @ Rotation.random(random_state=3).as_matrix().T, scale_atoms=True)
    tungsten = copper.copy()
    tungsten.symbols = ["W"] * len(copper)
    tungsten.set_cell(copper.cell[:] * 1.2, scale_atoms=True)
    for variant in (turned, tungsten, copper.repeat((2, 1, 3))):
        assert np.allclose(diffraction_fingerprint(variant), fcc_image, atol=1e-5)


def test_fingerprint_of_a_cluster_ignores_atom_order_and_position():
    cluster = diffraction_supercell(get_prototype("bcc_W").unit_cell())
    cluster.pbc = False
    image = diffraction_fingerprint(cluster)
    shuffled = cluster[np.random.default_rng(0).permutation(len(cluster))]
    shuffled.positions += [5.0, -2.0, 7.0]
    assert np.allclose(diffraction_fingerprint(shuffled), image, atol=1e-5)


def test_supercell_has_about_250_atoms_and_stays_periodic():
    for prototype in ("fcc_Cu", "hcp_Mg", "beta_Sn", "alpha_Sm"):
        cell = get_prototype(prototype).unit_cell()
        supercell = diffraction_supercell(cell)
        assert supercell.pbc.all() and 150 <= len(supercell) <= 350
    assert replication(4, 250) == 4  # 256 atoms, closer than 108 or 500


def test_one_fingerprint_takes_well_under_a_second(fcc_image):
    start = time.perf_counter()
    diffraction_fingerprint(get_prototype("diamond_C").unit_cell())
    assert time.perf_counter() - start < 1.0  # about 0.1 s on one free core; benchmarks/speed.py measures it


def test_two_atoms_are_the_minimum():
    with pytest.raises(InputError, match="at least two atoms"):
        diffraction_fingerprint(Atoms("Cu", positions=[[0, 0, 0]]))


def _peak_memory_and_seconds(function: Callable[..., Any], *args: Any) -> tuple[Any, float, float]:
    """The function's result, the peak memory it allocated (MB) and its time (s)."""
    tracemalloc.start()
    start = time.perf_counter()
    result = function(*args)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return result, peak, seconds


@pytest.mark.parametrize("cell, repeats", [(bulk("Cu", "fcc", a=3.6, cubic=True), 17),  # 19,652 atoms
                                           (bulk("W", "bcc", a=3.16, cubic=True), 22)])  # 21,296 atoms
def test_a_large_periodic_cell_gives_the_fingerprint_of_its_cell_in_bounded_memory(cell, repeats):
    large = cell.repeat(repeats)
    image, peak, seconds = _peak_memory_and_seconds(diffraction_fingerprint, large)
    assert np.allclose(image, diffraction_fingerprint(cell), atol=1e-5)  # the same ~250-atom cut
    assert peak < 100 and seconds < 10  # about 20 MB and 1 s (before the cut: 1.3 GB and 25 s)


@pytest.mark.slow
def test_a_200k_atom_periodic_cell_gives_the_fingerprint_of_its_cell_in_bounded_memory():
    cell = bulk("Cu", "fcc", a=3.6, cubic=True)
    image, peak, seconds = _peak_memory_and_seconds(diffraction_fingerprint, cell.repeat(37))  # 202,612 atoms
    assert np.allclose(image, diffraction_fingerprint(cell), atol=1e-5)
    assert peak < 100 and seconds < 30


def test_a_large_cluster_is_cut_to_its_central_atoms():
    block = bulk("Cu", "fcc", a=3.6, cubic=True).repeat(17)  # 19,652 atoms
    block.pbc = False
    block.positions = block.positions @ Rotation.random(random_state=5).as_matrix().T
    paper = DiffractionSettings(orient_clusters=False)
    cut = diffraction_supercell(block, paper)
    distances = np.linalg.norm(block.positions - block.positions.mean(axis=0), axis=1)
    assert len(cut) == 2 * paper.target_atoms
    assert np.allclose(cut.positions, block.positions[np.sort(np.argsort(distances, kind="stable")[:500])])
    _, peak, seconds = _peak_memory_and_seconds(diffraction_fingerprint, block)  # cut, then turned to its axes
    assert peak < 100 and seconds < 10


def test_training_crystals_carry_their_class_space_group():
    rng = np.random.default_rng(1)
    for class_id in DIFFRACTION_CLASSES:
        for _ in range(3):
            atoms = random_crystal(class_id, rng)
            assert space_group(atoms, STANDARDISE_SYMPREC) in CLASS_SPACE_GROUPS[class_id]
            assert len(set(atoms.get_chemical_symbols())) == 1


def test_rhombohedral_lattice_becomes_cubic_at_the_special_ratios():
    for mu, group in zip(SPECIAL_MU, (229, 221, 225)):
        assert space_group(stretched_along_c("beta_Po", mu), STANDARDISE_SYMPREC) == group
    assert space_group(stretched_along_c("beta_Po", 1.0), STANDARDISE_SYMPREC) == 166


def test_crystal_set_is_reproducible_and_balanced():
    first, labels = crystal_set(2, seed=5)
    second, _ = crystal_set(2, seed=5)
    assert np.bincount(labels).tolist() == [2] * 7
    assert all(np.allclose(a.positions, b.positions) for a, b in zip(first, second))


def test_convnet_has_the_papers_layers():
    network = DiffractionConvNet(7)
    assert [c.out_channels for c in network.convolutions] == [32, 32, 16, 16, 8, 8]
    assert all(c.kernel_size == (7, 7) for c in network.convolutions)
    assert network.dense.out_features == 128 and network.dropout.p == 0.25
    assert sum(p.numel() for p in network.parameters()) == 365_463
    assert network(torch.zeros(2, 3, 64, 64)).shape == (2, 7)


def test_monte_carlo_prediction_is_reproducible_and_batch_independent(fcc_image):
    torch.manual_seed(0)
    network = DiffractionConvNet(7)
    images = np.stack([fcc_image, fcc_image[::-1].copy(), fcc_image[:, ::-1].copy()])
    together = convnet_predict(network, images, samples=200, seed=4)
    alone = convnet_predict(network, images[1:2], samples=200, seed=4)
    assert np.allclose(together.probabilities[1], alone.probabilities[0])
    assert np.allclose(together.probabilities.sum(axis=1), 1.0)
    assert np.all(together.mutual_information >= 0)
    deterministic = convnet_predict(network, images, samples=0)
    assert np.all(deterministic.mutual_information == 0)


def test_attentive_response_maps_pick_the_strongest_filters(fcc_image):
    torch.manual_seed(0)
    network = DiffractionConvNet(7)
    maps = attentive_response_maps(network, fcc_image, layers=(1, 6), top=3)
    assert [m.layer for m in maps] == [1, 6]
    assert all(m.maps.shape == (3, 64, 64, 3) for m in maps)
    assert maps[0].activations == sorted(maps[0].activations, reverse=True)
    assert class_template(network, fcc_image).shape == (64, 64, 3)
    with pytest.raises(ValueError, match="layers 1 to 6"):
        attentive_response_maps(network, fcc_image, layers=(7,))


def test_training_learns_and_resumes_from_a_checkpoint(tmp_path):
    cubic = ["sc_Po", "bcc_W", "fcc_Cu"]
    images = np.stack([diffraction_fingerprint(get_prototype(p).unit_cell()) for p in cubic])
    images = np.repeat(images, 10, axis=0)
    labels = np.repeat(np.array([3, 6, 4]), 10)
    config = ConvNetTrainingConfig(epochs=2, batch_size=8)
    checkpoint = tmp_path / "checkpoint.pt"
    first = train_convnet(images, labels, config, checkpoint=checkpoint, progress=False)
    assert first.test_accuracy == 1.0 and first.test_size == 3
    resumed = train_convnet(images, labels, config, checkpoint=checkpoint, progress=False)
    assert resumed.history == first.history
    with pytest.raises(ValueError, match="other settings"):
        train_convnet(images, labels, ConvNetTrainingConfig(epochs=3), checkpoint=checkpoint, progress=False)


def test_noisy_periodic_cell_keeps_its_lattice_and_its_atoms():
    # a primitive 5×5×5 bcc cell shaken by 0.04 d_NN: tight spglib tolerances see P1, looser ones Im-3m
    cell = get_prototype("bcc_W").unit_cell().repeat(5)
    cell.positions += np.random.default_rng(0).normal(0, 0.04 * 2.73, size=(len(cell), 3))
    supercell = diffraction_supercell(cell)
    assert np.allclose(supercell.cell.angles(), 90)  # cut as cubes of the conventional cell
    assert not np.allclose(supercell.get_scaled_positions() * 12 % 1, 0, atol=1e-3)  # not symmetrised


def test_a_cell_without_a_lattice_is_cut_as_a_cube_of_its_own_axes():
    rng = np.random.default_rng(1)
    gas = Atoms("Ar250", positions=rng.uniform(0, 20, size=(250, 3)), cell=[20, 21, 22], pbc=True)
    supercell = diffraction_supercell(gas)
    assert np.allclose(supercell.cell.angles(), 90) and np.allclose(supercell.cell.lengths(), supercell.cell[0, 0])
    assert 150 <= len(supercell) <= 350


def test_a_large_noisy_or_amorphous_periodic_cell_is_cut_to_about_250_atoms():
    noisy = bulk("W", "bcc", a=3.16, cubic=True).repeat(16)  # 8,192 atoms, shaken by 0.02 d_NN
    noisy.positions += np.random.default_rng(0).normal(0, 0.02 * 2.74, size=(len(noisy), 3))
    supercell = diffraction_supercell(noisy)
    assert np.allclose(supercell.cell.angles(), 90)
    assert np.allclose(supercell.cell.lengths(), 5 * 3.16, rtol=0.01) and 200 <= len(supercell) <= 300
    rng = np.random.default_rng(1)
    gas = Atoms("Ar5000", positions=rng.uniform(0, 40, size=(5000, 3)), cell=[40, 41, 42], pbc=True)
    supercell = diffraction_supercell(gas)
    assert np.allclose(supercell.cell.angles(), 90) and np.allclose(supercell.cell.lengths(), supercell.cell[0, 0])
    assert 150 <= len(supercell) <= 350


def test_a_vacancy_ridden_periodic_cell_gets_its_lattice_from_the_atoms():
    cell = get_prototype("fcc_Cu").unit_cell().repeat(5)
    del cell[np.random.default_rng(3).choice(len(cell), 40, replace=False)]  # spglib: P1 at any tolerance
    supercell = diffraction_supercell(cell)
    assert np.allclose(supercell.cell.angles(), 90)
    assert np.allclose(supercell.cell.lengths(), 3.615 * round(supercell.cell.lengths()[0] / 3.615), rtol=1e-3)


def test_lattice_of_a_finite_diamond_cluster_is_fcc_not_its_bonds():
    cluster = diffraction_supercell(get_prototype("diamond_C").unit_cell())
    cluster.pbc = False
    bond = mean_bond_length(cluster)
    basis = lattice_from_positions(cluster.positions, bond)
    a = cluster.cell.lengths()[0] / 3  # 3 × 3 × 3 conventional cells
    assert np.allclose(np.linalg.norm(basis, axis=1), a / np.sqrt(2), rtol=1e-3)
    assert np.isclose(abs(np.linalg.det(basis)), a**3 / 4, rtol=1e-3)  # a primitive cell


def test_turned_defective_cluster_is_turned_back_to_its_axes():
    cluster = diffraction_supercell(get_prototype("bcc_W").unit_cell())
    cluster.pbc = False
    paper = DiffractionSettings(orient_clusters=False)  # as given, the paper's handling
    reference = diffraction_fingerprint(cluster, paper)
    turned = cluster[np.random.default_rng(2).permutation(len(cluster))[:200]]  # 20 % vacancies
    turned.positions = turned.positions @ Rotation.random(random_state=4).as_matrix().T
    assert np.abs(diffraction_fingerprint(turned, paper) - reference).mean() > 0.005
    oriented = diffraction_fingerprint(turned)  # the default
    errors = [np.abs(oriented[..., list(order)] - reference).mean()
              for order in ((0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0))]
    assert min(errors) < 0.003  # the same pattern, channels possibly permuted (cubic axes are equivalent)


def test_a_corrupt_fingerprint_chunk_is_recomputed(tmp_path, caplog):
    from ariseml.training.convnet_training import fingerprint_dataset

    images, labels = fingerprint_dataset(1, 0, tmp_path, progress=False, jobs=1)
    chunk, = tmp_path.glob("diffraction_*/chunk_*.npy")
    chunk.write_bytes(b"not a numpy file")
    again, labels_again = fingerprint_dataset(1, 0, tmp_path, progress=False, jobs=1)
    assert np.array_equal(images, again) and np.array_equal(labels, labels_again)
    assert "is corrupt (unreadable); it will be recomputed" in caplog.text
