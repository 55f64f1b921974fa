"""Data and training for the diffraction-fingerprint ConvNet (Ziletti et al. 2018).

The paper's seven classes are elemental solids labelled by space group, rhombohedral (166) and
hexagonal (194) merged. The paper drew 10,517 structures from AFLOWLIB; we build them from our
prototypes instead, with what varies between real elemental solids varied at random:

- the element (any of ``ELEMENTS``) and the nearest-neighbour distance (``BOND_RANGE`` Å);
- c/a of the tetragonal and hexagonal classes, in ranges that stay clear of the ratios at which
  the lattice becomes cubic (``C_OVER_A``);
- μ = c/a of the rhombohedral β-Po lattice in its hexagonal setting between √(3/8)·0.9 and
  5√(3/8)·1.1, away from μ_bcc = √(3/8), μ_sc = √(3/2), μ_fcc = √6 (the path of the paper's Fig. 4c);
- a random orientation (undone by the conventional standard cell, as in the paper).

Every structure is kept only when spglib (1e-3 Å) finds its class's space group, the paper's
condition for a correct label. Training follows the paper: Adam, learning rate 1e-3, batch 32,
5 epochs, cross-entropy, a random 90/10 split.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from ase import Atoms
from scipy.spatial.transform import Rotation
from sklearn.model_selection import train_test_split
from torch import nn
from tqdm import tqdm

from ariseml.descriptors.diffraction import (STANDARDISE_SYMPREC, DiffractionSettings, conventional_cell,
                                             fingerprint_many)
from ariseml.errors import InputError
from ariseml.io import atomic_path
from ariseml.models.convnet import DiffractionConvNet, as_tensor
from ariseml.prototypes import get_prototype
from ariseml.structure import nearest_neighbour_distance, space_group
from ariseml.training.train import resume_checkpoint, save_checkpoint

_log = logging.getLogger(__name__)

DIFFRACTION_CLASSES = ("bct139", "bct141", "hex_rh", "sc", "fcc", "diamond", "bcc")
CLASS_SPACE_GROUPS = {"bct139": (139,), "bct141": (141,), "hex_rh": (166, 194), "sc": (221,), "fcc": (225,),
                      "diamond": (227,), "bcc": (229,)}
CLASS_NAMES = {"bct139": "body-centred tetragonal (139)", "bct141": "body-centred tetragonal (141)",
               "hex_rh": "hexagonal / rhombohedral (194, 166)", "sc": "simple cubic (221)",
               "fcc": "face-centred cubic (225)", "diamond": "diamond (227)", "bcc": "body-centred cubic (229)"}

ELEMENTS = ("Li", "Na", "K", "Be", "Mg", "Ca", "Sr", "Sc", "Y", "Ti", "Zr", "Hf", "V", "Nb", "Ta", "Cr",
            "Mo", "W", "Mn", "Fe", "Ru", "Os", "Co", "Rh", "Ir", "Ni", "Pd", "Pt", "Cu", "Ag", "Au", "Zn",
            "Cd", "Hg", "Al", "In", "Tl", "C", "Si", "Ge", "Sn", "Pb", "As", "Sb", "Bi", "Po", "La", "Sm")
BOND_RANGE = (2.2, 3.4)
"""Nearest-neighbour distances (Å) drawn for the built structures, those of most elemental solids."""

C_OVER_A = {
    # body-centred tetragonal, conventional cell: bcc at c/a = 1, fcc at √2 (In: 1.52, α-Pa: 0.82)
    "bct_In": ((0.70, 0.92), (1.08, 1.33), (1.50, 1.80)),
    "beta_Sn": ((0.45, 0.75),),  # β-Sn 0.546; diamond is c/a = √2 in this setting
    "hcp_Mg": ((1.45, 1.85),),
    "dhcp_La": ((2.90, 3.70),),  # four layers per cell: twice hcp's range
}
SPECIAL_MU = (np.sqrt(3 / 8), np.sqrt(3 / 2), np.sqrt(6))
"""μ of the rhombohedral lattice at which it is bcc, sc and fcc (paper, Fig. 4c)."""
MU_RANGE = (0.9 * SPECIAL_MU[0], 1.1 * 5 * SPECIAL_MU[0])
MU_EXCLUSION = 0.06
"""Rhombohedral training structures keep |μ/μ_special - 1| above this."""
HEX_RH_PROTOTYPES = ("hcp_Mg", "dhcp_La", "beta_Po", "alpha_As", "alpha_Sm")
CUBIC_PROTOTYPES = {"sc": "sc_Po", "fcc": "fcc_Cu", "diamond": "diamond_C", "bcc": "bcc_W"}


def stretched_along_c(prototype_id: str, c_over_a: float | None = None, factor: float = 1.0) -> Atoms:
    """The prototype's conventional cell (c along z) with c/a set to ``c_over_a`` or c scaled by ``factor``."""
    cell = conventional_cell(get_prototype(prototype_id).unit_cell())
    lengths = cell.cell.lengths()
    if c_over_a is not None:
        factor = c_over_a * lengths[0] / lengths[2]
    stretch = np.diag([1.0, 1.0, factor])
    cell.set_cell(cell.cell[:] @ stretch, scale_atoms=True)
    return cell


def _uniform_in(ranges: tuple[tuple[float, float], ...], rng: np.random.Generator) -> float:
    widths = np.array([high - low for low, high in ranges])
    low, high = ranges[rng.choice(len(ranges), p=widths / widths.sum())]
    return float(rng.uniform(low, high))


def _rhombohedral_mu(rng: np.random.Generator) -> float:
    while True:
        mu = float(rng.uniform(*MU_RANGE))
        if all(abs(mu / special - 1) > MU_EXCLUSION for special in SPECIAL_MU):
            return mu


def _geometry(class_id: str, rng: np.random.Generator) -> Atoms:
    if class_id in CUBIC_PROTOTYPES:
        return conventional_cell(get_prototype(CUBIC_PROTOTYPES[class_id]).unit_cell())
    if class_id == "bct139":
        return stretched_along_c("bct_In", _uniform_in(C_OVER_A["bct_In"], rng))
    if class_id == "bct141":
        return stretched_along_c("beta_Sn", _uniform_in(C_OVER_A["beta_Sn"], rng))
    if class_id != "hex_rh":
        raise InputError(f"unknown diffraction class {class_id!r}; choose from {', '.join(DIFFRACTION_CLASSES)}")
    prototype = HEX_RH_PROTOTYPES[rng.integers(len(HEX_RH_PROTOTYPES))]
    if prototype == "beta_Po":
        return stretched_along_c(prototype, _rhombohedral_mu(rng))
    if prototype in C_OVER_A:
        return stretched_along_c(prototype, _uniform_in(C_OVER_A[prototype], rng))
    return stretched_along_c(prototype, factor=float(rng.uniform(0.92, 1.08)))  # α-As, α-Sm


def random_crystal(class_id: str, rng: np.random.Generator) -> Atoms:
    """A periodic elemental crystal of the class: random element, bond length, shape and orientation."""
    for _ in range(100):
        atoms = _geometry(class_id, rng)
        if space_group(atoms, STANDARDISE_SYMPREC) in CLASS_SPACE_GROUPS[class_id]:
            break
    else:  # pragma: no cover - the ranges above are chosen so that this does not happen
        raise RuntimeError(f"could not build a {class_id} structure that spglib recognises")
    atoms.symbols = [ELEMENTS[rng.integers(len(ELEMENTS))]] * len(atoms)
    bond = rng.uniform(*BOND_RANGE)
    atoms.set_cell(atoms.cell[:] * bond / nearest_neighbour_distance(atoms), scale_atoms=True)
    rotation = Rotation.random(random_state=rng).as_matrix()
    atoms.set_cell(atoms.cell[:] @ rotation.T, scale_atoms=True)
    return atoms


def crystal_labels(per_class: int) -> np.ndarray:
    """The class indices of ``crystal_set(per_class, ...)``, in its order (known without building it)."""
    return np.repeat(np.arange(len(DIFFRACTION_CLASSES)), per_class)


def crystal_set(per_class: int, seed: int) -> tuple[list[Atoms], np.ndarray]:
    """``per_class`` random crystals of every class and their class indices."""
    rng = np.random.default_rng(seed)
    structures = [random_crystal(class_id, rng) for class_id in DIFFRACTION_CLASSES for _ in range(per_class)]
    return structures, crystal_labels(per_class)


def _read_chunk(path: Path, rows: int) -> np.ndarray | None:
    """A cached chunk of ``rows`` fingerprints; None when it is missing, or corrupt (said, then recomputed)."""
    if not path.exists():
        return None
    try:
        block = np.load(path)  # never allow_pickle: a file's contents run no code
    except (OSError, ValueError, EOFError):
        block = None
    if block is None or len(block) != rows:
        _log.warning(f"{path} is corrupt (unreadable); it will be recomputed")
        return None
    return block


def fingerprint_dataset(per_class: int, seed: int, cache: Path, settings: DiffractionSettings = DiffractionSettings(),
                        jobs: int | None = None, progress: bool = True, chunk: int = 100
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Fingerprints and labels of ``crystal_set(per_class, seed)``, cached in chunks under ``cache``.

    An interrupted run resumes from the chunks already written; the crystals are built only when a
    chunk is missing.
    """
    identity = json.dumps({"per_class": per_class, "seed": seed, "settings": settings.to_dict()}, sort_keys=True)
    folder = Path(cache) / f"diffraction_{hashlib.sha256(identity.encode()).hexdigest()[:16]}"
    folder.mkdir(parents=True, exist_ok=True)
    labels = crystal_labels(per_class)
    structures: list[Atoms] | None = None
    bar = tqdm(total=len(labels), desc="fingerprints", unit="structure", disable=not progress)
    images = []
    for start in range(0, len(labels), chunk):
        path = folder / f"chunk_{start:06d}.npy"
        block = _read_chunk(path, min(chunk, len(labels) - start))
        if block is None:
            structures = structures or crystal_set(per_class, seed)[0]
            block = fingerprint_many(structures[start:start + chunk], settings, jobs=jobs)
            with atomic_path(path, suffix=".part.npy") as temporary:
                np.save(temporary, block)
        images.append(block)
        bar.update(len(block))
    bar.close()
    return np.concatenate(images), labels


@dataclass(frozen=True)
class ConvNetTrainingConfig:
    """The paper's training (Methods); ``test_fraction`` is its 10 % held-out split."""

    epochs: int = 5
    batch_size: int = 32
    learning_rate: float = 1e-3
    test_fraction: float = 0.1
    seed: int = 42


@dataclass
class ConvNetTrainingResult:
    model: DiffractionConvNet
    test_accuracy: float
    training_size: int
    test_size: int
    history: list[dict[str, float]]


def _accuracy(model: DiffractionConvNet, images: np.ndarray, labels: np.ndarray) -> float:
    model.eval()
    with torch.no_grad():
        predicted = torch.cat([model(as_tensor(images[i:i + 256])).argmax(1) for i in range(0, len(images), 256)])
    return float((predicted.numpy() == labels).mean())


def train_convnet(images: np.ndarray, labels: np.ndarray, config: ConvNetTrainingConfig = ConvNetTrainingConfig(),
                  checkpoint: Path | None = None, progress: bool = True) -> ConvNetTrainingResult:
    """Train on a stratified random split; the model after the last epoch is kept (as in the paper).

    With ``checkpoint``, the state after each epoch is saved there and an interrupted run resumes.
    """
    train_x, test_x, train_y, test_y = train_test_split(images, labels, test_size=config.test_fraction,
                                                        stratify=labels, random_state=config.seed)
    torch.manual_seed(config.seed)
    model = DiffractionConvNet(len(DIFFRACTION_CLASSES), n_pixels=images.shape[1])
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    loss_function = nn.CrossEntropyLoss()
    state = resume_checkpoint(checkpoint, config, model, optimizer) or {"epoch": 0, "history": []}
    history = state["history"]
    inputs, targets = as_tensor(train_x), torch.from_numpy(np.asarray(train_y, np.int64))
    for epoch in range(state["epoch"], config.epochs):
        model.train()
        order = torch.randperm(len(inputs))
        batches = order.split(config.batch_size)
        running = 0.0
        for batch in tqdm(batches, desc=f"epoch {epoch + 1}/{config.epochs}", disable=not progress, leave=False):
            optimizer.zero_grad()
            loss = loss_function(model(inputs[batch]), targets[batch])
            loss.backward()
            optimizer.step()
            running += loss.item() * len(batch)
        history.append({"epoch": epoch + 1, "loss": running / len(inputs),
                        "test_accuracy": _accuracy(model, test_x, test_y)})
        if progress:
            tqdm.write(f"epoch {epoch + 1}: loss {history[-1]['loss']:.4f}, "
                       f"test accuracy {100 * history[-1]['test_accuracy']:.2f} %")
        state["epoch"] = epoch + 1
        if checkpoint is not None:
            save_checkpoint(checkpoint, config, model, optimizer, state)
    return ConvNetTrainingResult(model, _accuracy(model, test_x, test_y), len(train_y), len(test_y), history)
