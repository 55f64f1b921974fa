"""A user's own classes: registered from files with their shape and symmetry, refused when they are not new."""

import json

import ase.io
import numpy as np
import pytest
from ase.build import bulk, mx2
from ase.cluster import Icosahedron

from ariseml.classifier import Classifier
from ariseml.errors import InputError
from ariseml.prototypes import build
from ariseml.prototypes.user import CLASSES_FILE, add_class, read_classes


@pytest.fixture(scope="module")
def settings():
    return Classifier.load("realistic").settings_


def _file(folder, name, atoms):
    path = folder / name
    ase.io.write(path, atoms)
    return path


def test_a_class_is_registered_with_its_shape_and_symmetry_and_builds_again(tmp_path, settings):
    fluorite = _file(tmp_path, "CaF2.cif", bulk("CaF2", "fluorite", a=5.46))
    prototype, closest = add_class(tmp_path / "classes", [fluorite], "fluorite", settings, "fluorite (CaF2)")
    assert (prototype.group, prototype.space_group, prototype.formula) == ("user", 225, "CaF2")
    assert prototype.definition["shape"] == "bulk" and not prototype.is_finite and not prototype.is_2d
    assert closest.id == "B2_CsCl" and closest.distance > 0.05  # new, but nearest the CsCl cube
    registered, = read_classes(tmp_path / "classes")
    assert registered == prototype and registered.name == "fluorite (CaF2)"
    cell, original = registered.unit_cell(), bulk("CaF2", "fluorite", a=5.46)
    assert np.allclose(cell.cell.cellpar(), original.cell.cellpar(), atol=1e-4)  # the file's cell, as CIF keeps it
    assert cell.get_chemical_symbols() == original.get_chemical_symbols()
    assert len(build(registered, supercell=0)) >= 100  # the paper's supercells work for it as for the 108


def test_layers_and_clusters_keep_their_shape(tmp_path, settings):
    layer = _file(tmp_path, "MoTe2.xyz", mx2("MoTe2", kind="1T", a=3.5))
    cluster = _file(tmp_path, "ico.xyz", Icosahedron("Au", 3))
    flat, _ = add_class(tmp_path / "c", [layer], "MoTe2_1T", settings)
    ball, _ = add_class(tmp_path / "c", [cluster], "icosahedron", settings)
    assert flat.is_2d and flat.unit_cell().pbc.tolist() == [True, True, False]
    assert ball.is_finite and not ball.unit_cell().pbc.any() and ball.space_group is None
    assert [p.id for p in read_classes(tmp_path / "c")] == ["MoTe2_1T", "icosahedron"]


@pytest.mark.parametrize(("atoms", "class_id", "message"), [
    (bulk("Al", "fcc", a=4.05, cubic=True), "fccAl", "duplicates the class fcc_Cu"),  # scale and species unseen
    (bulk("CaF2", "fluorite", a=5.46), "fcc_Cu", r"taken by one of the 108 classes \(fcc_Cu\)"),
    (bulk("CaF2", "fluorite", a=5.46), "not_a_crystal", "taken by the not-a-crystal answer"),
    (bulk("CaF2", "fluorite", a=5.46), "my class", "start with a letter"),
    (bulk("Cu", "fcc", a=3.6), "single", "more than one atom"),
])
def test_what_is_not_a_new_class_is_refused_and_nothing_is_written(tmp_path, settings, atoms, class_id, message):
    with pytest.raises(InputError, match=message):
        add_class(tmp_path / "c", [_file(tmp_path, "s.xyz", atoms)], class_id, settings)
    assert not (tmp_path / "c" / CLASSES_FILE).exists()


def test_a_class_cannot_be_added_twice_under_two_ids(tmp_path, settings):
    fluorite = _file(tmp_path, "CaF2.cif", bulk("CaF2", "fluorite", a=5.46))
    add_class(tmp_path / "c", [fluorite], "fluorite", settings)
    before = (tmp_path / "c" / CLASSES_FILE).read_text()
    uranium_oxide = _file(tmp_path, "UO2.cif", bulk("UO2", "fluorite", a=5.47))
    with pytest.raises(InputError, match="duplicates the class fluorite"):
        add_class(tmp_path / "c", [uranium_oxide], "UO2", settings)
    with pytest.raises(InputError, match="taken by a class already in the folder"):
        add_class(tmp_path / "c", [fluorite], "Fluorite", settings)
    assert (tmp_path / "c" / CLASSES_FILE).read_text() == before


def test_unreadable_files_and_foreign_class_lists_get_one_line_errors(tmp_path, settings):
    broken = tmp_path / "broken.cif"
    broken.write_text("data_x\n_cell_length_a nonsense\n")
    with pytest.raises(InputError, match="broken.cif"):
        add_class(tmp_path / "c", [broken], "broken", settings)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / CLASSES_FILE).write_text(json.dumps({"classes": []}))
    with pytest.raises(InputError, match="not a class list written by 'arise classes add'"):
        read_classes(tmp_path / "other")
