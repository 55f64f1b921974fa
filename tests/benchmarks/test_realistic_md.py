"""benchmarks/realistic_md.py without LAMMPS: its system table and the two frames in tests/fixtures/md."""

from __future__ import annotations

import importlib.util
import sys
from numbers import Integral, Real
from pathlib import Path

import pytest
import spglib

from ariseml.prototypes import get_prototype

REPOSITORY = Path(__file__).resolve().parents[2]
FIXTURES = REPOSITORY / "tests" / "fixtures" / "md"
INFO_TYPES = {"suite": str, "system": str, "class_id": str, "t_over_tm": Real, "temperature": Real,
              "melt": bool, "potential": str, "snapshot": Integral}
"""ASE reads the numbers of extended XYZ back as NumPy scalars, the flags as bool."""


@pytest.fixture(scope="module")
def realistic_md():
    spec = importlib.util.spec_from_file_location("realistic_md", REPOSITORY / "benchmarks" / "realistic_md.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


@pytest.fixture(scope="module")
def frames(realistic_md):
    return {("melt" if frame.info["melt"] else "crystal"): frame for frame in realistic_md.md_frames(FIXTURES)}


def test_fixture_frames_carry_the_info_schema(realistic_md, frames):
    assert set(frames) == {"crystal", "melt"}
    for frame in frames.values():
        for key, kind in INFO_TYPES.items():
            assert isinstance(frame.info[key], kind), key
        system = realistic_md.SYSTEMS_BY_NAME[frame.info["system"]]
        assert frame.info["suite"] == "md"
        assert frame.info["class_id"] == system.class_id == get_prototype(system.class_id).id
        assert frame.info["temperature"] == pytest.approx(frame.info["t_over_tm"] * system.tm)
    assert frames["crystal"].info["t_over_tm"] == 0.5
    assert frames["melt"].info["t_over_tm"] == realistic_md.MELT_T_OVER_TM


def test_fixture_crystal_is_periodic_fcc_copper(frames):
    crystal = frames["crystal"]
    assert crystal.pbc.all() and crystal.get_volume() > 0
    assert set(crystal.get_chemical_symbols()) == {"Cu"} and len(crystal) <= 300
    assert crystal.info["class_id"] == "fcc_Cu"
    assert crystal.info["intact"] and crystal.info["lindemann"] < 0.25
    assert not frames["melt"].info["intact"]


def test_every_system_builds_its_class(realistic_md):
    covered = set()
    for system in realistic_md.SYSTEMS:
        cell = realistic_md.unit_cell(system)
        numbers = [system.species.index(symbol) + 1 for symbol in cell.get_chemical_symbols()]
        space_group = spglib.get_symmetry_dataset((cell.cell.array, cell.get_scaled_positions(), numbers)).number
        assert space_group == get_prototype(system.class_id).space_group, system.name
        assert system.tm > 0 and system.tm_source and system.potential, system.name
        assert system.engine == "emt" or system.pair, system.name
        covered.add(system.lattice)
    assert covered == {"fcc", "bcc", "hcp", "diamond", "L12", "L10", "B2", "rocksalt"}
    assert len(realistic_md.SYSTEMS_BY_NAME) == len(realistic_md.SYSTEMS)


def test_supercells_have_about_two_thousand_atoms(realistic_md):
    for system in realistic_md.SYSTEMS:
        if system.engine == "lammps":
            assert 1700 <= len(realistic_md.supercell(system, 2000)) <= 2100, system.name


def test_lindemann_of_the_perfect_lattice_is_zero(realistic_md):
    crystal = realistic_md.supercell(realistic_md.SYSTEMS_BY_NAME["Cu_fcc_emt"], 256)
    sites = crystal.get_scaled_positions()
    assert realistic_md.lindemann(crystal, sites, realistic_md.nearest_distance(crystal)) < 1e-12
    crystal.translate([100.0, 0.0, 0.0])  # a drift and a wrap are no displacement
    crystal.wrap()
    assert realistic_md.lindemann(crystal, sites, 1.0) < 1e-9


def test_missing_frames_say_how_to_make_them(realistic_md, tmp_path):
    with pytest.raises(FileNotFoundError, match="realistic_md.py"):
        realistic_md.md_frames(tmp_path)
