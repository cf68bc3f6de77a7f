"""Time :func:`flbook.synth.make_course` on a large course.

Usage::

    python benchmarks/synth.py [--learners 200000] [--seed 1] [--out DIR]

Prints the wall-clock seconds, the rows written per dataset (and file sizes) and the
peak resident memory of the process. Target: 200,000 learners in under 60 s (2 cores).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from flbook.synth import make_course


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=200_000, help="learners to enrol")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    parser.add_argument(
        "--out", type=Path, default=None, help="output folder (default: a temporary one)"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="flbook-synth-") as tmp:
        out = args.out or Path(tmp)
        t0 = time.perf_counter()
        counts = make_course(out, learners=args.learners, seed=args.seed)
        seconds = time.perf_counter() - t0
        sizes = {
            p.name.split("_", 1)[1].removesuffix(".csv"): p.stat().st_size
            for p in out.glob("*.csv")
        }

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_mb = (
        peak / 1024 / (1024 if sys.platform == "darwin" else 1)
    )  # bytes on macOS, KiB on Linux
    print(f"make_course(learners={args.learners:,}, seed={args.seed}): {seconds:.1f} s")
    width = max(map(len, counts))
    for name, rows in counts.items():
        print(f"  {name:<{width}}  {rows:>10,} rows  {sizes.get(name, 0) / 1e6:8.1f} MB")
    print(
        f"  {'total':<{width}}  {sum(counts.values()):>10,} rows  {sum(sizes.values()) / 1e6:8.1f} MB"
    )
    print(f"peak memory (max RSS): {peak_mb:,.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
