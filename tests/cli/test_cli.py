import json

import ase.io
import pytest
from click.testing import CliRunner

from ariseml import __version__
from ariseml.cli import main


@pytest.fixture
def run():
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def test_version_and_help(run):
    assert run("--version").output.strip() == f"arise, version {__version__}"
    for command in ("prototypes", "build", "polycrystal", "superalloy"):
        result = run(command, "--help")
        assert result.exit_code == 0 and "Usage: main" in result.output or "Usage:" in result.output
    summaries = run("--help").output.split("Commands:")[1]
    assert "..." not in summaries and "Fig.\n" not in summaries and "et al.\n" not in summaries, summaries


def test_prototypes_json_lists_108_records(run):
    records = json.loads(run("prototypes", "--json").output)
    assert len(records) == 108
    assert set(records[0]) == {"id", "name", "group", "formula", "space_group", "arise_label", "source"}
    two_d = json.loads(run("prototypes", "--group", "2d", "--json").output)
    assert len(two_d) == 46 and {r["group"] for r in two_d} == {"2d"}
    table = run("prototypes").output
    assert "elemental 27, binary 11, ternary 6, quaternary 6, 2d 46, nanotube 12" in table


def test_build_writes_a_defective_supercell(run, tmp_path):
    target = tmp_path / "cu.xyz"
    result = run("build", "fcc_Cu", "--supercell", "0", "--remove", "0.1", "--displace", "0.02",
                 "--seed", "5", "-o", str(target))
    assert result.exit_code == 0, result.output
    atoms = ase.io.read(target)
    assert len(atoms) == 125 - round(0.1 * 125) and not atoms.pbc.any()
    periodic = tmp_path / "mos2.cif"
    assert run("build", "MoS2", "-o", str(periodic)).exit_code == 0
    assert ase.io.read(periodic).get_chemical_formula() == "MoS2"


@pytest.mark.parametrize("args, message", [
    (("build", "fcc_Cuu"), "closest: fcc_Cu"),
    (("build", "fcc_Cu", "--remove", "1"), "--remove must be a fraction"),
    (("build", "fcc_Cu", "--displace", "-0.1"), "--displace must be a fraction"),
    (("build", "cnt_4_4", "--supercell", "2"), "single finite structure"),
    (("build", "fcc_Cu", "--format", "nonsense"), "cannot write format"),
])
def test_bad_input_is_one_line_with_exit_code_2_and_no_file(run, tmp_path, args, message):
    target = tmp_path / "out.xyz"
    result = run(*args, "-o", str(target))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("arise: error:") and message in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_unwritable_path(run, tmp_path):
    result = run("build", "fcc_Cu", "-o", str(tmp_path / "missing" / "cu.xyz"))
    assert result.exit_code == 2 and "does not exist" in result.output


def test_polycrystal_and_superalloy_write_extended_xyz(run, tmp_path):
    grains = tmp_path / "poly.xyz"
    result = run("polycrystal", "--grains", "fcc_Cu,bcc_W", "--size", "30", "--slab", "10", "--seed", "3",
                 "-o", str(grains))
    assert result.exit_code == 0, result.output
    atoms = ase.io.read(grains)
    assert set(atoms.arrays["grain_id"]) == {0, 1} and atoms.info["grains"] == ["fcc_Cu", "bcc_W"]
    assert list(atoms.pbc) == [True, True, False]
    alloy = tmp_path / "alloy.xyz"
    assert run("superalloy", "--size", "30", "--seed", "1", "-o", str(alloy)).exit_code == 0
    atoms = ase.io.read(alloy)
    assert set(atoms.get_chemical_symbols()) == {"Ni", "Al"} and set(atoms.arrays["region"]) == {0, 1}
    result = run("polycrystal", "--grains", "MoS2", "--size", "30", "-o", str(tmp_path / "bad.xyz"))
    assert result.exit_code == 2 and "2D material" in result.output
    assert not (tmp_path / "bad.xyz").exists()


def test_written_files_get_the_usual_permissions(run, tmp_path):
    import os

    target = tmp_path / "cu.xyz"
    assert run("build", "fcc_Cu", "-o", str(target)).exit_code == 0
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_the_command_line_starts_without_pytorch():
    import subprocess
    import sys

    probe = ("import sys, ariseml.cli; assert 'torch' not in sys.modules, 'arise --help would load PyTorch'; "
             "from ariseml.spm import INFORMATION_MAX, scan; assert 'torch' in sys.modules")
    subprocess.run([sys.executable, "-c", probe], check=True)
