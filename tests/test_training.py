import numpy as np
import pytest
import torch

import ariseml.training.train as training
from ariseml.training.dataset import pristine_structures, training_settings
from ariseml.training.train import TrainingConfig, train


def separable_data(n_classes=4, per_class=40, n_features=315, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_classes, n_features))
    labels = np.repeat(np.arange(n_classes), per_class)
    return centres[labels] + 0.3 * rng.normal(size=(len(labels), n_features)), labels


def test_the_paper_training_set_has_39204_points():
    assert len(pristine_structures()) == 396
    assert len(training_settings()) == 99
    assert len(pristine_structures()) * len(training_settings()) == 39_204


def test_training_learns_and_keeps_the_best_checkpoint():
    features, labels = separable_data()
    result = train(features, labels, 4, TrainingConfig(epochs=15), progress=False)
    assert result.validation_accuracy == 1.0
    assert result.training_size == 128 and result.validation_size == 32  # stratified 80/20
    best = max(h["validation_accuracy"] for h in result.history)
    assert result.history[result.best_epoch - 1]["validation_accuracy"] == best


def test_an_interrupted_run_resumes_to_the_same_model(tmp_path, monkeypatch):
    features, labels = separable_data(seed=1)
    config = TrainingConfig(epochs=6, learning_rate=1e-3)
    uninterrupted = train(features, labels, 4, config, checkpoint=tmp_path / "a.pt", progress=False)

    calls = {"n": 0}
    original = training._accuracy

    def failing_after_three_epochs(*args):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return original(*args)

    monkeypatch.setattr(training, "_accuracy", failing_after_three_epochs)
    with pytest.raises(KeyboardInterrupt):
        train(features, labels, 4, config, checkpoint=tmp_path / "b.pt", progress=False)
    monkeypatch.setattr(training, "_accuracy", original)
    resumed = train(features, labels, 4, config, checkpoint=tmp_path / "b.pt", progress=False)
    for key, value in uninterrupted.model.state_dict().items():
        assert torch.equal(value, resumed.model.state_dict()[key])
    with pytest.raises(ValueError, match="other settings"):
        train(features, labels, 4, TrainingConfig(epochs=7), checkpoint=tmp_path / "b.pt", progress=False)
