"""Unsupervised exploration: clustering, soft clustering, similarity, and `arise explore` on real runs."""

import json

import ase.io
import numpy as np
import pytest
from click.testing import CliRunner

pytest.importorskip("hdbscan")
pytest.importorskip("umap")

from ariseml import explore  # noqa: E402
from ariseml.cli import main  # noqa: E402
from ariseml.prototypes import build  # noqa: E402


def blobs(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0], [0.0, 10.0, 0.0]])
    truth = np.repeat([0, 1, 2], 60)
    return centres[truth] + rng.normal(scale=0.8, size=(180, 3)), truth


def test_hdbscan_finds_the_three_groups():
    from sklearn.metrics import adjusted_rand_score

    points, truth = blobs()
    labels = explore.cluster(points, min_cluster_size=20)
    assert labels.max() == 2
    kept = labels >= 0
    assert adjusted_rand_score(truth[kept], labels[kept]) == 1.0


def test_soft_clustering_assigns_near_points_and_keeps_far_ones_out():
    points, truth = blobs(1)
    extra = np.array([[2.8, 0.0, 0.0], [100.0, 100.0, 100.0]])  # near the first group; far from all
    soft = explore.cluster(np.concatenate([points, extra]), 20, soft=True)
    first_group = np.bincount(soft[:60][soft[:60] >= 0]).argmax()
    assert soft[-2] == first_group and soft[-1] == -1


def test_sweep_reports_clusters_and_outliers():
    points, _ = blobs()
    rows = explore.sweep(points, [10, 100])
    assert rows[0] == {"min_cluster_size": 10, "clusters": 3, "outliers": rows[0]["outliers"]}
    assert rows[1]["clusters"] < 3


def test_cosine_similarity_matrix():
    vectors = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 3.0]])
    assert np.allclose(explore.cosine_similarity(vectors), [[1, 1, 0], [1, 1, 0], [0, 0, 1]])


def test_explore_command_on_structures(tmp_path):
    files = []
    for prototype_id in ("fcc_Cu", "bcc_W", "hcp_Mg", "diamond_C", "rocksalt_NaCl", "graphene"):
        path = tmp_path / f"{prototype_id}.xyz"
        ase.io.write(path, build(prototype_id, supercell=0))
        files.append(str(path))
    result = CliRunner().invoke(main, ["explore", *files, "--min-cluster-size", "2", "--neighbors", "3",
                                       "--samples", "50", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    similarity = np.load(tmp_path / "out" / "similarity.npy")
    assert similarity.shape == (6, 6) and np.allclose(np.diag(similarity), 1.0)
    assert similarity[0, 1] > similarity[0, 5]  # fcc is closer to bcc than to graphene
    assert (tmp_path / "out" / "embedding.html").stat().st_size > 100_000
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["points"] == 6
    again = CliRunner().invoke(main, ["explore", *files, "--min-cluster-size", "2", "--neighbors", "3",
                                      "--samples", "50", "--out", str(tmp_path / "out")])
    assert again.exit_code == 0, again.output  # a rerun into its own output folder replaces it
    default_size = CliRunner().invoke(main, ["explore", *files, "--neighbors", "3", "--samples", "50", "--out",
                                             str(tmp_path / "out")])
    assert "0 clusters, 6 outliers" in default_size.output and "try --min-cluster-size 2" in default_size.output
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    refused = CliRunner().invoke(main, ["explore", *files, "--out", str(tmp_path / "mine")])
    assert refused.exit_code == 2 and "not empty" in refused.output
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["notes.txt"]


def test_explore_command_on_an_spm_run(tmp_path):
    from bicrystal import iron_bicrystal

    sample = tmp_path / "bicrystal.xyz"
    ase.io.write(sample, iron_bicrystal())
    runner = CliRunner()
    spm = runner.invoke(main, ["spm", str(sample), "--box", "8", "--stride", "2", "--slab", "--samples", "50",
                               "--jobs", "1", "--out", str(tmp_path / "spm")])
    assert spm.exit_code == 0, spm.output
    missing = runner.invoke(main, ["explore", str(tmp_path / "spm"), "--out", str(tmp_path / "x")])
    assert missing.exit_code == 2 and "--hidden-layer 2" in missing.output
    spm = runner.invoke(main, ["spm", str(sample), "--box", "8", "--stride", "2", "--slab", "--samples", "50",
                               "--jobs", "1", "--hidden-layer", "2", "--out", str(tmp_path / "spm2")])
    result = runner.invoke(main, ["explore", str(tmp_path / "spm2"), "--min-cluster-size", "10",
                                  "--neighbors", "10", "--species", "Fe,Fe", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    stored = np.load(tmp_path / "out" / "explore.npz")
    assert stored["labels"].max() >= 1  # the two grains apart
    left = stored["grid_index"][:, 2] == 0
    right = stored["grid_index"][:, 2] == stored["grid_index"][:, 2].max()
    assert set(stored["labels"][left]) .isdisjoint(set(stored["labels"][right]) - {-1})
    assert (tmp_path / "out" / "cluster_map.png").exists() and (tmp_path / "out" / "delta_d.png").exists()
    before = runner.invoke(main, ["explore", str(tmp_path / "spm2"), "--before-relu", "--min-cluster-size", "10",
                                  "--neighbors", "10", "--out", str(tmp_path / "before")])
    assert before.exit_code == 0 and "before its ReLU" in before.output, before.output
    assert json.loads((tmp_path / "before" / "summary.json").read_text())["before_relu"] is True


def test_a_cluster_has_one_colour_in_every_figure_and_outliers_are_grey():
    first = explore.cluster_colours(np.array([2, -1, 0, 1, 0]))
    assert list(first) == [-1, 0, 1, 2] and first[-1] == explore.figures.OUTLIER_COLOUR
    assert len(set(first.values())) == 4  # distinct, not a continuous scale
    assert explore.cluster_colours(np.array([0, 1, 2]))[2] == first[2]  # the same cluster, the same colour


def test_subset_keeps_the_chosen_points_and_their_facts():
    points = explore.Representations(
        vectors=np.arange(12.0).reshape(4, 3), labels=["a", "b", "c", "d"], predicted=["x", "y", "x", "y"],
        probability=np.array([0.9, 0.8, 0.7, 0.6]), mutual_information=np.array([0.1, 0.2, 0.3, 0.4]),
        positions=np.zeros((4, 3)), grid_index=np.arange(12).reshape(4, 3))
    chosen = points.subset(np.array(points.predicted) == "x")
    assert chosen.labels == ["a", "c"] and list(chosen.probability) == [0.9, 0.7]
    assert chosen.vectors.shape == (2, 3) and list(chosen.grid_index[:, 0]) == [0, 6]
