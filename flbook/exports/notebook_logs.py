"""Read Jupyter notebook event logs written by jupyterlab-pioneer into one typed table.

jupyterlab-pioneer (the maintained successor of Mittal & Brooks' JupyterLab telemetry
extensions) logs what learners do in their notebooks: opening a notebook, scrolling,
saving, executing a cell (with success and the error's name), editing, copying. Every
event is one JSON object::

    {"eventDetail": {"eventName": "CellExecuteEvent", "eventTime": 1707134523123,
                     "eventInfo": {"cells": [{"id": "...", "index": 3}],
                                   "success": false, "kernelError": {"ename": "NameError", ...}}},
     "notebookState": {"sessionID": "...", "notebookPath": "week2/lecture.ipynb",
                       "notebookContent": null}}

Two layouts are read, from one file or a folder of files (``.gz`` files are
decompressed on the fly), and may be mixed:

- the **file exporter**'s: each event as indented JSON followed by a comma (a run of
  comma-separated objects, not valid JSON as it stands);
- the **remote exporter**'s bodies stored one per line (JSON Lines):
  ``{"data": <event>, "params": {...}, "env": [{"NAME": "value"}, ...]}``.

The reader streams: each file is read in chunks and decoded incrementally with
:meth:`json.JSONDecoder.raw_decode` over a sliding buffer, and the columns are built in
batches of Arrow arrays, so a log of several gigabytes never sits in memory as text.

What it tolerates, and counts in the report: exact duplicate events (retries of the
remote exporter; removed), events out of time order (sorted), a truncated last record
in a file (a crash while writing; skipped), unknown event names (kept under their
name), events without a session id (kept; their learner is then unknown). What it
refuses, with the file and the line or byte offset: anything else that is not
JSON, a JSON value that is not a pioneer event, an event without a name or with a
time that is not milliseconds since 1970 (``errors="skip"`` skips and counts such
records instead).

Learner identity: the notebook-open event carries the server's environment
(``eventInfo.environ``); the variable ``user_env`` (``JUPYTERHUB_USER`` by default)
names the learner, and that name is carried to every event of the same kernel
session. A remote-exporter body whose ``env`` list holds that variable names the
learner of its own event directly. A user map (CSV with columns ``user,learner_id``)
links names to the export's learner ids.

Never kept unless asked (``keep_content=True``): the notebook content, the editor's
cell text and changes, the clipboard selection. Never kept at all: error values
(``evalue``) and tracebacks. Only error *names* (``NameError``) are read.
"""

from __future__ import annotations

import codecs
import gzip
import json
import re
import time as _time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ExportError
from ._reader import FileReport

__all__ = [
    "KNOWN_EVENTS",
    "LOG_SUFFIXES",
    "NotebookLogReport",
    "log_files",
    "notebook_events_schema",
    "read_notebook_logs",
    "read_user_map",
]

KNOWN_EVENTS: tuple[str, ...] = (
    "NotebookOpenEvent",
    "NotebookVisibleEvent",
    "NotebookHiddenEvent",
    "NotebookScrollEvent",
    "NotebookSaveEvent",
    "ActiveCellChangeEvent",
    "CellAddEvent",
    "CellRemoveEvent",
    "CellEditEvent",
    "CellExecuteEvent",
    "ClipboardCopyEvent",
    "ClipboardCutEvent",
    "ClipboardPasteEvent",
)
"""The event names jupyterlab-pioneer logs (others are kept under their own name and counted)."""

LOG_SUFFIXES: frozenset[str] = frozenset({"", ".json", ".jsonl", ".ndjson", ".log", ".txt", ".gz"})
"""File name endings read from a log folder (no ending: the file exporter's default ``log``)."""

_DICT = pa.dictionary(pa.int32(), pa.string())
_CONTENT_COLUMNS = ("notebook_content", "cell_source", "cell_changes", "selection")
_CHUNK = 1 << 23  # 8 MiB read at a time
_BATCH = 1 << 16  # events per Arrow batch
_SKIP = re.compile(r"[\s,\[\]]*")  # between records: whitespace, commas, a wrapping [ ]
# the start of a record: an object opening with a pioneer key, right after a comma, a
# newline or a bracket (a nested event inside a remote-exporter body follows a colon)
_RESYNC = re.compile(r'[,\n\[]\s*(\{\s*"(?:eventDetail|notebookState|data)")')
_MS_MIN = 946_684_800_000  # 2000-01-01
_MS_MAX = 4_102_444_800_000  # 2100-01-01
_OPEN = "NotebookOpenEvent"
_EXECUTE = "CellExecuteEvent"


def notebook_events_schema(keep_content: bool = False) -> pa.Schema:
    """The Arrow schema of :func:`read_notebook_logs`' table.

    ``user`` (the name from the environment), ``learner_id`` (from the user map),
    ``session`` (kernel session id), ``notebook`` (path), ``event`` (pioneer event
    name), ``time`` (UTC, milliseconds), ``cell_id`` and ``cell_index`` (the first cell
    the event names; for ``CellEditEvent`` the edited cell's index, for
    ``CellRemoveEvent`` the removed cell's old index), ``cells`` (how many cells the
    event lists, e.g. visible cells of a scroll), ``success`` (executions only),
    ``error_name`` (the kernel error's name of a failed execution). With
    ``keep_content``: ``notebook_content``, ``cell_source``, ``cell_changes`` (JSON
    text) and ``selection``.
    """
    fields = [
        pa.field("user", _DICT),
        pa.field("learner_id", _DICT),
        pa.field("session", _DICT),
        pa.field("notebook", _DICT),
        pa.field("event", _DICT),
        pa.field("time", pa.timestamp("ms", tz="UTC")),
        pa.field("cell_id", _DICT),
        pa.field("cell_index", pa.int32()),
        pa.field("cells", pa.int32()),
        pa.field("success", pa.bool_()),
        pa.field("error_name", _DICT),
    ]
    if keep_content:
        fields += [pa.field(c, pa.large_string()) for c in _CONTENT_COLUMNS]
    return pa.schema(fields)


# --------------------------------------------------------------------------- report


@dataclass
class NotebookLogReport(FileReport):
    """What happened to a course's notebook logs on their way into the course.

    A :class:`~flbook.exports.FileReport` (``rows_read`` = records read, ``rows_kept`` =
    events kept, ``excluded``, ``warnings``, ``first``/``last`` event time) plus what is
    particular to event logs.
    """

    files: int = 0
    bytes: int = 0
    layouts: dict[str, int] = field(default_factory=dict)
    events: dict[str, int] = field(default_factory=dict)
    unknown_events: dict[str, int] = field(default_factory=dict)
    out_of_order: int = 0
    users: int = 0
    linked_users: int = 0
    sessions: int = 0
    notebooks: int = 0
    seconds: float = 0.0

    @classmethod
    def from_dict(cls, values: dict) -> NotebookLogReport:
        """Inverse of :meth:`to_dict`."""
        return cls(**values)

    def to_frame(self) -> pd.DataFrame:
        """The report as a two-column table (``item``, ``value``) for the book."""

        def n(x) -> str:
            return f"{int(x):,}"

        layouts = ", ".join(
            f"{k} ({v:,} file{'s' if v != 1 else ''})" for k, v in self.layouts.items()
        )
        unknown = ", ".join(f"{k} ({v:,})" for k, v in sorted(self.unknown_events.items()))
        rows = [
            ("Log files read", n(self.files)),
            ("Size", f"{self.bytes / 1e6:,.1f} MB"),
            ("Layout", layouts or "none"),
            ("Records read", n(self.rows_read)),
        ]
        for reason, k in self.excluded.items():
            rows.append((reason[:1].upper() + reason[1:], n(k)))
        rows += [
            ("Events out of time order (sorted)", n(self.out_of_order)),
            ("Events of unknown kinds (kept)", unknown or "none"),
            ("Events kept", n(self.rows_kept)),
            ("Notebook users", n(self.users)),
            ("Users linked to a learner in the export", n(self.linked_users)),
            ("Kernel sessions", n(self.sessions)),
            ("Notebooks", n(self.notebooks)),
            ("First event (UTC)", self.first or "–"),
            ("Last event (UTC)", self.last or "–"),
        ]
        return pd.DataFrame(rows, columns=["item", "value"])


# --------------------------------------------------------------------------- files


def log_files(path: str | Path) -> list[Path]:
    """The log files under ``path``: the file itself, or a folder's files in name order.

    A folder is searched recursively; hidden files and folders (starting with ``.``)
    are skipped, and so are files whose ending is not in :data:`LOG_SUFFIXES`.

    Raises
    ------
    ExportError
        if ``path`` does not exist.
    """
    p = Path(path)
    if p.is_file():
        return [p]
    if not p.is_dir():
        raise ExportError(p, "notebook log file or folder not found (setting notebook_logs)")
    out = []
    for f in sorted(p.rglob("*")):
        rel = f.relative_to(p)
        if any(part.startswith(".") for part in rel.parts) or not f.is_file():
            continue
        if f.suffix.lower() in LOG_SUFFIXES:
            out.append(f)
    return out


def read_user_map(path: str | Path) -> dict[str, str]:
    """Read a user map: a CSV with columns ``user`` and ``learner_id`` (other columns ignored).

    Returns ``{user: learner_id}``. A user listed twice with different ids is an error.
    """
    import pyarrow.csv as pacsv

    p = Path(path)
    if not p.is_file():
        raise ExportError(p, "user map not found (setting notebook_user_map)")
    try:
        t = pacsv.read_csv(
            p,
            convert_options=pacsv.ConvertOptions(
                column_types={"user": pa.string(), "learner_id": pa.string()},
                strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid as e:
        raise ExportError(p, f"not a readable CSV file ({e})") from None
    for c in ("user", "learner_id"):
        if c not in t.column_names:
            raise ExportError(
                p,
                f"expected a CSV with columns user,learner_id (found: {', '.join(t.column_names)})",
                column=c,
                line=1,
            )
    df = t.select(["user", "learner_id"]).to_pandas().dropna()
    df["user"] = df["user"].str.strip()
    df["learner_id"] = df["learner_id"].str.strip()
    df = df.drop_duplicates()
    clash = df["user"].duplicated(keep=False)
    if clash.any():
        user = df.loc[clash, "user"].iloc[0]
        line = int(np.flatnonzero(t.column("user").to_pandas().str.strip() == user)[1]) + 2
        raise ExportError(p, "user listed twice with different learner ids", line=line, value=user)
    return dict(zip(df["user"], df["learner_id"], strict=True))


# --------------------------------------------------------------------------- parsing


class _Columns:
    """Column values of events, gathered in Python lists and flushed to Arrow in batches."""

    names = (
        "env_user",
        "open_user",
        "session",
        "notebook",
        "event",
        "time",
        "cell_id",
        "cell_index",
        "cells",
        "success",
        "error_name",
    )

    def __init__(self, keep_content: bool, user_env: str = "JUPYTERHUB_USER") -> None:
        self.keep_content = keep_content
        self.user_env = user_env
        self.user_like: set[str] = set()  # variables named like a user, in open events
        self.batches: list[pa.RecordBatch] = []
        self.n = 0
        self._reset()

    def _reset(self) -> None:
        self.cur = {k: [] for k in self.names}
        if self.keep_content:
            for c in _CONTENT_COLUMNS:
                self.cur[c] = []

    def flush(self, file_no: int) -> None:
        c = self.cur
        m = len(c["event"])
        if not m:
            return
        arrays = {
            "env_user": pa.array(c["env_user"], pa.string()),
            "open_user": pa.array(c["open_user"], pa.string()),
            "session": pa.array(c["session"], pa.string()),
            "notebook": pa.array(c["notebook"], pa.string()),
            "event": pa.array(c["event"], pa.string()),
            "time": pa.array(np.asarray(c["time"], dtype=np.float64).round().astype(np.int64)),
            "cell_id": pa.array(c["cell_id"], pa.string()),
            "cell_index": pa.array(c["cell_index"], pa.int32()),
            "cells": pa.array(c["cells"], pa.int32()),
            "success": pa.array(c["success"], pa.bool_()),
            "error_name": pa.array(c["error_name"], pa.string()),
            "file": pa.array(np.full(m, file_no, dtype=np.int32)),
            "seq": pa.array(np.arange(self.n, self.n + m, dtype=np.int64)),
        }
        for k in ("env_user", "open_user", "session", "notebook", "event", "cell_id", "error_name"):
            arrays[k] = arrays[k].dictionary_encode()
        if self.keep_content:
            for k in _CONTENT_COLUMNS:
                arrays[k] = pa.array(c[k], pa.large_string())
        self.batches.append(pa.RecordBatch.from_pydict(arrays))
        self.n += m
        self._reset()


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


def _text(v) -> str | None:
    if v is None:
        return None
    return v if isinstance(v, str) else str(v)


def _add(obj, cols: _Columns, user_env: str, layouts: dict) -> None:
    """Append one decoded record's event to ``cols`` (raises _Refused if it is not one)."""
    if not isinstance(obj, dict):
        raise _Refused("expected a JSON object (a jupyterlab-pioneer event)")
    env_user = None
    if "eventDetail" in obj:
        ev = obj
        layouts["file"] = layouts.get("file", 0) + 1
    else:
        ev = obj.get("data")
        if not isinstance(ev, dict) or "eventDetail" not in ev:
            keys = ", ".join(list(obj)[:5])
            raise _Refused(
                "not a jupyterlab-pioneer event: expected an object with eventDetail, or a "
                f"remote-exporter body with data (found keys: {keys or 'none'})"
            )
        layouts["jsonl"] = layouts.get("jsonl", 0) + 1
        env = obj.get("env")
        if isinstance(env, list):
            for item in env:  # the exporter's few configured variables
                if isinstance(item, dict) and item.get(user_env) is not None:
                    env_user = _text(item[user_env])
        elif isinstance(env, dict) and env.get(user_env) is not None:
            env_user = _text(env[user_env])
    detail = ev["eventDetail"]
    if not isinstance(detail, dict):
        raise _Refused("eventDetail is not an object")
    name = detail.get("eventName")
    if not isinstance(name, str) or not name:
        raise _Refused("the event has no eventName")
    t = detail.get("eventTime")
    if isinstance(t, bool) or not isinstance(t, (int, float)):
        raise _Refused(f"eventTime {t!r} is not a number (milliseconds since 1970-01-01 UTC)")
    if not _MS_MIN <= t < _MS_MAX:
        hint = (
            " (it looks like seconds, not milliseconds)"
            if _MS_MIN / 1000 <= t < _MS_MAX / 1000
            else ""
        )
        raise _Refused(f"eventTime {t!r} is not a time between 2000 and 2100 in milliseconds{hint}")
    state = ev.get("notebookState")
    if not isinstance(state, dict):
        state = {}
    info = detail.get("eventInfo")
    cell_id = cell_index = n_cells = success = error_name = open_user = None
    source = changes = selection = None
    if isinstance(info, dict):
        cells = info.get("cells")
        if isinstance(cells, list) and cells:
            n_cells = len(cells)
            first = cells[0]
            if isinstance(first, dict):
                cell_id = _text(first.get("id"))
                idx = first.get("index", first.get("oldIndex"))
                if isinstance(idx, int) and not isinstance(idx, bool):
                    cell_index = idx
        elif isinstance(cells, list):
            n_cells = 0
        if name == _EXECUTE:
            s = info.get("success")
            success = s if isinstance(s, bool) else None
            err = info.get("kernelError")
            if isinstance(err, dict):
                # JupyterLab's KernelError serialises as errorName/errorValue/traceback;
                # the kernel's own reply says ename/evalue/traceback: read either name
                error_name = _text(err.get("errorName") or err.get("ename")) or "unnamed error"
                if success is None:
                    success = False
        elif name == _OPEN:
            environ = info.get("environ")
            if isinstance(environ, dict) and environ.get(user_env) is not None:
                open_user = _text(environ[user_env])
            elif isinstance(environ, dict) and len(cols.user_like) < 20:
                cols.user_like.update(k for k in environ if "USER" in str(k).upper())
        elif "index" in info:
            idx = info.get("index")
            if isinstance(idx, int) and not isinstance(idx, bool):
                cell_index = idx
        if cols.keep_content:
            if "doc" in info:
                d = info.get("doc")
                source = d if isinstance(d, str) else json.dumps(d, ensure_ascii=False)
            if "changes" in info:
                changes = json.dumps(info.get("changes"), ensure_ascii=False)
            if "selection" in info:
                selection = _text(info.get("selection"))
    c = cols.cur
    c["env_user"].append(env_user)
    c["open_user"].append(open_user)
    c["session"].append(_text(state.get("sessionID")) or None)
    c["notebook"].append(_text(state.get("notebookPath")) or None)
    c["event"].append(name)
    c["time"].append(t)
    c["cell_id"].append(cell_id)
    c["cell_index"].append(cell_index)
    c["cells"].append(n_cells)
    c["success"].append(success)
    c["error_name"].append(error_name)
    if cols.keep_content:
        content = state.get("notebookContent")
        c["notebook_content"].append(
            None if content is None else json.dumps(content, ensure_ascii=False)
        )
        c["cell_source"].append(source)
        c["cell_changes"].append(changes)
        c["selection"].append(selection)


def _incomplete(err: json.JSONDecodeError, buf: str) -> bool:
    """Whether a decode error may only mean "the buffer ends inside this record"."""
    return err.msg.startswith("Unterminated string") or err.pos >= len(buf) - 16


def _read_file(
    path: Path,
    file_no: int,
    cols: _Columns,
    user_env: str,
    report: NotebookLogReport,
    errors: str,
) -> None:
    """Stream one log file's records into ``cols``."""
    decode = json.JSONDecoder().raw_decode
    skip = _SKIP.match
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    unit = " (uncompressed)" if path.suffix.lower() == ".gz" else ""
    layouts: dict[str, int] = {}
    udec = codecs.getincrementaldecoder("utf-8")("replace")
    buf = ""
    pos = 0
    base_byte = 0  # byte offset of buf[0] in the file
    base_line = 1  # line number of buf[0]
    eof = False
    first = True
    records = 0

    def where(i: int) -> tuple[int, int]:
        head = buf[:i]
        nbytes = len(head) if head.isascii() else len(head.encode("utf-8"))
        return base_line + buf.count("\n", 0, i), base_byte + nbytes

    def refuse(i: int, message: str):
        line, byte = where(i)
        return ExportError(path, f"{message} (byte {byte:,}{unit})", line=line)

    def refill(fh, size: int) -> None:
        """Drop what was consumed from the buffer and append the next ``size`` bytes."""
        nonlocal buf, pos, base_byte, base_line, eof, first
        if pos:
            head = buf[:pos]
            base_byte += len(head) if head.isascii() else len(head.encode("utf-8"))
            base_line += head.count("\n")
            buf = buf[pos:]
            pos = 0
        chunk = fh.read(size)
        if not chunk:
            eof = True
            buf += udec.decode(b"", final=True)
            return
        report.bytes += len(chunk)
        text = udec.decode(chunk)
        bad = text.count("\ufffd") - chunk.count(b"\xef\xbf\xbd")
        if bad > 0:
            report.repair("invalid UTF-8 bytes replaced by U+FFFD", bad)
        if first:
            text = text.removeprefix("\ufeff")
            first = False
        buf += text

    with opener(path, "rb") as fh:
        while True:
            pos = skip(buf, pos).end()
            if pos >= len(buf) - 1 and not eof:
                refill(fh, _CHUNK)
                continue
            if pos >= len(buf):
                break
            try:
                obj, end = decode(buf, pos)
            except RecursionError:
                nxt = _RESYNC.search(buf, pos + 1)
                if errors == "skip":
                    report.exclude("records nested too deeply to read (skipped)", 1)
                    pos = nxt.start(1) if nxt else len(buf)
                    if nxt is None and not eof:
                        refill(fh, _CHUNK)
                    continue
                raise refuse(
                    pos,
                    "a JSON record nested too deeply to read; expected jupyterlab-pioneer "
                    "events (a few levels deep)",
                ) from None
            except json.JSONDecodeError as err:
                if not eof and _incomplete(err, buf):
                    # the record runs past the buffer: read more (doubling for big records)
                    refill(fh, max(_CHUNK, len(buf) - pos))
                    continue
                nxt = _RESYNC.search(buf, pos + 1)
                if eof and nxt is None:
                    # the last record of the file stops short: a crash while writing
                    report.exclude("truncated last records (skipped)", 1)
                    break
                if errors == "skip":
                    report.exclude("unreadable records (skipped)", 1)
                    pos = nxt.start(1) if nxt else len(buf)
                    continue
                raise refuse(
                    err.pos,
                    f"not a readable JSON record ({err.msg}); expected jupyterlab-pioneer "
                    "events (comma-separated objects, or one remote-exporter body per line)",
                ) from None
            records += 1
            try:
                _add(obj, cols, user_env, layouts)
            except _Refused as r:
                if errors == "skip":
                    report.exclude("records that are not pioneer events (skipped)", 1)
                else:
                    raise refuse(pos, r.message) from None
            pos = end
            if len(cols.cur["event"]) >= _BATCH:
                cols.flush(file_no)
    cols.flush(file_no)
    report.rows_read += records
    if layouts:
        label = (
            "remote exporter (JSON Lines)"
            if layouts.get("jsonl", 0) >= layouts.get("file", 0)
            else "file exporter"
        )
        report.layouts[label] = report.layouts.get(label, 0) + 1


# --------------------------------------------------------------------------- assembling


def _codes(col: pa.ChunkedArray) -> tuple[np.ndarray, list]:
    """(int codes with -1 for null, categories) of a string or dictionary column."""
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if not pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_encode()
    codes = pc.fill_null(arr.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, arr.dictionary.to_pylist()


def _n_distinct(col) -> int:
    """How many different non-null values a (dictionary) column holds."""
    codes, _ = _codes(col)
    return int(len(np.unique(codes[codes >= 0])))


def _dict_column(values: list, codes: np.ndarray) -> pa.DictionaryArray:
    """A dictionary array from categories and int codes (-1 = null), unused values dropped."""
    used = np.zeros(len(values) + 1, dtype=bool)
    used[codes] = True
    used = used[:-1] if len(values) else used[:0]
    keep = np.flatnonzero(used)
    remap = np.full(len(values) + 1, -1, dtype=np.int64)
    remap[keep] = np.arange(len(keep))
    new = remap[codes]
    idx = pa.array(new.astype(np.int32), mask=new < 0)
    return pa.DictionaryArray.from_arrays(idx, pa.array([values[i] for i in keep], pa.string()))


def _assemble(
    cols: _Columns,
    report: NotebookLogReport,
    user_map: dict[str, str] | None,
    keep_content: bool,
) -> pa.Table:
    """The event table of the parsed batches: users credited, duplicates removed, in time order."""
    schema = notebook_events_schema(keep_content)
    if not cols.batches:
        return schema.empty_table()
    t = pa.Table.from_batches(cols.batches).combine_chunks()
    cols.batches.clear()
    t = t.unify_dictionaries().combine_chunks()
    times = t.column("time").to_numpy().astype(np.int64)
    files = t.column("file").to_numpy()
    session, user, users = _credit_users(t, times, report)
    dup = _duplicates(t, times, user, session, keep_content)
    report.exclude("duplicate events (removed)", int(dup.sum()))
    report.out_of_order = _out_of_order(times, files, dup)

    keep = np.flatnonzero(~dup)
    order = keep[np.argsort(times[keep], kind="stable")]
    t = t.take(pa.array(order))
    user = user[order]

    no_session = int(pc.sum(pc.is_null(t.column("session"))).as_py() or 0)
    if no_session:
        report.warnings.append(
            f"{no_session:,} event(s) have no session id; their learner is known only if "
            "their own record names them"
        )
    unknown_user = int((user < 0).sum())
    if unknown_user:
        report.warnings.append(
            f"{unknown_user:,} event(s) could not be credited to a user (no notebook-open "
            "event in their session names one)"
        )

    n_users = len(np.unique(user[user >= 0]))
    if n_users == 0:
        seen = sorted(cols.user_like)
        report.warnings.append(
            f"no event names a user: the variable {cols.user_env} (setting notebook_user_env) "
            "is in no notebook-open event"
            + (
                f"; variables named like a user there: {', '.join(seen)}"
                if seen
                else " (and no variable named like a user is)"
            )
        )
    learner = _learner_ids(users, user, user_map, report)
    event_col = t.column("event").combine_chunks()
    out = {
        "user": _dict_column(users, user),
        "learner_id": learner,
        "session": t.column("session"),
        "notebook": t.column("notebook"),
        "event": event_col,
        "time": pc.cast(t.column("time"), pa.timestamp("ms", tz="UTC")),
        "cell_id": t.column("cell_id"),
        "cell_index": t.column("cell_index"),
        "cells": t.column("cells"),
        "success": t.column("success"),
        "error_name": t.column("error_name"),
    }
    if keep_content:
        for c in _CONTENT_COLUMNS:
            out[c] = t.column(c)
    table = pa.table(out).cast(schema)
    _count(table, event_col, report)
    report.users = n_users
    return table


def _credit_users(
    t: pa.Table, times: np.ndarray, report: NotebookLogReport
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Who made each event: its own env's user, else its session's (first) opener.

    Returns the session codes, the user codes (-1 unknown) and the user names.
    """
    session, sessions = _codes(t.column("session"))
    env_user, env_users = _codes(t.column("env_user"))
    open_user, open_users = _codes(t.column("open_user"))
    users = sorted(set(env_users) | set(open_users))
    upos = {u: i for i, u in enumerate(users)}
    env_u = np.append(np.array([upos[u] for u in env_users], dtype=np.int64), -1)[env_user]
    open_u = np.append(np.array([upos[u] for u in open_users], dtype=np.int64), -1)[open_user]
    ses_user = np.full(len(sessions) + 1, -1, dtype=np.int64)
    has = (open_u >= 0) & (session >= 0)
    if has.any():
        o = np.lexsort((times[has], session[has]))
        sc, uc = session[has][o], open_u[has][o]
        firsts = np.ones(len(sc), dtype=bool)
        firsts[1:] = sc[1:] != sc[:-1]
        ses_user[sc[firsts]] = uc[firsts]
        pairs = np.unique(sc * (len(users) + 1) + uc)
        clash = np.unique(pairs // (len(users) + 1), return_counts=True)[1] > 1
        if clash.any():
            report.warnings.append(
                f"{int(clash.sum()):,} kernel session(s) were opened by more than one user; "
                "each session's events are credited to its first opener"
            )
    user = np.where(env_u >= 0, env_u, ses_user[session])
    user = np.where((user < 0) & (open_u >= 0), open_u, user)  # open events without a session
    return session, user, users


def _duplicates(
    t: pa.Table, times: np.ndarray, user: np.ndarray, session: np.ndarray, keep_content: bool
) -> np.ndarray:
    """Which events repeat an earlier one (the remote exporter retries): a bool mask.

    One 64-bit hash of every column finds the candidates; only those are compared
    exactly. With ``keep_content``, only identical content is a duplicate.
    """

    def key_columns(rows=None):
        take = (lambda a: a) if rows is None else (lambda a: a[rows])
        yield take(times)
        yield take(user)
        yield take(session)
        for c in ("notebook", "event", "cell_id", "error_name"):
            yield take(_codes(t.column(c))[0])
        for c in ("cell_index", "cells"):
            yield take(pc.fill_null(t.column(c), -1).to_numpy().astype(np.int64))
        succ = pc.fill_null(pc.cast(t.column("success"), pa.int8()), -1)
        yield take(succ.to_numpy(zero_copy_only=False).astype(np.int64))

    n = t.num_rows
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for part in key_columns():
            h *= np.uint64(0x9E3779B97F4A7C15)
            h ^= part.astype(np.uint64)
            h ^= h >> np.uint64(29)
    cand = np.flatnonzero(pd.Series(h).duplicated(keep=False).to_numpy())
    del h
    dup = np.zeros(n, dtype=bool)
    if len(cand):
        key = pd.DataFrame({i: p for i, p in enumerate(key_columns(cand))})
        if keep_content:
            for c in _CONTENT_COLUMNS:
                key[c] = t.column(c).take(pa.array(cand)).to_pandas()
        dup[cand[key.duplicated(keep="first").to_numpy()]] = True
    return dup


def _out_of_order(times: np.ndarray, files: np.ndarray, dup: np.ndarray) -> int:
    """Events earlier than an event written before them in the same file (duplicates aside)."""
    kept = np.flatnonzero(~dup)
    kt, kf = times[kept], files[kept]
    running = pd.Series(kt).groupby(kf, sort=False).cummax().to_numpy()
    later = np.zeros(len(kept), dtype=bool)
    same_file = kf[1:] == kf[:-1]
    later[1:] = same_file & (kt[1:] < running[:-1])
    return int(later.sum())


def _learner_ids(
    users: list[str],
    user: np.ndarray,
    user_map: dict[str, str] | None,
    report: NotebookLogReport,
) -> pa.Array:
    """The export's learner id of each event's user (null without a user map or entry)."""
    if user_map is None:
        return pa.nulls(len(user), _DICT)
    mapped = [user_map.get(u) for u in users]
    ids = sorted({m for m in mapped if m is not None})
    ipos = {m: i for i, m in enumerate(ids)}
    lookup = np.array([ipos.get(m, -1) if m is not None else -1 for m in mapped] + [-1])
    learner = _dict_column(ids, lookup[user])
    seen = np.unique(user[user >= 0])
    linked = int((lookup[seen] >= 0).sum()) if len(seen) else 0
    report.linked_users = linked
    if linked < len(seen):
        report.warnings.append(
            f"{len(seen) - linked:,} notebook user(s) are not in the user map "
            "(their events are kept without a learner id)"
        )
    return learner


def _count(table: pa.Table, event_col: pa.Array, report: NotebookLogReport) -> None:
    """The report's counts: events by name, sessions, notebooks, first and last time."""
    ev_codes, ev_names = _codes(event_col)
    counts = np.bincount(ev_codes[ev_codes >= 0], minlength=len(ev_names))
    report.events = {
        name: int(k)
        for name, k in zip(ev_names, counts, strict=True)
        if k  # a dozen names
    }
    report.unknown_events = {k: v for k, v in report.events.items() if k not in KNOWN_EVENTS}
    report.sessions = _n_distinct(table.column("session"))
    report.notebooks = _n_distinct(table.column("notebook"))
    if table.num_rows:
        tmin, tmax = pc.min_max(table.column("time")).values()
        report.first = pd.Timestamp(tmin.as_py()).strftime("%Y-%m-%d %H:%M:%S")
        report.last = pd.Timestamp(tmax.as_py()).strftime("%Y-%m-%d %H:%M:%S")


def read_notebook_logs(
    path: str | Path,
    *,
    user_env: str = "JUPYTERHUB_USER",
    user_map: str | Path | dict[str, str] | None = None,
    keep_content: bool = False,
    errors: str = "raise",
) -> tuple[pa.Table, NotebookLogReport]:
    """Read jupyterlab-pioneer logs (a file or a folder of files) into one event table.

    Parameters
    ----------
    path : a log file, or a folder searched recursively (see :func:`log_files`).
    user_env : the environment variable, in notebook-open events (and in remote-exporter
        bodies' ``env``), that names the learner.
    user_map : a CSV file with columns ``user,learner_id`` (or a ready dict) linking user
        names to the export's learner ids; ``None``: ``learner_id`` stays empty.
    keep_content : also keep the notebook content, edited cell text and changes, and
        clipboard selections (personal data: off by default). Error values and
        tracebacks are never kept.
    errors : ``"raise"`` (default) stops at the first record that cannot be read;
        ``"skip"`` skips such records and counts them in the report.

    Returns
    -------
    (table, report)
        ``table`` is an Arrow table with :func:`notebook_events_schema`, sorted by time
        (ties in the order written), one row per event; ``report`` a
        :class:`NotebookLogReport`.

    Raises
    ------
    ExportError
        naming the file, line and byte offset of a record that is not JSON or not a
        pioneer event (with ``errors="raise"``); or if ``path`` does not exist.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> log = pathlib.Path(tempfile.mkdtemp()) / "log"
    >>> _ = log.write_text('{"eventDetail": {"eventName": "NotebookOpenEvent", '
    ...     '"eventTime": 1707134400000, "eventInfo": {"environ": {"JUPYTERHUB_USER": "ana"}}}, '
    ...     '"notebookState": {"sessionID": "s1", "notebookPath": "w1.ipynb"}},'
    ...     '{"eventDetail": {"eventName": "CellExecuteEvent", "eventTime": 1707134460000, '
    ...     '"eventInfo": {"cells": [{"id": "c1", "index": 0}], "success": true, '
    ...     '"kernelError": null}}, "notebookState": {"sessionID": "s1", "notebookPath": "w1.ipynb"}},')
    >>> table, report = read_notebook_logs(log)
    >>> table.column("user").to_pylist(), table.column("event").to_pylist()
    (['ana', 'ana'], ['NotebookOpenEvent', 'CellExecuteEvent'])
    """
    if errors not in ("raise", "skip"):
        raise ValueError(f"errors must be 'raise' or 'skip', not {errors!r}")
    t0 = _time.perf_counter()
    path = Path(path)
    files = log_files(path)
    report = NotebookLogReport("notebook-logs", str(path))
    report.files = len(files)
    if path.is_dir():
        skipped = [
            f
            for f in path.rglob("*")
            if f.is_file()
            and f.suffix.lower() not in LOG_SUFFIXES
            and not any(p.startswith(".") for p in f.relative_to(path).parts)
        ]
        if skipped:
            report.warnings.append(
                f"{len(skipped):,} file(s) in the log folder were not read (their names do not "
                f"end in {', '.join(sorted(s for s in LOG_SUFFIXES if s))} or nothing), "
                f"e.g. {skipped[0].name}"
            )
        if not files:
            report.warnings.append("the log folder holds no log files")
    if isinstance(user_map, (str, Path)):
        user_map = read_user_map(user_map) if str(user_map) else None
    cols = _Columns(keep_content, user_env)
    for i, f in enumerate(files):
        try:
            _read_file(f, i, cols, user_env, report, errors)
        except (EOFError, gzip.BadGzipFile, zlib.error) as e:
            if isinstance(e, EOFError):
                what = "the compressed file is cut short (truncated .gz)"
            elif isinstance(e, gzip.BadGzipFile):
                what = "the file ends in .gz but is not gzip-compressed"
            else:
                what = f"the compressed data is damaged ({e})"
            if errors != "skip":
                raise ExportError(
                    f, f"{what}; expected a whole gzip file of pioneer events"
                ) from None
            cols.flush(i)  # the events read before the damage are kept
            report.exclude("log files not read to the end (damaged .gz, skipped)", 1)
            report.warnings.append(f"{f.name}: {what}; the events read before it are kept")
    table = _assemble(cols, report, user_map, keep_content)
    report.rows_kept = table.num_rows
    report.status = "read" if files else "missing"
    report.version = ", ".join(report.layouts) or None
    if report.unknown_events:
        report.warnings.append(
            f"{sum(report.unknown_events.values()):,} event(s) of kinds jupyterlab-pioneer does "
            f"not document were kept: {', '.join(sorted(report.unknown_events))}"
        )
    report.seconds = _time.perf_counter() - t0
    return table, report
