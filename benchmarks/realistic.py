"""The realistic evaluation suite: thermal motion, melts, real materials, experimental images, peers.

    python benchmarks/realistic.py [--model paper] [--model realistic] [--model PATH] [--samples 1000]
                                   [--parts md,real,pristine,stem,aet,peers,unknown] [--out realistic-results]

Scores each model side by side on the parts chosen with --parts:

- ``md``: molecular-dynamics snapshots (benchmarks/realistic_md.py) per system and T/T_m: the share
  of crystal snapshots answered right with the mean and lowest top probability; for the melts
  (1.5 T_m) the mean top probability, the share answered with a crystal class at top probability
  >= 0.9 (a confident crystal answer for a liquid is a failure) and the ROC AUC of melt against crystal scored by
  1 - the highest probability of a crystal class (a model may have the class "not_a_crystal") and
  by the predictive entropy.
- ``real``: real materials (benchmarks/real_materials.py), clean and defective: accuracy per defect
  level overall and per class, and every wrong answer.
- ``pristine``: the periodic cell and supercells 0-2 of all 108 classes (nanotubes their tube only):
  right, right with top probability >= 0.9, and the structures of lowest margin (probability of the
  true class minus the highest other one).
- ``stem``: the two STEM graphene images of ARISE Fig. 3a and 3b (paper: both graphene, 3b at 79 %
  with the higher uncertainty), from the data published with ARISE (--reference).
- ``aet``: the whole FePt nanoparticle of Fig. 4 as one structure; fcc, L1₂ or L1₀ is right.
- ``peers``: OVITO's PTM, adaptive CNA and bond-angle analysis on the MD snapshots: the share of
  atoms given the expected structure (where the method knows it) beside the model's share of
  snapshots answered right.
- ``unknown``: 60 elemental and binary AFLOW prototypes that are none of the 108 classes (another
  space group, species count or primitive cell): how many get a confident answer anyway.

Then a summary of the headline numbers beside the targets, with the expected calibration error
(10 bins of top probability) over every structure of the run with a known answer. Tables are
printed as markdown and written as CSV to --out, with every structure's answer. Answers are cached
per model (weights' sha256), T, seed and structure under ~/.cache/ariseml/realistic, so a rerun
only classifies what is new.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import ase.io
import numpy as np
from ase import Atoms
from sklearn.metrics import roc_auc_score
from tqdm import tqdm

from ariseml import __version__
from ariseml.evaluation import calibration
from ariseml.classifier import DEFAULT_MODEL, Classifier, DiffractionClassifier, load_classifier
from ariseml.caches import cache_folder
from ariseml.errors import InputError
from ariseml.io import atomic_path
from ariseml.parallel import progress_map
from ariseml.prototypes import NOT_A_CRYSTAL
from ariseml.structure import symmetry_dataset
from ariseml.training.paper_set import pristine_structures
from reference_data import AET_PARTICLE, add_reference_option

PARTS = ("md", "real", "pristine", "stem", "aet", "peers", "unknown")
SEED = 0
UNKNOWN_CRYSTALS = 60
"""How many AFLOW prototypes outside the set the part 'unknown' draws."""
SIGNATURE_SYMPREC = 1e-3
"""spglib's tolerance (Å) for the space group and primitive cell that tell structure types apart."""
CONFIDENT = 0.9
"""A top probability at or above this is a confident answer."""
ECE_BINS = 10
BATCH = 64
"""Structures described and classified together; the cache is written after each batch."""
LOWEST_MARGINS = 10
DEFECT_LEVELS = ("clean", "noise3", "noise3_missing20")
STEM_IMAGES = {"3a": Path("Fig_3") / "Fig_3_a_STEM.xyz", "3b": Path("Fig_3") / "Fig_3_b_STEM.xyz"}
STEM_PAPER = {"3a": "graphene", "3b": "graphene, 79 %, higher uncertainty"}
FCC_FAMILY = ("fcc_Cu", "L12_Cu3Au", "L10_CuAu")
"""Right answers for the AET particle: chemically disordered fcc with L1₂ and L1₀ regions."""
PEER_METHODS = {"ptm": "PTM", "acna": "a-CNA", "baa": "BAA"}
MD_TARGETS = (("up to 0.9 T_m", 0.99, lambda t_over_tm: t_over_tm <= 0.9 + 1e-9),
              ("at T_m", 0.95, lambda t_over_tm: math.isclose(t_over_tm, 1.0)))
"""The share of crystal snapshots that must be right on every system, and at which T/T_m."""
MELT_AUC_TARGET = 0.99
REAL_TARGETS = {"clean": 0.98, "noise3": 0.95, "noise3_missing20": 0.95}
ECE_TARGET = 0.02
Model = Classifier | DiffractionClassifier


# -- results and their tables ------------------------------------------------------------------
@dataclass
class Answers:
    """One model's answers on a list of structures: mean class probabilities, mutual information and
    predictive entropy (nats) per structure."""

    classes: list[str]
    probabilities: np.ndarray  # (structures, classes)
    mutual_information: np.ndarray
    predictive_entropy: np.ndarray

    @property
    def answer(self) -> np.ndarray:
        return np.asarray(self.classes)[self.probabilities.argmax(axis=1)]

    @property
    def confidence(self) -> np.ndarray:
        """The top class's probability."""
        return self.probabilities.max(axis=1)

    def subset(self, rows: np.ndarray) -> Answers:
        return Answers(self.classes, self.probabilities[rows], self.mutual_information[rows],
                       self.predictive_entropy[rows])

    def scored(self, right: np.ndarray, truth: Sequence[str]) -> calibration.Answers:
        """The answers judged right or wrong against the true classes ``truth``, for the calibration error."""
        return calibration.Answers(self.confidence, self.mutual_information, self.predictive_entropy,
                                   np.asarray(right, dtype=bool), np.asarray(truth))


def margins(answers: Answers, expected: Sequence[str]) -> np.ndarray:
    """Probability of the expected class minus the highest other one (negative: answered wrong)."""
    margin = np.empty(len(expected))
    for row, (probabilities, truth) in enumerate(zip(answers.probabilities, expected)):
        true = answers.classes.index(truth) if truth in answers.classes else None
        own = probabilities[true] if true is not None else 0.0
        margin[row] = own - np.delete(probabilities, [] if true is None else [true]).max()
    return margin


def calibration_error(scored: Sequence[calibration.Answers]) -> float:
    """ECE over ECE_BINS bins of top probability, over all the scored answers."""
    return calibration.expected_calibration_error(calibration.Answers.join(scored), bins=ECE_BINS)


def melt_score(answers: Answers) -> np.ndarray:
    """How much the model doubts a crystal: 1 − the highest probability of a crystal class (a model with the
    class ``NOT_A_CRYSTAL`` says "melt" outright; without it this is 1 − top probability)."""
    crystal = np.asarray(answers.classes) != NOT_A_CRYSTAL
    return 1 - answers.probabilities[:, crystal].max(axis=1)


def confident_crystal(answers: Answers) -> np.ndarray:
    """Answers of a crystal class at top probability ≥ ``CONFIDENT``: for a melt, a failure."""
    return (answers.answer != NOT_A_CRYSTAL) & (answers.confidence >= CONFIDENT)


def melt_auc(melt: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC of ``score`` for "this snapshot is a melt"; nan without both melts and crystals."""
    melt = np.asarray(melt, dtype=bool)
    return float(roc_auc_score(melt, score)) if 0 < melt.sum() < melt.size else math.nan


def cell(value: Any, spec: str = "") -> str:
    """A table cell: ``spec`` "%" shows a fraction as a percentage; None and nan show as "–"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if spec == "%":
        return f"{100 * value:.1f} %"
    return format(value, spec)


@dataclass
class Table:
    """A table of results: raw values in CSV, formatted per column (``cell``) in markdown."""

    name: str  # the CSV file's stem
    title: str
    columns: list[tuple[str, str]]  # header, format spec
    rows: list[list[Any]] = field(default_factory=list)

    def markdown(self) -> str:
        lines = ["| " + " | ".join(header for header, _ in self.columns) + " |",
                 "|" + "---|" * len(self.columns)]
        lines += ["| " + " | ".join(cell(value, spec) for value, (_, spec) in zip(row, self.columns)) + " |"
                  for row in self.rows]
        return "\n".join(lines)

    def write_csv(self, folder: Path) -> Path:
        path = folder / f"{self.name}.csv"
        with atomic_path(path) as temporary, open(temporary, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header for header, _ in self.columns)
            writer.writerows(["" if value is None else value for value in row] for row in self.rows)
        return path


@dataclass
class Headline:
    """A row of the summary: a number per model beside its target."""

    metric: str
    target: str
    values: list[str]


def judged(text: str, met: bool) -> str:
    return f"{text} {'✓' if met else '✗'}"


@dataclass
class Outcome:
    """What a part gives: its tables, its summary rows, and per model the answers with a known right
    answer (for the calibration error)."""

    tables: list[Table]
    headlines: list[Headline] = field(default_factory=list)
    scored: dict[str, list[calibration.Answers]] = field(default_factory=dict)


def answer_table(name: str, title: str, labels: Sequence[dict[str, Any]], expected: Sequence[str],
                 results: dict[str, Answers]) -> Table:
    """Every structure's answer from every model; ``labels`` are the structures' own columns."""
    keys = list(labels[0]) if labels else []
    table = Table(name, title, [(key, "") for key in keys] + [
        ("expected", ""), ("model", ""), ("answer", ""), ("probability", ".3f"), ("mutual information", ".4f"),
        ("predictive entropy", ".4f"), ("right", "")])
    for model, answers in results.items():
        for row, (label, truth) in enumerate(zip(labels, expected)):
            answer = answers.answer[row]
            table.rows.append([label[key] for key in keys] + [
                truth, model, answer, float(answers.confidence[row]), float(answers.mutual_information[row]),
                float(answers.predictive_entropy[row]), bool(answer == truth)])
    return table


# -- the cache of answers ----------------------------------------------------------------------
def structure_key(atoms: Atoms) -> str:
    """sha256 of what the answer depends on: atomic numbers, positions, cell and periodicity."""
    digest = hashlib.sha256()
    for array in (atoms.numbers.astype(np.int64), atoms.positions.astype(np.float64),
                  atoms.cell.array.astype(np.float64), atoms.pbc.astype(bool)):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def answer_key(model_sha256: str, samples: int, seed: int | None, structure: str) -> str:
    """The cache key of one model's answer on one structure."""
    return hashlib.sha256(json.dumps([__version__, model_sha256, samples, seed, structure]).encode()).hexdigest()


def _read_npz(path: Path) -> dict[str, np.ndarray] | None:
    """The arrays of a cache file; None when it is missing or unreadable (then it is computed again)."""
    try:
        with np.load(path) as stored:
            return {name: stored[name] for name in stored.files}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None


def _write_npz(path: Path, **arrays: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path, suffix=".npz") as temporary:
        np.savez(temporary, **arrays)


# -- the suite -----------------------------------------------------------------------------------
@dataclass
class Suite:
    """The models, where the data and the cache are, and the parts' shared inputs."""

    models: dict[str, Model]
    cache: Path
    reference: Path
    md_folder: Path | None = None
    jobs: int | None = None
    described: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    """Descriptors computed in this run, by descriptor settings and structure: models of the same settings share
    them (the MD part's 740 frames of 2,000 atoms take a quarter of an hour to describe)."""

    def answers(self, model: str, structures: Sequence[Atoms], what: str) -> Answers:
        """The model's answers on the structures: from the cache, the others classified in batches."""
        classifier = self.models[model]
        structure_keys = [structure_key(atoms) for atoms in structures]
        keys = [answer_key(classifier.metadata_["sha256"], classifier.samples, classifier.seed, structure)
                for structure in structure_keys]
        paths = [self.cache / "answers" / key[:2] / f"{key}.npz" for key in keys]
        rows: dict[int, dict[str, np.ndarray]] = {}
        for number, path in enumerate(paths):
            if (stored := _read_npz(path)) is not None and stored["probabilities"].size == len(classifier.classes_):
                rows[number] = stored
        missing = [number for number in range(len(structures)) if number not in rows]
        with tqdm(total=len(missing), desc=f"{model}: {what}", unit="structure", disable=not missing) as bar:
            for start in range(0, len(missing), BATCH):
                batch = missing[start:start + BATCH]
                features = self._features(classifier, [structures[number] for number in batch],
                                          [structure_keys[number] for number in batch])
                for number, result in zip(batch, classifier.predict_descriptors(features, top=1)):
                    rows[number] = {"probabilities": result.probabilities,
                                    "mutual_information": np.array(result.mutual_information),
                                    "predictive_entropy": np.array(result.predictive_entropy)}
                    _write_npz(paths[number], **rows[number])
                bar.update(len(batch))
        ordered = [rows[number] for number in range(len(structures))]
        return Answers(list(classifier.classes_),
                       np.stack([row["probabilities"] for row in ordered]).astype(float),
                       np.array([float(row["mutual_information"]) for row in ordered]),
                       np.array([float(row["predictive_entropy"]) for row in ordered]))

    def _features(self, classifier: Model, structures: Sequence[Atoms], keys: Sequence[str]) -> np.ndarray:
        """The structures' descriptors at the classifier's settings, each computed once in this run."""
        settings = f"{type(classifier).__name__} {json.dumps(classifier.settings_.to_dict(), sort_keys=True)}"
        todo = [number for number, key in enumerate(keys) if (settings, key) not in self.described]
        if todo:
            for number, row in zip(todo, classifier.describe([structures[number] for number in todo])):
                self.described[(settings, keys[number])] = row
        return np.stack([self.described[(settings, key)] for key in keys])

    def all_answers(self, structures: Sequence[Atoms], what: str) -> dict[str, Answers]:
        return {model: self.answers(model, structures, what) for model in self.models}

    @cached_property
    def md_frames(self) -> list[Atoms]:
        from realistic_md import md_frames

        return md_frames(self.md_folder)

    def peer_counts(self, frames: Sequence[Atoms]) -> list[dict[str, dict[str, int]]]:
        """Per frame and peer method, how many atoms got each label; cached per OVITO version and frame."""
        import ovito

        from ariseml.evaluation.peers_ovito import PTM_RMSD_CUTOFF

        keys = [hashlib.sha256(json.dumps(["peers", list(ovito.version), PTM_RMSD_CUTOFF, list(PEER_METHODS),
                                           structure_key(atoms)]).encode()).hexdigest() for atoms in frames]
        paths = [self.cache / "peers" / key[:2] / f"{key}.json" for key in keys]
        counts: dict[int, dict[str, dict[str, int]]] = {}
        for number, path in enumerate(paths):
            try:
                counts[number] = json.loads(path.read_text())
            except (OSError, ValueError):
                pass
        missing = [number for number in range(len(frames)) if number not in counts]
        computed = progress_map(_peer_labels, [frames[number] for number in missing], self.jobs,
                                progress=bool(missing), desc="peers", unit="frame")
        for number, result in zip(missing, computed):
            paths[number].parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(paths[number]) as temporary:
                Path(temporary).write_text(json.dumps(result))
            counts[number] = result
        return [counts[number] for number in range(len(frames))]


def _peer_labels(atoms: Atoms) -> dict[str, dict[str, int]]:
    """Per peer method, how many atoms of ``atoms`` got each label."""
    from ariseml.evaluation.peers_ovito import per_atom_labels

    return {method: dict(Counter(per_atom_labels(atoms, method).tolist())) for method in PEER_METHODS}


# -- the parts ---------------------------------------------------------------------------------
def _info(frames: Sequence[Atoms], key: str) -> np.ndarray:
    return np.array([atoms.info[key] for atoms in frames])


def _share(right: np.ndarray, where: np.ndarray) -> float:
    """The share of right answers among the structures ``where`` is true; nan for none."""
    return float(right[where].mean()) if where.any() else math.nan


def _md_groups(frames: Sequence[Atoms]) -> dict[tuple[str, float], np.ndarray]:
    """Row indices per (system, T/T_m), sorted."""
    groups: dict[tuple[str, float], list[int]] = defaultdict(list)
    for number, atoms in enumerate(frames):
        groups[(atoms.info["system"], float(atoms.info["t_over_tm"]))].append(number)
    return {key: np.array(groups[key]) for key in sorted(groups)}


def part_md(suite: Suite) -> Outcome:
    frames = suite.md_frames
    results = suite.all_answers(frames, "MD snapshots")
    expected = _info(frames, "class_id")
    system = _info(frames, "system")
    melt = _info(frames, "melt").astype(bool)
    crystal = Table("md_crystal", "MD: crystal snapshots per system and T/T_m", [
        ("system", ""), ("class", ""), ("T/T_m", "g"), ("T (K)", ".0f"), ("snapshots", ""), ("model", ""),
        ("right", "%"), ("mean top probability", ".3f"), ("lowest top probability", ".3f")])
    melts = Table("md_melt", "MD: melts, and melt against crystal (ROC AUC over the system's snapshots)", [
        ("system", ""), ("T/T_m", "g"), ("snapshots", ""), ("model", ""), ("mean top probability", ".3f"),
        (f"crystal class at ≥ {CONFIDENT:g}", "%"), ("most common answer", ""),
        ("AUC, 1 − highest crystal probability", ".4f"), ("AUC, predictive entropy", ".4f")])
    outcome = Outcome([crystal, melts])
    rights: list[tuple[str, float, float, str]] = []  # model, T/T_m, share right, system
    for (name, t_over_tm), rows in _md_groups(frames).items():
        same_system = system == name
        for model, answers in results.items():
            group = answers.subset(rows)
            if melt[rows].all():
                melts.rows.append([name, t_over_tm, len(rows), model, float(group.confidence.mean()),
                                   float(confident_crystal(group).mean()),
                                   Counter(group.answer.tolist()).most_common(1)[0][0],
                                   melt_auc(melt[same_system], melt_score(answers)[same_system]),
                                   melt_auc(melt[same_system], answers.predictive_entropy[same_system])])
                continue
            right = float((group.answer == expected[rows]).mean())
            rights.append((model, t_over_tm, right, name))
            crystal.rows.append([name, expected[rows[0]], t_over_tm, float(frames[rows[0]].info["temperature"]),
                                 len(rows), model, right, float(group.confidence.mean()),
                                 float(group.confidence.min())])
    pooled = []
    for model, answers in results.items():
        auc = (melt_auc(melt, melt_score(answers)), melt_auc(melt, answers.predictive_entropy))
        # judged on the melt score alone: a model with the class not_a_crystal answers a melt with confidence,
        # so its entropy is low there (shown for comparison)
        pooled.append(judged(f"{cell(auc[0], '.3f')} / {cell(auc[1], '.3f')}", auc[0] >= MELT_AUC_TARGET))
        melts.rows.append(["all systems", None, int(melt.sum()), model, float(answers.confidence[melt].mean()),
                           float(confident_crystal(answers.subset(np.flatnonzero(melt))).mean()), None, *auc])
        crystals = np.flatnonzero(~melt)
        outcome.scored[model] = [answers.subset(crystals).scored(answers.answer[crystals] == expected[crystals],
                                                                 expected[crystals])]
    for where, limit, chosen in MD_TARGETS:
        values = []
        for model in results:
            shares = [(right, f"{name} at {t:g} T_m") for m, t, right, name in rights if m == model and chosen(t)]
            worst = min(shares, default=None)
            values.append("–" if worst is None else judged(f"{cell(worst[0], '%')} ({worst[1]})", worst[0] >= limit))
        outcome.headlines.append(Headline(f"MD crystal snapshots right {where} (worst)",
                                          f"≥ {100 * limit:g} % every system", values))
    outcome.headlines.append(Headline("melt vs crystal ROC AUC, all systems (1 − crystal p / entropy)",
                                      f"≥ {MELT_AUC_TARGET:g}", pooled))
    outcome.tables.append(answer_table("md_answers", "MD: every snapshot's answer", [
        {key: atoms.info[key] for key in ("system", "potential", "t_over_tm", "temperature", "melt", "snapshot")}
        for atoms in frames], expected.tolist(), results))
    return outcome


def part_real(suite: Suite) -> Outcome:
    from real_materials import real_material_structures

    structures = real_material_structures(seed=0)
    results = suite.all_answers(structures, "real materials")
    expected = _info(structures, "class_id")
    defect = _info(structures, "defect")
    classes = sorted(set(expected))
    levels = Table("real_levels", "Real materials: accuracy per defect level",
                   [("model", "")] + [(level, "%") for level in DEFECT_LEVELS] + [("structures", "")])
    per_class = Table("real_classes", "Real materials: accuracy per class and defect level",
                      [("class", ""), ("model", "")] + [(level, "%") for level in DEFECT_LEVELS])
    wrong = Table("real_wrong", "Real materials: the wrong answers", [
        ("model", ""), ("compound", ""), ("form", ""), ("defect", ""), ("expected", ""), ("answer", ""),
        ("probability", ".3f")])
    outcome = Outcome([levels, per_class, wrong])
    accuracy: dict[str, dict[str, float]] = {}
    for model, answers in results.items():
        right = answers.answer == expected
        accuracy[model] = {level: _share(right, defect == level) for level in DEFECT_LEVELS}
        levels.rows.append([model, *accuracy[model].values(), len(structures)])
        for name in classes:
            per_class.rows.append([name, model, *(_share(right, (expected == name) & (defect == level))
                                                  for level in DEFECT_LEVELS)])
        for number in np.flatnonzero(~right):
            info = structures[number].info
            wrong.rows.append([model, info["compound"], info["form"], info["defect"], expected[number],
                               answers.answer[number], float(answers.confidence[number])])
        outcome.scored[model] = [answers.scored(right, expected)]
    for level, limit in REAL_TARGETS.items():
        outcome.headlines.append(Headline(f"real materials, {level}", f"≥ {100 * limit:g} %", [
            judged(cell(accuracy[m][level], "%"), accuracy[m][level] >= limit) for m in results]))
    outcome.tables.append(answer_table("real_answers", "Real materials: every structure's answer", [
        {key: atoms.info[key] for key in ("compound", "form", "defect", "source")} for atoms in structures],
        expected.tolist(), results))
    return outcome


def part_pristine(suite: Suite) -> Outcome:
    structures = pristine_structures()
    atoms = [structure.atoms() for structure in structures]
    expected = [structure.prototype.id for structure in structures]
    results = suite.all_answers(atoms, "pristine")
    summary = Table("pristine", f"Pristine: the {len(structures)} structures of the 108 classes", [
        ("model", ""), ("structures", ""), ("right", ""), (f"right with top probability ≥ {CONFIDENT:g}", ""),
        ("lowest margin", ".3f")])
    lowest = Table("pristine_lowest_margins",
                   f"Pristine: the {LOWEST_MARGINS} structures of lowest margin (p(true) − highest other p)",
                   [("model", ""), ("structure", ""), ("answer", ""), ("probability", ".3f"), ("margin", ".3f")])
    outcome = Outcome([summary, lowest])
    for model, answers in results.items():
        right = answers.answer == np.asarray(expected)
        confident = int((right & (answers.confidence >= CONFIDENT)).sum())
        margin = margins(answers, expected)
        summary.rows.append([model, len(structures), int(right.sum()), confident, float(margin.min())])
        for number in np.argsort(margin, kind="stable")[:LOWEST_MARGINS]:
            lowest.rows.append([model, structures[number].name, answers.answer[number],
                                float(answers.confidence[number]), float(margin[number])])
        outcome.scored[model] = [answers.scored(right, expected)]
    outcome.headlines.append(Headline(f"pristine right / right with p ≥ {CONFIDENT:g}", "all right, all ≥ 0.9", [
        judged(f"{row[2]} / {row[3]} of {row[1]}", row[3] == row[1]) for row in summary.rows]))
    outcome.tables.append(answer_table("pristine_answers", "Pristine: every structure's answer",
                                       [{"structure": s.name} for s in structures], expected, results))
    return outcome


def part_stem(suite: Suite) -> Outcome:
    images = [ase.io.read(suite.reference / path) for path in STEM_IMAGES.values()]
    results = suite.all_answers(images, "STEM images")
    table = Table("stem", "STEM images of ARISE Fig. 3 (positions in pixels)", [
        ("image", ""), ("atoms", ""), ("model", ""), ("answer", ""), ("probability", ".3f"),
        ("mutual information", ".4f"), ("predictive entropy", ".4f"), ("paper", "")])
    outcome = Outcome([table])
    values = []
    for model, answers in results.items():
        for number, name in enumerate(STEM_IMAGES):
            table.rows.append([name, len(images[number]), model, answers.answer[number],
                               float(answers.confidence[number]), float(answers.mutual_information[number]),
                               float(answers.predictive_entropy[number]), STEM_PAPER[name]])
        right = answers.answer == "graphene"
        information = answers.mutual_information
        values.append(judged(" / ".join(f"{a} {p:.2f}" for a, p in zip(answers.answer, answers.confidence))
                             + f"; MI {information[0]:.3g} / {information[1]:.3g}",
                             bool(right.all()) and information[1] > information[0]))
        outcome.scored[model] = [answers.scored(right, ["graphene"] * len(images))]
    outcome.headlines.append(Headline("STEM 3a / 3b", "both graphene, MI(3b) > MI(3a)", values))
    return outcome


def part_aet(suite: Suite) -> Outcome:
    particle = ase.io.read(suite.reference / AET_PARTICLE)
    results = suite.all_answers([particle], "AET particle")
    table = Table("aet", f"The AET FePt nanoparticle of ARISE Fig. 4, {len(particle):,} atoms, as one structure", [
        ("model", ""), ("top classes", ""), ("mutual information", ".4f"), ("predictive entropy", ".4f"),
        ("fcc family", "")])
    outcome = Outcome([table])
    values = []
    for model, answers in results.items():
        probabilities = answers.probabilities[0]
        top = ", ".join(f"{answers.classes[i]} {probabilities[i]:.3f}" for i in np.argsort(probabilities)[::-1][:3])
        right = answers.answer[0] in FCC_FAMILY
        table.rows.append([model, top, float(answers.mutual_information[0]), float(answers.predictive_entropy[0]),
                           right])
        values.append(judged(f"{answers.answer[0]} {answers.confidence[0]:.2f}", right))
        outcome.scored[model] = [answers.scored(np.array([right]), ["fcc family"])]
    outcome.headlines.append(Headline("AET particle", "fcc, L1₂ or L1₀", values))
    return outcome


def part_peers(suite: Suite) -> Outcome:
    from ariseml.evaluation.peers_ovito import DESIGNED_CLASSES

    frames = suite.md_frames
    counts = suite.peer_counts(frames)
    results = suite.all_answers(frames, "MD snapshots")
    expected = _info(frames, "class_id")
    table = Table("peers", "Peers on the MD snapshots: share of atoms given the expected structure "
                           "(– where the method does not know it) beside the share of snapshots the model answers "
                           "with it", [("system", ""), ("class", ""), ("T/T_m", "g"), ("melt", "")]
                  + [(label, "%") for label in PEER_METHODS.values()] + [(model, "%") for model in results])
    for (system, t_over_tm), rows in _md_groups(frames).items():
        class_id = expected[rows[0]]
        shares = []
        for method in PEER_METHODS:
            label = DESIGNED_CLASSES[method].get(class_id)
            shares.append(None if label is None else
                          sum(counts[r][method].get(label, 0) for r in rows) / sum(len(frames[r]) for r in rows))
        table.rows.append([system, class_id, t_over_tm, bool(frames[rows[0]].info["melt"]), *shares,
                           *(float((answers.answer[rows] == class_id).mean()) for answers in results.values())])
    return Outcome([table])


def _class_signature(atoms: Atoms) -> tuple[int, int, int]:
    """Space group, number of species and atoms per primitive cell: what tells two structure types apart here."""
    from ariseml.prototypes.builders import primitive_cell

    dataset = symmetry_dataset(atoms, SIGNATURE_SYMPREC)
    return int(dataset.number), len(set(atoms.numbers)), len(primitive_cell(atoms, SIGNATURE_SYMPREC))


def unknown_crystals(count: int = UNKNOWN_CRYSTALS, seed: int = SEED) -> list[tuple[str, Atoms]]:
    """``count`` elemental and binary AFLOW prototypes of at most 16 atoms that are none of the 108 classes:
    neither their label nor their space group, number of species and primitive-cell size is a class's."""
    from ariseml.prototypes import all_prototypes
    from ariseml.prototypes.builders import aflow_labels, aflow_structure

    taken = {_class_signature(p.unit_cell()) for p in all_prototypes() if not p.is_nanotube and not p.is_2d}
    labels = {p.definition.get("aflow_label") for p in all_prototypes()}
    candidates = []
    for label in aflow_labels():
        if label in labels:
            continue
        try:
            atoms = aflow_structure(label)
        except LookupError:  # a label the library repeats with other tags
            continue
        if len(set(atoms.numbers)) <= 2 and len(atoms) <= 16 and _class_signature(atoms) not in taken:
            candidates.append((label, atoms))
    rng = np.random.default_rng(seed)
    return [candidates[i] for i in sorted(rng.choice(len(candidates), size=min(count, len(candidates)),
                                                      replace=False))]


def part_unknown(suite: Suite) -> Outcome:
    crystals = unknown_crystals()
    results = suite.all_answers([atoms for _, atoms in crystals], "crystals of no class")
    table = Table("unknown", f"Crystals of no class: {len(crystals)} elemental and binary AFLOW prototypes outside "
                             "the set", [("prototype", ""), ("formula", ""), ("model", ""), ("answer", ""),
                                         ("probability", ".3f"), ("mutual information", ".4f")])
    outcome = Outcome([table])
    values = []
    for model, answers in results.items():
        for number, (label, atoms) in enumerate(crystals):
            table.rows.append([label, atoms.get_chemical_formula(), model, answers.answer[number],
                               float(answers.confidence[number]), float(answers.mutual_information[number])])
        confident = int((answers.confidence >= CONFIDENT).sum())
        values.append(f"{confident} of {len(crystals)} (median top p {np.median(answers.confidence):.2f})")
    outcome.headlines.append(Headline(f"crystals of no class answered at p ≥ {CONFIDENT:g}", "none set; fewer is "
                                      "better", values))
    return outcome


PART_FUNCTIONS: dict[str, Callable[[Suite], Outcome]] = {
    "md": part_md, "real": part_real, "pristine": part_pristine, "stem": part_stem, "aet": part_aet,
    "peers": part_peers, "unknown": part_unknown}


def summary(outcomes: dict[str, Outcome], models: Sequence[str]) -> Table:
    """The headline numbers of every part (by name) beside their targets, and the calibration error, over all
    parts and per part (a part with many structures, such as MD, can carry the whole error)."""
    table = Table("summary", "Summary", [("metric", ""), ("target", "")] + [(model, "") for model in models])
    for outcome in outcomes.values():
        table.rows += [[headline.metric, headline.target, *headline.values] for headline in outcome.headlines]
    scored = {model: [part for outcome in outcomes.values() for part in outcome.scored.get(model, [])]
              for model in models}
    if any(scored.values()):
        cells = []
        for model in models:
            error = calibration_error(scored[model])
            count = sum(len(part.correct) for part in scored[model])
            cells.append(judged(f"{error:.4f} ({count} structures)", error <= ECE_TARGET))
        table.rows.append([f"ECE, {ECE_BINS} bins of top probability", f"≤ {ECE_TARGET:g}", *cells])
        per_part = [" · ".join(f"{name} {calibration_error(outcome.scored[model]):.4f}"
                               for name, outcome in outcomes.items() if outcome.scored.get(model))
                    for model in models]
        table.rows.append(["ECE per part", "(for reading)", *per_part])
    return table


# -- the command -------------------------------------------------------------------------------
def parse_parts(text: str) -> list[str]:
    """The parts named in a comma-separated list, in the suite's order; ValueError for an unknown one."""
    names = {name.strip() for name in text.split(",") if name.strip()}
    unknown = names - set(PARTS)
    if unknown or not names:
        raise ValueError(f"unknown part(s) {', '.join(sorted(unknown)) or '(none given)'}; choose from "
                         f"{','.join(PARTS)}")
    return [name for name in PARTS if name in names]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", dest="models",
                        help="a shipped model's name or a path written by 'arise train'; repeat to compare "
                             f"(default {DEFAULT_MODEL} and paper)")
    parser.add_argument("--samples", type=int, default=1000, help="Monte-Carlo passes T")
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated among {','.join(PARTS)}")
    parser.add_argument("--out", type=Path, default=Path("realistic-results"), help="folder of the CSV files")
    parser.add_argument("--cache", type=Path, default=Path(cache_folder("realistic")))
    parser.add_argument("--md-folder", type=Path, default=None,
                        help="where benchmarks/realistic_md.py keeps its snapshots (default: its own)")
    parser.add_argument("--jobs", type=int, default=None, help="processes for descriptors and peers (default: all)")
    add_reference_option(parser)
    args = parser.parse_args()
    models = args.models or [DEFAULT_MODEL, "paper"]
    try:
        parts = parse_parts(args.parts)
    except ValueError as error:
        parser.error(str(error))
    if {"stem", "aet"} & set(parts) and not args.reference.is_dir():
        parser.error(f"the stem and aet parts need the data published with ARISE: not found at {args.reference}")
    print("command: python benchmarks/realistic.py " + " ".join(f"--model {model}" for model in models)
          + f" --samples {args.samples} --parts {','.join(parts)} --out {args.out}"
          + (f" --md-folder {args.md_folder}" if args.md_folder else ""))
    try:
        loaded = {model: load_classifier(model, samples=args.samples, seed=SEED, jobs=args.jobs) for model in models}
    except InputError as error:
        parser.error(str(error))
    suite = Suite(loaded, args.cache, args.reference, args.md_folder, args.jobs)
    if {"md", "peers"} & set(parts):
        try:
            print(f"{len(suite.md_frames)} MD snapshots")
        except FileNotFoundError as error:
            parser.error(str(error))
    args.out.mkdir(parents=True, exist_ok=True)
    outcomes = {}
    for part in parts:
        outcome = outcomes[part] = PART_FUNCTIONS[part](suite)
        for table in outcome.tables:
            table.write_csv(args.out)
            if not table.name.endswith("_answers"):
                print(f"\n### {table.title}\n\n{table.markdown()}", flush=True)
        print(f"\n(CSV in {args.out}/: " + ", ".join(f"{t.name}.csv" for t in outcome.tables) + ")", flush=True)
    table = summary(outcomes, models)
    table.write_csv(args.out)
    print(f"\n### {table.title}\n\n{table.markdown()}")


if __name__ == "__main__":
    main()
