"""ariseml: robust crystal-structure recognition with Bayesian deep learning (ARISE)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ariseml")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"


def __getattr__(name: str):
    """``ariseml.Classifier`` without importing PyTorch until it is used."""
    if name == "Classifier":
        from ariseml.classifier import Classifier

        return Classifier
    raise AttributeError(f"module 'ariseml' has no attribute {name!r}")
