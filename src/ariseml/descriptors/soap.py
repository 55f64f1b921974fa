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

from dataclasses import asdict, dataclass
from functools import lru_cache
from itertools import product
from typing import Any, Literal

import numpy as np
from ase import Atoms

from ariseml.structure import nearest_neighbour_distance

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
    average: Literal["inner", "outer"] = "inner"
    central_weight: float = 0.0
    rbf: Literal["gto", "polynomial"] = "gto"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def n_features(self) -> int:
        return self.n_max * (self.n_max + 1) // 2 * (self.l_max + 1)


@lru_cache(maxsize=64)
def _dscribe_soap(settings: SoapSettings, periodic: bool):
    from dscribe.descriptors import SOAP

    return SOAP(
        species=[DUMMY_SPECIES],
        r_cut=settings.r_cut,
        n_max=settings.n_max,
        l_max=settings.l_max,
        sigma=settings.sigma,
        rbf=settings.rbf,
        weighting={"w0": settings.central_weight},
        average=settings.average,
        periodic=periodic,
    )


def pair_vector(atoms: Atoms, centre_species: str, neighbour_species: str,
                settings: SoapSettings = SoapSettings()) -> np.ndarray | None:
    """The unit-length averaged SOAP of the (α, β) substructure, or None where d_NN is undefined."""
    symbols = np.array(atoms.get_chemical_symbols())
    try:
        d_nn = nearest_neighbour_distance(atoms, centre_species, neighbour_species)
    except ValueError:  # e.g. a lone α atom and no other β atom in a finite structure
        return None
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


def arise_soap(atoms: Atoms, settings: SoapSettings = SoapSettings()) -> np.ndarray:
    """The averaged species-pair SOAP vector of a structure (periodic, finite or 2D)."""
    species = sorted(set(atoms.get_chemical_symbols()))
    vectors = [v for alpha, beta in product(species, repeat=2)
               if (v := pair_vector(atoms, alpha, beta, settings)) is not None]
    if not vectors:
        raise ValueError("no atom has a neighbour: the descriptor is undefined for this structure")
    return np.mean(vectors, axis=0)
