"""Fast mode: per-atom quantities pooled per box, as the whole-structure descriptor would give them."""

import json

import numpy as np
from ase.build import bulk

from ariseml import spm
from ariseml.classifier import Classifier


def test_fast_mode_pools_the_bulk_vector_and_resumes(tmp_path, classifier):
    from ariseml.descriptors.soap import arise_soap

    atoms = bulk("Fe", "fcc", a=3.6, cubic=True).repeat(12)  # 40 Å: the middle box's atoms see bulk
    atoms.pbc = False
    settings = spm.SpmSettings(box=8.0, stride=(8.0, 8.0, 8.0), mode="fast", chunk_boxes=8)
    grid = spm.make_grid(atoms, settings)
    features, counts, valid = spm.pooled_descriptors(atoms, grid, settings, classifier.settings_, tmp_path,
                                                     jobs=1, progress=False)
    bulk_vector = arise_soap(bulk("Fe", "fcc", a=3.6, cubic=True), classifier.settings_)
    centre = int(np.ravel_multi_index(tuple(n // 2 for n in grid.shape), grid.shape))
    offset = atoms.positions - (grid.box_centre(centre) - 4.0)
    assert valid.all() and counts[centre] == np.sum(np.all((offset >= -1e-9) & (offset < 8.0 - 1e-9), axis=1))
    assert np.dot(features[centre], bulk_vector) / np.linalg.norm(features[centre]) > 0.99999
    assert (tmp_path / "per-atom" / "Fe-Fe-coefficients.npz").exists()
    dataset = spm.scan(atoms, settings, classifier, tmp_path / "scan", jobs=1, progress=False)
    assert dataset["argmax_class"].values.min() >= 0
    assert json.loads(dataset.attrs["run"])["environments"] == "end at the sample's surface"


def test_fast_mode_sees_across_the_faces_of_a_periodic_cell(tmp_path, classifier):
    from ariseml.descriptors.soap import arise_soap

    atoms = bulk("Fe", "fcc", a=3.6, cubic=True).repeat(10)  # a periodic 36 Å cube
    atoms.positions += 0.9  # some atoms beyond the cell's faces: wrapped for their environments
    settings = spm.SpmSettings(box=8.0, stride=(4.0, 4.0, 4.0), mode="fast")
    grid = spm.make_grid(atoms, settings)
    assert spm.environment_period(atoms, grid, classifier.settings_) is not None
    features, _, valid = spm.pooled_descriptors(atoms, grid, settings, classifier.settings_, tmp_path,
                                                jobs=1, progress=False)
    periodic_fcc = arise_soap(bulk("Fe", "fcc", a=3.6, cubic=True), classifier.settings_)
    cosines = features[valid] @ periodic_fcc / np.linalg.norm(features[valid], axis=1)
    assert valid.all() and cosines.min() > 0.99999  # the boxes at the faces too
    atoms.pbc = False
    assert spm.environment_period(atoms, grid, classifier.settings_) is None


def test_fast_mode_leaves_out_pairs_whose_species_never_share_a_box(tmp_path, classifier):
    copper = bulk("Cu", "fcc", a=3.61, cubic=True).repeat(5)  # 18 Å
    tungsten = bulk("W", "bcc", a=3.16, cubic=True).repeat(5)
    tungsten.positions += [60.0, 0.0, 0.0]  # 40 Å beyond the copper: no 8 Å box holds both
    both = copper + tungsten
    both.pbc = copper.pbc = False
    settings = spm.SpmSettings(box=8.0, stride=(4.0, 4.0, 4.0), mode="fast")
    grid = spm.make_grid(both, settings)
    mixed, _, mixed_valid = spm.pooled_descriptors(both, grid, settings, classifier.settings_, tmp_path / "both",
                                                   jobs=1, progress=False)
    alone, _, alone_valid = spm.pooled_descriptors(copper, grid, settings, classifier.settings_, tmp_path / "cu",
                                                   jobs=1, progress=False)
    assert alone_valid.sum() > 0 and np.array_equal(mixed_valid & alone_valid, alone_valid)
    assert np.allclose(mixed[alone_valid], alone[alone_valid], atol=1e-6)  # the Cu boxes: Cu-Cu only


def test_fast_mode_pools_outer_averaged_vectors_for_the_outer_model(tmp_path):
    from ariseml.descriptors.soap import arise_soap

    outer = Classifier.load("outer", samples=50, seed=0)
    atoms = bulk("Fe", "fcc", a=3.6, cubic=True).repeat(12)
    atoms.pbc = False
    settings = spm.SpmSettings(box=8.0, stride=(8.0, 8.0, 8.0), mode="fast")
    grid = spm.make_grid(atoms, settings)
    features, _, valid = spm.pooled_descriptors(atoms, grid, settings, outer.settings_, tmp_path,
                                                jobs=1, progress=False)
    bulk_vector = arise_soap(bulk("Fe", "fcc", a=3.6, cubic=True), outer.settings_)
    centre = int(np.ravel_multi_index(tuple(n // 2 for n in grid.shape), grid.shape))
    assert valid.all() and np.dot(features[centre], bulk_vector) / np.linalg.norm(features[centre]) > 0.99999
    assert (tmp_path / "per-atom" / "Fe-Fe-power.npz").exists()


def test_fast_mode_pools_both_averagings_from_one_set_of_coefficients(tmp_path):
    from dataclasses import replace

    from ariseml.descriptors.soap import SoapSettings, arise_soap

    both = SoapSettings(average="both")
    crystal = bulk("Fe", "fcc", a=3.6, cubic=True)
    for periodic in (False, True):
        atoms = crystal.repeat(12 if not periodic else 10)
        atoms.pbc = periodic
        atoms.rattle(0.02, seed=1)
        settings = spm.SpmSettings(box=8.0, stride=(8.0, 8.0, 8.0), mode="fast")
        grid = spm.make_grid(atoms, settings)
        folder = tmp_path / str(periodic)
        assert (spm.environment_period(atoms, grid, both) is not None) == periodic
        features, _, valid = spm.pooled_descriptors(atoms, grid, settings, both, folder, jobs=1, progress=False)
        centre = int(np.ravel_multi_index(tuple(n // 2 for n in grid.shape), grid.shape))
        assert valid.all() and features.shape[1] == 630
        assert np.isclose(np.linalg.norm(features[centre]), 1.0, atol=1e-5)
        for half, average in ((slice(0, 315), "inner"), (slice(315, 630), "outer")):
            reference = arise_soap(crystal, replace(both, average=average))
            assert np.dot(features[centre, half], reference) * np.sqrt(2) > 0.995  # rattled against pristine
        assert (folder / "per-atom" / "Fe-Fe-coefficients.npz").exists()


def _copper_with_solutes(share: float) -> tuple:
    """A 29 Å fcc Cu cube with ``share`` of its atoms (a fixed random choice) turned into W; and the mask."""
    atoms = bulk("Cu", "fcc", a=3.61, cubic=True).repeat(8)
    atoms.pbc = False
    solutes = np.random.default_rng(0).random(len(atoms)) < share
    atoms.symbols[solutes] = "W"
    return atoms, solutes


def test_both_modes_leave_a_minority_species_out_of_a_box(tmp_path, classifier):
    from ariseml.spm.boxes import box_search_tree
    from ariseml.spm.exact import describe_box

    atoms, solutes = _copper_with_solutes(0.02)
    host = atoms[~solutes]  # the solutes' sites as vacancies
    for mode in ("fast", "exact"):
        def describe(sample, minority, folder):
            settings = spm.SpmSettings(box=12.0, stride=(6.0, 6.0, 6.0), mode=mode, minority=minority)
            grid = spm.make_grid(atoms, settings)
            if mode == "fast":
                features, counts, _ = spm.pooled_descriptors(sample, grid, settings, classifier.settings_,
                                                             tmp_path / folder, jobs=1, progress=False)
                return features, counts
            tree = box_search_tree(sample.positions, grid.box_edges)
            boxes = [describe_box(sample, tree, grid, settings, classifier.settings_, i) for i in range(grid.size)]
            return np.array([vector for _, vector in boxes]), np.array([count for count, _ in boxes])

        (ruled, counts), (kept_all, _), (alone, host_counts) = (
            describe(atoms, 0.05, f"{mode}-ruled"), describe(atoms, 0.0, f"{mode}-all"),
            describe(host, 0.05, f"{mode}-host"))
        few = (counts - host_counts) < 0.05 * counts  # boxes where W is a minority
        assert few.sum() >= 20 and (~few).any(), mode
        assert np.allclose(ruled[few], alone[few], atol=1e-5), mode  # W left out: Cu with vacancies
        assert np.abs(ruled[~few] - alone[~few]).max() > 0.01, mode  # W of 5 % or more stays in
        assert np.abs(kept_all[few] - alone[few]).max(axis=1).min() > 0.01, mode  # without the rule W counts
