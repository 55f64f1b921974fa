"""The ARISE averaged species-pair SOAP descriptor (supplementary section "SOAP descriptor").

For every ordered species pair (α centres, β neighbours) the β atoms form a
substructure, scaled isotropically so that its d_NN (distances from α to β
atoms) is 1; SOAP (DScribe, one species) is evaluated at the α positions,
averaged over the centres and normalised to unit length. The S² pair vectors
are then averaged, so the length (315 for n_max 9, l_max 6) depends on neither
the number of atoms nor the number of species.

Matches the original (quippy) code where it matters: the centre atom does not
contribute to its own density (``central_weight=0``) and coefficients are
averaged over centres before the power spectrum (``average="inner"``).
DScribe's basis and prefactors differ from quippy's, so vectors are not
numerically identical to the paper's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np
from ase import Atoms

from ariseml.errors import InputError
from ariseml.parallel import progress_map
from ariseml.structure import d_nn_from_distances, species_pair_distances

DUMMY_SPECIES = "H"
"""Every neighbour substructure is passed to DScribe as one species."""


@dataclass(frozen=True)
class SoapSettings:
    """The descriptor's identity; stored with every trained model.

    ``r_cut`` and ``sigma`` are in units of d_NN. ``extrinsic_factor`` scales
    d_NN (the paper's 0.95 / 1.00 / 1.05 augmentation).
    """

    r_cut: float = 4.0
    sigma: float = 0.1
    n_max: int = 9
    l_max: int = 6
    extrinsic_factor: float = 1.0
    average: Literal["inner", "outer", "both"] = "inner"
    central_weight: float = 0.0
    rbf: Literal["gto", "polynomial"] = "gto"

    def __post_init__(self) -> None:
        lengths = {"r_cut": self.r_cut, "sigma": self.sigma, "extrinsic_factor": self.extrinsic_factor}
        for name, value in lengths.items():
            if not (math.isfinite(value) and value > 0):
                raise InputError(f"`{name}` must be a finite positive number (a multiple of d_NN), got {value}", name)
        if self.n_max < 1 or self.l_max < 0:
            raise InputError(f"`n_max` must be at least 1 and `l_max` at least 0, got {self.n_max} and {self.l_max}",
                             "n_max", "l_max")
        if self.average not in ("inner", "outer", "both"):
            raise InputError(f"`average` must be inner, outer or both, got {self.average!r}", "average")
        if self.rbf not in ("gto", "polynomial"):
            raise InputError(f"`rbf` must be gto or polynomial, got {self.rbf!r}", "rbf")
        if not (math.isfinite(self.central_weight) and self.central_weight >= 0):
            raise InputError(f"`central_weight` must be finite and not negative, got {self.central_weight}",
                             "central_weight")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def n_features(self) -> int:
        power_spectrum = self.n_max * (self.n_max + 1) // 2 * (self.l_max + 1)
        return 2 * power_spectrum if self.average == "both" else power_spectrum


@lru_cache(maxsize=64)
def _dscribe_soap(settings: SoapSettings, periodic: bool, per_atom: bool = False):
    """DScribe's SOAP for one (dummy) species; ``per_atom``: one vector per centre, no averaging."""
    from dscribe.descriptors import SOAP

    return SOAP(
        species=[DUMMY_SPECIES],
        r_cut=settings.r_cut,
        n_max=settings.n_max,
        l_max=settings.l_max,
        sigma=settings.sigma,
        rbf=settings.rbf,
        weighting={"w0": settings.central_weight},
        average="off" if per_atom else settings.average,
        periodic=periodic,
    )


def pair_vector(atoms: Atoms, centre_species: str, neighbour_species: str, d_nn: float,
                settings: SoapSettings = SoapSettings()) -> np.ndarray | None:
    """The unit-length averaged SOAP of the (α, β) substructure scaled by its ``d_nn``.

    None when no neighbour lies within the cutoff of any centre. ``average="both"`` joins the
    inner- and outer-averaged unit vectors (divided by √2: unit length again), both from one set of per-centre
    coefficients (``coefficients.inner_and_outer``, DScribe's numbers to 1e-10 at half the time of two calls).
    """
    symbols = np.array(atoms.get_chemical_symbols())
    if settings.average == "both":
        # coefficients.py builds on this module: imported here, not at the top
        from ariseml.descriptors.coefficients import inner_and_outer

        parts = inner_and_outer(atoms.positions[symbols == centre_species],
                                atoms.positions[symbols == neighbour_species], d_nn, settings,
                                atoms.cell[:], atoms.pbc)
        norms = [np.linalg.norm(part) for part in parts]
        return None if min(norms) == 0 else np.concatenate([p / n for p, n in zip(parts, norms)]) / np.sqrt(2)
    scale = 1.0 / (settings.extrinsic_factor * d_nn)
    # centres and neighbours come from the same scaled array, so an α = β centre sits
    # exactly on its own atom and ``central_weight`` applies to it
    scaled_positions = atoms.positions * scale
    neighbours = Atoms(
        symbols=[DUMMY_SPECIES] * int(np.sum(symbols == neighbour_species)),
        positions=scaled_positions[symbols == neighbour_species],
        cell=atoms.cell[:] * scale,
        pbc=atoms.pbc,
    )
    periodic = bool(atoms.pbc.any())
    vector = _dscribe_soap(settings, periodic).create(
        neighbours, centers=scaled_positions[symbols == centre_species])
    norm = np.linalg.norm(vector)
    return vector / norm if norm > 0 else None


def pair_distances(atoms: Atoms) -> dict[tuple[str, str], float]:
    """d_NN of every ordered species pair that has one (pairs without a neighbour, e.g. a lone α
    atom and no other β atom in a finite structure, are left out)."""
    return {pair: d_nn_from_distances(distances) for pair, distances in species_pair_distances(atoms).items()}


def arise_soap(atoms: Atoms, settings: SoapSettings = SoapSettings(),
               distances: dict[tuple[str, str], float] | None = None) -> np.ndarray:
    """The averaged species-pair SOAP vector of a structure (periodic, finite or 2D).

    ``distances`` (from :func:`pair_distances`) saves recomputing d_NN when one
    structure is described with several settings.
    """
    if distances is None:
        distances = pair_distances(atoms)
    vectors = [v for (alpha, beta), d_nn in distances.items()
               if (v := pair_vector(atoms, alpha, beta, d_nn, settings)) is not None]
    if not vectors:
        raise InputError("no atom has a neighbour: the descriptor is undefined for this structure")
    return np.mean(vectors, axis=0)


def _describe_one(job: tuple[Atoms, SoapSettings]) -> np.ndarray:
    return arise_soap(*job)


def describe_many(structures: Sequence[Atoms], settings: SoapSettings = SoapSettings(),
                  jobs: int | None = None, progress: bool = False) -> np.ndarray:
    """Descriptors of many structures, one row each, on ``jobs`` processes (default: all cores)."""
    work = [(atoms, settings) for atoms in structures]
    rows = list(progress_map(_describe_one, work, jobs, progress, desc="descriptors"))
    return np.stack(rows) if rows else np.zeros((0, settings.n_features))
