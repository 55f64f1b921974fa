"""The robustness tables of docs/benchmark.md and docs/diffraction.md, with the time the run took.

    python benchmarks/robustness.py [--realisations 2] [--model antisite] [--tables "Table 2"]
                                                      ARISE Table 2, S2, S3 (or the ones named)
    python benchmarks/robustness.py --diffraction 50  Ziletti et al. 2018, Supplementary Tables 1-2

Runs `arise benchmark --realisations N` or `arise diffraction benchmark --per-class N` (scores
cached in ~/.cache/ariseml/benchmark, so a rerun or a run with more realisations reuses the draws
made before, and a model added later reuses their descriptors) and prints the elapsed time; on a
warm cache that time is only the reading of the cache.
"""

from __future__ import annotations

import argparse
import time

from ariseml.cli import main as arise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realisations", type=int, default=2)
    parser.add_argument("--model", action="append", default=[],
                        help="a shipped model scored beside the paper's (repeat for more)")
    parser.add_argument("--tables", default=None, help='comma-separated, e.g. "Table 2" (default: all three)')
    parser.add_argument("--diffraction", type=int, metavar="PER_CLASS", default=None,
                        help="run the diffraction ConvNet's benchmark with this many test crystals per class")
    args = parser.parse_args()
    if args.diffraction is None:
        models = [option for name in ["paper", *args.model] for option in ("--model", name)]
        tables = ["--tables", args.tables] if args.tables else []
        command = ["benchmark", "--realisations", str(args.realisations), *models, *tables]
        options = (f"--realisations {args.realisations}" + "".join(f" --model {m}" for m in args.model)
                   + (f' --tables "{args.tables}"' if args.tables else ""))
    else:
        command, options = ["diffraction", "benchmark", "--per-class", str(args.diffraction)], \
            f"--diffraction {args.diffraction}"
    start = time.perf_counter()
    try:
        arise(command, standalone_mode=False)
    finally:
        print(f"elapsed: {(time.perf_counter() - start) / 60:.0f} min (python benchmarks/robustness.py {options})")


if __name__ == "__main__":
    main()
