"""Hyper-parameter search with the Tree-structured Parzen Estimator (supplement, section 1.4).

Search space of the paper: 2-5 hidden layers of 256 or 512 neurons each,
batch 64 or 128, learning rate uniform in [1e-4, 1e-2], dropout uniform in
[0.01, 0.05]; the objective is the validation accuracy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ariseml.errors import InputError
from ariseml.training.train import TrainingConfig, train


def config_from_trial(trial: Any, epochs: int) -> TrainingConfig:
    """A training configuration drawn from the paper's search space."""
    n_layers = trial.suggest_categorical("n_layers", [2, 3, 4, 5])
    hidden = tuple(trial.suggest_categorical(f"neurons_{i}", [256, 512]) for i in range(n_layers))
    return TrainingConfig(
        epochs=epochs,
        batch_size=trial.suggest_categorical("batch_size", [64, 128]),
        learning_rate=trial.suggest_float("learning_rate", 1e-4, 1e-2),
        dropout=trial.suggest_float("dropout", 0.01, 0.05),
        hidden=hidden,
    )


def search(features: np.ndarray, labels: np.ndarray, n_classes: int, trials: int, epochs: int,
           seed: int = 42, storage: str | None = None) -> list[dict[str, Any]]:
    """Run ``trials`` TPE trials; returns them best first (``storage`` makes a study resumable)."""
    try:
        import optuna
    except ImportError as error:
        raise InputError("the hyper-parameter search needs optuna: pip install 'ariseml[tune]'") from error

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed),
                                storage=storage, study_name="arise-mlp", load_if_exists=True)

    def objective(trial: Any) -> float:
        config = config_from_trial(trial, epochs)
        return train(features, labels, n_classes, config, progress=False).validation_accuracy

    remaining = trials - len([t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE])
    if remaining > 0:
        study.optimize(objective, n_trials=remaining)
    finished = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    finished.sort(key=lambda t: t.value, reverse=True)
    return [{"validation_accuracy": t.value, **t.params} for t in finished]
