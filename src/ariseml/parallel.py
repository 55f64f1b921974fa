"""Running a function over many items on several processes, with a progress bar."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from multiprocessing import get_context
from typing import TypeVar

from threadpoolctl import threadpool_limits
from tqdm import tqdm

Item = TypeVar("Item")
Result = TypeVar("Result")

PR_SET_PDEATHSIG = 1
"""Linux prctl option: the signal a process gets when its parent dies."""


def _end_with_parent(parent: int) -> None:
    """Pool worker initializer: the worker ends when its parent does, even when the parent is killed.

    On Linux the kernel sends it SIGTERM (with its default action restored) when the parent dies;
    Ctrl-C is left to the parent, which then terminates the pool.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM))
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


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
        with threadpool_limits(1), get_context("fork").Pool(jobs, _end_with_parent, (os.getpid(),),
                                                            maxtasksperchild=20) as pool:
            if ordered:
                results = pool.imap(function, items, chunksize=max(1, len(items) // (8 * jobs)))
            else:
                results = pool.imap_unordered(function, items)
            for result in results:
                yield result
                bar.update()
