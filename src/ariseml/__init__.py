"""ariseml: robust crystal-structure recognition with Bayesian deep learning (ARISE)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ariseml")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"
