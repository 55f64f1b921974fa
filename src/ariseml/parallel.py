"""Running a function over many items on several processes, with a progress bar."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from multiprocessing import get_context
from typing import TypeVar

from threadpoolctl import threadpool_limits
from tqdm import tqdm

Item = TypeVar("Item")
Result = TypeVar("Result")


def progress_map(function: Callable[[Item], Result], items: Sequence[Item], jobs: int | None = None,
                 progress: bool = False, desc: str = "", total: int | None = None, done: int = 0,
                 ordered: bool = True, unit: str = "structure") -> Iterator[Result]:
    """Yield ``function(item)`` for each item, on ``jobs`` forked processes (default: all cores).

    ``total`` and ``done`` let the bar count work finished earlier (a resumed run);
    ``ordered=False`` yields results as they finish, one item per task (for long, uneven items);
    ``unit`` names an item on the progress bar.
    """
    jobs = min(jobs or os.cpu_count() or 1, max(len(items), 1))
    with tqdm(total=total if total is not None else len(items), initial=done, unit=unit, desc=desc,
              disable=not progress) as bar:
        if jobs == 1:
            for item in items:
                yield function(item)
                bar.update()
            return
        # one BLAS thread per worker: with the default (one per core) the workers' NumPy products
        # oversubscribe the cores, and two workers were slower than one (diffraction fingerprints)
        with threadpool_limits(1), get_context("fork").Pool(jobs, maxtasksperchild=20) as pool:
            if ordered:
                results = pool.imap(function, items, chunksize=max(1, len(items) // (8 * jobs)))
            else:
                results = pool.imap_unordered(function, items)
            for result in results:
                yield result
                bar.update()
