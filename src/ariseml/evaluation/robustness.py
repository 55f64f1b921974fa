"""ariseml and its peers on the same defective structures: ARISE Table 2 and Supplementary Tables S1-S3.

Test structures (Methods, "Dataset creation"; Supplementary S2.1): for every class
its three supercells, periodic and non-periodic (nanotubes: the finite tube),
``realisations`` random draws per defect level with seeds that training never uses,
described at the central SOAP setting.

Methods, each scored on the structures it can treat:

- ``ariseml``: a shipped model (all structures, all classes);
- ``gnb``, ``bnb``: Gaussian and Bernoulli naive Bayes on the same descriptor;
- ``spglib-loose`` (0.1 Å, 5°) and ``spglib-tight`` (1e-4 Å, 1°): periodic structures,
  correct when the space group is the class's (Tables S4-S6); designed for the
  elemental and binary classes from AFLOW, as the paper's main-text rows; the seven
  2D classes listed as P1 count as not recognised, since P1 is what any defective
  structure gets;
- ``ptm``, ``cna``, ``acna``, ``baa``: OVITO's per-atom methods on periodic structures,
  an atom correct when labelled with its class's structure type.

Accuracy over the designed classes pools the items (structures, or atoms for the
per-atom methods) of those classes. Accuracy over all classes (the paper's starred
rows) pools the items of every class, those a method cannot treat counted wrong:
classes it is not designed for, and the nanotubes for the methods that need a periodic cell.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from ase import Atoms

from ariseml.evaluation.levels import TEST_SEED_OFFSET, DefectLevel
from ariseml.classifier import Classifier
from ariseml.descriptors.soap import SoapSettings, arise_soap
from ariseml.io import atomic_path, read_arrays
from ariseml.parallel import progress_map
from ariseml.prototypes import all_prototypes, build, get_prototype
from ariseml.defects import apply_defects
from ariseml.structure import nearest_neighbour_distance, space_group

SPGLIB_TOLERANCES = {"spglib-loose": (0.1, 5.0), "spglib-tight": (1e-4, 1.0)}
"""Method -> (symprec in Å, angle tolerance in degrees), as in ARISE Table 2."""
OVITO_METHODS = ("ptm", "cna", "acna", "baa")
NAIVE_BAYES = ("gnb", "bnb")
METHODS = ("ariseml", *NAIVE_BAYES, *SPGLIB_TOLERANCES, *OVITO_METHODS)
PER_ATOM = set(OVITO_METHODS)

METHOD_NAMES = {"ariseml": "ariseml", "gnb": "GNB", "bnb": "BNB", "spglib-loose": "Spglib, loose",
                "spglib-tight": "Spglib, tight", "ptm": "PTM", "cna": "CNA", "acna": "a-CNA", "baa": "BAA"}

QUICK_CLASSES = ("fcc_Cu", "bcc_W", "hcp_Mg", "diamond_C", "rocksalt_NaCl", "L12_Cu3Au", "graphene",
                 "hex_graphite_C", "cnt_4_4")
"""The classes of ``--quick``: one of each kind a peer method is designed for, a 2D material, a nanotube."""

CACHE_VERSION = 1


@dataclass(frozen=True)
class BenchmarkCase:
    """One test structure before defects: a class, which supercell, periodic or not, which draw."""

    prototype_id: str
    supercell: int | None  # None: a nanotube's finite tube
    periodic: bool
    realisation: int

    @property
    def name(self) -> str:
        kind = "tube" if self.supercell is None else f"supercell{self.supercell}-{'pbc' if self.periodic else 'finite'}"
        return f"{self.prototype_id}/{kind}/{self.realisation}"

    @property
    def seed(self) -> int:
        number = [p.id for p in all_prototypes()].index(self.prototype_id)
        return TEST_SEED_OFFSET + 100_000 * number + 1000 * (2 * (self.supercell or 0) + self.periodic) + self.realisation


@dataclass(frozen=True)
class BenchmarkConfig:
    """What the test set is made of; a cached result is reused only for the same configuration."""

    classes: tuple[str, ...] = tuple(p.id for p in all_prototypes())
    supercells: tuple[int, ...] = (0, 1, 2)
    realisations: int = 10
    samples: int = 1000

    @classmethod
    def quick(cls) -> BenchmarkConfig:
        return cls(classes=QUICK_CLASSES, supercells=(0,), realisations=2)


def draws(config: BenchmarkConfig, level: DefectLevel) -> int:
    """Random realisations at this level: one for pristine structures."""
    return config.realisations if (level.delta or level.eta) else 1


def benchmark_cases(config: BenchmarkConfig, draw: int) -> list[BenchmarkCase]:
    """The structures of one draw of the test set: every class, supercell, periodic and finite."""
    cases = []
    for prototype_id in config.classes:
        if get_prototype(prototype_id).is_nanotube:
            cases.append(BenchmarkCase(prototype_id, None, False, draw))
            continue
        cases += [BenchmarkCase(prototype_id, s, periodic, draw) for s in config.supercells for periodic in (True, False)]
    return cases


@cache
def _pristine(prototype_id: str, supercell: int | None, periodic: bool) -> tuple[Atoms, float]:
    atoms = build(prototype_id, supercell=supercell, periodic=periodic if supercell is not None else None)
    return atoms, nearest_neighbour_distance(atoms)


def _build_pristine(cases: Sequence[BenchmarkCase]) -> None:
    """Build the cases' pristine structures once, here, so that forked workers inherit them."""
    for case in cases:
        _pristine(case.prototype_id, case.supercell, case.periodic)


def defective_structure(case: BenchmarkCase, level: DefectLevel) -> Atoms:
    atoms, d_nn = _pristine(case.prototype_id, case.supercell, case.periodic)
    return apply_defects(atoms, level.delta, level.eta, case.seed, d_nn=d_nn)


def designed_classes(method: str, classes: Sequence[str]) -> list[str]:
    """The classes among ``classes`` that a method is designed to recognise."""
    from ariseml.evaluation.peers_ovito import DESIGNED_CLASSES

    if method in PER_ATOM:
        return [c for c in classes if c in DESIGNED_CLASSES[method]]
    if method in SPGLIB_TOLERANCES:
        return [c for c in classes if get_prototype(c).group in ("elemental", "binary")]
    return list(classes)


def _evaluate_structure(job: tuple[BenchmarkCase, DefectLevel, tuple[str, ...], tuple[SoapSettings, ...]]
                        ) -> dict[str, Any]:
    """The per-structure work of a forked worker: the descriptors and spglib's answers."""
    case, level, methods, settings = job
    atoms = defective_structure(case, level)
    answers: dict[str, Any] = {"atoms": len(atoms)}
    for one in settings:
        answers[one] = arise_soap(atoms, one)
    if case.periodic:
        for method in methods:
            answers[method] = space_group(atoms, *SPGLIB_TOLERANCES[method])
    return answers


def _per_atom_answers(cases: Sequence[BenchmarkCase], level: DefectLevel, methods: Sequence[str]
                      ) -> list[dict[str, float | None]]:
    """OVITO's per-atom accuracies, in this process: OVITO's thread pool does not survive a fork,
    so a forked worker of a process that has run OVITO would wait for it forever."""
    from ariseml.evaluation.peers_ovito import atom_accuracy

    answers = []
    for case in cases:
        atoms = defective_structure(case, level) if case.periodic else None
        answers.append({m: atom_accuracy(atoms, case.prototype_id, m) for m in methods} if atoms else {})
    return answers


@dataclass
class MethodScores:
    """Per test structure: items scored (1, or atoms), items correct, the answer given (or None)."""

    items: list[int]
    correct: list[float]
    answers: list[Any]
    treated: list[bool]  # False: the method cannot treat this structure (no periodic cell)

    def extend(self, other: MethodScores) -> None:
        self.items += other.items
        self.correct += other.correct
        self.answers += other.answers
        self.treated += other.treated


@dataclass
class LevelResult:
    level: DefectLevel
    cases: list[BenchmarkCase]
    scores: dict[str, MethodScores] = field(default_factory=dict)


def _digest(config: BenchmarkConfig, leave_out: tuple[str, ...], *identity: Any) -> str:
    """A short hash of the cache version, the test set (less the ``leave_out`` fields) and ``identity``."""
    test_set = {k: v for k, v in asdict(config).items() if k not in leave_out}
    return hashlib.sha256(json.dumps([CACHE_VERSION, test_set, *identity]).encode()).hexdigest()[:16]


def _key(config: BenchmarkConfig, level: DefectLevel, draw: int, method: str, model_checksum: str) -> str:
    return _digest(config, ("realisations",), asdict(level), draw, method, model_checksum)


def _cache_file(cache_dir: Path, level: DefectLevel, draw: int, method: str, key: str) -> Path:
    slug = f"delta{100 * level.delta:g}_eta{100 * level.eta:g}"
    return cache_dir / slug / f"draw{draw}__{method}__{key}.json"


def _descriptor_file(cache_dir: Path, config: BenchmarkConfig, level: DefectLevel, draw: int,
                     settings: SoapSettings) -> Path:
    """Where one draw's descriptors are kept, so that another model scored later reuses them."""
    key = _digest(config, ("realisations", "samples"), asdict(level), draw, asdict(settings))
    return _cache_file(cache_dir, level, draw, "descriptors", key).with_suffix(".npz")


def _store_descriptors(path: Path, features: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temporary, open(temporary, "wb") as stream:
        np.savez_compressed(stream, descriptors=features)


def draw_descriptors(config: BenchmarkConfig, level: DefectLevel, draw: int, settings: SoapSettings,
                     cache_dir: Path, jobs: int | None = None, progress: bool = False) -> np.ndarray:
    """The descriptors of one draw's structures (in the order of :func:`benchmark_cases`), from the
    cache that the robustness runs fill, or computed on ``jobs`` processes and cached."""
    path = _descriptor_file(cache_dir, config, level, draw, settings)
    if (stored := _read_descriptors(path)) is not None:
        return stored
    cases = benchmark_cases(config, draw)
    _build_pristine(cases)
    answers = progress_map(_evaluate_structure, [(case, level, (), (settings,)) for case in cases], jobs, progress,
                           desc=f"{level.name}, draw {draw + 1}")
    features = np.stack([answer[settings] for answer in answers])
    _store_descriptors(path, features)
    return features


def _read_descriptors(path: Path) -> np.ndarray | None:
    """A draw's cached descriptors; None when missing or unreadable (then they are computed again)."""
    stored = read_arrays(path)
    return stored.get("descriptors") if stored is not None else None


def _read_cached(path: Path) -> MethodScores | None:
    """A method's cached scores of one draw; None when missing or unreadable (then they are computed again)."""
    if not path.exists():
        return None
    try:
        return MethodScores(**json.loads(path.read_text()))
    except (ValueError, TypeError):  # not JSON, or not the scores' fields
        return None


def _write_cached(path: Path, scores: MethodScores) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temporary:
        Path(temporary).write_text(json.dumps(asdict(scores)))


def _structure_method_scores(cases: Sequence[BenchmarkCase], answers: Sequence[Any], truth: Sequence[Any],
                             periodic_only: bool) -> MethodScores:
    treated = [case.periodic or not periodic_only for case in cases]
    correct = [float(ok and answer == true) for ok, answer, true in zip(treated, answers, truth)]
    return MethodScores([1] * len(cases), correct, list(answers), treated)


def evaluate_level(config: BenchmarkConfig, level: DefectLevel, methods: Sequence[str],
                   models: dict[str, Classifier], cache_dir: Path, jobs: int | None = None,
                   progress: bool = False) -> LevelResult:
    """Score every method (and every model, named ``ariseml`` or ``ariseml[name]``) at one level.

    Each draw's scores are cached per method, so an interrupted run resumes, and a run
    with more realisations reuses the draws made before.
    """
    wanted = [m for m in methods if m != "ariseml"] + [model_method(name) for name in models]
    result = LevelResult(level, [], {m: MethodScores([], [], [], []) for m in wanted})
    total = draws(config, level)
    for draw in range(total):
        cases = benchmark_cases(config, draw)
        scores = _evaluate_draw(config, level, cases, wanted, models, cache_dir, jobs,
                                progress, f"{level.name}, draw {draw + 1}/{total}")
        result.cases += cases
        for method in wanted:
            result.scores[method].extend(scores[method])
    return result


def _evaluate_draw(config: BenchmarkConfig, level: DefectLevel, cases: list[BenchmarkCase], wanted: list[str],
                   models: dict[str, Classifier], cache_dir: Path, jobs: int | None, progress: bool,
                   label: str) -> dict[str, MethodScores]:
    files = {m: _cache_file(cache_dir, level, cases[0].realisation, m,
                            _key(config, level, cases[0].realisation, m, _model_checksum(models, m)))
             for m in wanted}
    scores = {m: cached for m, path in files.items() if (cached := _read_cached(path)) is not None}
    missing = [m for m in wanted if m not in scores]
    if not missing:
        return scores

    draw = cases[0].realisation
    settings_of = {m: models[_model_name(m)].settings_ if m.startswith("ariseml") else _central_settings()
                   for m in missing if m in NAIVE_BAYES or m.startswith("ariseml")}
    descriptor_files = {one: _descriptor_file(cache_dir, config, level, draw, one) for one in set(settings_of.values())}
    features = {one: stored for one, path in descriptor_files.items()
                if (stored := _read_descriptors(path)) is not None}
    to_compute = tuple(one for one in descriptor_files if one not in features)
    symmetry_methods = tuple(m for m in missing if m in SPGLIB_TOLERANCES)
    _build_pristine(cases)
    per_atom = [m for m in missing if m in PER_ATOM]
    jobs_list = [(case, level, symmetry_methods, to_compute) for case in cases]
    answers = (list(progress_map(_evaluate_structure, jobs_list, jobs, progress, desc=label))
               if to_compute or symmetry_methods or per_atom else [{} for _ in cases])
    if per_atom:
        for answer, extra in zip(answers, _per_atom_answers(cases, level, per_atom)):
            answer.update(extra)
    for one in to_compute:
        features[one] = np.stack([a[one] for a in answers])
        _store_descriptors(descriptor_files[one], features[one])

    truth = [c.prototype_id for c in cases]
    if set(NAIVE_BAYES) & set(missing):
        from ariseml.evaluation import naive_bayes

        estimators = dict(zip(NAIVE_BAYES, naive_bayes.load()))
    for method in missing:
        if method.startswith("ariseml"):
            results = models[_model_name(method)].predict_descriptors(features[settings_of[method]], top=1)
            predicted = [r.top_ids[0] for r in results]
            scores[method] = _structure_method_scores(cases, predicted, truth, periodic_only=False)
        elif method in NAIVE_BAYES:
            predicted = [str(p) for p in estimators[method].predict(features[settings_of[method]])]
            scores[method] = _structure_method_scores(cases, predicted, truth, periodic_only=False)
        elif method in SPGLIB_TOLERANCES:
            groups = [get_prototype(c.prototype_id).space_group for c in cases]
            scores[method] = _structure_method_scores(cases, [a.get(method) for a in answers], groups,
                                                      periodic_only=True)
        else:
            fractions = [a.get(method) for a in answers]
            scores[method] = MethodScores(
                items=[a["atoms"] for a in answers],
                correct=[round(f * a["atoms"]) if case.periodic and f is not None else 0.0
                         for case, a, f in zip(cases, answers, fractions)],
                answers=[None] * len(cases), treated=[case.periodic for case in cases])
        _write_cached(files[method], scores[method])
    return scores


def _central_settings() -> SoapSettings:
    from ariseml.training.paper_set import CENTRAL_SETTINGS

    return CENTRAL_SETTINGS


def model_method(model_name: str) -> str:
    return "ariseml" if model_name == "paper" else f"ariseml[{model_name}]"


def _model_name(method: str) -> str:
    return "paper" if method == "ariseml" else method[len("ariseml["):-1]


def _model_checksum(models: dict[str, Classifier], method: str) -> str:
    if not method.startswith("ariseml"):
        return ""
    return str(models[_model_name(method)].metadata_.get("sha256", _model_name(method)))


def accuracies(result: LevelResult, method: str, classes: Sequence[str]) -> tuple[float, float]:
    """(accuracy over the method's designed classes, accuracy over all ``classes``), in %."""
    scores = result.scores[method]
    designed = set(designed_classes(method, classes))
    in_designed = [c.prototype_id in designed for c in result.cases]
    items = np.array(scores.items, dtype=float)
    correct = np.array(scores.correct, dtype=float)
    if method in SPGLIB_TOLERANCES:  # P1 is what any defective structure gets: it identifies nothing
        correct[[get_prototype(c.prototype_id).space_group == 1 for c in result.cases]] = 0.0
    scored = np.array(in_designed) & np.array(scores.treated)
    over_designed = 100 * correct[scored].sum() / items[scored].sum() if items[scored].sum() else float("nan")
    # every structure a method treats, plus the tubes it cannot (the methods that need a periodic cell), wrong
    counted = np.array([t or c.supercell is None for t, c in zip(scores.treated, result.cases)])
    considered = correct if method in SPGLIB_TOLERANCES else correct * np.array(in_designed)
    over_all = 100 * considered[counted].sum() / items[counted].sum()
    return float(over_designed), float(over_all)


def per_class_accuracy(result: LevelResult, method: str = "ariseml") -> dict[str, float]:
    """Percentage of each class's test structures classified correctly."""
    totals, right = Counter(), Counter()
    for case, correct in zip(result.cases, result.scores[method].correct):
        totals[case.prototype_id] += 1
        right[case.prototype_id] += correct
    return {c: 100 * right[c] / totals[c] for c in totals}


def confusions(result: LevelResult, method: str = "ariseml") -> Counter:
    """(true class, predicted class) -> number of test structures, wrong answers only."""
    scores = result.scores[method]
    return Counter((c.prototype_id, a) for c, a, ok in zip(result.cases, scores.answers, scores.correct) if not ok)
