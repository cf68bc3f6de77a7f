"""Portfolio benchmark: many runs' books built one after another, then on a local Dask cluster.

Generates ``--courses`` × ``--runs-per-course`` synthetic runs of ``--learners`` learners
once (``benchmarks/_data/portfolio-N-R/``, reused by later runs), writes a catalogue,
and times ``build_portfolio`` twice from a cold store (each mode gets a fresh
``FLBOOK_CACHE``, so every run's first load is included):

- serially, in this process;
- on a local Dask cluster of ``--workers`` processes (cluster start-up included, and
  also printed on its own).

Prints one table (wall time, median and total per-run time, speed-up) and writes it as
CSV (``benchmarks/results/portfolio-<date>.csv``).

Usage::

    python benchmarks/portfolio.py                                   # 12 runs × 20,000, chapter 03
    python benchmarks/portfolio.py --chapters all --to html,pdf      # whole books (slow)
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def results_path(folder: Path, day: dt.date) -> Path:
    """``portfolio-DATE.csv``, or ``-b``, ``-c`` … when the day already has one."""
    base = folder / f"portfolio-{day.isoformat()}.csv"
    if not base.exists():
        return base
    for letter in "bcdefghijklmnopqrstuvwxyz":
        p = folder / f"portfolio-{day.isoformat()}-{letter}.csv"
        if not p.exists():
            return p
    raise RuntimeError("too many results today")


def make_data(root: Path, courses: int, runs: int, learners: int) -> Path:
    """The synthetic runs and their catalogue (made once, reused)."""
    from flbook.synth import make_course

    catalogue = root / "catalogue.yml"
    if catalogue.exists():
        return catalogue
    lines = ["title: Benchmark portfolio", "courses:"]
    for c in range(courses):
        name = f"course-{chr(ord('a') + c)}"
        lines += [f"  - name: Course {chr(ord('A') + c)}", f"    runs: [{name}/*/course.yml]"]
        for r in range(runs):
            t0 = time.perf_counter()
            start = dt.date(2023, 1, 2) + dt.timedelta(weeks=8 * r)
            make_course(
                root / name / f"run-{r + 1:02d}",
                learners=learners,
                weeks=3,
                seed=100 * c + r,
                stub=f"{name}-{r + 1}",
                start=start.isoformat(),
            )
            print(f"  made {name} run {r + 1} in {time.perf_counter() - t0:.1f} s", flush=True)
    catalogue.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return catalogue


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--courses", type=int, default=2)
    p.add_argument("--runs-per-course", type=int, default=6)
    p.add_argument("--learners", type=int, default=20_000)
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--chapters", default="03-enrolment", help="chapters per book, or 'all'")
    p.add_argument("--to", default="html")
    p.add_argument("--modes", default="serial,cluster")
    args = p.parse_args(argv)

    from flbook.portfolio import build_portfolio, read_catalogue

    data = HERE / "_data" / f"portfolio-{args.learners}-{args.courses}x{args.runs_per_course}"
    data.mkdir(parents=True, exist_ok=True)
    catalogue = read_catalogue(make_data(data, args.courses, args.runs_per_course, args.learners))
    n = len(catalogue.runs)
    options = {
        "chapters": None if args.chapters == "all" else args.chapters.split(","),
        "formats": args.to.split(","),
        "engine": "pandoc",
        "force": True,
    }
    rows = []
    for mode in args.modes.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["FLBOOK_CACHE"] = str(Path(tmp) / "cache")  # cold store, every mode
            out = str(Path(tmp) / "out")
            kwargs: dict = {"serial": True} if mode == "serial" else {}
            startup = 0.0
            if mode == "cluster":
                import dask
                from distributed import Client, LocalCluster

                t0 = time.perf_counter()
                with dask.config.set({"distributed.worker.daemon": False}):
                    cluster = LocalCluster(
                        n_workers=args.workers,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                    )
                client = Client(cluster)
                startup = time.perf_counter() - t0
                kwargs = {"client": client}
            t0 = time.perf_counter()
            result = build_portfolio(
                catalogue,
                out,
                options=options,
                progress=lambda d, t, r, mode=mode: print(
                    f"  {mode} [{d}/{t}] {r['key']} {r['status']} {r['seconds']:.1f} s",
                    flush=True,
                ),
                **kwargs,
            )
            wall = time.perf_counter() - t0 + startup
            if mode == "cluster":
                client.close()
                cluster.close()
            per_run = [r["seconds"] for r in result.records]
            phases = [r.get("phases", {}) for r in result.records]
            rows.append(
                {
                    "mode": mode if mode == "serial" else f"local cluster, {args.workers} workers",
                    "runs": n,
                    "learners": args.learners,
                    "chapters": args.chapters,
                    "wall_s": round(wall, 1),
                    "startup_s": round(startup, 1),
                    "median_run_s": round(statistics.median(per_run), 1),
                    "sum_run_s": round(sum(per_run), 1),
                    **{
                        f"median_{k.split()[0]}_s": round(
                            statistics.median(p.get(k, float("nan")) for p in phases), 1
                        )
                        for k in ("load and summary", "chapters", "render")
                    },
                    "failed": len(result.failed),
                }
            )
    base = rows[0]["wall_s"]
    for r in rows:
        r["speedup"] = round(base / r["wall_s"], 2) if r["wall_s"] else None
    cols = list(rows[0])
    print()
    print(" | ".join(cols))
    for r in rows:
        print(" | ".join(str(r[c]) for c in cols))
    out_csv = results_path(HERE / "results", dt.date.today())
    out_csv.parent.mkdir(exist_ok=True)
    with out_csv.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        w.writerows(rows)
    print(f"\nwrote {out_csv}  (cpus: {os.cpu_count()}, python {sys.version.split()[0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
