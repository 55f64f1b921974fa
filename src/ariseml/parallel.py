"""Running a function over many items on several processes, with a progress bar."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from multiprocessing import get_context
from typing import Any, TypeVar

from threadpoolctl import threadpool_limits
from tqdm import tqdm

Item = TypeVar("Item")
Result = TypeVar("Result")

PARENT_CHECK_SECONDS = 0.5
"""How often a pool worker checks that its parent is still alive."""

_STATE: dict[str, Any] = {}
"""What the running :func:`progress_map` hands its function besides the item (its ``state``)."""


def worker_state() -> dict[str, Any]:
    """The ``state`` of the :func:`progress_map` running this function: large objects every item needs (a
    sample, its search tree), set once per worker instead of being sent with each item."""
    return _STATE


def _start_worker(parent: int, state: dict[str, Any]) -> None:
    """Pool worker initializer: the worker takes its ``state`` and ends with its parent."""
    _STATE.clear()
    _STATE.update(state)
    _end_with_parent(parent)


def _end_with_parent(parent: int) -> None:
    """The worker ends when its parent does, even when the parent is killed.

    A daemon thread checks the parent's pid every ``PARENT_CHECK_SECONDS`` (a killed parent's children
    are handed to another process). Not the kernel's PR_SET_PDEATHSIG: it fires when the *thread* that
    forked the worker ends, and the pool forks replacements from a helper thread that ends at
    ``terminate``, killing workers that hold the task queue's lock, and ``terminate`` then waits for
    that lock for ever. Ctrl-C is left to the parent, which then terminates the pool.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def worker_count(jobs: int | None) -> int:
    """``jobs``, or all cores when it is None."""
    return jobs or os.cpu_count() or 1


def progress_map(function: Callable[[Item], Result], items: Sequence[Item], jobs: int | None = None,
                 progress: bool = False, desc: str = "", total: int | None = None, done: int = 0,
                 ordered: bool = True, unit: str = "structure", state: dict[str, Any] | None = None
                 ) -> Iterator[Result]:
    """Yield ``function(item)`` for each item, on ``jobs`` forked processes (default: all cores).

    ``state``: what ``function`` reads with :func:`worker_state` (each worker gets it once, at its start).
    ``total`` and ``done`` let the bar count work finished earlier (a resumed run);
    ``ordered=False`` yields results as they finish, one item per task (for long, uneven items);
    ``unit`` names an item on the progress bar.
    """
    jobs = min(worker_count(jobs), max(len(items), 1))
    with tqdm(total=total if total is not None else len(items), initial=done, unit=unit, desc=desc,
              disable=not progress) as bar:
        if jobs == 1:
            outer = dict(_STATE)  # a map inside another one's function gives the outer state back after it
            _STATE.update(state or {})
            try:
                for item in items:
                    result = function(item)
                    bar.update()  # before the yield: a consumer that stops taking results leaves a finished bar
                    yield result
            finally:
                _STATE.clear()
                _STATE.update(outer)
            return
        # one BLAS thread per worker: with the default (one per core) the workers' NumPy products
        # oversubscribe the cores, and two workers were slower than one (diffraction fingerprints)
        with threadpool_limits(1), get_context("fork").Pool(jobs, _start_worker,
                                                            (os.getpid(), state or {}), maxtasksperchild=20) as pool:
            if ordered:
                results = pool.imap(function, items, chunksize=max(1, len(items) // (8 * jobs)))
            else:
                results = pool.imap_unordered(function, items)
            for result in results:
                bar.update()
                yield result
