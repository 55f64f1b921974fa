"""The ``arise`` command line: each module parses one group of commands' options, calls the library and
prints; ``group`` holds the command group and its handling of bad input, ``options`` and ``frames`` what
several commands share."""

from ariseml.cli import (atoms, benchmark, classes, classify, diffraction, explore, spm, structures,  # noqa: F401 (registers)
                         training)
from ariseml.cli.group import main

__all__ = ["main"]
