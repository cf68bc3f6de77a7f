"""Notebook-log benchmark: read about 1 GB of jupyterlab-pioneer logs, time and memory.

Generates (once, then reuses) a synthetic course and its notebook logs in /tmp, sized
to about ``--gb`` gigabytes, then reads them with
:func:`flbook.exports.notebook_logs.read_notebook_logs` in a fresh process (so the peak
memory is the reader's own) and prints seconds, MB/s, events per second and the peak
resident memory (VmHWM from /proc/self/status).

The log is scaled by the number of learners of the synthetic course (the generator
writes about 32 kB of file-exporter log per learner with ``share=0.5``: indented JSON,
about 560 bytes an event).

Usage::

    python benchmarks/notebook_logs.py                 # ~1 GB, file-exporter layout
    python benchmarks/notebook_logs.py --layout jsonl  # remote-exporter bodies, one file a day
    python benchmarks/notebook_logs.py --gb 0.1 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

BYTES_PER_LEARNER = {"file": 32_000, "jsonl": 25_000}  # measured on the 2,000-learner course


def _peak_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def logs_dir(gb: float, layout: str, seed: int) -> Path:
    """Folder of a generated course with ~``gb`` GB of logs (made once, reused)."""
    learners = max(2000, int(gb * 1e9 / BYTES_PER_LEARNER[layout]))
    d = Path("/tmp") / f"flbook-nblogs-{layout}-{learners}-s{seed}"
    if not (d / "notebook-logs").exists():
        from flbook.synth import make_course, make_notebook_logs

        t0 = time.perf_counter()
        print(f"generating a {learners:,}-learner course and its logs in {d} ...", file=sys.stderr)
        make_course(d, learners=learners, seed=seed)
        info = make_notebook_logs(d, seed=seed, layout=layout)
        print(
            f"  {info['events']:,} events in {len(info['files'])} file(s), "
            f"generated in {time.perf_counter() - t0:.1f} s",
            file=sys.stderr,
        )
    return d


def read_once(folder: Path) -> dict:
    """Read the logs in this process; return the measurements."""
    from flbook.exports.notebook_logs import read_notebook_logs

    t0 = time.perf_counter()
    table, report = read_notebook_logs(
        folder / "notebook-logs", user_map=folder / "notebook-users.csv"
    )
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "bytes": report.bytes,
        "events": table.num_rows,
        "records": report.rows_read,
        "peak_mb": _peak_kb() / 1024,
        "table_mb": table.nbytes / 1e6,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gb", type=float, default=1.0, help="approximate size of the log")
    ap.add_argument("--layout", choices=("file", "jsonl"), default="file")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--read", help=argparse.SUPPRESS)  # child mode: read this course folder
    args = ap.parse_args()
    if args.read:
        print(json.dumps(read_once(Path(args.read))))
        return
    folder = logs_dir(args.gb, args.layout, args.seed)
    runs = []
    for _ in range(args.repeat):
        out = subprocess.run(
            [sys.executable, __file__, "--read", str(folder)],
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    r = runs[0]
    seconds = statistics.median(x["seconds"] for x in runs)
    peak = max(x["peak_mb"] for x in runs)
    print(f"layout: {args.layout}; log: {r['bytes'] / 1e9:.2f} GB, {r['records']:,} records")
    print(f"read_notebook_logs: {seconds:.1f} s (median of {len(runs)})")
    print(
        f"throughput: {r['bytes'] / 1e6 / seconds:.0f} MB/s, {r['events'] / seconds:,.0f} events/s"
    )
    print(f"peak memory (VmHWM): {peak:,.0f} MB; event table: {r['table_mb']:,.0f} MB")


if __name__ == "__main__":
    main()
