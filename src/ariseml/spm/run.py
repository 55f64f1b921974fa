"""Running a scan: chunks of boxes here or on a Dask cluster, resumed where a run stopped."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms
from tqdm import tqdm

from ariseml.classifier import Classifier
from ariseml.spm.boxes import box_search_tree, first_equal_box
from ariseml.spm.classify import classify_boxes
from ariseml.spm.exact import exact_chunk, remote_exact_chunk
from ariseml.spm.fast import environment_period, pooled_descriptors
from ariseml.spm.grid import Grid, SpmSettings, check_box_fits, effective_settings, make_grid
from ariseml.spm.result import assemble, read_result
from ariseml.spm.store import prepare_output, read_checked, record_key, run_identity, save_checked


def scan(atoms: Atoms, settings: SpmSettings = SpmSettings(), classifier: Classifier | None = None,
         out: Path | str | None = None, jobs: int | None = None, progress: bool = True,
         scheduler: str | None = None) -> Any:
    """Classify every box and return the maps: an xarray Dataset, as :func:`read_result` reads it from
    ``OUT/spm.nc``.

    ``classifier``: the shipped default model unless given. ``out``: a folder for ``spm.nc`` and the
    chunks it is made of, so that a rerun into it resumes; without one the run uses a temporary folder
    and only the returned maps remain. ``scheduler``: the address of a Dask distributed scheduler; the
    chunks then run on its workers (fast mode's per-atom stage stays local) and give the same numbers.
    """
    classifier = classifier if classifier is not None else Classifier.load()
    if out is None:
        with tempfile.TemporaryDirectory(prefix="ariseml-spm-") as temporary:
            return scan(atoms, settings, classifier, Path(temporary), jobs, progress, scheduler)
    out = Path(out)
    settings = effective_settings(atoms, settings)
    check_box_fits(atoms, settings)
    grid = make_grid(atoms, settings)
    first = first_equal_box(atoms, grid, settings)  # before anything is written: checks fast mode's voxels
    identity = run_identity(atoms, settings, classifier)
    if settings.mode == "fast":  # recorded in spm.nc's "run" attribute
        period = environment_period(atoms, grid, classifier.settings_)
        identity["environments"] = "end at the sample's surface" if period is None else "cross the cell's faces"
    chunk_dir = prepare_output(out, identity)
    key = record_key(identity)
    done = set()
    for path in sorted(chunk_dir.glob("chunk-*.npz")):  # a corrupt chunk is removed, to be recomputed
        if read_checked(path, key) is not None:
            done.add(int(path.stem.split("-")[1]))
    distinct = np.flatnonzero(first == np.arange(grid.size))
    todo = [distinct[start:start + settings.chunk_boxes] for start in range(0, len(distinct), settings.chunk_boxes)]
    todo = [indices for indices in todo if indices[0] not in done]
    pooled = None
    if settings.mode == "fast" and todo:
        pooled = pooled_descriptors(atoms, grid, settings, classifier.settings_, out, jobs, progress)
    copies = grid.size - len(distinct)
    with tqdm(total=len(distinct), initial=len(distinct) - sum(len(i) for i in todo), unit="box",
              desc=f"boxes (+{copies:,} holding the same atoms as one of them)" if copies else "boxes",
              disable=not progress) as bar:
        for result in _chunk_results(atoms, grid, settings, classifier, todo, pooled, jobs, scheduler):
            save_checked(chunk_dir / f"chunk-{result['indices'][0]:09d}.npz", key, result)
            bar.update(len(result["indices"]))
    return read_result(assemble(out, grid, settings, classifier, identity, first))


def _chunk_results(atoms: Atoms, grid: Grid, settings: SpmSettings, classifier: Classifier,
                   todo: list[np.ndarray], pooled: tuple | None, jobs: int | None,
                   scheduler: str | None) -> Iterator[dict[str, np.ndarray]]:
    """Each chunk's classification as it finishes: here on ``jobs`` processes, or on a Dask cluster."""
    if scheduler is not None:
        from distributed import Client, as_completed

        with Client(scheduler) as client:
            if pooled is None:
                sample, model = client.scatter([atoms, classifier], broadcast=True)
                futures = [client.submit(remote_exact_chunk, sample, grid, settings, model, indices, pure=False)
                           for indices in todo]
            else:
                features, counts, valid = pooled
                model = client.scatter(classifier, broadcast=True)
                futures = [client.submit(classify_boxes, i, counts[i], features[i], valid[i], model, settings,
                                         pure=False) for i in todo]
            for future in as_completed(futures):
                yield future.result()
        return
    if pooled is not None:
        features, counts, valid = pooled
        for indices in todo:
            yield classify_boxes(indices, counts[indices], features[indices], valid[indices], classifier, settings)
        return
    tree = box_search_tree(atoms.positions, grid.box_edges)
    for indices in todo:
        yield exact_chunk(atoms, tree, grid, settings, classifier, indices, jobs)
