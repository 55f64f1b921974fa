"""SOAP expansion coefficients per atom, so that boxes can pool them (SPM fast mode, inner averaging).

The paper's descriptor averages the expansion coefficients c_nlm over the centres
before forming the power spectrum. Pooling therefore needs the coefficients of
every atom, which DScribe keeps to itself; they are computed here with DScribe's
own GTO radial basis (its α and β) and the closed form of a Gaussian atom density
projected on r^l exp(-α r²) Y_lm. The power spectrum of pooled coefficients equals
DScribe's ``average="inner"`` vector of the same centres (tested): the one
remaining factor per l is calibrated once against DScribe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

import numpy as np
from ase import Atoms
from scipy.spatial import cKDTree

from ariseml.descriptors.soap import DUMMY_SPECIES, SoapSettings, _dscribe_soap
from ariseml.errors import InputError
from ariseml.parallel import progress_map, worker_state


def real_spherical_harmonics(vectors: np.ndarray, l_max: int) -> list[np.ndarray]:
    """Per l, the 2l+1 real orthonormal spherical harmonics of directions ``vectors`` (..., 3) -> (..., 2l+1);
    zero vectors give zeros."""
    r = np.linalg.norm(vectors, axis=-1, keepdims=True)
    units = vectors / np.where(r > 0, r, 1.0)
    return [np.moveaxis(h, 0, -1) for h in _solid_harmonics_first(units, r[..., 0] > 0, l_max)]


def _solid_harmonics_first(vectors: np.ndarray, present: np.ndarray, l_max: int) -> list[np.ndarray]:
    """Per l, the real solid harmonics r^l Y_lm of ``vectors`` with m as the first axis, (2l+1, ...), each
    contiguous; zero where ``present`` is False.

    Polynomials in x, y, z, so no distance, angle or power of r is taken: Re and Im of (x + iy)^m give
    r^m sin^m θ cos mφ and sin mφ, and the normalised associated Legendre recurrence in l, its z and 1
    replaced by z and r², gives the rest. Only l = 0 needs ``present``: the others vanish at r = 0.
    """
    x, y, z = vectors[..., 0], vectors[..., 1], vectors[..., 2]
    squared = x * x + y * y + z * z
    cosines, sines = [np.ones_like(x)], [np.zeros_like(x)]
    for _ in range(l_max):
        cosines, sines = (cosines + [cosines[-1] * x - sines[-1] * y],
                          sines + [sines[-1] * x + cosines[-1] * y])
    seeds = [np.sqrt(1 / (4 * np.pi))]  # the normalised P_m^m over sin^m θ: constants
    for m in range(1, l_max + 1):
        seeds.append(seeds[-1] * np.sqrt((2 * m + 1) / (2 * m)))
    polynomial: dict[tuple[int, int], np.ndarray | float] = {}  # r^(l-m) P_l^m / sin^m θ
    for m in range(l_max + 1):
        polynomial[m, m] = seeds[m]
        if m < l_max:
            polynomial[m + 1, m] = np.sqrt(2 * m + 3) * seeds[m] * z
        for l in range(m + 2, l_max + 1):
            a = np.sqrt((4 * l * l - 1) / (l * l - m * m))
            b = np.sqrt(((l - 1) ** 2 - m * m) / (4 * (l - 1) ** 2 - 1))
            polynomial[l, m] = a * (z * polynomial[l - 1, m] - b * squared * polynomial[l - 2, m])
    harmonics = []
    for l in range(l_max + 1):
        out = np.empty((2 * l + 1, *x.shape))
        out[0] = polynomial[l, 0] * present if l == 0 else polynomial[l, 0]
        for m in range(1, l + 1):
            scaled = np.sqrt(2) * polynomial[l, m]
            np.multiply(scaled, cosines[m], out=out[2 * m - 1])
            np.multiply(scaled, sines[m], out=out[2 * m])
        harmonics.append(out)
    return harmonics


def _inner_soap(settings: SoapSettings):
    """DScribe's finite inner-averaged SOAP of these settings, whatever their ``average``: its basis and its
    vectors are what the coefficients here are calibrated against."""
    return _dscribe_soap(replace(settings, average="inner"), False)


@lru_cache(maxsize=64)
def _radial_weights(l: int, settings: SoapSettings) -> tuple[np.ndarray, np.ndarray]:
    """(d, W) of g_nl(r) = r^l [exp(r² d_k)] @ W.T: a Gaussian atom at distance r projected on DScribe's
    basis, up to a factor per l (the r^l goes with the solid harmonics of ``_solid_harmonics_first``).

    The closed form is exp(-r²/2σ²) b^l exp(b²/4a_k) / a_k^(l+3/2) with a_k = α_lk + 1/2σ² and b = r/σ²;
    its exponent is r² d_k with d_k = 1/(4 a_k σ⁴) - 1/(2σ²) < 0 (no overflow), and every factor that
    does not depend on r goes into W.
    """
    basis = _inner_soap(settings)
    sigma = settings.sigma
    a = basis._alphas[l] + 1.0 / (2 * sigma**2)
    d = 1.0 / (4 * a * sigma**4) - 1.0 / (2 * sigma**2)
    weights = basis._betas[l] * (sigma ** (-2 * l) * a ** -(l + 1.5))[None, :]
    return d, weights


def pair_cutoff(settings: SoapSettings) -> float:
    """Neighbours farther than this (in units of d_NN) are left out, as DScribe does."""
    return settings.r_cut + _inner_soap(settings).get_cutoff_padding()


CENTRES_PER_BLOCK = 1000
TABLE_ENTRIES = 12_500
"""Centre-neighbour entries computed at once (about 0.6 kB each at l_max 6). Each temporary array (about
1 MB per l) then stays in the processor's caches: 20 % less CPU than 200,000 entries and 40 % less than 10⁶
(whose arrays also pass glibc's mmap threshold and are faulted in anew), measured on 24,000 fcc centres
with two workers; 6,250 entries are slower again (more numpy calls per centre)."""

def centre_coefficients(centres: np.ndarray, scales: np.ndarray, neighbours: np.ndarray, settings: SoapSettings,
                        jobs: int | None = None, progress: bool = False, period: np.ndarray | None = None
                        ) -> list[np.ndarray]:
    """Per l, every centre's coefficients (centres, n_max, 2l+1), float32, on ``jobs`` processes
    (blocks of CENTRES_PER_BLOCK centres).

    ``scales`` is each centre's d_NN (its environment is divided by it); a neighbour
    at the centre's own position is left out (``central_weight`` 0). ``period``: the edges of an
    orthorhombic periodic cell holding all positions (each neighbour then counts at its nearest
    image; the cutoff spheres must fit in half a cell).
    """
    return _centre_rows(centres, scales, neighbours, settings, jobs, progress, period, False)[0]


def centre_coefficients_and_spectra(centres: np.ndarray, scales: np.ndarray, neighbours: np.ndarray,
                                    settings: SoapSettings, jobs: int | None = None, progress: bool = False
                                    ) -> tuple[list[np.ndarray], np.ndarray]:
    """``centre_coefficients`` and each centre's power spectrum (float32, ``power_spectrum`` of the float32
    coefficients), both formed on the worker processes."""
    coefficients, spectra = _centre_rows(centres, scales, neighbours, settings, jobs, progress, None, True)
    assert spectra is not None  # asked for
    return coefficients, spectra


def _centre_rows(centres: np.ndarray, scales: np.ndarray, neighbours: np.ndarray, settings: SoapSettings,
                 jobs: int | None, progress: bool, period: np.ndarray | None, with_spectra: bool
                 ) -> tuple[list[np.ndarray], np.ndarray | None]:
    _check_supported(settings)
    _calibration(settings)  # once here, not in every worker
    state = {"positions": neighbours, "tree": cKDTree(neighbours, boxsize=period), "settings": settings,
             "period": period, "with_spectra": with_spectra}
    starts = range(0, len(centres), CENTRES_PER_BLOCK)
    work = [(centres[s:s + CENTRES_PER_BLOCK], scales[s:s + CENTRES_PER_BLOCK]) for s in starts]
    coefficients = [np.empty((len(centres), settings.n_max, 2 * l + 1), dtype=np.float32)
                    for l in range(settings.l_max + 1)]
    spectra = np.empty((len(centres), settings.n_features), dtype=np.float32) if with_spectra else None
    # each block goes to its place as it arrives: no second copy of the whole sample's coefficients
    for start, (block, block_spectra) in zip(starts, progress_map(_block_coefficients, work, jobs, progress,
                                                                  desc="SOAP coefficients", unit="block",
                                                                  state=state)):
        for l, values in enumerate(block):
            coefficients[l][start:start + len(values)] = values
        if spectra is not None:
            spectra[start:start + len(block_spectra)] = block_spectra
    return coefficients, spectra


def _check_supported(settings: SoapSettings) -> None:
    if settings.central_weight != 0 or settings.rbf != "gto":
        raise InputError("per-atom coefficients are implemented for the ARISE settings only: "
                         "central_weight 0 and rbf 'gto'", "central_weight", "rbf")


def _block_coefficients(job: tuple[np.ndarray, np.ndarray]) -> tuple[list[np.ndarray], np.ndarray | None]:
    centres, scales = job
    state = worker_state()
    coefficients = [c.astype(np.float32) for c in _centre_coefficients(
        centres, scales, state["positions"], state["tree"], state["settings"], state["period"])]
    spectra = power_spectrum(coefficients, state["settings"], np.float32) if state["with_spectra"] else None
    return coefficients, spectra


def _centre_coefficients(centres: np.ndarray, scales: np.ndarray, neighbours: np.ndarray, tree: cKDTree,
                         settings: SoapSettings, period: np.ndarray | None = None) -> list[np.ndarray]:
    """Per l, the coefficients of each centre, (centres, n_max, 2l+1), in row groups whose padded
    neighbour tables hold at most TABLE_ENTRIES entries (memory stays bounded in dense regions).

    Centres go into the groups in order of their neighbour counts, so that a table is padded little: in a
    400-atom cluster the counts run from 60 at the surface to 400 at the centre."""
    lists = tree.query_ball_point(centres, pair_cutoff(settings) * scales * settings.extrinsic_factor)
    order = np.argsort([len(members) for members in lists], kind="stable")
    lists = [lists[i] for i in order]
    groups, start, width = [], 0, 1
    for row, members in enumerate(lists):
        width = max(width, len(members))
        if (row + 1 - start) * width > TABLE_ENTRIES and row > start:
            groups.append(slice(start, row))
            start, width = row, max(1, len(members))
    groups.append(slice(start, len(lists)))
    parts = [_table_coefficients(centres[order[g]], scales[order[g]], lists[g], neighbours, settings, period)
             for g in groups]
    coefficients = []
    for l in range(settings.l_max + 1):
        in_order = np.empty((len(centres), settings.n_max, 2 * l + 1))
        in_order[order] = np.concatenate([part[l] for part in parts])
        coefficients.append(in_order)
    return coefficients


def _table_coefficients(centres: np.ndarray, scales: np.ndarray, lists: Sequence[list[int]], neighbours: np.ndarray,
                        settings: SoapSettings, period: np.ndarray | None) -> list[np.ndarray]:
    """Per l, the coefficients of each centre from a padded table of its neighbours' indices."""
    width = max(1, max(len(x) for x in lists))
    table = np.full((len(centres), width), -1, dtype=np.int64)
    for row, members in enumerate(lists):
        table[row, :len(members)] = members
    offsets = neighbours[np.maximum(table, 0)] - centres[:, None, :]
    if period is not None:
        offsets -= period * np.round(offsets / period)  # the nearest image
    vectors = offsets / (scales[:, None, None] * settings.extrinsic_factor)
    squared = np.einsum("ckx,ckx->ck", vectors, vectors)
    present = (table >= 0) & (squared > 1e-18)  # padding and the centre itself contribute nothing
    vectors[~present] = 0.0
    squared[~present] = 0.0
    harmonics = _solid_harmonics_first(vectors, present, settings.l_max)  # r^l Y_lm
    coefficients = []
    exponents = np.empty((*squared.shape, settings.n_max))
    for l in range(settings.l_max + 1):
        decay, weights = _radial_weights(l, settings)
        np.multiply(squared[..., None], decay, out=exponents)
        radial = np.exp(exponents, out=exponents) @ weights.T  # (centres, K, n)
        # (centres, 2l+1, K) @ (centres, K, n): the harmonics' transposed view needs no copy
        coefficients.append(np.matmul(harmonics[l].transpose(1, 0, 2), radial).transpose(0, 2, 1))
    return coefficients


def _raw_power_spectrum(coefficients: list[np.ndarray], n_max: int) -> np.ndarray:
    """Σ_m c_nlm c_n'lm for n <= n', l outer: per l one batched product (n x m by m x n; five times faster
    than an einsum at 10⁵ rows), its upper triangle written in place."""
    rows, upper = len(coefficients[0]), np.triu_indices(n_max)
    flat_upper = upper[0] * n_max + upper[1]
    spectrum = np.empty((rows, len(coefficients) * len(flat_upper)),
                        dtype=np.result_type(*(c.dtype for c in coefficients)))
    for l, c in enumerate(coefficients):
        products = np.matmul(c, c.transpose(0, 2, 1)).reshape(rows, n_max * n_max)
        spectrum[:, l * len(flat_upper):(l + 1) * len(flat_upper)] = products[:, flat_upper]
    return spectrum


def inner_and_outer(centres: np.ndarray, neighbours: np.ndarray, d_nn: float, settings: SoapSettings,
                    cell: np.ndarray | None = None, pbc: Sequence[bool] = (False, False, False)
                    ) -> tuple[np.ndarray, np.ndarray]:
    """DScribe's inner- and outer-averaged vectors (not normalised) of one substructure from one set of
    per-centre coefficients: the power spectrum of their mean and the mean of their power spectra.

    Positions in Å, scaled by ``d_nn`` here; ``cell`` and ``pbc`` make the neighbours periodic along the
    periodic axes of any cell shape (their images within the cutoff are added).
    """
    _check_supported(settings)
    settings = replace(settings, average="inner")  # each returned vector is one averaging's
    cutoff = pair_cutoff(settings) * d_nn * settings.extrinsic_factor
    if cell is not None and any(pbc):
        cell, pbc = np.asarray(cell, dtype=float), np.asarray(pbc, dtype=bool)
        centres = _wrapped(centres, cell, pbc)  # the images below reach the cutoff from the cell, not beyond
        neighbours = _periodic_images(neighbours, cell, pbc, cutoff)
    if len(neighbours) == 0:
        return np.zeros(settings.n_features), np.zeros(settings.n_features)
    per_centre = _centre_coefficients(centres, np.full(len(centres), d_nn), neighbours, cKDTree(neighbours),
                                      settings)
    inner = power_spectrum([c.mean(axis=0, keepdims=True) for c in per_centre], settings)[0]
    outer = power_spectrum(per_centre, settings).mean(axis=0)
    return inner, outer


def _periodic_images(positions: np.ndarray, cell: np.ndarray, pbc: np.ndarray, cutoff: float) -> np.ndarray:
    """``positions`` and their images along the periodic axes, enough of them that every neighbour within
    ``cutoff`` of an atom of the cell is there (the atoms are first wrapped into the cell)."""
    heights = 1.0 / np.linalg.norm(np.linalg.inv(cell), axis=0)  # distance between opposite faces of the cell
    reach = [int(np.ceil(cutoff / height)) if periodic else 0 for height, periodic in zip(heights, pbc)]
    shifts = np.array(list(np.ndindex(*(2 * r + 1 for r in reach)))) - np.array(reach)
    return (_wrapped(positions, cell, pbc)[None, :, :] + (shifts @ cell)[:, None, :]).reshape(-1, 3)


def _wrapped(positions: np.ndarray, cell: np.ndarray, pbc: np.ndarray) -> np.ndarray:
    """``positions`` moved into the cell along its periodic axes."""
    fractional = positions @ np.linalg.inv(cell)
    fractional[:, pbc] %= 1.0
    return fractional @ cell


SPECTRUM_ROWS = 4096
"""Rows per block of :func:`power_spectrum`: blocks that stay in cache make 346,000 rows four times faster."""


def power_spectrum(coefficients: list[np.ndarray], settings: SoapSettings,
                   dtype: np.dtype | type = np.float64) -> np.ndarray:
    """DScribe's power-spectrum vector (l outer, then n <= n') of coefficients given per l, (rows, features).

    Formed in float64 whatever the coefficients' precision, SPECTRUM_ROWS rows at a time, and
    returned as ``dtype``."""
    per_l = settings.n_max * (settings.n_max + 1) // 2
    scale = np.repeat(_calibration(settings), per_l)
    rows = len(coefficients[0])
    spectrum = np.empty((rows, len(scale)), dtype=dtype)
    for start in range(0, rows, SPECTRUM_ROWS):
        block = [c[start:start + SPECTRUM_ROWS].astype(np.float64) for c in coefficients]
        spectrum[start:start + SPECTRUM_ROWS] = _raw_power_spectrum(block, settings.n_max) * scale
    return spectrum


@lru_cache(maxsize=8)
def _calibration(settings: SoapSettings) -> np.ndarray:
    """Per l, DScribe's inner-averaged vector divided by the power spectrum of our mean coefficients."""
    from ase.build import bulk

    atoms = bulk("Cu", "fcc", a=2**0.5, cubic=True).repeat(3)  # d_NN = 1
    atoms.rattle(0.03, seed=0)
    positions, centres = atoms.positions, atoms.positions[:8]
    reference = _inner_soap(settings).create(
        Atoms(symbols=[DUMMY_SPECIES] * len(positions), positions=positions / settings.extrinsic_factor),
        centers=centres / settings.extrinsic_factor)
    per_centre = _centre_coefficients(centres, np.ones(len(centres)), positions, cKDTree(positions), settings)
    ours = _raw_power_spectrum([c.mean(axis=0, keepdims=True) for c in per_centre], settings.n_max)[0]
    per_l = settings.n_max * (settings.n_max + 1) // 2
    blocks = [slice(l * per_l, (l + 1) * per_l) for l in range(settings.l_max + 1)]
    return np.array([np.dot(reference[b], ours[b]) / np.dot(ours[b], ours[b]) for b in blocks])
