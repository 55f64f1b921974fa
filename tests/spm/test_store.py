"""A scan's folder: files of other runs never mixed in, the user's files never touched, corrupt files redone."""

import ase.io
import numpy as np
import pytest
from ase.build import bulk
from click.testing import CliRunner

from ariseml import spm
from ariseml.cli import main
from ariseml.errors import InputError
from bicrystal import iron_bicrystal


def test_chunks_of_another_run_are_never_mixed_in(tmp_path, small_scan):
    small_scan(tmp_path / "a", min_atoms=10)
    small_scan(tmp_path / "b", min_atoms=11)
    chunk = sorted((tmp_path / "a" / "chunks").glob("chunk-*.npz"))[1]
    assert len(str(np.load(chunk)[spm.RUN_KEY])) == 64  # each chunk carries its run's key
    (tmp_path / "b" / "chunks" / chunk.name).write_bytes(chunk.read_bytes())  # one of run a's chunks in run b
    with pytest.raises(InputError) as refused:
        small_scan(tmp_path / "b", min_atoms=11)
    message = str(refused.value)  # the library names its parameter; the command its option (below)
    assert "another sample, settings, model or ariseml version" in message and "choose another `out`" in message
    assert refused.value.parameters == ("out",)
    assert f"delete the folder {tmp_path / 'b'}" in message and "run.json" not in message


def test_a_folder_without_run_json_is_refused_and_left_as_it_was(tmp_path, small_scan):
    small_scan(tmp_path)
    (tmp_path / "run.json").unlink()  # the scan's record deleted: its chunks must not be taken for another run's
    with pytest.raises(InputError, match="holds no run.json"):
        small_scan(tmp_path, min_atoms=11)
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


def test_corrupt_chunks_and_per_atom_files_are_recomputed(tmp_path, classifier, small_scan, caplog):
    first = small_scan(tmp_path / "exact")
    chunks = sorted((tmp_path / "exact" / "chunks").glob("chunk-*.npz"))
    chunks[0].write_bytes(b"not a chunk")  # numpy would advise allow_pickle for this one
    chunks[2].write_bytes(chunks[2].read_bytes()[:300])  # cut short
    with caplog.at_level("WARNING"):
        again = small_scan(tmp_path / "exact")
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


def test_a_result_is_read_from_its_file_or_folder_and_a_wrong_path_said_so(tmp_path, small_scan):
    written = small_scan(tmp_path / "run")
    for path in (tmp_path / "run", tmp_path / "run" / "spm.nc"):
        assert (spm.read_result(path)["argmax_class"].values == written["argmax_class"].values).all()
    with pytest.raises(InputError, match="no SPM result"):
        spm.read_result(tmp_path / "elsewhere")
