"""Output files and processes: pool workers end with their parent; models, rankings and matrices are written
whole or not at all."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from ariseml.classifier import Classifier, ModelFileError
from ariseml.descriptors.soap import SoapSettings
from ariseml.models.bayesian_mlp import BayesianMLP

POOL_SCRIPT = """
import os, sys, time
from ariseml.parallel import progress_map

def nap(item):
    open(os.path.join(sys.argv[1], str(os.getpid())), "w").close()
    time.sleep(120)

for _ in progress_map(nap, list(range(4)), jobs=2):
    pass
"""


def _alive(pid: int) -> bool:
    """Whether a process runs (a zombie waiting to be reaped has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kernel's parent-death signal is Linux's")
def test_pool_workers_end_when_their_parent_is_killed(tmp_path):
    parent = subprocess.Popen([sys.executable, "-c", POOL_SCRIPT, str(tmp_path)])
    try:
        deadline = time.monotonic() + 60
        while len(list(tmp_path.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        workers = [int(p.name) for p in tmp_path.iterdir()]
        assert len(workers) == 2
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [pid for pid in workers if _alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, "pool workers outlived their killed parent"


RECYCLING_SCRIPT = """
from ariseml.parallel import progress_map

def identity(x):
    return x

for _ in range(25):  # workers are replaced every 20 tasks, then the pool is terminated
    assert sorted(progress_map(identity, list(range(300)), jobs=2, ordered=False)) == list(range(300))
"""


def test_a_pool_that_replaced_its_workers_ends_without_hanging():
    subprocess.run([sys.executable, "-c", RECYCLING_SCRIPT], check=True, timeout=120)


def _tiny_classifier() -> Classifier:
    settings = SoapSettings()
    network = BayesianMLP(settings.n_features, 2, (8,), 0.05)
    return Classifier.from_model(network, ["fcc_Cu", "bcc_W"], settings)


def test_a_model_is_written_as_a_matching_pair_or_not_at_all(tmp_path, monkeypatch):
    stem = tmp_path / "model"
    _tiny_classifier().save(stem)
    weights, metadata = stem.with_suffix(".pt").read_bytes(), stem.with_suffix(".json").read_text()
    Classifier.load(stem)

    def interrupted(state, target):
        Path(target).write_bytes(b"half a weights file")
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", interrupted)  # killed while writing the new weights
    with pytest.raises(KeyboardInterrupt):
        _tiny_classifier().save(stem)
    assert stem.with_suffix(".pt").read_bytes() == weights and stem.with_suffix(".json").read_text() == metadata
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json", "model.pt"]  # no temporaries left
    monkeypatch.undo()

    newer = tmp_path / "newer"
    _tiny_classifier().save(newer)
    stem.with_suffix(".pt").write_bytes(newer.with_suffix(".pt").read_bytes())  # killed between the two renames
    with pytest.raises(ModelFileError, match="checksum"):
        Classifier.load(stem)


def _disk_full() -> None:
    raise OSError(28, "No space left on device")


def test_the_tune_ranking_is_replaced_whole_or_not_at_all(tmp_path, monkeypatch):
    from click.testing import CliRunner

    import ariseml.training.dataset as dataset
    import ariseml.training.tune as tune
    from ariseml.cli import main

    monkeypatch.setattr(dataset, "load_for_training", lambda cache: (np.zeros((4, 3)), np.zeros(4), ["a", "b"]))
    monkeypatch.setattr(tune, "search", lambda *args, **kwargs: [{"validation_accuracy": 0.9, "n_layers": 2}])
    output = tmp_path / "ranking.json"
    output.write_text('[{"validation_accuracy": 0.5}]')
    write_text = Path.write_text
    monkeypatch.setattr(Path, "write_text", lambda path, text: (write_text(path, text[:5]), _disk_full()))
    result = CliRunner().invoke(main, ["tune", "--data", str(tmp_path), "-o", str(output)])
    monkeypatch.undo()
    assert result.exit_code == 2 and "No space left" in result.output, result.output
    assert json.loads(output.read_text()) == [{"validation_accuracy": 0.5}]
    assert [p.name for p in tmp_path.iterdir()] == ["ranking.json"]


def test_the_similarity_matrix_is_replaced_whole_or_not_at_all(tmp_path, monkeypatch):
    from ariseml import explore

    path = tmp_path / "similarity.npy"
    explore.files.write_similarity(path, np.eye(3))
    monkeypatch.setattr(np, "save", lambda handle, array: (handle.write(b"\x93NUMPY"), _disk_full()))
    with pytest.raises(OSError, match="No space left"):
        explore.files.write_similarity(path, np.ones((40, 40)))
    monkeypatch.undo()
    assert np.array_equal(np.load(path), np.eye(3)) and [p.name for p in tmp_path.iterdir()] == [path.name]


def test_numpy_never_unpickles_a_file_of_ours():
    import ariseml

    sources = Path(ariseml.__file__).parent.rglob("*.py")
    assert not [str(path) for path in sources if "allow_pickle=True" in path.read_text()]
