"""The ARISE Bayesian neural network (Table 1), alone or as an ensemble; its passes run in ``monte_carlo``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ariseml.errors import InputError

PAPER_DROPOUT = 0.0317
PAPER_HIDDEN = (256, 512, 256)


def check_linear_inputs(linear_inputs: bool, log_epsilon: float | None) -> None:
    """Linear inputs sit beside logarithms (``BayesianMLP.compress``): refuse them without ``log_epsilon``."""
    if linear_inputs and log_epsilon is None:
        raise InputError("`linear_inputs` adds the linear inputs beside their logarithms: give `log_epsilon` too",
                         "linear_inputs", "log_epsilon")


class BayesianMLP(nn.Module):
    """Input dropout, then fully connected layers each followed by dropout and ReLU, then softmax.

    With the paper's 316 inputs this has 371,820 parameters; DScribe's power
    spectrum has 315 components (quippy appended a constant zero), so 371,564.
    """

    def __init__(self, n_inputs: int, n_classes: int, hidden: tuple[int, ...] = PAPER_HIDDEN,
                 dropout: float = PAPER_DROPOUT, standardised: bool = False,
                 log_epsilon: float | None = None, linear_inputs: bool = False) -> None:
        super().__init__()
        check_linear_inputs(linear_inputs, log_epsilon)
        self.n_inputs, self.standardised = n_inputs, standardised
        self.log_epsilon, self.linear_inputs = log_epsilon, linear_inputs
        n_seen = 2 * n_inputs if linear_inputs else n_inputs
        if standardised:  # set by ``fit_standardisation``, saved with the weights
            self.register_buffer("input_mean", torch.zeros(n_seen))
            self.register_buffer("input_scale", torch.ones(n_seen))
        self.input_dropout = nn.Dropout(dropout)
        sizes = (n_seen, *hidden)
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(sizes[-1], n_classes)

    def fit_standardisation(self, features: np.ndarray) -> None:
        """Centre and scale each (compressed) input by its mean and standard deviation over ``features`` (not in
        the paper: classes as alike as fcc and bct In differ by a few thousandths of a unit descriptor, which a
        network fed raw vectors hardly resolves)."""
        compressed = self.compress(torch.as_tensor(features, dtype=torch.float32)).numpy()
        self.input_mean.copy_(torch.as_tensor(compressed.mean(axis=0), dtype=torch.float32))
        self.input_scale.copy_(torch.as_tensor(np.maximum(compressed.std(axis=0), 1e-8), dtype=torch.float32))

    def compress(self, x: torch.Tensor) -> torch.Tensor:
        """sign(x) ln(1 + |x| / ε) with ``log_epsilon`` ε (not in the paper), else x unchanged.

        A power spectrum is quadratic in the density's coefficients, so a small distortion appears in it
        squared: the l = 2 block of bct In (fcc stretched 7.5 %) is 2e-4 of the unit vector, that of fcc
        is zero, and thermal motion at the melting point leaves fcc's below 1e-5. On a linear scale the
        large components hide that; the logarithm puts decades of small components side by side.

        With ``linear_inputs``, the inputs themselves come first, their logarithms after: the logarithm also
        flattens differences among large components (hexagonal and rhombohedral graphite under vacancies
        part on the linear scale, not on the logarithmic one).
        """
        if self.log_epsilon is None:
            return x
        compressed = torch.sign(x) * torch.log1p(torch.abs(x) / self.log_epsilon)
        return torch.cat([x, compressed], dim=-1) if self.linear_inputs else compressed

    def standardise(self, x: torch.Tensor) -> torch.Tensor:
        """The inputs as the first layer sees them: compressed and standardised when the network was built so."""
        return self.scale_compressed(self.compress(x))

    def scale_compressed(self, compressed: torch.Tensor) -> torch.Tensor:
        """Compressed inputs standardised when the network was built so (the second step of ``standardise``)."""
        return (compressed - self.input_mean).div_(self.input_scale) if self.standardised else compressed

    def forward(self, x: torch.Tensor, keep_hidden: bool = False
                ) -> torch.Tensor | tuple[torch.Tensor, list[torch.Tensor]]:
        """Logits (and, with ``keep_hidden``, each hidden layer after its ReLU)."""
        x = self.input_dropout(self.standardise(x))
        activations = []
        for layer in self.hidden:
            x = torch.relu(self.dropout(layer(x)))
            activations.append(x)
        logits = self.output(x)
        return (logits, activations) if keep_hidden else logits


class EnsembleMLP(nn.Module):
    """Networks of one architecture trained alike from different random starts (a deep ensemble; not in the
    paper). The Monte-Carlo passes are shared out among them, so T passes cost what one network's do, and the
    mutual information also measures how much the members disagree."""

    def __init__(self, members: Sequence[BayesianMLP]) -> None:
        super().__init__()
        if not members:
            raise InputError("an ensemble needs at least one network")
        self.members = nn.ModuleList(members)

    @property
    def first(self) -> BayesianMLP:
        """The first member, whose settings (dropout, widths, input compression) all members share."""
        return self.members[0]


Network = BayesianMLP | EnsembleMLP


def first_member(model: Network) -> BayesianMLP:
    """The network whose settings (widths, dropout, input handling) a model has: an ensemble's first member."""
    return model.first if isinstance(model, EnsembleMLP) else model


def hidden_widths(model: Network) -> list[int]:
    """The width of each hidden layer as ``monte_carlo_predict`` returns it (an ensemble: its members' side by
    side)."""
    members = model.members if isinstance(model, EnsembleMLP) else [model]
    return [sum(widths) for widths in zip(*([layer.out_features for layer in m.hidden] for m in members))]


def torch_device(name: str) -> torch.device:
    """The PyTorch device called ``name`` ("cpu", "cuda", "cuda:1", "mps"), checked to be usable here."""
    try:
        device = torch.device(name)
    except RuntimeError as error:
        raise InputError(f"unknown device {name!r}: use cpu, cuda, cuda:N or mps") from error
    available = {"cuda": torch.cuda.is_available, "mps": torch.backends.mps.is_available}.get(device.type)
    if available is not None and not available():
        raise InputError(f"device {name!r}: PyTorch {torch.__version__} sees no such device here (a CPU-only "
                         f"build, or no driver); install a PyTorch build for it, or use cpu")
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise InputError(f"device {name!r}: only {torch.cuda.device_count()} CUDA device(s) here")
    return device
