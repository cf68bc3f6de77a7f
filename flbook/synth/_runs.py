"""Several synthetic runs of one course, for predictions across runs.

:func:`make_runs` writes ``runs`` runs of the same course (the same steps, exercise
and discussion steps; different learners, dates and behaviour) into one folder per
run, each with its export CSVs and ``course.yml``. The latest run is the *current*
one: its ``course.yml`` lists the earlier runs under ``previous_runs``, and it can be
cut off at a date, as if the export had been downloaded while the course was running.

How the step list is kept the same. :func:`flbook.synth.make_course` draws the course
structure (steps per week, step kinds) from the first child stream of its seed, so
different seeds would give different step lists. Here every run's structure is drawn
from the stream of the *base* seed, while everything else (learners, activity,
comments, ...) comes from the run's own seed. The current run uses the base seed
itself, so without a cut-off it is byte-identical to ``make_course(seed=seed,
start=start)``.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..exports._schema import DATASETS as _SCHEMAS
from . import _course as synth

__all__ = ["make_runs", "cut_off"]

# the timestamp that makes a row exist; a row dated at or after the cut-off is dropped
_ROW_TIME = {
    "enrolments": "enrolled_at",
    "step-activity": "first_visited_at",
    "comments": "timestamp",
    "question-response": "submitted_at",
    "peer-review-assignments": "first_viewed_at",
    "peer-review-reviews": "created_at",
    "leaving-survey-responses": "left_at",
    "archetype-survey-responses": "responded_at",
    "weekly-sentiment-survey-responses": "responded_at",
}
# columns that only make sense together with a timestamp: blanked with it
_COMPANIONS = {
    ("comments", "first_reported_at"): ("first_reported_reason",),
    ("comments", "moderated"): ("moderation_state",),
}


def _ts_text(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") + " UTC"


def cut_off(folder: str | os.PathLike, stub: str, at: dt.datetime) -> dict[str, int]:
    """Remove from a run's export everything that happened at or after ``at`` (UTC).

    As if the export had been downloaded at ``at``: rows dated at or after it
    (an enrolment, a step visit, a comment, an answer, ...) are dropped; later
    timestamps in kept rows (a completion, an unenrolment, a statement purchase) are
    emptied. Aggregate files (video statistics, campaigns) and comment likes cannot be
    cut and are left as they are. Files are rewritten in place, in the same format.

    Parameters
    ----------
    folder : the folder holding ``{stub}_{dataset}.csv``.
    stub : the run's file prefix.
    at : the cut-off moment (naive datetimes are UTC).

    Returns
    -------
    dict
        ``{dataset: data rows kept}`` for every file rewritten.
    """
    limit = _ts_text(at)
    kept: dict[str, int] = {}
    for name, row_col in _ROW_TIME.items():
        path = Path(folder) / f"{stub}_{name}.csv"
        if not path.exists():
            continue
        with open(path, "rb") as f:
            header = f.readline().decode("utf-8").rstrip("\r\n").split(",")
        types = {c: pa.string() for c in header}
        table = pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=types, strings_can_be_null=True, quoted_strings_can_be_null=False
            ),
        )
        ts_cols = [c for c in header if _SCHEMAS[name].kinds.get(c) == "ts"]
        if row_col in header and table.num_rows:
            col = table.column(row_col)
            keep = pc.fill_null(pc.less(col, pa.scalar(limit)), True)
            table = table.filter(keep)
        cols = {c: table.column(c).combine_chunks() for c in header}
        for c in ts_cols:
            late = pc.fill_null(pc.greater_equal(cols[c], pa.scalar(limit)), False)
            if not pc.any(late).as_py():
                continue
            for target in (c, *_COMPANIONS.get((name, c), ())):
                if target in cols:
                    cols[target] = pc.if_else(late, pa.scalar(None, pa.string()), cols[target])
        # free text back to CSV-ready cells (quoted where needed)
        cols = {c: synth.escape_text(v) if v.type == pa.string() else v for c, v in cols.items()}
        if table.num_rows == 0:
            kept[name] = synth.write_csv(path, header, None)
        else:
            kept[name] = synth.write_csv(path, header, cols)
    return kept


def _write_yml(path: Path, extra: dict[str, Any]) -> None:
    import yaml

    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc.update(extra)
    text = yaml.safe_dump(
        doc, sort_keys=False, allow_unicode=True, default_flow_style=None, width=100
    )
    path.write_text(text, encoding="utf-8", newline="\n")


# Earlier runs' folders hold only some files, as in real exports (comments, peer
# review and campaigns absent in older runs): what each earlier run lacks, by how many
# runs back it is (the current run has every file)
_ABSENT = {
    1: ("peer-review-assignments", "peer-review-reviews", "campaigns"),
    2: ("peer-review-assignments", "peer-review-reviews", "campaigns", "comments", "video-stats"),
}


def _datasets_of_run(back: int) -> list[str]:
    absent = _ABSENT[min(back, 2)] if back else ()
    return [d for d in synth.DATASETS if d not in absent]


def make_runs(
    out_dir: str | os.PathLike,
    *,
    runs: int = 3,
    learners: int = 2000,
    weeks: int = 3,
    seed: int = 1,
    stub_base: str = "learn-to-code",
    start: str = "2024-02-05",
    interval_weeks: int = 26,
    cutoff_weeks: float | None = None,
    title: str = "Learning to Code for Data Analysis",
    nest_previous: bool = False,
) -> dict[str, Any]:
    """Write several runs of one synthetic course, the latest optionally cut off at a date.

    Run ``i`` (1 … ``runs``) is written to ``out_dir/{stub_base}-{i}/`` with the stub
    ``{stub_base}-{i}`` (with ``nest_previous``: the current run straight into
    ``out_dir``, the earlier ones into ``out_dir/previous-runs/{stub_base}-{i}/``, so
    that they sit inside the current run's data folder). Earlier runs lack some files,
    as real older runs do: the run before the current one has no peer review and no
    campaigns, older ones no comments and no video statistics either. All runs share
    the step list;
    each has its own learners
    (seed ``seed + runs - i``) and starts ``interval_weeks`` weeks after the one
    before, the last on ``start``. The last run is the current one: its ``course.yml``
    lists the others (relative paths) under ``previous_runs``.

    Parameters
    ----------
    out_dir : folder to write into (created if needed).
    runs : number of runs (at least 1).
    learners : people enrolled on each run.
    weeks : study weeks of the course.
    seed : base seed: the step list, and the current run's learners.
    stub_base : course slug; the run number is appended.
    start : ISO date of the first day of the current run.
    interval_weeks : weeks between the starts of consecutive runs.
    cutoff_weeks : if given, the current run's export is cut off this many weeks after
        its start (``1.5`` is the middle of week 2), and its ``course.yml`` sets
        ``as_of`` to that moment. ``None``: the current run is complete.
    title : course title.
    nest_previous : write the earlier runs below the current run's folder (the layout
        of the bundled course, whose settings are written relative to its folder).

    Returns
    -------
    dict
        ``runs``: the ``course.yml`` paths, oldest first; ``current``: the current
        run's ``course.yml``; ``cutoff``: the cut-off moment (naive UTC) or ``None``;
        ``rows``: ``{stub: {dataset: rows}}``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     info = make_runs(folder, runs=2, learners=100, weeks=2, cutoff_weeks=1.5)
    ...     [Path(p).parent.name for p in info["runs"]], str(info["cutoff"])
    (['learn-to-code-1', 'learn-to-code-2'], '2024-02-15 12:00:00')
    """
    runs = int(runs)
    if runs < 1:
        raise ValueError(f"runs must be at least 1, not {runs}")
    if cutoff_weeks is not None and not 0 < float(cutoff_weeks):
        raise ValueError(f"cutoff_weeks must be positive, not {cutoff_weeks}")
    out = Path(out_dir)
    start_d = dt.date.fromisoformat(start)
    paths: list[Path] = []
    rows: dict[str, dict[str, int]] = {}
    for i in range(1, runs + 1):
        back = runs - i
        stub = f"{stub_base}-{i}"
        if not nest_previous:
            folder = out / stub
        else:
            folder = out if back == 0 else out / "previous-runs" / stub
        counts = synth.make_course(
            folder,
            learners=learners,
            weeks=weeks,
            seed=seed + back,
            stub=stub,
            start=(start_d - dt.timedelta(weeks=interval_weeks * back)).isoformat(),
            title=title,
            structure_seed=seed,
            datasets=_datasets_of_run(back),
        )
        rows[stub] = counts
        paths.append(folder / "course.yml")
    current = paths[-1]
    cutoff = None
    extra: dict[str, Any] = {}
    if runs > 1:
        extra["previous_runs"] = [
            os.path.relpath(p, current.parent).replace(os.sep, "/") for p in paths[:-1]
        ]
    if cutoff_weeks is not None:
        cutoff = dt.datetime.combine(start_d, dt.time()) + dt.timedelta(weeks=float(cutoff_weeks))
        cutoff = cutoff.replace(microsecond=0)
        stub = f"{stub_base}-{runs}"
        rows[stub].update(cut_off(current.parent, stub, cutoff))
        extra["as_of"] = cutoff.strftime("%Y-%m-%d %H:%M:%S")
    if extra:
        _write_yml(current, extra)
    return {
        "runs": [str(p) for p in paths],
        "current": str(current),
        "cutoff": cutoff,
        "rows": rows,
    }
