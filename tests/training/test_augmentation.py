"""The realistic recipe's draws: seeded, within their ranges, and cached like the paper's set."""

from dataclasses import replace

import numpy as np
import pytest
from ase.geometry import find_mic
from ase.neighborlist import neighbor_list

from ariseml.errors import InputError
from ariseml.prototypes import NOT_A_CRYSTAL, build, get_prototype
from ariseml.prototypes.builders import supercell_repeats
from ariseml.structure import nearest_neighbour_distance, nearest_neighbour_distances
from ariseml.training.augmentation import (FILM_WIDTH, AmorphousDraw, AugmentationRecipe, Draw, _film,
                                          internal_mode)
from ariseml.training.dataset import generate, load
from ariseml.training.augmentation import augmented_settings


def test_draws_are_seeded_and_within_the_recipe():
    recipe = AugmentationRecipe(draws_per_class=40)
    draws = recipe.structures((get_prototype("fcc_Cu"), get_prototype("cnt_3_3")))
    assert len(draws) == 80 and len({d.name for d in draws}) == 80
    parameters = [d.parameters() for d in draws]
    assert all(0 <= p["sigma"] <= recipe.max_sigma and 0 <= p["eta"] <= recipe.max_vacancies for p in parameters)
    assert {p["periodic"] for p in parameters[:40]} == {True, False}
    assert not any(p["periodic"] for p in parameters[40:])  # a nanotube is its finite tube
    assert any(p["sigma"] == 0 for p in parameters) and any(p["eta"] > 0 for p in parameters)
    again = Draw(get_prototype("fcc_Cu"), 7, recipe)
    assert again.name == draws[7].name and np.array_equal(again.atoms().positions, draws[7].atoms().positions)
    assert Draw(get_prototype("fcc_Cu"), 7, AugmentationRecipe(seed=1)).name != draws[7].name


def test_the_stacking_classes_get_more_draws_and_keep_the_first_ones():
    fcc, bcc = get_prototype("fcc_Cu"), get_prototype("bcc_W")
    plain = AugmentationRecipe(draws_per_class=5).structures((fcc, bcc))
    stacked = AugmentationRecipe(draws_per_class=5, stacking_factor=3).structures((fcc, bcc))
    assert [d.label for d in stacked].count("fcc_Cu") == 15 and [d.label for d in stacked].count("bcc_W") == 5
    assert {d.name for d in plain} < {d.name for d in stacked}  # the cached draws of factor 1 are reused
    with pytest.raises(InputError, match="`stacking_factor`"):
        AugmentationRecipe(stacking_factor=0)


def out_of_plane(atoms) -> float:
    """Root-mean-square distance (Å) of the atoms from their best-fitting plane (a strained layer is tilted)."""
    centred = atoms.positions - atoms.positions.mean(axis=0)
    return float(np.linalg.svd(centred, compute_uv=False)[-1] / np.sqrt(len(atoms)))


def test_planar_draws_of_a_layer_move_its_atoms_within_the_layer_only():
    graphene, planar = get_prototype("graphene"), AugmentationRecipe(planar_fraction=1.0)
    draws = [(Draw(graphene, n), Draw(graphene, n, planar)) for n in range(40)]
    noisy = [(plain, flat) for plain, flat in draws if plain.parameters()["sigma"] > 0.02]
    assert len(noisy) > 10
    for plain, flat in noisy:  # the same draw otherwise, its noise across the layer removed
        assert flat.name.replace("__planar", "") == plain.name and "__planar" in flat.name
        assert {k: v for k, v in flat.parameters().items() if k != "planar"} == plain.parameters()
        assert out_of_plane(plain.atoms()) > 0.02 > 0.001 > out_of_plane(flat.atoms())
    assert not any("planar" in Draw(get_prototype("fcc_Cu"), n, planar).parameters() for n in range(20))
    with pytest.raises(InputError, match="planar_fraction"):
        AugmentationRecipe(planar_fraction=1.5)


def test_bicrystal_draws_of_a_layer_join_two_turned_grains_without_overlap():
    graphene, bicrystals = get_prototype("graphene"), AugmentationRecipe(bicrystal_fraction=1.0)
    draws = [(Draw(graphene, n), Draw(graphene, n, bicrystals)) for n in range(30)]
    joined = [(plain, two) for plain, two in draws if "misorientation" in two.parameters()]
    assert {plain.parameters()["periodic"] for plain, _ in joined} == {False} and len(joined) > 5
    for plain, two in joined:  # the same draw otherwise, from two grains
        assert {k: v for k, v in two.parameters().items() if k != "misorientation"} == plain.parameters()
        assert 5 <= two.parameters()["misorientation"] <= 45 and "__bicrystal" in two.name
    still = AugmentationRecipe(bicrystal_fraction=1.0, pristine_fraction=1.0, vacancy_fraction=0.0, max_strain=0.0)
    two = next(d for d in (Draw(graphene, n, still) for n in range(30)) if "misorientation" in d.parameters())
    plain = Draw(graphene, two.number, replace(still, bicrystal_fraction=0.0))
    atoms, d_nn = two.atoms(), nearest_neighbour_distance(plain.atoms())
    first, second = neighbor_list("ij", atoms, 1.1 * d_nn)
    bonds = atoms.positions[second] - atoms.positions[first]
    assert np.allclose(bonds[:, 2], 0)  # graphene lies in the xy plane: grains turned about z
    bond_angles = np.degrees(np.arctan2(bonds[:, 1], bonds[:, 0])) % 60  # one value per grain
    grain_angle = bond_angles[0]
    turned = (bond_angles - grain_angle + 0.5) % 60 - 0.5
    misorientation = two.parameters()["misorientation"] % 60
    in_grains = np.minimum.reduce([np.abs(turned), np.abs(turned - misorientation),
                                   np.abs(turned - (60 - misorientation))]) < 0.5
    assert in_grains.mean() > 0.8 and 0.2 < (np.abs(turned) < 0.5).mean() < 0.8
    assert neighbor_list("d", atoms, 0.74 * d_nn).size == 0  # no two atoms on top of each other
    assert abs(len(atoms) - len(plain.atoms())) < 0.25 * len(plain.atoms())
    assert not any("misorientation" in Draw(get_prototype("fcc_Cu"), n, bicrystals).parameters() for n in range(20))
    with pytest.raises(InputError, match="bicrystal_fraction"):
        AugmentationRecipe(bicrystal_fraction=-0.1)


def test_a_temperature_spread_puts_as_many_draws_near_melting_as_near_0_k():
    def sigmas(thermal):
        recipe = AugmentationRecipe(draws_per_class=400, pristine_fraction=0.0, thermal=thermal)
        return np.array([d.parameters()["sigma"] for d in recipe.structures((get_prototype("fcc_Cu"),))])

    amplitude, temperature, mixed = sigmas("amplitude"), sigmas("temperature"), sigmas("mixed")
    assert max(temperature.max(), amplitude.max(), mixed.max()) <= 0.09
    # uniform in σ² (∝ T): the upper half of the temperatures is σ above 0.09/√2
    assert abs(np.mean(temperature > 0.09 / np.sqrt(2)) - 0.5) < 0.08
    assert abs(np.mean(amplitude > 0.09 / np.sqrt(2)) - (1 - 1 / np.sqrt(2))) < 0.08
    assert abs(np.mean(mixed < 0.03) - (1 / 3 + 1 / 9) / 2) < 0.08
    with pytest.raises(InputError, match="`thermal`"):
        AugmentationRecipe(thermal="hot")


def test_a_draw_has_the_noise_and_vacancies_it_names():
    recipe = AugmentationRecipe(pristine_fraction=0.0, vacancy_fraction=1.0, max_strain=0.0)
    draw = next(d for d in recipe.structures((get_prototype("bcc_W"),))
                if not d.parameters()["periodic"] and not d.parameters()["ellipsoid"]
                and d.parameters()["sigma"] > 0.05)
    p, atoms = draw.parameters(), draw.atoms()
    pristine = build("bcc_W", supercell=p["supercell"])
    assert abs(len(atoms) / len(pristine) - (1 - p["eta"])) < 0.1
    spread = np.std(nearest_neighbour_distances(atoms)) / np.median(nearest_neighbour_distances(pristine))
    assert spread > 0.5 * p["sigma"]


def test_finite_draws_are_also_ellipsoids_cut_in_random_orientations():
    recipe = AugmentationRecipe(pristine_fraction=1.0, vacancy_fraction=0.0, max_strain=0.0, draws_per_class=30)
    for class_id in ("diamond_C", "graphene"):
        cut = [d for d in recipe.structures((get_prototype(class_id),)) if d.parameters()["ellipsoid"]]
        assert len(cut) >= 5 and f"__ellipsoid{cut[0].parameters()['ellipsoid']}__" in cut[0].name
        extents = []
        for draw in cut[:4]:
            atoms, wanted = draw.atoms(), draw.parameters()["ellipsoid"]
            assert not atoms.pbc.any() and abs(len(atoms) - wanted) < 0.2 * wanted
            assert np.linalg.norm(atoms.positions.mean(axis=0)[:2]) < 0.15 * np.ptp(atoms.positions[:, 0])
            distances = nearest_neighbour_distances(atoms)
            assert np.isclose(np.median(distances), np.median(nearest_neighbour_distances(build(class_id))))
            extents.append(np.ptp(atoms.positions, axis=0))
        if class_id == "graphene":  # a flake of the one layer
            assert all(extent[2] < 1e-6 for extent in extents)
        assert len({tuple(np.round(extent, 1)) for extent in extents}) == len(extents)  # no two alike


def test_alpha_as_draws_vary_their_internal_coordinate_and_supercells_their_origin():
    from ariseml.training.augmentation import A7_U_RANGE, a7_cell

    draws = AugmentationRecipe(draws_per_class=6).structures((get_prototype("alpha_As"),))
    values = [d.parameters()["u"] for d in draws]
    assert all(A7_U_RANGE[0] <= u <= A7_U_RANGE[1] for u in values) and len(set(values)) == 6
    assert all(f"__u{u:.4f}" in d.name for u, d in zip(values, draws))

    def bond_ratio(u: float) -> float:  # an atom's fourth-nearest neighbour over its nearest (3 short, 3 long bonds)
        from ase.neighborlist import neighbor_list

        centre, distances = neighbor_list("id", a7_cell(u), 4.0)
        nearest = np.sort(distances[centre == 0])
        return float(nearest[3] / nearest[0])

    assert bond_ratio(0.227) > bond_ratio(0.240) > 1.0  # nearer u = 1/4, nearer simple cubic's six equal bonds

    recipe = AugmentationRecipe(pristine_fraction=1.0, vacancy_fraction=0.0, max_strain=0.0, draws_per_class=120)
    supercells = [d for d in recipe.structures((get_prototype("zincblende_ZnS"),))
                  if not d.parameters()["periodic"] and not d.parameters()["ellipsoid"]
                  and d.parameters()["supercell"] == 0]
    from ase.neighborlist import neighbor_list

    assert {d.parameters()["shifted"] for d in supercells} == {True, False}
    own_origin = next(d for d in supercells if not d.parameters()["shifted"])
    assert own_origin.name.endswith("__origin0")
    assert np.allclose(own_origin.atoms().positions, build("zincblende_ZnS", supercell=0).positions)
    terminations = set()  # how many atoms have 0, 1, 2, ... bonds
    for draw in [d for d in supercells if d.parameters()["shifted"]][:4]:
        atoms = draw.atoms()
        assert len(atoms) == 128
        terminations.add(tuple(np.bincount(np.bincount(neighbor_list("i", atoms, 2.6), minlength=len(atoms)))))
    assert len(terminations) > 1


def test_correlated_noise_keeps_its_size_and_moves_neighbours_together():
    from ase.build import bulk
    from ase.neighborlist import neighbor_list

    from ariseml.training.augmentation import _correlated

    crystal = bulk("Cu", "fcc", a=3.61, cubic=True).repeat(6)
    d_nn = 3.61 / np.sqrt(2)
    first, second = neighbor_list("ij", crystal, 1.1 * d_nn)
    for correlation, low, high in ((0.0, -0.05, 0.05), (0.8, 0.3, 0.9)):
        noise = _correlated(crystal, np.random.default_rng(0).normal(size=(len(crystal), 3)), correlation, d_nn)
        along_x = np.corrcoef(noise[first, 0], noise[second, 0])[0, 1]  # neighbours' displacements
        assert np.isclose(np.sqrt(np.mean(noise**2)), 1.0) and low < along_x < high, (correlation, along_x)
    draws = AugmentationRecipe(draws_per_class=40).structures((get_prototype("fcc_Cu"),))
    correlated = [d for d in draws if "correlation" in d.parameters()]
    assert 0 < len(correlated) < 40 and all(d.parameters()["sigma"] > 0 for d in correlated)
    assert all(f"__corr{d.parameters()['correlation']:.2f}" in d.name for d in correlated)


def test_internal_coordinates_move_within_the_space_group_and_only_where_it_leaves_them_free():
    import spglib

    def space_group(atoms):
        return spglib.get_symmetry_dataset((atoms.cell[:], atoms.get_scaled_positions(), atoms.numbers),
                                           symprec=1e-3).number

    rng = np.random.default_rng(0)
    for class_id in ("fcc_Cu", "hcp_Mg", "rocksalt_NaCl"):
        assert internal_mode(get_prototype(class_id).unit_cell(), rng) is None
    perovskite = get_prototype("perovskite_CsSnCl3_orthorhombic").unit_cell()
    mode = internal_mode(perovskite, rng)
    assert np.sqrt(np.mean(np.sum(mode**2, axis=1))) == pytest.approx(1.0)
    moved = perovskite.copy()
    moved.positions += 0.1 * mode
    assert space_group(moved) == space_group(perovskite) == 62
    lowered = perovskite.copy()
    lowered.positions += 0.1 * rng.normal(size=mode.shape)  # a move of no symmetry lowers it
    assert space_group(lowered) != 62
    draws = [Draw(get_prototype("SnS"), number) for number in range(30)]
    assert any("internal" in d.parameters() for d in draws) and any("internal" not in d.parameters() for d in draws)
    assert all("internal" not in Draw(get_prototype("fcc_Cu"), number).parameters() for number in range(30))


def test_draws_are_cached_at_the_central_setting(tmp_path):
    draws = AugmentationRecipe(draws_per_class=3).structures((get_prototype("hcp_Mg"),))
    assert generate(tmp_path, draws, augmented_settings(), jobs=1, progress=False) == 3
    features, labels, names = load(tmp_path, draws, augmented_settings())
    assert features.shape == (3, 315) and labels == ["hcp_Mg"] * 3 and names[0].startswith("hcp_Mg__draw0000")


def test_amorphous_draws_are_dense_packings_without_overlaps():
    draws = [AmorphousDraw(number) for number in range(4)]
    assert len({d.name for d in draws}) == 4 and draws[0].name == AmorphousDraw(0).name
    for draw in draws:
        atoms, p = draw.atoms(), draw.parameters()
        distances = nearest_neighbour_distances(atoms)
        assert len(atoms) == p["atoms"] and atoms.pbc.all() == p["periodic"]
        assert distances.min() > 0.7 * np.median(distances)
        assert set(atoms.get_chemical_symbols()) <= set(build(p["species_of"]).get_chemical_symbols())
        assert draw.label == NOT_A_CRYSTAL
    assert sum(isinstance(d, AmorphousDraw) for d in AugmentationRecipe(draws_per_class=1).structures()) == 300


def test_uniaxial_classes_are_stretched_along_their_unique_axis_within_their_range():
    import spglib

    from ariseml.training.augmentation import STRETCH_RANGES

    recipe = AugmentationRecipe(pristine_fraction=1.0, max_strain=0.0, vacancy_fraction=0.0, draws_per_class=12)
    draws = [d for d in recipe.structures((get_prototype("hcp_Mg"),)) if d.parameters()["periodic"]]
    low, high = STRETCH_RANGES["hcp_Mg"]
    for draw in draws[:3]:
        atoms, stretch = draw.atoms(), draw.parameters()["stretch"]
        lattice = spglib.get_symmetry_dataset((atoms.cell[:], atoms.get_scaled_positions(), atoms.numbers),
                                              symprec=1e-3).std_lattice
        ratio = np.linalg.norm(lattice[2]) / np.linalg.norm(lattice[0])
        assert low <= stretch <= high and np.isclose(ratio, 1.624 * (1 + stretch), atol=2e-3)
    assert all(d.parameters()["stretch"] == 0 for d in recipe.structures((get_prototype("fcc_Cu"),)))
    from ariseml.training.augmentation import DEFAULT_STRETCH

    stretches = [d.parameters()["stretch"] for d in AugmentationRecipe(draws_per_class=200).structures(
        (get_prototype("hcp_Mg"),))]
    near_own = np.mean([DEFAULT_STRETCH[0] <= x <= DEFAULT_STRETCH[1] for x in stretches])
    assert 0.55 < near_own < 0.8 and max(stretches) > 0.12  # half drawn near Mg's c/a, the rest up to Cd's


def test_the_realistic_recipe_from_the_command_line(tmp_path):
    from click.testing import CliRunner

    from ariseml.cli import main

    run = CliRunner().invoke
    made = run(main, ["dataset", "--recipe", "realistic", "--draws", "2", "--classes", "fcc_Cu,bcc_W", "--out",
                      str(tmp_path), "--jobs", "1"])
    assert made.exit_code == 0 and "augmented: 4 structures ready (4 computed now" in made.output
    refused = run(main, ["dataset", "--recipe", "realistic", "--antisites", "5", "--out", str(tmp_path)])
    assert refused.exit_code == 2 and "--antisites adds to the paper's recipe" in refused.output


def test_the_work_of_a_draw_is_told_from_its_parameters_without_building_it():
    from ariseml.training.dataset import _expected_cost

    recipe = AugmentationRecipe(draws_per_class=12, vacancy_fraction=0.0)
    prototypes = (get_prototype("rocksalt_NaCl"), get_prototype("cnt_3_3"), get_prototype("graphene"))
    for draw in recipe.structures(prototypes) + [AmorphousDraw(number) for number in range(3)]:
        atoms = draw.atoms()
        built = len(atoms) * len(set(atoms.get_chemical_symbols())) ** 2
        assert 0.5 * built <= _expected_cost(draw) <= 2.0 * built, draw.name


def test_alloy_draws_are_random_solid_solutions_of_the_single_species_bulk_classes():
    fcc, rocksalt, graphene = get_prototype("fcc_Cu"), get_prototype("rocksalt_NaCl"), get_prototype("graphene")
    plain = AugmentationRecipe(draws_per_class=5).structures((fcc, rocksalt, graphene))
    alloyed = AugmentationRecipe(draws_per_class=5, alloy_draws=30, stacking_factor=2).structures(
        (fcc, rocksalt, graphene))
    labels = [d.label for d in alloyed]
    assert (labels.count("fcc_Cu"), labels.count("rocksalt_NaCl"), labels.count("graphene")) == (70, 5, 5)
    assert {d.name for d in plain} < {d.name for d in alloyed}  # the draws before them are kept, cached
    extra = [d for d in alloyed if d.label == "fcc_Cu" and d.number >= 10]
    counts = []
    for draw in extra:
        p, atoms = draw.parameters(), draw.atoms()
        symbols = atoms.get_chemical_symbols()
        host = symbols.count("Cu")
        assert "__alloy" in draw.name and 0.02 <= p["alloy"] <= 0.5
        assert len(set(symbols)) == 1 + p["alloy_species"] and "Cu" in symbols
        assert abs((len(atoms) - host) / len(atoms) - p["alloy"]) <= p["alloy_species"] / len(atoms)
        counts.append(p["alloy_species"])
    assert set(counts) == {1, 2}
    with pytest.raises(InputError, match="alloy_draws"):
        AugmentationRecipe(alloy_draws=-1)


def test_alloy_draws_of_an_ordered_alloy_lose_at_most_half_of_its_order():
    l12, recipe = get_prototype("L12_Cu3Au"), AugmentationRecipe(draws_per_class=5, alloy_draws=20)
    extra = recipe.structures((l12,))[5:]
    assert len(extra) == 20 and all("__antisites" in d.name for d in extra)
    shares = [draw.parameters()["antisites"] for draw in extra]
    assert 0 <= min(shares) and max(shares) <= 0.5 * 0.375  # a random Cu₃Au has 3/8 of its atoms on wrong sites
    periodic = next(d for d in extra if d.parameters()["periodic"] and d.parameters()["eta"] == 0
                    and d.parameters()["antisites"] > 0.05)
    atoms = periodic.atoms()
    au = np.array(atoms.get_chemical_symbols()) == "Au"
    assert au.sum() * 4 == len(atoms)  # the composition is kept: atoms swapped, not substituted
    first, second = neighbor_list("ij", atoms, 1.25 * nearest_neighbour_distance(atoms))
    assert np.any(au[first] & au[second])  # ordered Cu₃Au has no Au next to Au


def test_film_draws_are_periodic_in_their_plane_and_as_thick_as_drawn():
    fcc, graphene = get_prototype("fcc_Cu"), get_prototype("graphene")
    recipe = AugmentationRecipe(draws_per_class=3, alloy_draws=2, film_draws=6, pristine_fraction=1.0,
                                vacancy_fraction=0.0, max_strain=0.0)
    draws = recipe.structures((fcc, graphene))
    kinds = [recipe.kind_of(d) for d in draws]
    assert kinds == ["plain"] * 3 + ["alloy"] * 2 + ["film"] * 6 + ["plain"] * 3  # a layer has neither
    d_nn = nearest_neighbour_distance(fcc.unit_cell())
    for draw in draws[5:11]:
        p, atoms = draw.parameters(), draw.atoms()
        assert "__film" in draw.name and list(atoms.pbc) == [True, True, False]
        assert p["thickness"] * d_nn - 1.5 * d_nn < np.ptp(atoms.positions[:, 2]) < p["thickness"] * d_nn
        assert min(atoms.cell.lengths()[:2]) >= FILM_WIDTH * d_nn - 1e-6
    with pytest.raises(InputError, match="film_draws"):
        AugmentationRecipe(film_draws=-1)


@pytest.mark.parametrize("plane, in_plane_neighbours", [((1, 0, 0), 6), ((1, 1, 0), 4), ((1, -1, 0), 2)])
def test_films_of_fcc_lie_in_its_111_100_and_110_planes(plane, in_plane_neighbours):
    cell = get_prototype("fcc_Cu").unit_cell()  # the primitive cell: its (100) is fcc's {111}, (110) a {100}
    film = _film(cell, plane, 4.0)
    d_nn = nearest_neighbour_distance(cell)
    top = film.positions[:, 2] > film.positions[:, 2].max() - 0.1
    first, second, vectors = neighbor_list("ijD", film, 1.05 * d_nn)
    in_layer = top[first] & top[second]
    assert np.all(np.abs(vectors[in_layer, 2]) < 0.1)
    assert np.all(np.bincount(first[in_layer], minlength=len(film))[top] == in_plane_neighbours)


def test_interface_draws_disorder_a_slab_of_the_drawn_share_and_keep_the_crystal_around_it():
    fcc, graphene = get_prototype("fcc_Cu"), get_prototype("graphene")
    recipe = AugmentationRecipe(draws_per_class=2, film_draws=1, interface_draws=4, pristine_fraction=1.0,
                                vacancy_fraction=0.0, max_strain=0.0)
    draws = recipe.structures((fcc, graphene))
    assert [recipe.kind_of(d) for d in draws] == ["plain"] * 2 + ["film"] + ["interface"] * 4 + ["plain"] * 2
    d_nn = nearest_neighbour_distance(fcc.unit_cell())
    for draw in draws[3:7]:
        p, atoms = draw.parameters(), draw.atoms()
        assert "__interface" in draw.name and draw.label == "fcc_Cu" and atoms.pbc.all()
        distances = neighbor_list("d", atoms, d_nn)
        assert distances.min() >= 0.85 * d_nn - 1e-6  # pushed apart: no atom on top of another
        crystal = fcc.unit_cell().repeat(supercell_repeats(fcc.unit_cell(), False, p["supercell"]))
        shifts, _ = find_mic(atoms.positions - crystal.positions, atoms.cell)  # same order, wrapped
        moved = np.linalg.norm(shifts, axis=1) > 0.1 * d_nn
        assert p["interface"] * len(atoms) - 1 <= moved.sum() < min(1.0, 2 * p["interface"] + 0.1) * len(atoms)
    salt = recipe.structures((get_prototype("rocksalt_NaCl"),))[-1].atoms()
    assert sorted(salt.get_chemical_symbols()).count("Na") * 2 == len(salt)  # species shuffled, none lost
    with pytest.raises(InputError, match="interface_draws"):
        AugmentationRecipe(interface_draws=-1)
    with pytest.raises(InputError, match="beyond"):
        recipe.kind_of(Draw(fcc, 7, recipe))
