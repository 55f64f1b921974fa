"""Reading and writing through ASE: every frame or a clear error, never a half-written file, no unpickling."""

from __future__ import annotations

import os

import numpy as np
import pytest
from ase.build import bulk

from ariseml.errors import InputError
from ariseml.io import atomic_path, output_format, read_arrays, read_frames, write_structure


def test_every_frame_of_a_trajectory_is_read(tmp_path):
    frames = [bulk("Cu", "fcc", a=3.6).repeat(2), bulk("Fe", "bcc", a=2.87).repeat(2)]
    write_structure(tmp_path / "two.xyz", frames)
    read = read_frames(tmp_path / "two.xyz")
    assert [a.get_chemical_formula() for a in read] == ["Cu8", "Fe8"]


@pytest.mark.parametrize("content, message", [(None, "no such file"), (b"\x89\x00\xff\xfe" * 20, "not a text file"),
                                              (b"2\n\nXx 0 0 0\nCu 1 1 1\n", "unknown element symbol 'Xx'")])
def test_unreadable_files_are_one_error_saying_what_to_fix(tmp_path, content, message):
    path = tmp_path / "sample.xyz"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_frames(path)
    with pytest.raises(InputError, match="is a folder"):
        read_frames(tmp_path)


def test_the_output_format_comes_from_the_name_or_is_refused():
    assert output_format("out.cif") == "cif" and output_format("anything", "extxyz") == "extxyz"
    with pytest.raises(InputError, match="cannot tell the file format") as refused:
        output_format("out.unknown-extension")
    assert "give `format`" in str(refused.value) and refused.value.parameters == ("format",)


def test_the_command_names_its_option_where_the_library_names_its_parameter(tmp_path):
    from click.testing import CliRunner

    from ariseml.cli import main

    (tmp_path / "sample.weird").write_text("Cu 0 0 0\n")
    result = CliRunner().invoke(main, ["classify", str(tmp_path / "sample.weird")])
    assert result.exit_code != 0 and "give --format" in result.output and "`" not in result.output, result.output


def test_a_failed_write_leaves_neither_the_file_nor_a_temporary_one(tmp_path):
    target = tmp_path / "result.txt"
    with pytest.raises(RuntimeError), atomic_path(target) as temporary:
        with open(temporary, "w") as handle:
            handle.write("half")
        raise RuntimeError("the writer failed")
    assert not any(tmp_path.iterdir())
    with atomic_path(target) as temporary:
        with open(temporary, "w") as handle:
            handle.write("whole")
    assert target.read_text() == "whole" and os.listdir(tmp_path) == ["result.txt"]


def test_arrays_are_read_back_and_pickles_or_damage_give_none(tmp_path):
    good = tmp_path / "good.npz"
    np.savez(good, values=np.arange(3))
    assert np.array_equal(read_arrays(good)["values"], np.arange(3))
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, objects=np.array([{"code": "runs on load"}], dtype=object))
    assert read_arrays(pickled) is None  # an object array would need unpickling: refused, to be recomputed
    (tmp_path / "cut.npz").write_bytes(good.read_bytes()[:100])
    assert read_arrays(tmp_path / "cut.npz") is None
