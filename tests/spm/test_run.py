"""Scans: maps of a bicrystal, empty boxes, equal boxes classified once, Dask, no folder."""

import tempfile

import numpy as np
import pytest
import xarray as xr
from ase.build import bulk

from ariseml import spm
from ariseml.models.bayesian_mlp import hidden_widths
from bicrystal import iron_bicrystal


def test_bicrystal_map_finds_both_grains_and_resumes(tmp_path, classifier):
    atoms = iron_bicrystal()
    settings = spm.SpmSettings(box=10.0, stride=(5.0, 5.0, 5.0), geometry="slab", chunk_boxes=4,
                               hidden_layers=(2,))
    first = spm.scan(atoms, settings, classifier, tmp_path, jobs=1, progress=False)
    with xr.open_dataset(tmp_path / "spm.nc", engine="scipy") as written:  # what was returned is on disk too
        assert np.array_equal(written["probabilities"].values, first["probabilities"].values)
    width = hidden_widths(classifier.model_)[1]  # hidden_2, the second layer; an ensemble's members side by side
    assert first["hidden_2"].shape == (*first["argmax_class"].shape, width) and (first["hidden_2"].values >= 0).all()
    before = first["hidden_2_before_relu"].values
    assert before.shape == first["hidden_2"].shape and np.nanmin(before) < 0
    classes = list(first["class"].values)
    argmax = first["argmax_class"].values[0]
    assert first["probabilities"].dims == ("class", "z", "y", "x")
    assert classes[argmax[0, 0]] == "fcc_Cu" and classes[argmax[0, -1]] == "bcc_W"
    assert np.allclose(first["probabilities"].sum("class").values, 1.0, atol=1e-4)
    assert (first["atom_count"].values > 100).all()

    chunks = sorted((tmp_path / "chunks").glob("chunk-*.npz"))
    assert len(chunks) == int(np.ceil(first["argmax_class"].size / 4))
    chunks[1].unlink()  # as if interrupted
    resumed = spm.scan(atoms, settings, classifier, tmp_path, jobs=1, progress=False)
    assert np.array_equal(resumed["probabilities"].values, first["probabilities"].values)

    with pytest.raises(ValueError, match="another sample"):
        spm.scan(atoms[:-5], settings, classifier, tmp_path, jobs=1, progress=False)


def test_empty_boxes_are_marked_not_guessed(tmp_path, classifier):
    atoms = iron_bicrystal()
    settings = spm.SpmSettings(box=10.0, stride=(5.0, 5.0, 5.0), geometry="slab", min_atoms=100_000)
    dataset = spm.scan(atoms, settings, classifier, tmp_path, jobs=1, progress=False)
    assert (dataset["argmax_class"].values == -1).all()
    assert np.isnan(dataset["mutual_information"].values).all()


def test_a_scan_classifies_equal_boxes_once_and_maps_them_all(tmp_path, classifier):
    atoms = bulk("Fe", "fcc", a=3.6, cubic=True).repeat(4)
    atoms.rattle(0.05, seed=1)
    atoms.pbc = False
    settings = spm.SpmSettings(box=8.0, stride=(0.5, 0.5, 0.5), mode="fast", chunk_boxes=16)
    grid = spm.make_grid(atoms, settings)
    features, _, valid = spm.pooled_descriptors(atoms, grid, settings, classifier.settings_, tmp_path / "pool",
                                                jobs=1, progress=False)
    every_box = classifier.predict_arrays(features[valid])  # all boxes, duplicates too
    result = spm.scan(atoms, settings, classifier, tmp_path / "scan", jobs=1, progress=False)
    distinct = np.unique(spm.first_equal_box(atoms, grid, settings))
    chunks = sorted((tmp_path / "scan" / "chunks").glob("chunk-*.npz"))
    assert sum(len(np.load(chunk)["indices"]) for chunk in chunks) == len(distinct) < grid.size
    mapped = result["probabilities"].values.reshape(len(result["class"]), -1).T
    assert valid.all() and np.allclose(mapped, every_box.probabilities, atol=1e-5)
    assert np.allclose(result["mutual_information"].values.ravel(), every_box.mutual_information, atol=1e-5)
    chunks[len(chunks) // 2].unlink()  # an interrupted run: the rerun redoes that chunk only
    resumed = spm.scan(atoms, settings, classifier, tmp_path / "scan", jobs=1, progress=False)
    assert len(list((tmp_path / "scan" / "chunks").glob("chunk-*.npz"))) == len(chunks)
    assert np.array_equal(resumed["probabilities"].values, result["probabilities"].values)


@pytest.mark.parametrize("mode", ["exact", "fast"])
def test_dask_cluster_gives_the_local_numbers(tmp_path, classifier, mode):
    distributed = pytest.importorskip("distributed")
    atoms = iron_bicrystal()
    settings = spm.SpmSettings(box=10.0, stride=(5.0, 5.0, 5.0), geometry="slab", mode=mode, chunk_boxes=5)
    local = spm.scan(atoms, settings, classifier, tmp_path / "local", jobs=1, progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        remote = spm.scan(atoms, settings, classifier, tmp_path / "dask", progress=False, scheduler=cluster.scheduler_address)
    assert np.array_equal(local["probabilities"].values, remote["probabilities"].values)
    assert np.array_equal(local["atom_count"].values, remote["atom_count"].values)


def test_a_scan_without_a_folder_returns_the_maps_and_leaves_no_files(tmp_path, classifier, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the run's temporary folder goes
    settings = spm.SpmSettings(box=10.0, stride=(5.0, 5.0, 5.0), geometry="slab")
    dataset = spm.scan(iron_bicrystal(), settings, classifier, jobs=1, progress=False)
    classes = list(dataset["class"].values)
    argmax = dataset["argmax_class"].values[0]
    assert classes[argmax[0, 0]] == "fcc_Cu" and classes[argmax[0, -1]] == "bcc_W"
    assert not any(tmp_path.iterdir())
