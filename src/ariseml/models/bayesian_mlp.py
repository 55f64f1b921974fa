"""The ARISE Bayesian neural network (Table 1) and Monte-Carlo dropout prediction."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ariseml.models.uncertainty import mutual_information, predictive_entropy

PAPER_DROPOUT = 0.0317
PAPER_HIDDEN = (256, 512, 256)


class BayesianMLP(nn.Module):
    """Input dropout, then fully connected layers each followed by dropout and ReLU, then softmax.

    With the paper's 316 inputs this has 371,820 parameters; DScribe's power
    spectrum has 315 components (quippy appended a constant zero), so 371,564.
    """

    def __init__(self, n_inputs: int, n_classes: int, hidden: tuple[int, ...] = PAPER_HIDDEN,
                 dropout: float = PAPER_DROPOUT) -> None:
        super().__init__()
        self.input_dropout = nn.Dropout(dropout)
        sizes = (n_inputs, *hidden)
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(sizes[-1], n_classes)

    def forward(self, x: torch.Tensor, keep_hidden: bool = False
                ) -> torch.Tensor | tuple[torch.Tensor, list[torch.Tensor]]:
        """Logits (and, with ``keep_hidden``, each hidden layer after its ReLU)."""
        x = self.input_dropout(x)
        activations = []
        for layer in self.hidden:
            x = torch.relu(self.dropout(layer(x)))
            activations.append(x)
        logits = self.output(x)
        return (logits, activations) if keep_hidden else logits



@dataclass
class MonteCarloPrediction:
    """Mean class probabilities over T dropout passes and their uncertainty (nats)."""

    probabilities: np.ndarray  # (n, classes)
    mutual_information: np.ndarray  # (n,)
    predictive_entropy: np.ndarray  # (n,)
    hidden: list[np.ndarray] | None = None  # per hidden layer, (n, width), averaged over passes


@torch.no_grad()
def monte_carlo_predict(model: BayesianMLP, inputs: np.ndarray, samples: int = 1000,
                        keep_hidden: bool = False, max_rows: int = 262_144,
                        seed: int | None = None) -> MonteCarloPrediction:
    """T stochastic passes with dropout on, as one batched product over T copies of each input."""
    if samples < 1:
        raise ValueError(f"the number of Monte-Carlo samples must be >= 1, got {samples}")
    generator_state = torch.random.get_rng_state()
    if seed is not None:
        torch.manual_seed(seed)
    model.train()  # dropout active: each pass is one draw from the approximate posterior
    x = torch.as_tensor(np.asarray(inputs, dtype=np.float32))
    chunk = max(1, max_rows // samples)
    probabilities, information, entropy, hidden = [], [], [], []
    try:
        for start in range(0, len(x), chunk):
            batch = x[start:start + chunk]
            repeated = batch.repeat(samples, 1)  # (T * b, features), pass-major
            logits, activations = model(repeated, keep_hidden=True)
            sample_probabilities = torch.softmax(logits, dim=-1).reshape(samples, len(batch), -1).numpy()
            mean = sample_probabilities.mean(axis=0)
            probabilities.append(mean)
            information.append(mutual_information(sample_probabilities))
            entropy.append(predictive_entropy(mean))
            if keep_hidden:
                hidden.append([a.reshape(samples, len(batch), -1).mean(dim=0).numpy() for a in activations])
    finally:
        model.eval()
        if seed is not None:
            torch.random.set_rng_state(generator_state)
    return MonteCarloPrediction(
        probabilities=np.concatenate(probabilities),
        mutual_information=np.concatenate(information),
        predictive_entropy=np.concatenate(entropy),
        hidden=[np.concatenate(layer) for layer in zip(*hidden)] if keep_hidden else None,
    )
