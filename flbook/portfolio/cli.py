"""``flbook portfolio CATALOGUE.yml --out DIR``: every run's book, then the portfolio book.

Prints ``[done/total] course/run status`` as each run finishes; a failed run names the
chapter (or stage) and the error. Exit status 1 when any run failed.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["run_portfolio"]


def _progress(done: int, total: int, record: dict) -> None:
    head = f"  [{done}/{total}] {record['key']:<40} {record['status']:<10}"
    seconds = record.get("seconds")
    if seconds == seconds and seconds is not None:  # not NaN
        head += f" {seconds:7.1f} s"
    for chapter, error in record.get("failed", []):
        head += f"\n        {chapter}: {error}"
    print(head, file=sys.stderr, flush=True)


def run_portfolio(args: argparse.Namespace) -> int:
    """Run ``flbook portfolio`` with parsed arguments; return the exit code."""
    from . import build_portfolio, read_catalogue

    catalogue = read_catalogue(args.catalogue)
    if args.workers is not None and args.workers < 1:
        raise SystemExit("flbook: error: --workers must be at least 1")
    options = {
        "formats": [f.strip() for f in (args.to or "html").split(",") if f.strip()],
        "engine": args.engine,
        "chapters": [c.strip() for c in args.chapters.split(",")] if args.chapters else None,
        "force": bool(args.force),
    }
    if args.project:
        options["project"] = args.project
    where = (
        "one after another"
        if args.serial
        else f"on the Dask scheduler at {args.scheduler}"
        if args.scheduler
        else f"on a local Dask cluster of {args.workers or 'one worker per core'}"
        + (" workers" if args.workers else "")
    )
    print(
        f"Building {len(catalogue.runs)} run(s) of {len(catalogue.courses)} course(s) "
        f"into {args.out}, {where}",
        file=sys.stderr,
    )
    result = build_portfolio(
        catalogue,
        args.out,
        workers=args.workers,
        scheduler=args.scheduler,
        serial=args.serial,
        options=options,
        progress=_progress,
    )
    for fmt, path in result.outputs.items():
        print(f"{fmt}: {path}")
    counts = {s: sum(r["status"] == s for r in result.records) for s in ("built", "up to date")}
    print(
        f"{counts['built']} built, {counts['up to date']} up to date, {len(result.failed)} failed "
        f"in {result.seconds:.1f} s",
        file=sys.stderr,
    )
    if result.failed:
        names = ", ".join(r["key"] for r in result.failed)
        print(f"flbook: error: {len(result.failed)} run(s) failed: {names}", file=sys.stderr)
        return 1
    return 0
