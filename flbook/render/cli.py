"""``flbook render``: execute the chapters on one course and render its book.

Called by :mod:`flbook.cli` with the parsed arguments (``course``, ``--out``, ``--to``,
``--engine``, ``--chapters``, ``--jobs``, ``--no-cache``). Prints one line per chapter
as it finishes, saying which came from the execution cache; a failing chapter names the
cell and the error, the rest of the book is still built, and the exit code is 1.
A format none of whose inputs changed since it was last written is kept as it is
(:mod:`flbook.render.stamps`), and the command says so.

Chapters run in parallel, one per core, unless ``--jobs`` says otherwise; an unchanged
chapter is taken from the execution cache (``FLBOOK_CACHE/chapters``, see
:mod:`flbook.render.cache`) unless ``--no-cache`` is given.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil

from flbook.render.execute import ProgressEvent
from flbook.render.kernels import release_memory

if TYPE_CHECKING:
    from flbook.store import Course

__all__ = [
    "run_render",
    "book_project_dir",
    "course_data_key",
    "course_data_mb",
    "course_metadata",
    "release_memory",
    "memory_share",
]


def book_project_dir() -> Path:
    """The folder holding the book's ``_quarto.yml`` and chapters (the flbook project)."""
    from flbook.resources import project_dir

    return project_dir()


def course_data_key(course: Course) -> str | None:
    """Names a loaded course's data for the execution cache.

    The name of its store (a digest of every export file's content, the notebook logs
    and the store's format), followed by the store names of its previous runs (which
    the predictions and earlier-runs chapters read; loading them here builds their
    stores once, before chapters run side by side). So it changes exactly when data a
    chapter can read changes. ``None`` for a course read without the store.
    """
    from flbook.store import load_course

    store = getattr(course, "store", None)
    if store is None:
        return None
    names = [Path(store).name]
    for run in course.config.previous_runs:
        try:
            previous = getattr(load_course(run), "store", None)
        except Exception:  # the chapters say what is wrong with it; it is not cached data
            previous = None
        names.append("-" if previous is None else Path(previous).name)
    return "+".join(names)


def course_data_mb(course: Course) -> float | None:
    """The size of a loaded course's store on disk, in MB (``None`` without a store).

    The memory guard scales each chapter's expected peak by it
    (:func:`flbook.render.execute.expected_peak_mb`).
    """
    store = getattr(course, "store", None)
    if store is None or not Path(store).is_dir():
        return None
    return sum(f.stat().st_size for f in Path(store).rglob("*") if f.is_file()) / 2**20


def course_metadata(cfg: Any, course: Course | None = None) -> dict[str, Any]:
    """Book metadata for one course: the subtitle and the ``{{< meta >}}`` values.

    The export date is the day of the latest timestamp in any column of any file (a
    snapshot cannot be older than what it records), so it does not depend on when the
    files were copied. ``course`` is the loaded course, if at hand (loaded here otherwise).
    """
    from flbook.store import load_course

    if course is None:
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


def memory_share(max_memory: str | None) -> float:
    """The memory guard's share of the machine for ``--max-memory`` (``4G``, ``1500M``).

    Examples
    --------
    >>> from flbook.render.execute import MEMORY_SHARE
    >>> memory_share(None) == MEMORY_SHARE
    True
    >>> import psutil
    >>> total = psutil.virtual_memory().total
    >>> round(memory_share("512M") * total) == 512 * 2**20
    True
    >>> memory_share("lots")
    Traceback (most recent call last):
    ...
    flbook.errors.FlbookError: --max-memory 'lots': give a size such as 4G, 1500M or 0.5T
    """
    import re

    import psutil

    from flbook.errors import FlbookError
    from flbook.render.execute import MEMORY_SHARE

    if not max_memory:
        return MEMORY_SHARE
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*", max_memory, re.I)
    if m is None:
        raise FlbookError(f"--max-memory {max_memory!r}: give a size such as 4G, 1500M or 0.5T")
    size = float(m.group(1)) * 1024 ** "BKMGT".index((m.group(2) or "B").upper())
    return size / psutil.virtual_memory().total


def _print_progress(event: ProgressEvent, peaks: dict[str, float] | None = None) -> None:
    """One line per chapter as it ends (its memory peak, when known, goes into ``peaks``)."""
    if event.kind == "start":
        return
    head = f"  [{event.index}/{event.total}] {event.chapter:<32}"
    memory = ""
    if event.peak_mb:
        memory = f"  {event.peak_mb / 1024:4.1f} GB"
        if peaks is not None:
            peaks[event.chapter] = event.peak_mb
    if event.error is None:
        how = "cached " if event.cached else "ok     "
        print(f"{head} {how} {event.seconds:6.1f} s{memory}", file=sys.stderr, flush=True)
    else:
        print(f"{head} FAILED  {event.seconds:6.1f} s  {event.error}", file=sys.stderr, flush=True)


def run_render(args: argparse.Namespace) -> int:
    """Run ``flbook render`` with parsed arguments; return the exit code."""
    from flbook.config import load_config
    from flbook.render import RenderWarning, render_book
    from flbook.store import cache_dir, load_course

    cfg = load_config(args.course)
    project = Path(getattr(args, "project", None) or book_project_dir())
    out = Path(args.out) if args.out else Path("out") / cfg.stub
    formats = tuple(f.strip() for f in (args.to or "html,pdf").split(",") if f.strip())
    chapters = [c.strip() for c in args.chapters.split(",")] if args.chapters else None
    share = memory_share(getattr(args, "max_memory", None))  # a bad size: before any work
    print(f"Rendering the book for {cfg.title} ({cfg.stub}) into {out}", file=sys.stderr)
    # loaded once here, so that chapters running side by side never build the store twice
    course = load_course(cfg)
    if course.report.reused:
        print(
            f"  store: {len(course.report.reused)} file(s) unchanged since an earlier export "
            f"taken from its store, the rest parsed: {', '.join(course.report.reused)}",
            file=sys.stderr,
        )
    no_cache = bool(getattr(args, "no_cache", False))
    jobs = getattr(args, "jobs", None)
    metadata = course_metadata(cfg, course)
    data_key = course_data_key(course)
    data_mb = course_data_mb(course)
    del course  # the chapters load the course themselves, from its store
    peaks: dict[str, float] = {}  # MB, each chapter executed side by side
    release_memory()
    with warnings.catch_warnings():  # printed below, with the result
        warnings.simplefilter("ignore", RenderWarning)
        result = render_book(
            project,
            cfg.to_parameters(),
            out,
            formats=formats,
            engine=args.engine,
            chapters=chapters,
            jobs=None if not jobs else max(1, int(jobs)),
            progress=functools.partial(_print_progress, peaks=peaks),
            metadata=metadata,
            cache=None if no_cache else cache_dir() / "chapters",
            data_key=data_key,
            warm=not getattr(args, "fresh_kernels", False),
            memory_share=share,
            data_mb=data_mb,
        )
    for message in result.warnings:
        print(f"  warning: {message}", file=sys.stderr)
    bound_mb = share * psutil.virtual_memory().total / 2**20
    for chapter, peak in peaks.items():
        if peak > bound_mb:
            print(
                f"  warning: {chapter} reached {peak / 1024:.1f} GB on its own, over the "
                f"memory bound of {bound_mb / 1024:.1f} GB (--max-memory): the guard can run "
                "it alone, not make it smaller",
                file=sys.stderr,
            )
    for fmt, path in result.outputs.items():
        print(f"{fmt}: {path}")
    executed = [c for c in result.chapters if c.executed]
    cached = [c.name for c in executed if c.cached]
    if cached:
        print(
            f"{len(cached)} of {len(executed)} chapters came from the cache "
            f"(unchanged code, parameters, data and flbook): {', '.join(cached)}",
            file=sys.stderr,
        )
    if result.reused:
        print(
            f"kept as written before (nothing it is made from changed): {', '.join(result.reused)}",
            file=sys.stderr,
        )
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
