"""Descriptor and classification speed on this machine.

    python benchmarks/speed.py [--repeats 5] [--model paper --model realistic]

Prints structures/s and atoms/s of the ARISE descriptor for finite fcc clusters
of about 100, 400 and 1,000 atoms (one process), and the time to classify a
400-atom cluster with T = 1000 Monte-Carlo passes, descriptor included, with
each shipped model named (its network as stored: inputs standardised and
compressed where the model says so).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch
from ase.build import bulk

from ariseml.descriptors.soap import arise_soap
from ariseml.classifier import Classifier
from ariseml.models.monte_carlo import monte_carlo_predict


def fcc_cluster(n_atoms: int):
    """The n_atoms atoms of an fcc Cu crystal closest to a lattice site (a roughly spherical cluster)."""
    crystal = bulk("Cu", "fcc", a=3.615, cubic=True).repeat(12)
    centre = crystal.positions[np.argmin(np.linalg.norm(crystal.positions - crystal.cell.sum(0) / 2, axis=1))]
    order = np.argsort(np.linalg.norm(crystal.positions - centre, axis=1))
    cluster = crystal[order[:n_atoms]]
    cluster.pbc = False
    return cluster


def median_seconds(function, repeats: int) -> float:
    return interleaved_median_seconds({None: function}, repeats)[None]


def interleaved_median_seconds(calls: dict, repeats: int) -> dict:
    """Each call's median time over ``repeats`` rounds in which every call runs once, in turn."""
    for function in calls.values():
        function()  # warm-up
    times = {key: [] for key in calls}
    for _ in range(repeats):
        for key, function in calls.items():
            start = time.perf_counter()
            function()
            times[key].append(time.perf_counter() - start)
    return {key: statistics.median(values) for key, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--model", action="append", dest="models",
                        help="a shipped model's name or a path written by 'arise train'; repeat (default paper)")
    args = parser.parse_args()
    models = args.models or ["paper"]
    torch.set_num_threads(1)
    print(f"command: python benchmarks/speed.py --repeats {args.repeats}"
          + "".join(f" --model {name}" for name in models) + "   (1 process, torch threads 1)")
    print(f"{'structure':28s} {'s/structure':>12s} {'structures/s':>13s} {'atoms/s':>9s}")
    for n_atoms in (100, 400, 1000):
        cluster = fcc_cluster(n_atoms)
        seconds = median_seconds(lambda: arise_soap(cluster), args.repeats)
        print(f"descriptor, {n_atoms:5d}-atom fcc cluster {seconds:12.4f} {1 / seconds:13.1f} {n_atoms / seconds:9.0f}")

    cluster = fcc_cluster(400)
    calls = {}
    for name in models:
        classifier = Classifier.load(name)
        model, settings = classifier.model_, classifier.settings_  # each model with its own descriptor
        descriptor = arise_soap(cluster, settings)[None]
        calls[name, "total"] = lambda m=model, s=settings: monte_carlo_predict(m, arise_soap(cluster, s)[None], 1000)
        calls[name, "passes"] = lambda m=model, d=descriptor: monte_carlo_predict(m, d, 1000)
    seconds = interleaved_median_seconds(calls, args.repeats)  # a slow spell of the machine hits every model
    for name in models:
        print(f"classify one 400-atom cluster, T = 1000, model {name}: {seconds[name, 'total']:.3f} s "
              f"(of which the 1000 passes: {seconds[name, 'passes']:.3f} s)")


if __name__ == "__main__":
    main()
