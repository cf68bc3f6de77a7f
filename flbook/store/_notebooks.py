"""Jupyter notebook events in the store: ``learner_id`` as person codes of the course.

The events come from the course's notebook logs (settings ``notebook_logs``,
``notebook_user_map``, ``notebook_user_env``), read by
:func:`flbook.exports.notebook_logs.read_notebook_logs`; here their learner ids are
encoded against the course's people list, and decoded again for pandas.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..config import CourseConfig
from ..errors import ExportError


def notebook_schema() -> pa.Schema:
    """The stored notebook-event table: the reader's, with ``learner_id`` as person codes."""
    from ..exports.notebook_logs import notebook_events_schema

    base = notebook_events_schema()
    return pa.schema(
        [pa.field("learner_id", pa.int32()) if f.name == "learner_id" else f for f in base]
    )


def _dict_lookup(col, index: pd.Index) -> np.ndarray:
    """Positions in ``index`` of a (dictionary) string column's values (-1: null or absent)."""
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if not pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_encode()
    lookup = index.get_indexer(arr.dictionary.to_numpy(zero_copy_only=False))
    lookup = np.append(lookup, -1).astype(np.int64)
    return lookup[pc.fill_null(arr.indices, -1).to_numpy(zero_copy_only=False)]


def _users(table: pa.Table) -> pd.Index:
    col = table.column("user").combine_chunks()
    values = col.dictionary if pa.types.is_dictionary(col.type) else pc.unique(col)
    return pd.Index(values.to_numpy(zero_copy_only=False), dtype="object")


def encode_notebook_events(table: pa.Table, people: pd.Index, report: Any = None) -> pa.Table:
    """Replace the reader's ``learner_id`` strings by person codes (positions in ``people``).

    A user without a learner id whose name is a person id of the export is that person.
    ``report`` (the :class:`~flbook.exports.notebook_logs.NotebookLogReport`, if any)
    gets a warning for users mapped to ids not in the export, and its count of linked users.
    """
    people = pd.Index(people, dtype="object")
    mapped = _dict_lookup(table.column("learner_id"), people)
    has_id = table.column("learner_id").is_valid().to_numpy(zero_copy_only=False)
    by_name = _dict_lookup(table.column("user"), people)
    codes = np.where(has_id, mapped, by_name).astype(np.int32)
    stray = has_id & (mapped < 0)
    if stray.any() and report is not None:
        n = len(np.unique(_dict_lookup(table.column("user"), _users(table))[stray]))
        report.warnings.append(
            f"{n:,} notebook user(s) are mapped to learner ids that are not in the export "
            "(their events are kept without a learner)"
        )
    if report is not None:
        linked = codes >= 0
        users = _dict_lookup(table.column("user"), _users(table))
        report.linked_users = int(len(np.unique(users[linked & (users >= 0)])))
    i = table.column_names.index("learner_id")
    return table.set_column(i, "learner_id", pa.array(codes, pa.int32())).cast(notebook_schema())


def notebook_events_from_frame(frame: pd.DataFrame) -> pa.Table:
    """A loosely typed notebook-event frame (ids and times as text) → the reader's table."""
    from ..exports.notebook_logs import notebook_events_schema

    schema = notebook_events_schema()
    unknown = [c for c in frame.columns if c not in schema.names]
    if unknown:
        raise KeyError(
            f"notebook_events: unknown column(s) {unknown}; expected some of {schema.names}"
        )
    n = len(frame)
    cols = {}
    for f in schema:
        if f.name not in frame.columns:
            cols[f.name] = pa.nulls(n, f.type)
            continue
        s = frame[f.name].astype("object")
        vals = [None if v is None or (not isinstance(v, str) and pd.isna(v)) else v for v in s]
        if pa.types.is_timestamp(f.type):
            ts = pd.to_datetime(pd.Series(vals, dtype="object"), utc=True)
            cols[f.name] = pa.array(ts.astype("datetime64[ns, UTC]")).cast(f.type, safe=False)
        elif pa.types.is_dictionary(f.type):
            cols[f.name] = pa.array([None if v is None else str(v) for v in vals], pa.string())
            cols[f.name] = cols[f.name].dictionary_encode()
        else:
            cols[f.name] = pa.array(vals).cast(f.type) if n else pa.array([], f.type)
    table = pa.table(cols).cast(schema)
    order = pc.sort_indices(table, sort_keys=[("time", "ascending")])
    return table.take(order)


def notebook_events_to_pandas(table: pa.Table | None, people: pd.Index) -> pd.DataFrame:
    """Stored notebook events (or None: none) as the frame :attr:`Course.notebook_events` gives."""
    if table is None:
        table = notebook_schema().empty_table()
    out = {}
    for name in table.column_names:
        col = table.column(name)
        if name == "learner_id":
            codes = col.to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
            out[name] = pd.Categorical.from_codes(codes, categories=people, validate=False)
        elif pa.types.is_dictionary(col.type):
            values = col.to_pandas()
            out[name] = (
                values
                if isinstance(values.dtype, pd.CategoricalDtype)
                else values.astype("category")
            )
        elif pa.types.is_timestamp(col.type):
            out[name] = col.cast(pa.timestamp("ns", tz="UTC")).to_pandas()
        elif pa.types.is_boolean(col.type):
            out[name] = col.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get).astype(
                pd.BooleanDtype()
            )
        else:
            out[name] = col.to_pandas(types_mapper={pa.int32(): pd.Int32Dtype()}.get).astype(
                pd.Int32Dtype()
            )
    return pd.DataFrame(out, index=pd.RangeIndex(table.num_rows))


def notebook_sources(config: CourseConfig) -> list[Path]:
    """The files whose content the notebook events depend on (logs, then the user map)."""
    if not config.notebook_logs:
        return []
    from ..exports.notebook_logs import log_files

    files = log_files(config.notebook_logs)
    if config.notebook_user_map:
        files.append(Path(config.notebook_user_map))
    return files


def read_notebook_events(
    config: CourseConfig,
    people: pd.Index,
    progress: Callable[[str], None] | None = None,
) -> tuple[pa.Table | None, Any]:
    """The course's notebook logs read and encoded: (events, report), or (None, None)
    when the settings name no logs."""
    if not config.notebook_logs:
        return None, None
    from ..exports.notebook_logs import read_notebook_logs

    if progress:
        progress(f"reading notebook logs {Path(config.notebook_logs).name}")
    try:
        table, report = read_notebook_logs(
            config.notebook_logs,
            user_env=config.notebook_user_env,
            user_map=config.notebook_user_map or None,
            errors="skip" if config.notebook_skip_bad_records else "raise",
        )
    except ExportError as e:
        bad_log = Path(e.file).is_file() and e.file != str(config.notebook_user_map)
        if config.notebook_skip_bad_records or not bad_log:
            raise
        raise ExportError(
            e.file,
            f"{e.message}; to skip and count such records instead, set "
            "notebook_skip_bad_records: true",
            column=e.column,
            line=e.line,
            value=e.value,
        ) from None
    return encode_notebook_events(table, people, report), report
