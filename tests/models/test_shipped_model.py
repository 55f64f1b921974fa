"""The models shipped inside the package."""

import dataclasses

import numpy as np
import pytest

from ariseml.classifier import SHIPPED_MODELS, Classifier
from ariseml.prototypes import all_prototypes
from ariseml.training.paper_set import CENTRAL_SETTINGS, pristine_structures

AVERAGING = {"paper": "inner", "outer": "outer", "antisite": "inner"}
TRAINING_POINTS = {"paper": 39_204, "outer": 39_204, "antisite": 39_204 + 2 * 69 * 99}  # + 2 fractions x 69 supercells
# Periodic hexagonal (AB) and rhombohedral (ABC) graphite have descriptors with cosine similarity
# 0.99999 at R_C = 4 d_NN; the model misses one of them (docs/limits.md).
KNOWN_MISSES = {"paper": [("hex_graphite_C__periodic", "rh_graphite_C")],
                "outer": [("rh_graphite_C__periodic", "hex_graphite_C")],
                "antisite": [("hex_graphite_C__periodic", "rh_graphite_C")]}


PAPER_RECIPE = sorted(set(SHIPPED_MODELS) - {"realistic"})


@pytest.fixture(scope="module", params=PAPER_RECIPE)
def shipped(request):
    return request.param, Classifier.load(request.param, samples=100, seed=0)


def test_metadata_describes_the_training(shipped):
    name, classifier = shipped
    meta = classifier.metadata_
    assert classifier.classes_ == [p.id for p in all_prototypes()]
    assert classifier.settings_ == dataclasses.replace(CENTRAL_SETTINGS, average=AVERAGING[name])
    assert meta["training_points"] == TRAINING_POINTS[name]
    assert meta["training_size"] + meta["validation_size"] == TRAINING_POINTS[name]
    assert 0.99 < meta["validation_accuracy"] <= 1.0
    assert meta["augmentation"]["r_cut"][0] == 3.0 and meta["augmentation"]["r_cut"][-1] == 5.0


def test_every_pristine_structure_is_classified_correctly(shipped):
    name, classifier = shipped
    structures = pristine_structures()
    results = classifier.classify([s.atoms() for s in structures], top=2)
    wrong = [(s.name, r.top_ids[0]) for s, r in zip(structures, results) if r.top_ids[0] != s.prototype.id]
    assert wrong in ([], KNOWN_MISSES[name])
    for miss, _ in wrong:  # split between the two stackings, nothing else
        split = next(r for s, r in zip(structures, results) if s.name == miss)
        assert set(split.top_ids) == {"hex_graphite_C", "rh_graphite_C"} and sum(split.top_probabilities) > 0.95
    assert np.median([r.mutual_information for r in results]) < 0.05


def test_the_antisite_model_recognises_l10_with_antisites_where_the_papers_does_not():
    from ariseml.synthetic import ordered_fept
    from ariseml.defects import swap_antisites

    # L1₀ FePt, 10 % of the atoms on the other sublattice
    crystal = swap_antisites(ordered_fept("L10_CuAu").repeat((4, 4, 4)), 0.10, seed=1)
    crystal.pbc = False
    boxes = [crystal[np.all((crystal.positions >= corner) & (crystal.positions < corner + 10.0), axis=1)]
             for corner in np.random.default_rng(0).uniform(0, 4.5, size=(12, 3))]
    share = {name: np.mean([r.top_ids[0] == "L10_CuAu"
                            for r in Classifier.load(name, samples=100, seed=0).classify(boxes, top=1)])
             for name in ("paper", "antisite")}
    assert share["antisite"] >= 0.75 and share["antisite"] > share["paper"] + 0.25, share


def test_the_realistic_model_answers_thermal_motion_and_amorphous_packings():
    from ase.build import bulk

    from ariseml.prototypes import NOT_A_CRYSTAL
    from ariseml.training.augmentation import AmorphousDraw

    classifier = Classifier.load("realistic", samples=100, seed=0)
    assert classifier.classes_ == [p.id for p in all_prototypes()] + [NOT_A_CRYSTAL]
    assert classifier.metadata_["recipe"] == "realistic" and classifier.metadata_["members"] == 5
    assert all(member.standardised and member.log_epsilon == 1e-5 and member.linear_inputs
               for member in classifier.model_.members)
    recipe = classifier.metadata_["augmentation"]["realistic_recipe"]
    assert (recipe["max_internal"], recipe["thermal"], recipe["stacking_factor"], recipe["max_sigma"],
            recipe["max_vacancies"], recipe["vacancy_fraction"]) == (0.04, "temperature", 5, 0.11, 0.4, 0.5)
    assert (recipe["with_pristine"], recipe["planar_fraction"], recipe["bicrystal_fraction"], recipe["alloy_draws"]) \
        == (True, 0.5, 0.2, 40)
    assert classifier.metadata_["training"]["anchor_copies"] == 10 and classifier.metadata_["always_trained"] == 396
    assert classifier.settings_.average == "both"  # the joined descriptor
    rng = np.random.default_rng(1)
    structures, expected = [bulk("Al", "fcc", a=4.05), bulk("Mg", "hcp", a=3.21, c=5.21)], ["fcc_Cu", "hcp_Mg"]
    shaken = (("Al", "fcc", 4.05, 0.02, "fcc_Cu"), ("Cu", "fcc", 3.61, 0.05, "fcc_Cu"),
              ("Fe", "bcc", 2.87, 0.05, "bcc_W"), ("Si", "diamond", 5.43, 0.05, "diamond_C"))
    for element, structure, a, sigma, class_id in shaken:
        crystal = bulk(element, structure, a=a, cubic=True).repeat(5)
        d_nn = {"fcc": a / np.sqrt(2), "bcc": a * np.sqrt(3) / 2, "diamond": a * np.sqrt(3) / 4}[structure]
        crystal.positions += rng.normal(0, sigma * d_nn, crystal.positions.shape)  # thermal-like, σ of d_NN
        structures.append(crystal)
        expected.append(class_id)
    answers = classifier.classify(structures + [AmorphousDraw(10_000).atoms()], top=1)
    assert [r.top_ids[0] for r in answers] == expected + [NOT_A_CRYSTAL]
    assert all(r.probabilities.max() >= 0.9 for r in answers), [r.probabilities.max() for r in answers]


def test_the_realistic_model_reads_a_random_solid_solution_as_its_lattice():
    from ase.build import bulk

    rng = np.random.default_rng(3)
    alloys, expected = [], []
    for element, structure, a, share, class_id in (("Ni", "fcc", 3.52, 0.1, "fcc_Cu"), ("Fe", "bcc", 2.87, 0.2, "bcc_W")):
        crystal = bulk(element, structure, a=a, cubic=True).repeat(5)
        symbols = np.array(crystal.get_chemical_symbols(), dtype=object)
        symbols[rng.permutation(len(crystal))[:round(share * len(crystal))]] = "Al"  # a superalloy's γ matrix
        crystal.set_chemical_symbols(list(symbols))
        alloys.append(crystal)
        expected.append(class_id)
    answers = Classifier.load("realistic", samples=100, seed=0).classify(alloys, top=1)
    assert [r.top_ids[0] for r in answers] == expected
    assert all(r.probabilities.max() >= 0.9 for r in answers), [r.probabilities.max() for r in answers]


def test_the_realistic_model_tells_the_graphite_stackings_apart_with_missing_atoms():
    from ariseml.defects import apply_defects
    from ariseml.prototypes import build

    classifier = Classifier.load("realistic", samples=100, seed=0)
    stackings = ("hex_graphite_C", "rh_graphite_C")
    structures = [apply_defects(build(stacking, supercell=0, periodic=True), 0.0, 0.15, seed=seed)
                  for stacking in stackings for seed in range(3)]
    answers = [r.top_ids[0] for r in classifier.classify(structures, top=1)]
    assert answers == [stacking for stacking in stackings for _ in range(3)]


def test_the_default_model_is_sure_of_every_pristine_structure():
    from ariseml.models import DEFAULT_MODEL

    assert DEFAULT_MODEL == "realistic"
    classifier = Classifier.load(samples=100, seed=0)
    assert classifier.metadata_["recipe"] == "realistic"
    structures = pristine_structures()
    results = classifier.classify([s.atoms() for s in structures], top=1)
    unsure = [(s.name, r.top_ids[0], round(float(r.top_probabilities[0]), 3)) for s, r in zip(structures, results)
              if r.top_ids[0] != s.prototype.id or r.top_probabilities[0] < 0.9]
    assert unsure == []  # the target, the graphite stackings included
