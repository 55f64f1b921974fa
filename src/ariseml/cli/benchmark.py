"""``arise benchmark``: the robustness tables beside the peer methods."""

from __future__ import annotations

import os

import click

from ariseml.caches import benchmark_cache
from ariseml.cli.group import main
from ariseml.cli.options import jobs_option, require_packages
from ariseml.models import DEFAULT_MODEL

ALL_TABLES = "Table 2,Table S2,Table S3"
"""The tables of the robustness benchmark (the keys of ``evaluation.levels.TABLES``)."""


@main.command(short_help="Robustness beside spglib, PTM, CNA, a-CNA, BAA, naive Bayes (Table 2, S2, S3).")
@click.option("--quick", is_flag=True,
              help="9 classes, supercell 0, 2 realisations per level: a few minutes (what CI runs).")
@click.option("--methods", default="all", show_default=True,
              help="Comma-separated methods among ariseml, gnb, bnb, spglib-loose, spglib-tight, ptm, cna, "
                   "acna, baa.")
@click.option("--model", "models", multiple=True, default=(DEFAULT_MODEL, "paper"), show_default=True,
              help="Model(s) scored as ariseml rows (the paper's is 'ariseml', others 'ariseml[NAME]'): a shipped "
                   "name or a path written by 'arise train'. Repeat for more rows.")
@click.option("--tables", default=ALL_TABLES, show_default=True,
              help="Which tables' defect levels to run.")
@click.option("--realisations", type=click.IntRange(1), default=None,
              help="Random draws per class, structure and level (default 10; --quick: 2).")
@click.option("--samples", type=click.IntRange(1), default=1000, show_default=True,
              help="T, the Monte-Carlo dropout passes.")
@jobs_option
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False), default=benchmark_cache,
              show_default=True, help="Scores per level and method; a rerun reuses them.")
@click.option("--out", type=click.Path(file_okay=False), default="benchmark-results", show_default=True,
              help="Folder for accuracy.csv, per_class.csv, confusions.csv and accuracy.png.")
def benchmark(quick: bool, methods: str, models: tuple[str, ...], tables: str, realisations: int | None,
              samples: int, jobs: int | None, cache_dir: str, out: str) -> None:
    """ariseml beside spglib, OVITO's PTM/CNA/a-CNA/BAA and naive Bayes on defective structures.

    Prints ARISE Table 2, S2 and S3 (our rows beside the published ones) and writes
    CSV files and a plot. Interrupted runs resume from the cache.
    """
    from dataclasses import replace
    from pathlib import Path

    from ariseml.classifier import Classifier
    from ariseml.evaluation import report, robustness
    from ariseml.evaluation.levels import TABLES
    from ariseml.io import check_writable

    chosen = list(robustness.METHODS) if methods == "all" else [m.strip() for m in methods.split(",") if m.strip()]
    unknown = sorted(set(chosen) - set(robustness.METHODS))
    if unknown:
        raise click.BadParameter(f"unknown method(s) {', '.join(unknown)}; choose among "
                                 f"{', '.join(robustness.METHODS)}", param_hint="--methods")
    table_names = [t.strip() for t in tables.split(",")]
    if set(table_names) - set(TABLES):
        raise click.BadParameter(f"choose tables among {', '.join(TABLES)}", param_hint="--tables")
    if any(m in robustness.OVITO_METHODS for m in chosen):
        require_packages({"ovito": "OVITO's Python module"}, "the methods ptm, cna, acna and baa need it; "
                 "pip install 'ariseml[benchmark]', or leave them out with --methods")
    os.makedirs(out, exist_ok=True)
    check_writable(os.path.join(out, "accuracy.csv"))
    config = robustness.BenchmarkConfig.quick() if quick else robustness.BenchmarkConfig()
    config = replace(config, samples=samples, realisations=realisations or config.realisations)
    classifiers = ({name: Classifier.load(name, samples=samples, seed=0) for name in models}
                   if "ariseml" in chosen else {})
    rows = [robustness.model_method(name) for name in classifiers] + [m for m in chosen if m != "ariseml"]
    levels = list(dict.fromkeys(level for t in table_names for level in TABLES[t]))
    results = {}
    for number, level in enumerate(levels, start=1):
        click.echo(f"[{number}/{len(levels)}] {level.name}", err=True)
        results[level.name] = robustness.evaluate_level(config, level, chosen, classifiers, Path(cache_dir),
                                                        jobs=jobs, progress=True)
    command = ("arise benchmark" + (" --quick" if quick else "") + f" --realisations {config.realisations}"
               + ("" if methods == "all" else f" --methods {methods}") + "".join(f" --model {m}" for m in models)
               + ("" if tables == ALL_TABLES else f' --tables "{tables}"'))
    click.echo(f"command: {command} --samples {samples} (classes: {len(config.classes)}, supercells "
               f"{','.join(map(str, config.supercells))}, periodic and finite)")
    for table in table_names:
        click.echo("\n" + report.markdown_table(table, results, rows, config.classes))
    for path in report.write_outputs(Path(out), results, rows, config.classes):
        click.echo(f"wrote {path}")
