"""Build one run's book and its one-row summary table: the unit of work of a portfolio.

:func:`build_run` is what each Dask task runs. It needs only the run's settings and the
output location: the worker reads the exports where they are (a path every worker
can see), renders the book, and writes under ``OUT/runs/COURSE/STUB/``:

- ``book/`` (the book website; and the other formats asked for) and ``_build/``;
- ``summary.parquet``: one row, a few hundred bytes, all the portfolio book reads;
- ``stamp.json``: a digest of everything the book depends on; when it matches, the
  run is up to date and is not built again.

``OUT`` is a local path or an fsspec URL (``s3://bucket/portfolio``, ...): for a remote
URL the book is rendered into a temporary folder on the worker and uploaded.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import tempfile
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._catalogue import RunEntry

if TYPE_CHECKING:
    from flbook.store import Course

__all__ = ["SUMMARY_COLUMNS", "run_summary", "run_stamp", "build_run", "output_fs"]

SUMMARY_COLUMNS: dict[str, str] = {
    "course": "the course's name in the catalogue",
    "course_slug": "the course's folder under the portfolio output",
    "run": "the run's stub",
    "title": "the run's title",
    "start": "first day of study week 1",
    "weeks": "study weeks",
    "learners": "enrolled learners (role learner)",
    "visited": "learners who visited at least one step",
    "completed": "learners who marked at least one step complete",
    "fully_participated": "learners who fully participated",
    "purchased": "learners who bought a certificate or statement",
    "median_study_minutes": "median estimated study time of learners with step activity",
    "sentiment_responses": "weekly sentiment survey answers",
    "sentiment_good": "of them, rating the week good",
    "status": "'built', 'up to date' or 'failed'",
    "failed": "what failed: 'chapter: error' (empty when nothing did)",
    "book": "the run's book, relative to the portfolio output",
}
"""Columns of a run's summary table, and what they hold."""


def output_fs(url: str):
    """The fsspec filesystem and root path of an output location (path or URL)."""
    import fsspec

    fs, root = fsspec.core.url_to_fs(str(url))
    return fs, root.rstrip("/")


def _is_local(fs) -> bool:
    from fsspec.implementations.local import LocalFileSystem

    return isinstance(fs, LocalFileSystem)


def run_summary(course: Course) -> dict[str, Any]:
    """The summary numbers of one loaded run (learners, shares' counts, study time, sentiment).

    Returns
    -------
    dict with the count and measure keys of :data:`SUMMARY_COLUMNS` (``learners`` …
    ``sentiment_good``).
    """
    from ..analysis import learner_flags, learner_sessions, sentiment_by_week

    flags = learner_flags(course)
    gap = course.config.session_gap_minutes if course.config is not None else 65
    sessions = learner_sessions(course, session_gap_minutes=gap)
    senti = sentiment_by_week(course)
    return {
        "learners": int(len(flags)),
        "visited": int(flags["visited"].sum()),
        "completed": int(flags["completed"].sum()),
        "fully_participated": int(flags["fully_participated"].sum()),
        "purchased": int(flags["purchased"].sum()),
        "median_study_minutes": float(sessions["study_minutes"].median())
        if len(sessions)
        else np.nan,
        "sentiment_responses": int(senti["responses"].sum()),
        "sentiment_good": int(senti.loc[senti["rating"].astype(str) == "good", "responses"].sum()),
    }


def _digest_file(h, path: Path) -> None:
    import xxhash

    x = xxhash.xxh3_128()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            x.update(block)
    h.update(f"{path.name}:{x.hexdigest()}\n".encode())


def run_stamp(run: RunEntry, options: dict[str, Any]) -> str:
    """A digest of everything a run's book depends on.

    It covers the run's ``course.yml`` and those of its earlier runs, every export file
    of the run (by content), flbook's version, the book's sources (``_quarto.yml``,
    chapters, ``book/`` pages) and the build options (formats, engine, chapters).
    """
    import flbook

    from ..render.cli import book_project_dir

    h = hashlib.sha256()
    h.update(f"flbook {flbook.__version__}\n{json.dumps(options, sort_keys=True)}\n".encode())
    cfg = run.config
    for settings in (run.settings, *cfg.previous_runs):
        h.update(Path(settings).read_bytes())
    for path in sorted(Path(cfg.data).glob(f"{cfg.stub}_*")):
        _digest_file(h, path)
    for path in (cfg.notebook_logs, cfg.notebook_user_map):
        p = Path(path) if path else None
        if p is not None and p.is_file():
            _digest_file(h, p)
        elif p is not None and p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file():
                    _digest_file(h, f)
    project = Path(options.get("project") or book_project_dir())
    sources = [project / "_quarto.yml", *sorted((project / "chapters").glob("*.ipynb"))]
    sources += sorted((project / "book").glob("*"))
    for path in sources:
        if path.is_file():
            _digest_file(h, path)
    return h.hexdigest()


def _read_json(fs, path: str) -> dict | None:
    try:
        with fs.open(path, "r") as fh:
            return json.load(fh)
    except (FileNotFoundError, OSError, ValueError):
        return None


def write_summary(fs, path: str, row: dict[str, Any]) -> None:
    """Write one run's summary row (:data:`SUMMARY_COLUMNS`) as a Parquet file at ``path`` on ``fs``."""
    frame = pd.DataFrame([row], columns=list(SUMMARY_COLUMNS))
    frame["start"] = pd.to_datetime(frame["start"])
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    with fs.open(path, "wb") as fh:
        fh.write(buf.getvalue())


def build_run(run: RunEntry, out: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build one run's book and summary under ``OUT/runs/COURSE/STUB`` unless up to date.

    Parameters
    ----------
    run : the run (from the catalogue).
    out : the portfolio's output folder: a path or an fsspec URL every worker can write.
    options : ``formats`` (list), ``engine``, ``chapters`` (list or None), ``project``
        (book project folder or None), ``force`` (build even when up to date), ``build``
        (an id of the portfolio build, written into the stamp: a retried task that finds
        the stamp of its own build reports the run as built, not up to date).

    Returns
    -------
    dict: ``key``, ``status`` ("built", "up to date" or "failed"), ``failed`` (list of
    ``[chapter, error]``), ``seconds``, ``phases`` (seconds spent loading the exports
    and computing the summary, executing the chapters, rendering) and ``worker`` (the
    host that built it). Errors
    never escape: a run that cannot be built is reported, and the others go on.
    """
    import socket

    options = dict(options or {})
    force = bool(options.pop("force", False))
    build = options.pop("build", None)
    t0 = time.perf_counter()
    fs, root = output_fs(out)
    run_dir = f"{root}/runs/{run.key}"
    record: dict[str, Any] = {"key": run.key, "status": "built", "failed": []}
    record["worker"] = socket.gethostname()
    try:
        stamp = run_stamp(run, options)
        old = _read_json(fs, f"{run_dir}/stamp.json")
        current = old is not None and old.get("stamp") == stamp
        if not force and current and fs.exists(f"{run_dir}/summary.parquet"):
            # stamped by this same build: an earlier try whose worker died after writing
            by_this_build = build is not None and old.get("build") == build
            record.update(
                status="built" if by_this_build else "up to date",
                seconds=time.perf_counter() - t0,
            )
            return record
        with contextlib.ExitStack() as stack:
            if _is_local(fs):
                local = Path(run_dir)
                local.mkdir(parents=True, exist_ok=True)
            else:
                local = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            result, summary, load_seconds = _render(run, local, options)
            record["phases"] = {
                "load and summary": round(load_seconds, 2),
                "chapters": round(result.execute_seconds, 2),
                "render": round(result.render_seconds, 2),
            }
            failed = [[c.name, str(c.error)] for c in result.failed]
            if not _is_local(fs):
                fs.put(str(local), run_dir, recursive=True)
        book = ""
        if "html" in result.outputs:  # the book website's home page, within the run's folder
            page = Path(result.outputs["html"]).resolve().relative_to(local.resolve())
            book = f"runs/{run.key}/{page.as_posix()}"
        status = "failed" if failed else "built"
        record.update(status=status, failed=failed)
    except Exception as e:  # anything at all: the run is reported, the portfolio goes on
        summary = {}
        stage = "loading and checking the exports"
        if not isinstance(e, _known_errors()):
            stage = "building the book"
            record["traceback"] = traceback.format_exc(limit=5)
        failed = [[stage, f"{type(e).__name__}: {e}"]]
        record.update(status="failed", failed=failed)
        book = ""
    row = {
        "course": run.course,
        "course_slug": run.course_slug,
        "run": run.config.stub,
        "title": run.config.title,
        "start": pd.Timestamp(run.config.start),
        "weeks": run.config.weeks,
        **{k: summary.get(k, np.nan) for k in list(SUMMARY_COLUMNS)[6:14]},
        "status": record["status"],
        "failed": "; ".join(f"{c}: {e}" for c, e in failed),
        "book": book,
    }
    fs.makedirs(run_dir, exist_ok=True)
    write_summary(fs, f"{run_dir}/summary.parquet", row)
    stamp_path = f"{run_dir}/stamp.json"
    if record["status"] == "built":
        with fs.open(stamp_path, "w") as fh:
            json.dump({"stamp": stamp, "build": build}, fh)
    elif fs.exists(stamp_path):
        fs.rm(stamp_path)
    record["seconds"] = time.perf_counter() - t0
    return record


def _known_errors() -> tuple[type, ...]:
    from ..errors import FlbookError

    return (FlbookError,)


def _render(run: RunEntry, out: Path, options: dict[str, Any]):
    import warnings

    from ..render import RenderWarning, render_book
    from ..render.cli import book_project_dir, course_metadata
    from ..store import load_course

    t0 = time.perf_counter()
    course = load_course(run.config)  # checks the exports first; the chapters reuse the store
    summary = run_summary(course)
    load_seconds = time.perf_counter() - t0
    with warnings.catch_warnings():  # e.g. cross-references to chapters left out
        warnings.simplefilter("ignore", RenderWarning)
        result = render_book(
            options.get("project") or book_project_dir(),
            run.config.to_parameters(),
            out,
            formats=tuple(options.get("formats") or ("html",)),
            engine=options.get("engine") or "auto",
            chapters=options.get("chapters"),
            jobs=1,
            metadata=course_metadata(run.config),
        )
    return result, summary, load_seconds
