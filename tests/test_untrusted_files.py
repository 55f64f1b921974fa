"""Files a user gives us are never unpickled: checkpoints and model files load tensors only."""

import json
import os

import numpy as np
import pytest
import torch

from ariseml.classifier import Classifier, ModelFileError
from ariseml.models.files import sha256
from ariseml.descriptors.soap import SoapSettings
from ariseml.errors import InputError
from ariseml.models.bayesian_mlp import BayesianMLP
from ariseml.training.train import TrainingConfig, resume_checkpoint, train

MARKER = "arise-unpickled-marker"


class Payload:
    """Runs code when unpickled: what a crafted checkpoint would carry."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def _crafted(path, marker):
    torch.save({"config": {}, "model": Payload(str(marker)), "optimizer": {}, "rng": None, "state": {}}, path)


def test_a_crafted_checkpoint_runs_no_code_and_is_refused(tmp_path):
    marker, crafted = tmp_path / MARKER, tmp_path / "crafted.pt"
    _crafted(crafted, marker)
    model = BayesianMLP(4, 2, (8,), 0.1)
    with pytest.raises(InputError, match="not a checkpoint written by ariseml"):
        resume_checkpoint(crafted, TrainingConfig(), model, torch.optim.Adam(model.parameters()))
    assert not marker.exists()


def test_a_real_checkpoint_still_resumes(tmp_path):
    features = np.random.default_rng(0).normal(size=(40, 4)).astype(np.float32)
    labels = np.repeat([0, 1], 20)
    config = TrainingConfig(epochs=2, hidden=(8,), batch_size=8)
    train(features, labels, 2, config, checkpoint=tmp_path / "run.pt", progress=False)
    model = BayesianMLP(4, 2, (8,), config.dropout)
    state = resume_checkpoint(tmp_path / "run.pt", config, model, torch.optim.Adam(model.parameters()))
    assert state["epoch"] == 2


def test_model_weights_that_carry_code_are_refused(tmp_path):
    network = BayesianMLP(SoapSettings().n_features, 2, (8,), 0.1)
    Classifier.from_model(network, ["fcc_Cu", "bcc_W"], SoapSettings()).save(tmp_path / "m")
    marker = tmp_path / MARKER
    _crafted(tmp_path / "m.pt", marker)
    record = json.loads((tmp_path / "m.json").read_text())
    record["sha256"] = sha256(tmp_path / "m.pt")  # a checksum cannot tell a crafted file from a real one
    (tmp_path / "m.json").write_text(json.dumps(record))
    with pytest.raises(ModelFileError, match="does not hold the network"):
        Classifier.load(tmp_path / "m")
    assert not marker.exists()

