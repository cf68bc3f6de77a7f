"""``flbook render``: execute the chapters on one course and render its book.

Called by :mod:`flbook.cli` with the parsed arguments (``course``, ``--out``, ``--to``,
``--engine``, ``--chapters``, ``--jobs``). Prints one line per chapter as it finishes;
a failing chapter names the cell and the error, the rest of the book is still built,
and the exit code is 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import warnings
from pathlib import Path
from typing import Any

from flbook.render.execute import ProgressEvent

__all__ = ["run_render", "book_project_dir", "course_metadata"]


def book_project_dir() -> Path:
    """The folder holding the book's ``_quarto.yml`` and chapters (the flbook project)."""
    from flbook.resources import project_dir

    return project_dir()


def course_metadata(cfg: Any) -> dict[str, Any]:
    """Book metadata for one course: the subtitle and the ``{{< meta >}}`` values.

    The export date is the day of the latest timestamp in any column of any file (a
    snapshot cannot be older than what it records), so it does not depend on when the
    files were copied.
    """
    from flbook.store import load_course

    course = load_course(cfg)
    latest = course.report.export_date
    export_date = latest[:10] if latest else "unknown"
    return {
        "subtitle": cfg.title,
        "course-title": cfg.title,
        "course-stub": cfg.stub,
        "export-date": export_date,
        "date": dt.date.today().isoformat(),
    }


def _print_progress(event: ProgressEvent) -> None:
    if event.kind == "start":
        return
    head = f"  [{event.index}/{event.total}] {event.chapter:<32}"
    if event.error is None:
        print(f"{head} ok      {event.seconds:6.1f} s", file=sys.stderr, flush=True)
    else:
        print(f"{head} FAILED  {event.seconds:6.1f} s  {event.error}", file=sys.stderr, flush=True)


def run_render(args: argparse.Namespace) -> int:
    """Run ``flbook render`` with parsed arguments; return the exit code."""
    from flbook.config import load_config
    from flbook.render import RenderWarning, render_book

    cfg = load_config(args.course)
    project = Path(getattr(args, "project", None) or book_project_dir())
    out = Path(args.out) if args.out else Path("out") / cfg.stub
    formats = tuple(f.strip() for f in (args.to or "html,pdf").split(",") if f.strip())
    chapters = [c.strip() for c in args.chapters.split(",")] if args.chapters else None
    print(f"Rendering the book for {cfg.title} ({cfg.stub}) into {out}", file=sys.stderr)
    with warnings.catch_warnings():  # printed below, with the result
        warnings.simplefilter("ignore", RenderWarning)
        result = render_book(
            project,
            cfg.to_parameters(),
            out,
            formats=formats,
            engine=args.engine,
            chapters=chapters,
            jobs=max(1, int(args.jobs or 1)),
            progress=_print_progress,
            metadata=course_metadata(cfg),
        )
    for message in result.warnings:
        print(f"  warning: {message}", file=sys.stderr)
    for fmt, path in result.outputs.items():
        print(f"{fmt}: {path}")
    print(
        f"executed in {result.execute_seconds:.1f} s, rendered ({result.engine}) "
        f"in {result.render_seconds:.1f} s",
        file=sys.stderr,
    )
    if result.failed:
        names = ", ".join(f"{c.name} ({c.error})" for c in result.failed)
        print(f"flbook: error: {len(result.failed)} chapter(s) failed: {names}", file=sys.stderr)
        return 1
    return 0
