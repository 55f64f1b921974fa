"""``arise explore``: clusters and maps of the network's hidden representations."""

from __future__ import annotations

import click
import numpy as np

from ariseml.cli.frames import read_checked_frames
from ariseml.cli.group import main
from ariseml.cli.options import integers, require_packages
from ariseml.models import DEFAULT_MODEL


@main.command(short_help="Cluster and map the network's hidden representations.")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--layer", type=click.IntRange(1, 3), default=2, show_default=True, help="Hidden layer (1-3).")
@click.option("--before-relu", is_flag=True, help="The layer's activations before its ReLU (default: after).")
@click.option("--only-class", default=None, help="Keep only the points whose most probable class is this id.")
@click.option("--min-cluster-size", type=click.IntRange(2), default=25, show_default=True)
@click.option("--soft", is_flag=True, help="Soft clustering: outliers join their most probable cluster unless "
              "every membership probability is below 10 %.")
@click.option("--neighbors", type=click.IntRange(2), default=15, show_default=True, help="UMAP n_neighbors.")
@click.option("--min-dist", type=click.FloatRange(0, 1), default=0.1, show_default=True, help="UMAP min_dist.")
@click.option("--sweep", default=None, help="Comma-separated min-cluster-size values to report clusters and "
              "outliers for, e.g. 25,50,100,250,500,1000.")
@click.option("--species", default=None, help="Two elements A,B: per box d_AA and d_BB and the histogram of "
              "d_AA - d_BB per cluster (SPM inputs).")
@click.option("--samples", type=click.IntRange(1), default=1000, show_default=True,
              help="T for structure inputs (SPM inputs keep the passes of their run).")
@click.option("--model", "model_path", default=None,
              help="For structure inputs: a shipped model's name or the path of one written by 'arise train' or "
                   f"'arise classes train' [default: {DEFAULT_MODEL}]. SPM inputs keep the model of their run.")
@click.option("--out", type=click.Path(file_okay=False), required=True,
              help="Folder for the figures, arrays and summary.json: a new or empty one, or that of an earlier "
                   "'arise explore' (no default: nothing lands where you did not ask).")
def explore(inputs: tuple[str, ...], layer: int, before_relu: bool, only_class: str | None, min_cluster_size: int,
            soft: bool, neighbors: int, min_dist: float, sweep: str | None, species: str | None, samples: int,
            model_path: str | None, out: str) -> None:
    """Cluster and map the network's hidden representations of INPUTS.

    INPUTS is one folder written by 'arise spm --hidden-layer K --out DIR', or structure files.
    """
    from pathlib import Path

    import ase.io

    from ariseml import explore as unsupervised
    from ariseml.spm import is_flat

    require_packages({"umap": "umap-learn", "hdbscan": "hdbscan", "plotly": "plotly"},
                     "arise explore needs it; pip install 'ariseml[explore]'")
    settings = unsupervised.ExploreSettings(min_cluster_size, soft, neighbors, min_dist,
                                            tuple(integers(sweep, "--sweep")) if sweep else ())
    pair = tuple(s.strip() for s in species.split(",")) if species else None
    if pair is not None and len(pair) != 2:
        raise click.BadParameter(f"give two elements, e.g. Fe,Pt; got {species!r}", param_hint="--species")
    folder = Path(out)
    unsupervised.run.check_folder(folder)  # before the network runs
    sample, unit = None, "Å"
    if len(inputs) == 1 and Path(inputs[0]).is_dir():
        if model_path is not None:
            raise click.UsageError("an 'arise spm' folder keeps the hidden layers of the model it was scanned with: "
                                   "drop --model, or rerun 'arise spm --model ...'")
        points = unsupervised.from_spm(Path(inputs[0]), layer, before_relu)
        labelled = Path(inputs[0]) / "atoms.xyz"  # the scanned sample, as the scan wrote it
        sample = ase.io.read(labelled) if labelled.is_file() else None
        unit = "pixels" if sample is not None and is_flat(sample) else "Å"
    else:
        if any(Path(i).is_dir() for i in inputs):
            raise click.UsageError("give one 'arise spm' output folder, or structure files, not both")
        if pair is not None:
            raise click.UsageError("--species needs an 'arise spm' output folder")
        from ariseml.classifier import Classifier

        structures, names = [], []
        for path in inputs:
            frames = read_checked_frames(path)
            structures += frames
            names += [path if len(frames) == 1 else f"{path}[{n}]" for n in range(len(frames))]
        classifier = Classifier.load(model_path or DEFAULT_MODEL, samples=samples, seed=0)
        points = unsupervised.from_structures(structures, names, classifier, layer, before_relu)
    if only_class is not None:
        points = points.subset(np.array(points.predicted) == only_class)
        if len(points.vectors) < 3:
            raise click.UsageError(f"{len(points.vectors)} points of class '{only_class}': need at least 3 (is it "
                                   "predicted anywhere?)")
    summary, written = unsupervised.explore(points, folder, settings, pair, sample, unit)
    click.echo(f"{summary['points']} points, hidden layer {layer}{' before its ReLU' if before_relu else ''}: "
               f"{summary['clusters']} clusters, {summary['outliers']} outliers "
               f"(min cluster size {min_cluster_size}{', soft' if soft else ''})")
    if summary["clusters"] == 0:
        click.echo(f"  no cluster: HDBSCAN needs at least --min-cluster-size {min_cluster_size} similar points; with "
                   f"{summary['points']} points try --min-cluster-size {max(2, summary['points'] // 3)}, or --sweep "
                   "to compare sizes")
    for row in summary["sweep"]:
        click.echo(f"  min cluster size {row['min_cluster_size']:5d}: {row['clusters']} clusters, "
                   f"{row['outliers']} outliers")
    for path in written:
        click.echo(f"wrote {path}")
