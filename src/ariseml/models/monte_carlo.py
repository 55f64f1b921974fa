"""Monte-Carlo dropout: T passes of a Bayesian network with shared dropout masks, their mean probabilities and
uncertainty (ARISE supplement, Eq. 4-5), optionally stopping early where an answer has settled."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

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
    correction from the few inputs each pass drops (3 % of them), instead of T full products. In the precision
    of ``batch``.
    """
    layer, keep = model.hidden[0], 1.0 - model.input_dropout.p
    weight, bias = layer.weight.T.to(batch.dtype), layer.bias.to(batch.dtype)
    passes, rows = len(dropped), len(batch)
    padded_x = torch.nn.functional.pad(batch, (0, 1))  # the padding index picks a zero input
    padded_w = torch.nn.functional.pad(weight, (0, 0, 0, 1))  # ... and a zero weight row
    undropped = torch.addmm(bias, batch, weight, alpha=1.0 / keep)  # (b, width)
    dropped_x = padded_x[:, dropped].transpose(0, 1)  # (T, b, K)
    if rows >= GATHER_FROM:
        correction = torch.bmm(dropped_x, padded_w[dropped])
    else:
        correction = torch.nn.functional.embedding_bag(
            dropped.unsqueeze(1).expand(-1, rows, -1).reshape(passes * rows, -1), padded_w,
            per_sample_weights=dropped_x.reshape(passes * rows, -1), mode="sum").view(passes, rows, -1)
    return correction.mul_(-1.0 / keep).add_(undropped)  # minus each pass's dropped inputs


PRECISIONS = {"float32": torch.float32, "bfloat16": torch.bfloat16}
"""Number formats the network's products can run in (the inputs are compressed and standardised in float32 first,
the probabilities formed in float32). bfloat16 halves the memory traffic and, where the processor has bfloat16
instructions (AVX512-BF16, AMX) or on a GPU, runs the products about three times as fast. Its answers move less
than a second seed's (``benchmarks/mc_fidelity.py``, T = 1000: the realistic model's top probabilities by a
seventeenth as much, the paper's by a fifth, but its near ties flip a little more often). "auto": bfloat16
where the device has such instructions, float32 elsewhere."""


def check_precision(precision: str) -> str:
    """``precision`` if it is "auto" or one of PRECISIONS; an ``InputError`` otherwise."""
    if precision != "auto" and precision not in PRECISIONS:
        raise InputError(f"unknown precision {precision!r}: use auto, {' or '.join(PRECISIONS)}", "precision")
    return precision


@lru_cache(maxsize=8)
def native_bfloat16(device: torch.device) -> bool:
    """Whether ``device`` multiplies bfloat16 matrices in hardware: a GPU that supports it, or a processor with
    AVX512-BF16 or AMX instructions (read from /proc/cpuinfo; False where there is none)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type != "cpu":
        return False
    try:
        with open("/proc/cpuinfo") as info:
            flags = next((line.split() for line in info if line.startswith("flags")), [])
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def _dtype(precision: str, device: torch.device) -> torch.dtype:
    if check_precision(precision) == "auto":
        return torch.bfloat16 if native_bfloat16(device) else torch.float32
    return PRECISIONS[precision]


@dataclass
class _Member:
    """One network's share of the T passes: its inputs as its first layer sees them, its dropout masks and its
    layers after the first, all in the precision the passes run in (the input mask only names dropped inputs)."""

    network: BayesianMLP
    x: torch.Tensor
    masks: list[torch.Tensor]
    layers: list[tuple[torch.Tensor, torch.Tensor]]  # (weight, bias) of the hidden layers after the first, output

    @property
    def samples(self) -> int:
        return len(self.masks[0])


def _members(model: Network, inputs: np.ndarray, samples: int, seed: int | None, precision: str) -> list[_Member]:
    """The T passes shared out among an ensemble's members (the first ones get one more when T does not divide;
    member k seeded ``seed + k``), or all of them to a single network."""
    networks = list(model.members) if isinstance(model, EnsembleMLP) else [model]
    device = next(model.parameters()).device
    dtype = _dtype(precision, device)
    compressed = networks[0].compress(torch.as_tensor(np.asarray(inputs, dtype=np.float32)).to(device))  # alike for all
    members = []
    for number, network in enumerate(networks):
        count = samples // len(networks) + (number < samples % len(networks))
        if not count:
            continue
        generator = torch.Generator()
        if seed is None:
            generator.seed()
        else:
            generator.manual_seed(seed + number)
        masks = [mask.to(device) for mask in dropout_masks(network, count, generator)]
        network.eval()
        x = network.scale_compressed(compressed).to(dtype)
        layers = [(layer.weight.to(dtype), layer.bias.to(dtype)) for layer in [*network.hidden[1:], network.output]]
        members.append(_Member(network, x, masks[:1] + [mask.to(dtype) for mask in masks[1:]], layers))
    return members


def _masked_passes(member: _Member, batch: torch.Tensor, masks: list[torch.Tensor], dropped: torch.Tensor,
                   keep_hidden: bool) -> tuple[torch.Tensor, list[torch.Tensor], list[torch.Tensor]]:
    """Logits (T, b, classes) in float32 of the T passes given by ``masks`` (``dropped``: the inputs each drops)
    and, with ``keep_hidden``, each hidden layer's activations after and before its ReLU summed over the passes."""
    after, before = [], []
    x = _first_layer(member.network, batch, dropped)
    for number, mask in enumerate(masks[1:]):
        if number:
            x = torch.nn.functional.linear(x, *member.layers[number - 1])
        x = x.mul_(mask)
        if keep_hidden:
            before.append(x.sum(0, dtype=torch.float32))
        x = x.relu_()  # in place: these (T·b, width) arrays are the largest
        if keep_hidden:
            after.append(x.sum(0, dtype=torch.float32))
    return torch.nn.functional.linear(x, *member.layers[-1]).float(), after, before


@dataclass
class _PassSums:
    """Sums over passes, from which means over any set of passes follow."""

    probabilities: np.ndarray  # (n, classes)
    squared: np.ndarray  # (n, classes), for the standard error
    entropy: np.ndarray  # (n,)
    hidden: list[np.ndarray]
    hidden_before_relu: list[np.ndarray]

    def add(self, rows: np.ndarray, more: _PassSums) -> None:
        """Add the sums of more passes of the inputs ``rows``."""
        for name in ("probabilities", "squared", "entropy"):
            getattr(self, name)[rows] += getattr(more, name)
        for total, extra in zip(self.hidden + self.hidden_before_relu, more.hidden + more.hidden_before_relu):
            total[rows] += extra


def _float64(sums: torch.Tensor) -> np.ndarray:
    """Pass sums on the host in float64 (converted after leaving the device: some GPUs have no float64)."""
    return sums.cpu().double().numpy()


def _run_passes(member: _Member, rows: np.ndarray | slice, first: int, last: int, max_rows: int,
                keep_hidden: bool) -> _PassSums:
    """Sums over passes ``first`` to ``last`` (exclusive) of the member's inputs ``rows``."""
    masks = [mask[first:last] for mask in member.masks]
    x = member.x[rows]
    chunk = max(1, max_rows // len(masks[0]))
    dropped = _dropped_inputs(masks[0])
    parts = []
    for start in range(0, len(x), chunk):
        logits, after, before = _masked_passes(member, x[start:start + chunk], masks, dropped, keep_hidden)
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


DECIDED_MARGIN = 2.0
"""An input settles only once its two most probable classes lie this many standard errors of their difference
apart: a near tie keeps its passes, so that early settling does not decide it by the error of a few of them."""


def _unsettled(sums: list[_PassSums], counts: list[np.ndarray], rows: np.ndarray, samples: int,
               settle: float) -> np.ndarray:
    """The ``rows`` whose mean over all members' passes so far may still differ from the T-pass mean by a
    standard error of ``settle`` or more in some class probability, or whose two most probable classes are
    within DECIDED_MARGIN standard errors of each other (see ``monte_carlo_predict``)."""
    done = sum(count[rows] for count in counts)[:, None]
    total = sum(s.probabilities[rows] for s in sums)
    deviations = np.maximum(sum(s.squared[rows] for s in sums) - total**2 / done, 0.0)
    # of the difference to the T-pass mean: σ √(1/n - 1/T), with σ² estimated from the n passes plus 3 / n
    standard_error = np.sqrt(deviations + UNSEEN_RATE_BOUND) / done * np.sqrt(1.0 - done / samples)
    second, first = np.argsort(total, axis=1)[:, -2:].T
    index = np.arange(len(rows))
    gap = (total[index, first] - total[index, second]) / done[:, 0]
    undecided = gap < DECIDED_MARGIN * np.hypot(standard_error[index, first], standard_error[index, second])
    return rows[(standard_error.max(axis=1) >= settle) | undecided]


def _all_passes(members: list[_Member], inputs: int, max_rows: int, keep_hidden: bool, settle: float | None,
                stage_samples: int) -> tuple[list[_PassSums], list[np.ndarray]]:
    """Per member the pass sums and the passes each input got: all of them, or with ``settle`` in stages of
    about ``stage_samples`` passes shared out among the members, an input stopping after the stage where the
    passes of all members together have settled."""
    samples = sum(member.samples for member in members)
    if settle is None or stage_samples >= samples or not inputs:
        sums = [_run_passes(member, slice(None), 0, member.samples, max_rows, keep_hidden) for member in members]
        return sums, [np.full(inputs, float(member.samples)) for member in members]
    ends = [_stage_ends(max(1, round(stage_samples * member.samples / samples)), member.samples)
            for member in members]
    sums = [_run_passes(member, slice(None), 0, end[0], max_rows, keep_hidden) for member, end in zip(members, ends)]
    counts = [np.full(inputs, float(end[0])) for end in ends]
    active = np.arange(inputs)
    for stage in range(1, max(len(end) for end in ends)):
        active = _unsettled(sums, counts, active, samples, settle)
        if not len(active):
            break
        for member, end, total, count in zip(members, ends, sums, counts):
            if stage < len(end):
                total.add(active, _run_passes(member, active, end[stage - 1], end[stage], max_rows, keep_hidden))
                count[active] = end[stage]
    return sums, counts


PASS_ROWS = 16_384
"""Rows (passes x inputs) per batched product: 16,384 keeps the elementwise work between the products
about 25 % faster than 262,144 rows (whose 0.5 GB activations leave every cache); the products run as fast."""


@torch.no_grad()
def monte_carlo_predict(model: Network, inputs: np.ndarray, samples: int = 1000,
                        keep_hidden: bool = False, max_rows: int = PASS_ROWS,
                        seed: int | None = None, settle: float | None = None,
                        stage_samples: int = 25, precision: str = "float32") -> MonteCarloPrediction:
    """T stochastic passes with dropout on, as one batched product over T copies of each input.

    The T dropout masks are drawn once and shared by all inputs: every input still
    sees T independent draws of the network, its result does not depend on the other
    inputs or on the chunking, and drawing masks no longer dominates the time. The
    passes run where the model's parameters are (CPU or GPU); the masks are drawn on
    the CPU, so a seed gives the same passes on every device.

    An ``EnsembleMLP`` shares the T passes out among its members (member k seeded ``seed + k``); each member's
    mean counts equally, and the mean per-pass entropy gives the mutual information of them all.

    ``settle``: passes run in stages of about ``stage_samples`` (shared out among an ensemble's members) up to
    T; an input stops after the stage where, for every class probability, the standard error of the difference
    between the mean of its n passes so far and its T-pass mean, σ √(1/n - 1/T), is below ``settle`` and its two
    most probable classes are DECIDED_MARGIN of those standard errors apart. The
    variance σ² estimated from the n passes gets 3/n added (the rule of three), so n passes that all agree still
    leave about √3 / n: a rare pass that would flip the answer is not ruled out by a few agreeing ones.
    Inputs that never settle get all T passes (the same passes, so their numbers are exactly those of the full run).

    ``precision``: "float32", "bfloat16" or "auto" for the network's products (see PRECISIONS).
    """
    if samples < 1:
        raise InputError(f"the number of Monte-Carlo samples must be >= 1, got {samples}")
    members = _members(model, inputs, samples, seed, precision)
    sums, counts = _all_passes(members, len(inputs), max_rows, keep_hidden, settle, stage_samples)
    mean = sum(total.probabilities / count[:, None] for total, count in zip(sums, counts)) / len(sums)
    mean_entropy = sum(total.entropy / count for total, count in zip(sums, counts)) / len(sums)

    def averaged(name: str) -> list[np.ndarray] | None:
        """Each hidden layer averaged over the passes, the members' side by side."""
        return [np.concatenate([(layer / count[:, None]).astype(np.float32) for layer, count in zip(layers, counts)],
                               axis=1) for layers in zip(*(getattr(total, name) for total in sums))
                ] if keep_hidden else None

    return MonteCarloPrediction(
        probabilities=mean.astype(np.float32),
        mutual_information=mutual_information_from_means(mean, mean_entropy),
        predictive_entropy=predictive_entropy(mean),
        hidden=averaged("hidden"),
        passes=np.sum(counts, axis=0).astype(np.int32),
        hidden_before_relu=averaged("hidden_before_relu"),
    )
