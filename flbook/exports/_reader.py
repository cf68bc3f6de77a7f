"""Read one export CSV into a typed Arrow table, checking it and reporting what was done.

The fast path hands pyarrow's multi-threaded CSV reader explicit column types. When
that fails, a diagnostic path re-reads the offending column as text to find the first
bad value and its physical line, so the error can say exactly where and what.
"""

from __future__ import annotations

import concurrent.futures as cf
import csv as _pycsv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import ExportError
from ..privacy import count_text
from ._schema import KIND_WORDS, Dataset

__all__ = ["FileReport", "read_export", "empty_table", "arrow_type", "KNOWN_ROLES"]

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S UTC"
_TIMESTAMP_WIDTH = len("2024-02-05 10:00:00 UTC")
KNOWN_ROLES = frozenset(
    {"learner", "organisation_admin", "admin", "marketer", "moderator", "educator"}
)
STEP_RE = r"^[0-9]+\.[0-9]+$"
QUESTION_RE = r"^[0-9]+\.[0-9]+\.[0-9]+$"
_DICT = pa.dictionary(pa.int32(), pa.string())
_BLOCK = 1 << 24  # 16 MiB blocks: a compromise between parse speed and chunk count


def arrow_type(kind: str) -> pa.DataType:
    """Return the Arrow type a column of ``kind`` is parsed into."""
    return {
        "person": _DICT,
        "int64": pa.int64(),
        "int64?": pa.int64(),
        "int": pa.int32(),
        "int?": pa.int32(),
        "float?": pa.float64(),
        "bool": pa.bool_(),
        "ts": pa.timestamp("s"),
        "step": _DICT,
        "question": _DICT,
        "cat": _DICT,
        "text": pa.string(),
    }[kind]


@dataclass
class FileReport:
    """What happened to one export file on its way into the course.

    ``excluded`` counts rows left out, ``repaired`` counts values changed to make a
    row usable, ``warnings`` holds sentences a course team should read.
    """

    dataset: str
    file: str
    status: str = "read"  # read | header-only | missing
    version: str | None = None
    rows_read: int = 0
    rows_kept: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    repaired: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    first: str | None = None
    last: str | None = None
    latest: str | None = None
    """The latest timestamp in any column ('YYYY-MM-DD HH:MM:SS'): what dates the export."""

    def exclude(self, reason: str, n: int) -> None:
        """Count ``n`` rows left out for ``reason``."""
        if n:
            self.excluded[reason] = self.excluded.get(reason, 0) + int(n)

    def repair(self, reason: str, n: int) -> None:
        """Count ``n`` values repaired for ``reason``."""
        if n:
            self.repaired[reason] = self.repaired.get(reason, 0) + int(n)

    def to_dict(self) -> dict:
        """Plain-value form (for JSON)."""
        return dict(self.__dict__)


def empty_table(ds: Dataset) -> pa.Table:
    """A zero-row table with the dataset's full typed schema (plus derived columns)."""
    fields = [pa.field(c, _final_type(ds.kinds[c])) for c in ds.all_columns()]
    for name, typ in _derived_fields(ds):
        if name not in {f.name for f in fields}:
            fields.append(pa.field(name, typ))
    return pa.schema(fields).empty_table()


def _final_type(kind: str) -> pa.DataType:
    t = arrow_type(kind)
    return pa.timestamp("s", tz="UTC") if kind == "ts" else t


def _derived_fields(ds: Dataset) -> list[tuple[str, pa.DataType]]:
    kinds = ds.kinds
    out = []
    if "question" in kinds.values():
        out += [
            ("step", _DICT),
            ("week_number", pa.int32()),
            ("step_number", pa.int32()),
            ("question_number", pa.int32()),
        ]
    elif "step" in kinds and "week_number" in kinds:
        out += [("week_number", pa.int32()), ("step_number", pa.int32())]
    return out


# --------------------------------------------------------------------------- header


def _read_header(path: Path, ds: Dataset) -> list[str] | None:
    """Return the header's column names, or None for an empty (0-byte) file."""
    with open(path, "rb") as fh:
        head = fh.read(65536)
    if not head.strip():
        return None
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if b"\x00" in head.split(b"\n", 1)[0] or head[:4] in (b"PK\x03\x04", b"%PDF"):
        raise ExportError(path, f"not a CSV file (binary content); expected the {ds.name} export")
    first = head.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError:
        raise ExportError(
            path, "the header row is not UTF-8 text; expected a CSV export", line=1
        ) from None
    return [c.strip() for c in next(_pycsv.reader([text]))]


def _match_columns(path: Path, ds: Dataset, header: list[str], report: FileReport) -> list[str]:
    """Map header names to known columns by name; return the known columns present."""
    known = {c.lower(): c for c in ds.all_columns()}
    present = [known[h.lower()] for h in header if h.lower() in known]
    if not present:
        expected = ", ".join(ds.columns)
        raise ExportError(
            path,
            f"not a {ds.name} export: none of its columns found in the header "
            f"(found {', '.join(header[:8])}); expected {expected}",
            line=1,
        )
    for req in ds.required:
        if req not in present:
            raise ExportError(
                path,
                f"required column is missing from the header (found: {', '.join(header)})",
                column=req,
                line=1,
            )
    dupes = {c for c in present if present.count(c) > 1}
    if dupes:
        raise ExportError(
            path, "column appears twice in the header", column=sorted(dupes)[0], line=1
        )
    unknown = [h for h in header if h.lower() not in known]
    if unknown:
        report.warnings.append(
            f"{len(unknown)} unrecognised column(s) ignored: {', '.join(unknown)}"
        )
    for label, cols in ds.versions.items():
        if set(cols) == set(present):
            report.version = label
            break
    else:
        closest = min(ds.versions, key=lambda v: len(set(ds.versions[v]) ^ set(present)))
        missing = [c for c in ds.versions[closest] if c not in present]
        report.version = f"non-standard ({len(present)} known columns)"
        if missing:
            report.warnings.append(
                f"columns absent (left empty): {', '.join(missing)}; closest known version: {closest}"
            )
    # the reader needs the header's spelling for include_columns
    return present


# --------------------------------------------------------------------------- parsing


def _convert_options(ds: Dataset, header: list[str], present: list[str], as_text: bool = False):
    spelled = {h.lower(): h for h in header}
    types = {}
    for c in present:
        # timestamps are read as text and parsed by _parse_timestamps
        as_string = as_text or ds.kinds[c] == "ts"
        types[spelled[c.lower()]] = pa.string() if as_string else arrow_type(ds.kinds[c])
    return pacsv.ConvertOptions(
        column_types=types,
        include_columns=[spelled[c.lower()] for c in present],
        true_values=["true", "TRUE", "True"],
        false_values=["false", "FALSE", "False"],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
        null_values=[""],
    )


def _read(source, ds: Dataset, header, present, as_text=False) -> pa.Table:
    return pacsv.read_csv(
        source,
        read_options=pacsv.ReadOptions(use_threads=True, block_size=_BLOCK),
        parse_options=pacsv.ParseOptions(newlines_in_values=ds.free_text),
        convert_options=_convert_options(ds, header, present, as_text),
    )


def _physical_line(path_or_bytes, row: int) -> int:
    """1-based physical line where data row ``row`` (0-based) starts."""
    if isinstance(path_or_bytes, bytes):
        fh = io.StringIO(path_or_bytes.decode("utf-8", errors="replace"), newline="")
    else:
        fh = open(path_or_bytes, encoding="utf-8", errors="replace", newline="")
    with fh:
        reader = _pycsv.reader(fh)
        line_before = 0
        for i, _ in enumerate(reader):
            if i == row + 1:  # +1 for the header
                return line_before + 1
            line_before = reader.line_num
    return row + 2


def _first_bad(values: pa.ChunkedArray, kind: str) -> int | None:
    """Index of the first value of text column ``values`` that is not a valid ``kind``."""
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if kind == "ts":
        return _first_bad_timestamp(_blank_to_null(arr))
    nonempty = pc.and_(pc.is_valid(arr), pc.not_equal(pc.utf8_trim_whitespace(arr), ""))
    if kind in ("int", "int?", "int64", "int64?"):
        ok = pc.match_substring_regex(arr, r"^\s*-?[0-9]+\s*$")
    elif kind == "float?":
        ok = pc.match_substring_regex(
            arr, r"^\s*-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$"
        )
    elif kind == "bool":
        ok = pc.is_in(pc.utf8_lower(pc.utf8_trim_whitespace(arr)), pa.array(["true", "false"]))
    else:
        return None
    bad = pc.and_(nonempty, pc.invert(pc.fill_null(ok, False)))
    idx = np.flatnonzero(bad.to_numpy(zero_copy_only=False))
    return int(idx[0]) if len(idx) else None


def _diagnose(path: Path, data, ds: Dataset, header, present, err: Exception) -> pa.Table:
    """Fast parse failed: re-read as text, repair what is tolerated, or raise precisely."""
    source = io.BytesIO(data) if data is not None else path
    try:
        text = _read(source, ds, header, present, as_text=True)
    except pa.ArrowInvalid as e2:
        msg = str(e2)
        m = re.search(r"Row #(\d+)", msg)
        line = int(m.group(1)) if m else None
        raise ExportError(
            path,
            f"the file is not well-formed CSV ({msg.split(':', 1)[-1].strip()}); "
            "expected one row per line with the header's number of fields",
            line=line,
        ) from None
    # bool columns in unusual letter case are tolerated: convert them by hand
    for c in present:
        kind = ds.kinds[c]
        col = text.column(c if c in text.column_names else _spelled(header, c))
        bad = _first_bad(col, kind)
        if bad is not None:
            value = col[bad].as_py()
            raise ExportError(
                path,
                f"expected {KIND_WORDS[kind]}",
                column=c,
                line=_physical_line(data if data is not None else path, bad),
                value=value,
            )
    # every value parses on its own: convert column by column
    out = {}
    for c in present:
        kind = ds.kinds[c]
        col = text.column(_spelled(header, c))
        if kind == "bool":
            low = pc.utf8_lower(pc.utf8_trim_whitespace(col))
            out[c] = pc.if_else(
                pc.equal(low, "true"), True, pc.if_else(pc.equal(low, "false"), False, None)
            )
        elif kind == "ts":
            chunks = [_text_to_timestamps(_blank_to_null(ch)) for ch in col.chunks]
            out[c] = pa.chunked_array(chunks, _TS)
        else:
            out[c] = pc.cast(
                pc.utf8_trim_whitespace(col) if kind != "text" else col, arrow_type(kind)
            )
    return pa.table(out)


_TS = pa.timestamp("s")


def _text_to_timestamps(arr: pa.Array) -> pa.Array:
    """Parse text written ``YYYY-MM-DD HH:MM:SS UTC`` into timestamps (nulls stay null).

    Raises ``pa.ArrowInvalid`` on any other value. The date and time go through
    Arrow's ISO-8601 parser, which refuses impossible dates and times (2024-02-30,
    2023-02-29, 23:59:60) where strptime would roll them over into the next month
    or day, and which is faster than strptime.
    """
    raw = arr.view(pa.binary())
    well_formed = pc.and_(
        pc.and_(pc.equal(pc.binary_length(raw), _TIMESTAMP_WIDTH), pc.ends_with(raw, b" UTC")),
        pc.equal(pc.binary_slice(raw, 10, 11), b" "),  # the ISO parser would take a "T"
    )
    if pc.any(pc.invert(well_formed)).as_py():  # None when every value is null
        raise pa.ArrowInvalid(f"a timestamp not written as {TIMESTAMP_FORMAT}")
    head = pc.binary_slice(raw, 0, _TIMESTAMP_WIDTH - 4)
    return pc.cast(head.view(pa.string()), _TS)


def _blank_to_null(arr: pa.Array) -> pa.Array:
    """Text with its blank values (empty, or spaces only) made null: a blank cell is
    an empty one."""
    blank = pc.equal(pc.utf8_trim_whitespace(arr), "")
    return pc.if_else(blank, pa.scalar(None, arr.type), arr)


def _first_bad_timestamp(arr: pa.Array) -> int | None:
    """Index of the first value :func:`_text_to_timestamps` refuses, or None.

    Found by halving the range that fails, so the test is exactly the parser's.
    """
    try:
        _text_to_timestamps(arr)
        return None
    except pa.ArrowInvalid:
        pass
    lo, n = 0, len(arr)  # the first refused value lies in arr[lo : lo + n]
    while n > 1:
        half = n // 2
        try:
            _text_to_timestamps(arr.slice(lo, half))
            lo, n = lo + half, n - half
        except pa.ArrowInvalid:
            n = half
    return lo


def _parse_timestamps(table: pa.Table, ds: Dataset) -> pa.Table:
    """Parse the timestamp columns (read as text), chunk by chunk on two threads.

    Raises ``pa.ArrowInvalid`` if any value is not a timestamp; the caller then finds
    and names it (:func:`_diagnose`).
    """
    cols = [c for c in table.column_names if ds.kinds.get(c) == "ts"]
    jobs = [(c, ch) for c in cols for ch in table.column(c).chunks]
    with cf.ThreadPoolExecutor(max_workers=2) as ex:
        parsed = list(ex.map(lambda job: _text_to_timestamps(job[1]), jobs))
    for c in cols:
        chunks = [p for (name, _), p in zip(jobs, parsed, strict=True) if name == c]
        table = _set(table, c, pa.chunked_array(chunks, _TS))
    return table


def _spelled(header: list[str], col: str) -> str:
    for h in header:
        if h.lower() == col.lower():
            return h
    return col


def _parse(path: Path, ds: Dataset, header, present, report: FileReport) -> pa.Table:
    """The file's typed table, columns in canonical spelling (via :func:`_diagnose`,
    which raises precisely, when the fast parse fails)."""

    def typed(source) -> pa.Table:
        # canonical names first: timestamp columns are found by their kind
        table = _canonical(_read(source, ds, header, present), header, present)
        return _parse_timestamps(table, ds)

    try:
        return typed(path)
    except pa.ArrowInvalid as err:
        if "invalid UTF8" not in str(err):
            return _diagnose(path, None, ds, header, present, err)
    raw = path.read_bytes()
    decoded = raw.decode("utf-8", errors="replace")
    n_bad = decoded.count("\ufffd") - raw.count("\ufffd".encode())
    report.repair("invalid UTF-8 bytes replaced by U+FFFD", n_bad)
    data = decoded.encode("utf-8")
    try:
        return typed(io.BytesIO(data))
    except pa.ArrowInvalid as err:
        return _diagnose(path, data, ds, header, present, err)


def _canonical(table: pa.Table, header: list[str], present: list[str]) -> pa.Table:
    """``table`` with its columns renamed to their canonical spelling."""
    spelled = {_spelled(header, c): c for c in present}
    return table.rename_columns([spelled.get(n, n) for n in table.column_names])


# --------------------------------------------------------------------------- checks


def _check_pattern(path, table: pa.Table, col: str, pattern: str, words: str, report) -> None:
    """Raise on the first value of dictionary column ``col`` not matching ``pattern``."""
    arr = table.column(col).combine_chunks()
    if len(arr) == 0:
        return
    if pa.types.is_dictionary(arr.type):
        ok_dict = pc.match_substring_regex(arr.dictionary, pattern)
        if pc.all(ok_dict).as_py() in (True, None):
            return
        bad_codes = np.flatnonzero(~ok_dict.to_numpy(zero_copy_only=False))
        mask = pc.is_in(arr.indices, pa.array(bad_codes, pa.int32()))
    else:
        mask = pc.invert(pc.fill_null(pc.match_substring_regex(arr, pattern), True))
    idx = np.flatnonzero(pc.fill_null(mask, False).to_numpy(zero_copy_only=False))
    if len(idx):
        row = int(idx[0])
        raise ExportError(
            path,
            f"expected {words}",
            column=col,
            line=_physical_line(path, row),
            value=str(arr[row].as_py()),
        )


def _dict_strip(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """Trim spaces in a dictionary column's values (cheap: touches the dictionary only)."""
    chunks = []
    for ch in arr.chunks:
        chunks.append(
            pa.DictionaryArray.from_arrays(ch.indices, pc.utf8_trim_whitespace(ch.dictionary))
        )
    return pa.chunked_array(chunks, type=arr.type) if chunks else arr


def dictionary_chunks(arr: pa.ChunkedArray | pa.Array) -> list[pa.DictionaryArray]:
    """The chunks of ``arr``, each dictionary-encoded (a no-op for dictionary chunks)."""
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    return [ch if pa.types.is_dictionary(ch.type) else ch.dictionary_encode() for ch in chunks]


def dictionary_key(d: pa.Array) -> tuple:
    """Identity of a dictionary (its buffer, offset and length): chunks that share one
    dictionary (after unification) have the same key, so it is processed once."""
    buf = d.buffers()[-1]
    return (buf.address if buf is not None else 0, d.offset, len(d))


def _split_parts(arr: pa.ChunkedArray, n: int) -> list[pa.ChunkedArray]:
    """Split dictionary 'W.S(.Q)' strings into ``n`` int32 columns, via each chunk's
    dictionary (the strings are split once per distinct value, not once per row)."""
    out: list[list[pa.Array]] = [[] for _ in range(n)]
    for ch in dictionary_chunks(arr):
        parts = pc.split_pattern(ch.dictionary, ".")
        for k in range(n):
            vals = (
                pc.cast(pc.list_element(parts, k), pa.int32())
                if len(parts)
                else pa.array([], pa.int32())
            )
            out[k].append(vals.take(ch.indices))
    return [pa.chunked_array(o, pa.int32()) for o in out]


def _question_steps(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """The 'W.S' step of each 'W.S.Q' question, as a dictionary column (per chunk)."""
    out = []
    for ch in dictionary_chunks(arr):
        parts = pc.split_pattern(ch.dictionary, ".")
        if len(parts):
            steps = pc.binary_join_element_wise(
                pc.list_element(parts, 0), pc.list_element(parts, 1), "."
            )
        else:
            steps = pa.array([], pa.string())
        enc = pc.dictionary_encode(steps)  # questions of one step share one entry
        out.append(pa.DictionaryArray.from_arrays(enc.indices.take(ch.indices), enc.dictionary))
    return pa.chunked_array(out, _DICT)


def derive_columns(table: pa.Table, ds: Dataset, report: FileReport) -> pa.Table:
    """Fill week, step and question numbers (and a question's step) from the ``W.S(.Q)`` column."""
    kinds = ds.kinds
    qcols = [c for c, k in kinds.items() if k == "question" and c in table.column_names]
    if qcols:
        q = table.column(qcols[0])
        w, s, n = _split_parts(q, 3)
        table = _set(table, "step", _question_steps(q))
        for name, vals in (("week_number", w), ("step_number", s), ("question_number", n)):
            if name not in table.column_names:
                table = _set(table, name, vals)
            else:
                table = _set(table, name, pc.coalesce(table.column(name), vals))
    elif "step" in table.column_names and "week_number" in kinds:
        w, s = _split_parts(table.column("step"), 2)
        for name, vals in (("week_number", w), ("step_number", s)):
            if name not in table.column_names:
                table = _set(table, name, vals)
            else:
                old = table.column(name)
                mism = pc.sum(pc.cast(pc.fill_null(pc.not_equal(old, vals), False), pa.int64()))
                report.repair(f"{name} disagreeing with step (taken from step)", mism.as_py() or 0)
                table = _set(table, name, vals)
    return table


def _set(table: pa.Table, name: str, values) -> pa.Table:
    if name in table.column_names:
        return table.set_column(table.column_names.index(name), name, values)
    return table.append_column(name, values)


def finish_table(table: pa.Table, ds: Dataset) -> pa.Table:
    """Add absent columns as nulls, order columns, declare timestamps UTC."""
    target = empty_table(ds).schema
    cols = []
    for f in target:
        if f.name in table.column_names:
            col = table.column(f.name)
            if pa.types.is_timestamp(f.type):
                col = col.cast(f.type)
            elif col.type != f.type:
                col = col.cast(f.type)
            cols.append(col)
        else:
            cols.append(pa.nulls(table.num_rows, f.type))
    return pa.table(cols, schema=target)


def _count_nul(col: pa.ChunkedArray) -> int:
    """Number of NUL characters in a text column (a byte scan; counted only if any)."""
    for ch in col.chunks:
        data = ch.buffers()[2]
        if data is not None and np.frombuffer(data, np.uint8).min(initial=1) == 0:
            return pc.sum(pc.count_substring(col, "\x00")).as_py() or 0
    return 0


def _clean_text(table: pa.Table, ds: Dataset, report: FileReport) -> pa.Table:
    for c, k in ds.kinds.items():
        if k == "text" and c in table.column_names:
            col = table.column(c)
            if len(col) == 0:
                continue
            n = _count_nul(col)
            if n:
                report.repair(f"NUL characters removed from {c}", n)
                table = _set(table, c, pc.replace_substring(col, "\x00", ""))
        elif k in ("cat", "person", "step", "question") and c in table.column_names:
            table = _set(table, c, _dict_strip(table.column(c)))
    return table


def _required_nulls(table: pa.Table, ds: Dataset, report: FileReport) -> pa.Table:
    keep = None
    for c in ds.required:
        if c not in table.column_names:
            continue
        valid = pc.is_valid(table.column(c))
        n_missing = table.num_rows - (pc.sum(pc.cast(valid, pa.int64())).as_py() or 0)
        if n_missing:
            report.exclude(f"empty {c}", n_missing)
            keep = valid if keep is None else pc.and_(keep, valid)
    return table if keep is None else table.filter(keep)


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads the bits of uint64 values (vectorised, in place)."""
    with np.errstate(over="ignore"):
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return x


def _hash_values(arr: pa.Array) -> np.ndarray:
    """A uint64 hash of each value of a text array, the same for the same text wherever
    it comes from (a dictionary, a decoded chunk or a plain column)."""
    import pandas as pd

    values = arr.to_numpy(zero_copy_only=False).astype(object)
    return pd.util.hash_array(values, categorize=False).astype(np.uint64)


def _column_words(col: pa.ChunkedArray) -> np.ndarray:
    """One uint64 per value of ``col`` such that equal values give equal words.

    Dictionary columns give a hash of their values, numbers and timestamps their bits,
    text a hash. Different values may share a word: callers confirm equality.
    """
    parts = []
    seen: dict[tuple, np.ndarray] = {}  # chunks sharing a dictionary hash it once
    for ch in col.chunks:
        t = ch.type
        if pa.types.is_dictionary(t) and 2 * len(ch) < len(ch.dictionary):
            # a few rows taken from a big dictionary: hash their values, not it all
            w = _hash_values(ch.cast(t.value_type))
            w[np.asarray(ch.is_null())] = _GOLDEN  # as the dictionary path hashes null
        elif pa.types.is_dictionary(t):
            # hash the dictionary's values, not its positions: each parse block has a
            # dictionary of its own, so equal values can have different positions
            d = ch.dictionary
            key = dictionary_key(d)
            if key not in seen:
                seen[key] = np.append(_hash_values(d), _GOLDEN)  # last slot: null
            idx = pc.fill_null(ch.indices, len(d)).to_numpy(zero_copy_only=False)
            w = seen[key][idx]
        elif pa.types.is_timestamp(t) or pa.types.is_integer(t) or pa.types.is_boolean(t):
            w = pc.fill_null(ch.cast(pa.int64()), -(2**62)).to_numpy(zero_copy_only=False)
        elif pa.types.is_floating(t):
            w = pc.fill_null(ch.cast(pa.float64()), np.nan).to_numpy(zero_copy_only=False)
            w = w.view(np.int64)
        else:  # text: hash the values (null has a hash of its own)
            w = _hash_values(ch)
        parts.append(w.view(np.uint64))
    return np.concatenate(parts) if parts else np.zeros(0, np.uint64)


def _row_hashes(table: pa.Table, columns: list[str]) -> np.ndarray:
    """A well-spread uint64 per row over ``columns`` (equal rows give equal hashes)."""
    h = np.zeros(table.num_rows, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for name in columns:
            h *= _GOLDEN
            h += _column_words(table.column(name))
    return _mix(h)


_SLOT_MULTIPLIERS = tuple(
    np.uint64(m)
    for m in (0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 0xD6E8FEB86659FD93)
)


def _shared(h: np.ndarray) -> np.ndarray:
    """Positions of the values of ``h`` that occur more than once.

    Each pass scatters the remaining values into a table of at least 2 × as many
    slots, by bits that differ from pass to pass, where each slot keeps its last
    writer: only rows that lost a slot, or whose slot someone lost, can share a
    value. Equal values always collide, so they stay; other rows fall away (about
    60 % of them each pass). What is left goes through pandas' exact hash-table
    check. Cheaper than checking every row that way, and than one pass: at 8 million
    quiz answers, 0.43-0.50 s instead of 0.59-0.63 s.
    """
    import pandas as pd

    cand = np.arange(len(h))
    for mult in _SLOT_MULTIPLIERS:
        n = len(cand)
        if n < 2:
            return np.zeros(0, np.intp)
        bits = (2 * n - 1).bit_length()
        with np.errstate(over="ignore"):
            slot = ((h[cand] * mult) >> np.uint64(64 - bits)).astype(np.intp)
        owner = np.empty(1 << bits, np.int32 if n < 2**31 else np.int64)
        rows = np.arange(n, dtype=owner.dtype)
        owner[slot] = rows
        crowded = np.zeros(1 << bits, dtype=bool)
        crowded[slot[owner[slot] != rows]] = True
        kept = np.flatnonzero(crowded[slot])
        cand = cand[kept]
        if len(kept) > n // 2:  # mostly true repeats: more passes would not help
            break
    if len(cand) == 0:
        return cand
    return cand[pd.Series(h[cand]).duplicated(keep=False).to_numpy()]


def drop_exact_duplicates(table: pa.Table, report: FileReport, key: Sequence[str] = ()) -> pa.Table:
    """Drop exact duplicate rows (keeping the first), counting them in ``report``.

    Stage 1 hashes a few columns: equal rows are equal there too, so only rows
    sharing that hash are candidates. Stage 2 hashes the candidates on every column
    (text too), and stage 3 confirms equality value by value, so a hash collision can
    never drop a row.

    ``key`` names columns that together nearly identify a row, such as learner and
    step codes in step activity: stage 1 hashes only those (by default, every column
    that is not free text). When they are small integers and no two rows share them,
    no two rows can be equal, and even stage 1 is skipped (one bitmap check).
    """
    drop = _duplicate_rows(table, key)
    if len(drop) == 0:
        return table
    report.exclude("exact duplicate of an earlier row", len(drop))
    mask = np.ones(table.num_rows, dtype=bool)
    mask[drop] = False
    return table.filter(pa.array(mask))


def _duplicate_rows(table: pa.Table, key: Sequence[str] = ()) -> np.ndarray:
    """Positions of the rows equal to an earlier row (see :func:`drop_exact_duplicates`)."""
    none = np.zeros(0, dtype=np.intp)
    if table.num_rows < 2 or (key and _all_distinct(table, key)):
        return none
    cheap = list(key) or [f.name for f in table.schema if not _is_text(f.type)]
    if cheap:
        cand = _shared(_row_hashes(table, cheap))
        if len(cand) == 0:
            return none
        sub_table = _take_rows(table, cand)
    else:
        cand = np.arange(table.num_rows)
        sub_table = table
    again = _shared(_row_hashes(sub_table, sub_table.column_names))
    if len(again) == 0:
        return none
    cand, sub_table = cand[again], _take_rows(sub_table, again)
    return cand[_exact_repeats(sub_table)]


def _take_rows(table: pa.Table, rows: np.ndarray) -> pa.Table:
    """The rows at ascending positions ``rows``, taken chunk by chunk: each chunk keeps
    its own dictionaries (``Table.take`` would first unify them over the whole table)."""
    batches = table.to_batches()
    ends = np.cumsum([b.num_rows for b in batches])
    cuts = np.searchsorted(rows, ends)
    out, lo, start = [], 0, 0
    for batch, hi, end in zip(batches, cuts, ends, strict=True):
        if hi > lo:
            out.append(batch.take(pa.array(rows[lo:hi] - start)))
        lo, start = hi, end
    return pa.Table.from_batches(out, schema=table.schema) if out else table.slice(0, 0)


def _all_distinct(table: pa.Table, columns: Sequence[str]) -> bool:
    """True when no two rows share their values of integer ``columns``.

    The values are combined into one mixed-radix number and marked in a bitmap;
    when the columns are not all integers, or the bitmap would be too large to be
    cheap, the answer is False (unknown).
    """
    if not all(pa.types.is_integer(table.schema.field(c).type) for c in columns):
        return False
    key = np.zeros(table.num_rows, dtype=np.int64)
    size = 1
    for name in columns:
        col = table.column(name)
        lo_hi = pc.min_max(col)
        lo, hi = lo_hi["min"].as_py(), lo_hi["max"].as_py()
        if lo is None:  # all null
            continue
        top = hi - lo + 2  # values lo..hi, and null as one more
        if size * top > 1 << 28:
            return False
        if col.null_count:
            col = pc.fill_null(col, hi + 1)
        key *= top
        key += col.to_numpy()
        key -= lo
        size *= top
    seen = np.zeros(size, dtype=bool)
    seen[key] = True
    return int(np.count_nonzero(seen)) == table.num_rows


def _exact_repeats(table: pa.Table) -> np.ndarray:
    """Mask of rows equal, value for value, to an earlier row (null equals only null)."""
    import pandas as pd

    codes = {}
    for i, name in enumerate(table.column_names):
        col = table.column(name)
        if pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        enc = pc.dictionary_encode(col.combine_chunks())
        codes[i] = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False)
    return pd.DataFrame(codes).duplicated().to_numpy()


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t)


def _enrolment_rules(table: pa.Table, report: FileReport) -> pa.Table:
    """Drop exact duplicate rows, then keep each person's latest enrolment; warn
    about unknown roles.

    Only rows whose person id hash repeats can be either, so one hash of the id
    column finds them all; everything else works on those few rows, and compares
    ids exactly (two people whose hashes collide stay two people).
    """
    if table.num_rows == 0:
        return table
    import pandas as pd

    roles = table.column("role").combine_chunks()
    role_vals = pc.unique(
        roles.dictionary_decode() if pa.types.is_dictionary(roles.type) else roles
    )
    unknown = sorted(set(v for v in role_vals.to_pylist() if v is not None) - KNOWN_ROLES)
    if unknown:
        n = pc.sum(pc.cast(pc.is_in(pc.cast(roles, pa.string()), pa.array(unknown)), pa.int64()))
        report.warnings.append(
            f"{n.as_py()} row(s) with unknown role(s) {', '.join(unknown)}: kept, "
            "but not counted as learners"
        )
    cand = _shared(_row_hashes(table, ["learner_id"]))
    if len(cand) == 0:
        return table
    sub = _take_rows(table, cand)
    repeats = _duplicate_rows(sub)
    if len(repeats):
        report.exclude("exact duplicate of an earlier row", len(repeats))
    rest = np.setdiff1d(np.arange(len(cand)), repeats)
    sub = _take_rows(sub, rest)
    ids = sub.column("learner_id").cast(pa.string()).to_numpy(zero_copy_only=False)
    codes = pd.factorize(ids, use_na_sentinel=False)[0]
    when = sub.column("enrolled_at").to_numpy().astype("datetime64[s]").astype(np.int64)
    order = np.lexsort((when, codes))
    # within each person, the last in enrolled_at order (then in file order) is kept
    last = pd.Series(codes[order]).duplicated(keep="last").to_numpy()
    earlier = rest[order[last]]
    if len(earlier):
        report.exclude("earlier enrolment of a re-enrolled person (latest kept)", len(earlier))
        report.warnings.append(
            f"{count_text(len(np.unique(codes[order[last]])))} people enrolled more than "
            "once; the latest enrolment of each is kept"
        )
    drop = cand[np.concatenate([repeats, earlier])]
    if len(drop) == 0:
        return table
    mask = np.ones(table.num_rows, dtype=bool)
    mask[drop] = False
    return table.filter(pa.array(mask))


def _date_range(table: pa.Table, ds: Dataset, report: FileReport) -> None:
    latest = None
    for f in table.schema:
        if pa.types.is_timestamp(f.type):
            hi = pc.max(table.column(f.name)).as_py()
            if hi is not None and (latest is None or hi > latest):
                latest = hi
    report.latest = latest.strftime("%Y-%m-%d %H:%M:%S") if latest else None
    if ds.time_column and table.num_rows:
        mm = pc.min_max(table.column(ds.time_column))
        lo, hi = mm["min"].as_py(), mm["max"].as_py()
        report.first = lo.strftime("%Y-%m-%d %H:%M") if lo else None
        report.last = hi.strftime("%Y-%m-%d %H:%M") if hi else None


# --------------------------------------------------------------------------- entry point


def read_export(
    path: str | Path, ds: Dataset, *, drop_duplicates: bool = True
) -> tuple[pa.Table, FileReport]:
    """Read one export file into a typed Arrow table and a :class:`FileReport`.

    A missing file, an empty file or a header-only file gives an empty typed table
    ("no data"), recorded in the report. Anything that cannot be read raises
    :class:`~flbook.errors.ExportError` naming the file, column, line and value.

    ``drop_duplicates=False`` leaves exact duplicate rows in (enrolments excepted,
    whose re-enrolment rule needs them gone): the course store drops them itself,
    more cheaply, once ids are integer codes (see :func:`drop_exact_duplicates`).
    """
    path = Path(path)
    report = FileReport(dataset=ds.name, file=str(path))
    if not path.exists():
        report.status = "missing"
        return empty_table(ds), report
    if path.is_dir():
        raise ExportError(path, f"is a folder; expected the {ds.name} CSV file")
    header = _read_header(path, ds)
    if header is None:
        report.status = "header-only"
        report.warnings.append("the file is empty: treated as no data")
        return empty_table(ds), report
    present = _match_columns(path, ds, header, report)
    table = _parse(path, ds, header, present, report)
    report.rows_read = table.num_rows
    if table.num_rows == 0:
        report.status = "header-only"
        return finish_table(table, ds), report
    table = _clean_text(table, ds, report)
    for c, k in ds.kinds.items():
        if c in table.column_names and k == "step":
            _check_pattern(path, table, c, STEP_RE, KIND_WORDS["step"], report)
        if c in table.column_names and k == "question":
            _check_pattern(path, table, c, QUESTION_RE, KIND_WORDS["question"], report)
    table = _required_nulls(table, ds, report)
    table = derive_columns(table, ds, report)
    table = finish_table(table, ds)
    if ds.name == "enrolments":  # exact duplicates first, then re-enrolments
        table = _enrolment_rules(table, report)
    elif drop_duplicates:
        table = drop_exact_duplicates(table, report)
    report.rows_kept = table.num_rows
    _date_range(table, ds, report)
    return table, report
