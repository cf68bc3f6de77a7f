"""Loading a course: read and check every export once, keep it in the store, reload fast.

:func:`load_course` reads every export of a course run (see :mod:`flbook.exports`),
checks it, encodes its ids (:mod:`._ids`) and writes the typed tables to a store
named after the content of the source files (:mod:`._cache`). Later loads (every
chapter of the book) open the store, and read only the tables and columns they use.
A changed CSV changes the key, so it is never served stale; a new store takes the
tables of the files that did not change from an earlier store of the same course
folder, instead of parsing them again.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..config import CourseConfig, load_config
from ..errors import ExportError
from ..exports import DATASETS, drop_exact_duplicates, read_export
from ._cache import (
    STORE_VERSION,
    Digests,
    cache_dir,
    file_digest,
    find_earlier_store,
    link_or_copy,
    read_person_order,
    sources_record,
    write_parquet,
    write_store,
)
from ._course import Course, apply_team_rule, check_weeks
from ._ids import EncodedTables, KeptTables, encode_tables, people_index
from ._notebooks import notebook_sources, read_notebook_events
from ._report import LoadReport

REQUIRED_DATASETS = ("enrolments",)
"""Exports without which there is no course: every other missing file is "no data"."""

# columns (after encoding) that nearly identify a row: the search for exact duplicate
# rows hashes only these, or when they are small integers and do identify every row,
# is one bitmap check (see drop_exact_duplicates)
_ROW_KEY = {
    "step-activity": ("learner_id", "step"),
    "question-response": ("learner_id", "quiz_question", "submitted_at"),
    "comments": ("id",),
    "peer-review-assignments": ("id",),
    "peer-review-reviews": ("id",),
    "leaving-survey-responses": ("id",),
    "archetype-survey-responses": ("id",),
    "weekly-sentiment-survey-responses": ("id",),
}


def load_course(
    config: CourseConfig | str | Path | None = None,
    *,
    cache: str | Path | None | bool = None,
    reuse: bool = True,
    progress: Callable[[str], None] | None = None,
) -> Course:
    """Load one course run: read and check every export, cache it, return a :class:`Course`.

    Parameters
    ----------
    config : a :class:`CourseConfig`, or the path of a ``course.yml``; default: the bundled course.
    cache : the store's root folder (default :func:`cache_dir`); ``False`` reads the CSVs
        without storing them.
    reuse : when the store is built, take the tables of files that are unchanged
        (same path, same content) since an earlier store of the same course folder from
        that store instead of parsing them again (``report.reused`` names them). The
        result is the same either way; ``False`` parses every file.
    progress : optional callable taking a one-line message per file read or reused.

    A missing export other than enrolments is "no data", like a header-only file: its
    table is empty (with its columns), and the report names it.

    Raises
    ------
    ExportError
        when a file cannot be read (naming the file, column, line and value), or when
        the enrolments export is missing.
    """
    if not isinstance(config, CourseConfig):
        config = load_config(config)
    t0 = time.perf_counter()
    files = {name: config.data_file(name) for name in DATASETS}
    for name in REQUIRED_DATASETS:
        if not files[name].exists():
            raise ExportError(
                files[name],
                f"the {name} export is required (it says who the learners are) but was "
                f"not found: looked for {files[name].name} in {config.data}; check the "
                "settings 'data' and 'stub'",
            )
    if cache is False:
        return _build(config, files, progress, t0)[0]

    root = Path(cache) if cache not in (None, True) else cache_dir()
    digests = Digests(root)
    nb_files = notebook_sources(config)
    todo = [p for p in files.values() if p.exists() and digests.lookup(p) is None]
    todo += [p for p in nb_files if p.exists() and digests.lookup(p) is None]
    if todo:
        with cf.ThreadPoolExecutor(max_workers=2) as ex:
            for p, d in zip(todo, ex.map(file_digest, todo), strict=True):
                digests.remember(p, d)
    file_digests = {n: digests.lookup(p) if p.exists() else None for n, p in files.items()}
    key_src = [STORE_VERSION] + [f"{n}={file_digests[n] or '-'}" for n in sorted(files)]
    if config.notebook_logs:  # the notebook events depend on the logs, the map and the variable
        key_src.append(f"notebook_user_env={config.notebook_user_env}")
        key_src.append(f"notebook_skip_bad_records={config.notebook_skip_bad_records}")
        key_src += [f"notebook:{p}={digests.lookup(p) if p.exists() else '-'}" for p in nb_files]
    key = hashlib.blake2b("\n".join(key_src).encode(), digest_size=12).hexdigest()
    store = root / "courses" / key
    if (store / "report.json").exists():
        course = _open_store(config, store)
        course.report.seconds = time.perf_counter() - t0
        course.report.from_store = True
        digests.save()
        return course
    root.mkdir(parents=True, exist_ok=True)
    (root / "courses").mkdir(exist_ok=True)
    sources = sources_record(files, file_digests)
    earlier = find_earlier_store(root / "courses", sources) if reuse else None
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root / "courses"))
    try:
        course, encoded, events = _build(config, files, progress, t0, tmp, store, earlier)
        write_store(
            tmp,
            store,
            people=course.people,
            steps=encoded.steps,
            report_json=course.report.to_json(),
            person_order=encoded.person_order,
            sources=sources,
            notebook_events=events,
            notebook_report_json=(
                json.dumps(course.notebook_report.to_dict()) if course.notebook_report else None
            ),
        )
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    digests.save()
    return course


def _kept_tables(
    earlier: tuple[Path, list[str]] | None,
) -> tuple[KeptTables, LoadReport, Path] | None:
    """The tables of the unchanged files, taken from the earlier store, with its lists
    and report; None if there is nothing to take (or the earlier store cannot be read:
    every file is then parsed, as without it)."""
    if earlier is None:
        return None
    store, names = earlier
    try:
        report = LoadReport.from_json((store / "report.json").read_text())
        people = pq.read_table(store / "people.parquet").column("person").combine_chunks()
        steps = pq.read_table(store / "steps.parquet").column("step").to_pylist()
        order = read_person_order(store)
        tables = {n: pq.read_table(store / f"{n}.parquet", memory_map=True) for n in names}
        kept = KeptTables(people.cast(pa.string()), steps, tables, order)
        if any(n not in report.files for n in names):
            return None
    except (OSError, ValueError, KeyError, pa.ArrowException):
        return None
    return kept, report, store


def _build(
    config: CourseConfig,
    files: dict[str, Path],
    progress: Callable[[str], None] | None,
    t0: float,
    write_to: Path | None = None,
    store: Path | None = None,
    earlier: tuple[Path, list[str]] | None = None,
) -> tuple[Course, EncodedTables, pa.Table | None]:
    """Read, check and encode every export (taking the unchanged ones from ``earlier``,
    a store and the datasets it can give); write each table into ``write_to`` (the
    store's temporary folder) as soon as it is final, if given.

    Returns the course, its encoded tables and lists, and its encoded notebook events.
    """
    report = LoadReport()
    taken = _kept_tables(earlier)
    kept, kept_report, kept_store = taken if taken else (None, None, None)
    tables = {}
    for name, path in files.items():
        if kept is not None and name in kept.tables:
            if progress:
                progress(f"reusing {path.name} (unchanged since the earlier export)")
            report.files[name] = kept_report.files[name]
            report.reused.append(name)
            continue
        if progress:
            progress(f"reading {path.name}")
        # one file at a time: Arrow parses each on every core already (reading two at
        # once was measured: no faster, more memory); duplicates are dropped after
        # encoding, when ids are integer codes
        tables[name], report.files[name] = read_export(path, DATASETS[name], drop_duplicates=False)

    def finish(name: str, table: pa.Table, source: str) -> pa.Table:
        if source == "parsed" and name != "enrolments":  # the reader dropped them (before
            rep = report.files[name]  # its re-enrolment rule)
            table = drop_exact_duplicates(table, rep, _ROW_KEY.get(name, ()))
            rep.rows_kept = table.num_rows
        if write_to is None:
            return table
        if source == "unchanged":  # the same file as the earlier store's
            link_or_copy(kept_store / f"{name}.parquet", write_to / f"{name}.parquet")
            return table
        return write_parquet(table, write_to / f"{name}.parquet")

    missing = report.missing()
    if missing:
        report.warnings.append(
            f"{len(missing)} of {len(files)} export files not found, treated as no data "
            f"(chapters that need them say so): {', '.join(missing)}"
        )
    if "enrolments" in tables:
        team_ids = None
        if kept is not None and "team-members" in kept.tables:
            codes = kept.tables["team-members"].column("id").to_numpy(zero_copy_only=False)
            team_ids = kept.people.take(pa.array(codes[codes >= 0]))
        apply_team_rule(tables, report, team_ids)
    else:  # kept: the team rule was applied to it, with the same team-members file
        report.team_in_enrolments = kept_report.team_in_enrolments
        report.team_as_learners = kept_report.team_as_learners
    encoded = encode_tables(tables, names=list(files), kept=kept, finish=finish)
    check_weeks(config, encoded.steps, report)
    people = people_index(encoded.people)
    _cross_checks(encoded.tables, len(people), report)
    events, nb_report = read_notebook_events(config, people, progress)
    report.seconds = time.perf_counter() - t0
    course = Course(
        config,
        people=people,
        steps=encoded.steps,
        report=report,
        store=store,
        tables=encoded.tables,
        notebook_events=events,
        notebook_report=nb_report,
    )
    return course, encoded, events


def _cross_checks(tables: dict[str, pa.Table], n_people: int, report: LoadReport) -> None:
    """Course-level warnings: activity by people who are not enrolled, and so on."""
    n = n_people + 1  # code -1 (no person) lands in the last slot
    known = np.zeros(n, dtype=bool)
    for name, col in (("enrolments", "learner_id"), ("team-members", "id")):
        known[tables[name].column(col).to_numpy(zero_copy_only=False)] = True
    known[-1] = True
    for name, col in (
        ("step-activity", "learner_id"),
        ("comments", "author_id"),
        ("question-response", "learner_id"),
    ):
        t = tables[name]
        if t.num_rows == 0 or report.files["enrolments"].rows_kept == 0:
            continue
        seen = np.zeros(n, dtype=bool)
        seen[t.column(col).to_numpy(zero_copy_only=False)] = True
        stray = np.flatnonzero(seen & ~known)
        if len(stray):
            report.warnings.append(
                f"{len(stray):,} people in {name} do not appear in enrolments or team-members "
                "(kept; counted only where a table is used on its own)"
            )


def _open_store(config: CourseConfig, store: Path) -> Course:
    people = pq.read_table(store / "people.parquet").column("person")
    steps = pq.read_table(store / "steps.parquet").column("step").to_pylist()
    report = LoadReport.from_json((store / "report.json").read_text())
    nb_report = None
    if (store / "notebook-logs.json").exists():
        from ..exports.notebook_logs import NotebookLogReport

        nb_report = NotebookLogReport.from_dict(
            json.loads((store / "notebook-logs.json").read_text())
        )
    return Course(
        config,
        people=pd.Index(people.to_numpy(), dtype="object", name="person"),
        steps=steps,
        report=report,
        store=store,
        notebook_report=nb_report,
    )
