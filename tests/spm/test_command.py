"""`arise spm`: what it writes, and bad options refused before anything is written."""

import warnings

import ase.io
import numpy as np
import pytest
from click.testing import CliRunner

from ariseml.cli import main
from bicrystal import iron_bicrystal


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


@pytest.mark.parametrize("options", [["--box", "nan"], ["--box", "inf"], ["--stride", "nan"],
                                     ["--stride", "2,inf,2"], ["--settle", "nan"]])
def test_non_finite_lengths_are_refused_before_anything_is_written(tmp_path, options):
    sample = tmp_path / "bicrystal.xyz"
    ase.io.write(sample, iron_bicrystal())
    result = CliRunner().invoke(main, ["spm", str(sample), "--slab", *options, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "finite" in result.output, result.output
    assert not (tmp_path / "out").exists()


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
