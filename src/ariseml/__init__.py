"""ariseml: robust crystal-structure recognition with Bayesian deep learning (ARISE)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ariseml")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

_PUBLIC = {"Classifier": "ariseml.classifier", "DiffractionClassifier": "ariseml.classifier",
           "load_classifier": "ariseml.classifier", "Classification": "ariseml.classifier",
           "scan": "ariseml.spm", "SpmSettings": "ariseml.spm", "read_result": "ariseml.spm",
           "label_atoms": "ariseml.labels", "AtomLabels": "ariseml.labels"}
"""The public names and the modules that hold them, imported on first use (PyTorch only when needed, so that
``arise --help`` stays fast)."""

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str):
    """``ariseml.Classifier``, ``ariseml.scan``, ...: imported from their module on first use."""
    if name in _PUBLIC:
        from importlib import import_module

        return getattr(import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'ariseml' has no attribute {name!r}")
