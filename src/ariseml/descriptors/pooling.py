"""Pooled descriptors: per-atom quantities of one species pair summed over a region (an SPM box, an atom's
sphere), turned into the region's pair vector and averaged over the pairs present, as the whole-structure
descriptor does."""

from __future__ import annotations

import numpy as np

from ariseml.descriptors.soap import SoapSettings


def pair_vectors(pooled_coefficients: list[np.ndarray] | None, pooled_spectra: np.ndarray | None,
                 soap: SoapSettings) -> tuple[np.ndarray, np.ndarray]:
    """(rows, n_features) vectors of one species pair and whether the pair is present in each row.

    ``pooled_coefficients``: per l, the summed expansion coefficients (rows, n_max, 2l+1), for the inner part;
    ``pooled_spectra``: the summed per-atom power spectra, for the outer part. Each part is normalised
    (in place where it can be); ``both`` joins the two parts divided by √2, so the joined vector has norm 1.
    """
    from dataclasses import replace

    from ariseml.descriptors.coefficients import power_spectrum

    parts = []
    if soap.average in ("inner", "both"):
        parts.append(power_spectrum(pooled_coefficients, replace(soap, average="inner"), dtype=np.float32))
    if soap.average in ("outer", "both"):
        parts.append(pooled_spectra)
    present = np.ones(len(parts[0]), dtype=bool)
    for part in parts:
        norms = np.linalg.norm(part, axis=1, keepdims=True)
        present &= norms[:, 0] > 1e-12
        np.divide(part, norms, out=part, where=norms > 1e-12)
    vectors = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1) / np.sqrt(2)
    vectors[~present] = 0.0
    return vectors, present
