"""Training the Bayesian MLP as in the paper (Table 1 and Methods).

Adam, learning rate 2.16e-4, batch 64, 300 epochs, a stratified 80/20 split
of the pristine set (seed 42), and the checkpoint with the best validation
accuracy kept. A checkpoint file is written after every epoch, so an
interrupted run resumes.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from torch import nn
from tqdm import tqdm

from ariseml.errors import InputError
from ariseml.io import atomic_path
from ariseml.models.bayesian_mlp import PAPER_DROPOUT, PAPER_HIDDEN, BayesianMLP, EnsembleMLP, check_linear_inputs


@dataclass(frozen=True)
class TrainingConfig:
    """Hyper-parameters; the defaults are the paper's (Table 1)."""

    epochs: int = 300
    batch_size: int = 64
    learning_rate: float = 2.16e-4
    dropout: float = PAPER_DROPOUT
    hidden: tuple[int, ...] = PAPER_HIDDEN
    validation_fraction: float = 0.2
    seed: int = 42
    standardised: bool = False  # inputs centred and scaled by the training split's statistics (not in the paper)
    log_epsilon: float | None = None  # inputs compressed by a signed logarithm first (BayesianMLP.compress)
    linear_inputs: bool = False  # the inputs beside their logarithms (BayesianMLP.compress)
    member: int = 0  # an ensemble's member k starts from other weights and batch orders, on the same split
    balanced: bool = False  # each class's loss weighted by the inverse of its count, as if every class were drawn alike
    anchor_copies: int = 1  # the rows that are never held out (``always_trained``) are trained this many times an epoch

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1 or self.member < 0 or self.anchor_copies < 1:
            raise InputError("`epochs`, `batch_size` and `anchor_copies` must be at least 1 and `member` not negative",
                             "epochs", "batch_size", "anchor_copies", "member")
        if not (math.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise InputError(f"`learning_rate` must be finite and positive, got {self.learning_rate}", "learning_rate")
        if not 0 <= self.dropout < 1:
            raise InputError(f"`dropout` is a probability below 1, got {self.dropout}", "dropout")
        if not self.hidden or min(self.hidden) < 1:
            raise InputError(f"`hidden` lists the widths of at least one layer, got {self.hidden}", "hidden")
        if not 0 < self.validation_fraction < 1:
            raise InputError(f"`validation_fraction` must lie between 0 and 1, got {self.validation_fraction}",
                             "validation_fraction")
        if self.log_epsilon is not None and not (math.isfinite(self.log_epsilon) and self.log_epsilon > 0):
            raise InputError(f"`log_epsilon` must be finite and positive, got {self.log_epsilon}", "log_epsilon")
        check_linear_inputs(self.linear_inputs, self.log_epsilon)


MEMBER_SEED_STRIDE = 1000
"""Member k of an ensemble seeds its weights and batch orders with ``seed + 1000 k`` (epochs add 0-999)."""


REALISTIC_LOG_EPSILON = 1e-5
"""ε of the realistic recipe's signed-log inputs: on the realistic suite 1e-6 lost L1₀ CuNi above half its
melting point, 1e-4 left fcc at 0.1 T_m near 0.65; 1e-5 kept both (session note of stop 23)."""


@dataclass
class TrainingResult:
    model: BayesianMLP
    config: TrainingConfig
    best_epoch: int
    validation_accuracy: float
    training_size: int
    validation_size: int
    history: list[dict[str, float]] = field(default_factory=list)


def _accuracy(model: BayesianMLP, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    with torch.no_grad():
        return float((model(x).argmax(dim=1) == y).float().mean())


CHECKPOINT_KEYS = {"config", "model", "optimizer", "rng", "state"}


def save_checkpoint(path: Path, config: object, model: nn.Module, optimizer: torch.optim.Optimizer,
                    state: dict) -> None:
    """Weights, optimizer, random state and the trainer's ``state`` after an epoch, written atomically."""
    with atomic_path(path) as temporary:
        torch.save({"config": asdict(config), "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "rng": torch.random.get_rng_state(), "state": state}, temporary)


def resume_checkpoint(path: Path | None, config: object, model: nn.Module,
                      optimizer: torch.optim.Optimizer) -> dict | None:
    """Restore a checkpoint written with the same ``config`` into ``model`` and ``optimizer``; its ``state``.

    None when there is no checkpoint; a checkpoint of other settings is an error. The file is read
    with ``weights_only=True``: tensors and plain containers only, so no code in it is ever run.
    """
    if path is None or not path.exists():
        return None
    try:
        saved = torch.load(path, weights_only=True)
    except Exception as error:  # pickle.UnpicklingError for foreign objects, RuntimeError for other bytes
        raise InputError(f"{path} is not a checkpoint written by ariseml (it holds more than tensors and plain "
                         "values, or is damaged); delete it or choose another `checkpoint`", "checkpoint") from error
    if not isinstance(saved, dict) or set(saved) != CHECKPOINT_KEYS:
        raise InputError(f"{path} is not a checkpoint written by ariseml; delete it or choose another `checkpoint`",
                         "checkpoint")
    if saved["config"] != asdict(config):
        raise InputError(f"{path} was written with other settings; delete it to start afresh")
    model.load_state_dict(saved["model"])
    optimizer.load_state_dict(saved["optimizer"])
    torch.random.set_rng_state(saved["rng"])
    return saved["state"]


def _split(features: np.ndarray, labels: np.ndarray, config: TrainingConfig,
           always_trained: np.ndarray | None = None) -> list[np.ndarray]:
    """Training and validation features and labels: stratified, seeded by ``config.seed`` (every member alike);
    the rows of the mask ``always_trained`` are never held out: ``config.anchor_copies`` times each, they go to
    the training split's end."""
    kept = np.zeros(len(labels), bool) if always_trained is None else np.asarray(always_trained, bool)
    split = np.flatnonzero(~kept)
    train_rows, valid_rows = train_test_split(split, test_size=config.validation_fraction, stratify=labels[split],
                                              random_state=config.seed)
    train_rows = np.concatenate([train_rows, np.tile(np.flatnonzero(kept), config.anchor_copies)])
    x, y = features.astype(np.float32), labels.astype(np.int64)
    return [x[train_rows], x[valid_rows], y[train_rows], y[valid_rows]]


def _fine_tuned(start: BayesianMLP, kept_outputs: int, head_only: bool) -> tuple[BayesianMLP, list[nn.Parameter]]:
    """A copy of ``start`` to train further, and the parameters to train: all, or with ``head_only`` the output
    layer's rows after the first ``kept_outputs`` (theirs stay exactly as they are)."""
    model = copy.deepcopy(start)
    if not head_only:
        return model, list(model.parameters())
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    frozen_rows = torch.arange(model.output.out_features) < kept_outputs
    for parameter in (model.output.weight, model.output.bias):
        parameter.requires_grad_(True)
        parameter.register_hook(lambda gradient: gradient.masked_fill(
            frozen_rows.view(-1, *[1] * (gradient.dim() - 1)), 0.0))
    return model, [model.output.weight, model.output.bias]


def _balancing_weights(labels: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Each class's loss weight, the inverse of its share of ``labels``: as if every class were drawn alike."""
    counts = torch.bincount(labels, minlength=n_classes).clamp(min=1).float()
    return counts.sum() / (n_classes * counts)


def train(features: np.ndarray, labels: np.ndarray, n_classes: int,
          config: TrainingConfig = TrainingConfig(), checkpoint: Path | None = None,
          progress: bool = True, start: BayesianMLP | None = None, kept_outputs: int | None = None,
          always_trained: np.ndarray | None = None) -> TrainingResult:
    """Train on a stratified split; ``labels`` are class indices in ``range(n_classes)``; the rows of the mask
    ``always_trained`` are never held out for validation.

    ``start``: fine-tune this network (its input standardisation kept) instead of one from random weights; with
    ``kept_outputs``, only its output rows from that index on are trained (the rest of the network is frozen).
    """
    train_x, valid_x, train_y, valid_y = _split(features, labels, config, always_trained)
    train_x, valid_x = torch.from_numpy(train_x), torch.from_numpy(valid_x)
    train_y, valid_y = torch.from_numpy(train_y), torch.from_numpy(valid_y)

    start_seed = config.seed + MEMBER_SEED_STRIDE * config.member
    torch.manual_seed(start_seed)
    if start is not None:
        model, trained = _fine_tuned(start, kept_outputs or 0, kept_outputs is not None)
    else:
        model = BayesianMLP(features.shape[1], n_classes, config.hidden, config.dropout, config.standardised,
                            config.log_epsilon, config.linear_inputs)
        trained = list(model.parameters())
        if config.standardised:
            model.fit_standardisation(train_x.numpy())
    optimizer = torch.optim.Adam(trained, lr=config.learning_rate)
    loss_function = nn.CrossEntropyLoss(weight=_balancing_weights(train_y, n_classes) if config.balanced else None)
    state = resume_checkpoint(checkpoint, config, model, optimizer) or {
        "epoch": 0, "best_accuracy": -1.0, "best_epoch": 0, "best_weights": None, "history": []}

    batches = torch.Generator()
    for epoch in tqdm(range(state["epoch"], config.epochs), initial=state["epoch"], total=config.epochs,
                      unit="epoch", desc="training", disable=not progress):
        batches.manual_seed(start_seed + epoch)  # the same order on resume
        model.train()
        order = torch.randperm(len(train_x), generator=batches)
        total_loss = 0.0
        for first in range(0, len(order), config.batch_size):
            index = order[first:first + config.batch_size]
            optimizer.zero_grad()
            loss = loss_function(model(train_x[index]), train_y[index])
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(index)
        accuracy = _accuracy(model, valid_x, valid_y)
        state["history"].append({"epoch": epoch + 1, "loss": total_loss / len(order),
                                 "validation_accuracy": accuracy})
        if accuracy > state["best_accuracy"]:
            state.update(best_accuracy=accuracy, best_epoch=epoch + 1,
                         best_weights={k: v.clone() for k, v in model.state_dict().items()})
        state["epoch"] = epoch + 1
        if checkpoint is not None:
            save_checkpoint(checkpoint, config, model, optimizer, state)

    model.load_state_dict(state["best_weights"])
    model.eval()
    return TrainingResult(model, config, state["best_epoch"], state["best_accuracy"],
                          len(train_x), len(valid_x), state["history"])


def train_ensemble(features: np.ndarray, labels: np.ndarray, n_classes: int, members: int,
                   config: TrainingConfig = TrainingConfig(), checkpoint: Path | None = None,
                   progress: bool = True, starts: Sequence[BayesianMLP] | None = None,
                   kept_outputs: int | None = None, always_trained: np.ndarray | None = None
                   ) -> tuple[EnsembleMLP, list[TrainingResult], float]:
    """``members`` networks trained as ``train`` does, member k with ``config.member = k`` (checkpoints
    ``checkpoint`` with ``.member-k`` appended; fine-tuned from ``starts[k]`` when given); the ensemble, each
    member's result and the ensemble's validation accuracy (mean probabilities without dropout, on the members'
    shared split)."""
    results = [train(features, labels, n_classes, replace(config, member=k),
                     None if checkpoint is None else checkpoint.with_name(f"{checkpoint.name}.member-{k}"), progress,
                     None if starts is None else starts[k], kept_outputs, always_trained)
               for k in range(members)]
    ensemble = EnsembleMLP([result.model for result in results]).eval()
    _, valid_x, _, valid_y = _split(features, labels, config, always_trained)
    with torch.no_grad():
        x = torch.from_numpy(valid_x)
        mean = torch.stack([torch.softmax(member(x), dim=1) for member in ensemble.members]).mean(0)
    return ensemble, results, float((mean.argmax(dim=1).numpy() == valid_y).mean())
