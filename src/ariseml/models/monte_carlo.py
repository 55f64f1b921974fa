"""Monte-Carlo dropout: T passes of a Bayesian network with shared dropout masks, their mean probabilities and
uncertainty (ARISE supplement, Eq. 4-5), optionally stopping early where an answer has settled."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ariseml.errors import InputError
from ariseml.models.bayesian_mlp import BayesianMLP, EnsembleMLP, Network
from ariseml.models.uncertainty import mutual_information_from_means, predictive_entropy


def check_settle(settle: float | None) -> float | None:
    """``settle`` if it is None or a finite positive standard error; an ``InputError`` otherwise."""
    if settle is not None and not (math.isfinite(settle) and settle > 0):
        raise InputError(f"`settle` must be a finite positive standard error, e.g. 0.01; got {settle}", "settle")
    return settle


@dataclass
class MonteCarloPrediction:
    """Mean class probabilities over T dropout passes and their uncertainty (nats)."""

    probabilities: np.ndarray  # (n, classes)
    mutual_information: np.ndarray  # (n,)
    predictive_entropy: np.ndarray  # (n,)
    hidden: list[np.ndarray] | None = None  # per hidden layer, (n, width), after the ReLU, averaged over passes
    passes: np.ndarray | None = None  # (n,) passes each input got (fewer than T where it settled early)
    hidden_before_relu: list[np.ndarray] | None = None  # the same before the ReLU (dropout applied)


def dropout_masks(model: BayesianMLP, samples: int, generator: torch.Generator) -> list[torch.Tensor]:
    """One inverted-dropout mask per pass for the input and for each hidden layer, shape (T, 1, width)."""
    keep = 1.0 - model.dropout.p
    widths = [model.hidden[0].in_features] + [layer.out_features for layer in model.hidden]
    # uniform draws below ``keep``: the same masks as torch.bernoulli's from the same generator, a third faster
    return [torch.rand((samples, 1, width), generator=generator).lt_(keep).div_(keep) for width in widths]


def _dropped_inputs(input_mask: torch.Tensor) -> torch.Tensor:
    """(T, K): per pass the indices of the inputs its mask drops, padded with the index one past the
    last input (K: the most any pass drops)."""
    dropped = input_mask[:, 0, :] == 0
    passes, columns = torch.nonzero(dropped, as_tuple=True)  # row by row, columns ascending
    counts = dropped.sum(dim=1)
    firsts = torch.cumsum(counts, 0) - counts  # where each pass's entries start in ``columns``
    indices = torch.full((len(dropped), max(1, int(counts.max()))), dropped.shape[1])
    indices[passes, torch.arange(len(passes)) - firsts[passes]] = columns
    return indices


GATHER_FROM = 256
"""Batches of at least this many inputs take the dropped inputs' weights gathered once for all of them (about
20 % faster for 655 inputs); smaller ones sum them per input and pass, without the (T, K, width) gathered array
(one input, T = 1000: 1.6 ms instead of 67 ms; equal near 160 inputs; one torch thread, this machine)."""


def _first_layer(model: BayesianMLP, batch: torch.Tensor, dropped: torch.Tensor) -> torch.Tensor:
    """The first hidden layer's pre-activations (T, b, width) of the inputs under the T input-dropout masks.

    With inverted dropout, W (x ⊙ m) = (W x - Σ_dropped W_j x_j) / keep: one product for the batch and a
    correction from the few inputs each pass drops (3 % of them), instead of T full products.
    """
    layer, keep = model.hidden[0], 1.0 - model.input_dropout.p
    passes, rows = len(dropped), len(batch)
    padded_x = torch.nn.functional.pad(batch, (0, 1))  # the padding index picks a zero input
    padded_w = torch.nn.functional.pad(layer.weight.T, (0, 0, 0, 1))  # ... and a zero weight row
    undropped = torch.addmm(layer.bias, batch, layer.weight.T, alpha=1.0 / keep)  # (b, width)
    dropped_x = padded_x[:, dropped].transpose(0, 1)  # (T, b, K)
    if rows >= GATHER_FROM:
        correction = torch.bmm(dropped_x, padded_w[dropped])
    else:
        correction = torch.nn.functional.embedding_bag(
            dropped.unsqueeze(1).expand(-1, rows, -1).reshape(passes * rows, -1), padded_w,
            per_sample_weights=dropped_x.reshape(passes * rows, -1), mode="sum").view(passes, rows, -1)
    return correction.mul_(-1.0 / keep).add_(undropped)  # minus each pass's dropped inputs


def _masked_passes(model: BayesianMLP, batch: torch.Tensor, masks: list[torch.Tensor], dropped: torch.Tensor,
                   keep_hidden: bool) -> tuple[torch.Tensor, list[torch.Tensor], list[torch.Tensor]]:
    """Logits (T, b, classes) of the T passes given by ``masks`` (``dropped``: the inputs each drops) and,
    with ``keep_hidden``, each hidden layer's activations after and before its ReLU summed over the passes."""
    after, before = [], []
    for number, (layer, mask) in enumerate(zip(model.hidden, masks[1:])):
        x = (_first_layer(model, batch, dropped) if number == 0 else layer(x)).mul_(mask)
        if keep_hidden:
            before.append(x.sum(0))
        x = x.relu_()  # in place: these (T·b, width) arrays are the largest
        if keep_hidden:
            after.append(x.sum(0))
    return model.output(x), after, before


@dataclass
class _PassSums:
    """Sums over passes, from which means over any set of passes follow."""

    probabilities: np.ndarray  # (n, classes)
    squared: np.ndarray  # (n, classes), for the standard error
    entropy: np.ndarray  # (n,)
    hidden: list[np.ndarray]
    hidden_before_relu: list[np.ndarray]


def _float64(sums: torch.Tensor) -> np.ndarray:
    """Pass sums on the host in float64 (converted after leaving the device: some GPUs have no float64)."""
    return sums.cpu().double().numpy()


def _run_passes(model: BayesianMLP, x: torch.Tensor, masks: list[torch.Tensor], max_rows: int,
                keep_hidden: bool) -> _PassSums:
    chunk = max(1, max_rows // len(masks[0]))
    dropped = _dropped_inputs(masks[0])
    parts = []
    for start in range(0, len(x), chunk):
        logits, after, before = _masked_passes(model, x[start:start + chunk], masks, dropped, keep_hidden)
        p = torch.softmax(logits, dim=-1)
        entropy = torch.special.xlogy(p, p).sum(dim=-1).neg_()
        # per pass in float32 (the network's precision), summed over the passes in float32 (pairwise: a
        # relative error near 1e-7, and ten times faster than converting every pass), then kept in float64
        parts.append(_PassSums(_float64(p.sum(0)), _float64(p.square().sum(0)), _float64(entropy.sum(0)),
                               [_float64(a) for a in after], [_float64(b) for b in before]))
    return _PassSums(*(np.concatenate([getattr(q, name) for q in parts]) for name in ("probabilities", "squared",
                                                                                  "entropy")),
                     *([np.concatenate(layer) for layer in zip(*(getattr(q, name) for q in parts))]
                       for name in ("hidden", "hidden_before_relu")))


UNSEEN_RATE_BOUND = 3.0
"""Early settling adds UNSEEN_RATE_BOUND / n to a probability's variance after n passes: the rule of three (a
class no pass gave may still come up in up to 3/n of the passes, at 95 % confidence)."""


def _stage_ends(stage_samples: int, samples: int) -> list[int]:
    """stage, 2·stage, 3·stage, ... passes, ending at T."""
    return [*range(stage_samples, samples, stage_samples), samples]


def _settling_passes(model: BayesianMLP, x: torch.Tensor, masks: list[torch.Tensor], max_rows: int,
                     keep_hidden: bool, settle: float, stage_samples: int) -> tuple[_PassSums, np.ndarray]:
    """Pass sums and pass counts with early stopping after any stage (see ``monte_carlo_predict``)."""
    samples = len(masks[0])
    ends = _stage_ends(stage_samples, samples)
    sums = _run_passes(model, x, [m[:ends[0]] for m in masks], max_rows, keep_hidden)
    counts = np.full(len(x), float(ends[0]))
    active = np.arange(len(x))
    for done, end in zip(ends, ends[1:]):
        deviations = np.maximum(sums.squared[active] - sums.probabilities[active] ** 2 / done, 0.0)
        # of the difference to the T-pass mean: σ √(1/n - 1/T), with σ² estimated from the n passes plus 3 / n
        standard_error = np.sqrt(deviations + UNSEEN_RATE_BOUND) / done * np.sqrt(1.0 - done / samples)
        active = active[standard_error.max(axis=1) >= settle]
        if not len(active):
            break
        stage = _run_passes(model, x[active], [m[done:end] for m in masks], max_rows, keep_hidden)
        for name in ("probabilities", "squared", "entropy"):
            getattr(sums, name)[active] += getattr(stage, name)
        for total, extra in zip(sums.hidden + sums.hidden_before_relu, stage.hidden + stage.hidden_before_relu):
            total[active] += extra
        counts[active] = end
    return sums, counts


PASS_ROWS = 16_384
"""Rows (passes x inputs) per batched product: 16,384 keeps the elementwise work between the products
about 25 % faster than 262,144 rows (whose 0.5 GB activations leave every cache); the products run as fast."""


def _ensemble_predict(model: EnsembleMLP, inputs: np.ndarray, samples: int, keep_hidden: bool, max_rows: int,
                      seed: int | None, settle: float | None, stage_samples: int) -> MonteCarloPrediction:
    """T passes shared out among the members (the first ones get one more when T does not divide); each
    member's mean counts equally, and the mean per-pass entropy gives the mutual information of them all."""
    counts = [samples // len(model.members) + (k < samples % len(model.members)) for k in range(len(model.members))]
    parts = [monte_carlo_predict(member, inputs, count, keep_hidden, max_rows,
                                 None if seed is None else seed + k, settle, stage_samples)
             for k, (member, count) in enumerate(zip(model.members, counts)) if count]
    mean = np.mean([part.probabilities.astype(np.float64) for part in parts], axis=0)
    mean_entropy = np.mean([part.predictive_entropy - part.mutual_information for part in parts], axis=0)
    joined = (lambda layers: [np.concatenate(layer, axis=1) for layer in zip(*layers)]) if keep_hidden else None
    return MonteCarloPrediction(
        probabilities=mean.astype(np.float32),
        mutual_information=mutual_information_from_means(mean, mean_entropy),
        predictive_entropy=predictive_entropy(mean),
        hidden=joined([part.hidden for part in parts]) if joined else None,
        passes=np.sum([part.passes for part in parts], axis=0).astype(np.int32),
        hidden_before_relu=joined([part.hidden_before_relu for part in parts]) if joined else None,
    )


@torch.no_grad()
def monte_carlo_predict(model: Network, inputs: np.ndarray, samples: int = 1000,
                        keep_hidden: bool = False, max_rows: int = PASS_ROWS,
                        seed: int | None = None, settle: float | None = None,
                        stage_samples: int = 25) -> MonteCarloPrediction:
    """T stochastic passes with dropout on, as one batched product over T copies of each input.

    The T dropout masks are drawn once and shared by all inputs: every input still
    sees T independent draws of the network, its result does not depend on the other
    inputs or on the chunking, and drawing masks no longer dominates the time. The
    passes run where the model's parameters are (CPU or GPU); the masks are drawn on
    the CPU, so a seed gives the same passes on every device.

    ``settle``: passes run in stages of ``stage_samples`` up to T; an input stops after the
    stage where, for every class probability, the standard error of its difference to the
    T-pass mean, σ √(1/n - 1/T), is below ``settle``. The variance σ² estimated from the n
    passes gets 3/n added (the rule of three), so n passes that all agree still leave about
    √3 / n: a rare pass that would flip the answer is not ruled out by a few agreeing ones.
    Inputs that never settle get all T passes (the same passes, so their numbers are exactly
    those of the full run).

    An ``EnsembleMLP`` shares the T passes out among its members (member k seeded ``seed + k``).
    """
    if samples < 1:
        raise InputError(f"the number of Monte-Carlo samples must be >= 1, got {samples}")
    if isinstance(model, EnsembleMLP):
        return _ensemble_predict(model, inputs, samples, keep_hidden, max_rows, seed, settle, stage_samples)
    generator = torch.Generator()
    if seed is None:
        generator.seed()
    else:
        generator.manual_seed(seed)
    device = next(model.parameters()).device
    masks = [mask.to(device) for mask in dropout_masks(model, samples, generator)]
    model.eval()
    x = model.standardise(torch.as_tensor(np.asarray(inputs, dtype=np.float32)).to(device))
    if settle is None or stage_samples >= samples or len(x) == 0:
        sums = _run_passes(model, x, masks, max_rows, keep_hidden)
        counts = np.full(len(x), float(samples))
    else:
        sums, counts = _settling_passes(model, x, masks, max_rows, keep_hidden, settle, stage_samples)
    mean = sums.probabilities / counts[:, None]
    return MonteCarloPrediction(
        probabilities=mean.astype(np.float32),
        mutual_information=mutual_information_from_means(mean, sums.entropy / counts),
        predictive_entropy=predictive_entropy(mean),
        hidden=[(h / counts[:, None]).astype(np.float32) for h in sums.hidden] if keep_hidden else None,
        passes=counts.astype(np.int32),
        hidden_before_relu=([(h / counts[:, None]).astype(np.float32) for h in sums.hidden_before_relu]
                            if keep_hidden else None),
    )
