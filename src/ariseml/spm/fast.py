"""Fast mode: per-atom quantities computed once in the whole sample, pooled per box."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from ase import Atoms
from scipy import sparse
from scipy.spatial import cKDTree

from ariseml.descriptors.pooling import pair_vectors
from ariseml.descriptors.soap import SoapSettings
from ariseml.spm.grid import Grid, SpmSettings
from ariseml.spm.store import CHUNK_FORMAT, read_checked, record_key, sample_sha256, save_checked
from ariseml.spm.voxels import VoxelLayout, atom_voxels, box_sums


FEATURE_BLOCK = 45
"""Box sums of per-atom vectors are formed this many features at a time, to bound memory."""
ATOM_BLOCK = 50_000
"""Per-atom power spectra (outer part of ``both``) are formed and summed this many atoms at a time."""


def _atom_box_sums(summing: sparse.csr_matrix, per_atom: np.ndarray, layout: VoxelLayout, grid: Grid,
                   rows: np.ndarray | slice = slice(None)) -> np.ndarray:
    """Box sums (boxes, k) of the per-atom rows ``per_atom[rows]`` (``summing`` from :func:`_voxel_matrix`),
    FEATURE_BLOCK columns at a time."""
    sums = np.zeros((grid.size, per_atom.shape[1]), dtype=np.float32)
    for block in range(0, per_atom.shape[1], FEATURE_BLOCK):
        columns = slice(block, min(block + FEATURE_BLOCK, per_atom.shape[1]))
        per_voxel = np.asarray(summing @ per_atom[rows, columns])
        sums[:, columns] = box_sums(per_voxel.reshape(*layout.shape, -1), grid.shape, layout)
    return sums


def _voxel_matrix(voxel_of_atom: np.ndarray, n_voxels: int) -> sparse.csr_matrix:
    """A (voxels x atoms) 0/1 matrix: multiplying per-atom rows by it sums them per voxel (in float32, as the
    per-atom values come; a voxel holds a few dozen atoms)."""
    return sparse.csr_matrix((np.ones(len(voxel_of_atom), dtype=np.float32),
                              (voxel_of_atom, np.arange(len(voxel_of_atom)))),
                             shape=(n_voxels, len(voxel_of_atom)))


def _has_partner_in_reach(alpha_positions: np.ndarray, beta_positions: np.ndarray, same_species: bool,
                          reach: float, period: np.ndarray | None) -> np.ndarray:
    """Per α atom: whether a β atom (another atom, for α = β) lies within ``reach``."""
    distances, _ = cKDTree(beta_positions, boxsize=period).query(alpha_positions, k=2 if same_species else 1,
                                                                 distance_upper_bound=reach)
    return np.isfinite(distances[:, 1] if same_species else distances)


def environment_period(atoms: Atoms, grid: Grid, soap: SoapSettings) -> np.ndarray | None:
    """Fast mode's periodic cell: the edges of an orthorhombic cell periodic on all three axes whose
    half fits the largest cutoff sphere, for the averagings made from coefficients (inner, both); None
    otherwise (environments then end at the surface)."""
    from ariseml.descriptors.coefficients import pair_cutoff

    cell = atoms.cell.array
    if (soap.average == "outer" or not atoms.pbc.all()
            or not np.allclose(cell, np.diag(np.diag(cell)), atol=1e-8)):
        return None
    edges = np.diag(cell).copy()
    reach = pair_cutoff(soap) * _largest_scale(grid, soap) * soap.extrinsic_factor
    return edges if 2 * reach < edges.min() else None


def _largest_scale(grid: Grid, soap: SoapSettings) -> float:
    """The largest local d_NN (Å) of a pair: its cutoff sphere then reaches one box diagonal, the farthest
    two atoms of a box can be in exact mode. Only α atoms far from every β atom (another grain,
    another phase) reach it; without it their environment, and the time, would grow without bound."""
    return float(np.linalg.norm(grid.box_edges)) / (soap.r_cut * soap.extrinsic_factor)


def _pair_coefficients(positions: np.ndarray, alpha_index: np.ndarray, beta_index: np.ndarray, voxel: np.ndarray,
                       grid: Grid, soap: SoapSettings, period: np.ndarray | None, cache: Path, key: str,
                       jobs: int | None, progress: bool) -> list[np.ndarray]:
    """Per l, the expansion coefficients of the α atoms that fall in a box (``voxel`` >= 0), each atom's
    environment of β atoms scaled by its local d_NN; read from ``cache`` when it holds them for ``key``."""
    from ariseml.descriptors.coefficients import centre_coefficients
    from ariseml.descriptors.local import local_distances

    stored = read_checked(cache, key) if cache.exists() else None
    if stored is not None:
        return [stored[f"l{l}"] for l in range(soap.l_max + 1)]
    alpha_positions, beta_positions = positions[alpha_index], positions[beta_index]
    same = len(alpha_index) == len(beta_index) and bool(np.all(alpha_index == beta_index))
    scales = local_distances(alpha_positions, beta_positions, same_species=same,
                             largest=_largest_scale(grid, soap), period=period)
    kept = voxel >= 0
    coefficients = centre_coefficients(alpha_positions[kept], scales[kept], beta_positions,
                                       replace(soap, average="inner"), jobs, progress, period)
    save_checked(cache, key, {f"l{l}": c for l, c in enumerate(coefficients)})
    return coefficients


def _box_coefficients(coefficients: list[np.ndarray], voxel: np.ndarray, layout: VoxelLayout, grid: Grid,
                      soap: SoapSettings) -> list[np.ndarray]:
    """Per l, the box sums of one species pair's α-atom expansion coefficients (boxes, n_max, 2l+1)."""
    summing = _voxel_matrix(voxel[voxel >= 0], layout.size)
    return [_atom_box_sums(summing, c.reshape(len(c), -1), layout, grid).reshape(grid.size, soap.n_max, 2 * l + 1)
            for l, c in enumerate(coefficients)]


def _outer_boxes(coefficients: list[np.ndarray], voxel: np.ndarray, layout: VoxelLayout, grid: Grid,
                 soap: SoapSettings) -> np.ndarray:
    """Box sums of the α atoms' own power spectra (outer averaging), formed ATOM_BLOCK atoms at a time."""
    from ariseml.descriptors.coefficients import power_spectrum

    inner = replace(soap, average="inner")
    in_boxes = voxel[voxel >= 0]
    sums = np.zeros((grid.size, inner.n_features), dtype=np.float32)
    for start in range(0, len(in_boxes), ATOM_BLOCK):
        block = slice(start, start + ATOM_BLOCK)
        spectra = power_spectrum([c[block] for c in coefficients], inner, dtype=np.float32)
        sums += _atom_box_sums(_voxel_matrix(in_boxes[block], layout.size), spectra, layout, grid)
    return sums


def _outer_pair_boxes(atoms: Atoms, alpha: str, beta: str, alpha_index: np.ndarray, voxel: np.ndarray,
                      layout: VoxelLayout, grid: Grid, soap: SoapSettings, cache: Path, key: str, jobs: int | None,
                      progress: bool) -> np.ndarray:
    """Box vectors of one species pair from the α atoms' summed power spectra (outer averaging)."""
    from ariseml.descriptors.local import per_atom_vectors

    stored = read_checked(cache, key) if cache.exists() else None
    if stored is not None:
        vectors = stored["vectors"]
    else:
        _, vectors = per_atom_vectors(atoms, alpha, beta, soap, jobs, progress, _largest_scale(grid, soap))
        save_checked(cache, key, {"vectors": vectors})
    kept = voxel >= 0
    return _atom_box_sums(_voxel_matrix(voxel[kept], layout.size), vectors, layout, grid, rows=kept)


def pooled_descriptors(atoms: Atoms, grid: Grid, settings: SpmSettings, soap: SoapSettings, out: Path,
                       jobs: int | None = None, progress: bool = True
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fast mode: (box descriptors, atom counts, valid boxes) from per-atom quantities pooled per species pair.

    Inner averaging (the paper's) pools each α atom's expansion coefficients and
    forms the power spectrum per box; outer averaging pools per-atom power spectra; ``both`` does the two
    from the same coefficients and joins them.
    Each pair's box vector is normalised, and the pairs present in a box are
    averaged, as the whole-structure descriptor does; a pair with a species under ``settings.minority`` of the
    box's atoms counts as absent. Per-atom quantities are kept
    in ``OUT/per-atom/``, with a key of what they depend on, so that a resumed run skips them.
    """
    flat, layout = atom_voxels(atoms, grid, settings)
    key = record_key({"sample_sha256": sample_sha256(atoms), "descriptor": soap.to_dict(),
                      "centres": [c.tolist() for c in grid.centres], "box_edges": list(grid.box_edges),
                      "stride": list(settings.stride), "chunk_format": CHUNK_FORMAT})

    def box_counts(atom_voxel: np.ndarray) -> np.ndarray:
        inside = atom_voxel[atom_voxel >= 0]
        per_voxel = np.bincount(inside, minlength=layout.size).reshape(*layout.shape, 1).astype(float)
        return box_sums(per_voxel, grid.shape, layout)[:, 0].round().astype(np.int64)

    counts = box_counts(flat)
    total = np.zeros((grid.size, soap.n_features), dtype=np.float32)
    pairs_present = np.zeros(grid.size, dtype=np.int32)
    symbols = np.array(atoms.get_chemical_symbols())
    species = sorted(set(symbols))
    majority = {s: box_counts(flat[symbols == s]) >= settings.minority * counts for s in species}
    period = environment_period(atoms, grid, soap)  # environments across a periodic cell's faces
    positions = atoms.positions if period is None else np.mod(atoms.positions, period) % period
    cache = out / "per-atom"
    cache.mkdir(parents=True, exist_ok=True)
    for alpha in species:
        for beta in species:
            if np.sum(symbols == beta) < (2 if alpha == beta else 1):
                continue
            alpha_index = np.flatnonzero(symbols == alpha)
            # an α atom with no β atom within a box diagonal never shares a box with one: left out
            voxel = np.where(_has_partner_in_reach(positions[alpha_index], positions[symbols == beta], alpha == beta,
                                                   float(np.linalg.norm(grid.box_edges)), period),
                             flat[alpha_index], -1)
            if not np.any(voxel >= 0):
                continue
            if soap.average == "outer":
                vectors, present = pair_vectors(None, _outer_pair_boxes(
                    atoms, alpha, beta, alpha_index, voxel, layout, grid, soap, cache / f"{alpha}-{beta}-power.npz",
                    key, jobs, progress), soap)
            else:
                coefficients = _pair_coefficients(positions, alpha_index, np.flatnonzero(symbols == beta), voxel,
                                                  grid, soap, period, cache / f"{alpha}-{beta}-coefficients.npz",
                                                  key, jobs, progress)
                spectra = _outer_boxes(coefficients, voxel, layout, grid, soap) if soap.average == "both" else None
                vectors, present = pair_vectors(_box_coefficients(coefficients, voxel, layout, grid, soap), spectra,
                                                soap)
            present &= majority[alpha] & majority[beta]
            vectors[~present] = 0.0
            total += vectors
            pairs_present += present
    valid = (counts >= settings.min_atoms) & (pairs_present > 0)
    total[valid] /= pairs_present[valid, None]
    return total, counts, valid
