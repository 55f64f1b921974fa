"""A training recipe beyond the paper's: the structures of each class as real samples show them.

The paper trains on pristine prototypes only, so its decision boundaries sit where real variation
crosses them: thermal motion turns fcc into bct In. Each *draw* of a class here is one of its
structures (a periodic replica or a finite supercell) with what molecular dynamics, experimental
lattices and microscopy add:

- thermal-like motion: Gaussian displacements of σ per Cartesian component, σ drawn up to
  ``max_sigma`` of the pristine d_NN (the Lindemann ratio at melting, 0.1-0.15 of d_NN for the root
  mean square displacement, is about 0.06-0.09 per component); a fraction of the draws pristine; in
  some draws correlated between neighbours, as phonons correlate them. ``thermal`` says how σ is
  spread: ``amplitude``, uniform in σ (the default), ``temperature``, uniform in σ², which
  grows linearly with T in a harmonic crystal, so that as many draws sit near melting as near 0 K, or
  ``mixed``, each draw one way or the other at even odds;
- a random strain of the whole structure, up to ``max_strain`` per component (the cell's fluctuations
  in constant-pressure MD, the scatter of measured lattice parameters), far below the distortion
  that separates two classes (bct In is fcc stretched 7.5 %): 2 % blurred fcc into bct In under noise;
- vacancies: a fraction η of the atoms removed in some draws (microscopy, atom probe);
- the shape of a finite draw: the paper's supercell (a replica of the class's cell), also from a random
  origin, or an ellipsoid of 100-400 atoms cut around a random point in a random orientation (for a layer: an
  elliptic flake).
  Nanoparticles, tomography and microscopy come in every shape, and a model trained on the supercells
  alone learns their facets: a diamond crystal cut from the cubic cell read as hexagonal diamond;
- for the uniaxial classes (tetragonal, trigonal, hexagonal), a stretch along the unique axis: real
  compounds of one class differ in c/a (hcp: from Be's 1.57 to Cd's 1.89), while the stretch stays
  clear of a neighbouring class's ideal value (``STRETCH_RANGES``); for α-As also its internal
  coordinate u (As to Bi).
- chemical disorder, in extra draws (``alloy_draws``): for the single-species bulk classes random substitutional
  alloys, a share of the sites, 2-50 %, taken at random by one or two other species; for the ordered alloys of the
  set (``ORDERED_ALLOYS``: L1₂, L1₀, B2) antisites, atoms swapped between the sublattices up to half-way to a
  random arrangement. A solid solution keeps its element's lattice (a superalloy's Ni(Al) matrix is fcc, FePt's
  disordered A1 phase fcc), but a few per cent of a second species make a sparse, disordered species pair that no
  ordered class has: the model before these draws read Ni with 10 % Al as α-Sm and Fe with 10 % Al as dhcp La.
  With random alloys alone, an ordered alloy's class would end where its order is half lost; the antisite draws
  keep a partly ordered L1₂ or L1₀ in its class;
- films, in extra draws (``film_draws``) of the bulk classes: periodic in a low-index lattice plane
  (``FILM_PLANES``), 3-10 d_NN thick along its normal, with free surfaces. The finite draws are clusters and the
  periodic ones bulk, so a film's atoms, whose spheres its surfaces cut, lie outside both: the model of stop 40
  read a 12 Å fcc Cu (001) film as bct In;
- interfaces, in extra draws (``interface_draws``) of the bulk classes: a periodic draw in which a slab, 5-50 % of
  the cell, is disordered (its atoms shaken and pushed apart to a dense packing) and the rest is the crystal, labelled
  with the crystal's class. Grain boundaries after MD are a few disordered layers, and a sphere centred on a crystal
  atom next to one holds a share of them: the model of stop 40 read such fcc Al atoms of an MD polycrystal as dhcp
  La (atoms 1-3 Å from an atom that PTM does not call fcc: 55 % wrong);
- for the 2D classes, finite draws of two grains turned against each other about the layer's normal
  (``bicrystal_fraction``): micrographs of 2D materials show grain boundaries, whose five- and
  seven-membered rings a model that saw single grains only reads as a bent layer (a nanotube);
- for the classes whose sites leave free internal coordinates, a move along them that keeps the space
  group (``internal_mode``): octahedral tilts, puckering and Wyckoff parameters differ between real
  compounds of one class.

Melts, glasses and random packings are no crystal: ``AmorphousDraw`` makes them for the extra class
``NOT_A_CRYSTAL``, so that a model answers "not a crystal" instead of a confident crystal class.

Every draw is seeded by its class, its number and the recipe's seed, so a training set is the
same on every machine; its name carries the draw's parameters for inspection.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any, Literal

import numpy as np
from ase import Atoms

from scipy.spatial import cKDTree

from ariseml.defects import swap_antisites
from ariseml.descriptors.soap import SoapSettings
from ariseml.errors import InputError
from ariseml.prototypes import NOT_A_CRYSTAL, Prototype, all_prototypes, build
from ariseml.prototypes.builders import spacegroup_structure, supercell_repeats
from ariseml.structure import nearest_neighbour_distance, symmetry_dataset
from ariseml.training.paper_set import CENTRAL_SETTINGS


STRETCH_RANGES: dict[str, tuple[float, float]] = {
    "hcp_Mg": (-0.045, 0.17),  # c/a 1.55-1.90 around the class's 1.624: Be 1.57 to Zn 1.86 and Cd 1.89
    "bct_In": (-0.02, 0.02),  # face-centred c/a 1.054-1.097 around In's 1.075, clear of fcc's 1
    # hexagonal c/a 2.56-2.89 around As's 2.78: Sb 2.62 and Bi 2.61 (benchmarks/data/real_materials.json);
    # simple cubic, the undistorted A7, is 2.45 with u = 1/4
    "alpha_As": (-0.08, 0.04),
    # face-centred c/a 0.89-1.07 around CuAu's 0.93: FePt 0.96, γ-TiAl 1.02; no class of the set orders two
    # species on alternate (001) planes of a nearly cubic cell
    "L10_CuAu": (-0.04, 0.15),
}
"""Relative stretches of the unique axis per class; the other uniaxial classes get ``DEFAULT_STRETCH``."""
DEFAULT_STRETCH = (-0.04, 0.04)
UNIAXIAL_SPACE_GROUPS = range(75, 195)
"""Tetragonal, trigonal and hexagonal space groups: a free c/a."""
CORRELATED_FRACTION = 0.4
"""The share of noisy draws whose displacements are correlated between neighbours (``_correlated``)."""
FIRST_SHELL = 1.25
"""Neighbours within this many d_NN share their noise in a correlated draw."""
FIRST_SHELL_SIZE = 12
"""The scale of a mean over a first shell (fcc's 12): its noise is about 1/√12 of one atom's."""
ELLIPSOID_FRACTION = 0.6
"""The share of finite draws cut as an ellipsoid (the others are the paper's supercells)."""
SHIFTED_FRACTION = 0.5
"""The share of finite supercell draws started from a random origin (the others from the class's own, as the
paper's supercells)."""
INTERNAL_FRACTION = 0.5
"""The share of draws of a class with free internal coordinates whose atoms are moved along them."""
MAX_INTERNAL = 0.04
"""The largest root-mean-square move (of d_NN) along a class's free internal coordinates (``internal_mode``)."""
STACKING_CLASSES = ("fcc_Cu", "hcp_Mg", "dhcp_La", "alpha_Sm", "hex_graphite_C", "rh_graphite_C")
"""Classes told apart only by the order of their close-packed or graphite layers: their first shells agree (fcc
and hcp) or nearly so, thermal noise hides the difference sooner than any other, and their pristine structures
end up closest to another class's draws (``stacking_factor`` draws them more often)."""
BICRYSTAL_ANGLES = (5.0, 45.0)
"""Misorientations (degrees) of a bicrystal draw's two grains about the layer's normal."""
GRAIN_CONTACT = 0.75
"""Atoms of a bicrystal's turned grain closer than this (of d_NN) to the other grain are removed: a relaxed
boundary leaves no two atoms on top of each other."""
ALLOY_SHARES = (0.02, 0.5)
"""The range of an alloy draw's share of substituted sites, drawn log-uniform (as many dilute alloys as
concentrated ones)."""
ALLOY_SECOND_SPECIES = 0.3
"""The share of alloy draws with two added species instead of one (the multi-component matrix of real alloys)."""
ALLOY_SPECIES = ("Al", "Cr", "Co")
"""The species substituted in (the descriptor sees only which sites hold which species, not the element)."""
ORDERED_ALLOYS = ("L12_Cu3Au", "L10_CuAu", "B2_CsCl")
"""The ordered superstructures of an elemental lattice among the classes (L1₂ and L1₀ of fcc, B2 of bcc), whose
alloy draws have antisites: fully disordered, each is its lattice's random alloy."""
MAX_ORDER_LOST = 0.5
"""An antisite draw's largest antisite fraction, a share of a random arrangement's (Bragg-Williams order S >= 0.5)."""
FILM_THICKNESS = (3.0, 10.0)
"""The range of a film draw's thickness, in d_NN."""
FILM_PLANES = tuple((h, k, l) for h in (-1, 0, 1) for k in (-1, 0, 1) for l in (-1, 0, 1) if (h, k, l) > (0, 0, 0))
"""The lattice planes a film draw lies in, Miller indices of its class's cell up to sign: of fcc's primitive cell
the {111}, {100}, {110} and {311} planes. Films along a cell axis alone left fcc (001) films bct In."""
FILM_WIDTH = 6.0
"""A film draw's least periodic extent along each in-plane axis, in d_NN."""
INTERFACE_SHARES = (0.05, 0.5)
"""The range of an interface draw's disordered share of the cell (a slab along one cell axis)."""
INTERFACE_SHAKE = 0.3
"""σ per component (of d_NN) of the displacements that disorder an interface draw's slab."""
INTERFACE_CONTACT = 0.85
"""An interface draw's disordered atoms are pushed apart until no atom is closer than this (of d_NN) to them."""
INTERFACE_STEPS = 400
"""The largest number of pushes that relax an interface draw's slab."""
ELLIPSOID_ATOMS = (100, 400)
ELLIPSOID_ASPECTS = (0.75, 1.25)
"""Each semi-axis of a cut ellipsoid is the radius of a ball of the same volume times a factor from this range."""


def augmented_settings(average: str = "inner", rbf: str = "gto") -> list[SoapSettings]:
    """The draws of the realistic recipe are described at the central setting only: their variety is in
    the structures, and the d_NN of a noisy structure already strays as in real samples."""
    return [replace(CENTRAL_SETTINGS, average=average, rbf=rbf)]


@cache
def unique_axis(prototype: Prototype, variant: int = 0) -> np.ndarray | None:
    """The unit vector along the conventional c axis of a bulk uniaxial class (of its structure ``variant``), in
    its cell's frame; else None."""
    if prototype.is_2d or prototype.is_finite or prototype.space_group not in UNIAXIAL_SPACE_GROUPS:
        return None
    return _c_axis(prototype.unit_cell(variant))


SYMMETRY_TOLERANCE = 1e-3
"""spglib's tolerance (Å) for the space groups of the classes' cells."""


def _symmetry(cell: Atoms) -> Any:
    """spglib's symmetry dataset of a periodic cell at ``SYMMETRY_TOLERANCE``."""
    return symmetry_dataset(cell, SYMMETRY_TOLERANCE)


def _c_axis(cell: Atoms) -> np.ndarray:
    """The unit vector along the conventional c axis of a periodic cell, in its frame."""
    dataset = _symmetry(cell)
    c_axis = (np.linalg.inv(dataset.transformation_matrix).T @ cell.cell[:])[2]  # spglib's (a b c) P⁻¹
    return c_axis / np.linalg.norm(c_axis)


def internal_mode(cell: Atoms, rng: np.random.Generator) -> np.ndarray | None:
    """A random displacement of the atoms of a periodic cell that keeps its space group, with a root mean
    square of 1 (Å, to be scaled), or None when the space group fixes every atom (fcc, hcp, rock salt).

    Random displacements averaged over the space group's operations (each operation rotates the
    displacement of an atom onto the atom it maps it to) keep exactly the freedom the Wyckoff positions
    leave: the tilt of a perovskite's octahedra, the puckering of SnS's layers, α-As's u. Real compounds of one
    class differ there, as they differ in c/a.
    """
    fractional = cell.get_scaled_positions()
    dataset = _symmetry(cell)
    lattice = cell.cell[:].T  # columns a, b, c
    to_fractional = np.linalg.inv(lattice)
    random = rng.normal(size=fractional.shape)
    averaged = np.zeros_like(random)
    for rotation, translation in zip(dataset.rotations, dataset.translations):
        image = fractional @ rotation.T + translation
        offsets = image[:, None, :] - fractional[None, :, :]
        offsets -= np.round(offsets)
        target = np.argmin(np.linalg.norm(offsets @ lattice.T, axis=2), axis=1)  # atom j goes to target[j]
        averaged[target] += random @ (lattice @ rotation @ to_fractional).T
    averaged -= averaged.mean(axis=0)  # a rigid shift of every atom changes nothing
    size = np.sqrt(np.mean(np.sum(averaged**2, axis=1)))
    return averaged / size if size > 1e-6 * len(dataset.rotations) else None


@cache
def has_internal_freedom(prototype: Prototype, variant: int = 0) -> bool:
    """Whether the atoms of a bulk or layer class (of its structure ``variant``) have free internal coordinates
    (α-As's u is drawn apart)."""
    if prototype.is_finite or prototype.id == "alpha_As":
        return False
    return internal_mode(prototype.unit_cell(variant), np.random.default_rng(0)) is not None


A7_U_RANGE = (0.222, 0.240)
"""The internal coordinate u of α-As draws (atoms at ±u along c): As 0.227 (the class's cell), Sb 0.233 and
Bi 0.237 (benchmarks/data/real_materials.json); u = 1/4 with c/a = √6 is simple cubic."""
A7_HEXAGONAL_CELL = (3.76, 3.76, 10.457, 90, 90, 120)
"""The hexagonal axes (Å, degrees) of the α-As class's cell (AFLOW A_hR2_166_c)."""


def a7_cell(u: float) -> Atoms:
    """The primitive cell of α-As with internal coordinate ``u``, its c axis along z."""
    return spacegroup_structure({"spacegroup": 166, "cellpar": list(A7_HEXAGONAL_CELL), "basis": [[0, 0, u]],
                                 "symbols": ["As"], "primitive": True})


def shifted_origin(cell: Atoms, rng: np.random.Generator) -> Atoms:
    """The same crystal with its atoms shifted by a random fraction of the cell along its periodic axes: a
    supercell of it ends on other atoms (a zincblende crystal cut from the cell with S at ¼ or at ¾ of the
    diagonal has other facets)."""
    shifted = cell.copy()
    fractional = cell.get_scaled_positions(wrap=False) + rng.random(3) * cell.pbc
    shifted.set_scaled_positions(np.where(cell.pbc, np.mod(fractional, 1.0), fractional))
    return shifted


@dataclass(frozen=True)
class AugmentationRecipe:
    """The ranges the draws come from (fractions of d_NN for lengths)."""

    draws_per_class: int = 120
    amorphous_draws: int = 300
    max_sigma: float = 0.09
    thermal: Literal["amplitude", "temperature", "mixed"] = "amplitude"
    pristine_fraction: float = 0.2
    max_strain: float = 0.005
    vacancy_fraction: float = 0.3
    max_vacancies: float = 0.25
    seed: int = 0
    stacking_factor: int = 1
    planar_fraction: float = 0.0
    bicrystal_fraction: float = 0.0
    alloy_draws: int = 0
    film_draws: int = 0
    interface_draws: int = 0

    def record(self) -> dict[str, Any]:
        """The recipe as stored with a model: its fields and the module's fixed ranges."""
        return {**{name: getattr(self, name) for name in self.__dataclass_fields__},
                "ellipsoid_fraction": ELLIPSOID_FRACTION, "ellipsoid_atoms": list(ELLIPSOID_ATOMS),
                "ellipsoid_aspects": list(ELLIPSOID_ASPECTS), "a7_u_range": list(A7_U_RANGE),
                "correlated_fraction": CORRELATED_FRACTION, "first_shell": FIRST_SHELL,
                "shifted_fraction": SHIFTED_FRACTION, "internal_fraction": INTERNAL_FRACTION,
                "max_internal": MAX_INTERNAL, "bicrystal_angles": list(BICRYSTAL_ANGLES),
                "grain_contact": GRAIN_CONTACT, "stacking_classes": list(STACKING_CLASSES),
                "alloy_shares": list(ALLOY_SHARES), "alloy_second_species": ALLOY_SECOND_SPECIES,
                "ordered_alloys": list(ORDERED_ALLOYS), "max_order_lost": MAX_ORDER_LOST,
                "film_thickness": list(FILM_THICKNESS), "film_width": FILM_WIDTH, "film_planes": list(FILM_PLANES),
                "interface_shares": list(INTERFACE_SHARES),
                "interface_shake": INTERFACE_SHAKE, "interface_contact": INTERFACE_CONTACT,
                "stretch_ranges": {**{name: list(r) for name, r in STRETCH_RANGES.items()},
                                   "default": list(DEFAULT_STRETCH)}}

    def __post_init__(self) -> None:
        if self.thermal not in ("amplitude", "temperature", "mixed"):
            raise InputError(f"`thermal` is amplitude, temperature or mixed, got {self.thermal!r}", "thermal")
        for share in ("planar_fraction", "bicrystal_fraction"):
            if not 0 <= getattr(self, share) <= 1:
                raise InputError(f"`{share}` is a share in [0, 1], got {getattr(self, share)}", share)
        for count in ("alloy_draws", "film_draws", "interface_draws"):
            if getattr(self, count) < 0:
                raise InputError(f"`{count}` is a whole number of at least 0, got {getattr(self, count)}", count)
        if self.stacking_factor < 1:
            raise InputError(f"`stacking_factor` is a whole number of at least 1, got {self.stacking_factor}",
                             "stacking_factor")

    def thermal_sigma(self, rng: np.random.Generator) -> float:
        """A noisy draw's σ: uniform up to ``max_sigma`` (``amplitude``), uniform in σ² (``temperature``), or
        either at even odds (``mixed``)."""
        if self.thermal == "temperature" or (self.thermal == "mixed" and rng.random() < 0.5):
            return float(self.max_sigma * np.sqrt(rng.random()))
        return float(rng.uniform(0, self.max_sigma))

    def draws_of(self, prototype: Prototype) -> int:
        """How many draws a class gets: ``draws_per_class``, times ``stacking_factor`` for ``STACKING_CLASSES``."""
        return self.draws_per_class * self._factor(prototype)

    def alloy_draws_of(self, prototype: Prototype) -> int:
        """How many alloy draws a class gets after its ``draws_of``: ``alloy_draws`` (times ``stacking_factor`` for
        ``STACKING_CLASSES``) for a single-species bulk class or one of ``ORDERED_ALLOYS``, none for the others."""
        return self.alloy_draws * self._factor(prototype) if can_be_alloyed(prototype) else 0

    def film_draws_of(self, prototype: Prototype) -> int:
        """How many film draws a class gets after its alloy draws: ``film_draws`` (times ``stacking_factor`` for
        ``STACKING_CLASSES``) for a bulk class, none for a 2D or finite one."""
        return self.film_draws * self._factor(prototype) if is_bulk(prototype) else 0

    def interface_draws_of(self, prototype: Prototype) -> int:
        """How many interface draws a class gets after its film draws: ``interface_draws`` (times
        ``stacking_factor`` for ``STACKING_CLASSES``) for a bulk class, none for a 2D or finite one."""
        return self.interface_draws * self._factor(prototype) if is_bulk(prototype) else 0

    def _parts_of(self, prototype: Prototype) -> dict[str, int]:
        """A class's draws by kind, in the order they are numbered."""
        return {"plain": self.draws_of(prototype), "alloy": self.alloy_draws_of(prototype),
                "film": self.film_draws_of(prototype), "interface": self.interface_draws_of(prototype)}

    def all_draws_of(self, prototype: Prototype) -> int:
        """A class's draws in all: ``draws_of``, then ``alloy_draws_of``, ``film_draws_of``, ``interface_draws_of``."""
        return sum(self._parts_of(prototype).values())

    def kind_of(self, draw: Draw) -> str:
        """Which part of its class's draws ``draw`` is: plain, alloy, film or interface."""
        end = 0
        for kind, count in self._parts_of(draw.prototype).items():
            end += count
            if draw.number < end:
                return kind
        raise InputError(f"draw {draw.number} of {draw.prototype.id} is beyond the recipe's "
                         f"{self.all_draws_of(draw.prototype)} draws of the class", "number")

    def _factor(self, prototype: Prototype) -> int:
        return self.stacking_factor if prototype.id in STACKING_CLASSES else 1

    def structures(self, prototypes: Sequence[Prototype] | None = None) -> list[Draw | AmorphousDraw]:
        """``all_draws_of`` each class (default: all 108), and ``amorphous_draws`` of
        ``NOT_A_CRYSTAL`` when all classes are drawn."""
        draws: list[Draw | AmorphousDraw] = [
            Draw(prototype, number, self) for prototype in prototypes or all_prototypes()
            for number in range(self.all_draws_of(prototype))]
        if prototypes is None:
            draws += [AmorphousDraw(number, self) for number in range(self.amorphous_draws)]
        return draws


@dataclass(frozen=True)
class Draw:
    """One structure of the recipe: a class's structure with noise, strain and vacancies."""

    prototype: Prototype
    number: int
    recipe: AugmentationRecipe = field(default_factory=AugmentationRecipe)

    def _random(self) -> np.random.Generator:
        return np.random.default_rng([zlib.crc32(self.prototype.id.encode()), self.number, self.recipe.seed])

    def parameters(self) -> dict[str, float | int | bool]:
        """The draw's form and defects, from its seed: ``periodic``, ``supercell``, ``ellipsoid`` (atoms of a cut
        ellipsoid, 0 for a supercell), ``sigma``, ``strain``, ``eta``, ``stretch``; ``u`` for α-As; ``correlation`` for
        the noisy draws whose neighbours move together; ``shifted`` for finite supercells; ``internal`` (the rms
        move along the free internal coordinates, of d_NN) for some draws of the classes that have them; ``planar``
        for the noisy draws of 2D classes whose atoms move within the layer only (as in a micrograph's positions);
        ``misorientation`` (degrees) for the finite draws of 2D classes made of two grains; for a class's draws after
        its ``draws_of``, ``alloy`` (the share of substituted sites) and ``alloy_species`` (1 or 2), or for an
        ordered alloy ``antisites`` (the share of atoms on another species' site); for the film draws after those,
        ``film`` (the film's lattice plane, an index of ``FILM_PLANES``) and ``thickness`` (in d_NN); for the
        interface draws after those, ``interface`` (the disordered share) and ``interface_axis`` (the cell axis
        across the slab)."""
        rng, recipe = self._random(), self.recipe
        periodic = not self.prototype.is_finite and bool(rng.random() < 0.5)
        supercell = 0 if self.prototype.is_finite else int(rng.integers(0, 2 if periodic else 3))
        cut = not periodic and not self.prototype.is_finite and bool(rng.random() < ELLIPSOID_FRACTION)
        ellipsoid = int(rng.integers(*ELLIPSOID_ATOMS)) if cut else 0
        sigma = 0.0 if rng.random() < recipe.pristine_fraction else recipe.thermal_sigma(rng)
        strain = float(rng.uniform(0, recipe.max_strain))
        eta = float(rng.uniform(0, recipe.max_vacancies)) if rng.random() < recipe.vacancy_fraction else 0.0
        stretch = self._stretch(rng) if unique_axis(self.prototype, self.variant) is not None else 0.0
        parameters = {"periodic": periodic, "supercell": supercell, "ellipsoid": ellipsoid, "sigma": sigma,
                      "strain": strain, "eta": eta, "stretch": stretch, "seed": int(rng.integers(2**31))}
        if self.prototype.id == "alpha_As":
            parameters["u"] = float(rng.uniform(*A7_U_RANGE))
        if sigma > 0 and rng.random() < CORRELATED_FRACTION:
            parameters["correlation"] = float(rng.uniform(0, 1))
        if not periodic and not ellipsoid and not self.prototype.is_finite:
            parameters["shifted"] = bool(rng.random() < SHIFTED_FRACTION)
        if has_internal_freedom(self.prototype, self.variant) and rng.random() < INTERNAL_FRACTION:
            parameters["internal"] = float(rng.uniform(0, MAX_INTERNAL))
        if self.prototype.is_2d and sigma > 0 and recipe.planar_fraction and rng.random() < recipe.planar_fraction:
            parameters["planar"] = True  # after every other draw from ``rng``: the other parameters stay as they were
        if self.prototype.is_2d and not periodic and recipe.bicrystal_fraction \
                and rng.random() < recipe.bicrystal_fraction:
            parameters["misorientation"] = float(rng.uniform(*BICRYSTAL_ANGLES))  # last, as ``planar``
        kind = recipe.kind_of(self)
        if kind == "alloy" and self.prototype.id in ORDERED_ALLOYS:
            parameters["antisites"] = float(rng.uniform(0, MAX_ORDER_LOST * random_antisites(self.prototype)))
        elif kind == "alloy":
            parameters["alloy"] = float(np.exp(rng.uniform(*np.log(ALLOY_SHARES))))
            parameters["alloy_species"] = 2 if rng.random() < ALLOY_SECOND_SPECIES else 1
        elif kind == "film":
            parameters.update(periodic=True, ellipsoid=0, film=int(rng.integers(len(FILM_PLANES))),
                              thickness=float(rng.uniform(*FILM_THICKNESS)))
            parameters.pop("shifted", None)
        elif kind == "interface":
            parameters.update(periodic=True, ellipsoid=0, interface=float(rng.uniform(*INTERFACE_SHARES)),
                              interface_axis=int(rng.integers(3)))
            parameters.pop("shifted", None)
        return parameters

    @property
    def variant(self) -> int:
        """Which of the class's structures the draw starts from (the 108 classes have one)."""
        return self.number % self.prototype.variants

    def _stretch(self, rng: np.random.Generator) -> float:
        """A stretch from the class's range; for a range wider than ``DEFAULT_STRETCH``, half of the draws from
        the default's part of it, so that the class's own c/a is as densely drawn as its neighbours' (hcp
        spread evenly over c/a 1.55-1.90 left Mg's 1.62 to dhcp La, drawn within 4 % of its own)."""
        low, high = STRETCH_RANGES.get(self.prototype.id, DEFAULT_STRETCH)
        if (low < DEFAULT_STRETCH[0] or high > DEFAULT_STRETCH[1]) and rng.random() < 0.5:
            low, high = max(low, DEFAULT_STRETCH[0]), min(high, DEFAULT_STRETCH[1])
        return float(rng.uniform(low, high))

    @property
    def label(self) -> str:
        return self.prototype.id

    @property
    def name(self) -> str:
        p = self.parameters()
        form = ("tube" if self.prototype.is_nanotube else "finite" if self.prototype.is_finite else
                f"periodic{p['supercell']}" if p["periodic"] else
                f"ellipsoid{p['ellipsoid']}" if p["ellipsoid"] else f"supercell{p['supercell']}")
        return (f"{self.prototype.id}__draw{self.number:04d}__{form}__sigma{p['sigma']:.3f}"
                f"__strain{p['strain']:.4f}__eta{p['eta']:.2f}__stretch{p['stretch']:+.3f}"
                + (f"__u{p['u']:.4f}" if "u" in p else "")
                + (f"__corr{p['correlation']:.2f}" if "correlation" in p else "")
                + (f"__internal{p['internal']:.3f}" if "internal" in p else "")
                + ("__planar" if p.get("planar") else "")
                + (f"__bicrystal{p['misorientation']:.1f}" if "misorientation" in p else "")
                + (f"__alloy{p['alloy']:.3f}x{p['alloy_species']}" if "alloy" in p else "")
                + (f"__antisites{p['antisites']:.3f}" if "antisites" in p else "")
                + (f"__film{''.join(map(str, FILM_PLANES[p['film']]))}x{p['thickness']:.2f}" if "film" in p
                   else "")
                + (f"__interface{p['interface']:.2f}x{p['interface_axis']}" if "interface" in p else "")
                + ("__origin0" if p.get("shifted") is False else ""))

    def atoms(self) -> Atoms:
        p = self.parameters()
        rng = np.random.default_rng(p["seed"])
        cell = a7_cell(p["u"]) if "u" in p else self.prototype.unit_cell(self.variant)
        if "internal" in p:
            cell.positions += p["internal"] * nearest_neighbour_distance(cell) * internal_mode(cell, rng)
        if self.prototype.is_finite:
            pristine = cell
        elif p["ellipsoid"]:
            pristine = _ellipsoid_cut(cell, p["ellipsoid"], rng)
        else:
            if p.get("shifted"):
                cell = shifted_origin(cell, rng)
            pristine = cell.repeat(supercell_repeats(cell, self.prototype.is_2d, p["supercell"]))
            pristine.pbc = cell.pbc if p["periodic"] else False
        if "film" in p:  # ``surface`` turns the lattice: the stretch along the cell's c axis goes first
            pristine = _film(_stretched(cell, p["stretch"]), FILM_PLANES[p["film"]], p["thickness"])
        if "interface" in p:
            pristine = _disordered_slab(pristine, p["interface_axis"], p["interface"], rng)
        if "misorientation" in p:
            pristine = _bicrystal(pristine, _layer_normal(cell), p["misorientation"], rng)
        if p["stretch"] and "film" not in p:
            pristine = _stretched(pristine, p["stretch"], _c_axis(cell))
        d_nn = nearest_neighbour_distance(pristine)
        random_matrix = rng.normal(0, p["strain"], size=(3, 3))
        atoms = _deformed(pristine, np.eye(3) + (random_matrix + random_matrix.T) / 2)
        if p["eta"] > 0:
            kept = rng.random(len(atoms)) >= p["eta"]
            kept[rng.integers(len(atoms))] = True
            atoms = atoms[kept]
        noise = rng.normal(0, 1, size=atoms.positions.shape)
        if p.get("correlation"):
            noise = _correlated(atoms, noise, p["correlation"], d_nn)
        if p.get("planar"):
            normal = _layer_normal(cell)
            noise -= np.outer(noise @ normal, normal)  # σ per component within the layer, none across it
        atoms.positions += p["sigma"] * d_nn * noise
        if "alloy" in p:
            atoms = _substituted(atoms, p["alloy"], p["alloy_species"], rng)
        if "antisites" in p:
            atoms = swap_antisites(atoms, p["antisites"], seed=int(rng.integers(2**31)))
        return atoms


PACKING_STEPS = 300
"""Steps of the soft-sphere relaxation that turns random points into a dense amorphous packing."""


@dataclass(frozen=True)
class AmorphousDraw:
    """A dense random packing (a glass or a frozen melt) of unit spheres, periodic or a finite ball, with
    the species of a random class in their proportions and thermal-like noise: the ``NOT_A_CRYSTAL`` class."""

    number: int
    recipe: AugmentationRecipe = field(default_factory=AugmentationRecipe)
    label: str = NOT_A_CRYSTAL

    def parameters(self) -> dict[str, float | int | bool | str]:
        """``periodic``, ``atoms``, ``density`` (spheres per unit volume), ``sigma`` and the class lending its species."""
        rng = np.random.default_rng([zlib.crc32(NOT_A_CRYSTAL.encode()), self.number, self.recipe.seed])
        crystals = [p for p in all_prototypes() if not p.is_finite and not p.is_2d]
        return {"periodic": bool(rng.random() < 0.5), "atoms": int(rng.integers(100, 400)),
                "density": float(rng.uniform(0.85, 1.2)), "sigma": float(rng.uniform(0, 0.05)),
                "species_of": crystals[int(rng.integers(len(crystals)))].id, "seed": int(rng.integers(2**31))}

    @property
    def name(self) -> str:
        p = self.parameters()
        form = "periodic" if p["periodic"] else "finite"
        return (f"{NOT_A_CRYSTAL}__draw{self.number:04d}__{form}{p['atoms']}__density{p['density']:.2f}"
                f"__sigma{p['sigma']:.3f}__{p['species_of']}")

    def atoms(self) -> Atoms:
        p = self.parameters()
        rng = np.random.default_rng(p["seed"])
        count = p["atoms"]
        if p["periodic"]:
            edge = (count / p["density"]) ** (1 / 3)
            positions, period = rng.uniform(0, edge, size=(count, 3)), np.full(3, edge)
        else:
            radius = (3 * count / (4 * np.pi * p["density"])) ** (1 / 3)
            directions = rng.normal(size=(count, 3))
            directions /= np.linalg.norm(directions, axis=1, keepdims=True)
            positions, period = directions * radius * rng.random((count, 1)) ** (1 / 3), None
        positions = _soft_sphere_packing(positions, period)
        positions += rng.normal(0, p["sigma"], size=positions.shape)
        species = build(p["species_of"]).get_chemical_symbols()
        symbols = [species[i] for i in rng.integers(len(species), size=count)]
        scale = 2.5  # Å per sphere diameter: any length does, the descriptor scales d_NN to 1
        if period is None:
            return Atoms(symbols, positions=positions * scale, pbc=False)
        return Atoms(symbols, positions=np.mod(positions, period) * scale, cell=np.diag(period * scale), pbc=True)


def is_bulk(prototype: Prototype) -> bool:
    """A class of a crystal periodic in three dimensions: neither 2D nor finite."""
    return not prototype.is_2d and not prototype.is_finite


def can_be_alloyed(prototype: Prototype) -> bool:
    """Whether a class gets alloy draws: one of ``ORDERED_ALLOYS`` or a bulk class of one species."""
    return prototype.id in ORDERED_ALLOYS or (is_bulk(prototype) and len(_species_shares(prototype)) == 1)


@cache
def _species_shares(prototype: Prototype) -> tuple[float, ...]:
    """The share of each species in a class's cell (asked for every extra draw's parameters: the cell is built once
    per class, the 108 and a user's alike)."""
    _, counts = np.unique(prototype.unit_cell().numbers, return_counts=True)
    return tuple(float(count) for count in counts / counts.sum())


def _disordered_slab(crystal: Atoms, axis: int, share: float, rng: np.random.Generator) -> Atoms:
    """``crystal`` (periodic) with the atoms of a slab across cell ``axis``, ``share`` of its atoms from a random
    start, shaken by ``INTERFACE_SHAKE`` d_NN and their species shuffled, then every pair closer than
    ``INTERFACE_CONTACT`` d_NN pushed apart (the crystal's atoms next to the slab give way too): a disordered layer
    between two pieces of the crystal, as a grain boundary or a melt front."""
    from ase.neighborlist import neighbor_list

    d_nn = nearest_neighbour_distance(crystal)
    order = np.argsort(np.mod(crystal.get_scaled_positions()[:, axis] - rng.random(), 1.0), kind="stable")
    inside = np.zeros(len(crystal), dtype=bool)
    inside[order[:max(1, round(share * len(crystal)))]] = True
    slab = crystal.copy()
    slab.positions[inside] += rng.normal(0, INTERFACE_SHAKE * d_nn, size=(int(inside.sum()), 3))
    symbols = np.array(slab.get_chemical_symbols(), dtype=object)
    symbols[inside] = rng.permutation(symbols[inside])  # no chemical order: a slab that kept it (Na next to Cl)
    slab.set_chemical_symbols(list(symbols))            # taught that molten NaCl, which keeps it, is rock salt
    contact = INTERFACE_CONTACT * d_nn
    for step in range(INTERFACE_STEPS):
        if step % 10 == 0:  # pairs within reach of contact for the next ten pushes
            first, second, shifts = neighbor_list("ijS", slab, contact + 0.5 * d_nn)
            offsets = shifts @ slab.cell[:]
        vectors = slab.positions[second] - slab.positions[first] + offsets
        lengths = np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
        close = lengths[:, 0] < contact
        if not close.any():
            break
        push = 0.5 * (contact - lengths[close]) * vectors[close] / lengths[close]  # each atom of a pair half
        np.add.at(slab.positions, first[close], -push)
    slab.wrap()
    return slab


def _film(cell: Atoms, plane: tuple[int, int, int], thickness: float) -> Atoms:
    """A film of ``cell`` parallel to its lattice ``plane`` (Miller indices of the cell's axes, ``ase.build.surface``):
    ``thickness`` d_NN of whole atoms along the plane's normal (z), free there, and at least ``FILM_WIDTH`` d_NN
    of periodic repeats along each in-plane axis."""
    from ase.build import surface

    d_nn = nearest_neighbour_distance(cell)
    depth = thickness * d_nn
    spacing = surface(cell, plane, 1, periodic=True).cell[2, 2]
    film = surface(cell, plane, int(np.ceil(depth / spacing)) + 1, periodic=True)
    heights = film.positions[:, 2]
    film = film[heights - heights.min() < depth]
    in_plane = [max(1, int(np.ceil(FILM_WIDTH * d_nn / length))) for length in film.cell.lengths()[:2]]
    film = film.repeat((*in_plane, 1))
    film.pbc = (True, True, False)
    return film


def random_antisites(prototype: Prototype) -> float:
    """The share of atoms on another species' site when the species of a class's cell are spread at random:
    1 - Σ x², x the species' shares (1/2 for L1₀ and B2, 3/8 for L1₂)."""
    return float(1 - np.sum(np.square(_species_shares(prototype))))


def _substituted(atoms: Atoms, share: float, species: int, rng: np.random.Generator) -> Atoms:
    """A random solid solution: ``share`` of the sites (at least one per added species) given to ``species``
    other species, split at random between two."""
    host = atoms.get_chemical_symbols()[0]
    added = [name for name in ALLOY_SPECIES if name != host][:species]
    split = [1.0] if species == 1 else [first := float(rng.uniform(0.2, 0.8)), 1 - first]
    symbols = np.array(atoms.get_chemical_symbols(), dtype=object)
    sites = rng.permutation(len(atoms))
    start = 0
    for name, part in zip(added, split):
        count = max(1, round(share * part * len(atoms)))
        symbols[sites[start:start + count]] = name
        start += count
    alloy = atoms.copy()
    alloy.set_chemical_symbols(list(symbols))
    return alloy


def _soft_sphere_packing(positions: np.ndarray, period: np.ndarray | None) -> np.ndarray:
    """Push apart every pair of unit spheres that overlap, half the overlap each, ``PACKING_STEPS`` times:
    random points become a dense amorphous packing with no atom on top of another."""
    positions = positions.copy()
    for _ in range(PACKING_STEPS):
        wrapped = np.mod(positions, period) if period is not None else positions
        pairs = cKDTree(wrapped, boxsize=period).query_pairs(1.0, output_type="ndarray")
        if not len(pairs):
            break
        vectors = wrapped[pairs[:, 1]] - wrapped[pairs[:, 0]]
        if period is not None:
            vectors -= period * np.round(vectors / period)
        lengths = np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
        push = 0.5 * (1.0 - lengths) * vectors / lengths
        np.add.at(positions, pairs[:, 1], push)
        np.add.at(positions, pairs[:, 0], -push)
    return positions


def _ellipsoid_cut(cell: Atoms, n_atoms: int, rng: np.random.Generator) -> Atoms:
    """About ``n_atoms`` atoms of the crystal inside an ellipsoid of random semi-axes, orientation and centre;
    for a layer (periodic in-plane, normal along z), an elliptic flake."""
    from scipy.spatial.transform import Rotation

    layer = not cell.pbc.all()
    aspects = rng.uniform(*ELLIPSOID_ASPECTS, size=3)
    if layer:
        area_per_atom = np.linalg.norm(np.cross(cell.cell[0], cell.cell[1])) / len(cell)
        semi_axes = np.sqrt(n_atoms * area_per_atom / (np.pi * aspects[0] * aspects[1])) * aspects
        semi_axes[2] = np.inf
        rotation = Rotation.from_euler("z", rng.uniform(0, 2 * np.pi)).as_matrix()
    else:
        volume_per_atom = cell.get_volume() / len(cell)
        semi_axes = (3 * n_atoms * volume_per_atom / (4 * np.pi * np.prod(aspects))) ** (1 / 3) * aspects
        rotation = Rotation.random(random_state=rng).as_matrix()
    plane_spacing = 1.0 / np.linalg.norm(cell.cell.reciprocal(), axis=1)
    reach = np.max(semi_axes[np.isfinite(semi_axes)])
    repeats = np.where(cell.pbc, np.ceil(2 * reach / plane_spacing).astype(int) + 2, 1)
    crystal = cell.repeat(tuple(int(n) for n in repeats))
    centre = crystal.cell[:].sum(axis=0) / 2 + rng.random(3) @ cell.cell[:] * cell.pbc
    inside = np.linalg.norm((crystal.positions - centre) @ rotation / semi_axes, axis=1) <= 1
    finite = crystal[inside]
    finite.positions -= centre
    finite.pbc, finite.cell = False, np.zeros((3, 3))
    return finite


def _layer_normal(cell: Atoms) -> np.ndarray:
    """The unit normal of a layer's plane (its first two cell vectors)."""
    normal = np.cross(cell.cell[0], cell.cell[1])
    return normal / np.linalg.norm(normal)


def _bicrystal(finite: Atoms, normal: np.ndarray, misorientation: float, rng: np.random.Generator) -> Atoms:
    """Two grains of a finite layer: its atoms on one side of a random line through its centre as they are, and
    the layer turned by ``misorientation`` degrees about ``normal`` on the other side, less the turned atoms
    closer than ``GRAIN_CONTACT`` d_NN to the first grain."""
    from scipy.spatial.transform import Rotation

    centred = finite.positions - finite.positions.mean(axis=0)
    across = rng.normal(size=3)
    across -= (across @ normal) * normal
    turned = centred @ Rotation.from_rotvec(np.radians(misorientation) * normal).as_matrix().T
    first, second = finite[centred @ across >= 0], finite[turned @ across < 0]
    second.positions = turned[turned @ across < 0] + finite.positions.mean(axis=0)
    if len(first) and len(second):
        distance, _ = cKDTree(first.positions).query(second.positions)
        second = second[distance >= GRAIN_CONTACT * nearest_neighbour_distance(finite)]
    return first + second


def _correlated(atoms: Atoms, noise: np.ndarray, correlation: float, d_nn: float) -> np.ndarray:
    """Per-atom noise mixed with the mean noise of each atom's first-shell neighbours (``correlation`` its weight),
    rescaled to the same root mean square: neighbours then move partly together, as phonons make them do in
    molecular dynamics, so bonds fluctuate less than the atoms' own displacement suggests."""
    from ase.neighborlist import neighbor_list

    first, second = neighbor_list("ij", atoms, FIRST_SHELL * d_nn)
    neighbour_mean = np.zeros_like(noise)
    np.add.at(neighbour_mean, first, noise[second])
    neighbour_mean /= np.maximum(np.bincount(first, minlength=len(atoms)), 1)[:, None]
    mixed = (1 - correlation) * noise + correlation * neighbour_mean * np.sqrt(FIRST_SHELL_SIZE)
    return mixed / np.sqrt(np.mean(mixed**2))


def _stretched(atoms: Atoms, stretch: float, axis: np.ndarray | None = None) -> Atoms:
    """``atoms`` stretched by ``stretch`` (relative) along ``axis`` (default: the c axis of ``atoms``' own cell)."""
    if not stretch:
        return atoms
    axis = _c_axis(atoms) if axis is None else axis
    return _deformed(atoms, np.eye(3) + stretch * np.outer(axis, axis))


def _deformed(atoms: Atoms, deformation: np.ndarray) -> Atoms:
    """A copy deformed by the symmetric matrix ``deformation`` (row vectors times it); the cell with its atoms."""
    deformed = atoms.copy()
    deformed.set_cell(atoms.cell[:] @ deformation, scale_atoms=False)
    deformed.positions = atoms.positions @ deformation
    return deformed
