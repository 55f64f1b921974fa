"""Where computed data that can be made again is kept: $XDG_CACHE_HOME/ariseml, by default ~/.cache/ariseml."""

from __future__ import annotations

import os


def cache_folder(name: str) -> str:
    """$XDG_CACHE_HOME/ariseml/NAME, by default under ~/.cache."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "ariseml", name)


def training_cache(average: str = "inner", rbf: str = "gto") -> str:
    """The training set's descriptors: training-set, with -outer for outer-averaged, -polynomial for the
    polynomial basis."""
    suffixes = ("" if average == "inner" else f"-{average}") + ("" if rbf == "gto" else f"-{rbf}")
    return cache_folder("training-set" + suffixes)


def benchmark_cache() -> str:
    """The robustness benchmarks' test sets and answers."""
    return cache_folder("benchmark")
