"""The ConvNet of Ziletti et al. (2018, Table 2) on diffraction fingerprints, and what it looks at.

Six 7×7 convolutions (32, 32 | pool | 16, 16 | pool | 8, 8) with ReLU and "same" padding (with
"valid" padding a 64-pixel image would shrink below 7 pixels before the last layer), a dense layer of
128 (ReLU, 25 % dropout, batch normalisation) and a softmax over the classes.

Prediction keeps the paper's network and adds what ARISE brought later: the dropout layer left on
for T Monte-Carlo passes gives mean probabilities and mutual information. Only the dense head is
stochastic, so the convolutions run once per image. ``samples=0`` is the paper's deterministic net.

``attentive_response_maps`` back-projects the most activated filters of a convolutional layer to
the image with guided back-propagation (Springenberg et al. 2015), the counterpart of the paper's
deconvolution maps (Fig. 5).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ariseml.errors import InputError
from ariseml.models.monte_carlo import MonteCarloPrediction
from ariseml.models.uncertainty import mutual_information_from_means, predictive_entropy

PAPER_FILTERS = (32, 32, 16, 16, 8, 8)
PAPER_KERNEL = 7
PAPER_DENSE = 128
PAPER_DROPOUT = 0.25
POOL_AFTER = (1, 3)
"""Max pooling (2×2, stride 2) follows these convolutions (0-based), as in Table 2."""


class _GuidedReLU(torch.autograd.Function):
    """ReLU whose backward pass lets through only positive gradients at positive inputs."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        return grad.clamp(min=0) * (x > 0)


class DiffractionConvNet(nn.Module):
    """Table 2 of the paper; inputs are images shaped (n, 3, pixels, pixels)."""

    def __init__(self, n_classes: int, n_pixels: int = 64, filters: tuple[int, ...] = PAPER_FILTERS,
                 kernel: int = PAPER_KERNEL, dense: int = PAPER_DENSE, dropout: float = PAPER_DROPOUT) -> None:
        super().__init__()
        channels = (3, *filters)
        self.convolutions = nn.ModuleList(nn.Conv2d(channels[i], channels[i + 1], kernel, padding="same")
                                          for i in range(len(filters)))
        side = n_pixels // 2 ** len(POOL_AFTER)
        self.dense = nn.Linear(filters[-1] * side * side, dense)
        self.dropout = nn.Dropout(dropout)
        self.normalisation = nn.BatchNorm1d(dense)
        self.output = nn.Linear(dense, n_classes)
        for layer in (*self.convolutions, self.dense, self.output):  # Keras's defaults, as the paper's code
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)

    def feature_maps(self, images: torch.Tensor, guided: bool = False) -> list[torch.Tensor]:
        """The activation of every convolutional layer (after ReLU, before pooling)."""
        relu = _GuidedReLU.apply if guided else torch.relu
        maps, x = [], images
        for index, convolution in enumerate(self.convolutions):
            x = relu(convolution(x))
            maps.append(x)
            if index in POOL_AFTER:
                x = nn.functional.max_pool2d(x, 2)
        return maps

    def dense_features(self, images: torch.Tensor) -> torch.Tensor:
        """The dense layer's output after ReLU, before dropout: the input of the stochastic head."""
        last = self.feature_maps(images)[-1]
        return torch.relu(self.dense(last.flatten(1)))

    def head(self, features: torch.Tensor) -> torch.Tensor:
        return self.output(self.normalisation(self.dropout(features)))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Logits."""
        return self.head(self.dense_features(images))


def as_tensor(images: np.ndarray) -> torch.Tensor:
    """Fingerprints shaped (n, pixels, pixels, 3) as the network's (n, 3, pixels, pixels) input."""
    return torch.from_numpy(np.ascontiguousarray(np.moveaxis(np.asarray(images, np.float32), -1, 1)))


@torch.no_grad()
def convnet_predict(model: DiffractionConvNet, images: np.ndarray, samples: int = 1000,
                    seed: int | None = None, batch_size: int = 256) -> MonteCarloPrediction:
    """Mean probabilities, mutual information and entropy over T passes of the dropout head.

    The T dropout masks are drawn once and shared by all images; ``samples=0`` runs the
    deterministic network (dropout off, mutual information 0).
    """
    if samples < 0:
        raise InputError(f"the number of Monte-Carlo samples must be >= 0, got {samples}")
    model.eval()
    n_classes = model.output.out_features
    if len(images) == 0:
        return MonteCarloPrediction(np.zeros((0, n_classes)), np.zeros(0), np.zeros(0), None, np.zeros(0))
    features = torch.cat([model.dense_features(as_tensor(images[start:start + batch_size]))
                          for start in range(0, len(images), batch_size)])
    passes = np.full(len(images), samples)
    if samples == 0:
        probabilities = torch.softmax(model.head(features), dim=1).double().numpy()
        return MonteCarloPrediction(probabilities, np.zeros(len(images)), predictive_entropy(probabilities),
                                    None, passes)
    generator = torch.Generator()
    if seed is None:
        generator.seed()
    else:
        generator.manual_seed(seed)
    keep = 1.0 - model.dropout.p
    masks = (torch.rand(samples, features.shape[1], generator=generator) < keep).float() / keep
    probability_sum = torch.zeros(len(features), n_classes, dtype=torch.float64)
    entropy_sum = torch.zeros(len(features), dtype=torch.float64)
    for mask in masks.split(64):
        logits = model.output(model.normalisation((features[None] * mask[:, None]).reshape(-1, features.shape[1])))
        log_p = torch.log_softmax(logits, dim=1).double().reshape(len(mask), len(features), -1)
        probability_sum += log_p.exp().sum(0)
        entropy_sum -= (log_p.exp() * log_p).sum(2).sum(0)
    mean = (probability_sum / samples).numpy()
    entropy = predictive_entropy(mean)
    return MonteCarloPrediction(mean, mutual_information_from_means(mean, (entropy_sum / samples).numpy()),
                                entropy, None, passes)


@dataclass
class ResponseMaps:
    """The most activated filters of one layer and their back-projections to the image."""

    layer: int  # 1-based, as in the paper's Fig. 5
    filters: list[int]
    activations: list[float]
    maps: np.ndarray  # (filters, pixels, pixels, 3), each map scaled to a maximum of 1


def attentive_response_maps(model: DiffractionConvNet, image: np.ndarray, layers: tuple[int, ...] = (1, 3, 6),
                            top: int = 4) -> list[ResponseMaps]:
    """Guided back-propagation of the ``top`` most activated filters of each layer (1-based) to the image."""
    model.eval()
    for layer in layers:
        if not 1 <= layer <= len(model.convolutions):
            raise InputError(f"layer {layer} does not exist: the network has convolutional layers "
                             f"1 to {len(model.convolutions)}")
    results = []
    for layer in layers:
        x = as_tensor(image[None]).requires_grad_(True)
        activation = model.feature_maps(x, guided=True)[layer - 1][0]
        strength = activation.detach().amax(dim=(1, 2))
        chosen = torch.argsort(strength, descending=True)[:top].tolist()
        maps = []
        for filter_index in chosen:
            gradient, = torch.autograd.grad(activation[filter_index].sum(), x, retain_graph=True)
            back_projection = np.moveaxis(gradient[0].clamp(min=0).numpy(), 0, -1)
            peak = back_projection.max()
            maps.append(back_projection / peak if peak > 0 else back_projection)
        results.append(ResponseMaps(layer, chosen, [float(strength[i]) for i in chosen], np.stack(maps)))
    return results


def class_template(model: DiffractionConvNet, image: np.ndarray) -> np.ndarray:
    """The back-projection of the sum of all last-layer filters (the paper's Fig. 5b), max 1."""
    model.eval()
    x = as_tensor(image[None]).requires_grad_(True)
    last = model.feature_maps(x, guided=True)[-1]
    gradient, = torch.autograd.grad(last.sum(), x)
    template = np.moveaxis(gradient[0].clamp(min=0).numpy(), 0, -1)
    return template / template.max() if template.max() > 0 else template
