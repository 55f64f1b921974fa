"""A student network: one deterministic pass trained to give what a teacher's T Monte-Carlo dropout passes give
(the mean class probabilities and the mutual information), so that millions of atoms cost one pass each
(not in the paper; ``arise distill``)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ariseml.errors import InputError
from ariseml.models.bayesian_mlp import BayesianMLP
from ariseml.models.monte_carlo import MonteCarloPrediction
from ariseml.models.uncertainty import predictive_entropy

STUDENT_KIND = "student"
"""``kind`` in the metadata of a student model."""
STUDENT_ROWS = 65_536
"""Rows per forward pass of a student."""


class StudentMLP(nn.Module):
    """The teacher's architecture without dropout, with one output more: the mutual information (nats, through a
    softplus), beside the logits of the mean probabilities."""

    def __init__(self, n_inputs: int, n_classes: int, hidden: tuple[int, ...], standardised: bool,
                 log_epsilon: float | None, linear_inputs: bool = False) -> None:
        super().__init__()
        self.body = BayesianMLP(n_inputs, n_classes + 1, hidden, 0.0, standardised, log_epsilon, linear_inputs)

    @property
    def hidden(self) -> nn.ModuleList:
        return self.body.hidden

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The logits of the mean probabilities and the mutual information."""
        output = self.body(x)
        return output[:, :-1], nn.functional.softplus(output[:, -1])


@torch.no_grad()
def student_predict(model: StudentMLP, inputs: np.ndarray, keep_hidden: bool = False) -> MonteCarloPrediction:
    """The student's answer in the form of the teacher's Monte-Carlo summary (one pass per input)."""
    if keep_hidden:
        raise InputError("a student network has no hidden layers of the teacher to keep (SPM --hidden-layer, "
                         "explore): use its teacher model for them", "hidden_layers")
    model.eval()
    device = next(model.parameters()).device
    probabilities, information = [np.zeros((0, model.body.output.out_features - 1))], [np.zeros(0)]
    for start in range(0, len(inputs), STUDENT_ROWS):
        x = torch.as_tensor(np.asarray(inputs[start:start + STUDENT_ROWS], dtype=np.float32)).to(device)
        logits, mutual = model(x)
        probabilities.append(torch.softmax(logits, dim=-1).double().cpu().numpy())
        information.append(mutual.double().cpu().numpy())
    mean = np.concatenate(probabilities)
    entropy = predictive_entropy(mean)
    return MonteCarloPrediction(probabilities=mean.astype(np.float32),
                                mutual_information=np.minimum(np.concatenate(information), entropy),
                                predictive_entropy=entropy, passes=np.ones(len(mean), dtype=np.int32))
