"""The :class:`Course` object: one course run's tables, typed for pandas.

Inside a :class:`Course` every person id column (``learner_id``, ``author_id``, ...)
is a pandas Categorical over one course-wide list of people, and every ``step``
column is an ordered Categorical in course order ("1.9" < "1.10" < "2.1"), so tables
join and sort cheaply. The tables come from the store (:func:`~flbook.store.load_course`)
or from hand-made frames (:meth:`Course.from_frames`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import xxhash

from ..config import CourseConfig
from ..exports import DATASETS, Dataset, FileReport, derive_columns, empty_table, finish_table
from ._cache import TS_NS, read_arrow, write_arrow
from ._ids import PERSON_COLUMNS, STEP_COLUMNS, encode_tables, people_index, step_order
from ._notebooks import (
    encode_notebook_events,
    notebook_events_from_frame,
    notebook_events_to_pandas,
)
from ._report import LoadReport

T = TypeVar("T")

TEAM_ROLE = "course_team"
"""The enrolment role given to a person whose id is in team-members but who enrolled
with the role ``learner``: the course team is not counted among the learners."""


class Course:
    """One course run's export as typed pandas tables, with its settings and load report.

    Tables are attributes named after the datasets with underscores
    (``course.enrolments``, ``course.step_activity``, ``course.comments``,
    ``course.question_response``, ...). A table is read from the store the first time
    it is used; a dataset the export does not have is an empty table with the right
    columns. :meth:`table` reads only the columns asked for.

    Attributes
    ----------
    config : the course settings.
    steps : the course's steps in order: ``step`` (ordered Categorical), ``week_number``, ``step_number``.
    people : every person id in the export (learners and course team), the categories of every id column.
    report : the :class:`LoadReport` (data health).
    """

    def __init__(
        self,
        config: CourseConfig | None,
        *,
        people: pd.Index,
        steps: list[str],
        report: LoadReport,
        store: Path | None = None,
        tables: Mapping[str, pa.Table] | None = None,
        notebook_events: pa.Table | None = None,
        notebook_report: Any = None,
    ) -> None:
        self.config = config
        self.people = people
        self.report = report
        self._store = store
        self._arrow = dict(tables or {})
        self._frames: dict[str, pd.DataFrame] = {}
        self._derived: dict[tuple, Any] = {}
        self._notebook_arrow = notebook_events  # encoded notebook events, if in memory
        self._notebook_frame: pd.DataFrame | None = None
        self.notebook_report = notebook_report
        """The :class:`~flbook.exports.notebook_logs.NotebookLogReport`, or None without logs."""
        # ``steps`` are the steps in the data (what stored codes refer to); steps named
        # only in the settings (never visited) join the list, and codes are remapped.
        data_steps = list(steps)
        if config is not None:
            steps = step_order(data_steps + list(config.exercise_steps) + list(config.social_steps))
        self._step_remap = None
        if list(steps) != data_steps:
            pos = {s: i for i, s in enumerate(steps)}
            self._step_remap = np.array([pos[s] for s in data_steps] + [-1], dtype=np.int16)
        self.step_dtype = pd.CategoricalDtype(steps, ordered=True)
        self.person_dtype = pd.CategoricalDtype(people)  # built once: checks uniqueness once
        parts = [s.split(".") for s in steps]
        self.steps = pd.DataFrame(
            {
                "step": pd.Categorical(steps, dtype=self.step_dtype),
                "week_number": np.array([int(p[0]) for p in parts], dtype=np.int32),
                "step_number": np.array([int(p[1]) for p in parts], dtype=np.int32),
            }
        )

    @property
    def store(self) -> Path | None:
        """The folder of the course's store; None for a course read without the store
        (``cache=False``) or built from frames."""
        return self._store

    def __repr__(self) -> str:
        title = self.config.title if self.config else "course"
        return f"<Course {title!r}: {len(self.people):,} people, {len(self.steps)} steps>"

    @property
    def datasets(self) -> list[str]:
        """Attribute names of all tables (present or empty)."""
        return [ds.attr for ds in DATASETS.values()]

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in [ds.attr for ds in DATASETS.values()]:
            return self.table(name)
        raise AttributeError(f"Course has no attribute {name!r}")

    def table(self, name: str, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """One table as a pandas DataFrame, optionally only some columns.

        The whole table is cached after its first use; a column subset is read afresh
        from the store (cheap: Parquet reads only those columns).
        """
        ds = _dataset(name)
        cols = list(columns) if columns is not None else None
        if cols is None and ds.name in self._frames:
            return self._frames[ds.name]
        if cols is not None and ds.name in self._frames:
            return self._frames[ds.name][cols]
        table = self._read(ds, cols)
        frame = self._to_pandas(ds, table)
        if cols is None:
            self._frames[ds.name] = frame
        return frame

    def derived(self, key: tuple, compute: Callable[[], T], *, stored: bool = False) -> T:
        """A result computed from this course once, and kept for the next caller.

        Costly intermediates that several recipes share (the sessionised step events,
        the weekly prediction features) are computed on first use with ``compute()``
        and held in memory with the course, under ``key`` (a tuple naming the
        intermediate and every option it depends on). Callers must not modify what
        they get back.

        With ``stored=True`` (``compute`` must then return a DataFrame of plain numeric
        and boolean columns) the result is also written beside the course's store, so
        that the next process that loads the same export (another chapter's kernel, a
        re-render) reads it instead of computing it. The file's name is a digest of
        ``key``, the course's step list and flbook's fingerprint (its version and
        source), so a change to any of them computes it afresh.
        """
        if key in self._derived:
            return self._derived[key]
        path = self._derived_path(key) if stored else None
        value = read_arrow(path) if path is not None else None
        if value is None:
            value = compute()
            if path is not None:
                write_arrow(path, value)
        self._derived[key] = value
        return value

    def _derived_path(self, key: tuple) -> Path | None:
        if self._store is None:
            return None
        from ..resources import flbook_fingerprint

        h = xxhash.xxh3_128()
        for part in (
            repr(key),
            "|".join(map(str, self.step_dtype.categories)),
            flbook_fingerprint(),
        ):
            h.update(part.encode() + b"\0")
        return self._store / "derived" / f"{key[0]}-{h.hexdigest()}.arrow"

    @property
    def notebook_events(self) -> pd.DataFrame:
        """Jupyter notebook events from the course's notebook logs (setting ``notebook_logs``).

        One row per event, in time order: ``learner_id`` (Categorical over
        :attr:`people`; missing where the notebook user is not linked to a person in
        the export), ``user`` (the notebook user name, Categorical: never show it),
        ``session`` (kernel session id), ``notebook`` (path), ``event`` (pioneer event
        name), ``time`` (UTC), ``cell_id``, ``cell_index`` (Int32), ``cells`` (Int32),
        ``success`` (boolean, executions only), ``error_name`` (Categorical). Empty (with
        these columns) when the course has no notebook logs. See
        :func:`flbook.exports.notebook_logs.read_notebook_logs`.
        """
        if self._notebook_frame is None:
            t = self._notebook_arrow
            if t is None and self._store is not None:
                path = self._store / "notebook-events.parquet"
                if path.exists():
                    t = pq.read_table(path, memory_map=True)
            self._notebook_frame = notebook_events_to_pandas(t, self.people)
        return self._notebook_frame

    def load_all(self) -> Course:
        """Read every table now (otherwise each is read on first use)."""
        for ds in DATASETS.values():
            self.table(ds.name)
        return self

    def _read(self, ds: Dataset, cols: list[str] | None) -> pa.Table:
        if ds.name in self._arrow:
            t = self._arrow[ds.name]
            return t.select(cols) if cols else t
        if self._store is not None:
            path = self._store / f"{ds.name}.parquet"
            if path.exists():
                return pq.read_table(path, columns=cols, memory_map=True)
        t = _encoded_empty(ds)
        return t.select(cols) if cols else t

    def _to_pandas(self, ds: Dataset, table: pa.Table) -> pd.DataFrame:
        out = {}
        for name in table.column_names:
            col = table.column(name)
            kind = ds.kinds.get(name, "")
            if name in PERSON_COLUMNS[ds.name]:
                codes = col.to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
                out[name] = pd.Categorical.from_codes(
                    codes, dtype=self.person_dtype, validate=False
                )
            elif name in STEP_COLUMNS[ds.name]:
                codes = col.to_numpy(zero_copy_only=False).astype(np.int16, copy=False)
                if self._step_remap is not None:
                    codes = self._step_remap[codes]  # -1 indexes the trailing -1
                out[name] = pd.Categorical.from_codes(codes, dtype=self.step_dtype, validate=False)
            elif pa.types.is_dictionary(col.type):
                out[name] = col.to_pandas()
                if not isinstance(out[name].dtype, pd.CategoricalDtype):
                    out[name] = out[name].astype("category")
            elif pa.types.is_timestamp(col.type):
                if col.type != TS_NS:
                    col = col.cast(TS_NS)
                out[name] = col.to_pandas()
            elif kind in ("int?", "int64?"):
                nullable = pd.Int64Dtype() if kind == "int64?" else pd.Int32Dtype()
                out[name] = col.to_pandas(types_mapper={col.type: nullable}.get).astype(nullable)
            elif pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
                out[name] = col.to_pandas(types_mapper={pa.string(): pd.StringDtype()}.get).astype(
                    pd.StringDtype()
                )
            else:
                out[name] = col.to_pandas()
        return pd.DataFrame(out, index=pd.RangeIndex(table.num_rows), copy=False)

    # ------------------------------------------------------------------ from frames
    @classmethod
    def from_frames(cls, config: CourseConfig | None = None, **frames: pd.DataFrame) -> Course:
        """Build a course from hand-made pandas tables (for tests, docs and examples).

        Keyword names are table names (``enrolments=``, ``step_activity=``, ...). Values
        may be plain: ids and steps as strings, timestamps as strings or datetimes (UTC
        assumed). Absent columns are left empty; absent tables are empty.
        ``notebook_events=`` takes notebook events with the columns of
        :attr:`notebook_events` (``learner_id`` as plain ids; without it, a ``user``
        that is a person id in the other tables is that person).

        Examples
        --------
        >>> c = Course.from_frames(step_activity=pd.DataFrame({
        ...     "learner_id": ["a", "a"], "step": ["1.10", "1.2"],
        ...     "first_visited_at": ["2024-02-05 10:00:00", "2024-02-05 10:05:00"]}))
        >>> list(c.steps["step"].astype(str))
        ['1.2', '1.10']
        """
        notebook = frames.pop("notebook_events", None)
        tables: dict[str, pa.Table] = {}
        for name, frame in frames.items():
            ds = _dataset(name)
            tables[ds.name] = _frame_to_arrow(frame, ds)
        report = LoadReport()
        apply_team_rule(tables, report)
        encoded = encode_tables(tables)
        check_weeks(config, encoded.steps, report)
        people = people_index(encoded.people)
        events = None
        if notebook is not None:
            events = encode_notebook_events(notebook_events_from_frame(notebook), people)
        return cls(
            config,
            people=people,
            steps=encoded.steps,
            report=report,
            tables=encoded.tables,
            notebook_events=events,
        )


def _dataset(name: str) -> Dataset:
    key = name.replace("_", "-")
    if key not in DATASETS:
        raise KeyError(
            f"unknown table {name!r}; tables: {', '.join(d.attr for d in DATASETS.values())}"
        )
    return DATASETS[key]


def _encoded_schema(ds: Dataset) -> pa.Schema:
    base = empty_table(ds).schema
    fields = []
    for f in base:
        if f.name in PERSON_COLUMNS[ds.name]:
            fields.append(pa.field(f.name, pa.int32()))
        elif f.name in STEP_COLUMNS[ds.name]:
            fields.append(pa.field(f.name, pa.int16()))
        else:
            fields.append(f)
    return pa.schema(fields)


def _encoded_empty(ds: Dataset) -> pa.Table:
    return _encoded_schema(ds).empty_table()


def _frame_to_arrow(frame: pd.DataFrame, ds: Dataset) -> pa.Table:
    """Coerce a loosely typed pandas frame to the reader's typed Arrow output."""
    target = empty_table(ds).schema
    unknown = [c for c in frame.columns if c not in target.names]
    if unknown:
        raise KeyError(f"{ds.name}: unknown column(s) {unknown}; expected some of {target.names}")
    n = len(frame)
    cols = {}
    for f in target:
        if f.name not in frame.columns:
            continue
        s = frame[f.name]
        if pa.types.is_timestamp(f.type):
            s = pd.to_datetime(s.astype("object").where(s.notna(), None), utc=True)
            cols[f.name] = pa.array(
                s.astype("datetime64[ns, UTC]"), type=pa.timestamp("ns", tz="UTC")
            ).cast(f.type, safe=False)
        elif pa.types.is_dictionary(f.type):
            vals = [None if pd.isna(v) else str(v) for v in s.astype("object").tolist()]
            cols[f.name] = pa.array(vals, type=pa.string()).dictionary_encode()
        elif pa.types.is_boolean(f.type):
            cols[f.name] = pa.array(
                s.astype("object").where(s.notna(), None).tolist(), type=pa.bool_()
            )
        elif pa.types.is_string(f.type):
            cols[f.name] = pa.array(
                s.astype("object").where(s.notna(), None).tolist(), type=pa.string()
            )
        else:
            vals = s.astype("object").where(s.notna(), None).tolist()
            cols[f.name] = pa.array(vals).cast(f.type)
    table = pa.table(cols) if cols else pa.table({})
    # derive week/step/question numbers the way the reader does
    rep = FileReport(ds.name, "<frame>")
    if cols:
        table = derive_columns(table, ds, rep)
    table = finish_table(table, ds) if cols else empty_table(ds)
    assert table.num_rows in (0, n)
    return table


def apply_team_rule(
    tables: dict[str, pa.Table], report: LoadReport, team_ids: pa.Array | None = None
) -> None:
    """Tell the course team apart from learners in enrolments (in place in ``tables``).

    A learner is someone enrolled with the role ``learner`` whose id is not in
    team-members. Team members enrolled as learners get the role :data:`TEAM_ROLE`,
    counted as a repair of the enrolments; ``report`` records how many team members
    were found among the enrolments. ``team_ids``: the team members' ids, if the
    team-members table is not in ``tables`` (default: its ``id`` column).
    """
    enr, team = tables.get("enrolments"), tables.get("team-members")
    if team_ids is None and team is not None:
        team_ids = team.column("id")
    if enr is None or team_ids is None or not enr.num_rows or not len(team_ids):
        return
    if isinstance(team_ids, pa.ChunkedArray):
        team_ids = team_ids.combine_chunks()
    team_ids = pc.unique(team_ids.cast(pa.string()))
    ids = enr.column("learner_id").cast(pa.string())
    in_team = pc.fill_null(pc.is_in(ids, value_set=team_ids), False)
    role = enr.column("role").cast(pa.string())
    as_learner = pc.and_(in_team, pc.fill_null(pc.equal(role, "learner"), False))
    report.team_in_enrolments = int(pc.sum(pc.cast(in_team, pa.int64())).as_py() or 0)
    report.team_as_learners = int(pc.sum(pc.cast(as_learner, pa.int64())).as_py() or 0)
    if not report.team_as_learners:
        return
    new_role = pc.if_else(as_learner, pa.scalar(TEAM_ROLE), role)
    i = enr.column_names.index("role")
    enr = enr.set_column(i, "role", new_role.cast(enr.schema.field("role").type))
    tables["enrolments"] = enr
    if "enrolments" in report.files:
        report.files["enrolments"].repair(
            f"role learner changed to {TEAM_ROLE}: the id is in team-members",
            report.team_as_learners,
        )


def check_weeks(config: CourseConfig | None, steps: list[str], report: LoadReport) -> None:
    """Warn (in ``report``) when the data has steps in a week the settings do not have."""
    if config is not None and steps:
        max_week = max(int(s.split(".")[0]) for s in steps)
        if max_week > config.weeks:
            report.warnings.append(
                f"the data has steps in week {max_week}, but the settings say {config.weeks} week(s)"
            )
