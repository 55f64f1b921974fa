"""Per-atom labels: each atom's sphere described as the whole structure would be, classified, written, resumed."""

import ase.io
import numpy as np
import pytest
from ase.build import bulk
from click.testing import CliRunner

from ariseml.classifier import Classifier
from ariseml.cli import main
from ariseml.descriptors.soap import arise_soap
from ariseml.labels import DEFAULT_RADIUS, environment_descriptors, label_atoms, sphere_radius
from bicrystal import iron_bicrystal


@pytest.fixture(scope="module")
def realistic():
    return Classifier.load("realistic", samples=30, seed=0)


def test_the_default_sphere_grows_with_the_most_common_elements_spacing():
    assert sphere_radius(bulk("Cu", "fcc", a=3.61, cubic=True)) == DEFAULT_RADIUS  # 2.55 Å apart: 9.9 Å holds enough
    argon = bulk("Ar", "fcc", a=5.26, cubic=True)  # 3.72 Å apart
    assert sphere_radius(argon) == pytest.approx(3.2 * 5.26 / np.sqrt(2))
    rock_salt = bulk("NaCl", "rocksalt", a=5.64)  # Na-Cl 2.82 Å, but each sublattice 3.99 Å
    assert sphere_radius(rock_salt) == pytest.approx(3.2 * 5.64 / np.sqrt(2))
    assert sphere_radius(bulk("Cu")[:1]) == DEFAULT_RADIUS


@pytest.mark.parametrize("atoms", [bulk("Cu", "fcc", a=3.61),  # one atom: its images fill the sphere
                                   bulk("Mg", "hcp", a=3.21, c=5.21).repeat((2, 2, 1)),  # a non-orthogonal cell
                                   bulk("NaCl", "rocksalt", a=5.64, cubic=True)])  # two species
def test_a_periodic_crystal_gives_every_atom_the_whole_structure_vector(atoms, realistic):
    whole = arise_soap(atoms, realistic.settings_)
    for taper, species_reach in ((0.0, 0.0), (0.4, 2.0)):  # every atom alike; weighted, species near the centre
        vectors, counts = environment_descriptors(atoms, realistic.settings_, radius=8.0, taper=taper,
                                                  species_reach=species_reach, jobs=1)
        cosines = vectors @ whole / np.linalg.norm(vectors, axis=1) / np.linalg.norm(whole)
        assert cosines.min() > 0.9999
    expected = 4 / 3 * np.pi * 8.0**3 * len(atoms) / atoms.get_volume()
    assert np.all(np.abs(counts - expected) < 0.1 * expected)


def test_each_grain_of_a_bicrystal_gets_its_class_and_surface_atoms_no_guess(realistic):
    atoms = iron_bicrystal()
    atoms.rattle(0.05, seed=0)
    labels = label_atoms(atoms, realistic, radius=6.0, min_atoms=40, jobs=1)
    x = atoms.positions[:, 0]
    names = labels.names()
    interior = labels.labelled & (np.abs(atoms.positions[:, 2] - 6.0) < 1.0)
    # a 12 Å film cuts the 6 Å spheres: the stop-40 model reads 19 % of the fcc grain's mid-plane as bct In (the
    # stop-38 one 2 %; docs/limits.md, "Thin films")
    assert np.mean(names[interior & (x < 14)] == "fcc_Cu") > 0.75
    assert np.mean(names[interior & (x > 26)] == "bcc_W") > 0.9
    corner = np.argmin(np.linalg.norm(atoms.positions, axis=1))  # an eighth of its sphere holds atoms
    assert not labels.labelled[corner] and names[corner] == "" and np.isnan(labels.top_probabilities[corner, 0])


def test_atoms_command_writes_columns_ovito_reads_reports_bad_files_and_resumes(tmp_path, monkeypatch):
    crystal = bulk("Cu", "fcc", a=3.61, cubic=True).repeat(3)
    crystal.rattle(0.05, seed=1)
    ase.io.write(tmp_path / "cu.xyz", [crystal, crystal])
    (tmp_path / "broken.xyz").write_text("not a structure\n")
    out = tmp_path / "out"
    arguments = ["atoms", str(tmp_path / "cu.xyz"), str(tmp_path / "broken.xyz"), "--out", str(out),
                 "--model", "realistic", "--samples", "20", "--jobs", "1", "--radius", "7"]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 1 and "broken.xyz" in result.output and "fcc_Cu 100.0 %" in result.output
    frames = ase.io.read(out / "cu.xyz", index=":")
    assert len(frames) == 2 and not (out / "broken.xyz").exists()
    assert set(frames[0].arrays["arise_class"]) == {"fcc_Cu"}
    assert frames[0].arrays["arise_probability"].min() > 0.9
    assert frames[0].arrays["arise_class_id_2"].shape == (len(crystal),)

    def no_labels(*_, **__):
        raise AssertionError("the finished frames were recomputed")

    monkeypatch.setattr("ariseml.labels.run.environment_blocks", no_labels)
    again = CliRunner().invoke(main, arguments[:2] + arguments[3:])
    assert again.exit_code == 0, again.output
    assert np.array_equal(ase.io.read(out / "cu.xyz").arrays["arise_probability"],
                          frames[0].arrays["arise_probability"])


def test_a_lammps_dump_is_labelled_into_a_dump(tmp_path):
    crystal = bulk("Fe", "bcc", a=2.87, cubic=True).repeat(4)
    crystal.rattle(0.05, seed=2)
    lines = ["ITEM: TIMESTEP", "7", "ITEM: NUMBER OF ATOMS", str(len(crystal)), "ITEM: BOX BOUNDS pp pp pp",
             *(f"0 {length}" for length in crystal.cell.lengths()), "ITEM: ATOMS id type x y z",
             *(f"{i + 1} 1 {x} {y} {z}" for i, (x, y, z) in enumerate(crystal.positions))]
    (tmp_path / "run.dump").write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(main, ["atoms", str(tmp_path / "run.dump"), "--out", str(tmp_path / "out"),
                                       "--model", "realistic", "--samples", "20", "--jobs", "1", "--radius", "7"])
    assert result.exit_code == 0, result.output
    written = (tmp_path / "out" / "run.dump").read_text().splitlines()
    assert written[1] == "7" and written[8].startswith("ITEM: ATOMS id type x y z arise_class_id arise_probability")
    classes = dict(line.split() for line in (tmp_path / "out" / "run.dump.classes.txt").read_text().splitlines())
    assert {classes[row.split()[5]] for row in written[9:]} == {"bcc_W"}
    assert len(ase.io.read(tmp_path / "out" / "run.dump", format="lammps-dump-text")) == len(crystal)


def test_pooling_a_fraction_of_the_atoms_estimates_the_same_vector(realistic):
    from ariseml.errors import InputError

    crystal = bulk("Fe", "bcc", a=2.87, cubic=True).repeat(6)
    crystal.rattle(0.05, seed=4)
    full, _ = environment_descriptors(crystal, realistic.settings_, radius=8.0, jobs=1)
    sampled, _ = environment_descriptors(crystal, realistic.settings_, radius=8.0, pool_fraction=0.3, jobs=1)
    cosines = np.sum(full * sampled, axis=1) / np.linalg.norm(full, axis=1) / np.linalg.norm(sampled, axis=1)
    assert cosines.min() > 0.999 and not np.allclose(full, sampled)
    with pytest.raises(InputError, match="fraction"):
        environment_descriptors(crystal, realistic.settings_, pool_fraction=0.0)


@pytest.mark.parametrize("periodic", [True, False])
def test_a_sample_done_in_slabs_and_blocks_gets_the_same_descriptors(periodic, realistic, monkeypatch):
    crystal = bulk("NaCl", "rocksalt", a=5.64, cubic=True).repeat((6, 3, 3))  # 648 atoms, longest along x
    crystal.rattle(0.05, seed=6)
    crystal.pbc = periodic
    options = dict(radius=8.0, taper=0.4, species_reach=2.0, jobs=1)
    whole, counts = environment_descriptors(crystal, realistic.settings_, **options)
    monkeypatch.setattr("ariseml.labels.environments.COEFFICIENT_ROWS_PER_REGION", 300)  # two species: slabs of 150
    monkeypatch.setattr("ariseml.labels.environments.CENTRES_PER_BLOCK", 37)
    sliced, sliced_counts = environment_descriptors(crystal, realistic.settings_, **options)
    assert np.array_equal(counts, sliced_counts) and np.any(whole != 0, axis=1).all()
    assert np.allclose(sliced, whole, rtol=1e-5, atol=1e-7)


def test_a_few_solute_atoms_leave_a_metal_a_metal(realistic):
    crystal = bulk("Cu", "fcc", a=3.61, cubic=True).repeat(6)
    crystal.rattle(0.05, seed=5)
    symbols = np.array(crystal.get_chemical_symbols())
    symbols[np.random.default_rng(0).choice(len(crystal), 9, replace=False)] = "W"  # 1 %
    crystal.set_chemical_symbols(symbols)
    as_whole = label_atoms(crystal, realistic, radius=8.0, minority=0.0, taper=0.0, species_reach=0.0, jobs=1)
    assert np.mean(as_whole.names() == "fcc_Cu") < 0.5  # every species in every sphere: a compound
    assert np.all(label_atoms(crystal, realistic, radius=8.0, jobs=1).names() == "fcc_Cu")


def test_a_grain_of_another_element_beyond_the_species_reach_is_left_out(realistic):
    copper = bulk("Cu", "fcc", a=3.61, cubic=True).repeat((4, 4, 4))  # 14.4 Å
    tungsten = bulk("W", "bcc", a=3.16, cubic=True).repeat((4, 4, 4))
    tungsten.positions += [copper.cell[0, 0] + 2.5, 0.0, 0.0]  # a W grain beside the Cu one
    both = copper + tungsten
    both.pbc = copper.pbc = False
    options = dict(radius=8.0, minority=0.0, jobs=1)
    alone, _ = environment_descriptors(copper, realistic.settings_, species_reach=2.0, **options)
    ruled, _ = environment_descriptors(both, realistic.settings_, species_reach=2.0, **options)
    mixed, _ = environment_descriptors(both, realistic.settings_, **options)
    to_tungsten = np.linalg.norm(copper.positions[:, None] - tungsten.positions[None], axis=2).min(axis=1)
    far = to_tungsten > 2.0 * 3.61 / np.sqrt(2)  # twice Cu's d_NN
    seen = far & (to_tungsten < 7.9)  # W in the sphere, beyond the reach
    assert far.sum() > 100 and seen.sum() > 20 and (~far).sum() > 10
    assert np.allclose(ruled[:len(copper)][far], alone[far], atol=1e-5)  # Cu pairs only
    assert np.abs(mixed[:len(copper)][seen] - alone[seen]).max(axis=1).min() > 0.01  # W counts
    assert np.abs(ruled[:len(copper)][~far] - alone[~far]).max(axis=1).min() > 0.01  # W within reach: kept
