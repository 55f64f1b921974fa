"""The robustness tables of the README (ARISE Table 2, S2, S3), with the time the run took.

    python benchmarks/robustness.py [--realisations 2]

Runs `arise benchmark --realisations N` (scores cached in ~/.cache/ariseml/benchmark, so a
rerun or a run with more realisations reuses the draws made before) and prints the elapsed
time; on a warm cache that time is only the reading of the cache.
"""

from __future__ import annotations

import argparse
import time

from ariseml.cli import main as arise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realisations", type=int, default=2)
    args = parser.parse_args()
    start = time.perf_counter()
    try:
        arise(["benchmark", "--realisations", str(args.realisations)], standalone_mode=False)
    finally:
        print(f"elapsed: {(time.perf_counter() - start) / 60:.0f} min "
              f"(python benchmarks/robustness.py --realisations {args.realisations})")


if __name__ == "__main__":
    main()
