"""Strided pattern matching: the grid, the boxes, maps of a bicrystal, resuming, `arise spm`."""

import json
import tempfile
import warnings

import ase.io
import numpy as np
import pytest
import xarray as xr
from ase import Atoms
from ase.build import bulk
from click.testing import CliRunner

from ariseml import spm
from ariseml.classifier import Classifier
from ariseml.cli import main
from ariseml.errors import InputError
from bicrystal import iron_bicrystal


@pytest.fixture(scope="module")
def classifier():
    return Classifier.load(samples=100, seed=0)


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


def test_box_atoms_are_those_inside_the_box():
    atoms = bulk("Cu", "fcc", a=3.6, cubic=True).repeat((6, 6, 6))
    grid = spm.make_grid(atoms, spm.SpmSettings(box=7.0, stride=(3.0, 3.0, 3.0)))
    tree = spm.box_search_tree(atoms.positions, grid.box_edges)
    for flat_index in (0, grid.size // 2, grid.size - 1):
        centre = grid.box_centre(flat_index)
        expected = np.flatnonzero(np.all(np.abs(atoms.positions - centre) <= 3.5, axis=1))
        assert list(spm.atoms_in_box(tree, centre, grid.box_edges)) == list(expected)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="positive"):
        spm.SpmSettings(box=-1.0)
    with pytest.raises(ValueError, match="min_atoms"):
        spm.SpmSettings(min_atoms=1)


def test_bicrystal_map_finds_both_grains_and_resumes(tmp_path, classifier):
    atoms = iron_bicrystal()
    settings = spm.SpmSettings(box=10.0, stride=(5.0, 5.0, 5.0), geometry="slab", chunk_boxes=4,
                               hidden_layers=(2,))
    first = spm.scan(atoms, settings, classifier, tmp_path, jobs=1, progress=False)
    with xr.open_dataset(tmp_path / "spm.nc", engine="scipy") as written:  # what was returned is on disk too
        assert np.array_equal(written["probabilities"].values, first["probabilities"].values)
    assert first["hidden_2"].shape == (*first["argmax_class"].shape, 512) and (first["hidden_2"].values >= 0).all()
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


def test_spm_command_writes_maps_and_per_atom_labels(tmp_path):
    sample = tmp_path / "bicrystal.xyz"
    ase.io.write(sample, iron_bicrystal())
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["spm", str(sample), "--box", "10", "--stride", "5", "--slab",
                                       "--samples", "50", "--jobs", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "maps.png").stat().st_size > 10_000
    labelled = ase.io.read(out / "atoms.xyz")
    assert set(labelled.arrays["spm_class"]) >= {"fcc_Cu", "bcc_W"}
    assert labelled.arrays["spm_class"][np.argmin(labelled.positions[:, 0])] == "fcc_Cu"
    assert "most probable in" in result.output


def test_spm_command_refuses_bad_options(tmp_path):
    sample = tmp_path / "bicrystal.xyz"
    ase.io.write(sample, [iron_bicrystal(), iron_bicrystal()])
    runner = CliRunner()
    both = runner.invoke(main, ["spm", str(sample), "--slab", "--rod", "x", "--out", str(tmp_path / "o")])
    assert both.exit_code == 2 and "--slab or --rod" in both.output
    frames = runner.invoke(main, ["spm", str(sample), "--out", str(tmp_path / "o")])
    assert frames.exit_code == 2 and "2 frames" in frames.output
    stride = runner.invoke(main, ["spm", str(sample), "--stride", "1,2", "--out", str(tmp_path / "o")])
    assert stride.exit_code == 2 and "three" in stride.output
    remote = runner.invoke(main, ["spm", str(sample), "--scheduler", "tcp://localhost:1", "--device", "cuda",
                                  "--out", str(tmp_path / "o")])
    assert remote.exit_code == 2 and "leave out --device" in remote.output
    nowhere = runner.invoke(main, ["spm", str(sample)])
    assert nowhere.exit_code == 2 and "--out" in nowhere.output  # no default folder in the working directory


def test_four_grain_polycrystal_of_the_paper(arise_data, tmp_path, classifier):
    atoms = ase.io.read(arise_data / "Fig_2" / "Fig_2_four_grains_elemental_solid.xyz")
    settings = spm.SpmSettings(box=16.0, stride=(12.0, 12.0, 12.0), geometry="slab")
    top = spm.top_classes(spm.scan(atoms, settings, classifier, tmp_path, progress=False), 4)
    assert set(top) == {"fcc_Cu", "bcc_W", "hcp_Mg", "diamond_C"}


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


def test_fast_mode_box_sums_match_the_boxes_atoms_when_the_stride_does_not_divide_the_box():
    rng = np.random.default_rng(5)
    atoms = Atoms("Fe" * 3000, positions=rng.uniform(0, 23.0, (3000, 3)))
    settings = spm.SpmSettings(box=10.0, stride=(3.0, 2.5, 4.0), mode="fast")  # voxels 1, 2.5 and 2 Å wide
    grid = spm.make_grid(atoms, settings)
    on_a_face = np.any((atoms.positions == atoms.positions.min(axis=0)) | (atoms.positions == atoms.positions.max(axis=0)),
                       axis=1)
    atoms = atoms[~on_a_face]  # the extreme atoms, which set the grid, lie on box faces: in or out by rounding
    voxel, layout = spm.voxels.atom_voxels(atoms, grid, settings)
    assert layout.box == (5, 4, 10) and layout.step == (2, 1, 3)  # (z, y, x)
    per_voxel = np.bincount(voxel[voxel >= 0], minlength=layout.size).reshape(*layout.shape, 1).astype(float)
    counts = spm.voxels.box_sums(per_voxel, grid.shape, layout)[:, 0].round()
    tree = spm.box_search_tree(atoms.positions, grid.box_edges)
    direct = [len(spm.atoms_in_box(tree, grid.box_centre(i), grid.box_edges)) for i in range(grid.size)]
    assert grid.size > 100 and np.array_equal(counts, direct)


def _box_atom_sets(atoms: Atoms, grid: spm.Grid, settings: spm.SpmSettings) -> list[frozenset[int]]:
    """Each box's atoms by the rule of the mode: the search tree's (exact), the voxels' (fast)."""
    if settings.mode == "exact":
        tree = spm.box_search_tree(atoms.positions, grid.box_edges)
        return [frozenset(spm.atoms_in_box(tree, grid.box_centre(i), grid.box_edges)) for i in range(grid.size)]
    voxel, layout = spm.voxels.atom_voxels(atoms, grid, settings)
    position = np.array(np.unravel_index(np.maximum(voxel, 0), layout.shape)).T  # (atoms, 3) in z, y, x
    sets = []
    for box in range(grid.size):
        low = np.array(np.unravel_index(box, grid.shape)) * layout.step
        inside = (voxel >= 0) & np.all((position >= low) & (position < low + layout.box), axis=1)
        sets.append(frozenset(np.flatnonzero(inside)))
    return sets


@pytest.mark.parametrize("mode", ["exact", "fast"])
def test_boxes_holding_the_same_atoms_point_to_the_first_such_box(mode):
    atoms = bulk("Fe", "fcc", a=3.6, cubic=True).repeat(4)  # atomic planes 1.8 Å apart, stride 0.5 Å
    atoms.rattle(0.05, seed=1)
    atoms.pbc = False
    settings = spm.SpmSettings(box=8.0, stride=(0.5, 0.5, 0.5), mode=mode)
    grid = spm.make_grid(atoms, settings)
    first = spm.first_equal_box(atoms, grid, settings)
    sets = _box_atom_sets(atoms, grid, settings)
    expected = [sets.index(atoms_of_box) for atoms_of_box in sets]
    assert np.array_equal(first, expected) and np.sum(first != np.arange(grid.size)) > grid.size // 4


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


def test_fast_mode_needs_box_and_stride_with_a_common_divisor(tmp_path, classifier):
    atoms = iron_bicrystal()
    settings = spm.SpmSettings(box=10.0, stride=(np.pi, np.pi, np.pi), geometry="slab", mode="fast")
    with pytest.raises(ValueError, match="common divisor"):
        spm.scan(atoms, settings, classifier, tmp_path, jobs=1, progress=False)


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


def _small_scan(tmp_path, classifier, **changes):
    """A 21-box slab scan of the bicrystal into ``tmp_path``, in chunks of 4 boxes; its maps."""
    settings = spm.SpmSettings(box=10.0, stride=(5.0, 5.0, 5.0), geometry="slab", chunk_boxes=4, **changes)
    return spm.scan(iron_bicrystal(), settings, classifier, tmp_path, jobs=1, progress=False)


def test_chunks_of_another_run_are_never_mixed_in(tmp_path, classifier):
    _small_scan(tmp_path / "a", classifier, min_atoms=10)
    _small_scan(tmp_path / "b", classifier, min_atoms=11)
    chunk = sorted((tmp_path / "a" / "chunks").glob("chunk-*.npz"))[1]
    assert len(str(np.load(chunk)[spm.RUN_KEY])) == 64  # each chunk carries its run's key
    (tmp_path / "b" / "chunks" / chunk.name).write_bytes(chunk.read_bytes())  # one of run a's chunks in run b
    with pytest.raises(InputError) as refused:
        _small_scan(tmp_path / "b", classifier, min_atoms=11)
    message = str(refused.value)  # the library names its parameter; the command its option (below)
    assert "another sample, settings, model or ariseml version" in message and "choose another `out`" in message
    assert refused.value.parameters == ("out",)
    assert f"delete the folder {tmp_path / 'b'}" in message and "run.json" not in message


def test_a_folder_without_run_json_is_refused_and_left_as_it_was(tmp_path, classifier):
    _small_scan(tmp_path, classifier)
    (tmp_path / "run.json").unlink()  # the scan's record deleted: its chunks must not be taken for another run's
    with pytest.raises(InputError, match="holds no run.json"):
        _small_scan(tmp_path, classifier, min_atoms=11)
    sample = tmp_path / "bicrystal.xyz"
    ase.io.write(sample, iron_bicrystal())
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "maps.png").write_bytes(b"the user's own picture")
    result = CliRunner().invoke(main, ["spm", str(sample), "--box", "10", "--stride", "5", "--slab",
                                       "--samples", "10", "--jobs", "1", "--out", str(mine)])
    assert result.exit_code == 2 and "choose another --out" in result.output, result.output
    assert sorted(p.name for p in mine.iterdir()) == ["maps.png"]
    assert (mine / "maps.png").read_bytes() == b"the user's own picture"


@pytest.mark.parametrize("options", [["--box", "nan"], ["--box", "inf"], ["--stride", "nan"],
                                     ["--stride", "2,inf,2"], ["--settle", "nan"]])
def test_non_finite_lengths_are_refused_before_anything_is_written(tmp_path, options):
    sample = tmp_path / "bicrystal.xyz"
    ase.io.write(sample, iron_bicrystal())
    result = CliRunner().invoke(main, ["spm", str(sample), "--slab", *options, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "finite" in result.output, result.output
    assert not (tmp_path / "out").exists()


def test_corrupt_chunks_and_per_atom_files_are_recomputed(tmp_path, classifier, caplog):
    first = _small_scan(tmp_path / "exact", classifier)
    chunks = sorted((tmp_path / "exact" / "chunks").glob("chunk-*.npz"))
    chunks[0].write_bytes(b"not a chunk")  # numpy would advise allow_pickle for this one
    chunks[2].write_bytes(chunks[2].read_bytes()[:300])  # cut short
    with caplog.at_level("WARNING"):
        again = _small_scan(tmp_path / "exact", classifier)
    assert sum("corrupt" in r.getMessage() and "recomputed" in r.getMessage() for r in caplog.records) == 2
    assert np.array_equal(again["probabilities"].values, first["probabilities"].values)

    atoms = bulk("Fe", "fcc", a=3.6, cubic=True).repeat(4)
    atoms.pbc = False
    settings = spm.SpmSettings(box=8.0, stride=(4.0, 4.0, 4.0), mode="fast", chunk_boxes=4)
    fast = spm.scan(atoms, settings, classifier, tmp_path / "fast", jobs=1, progress=False)
    (tmp_path / "fast" / "per-atom" / "Fe-Fe-coefficients.npz").write_bytes(b"\x00" * 64)
    for chunk in (tmp_path / "fast" / "chunks").glob("chunk-*.npz"):
        chunk.unlink()
    caplog.clear()
    with caplog.at_level("WARNING"):
        rerun = spm.scan(atoms, settings, classifier, tmp_path / "fast", jobs=1, progress=False)
    assert any("Fe-Fe-coefficients.npz is corrupt" in r.getMessage() for r in caplog.records)
    assert np.array_equal(rerun["probabilities"].values, fast["probabilities"].values)


def test_a_box_larger_than_the_sample_is_one_clear_error_before_any_work(tmp_path):
    sample = tmp_path / "bicrystal.xyz"
    ase.io.write(sample, iron_bicrystal())  # 40.7 x 19.8 x 11.5 Å
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = CliRunner().invoke(main, ["spm", str(sample), "--box", "30", "--slab", "--out",
                                           str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines() == [result.output.strip()]
    assert "box (30) is larger than the sample along y" in result.output and "40.69 x 19.8 x 11.48" in result.output
    assert "use a smaller --box" in result.output
    assert not (tmp_path / "out").exists()


def test_a_rod_scan_maps_without_warnings(tmp_path, classifier):
    settings = spm.SpmSettings(box=10.0, stride=(5.0, 5.0, 5.0), geometry="rod", axis=0)
    dataset = spm.scan(iron_bicrystal(), settings, classifier, tmp_path, jobs=1, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a single box across the rod once made matplotlib warn
        spm.plot_maps(dataset, tmp_path / "maps.png", spm.top_classes(dataset, 2))
    assert (tmp_path / "maps.png").stat().st_size > 1000


def test_a_scan_without_a_folder_returns_the_maps_and_leaves_no_files(tmp_path, classifier, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the run's temporary folder goes
    settings = spm.SpmSettings(box=10.0, stride=(5.0, 5.0, 5.0), geometry="slab")
    dataset = spm.scan(iron_bicrystal(), settings, classifier, jobs=1, progress=False)
    classes = list(dataset["class"].values)
    argmax = dataset["argmax_class"].values[0]
    assert classes[argmax[0, 0]] == "fcc_Cu" and classes[argmax[0, -1]] == "bcc_W"
    assert not any(tmp_path.iterdir())


def test_maps_have_length_units_and_the_same_information_scale_every_time(tmp_path, classifier):
    import matplotlib

    matplotlib.use("Agg")
    dataset = _small_scan(tmp_path, classifier)
    information = spm.plot_plane(dataset, "mutual_information", unit="Å")
    assert (information.get_xlabel(), information.get_ylabel()) == ("x (Å)", "y (Å)")
    assert information.get_images()[0].get_clim() == (0, spm.INFORMATION_MAX)  # not the map's own range
    probability = spm.plot_plane(dataset, "bcc_W", unit="pixels", ax=information.figure.add_subplot(2, 1, 2))
    assert probability.get_images()[0].get_clim() == (0, 1) and probability.get_xlabel() == "x (pixels)"
