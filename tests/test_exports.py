"""Readers: every documented version of every dataset, and every documented trap."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pytest

from flbook.errors import ExportError
from flbook.exports import DATASETS, dataset, empty_table, read_export

TS = "2024-02-05 10:00:00 UTC"


def write(path, text: str | bytes):
    data = text.encode("utf-8") if isinstance(text, str) else text
    path.write_bytes(data)
    return path


def sample_value(kind: str, i: int) -> str:
    return {
        "person": f"p{i:04x}",
        "int64": str(100 + i),
        "int64?": "",
        "int": str(1 + i % 3),
        "int?": str(i),
        "float?": "12.5",
        "bool": "true" if i % 2 else "false",
        "ts": TS,
        "step": f"1.{10 + i}",
        "question": f"1.{10 + i}.{1 + i}",
        "cat": "learner",
        "text": f"some text {i}",
    }[kind]


@pytest.mark.parametrize(
    "name,version",
    [(ds.name, v) for ds in DATASETS.values() for v in ds.versions],
)
def test_every_documented_version_reads(tmp_path, name, version):
    ds = DATASETS[name]
    cols = ds.versions[version]
    rows = [",".join(sample_value(ds.kinds[c], i) for c in cols) for i in range(3)]
    path = write(tmp_path / f"x_{name}.csv", ",".join(cols) + "\n" + "\n".join(rows) + "\n")
    table, report = read_export(path, ds)
    assert report.version == version
    assert report.rows_read == report.rows_kept == 3
    # whatever the version, the table has the full newest schema (plus derived columns)
    assert table.schema == empty_table(ds).schema
    for c, k in ds.kinds.items():
        if k == "ts" and c in cols:
            assert table.column(c).type == pa.timestamp("s", tz="UTC")


def test_step_110_stays_week_1_step_10(tmp_path):
    path = write(
        tmp_path / "c-1_step-activity.csv",
        "learner_id,step,first_visited_at,last_completed_at\n"
        f"a,1.10,{TS},\nb,1.1,{TS},\nc,1.2,{TS},\n",
    )
    table, _ = read_export(path, dataset("step-activity"))
    df = table.to_pandas()
    assert df["step"].astype(str).tolist() == ["1.10", "1.1", "1.2"]
    assert df["week_number"].tolist() == [1, 1, 1]
    assert df["step_number"].tolist() == [10, 1, 2]


def test_bom_crlf_and_embedded_newline(tmp_path):
    text = (
        "id,author_id,parent_id,step,text,timestamp,moderated,likes\r\n"
        f'1,a,,1.2,"first line\r\nsecond line, with comma",{TS},,0\r\n'
        f'2,b,1,1.2,"<script>alert(1)</script>",{TS},,3\r\n'
    )
    path = write(tmp_path / "c-1_comments.csv", b"\xef\xbb\xbf" + text.encode())
    table, report = read_export(path, dataset("comments"))
    df = table.to_pandas()
    assert report.version == "8 columns"
    assert df["id"].tolist() == [1, 2]
    assert "second line" in df["text"][0] and "\n" in df["text"][0]
    assert df["parent_id"].tolist()[1] == 1
    assert df["likes"].tolist() == [0, 3]


def test_header_only_and_missing_files_are_empty_typed_tables(tmp_path):
    ds = dataset("comments")
    header_only = write(tmp_path / "c-1_comments.csv", ",".join(ds.columns) + "\n")
    t1, r1 = read_export(header_only, ds)
    t2, r2 = read_export(tmp_path / "absent.csv", ds)
    assert t1.num_rows == t2.num_rows == 0
    assert t1.schema == t2.schema == empty_table(ds).schema
    assert r1.status == "header-only"
    assert r2.status == "missing"


def test_booleans_any_case_and_multiselect_responses_stay_strings(tmp_path):
    path = write(
        tmp_path / "c-1_question-response.csv",
        "learner_id,quiz_question,week_number,step_number,question_number,response,submitted_at,correct\n"
        f'a,2.7.3,2,7,3,"1,3",{TS},TRUE\n'
        f"b,2.7.3,2,7,3,2,{TS},False\n"
        f"c,1.10.1,1,10,1,04,{TS},tRuE\n",
    )
    table, _ = read_export(path, dataset("question-response"))
    df = table.to_pandas()
    assert df["correct"].tolist() == [True, False, True]
    assert df["response"].tolist() == ["1,3", "2", "04"]
    assert df["step"].astype(str).tolist() == ["2.7", "2.7", "1.10"]
    assert df["question_number"].tolist() == [3, 3, 1]


def test_question_numbers_derived_when_columns_absent(tmp_path):
    path = write(
        tmp_path / "q.csv",
        f"learner_id,quiz_question,response,submitted_at,correct\na,3.12.4,1,{TS},true\n",
    )
    table, report = read_export(path, dataset("question-response"))
    row = table.to_pylist()[0]
    assert (row["week_number"], row["step_number"], row["question_number"]) == (3, 12, 4)
    assert "non-standard" in report.version


def test_unknown_country_marker_and_detected_country(tmp_path):
    cols = DATASETS["enrolments"].columns
    row = ["a", TS, "", "learner", "", "", "Unknown", "GB", "Unknown", "", "", "", "--"]
    path = write(tmp_path / "e.csv", ",".join(cols) + "\n" + ",".join(row) + "\n")
    table, _ = read_export(path, dataset("enrolments"))
    df = table.to_pandas()
    assert df["detected_country"].astype(str)[0] == "--"
    assert df["country"].astype(str)[0] == "GB"
    assert pd.isna(df["unenrolled_at"][0])


def test_unparseable_timestamp_names_line_column_and_value(tmp_path):
    path = write(
        tmp_path / "c-1_step-activity.csv",
        "learner_id,step,first_visited_at,last_completed_at\n"
        f"a,1.1,{TS},\n"
        f"b,1.2,{TS},\n"
        "c,1.3,yesterday,\n",
    )
    with pytest.raises(ExportError) as err:
        read_export(path, dataset("step-activity"))
    e = err.value
    assert (e.line, e.column, e.value) == (4, "first_visited_at", "yesterday")
    assert "c-1_step-activity.csv" in str(e) and "YYYY-MM-DD HH:MM:SS UTC" in str(e)


@pytest.mark.parametrize(
    "bad",
    [
        "2024-02-30 10:00:00 UTC",  # no such day: strptime would give 1 March
        "2023-02-29 10:00:00 UTC",  # not a leap year
        "2024-04-31 10:00:00 UTC",
        "2024-02-05 23:59:60 UTC",  # a leap second, rolled over by strptime
        "2024-13-01 10:00:00 UTC",
        "2024-2-05 10:00:00 UTC",  # strptime accepts a one-digit month
        "2024-02-05 10:00:00",  # no time zone
        "2024-02-05 10:00:00 BST",
        "2024-02-05 10:00 UTC",
        "2024-02-05T10:00:00 UTC",  # ISO 8601, but not how the exports write it
        "24-02-05 10:00:00 UTC",  # strptime read this as the year 24
        "2024-02-05 1:00:00 UTC",
        " 2024-02-05 10:00:00 UTC",
        "2024-02-05 10:00:00 UTCX",
    ],
)
def test_impossible_or_misshapen_timestamps_are_refused(tmp_path, bad):
    path = write(
        tmp_path / "c-1_step-activity.csv",
        "learner_id,step,first_visited_at,last_completed_at\n"
        f"a,1.1,{TS},\n"
        "b,1.2,2024-02-29 10:00:00 UTC,\n"  # a leap day is a real day
        f"c,1.3,{TS},{bad}\n"
        f"d,1.4,{TS},{bad}\n",
    )
    with pytest.raises(ExportError) as err:
        read_export(path, dataset("step-activity"))
    assert (err.value.line, err.value.column, err.value.value) == (4, "last_completed_at", bad)


def test_timestamps_are_parsed_exactly_and_nulls_kept(tmp_path):
    path = write(
        tmp_path / "c-1_step-activity.csv",
        "learner_id,step,first_visited_at,last_completed_at\n"
        "a,1.1,2024-02-29 23:59:59 UTC,\n"
        "b,1.2,1999-12-31 00:00:00 UTC,2030-01-01 12:34:56 UTC\n",
    )
    df = read_export(path, dataset("step-activity"))[0].to_pandas()
    assert df["first_visited_at"].tolist() == [
        pd.Timestamp("2024-02-29 23:59:59", tz="UTC"),
        pd.Timestamp("1999-12-31", tz="UTC"),
    ]
    assert pd.isna(df["last_completed_at"][0])
    assert df["last_completed_at"][1] == pd.Timestamp("2030-01-01 12:34:56", tz="UTC")


def test_first_bad_timestamp_is_the_first_refused_value():
    import functools
    import random

    from flbook.exports._reader import _first_bad_timestamp, _text_to_timestamps

    @functools.cache  # five distinct values: ask the parser once for each
    def refused(v):
        try:
            _text_to_timestamps(pa.array([v], pa.string()))
            return False
        except pa.ArrowInvalid:
            return True

    rng = random.Random(3)
    for _ in range(200):
        n = rng.randrange(1, 300)
        values = [rng.choice([TS, None, "2024-02-06 11:00:00 UTC"]) for _ in range(n)]
        for _ in range(rng.randrange(0, 3)):
            values[rng.randrange(n)] = rng.choice(["2024-02-30 10:00:00 UTC", "x", ""])
        expected = next((i for i, v in enumerate(values) if v is not None and refused(v)), None)
        assert _first_bad_timestamp(pa.array(values, pa.string())) == expected


def test_line_number_counts_embedded_newlines(tmp_path):
    path = write(
        tmp_path / "c.csv",
        "id,author_id,parent_id,step,text,timestamp,moderated,likes\n"
        f'1,a,,1.2,"one\ntwo\nthree",{TS},,0\n'
        f"2,b,,1.2,plain,{TS},,many\n",
    )
    with pytest.raises(ExportError) as err:
        read_export(path, dataset("comments"))
    assert (err.value.line, err.value.column, err.value.value) == (5, "likes", "many")


def test_missing_required_column_names_itself(tmp_path):
    path = write(tmp_path / "e.csv", f"enrolled_at,role\n{TS},learner\n")
    with pytest.raises(ExportError) as err:
        read_export(path, dataset("enrolments"))
    assert err.value.column == "learner_id"
    assert "required column" in str(err.value)


def test_step_not_week_dot_step_is_refused(tmp_path):
    path = write(
        tmp_path / "s.csv",
        f"learner_id,step,first_visited_at,last_completed_at\na,1.2,{TS},\nb,step 3,{TS},\n",
    )
    with pytest.raises(ExportError) as err:
        read_export(path, dataset("step-activity"))
    assert (err.value.line, err.value.column, err.value.value) == (3, "step", "step 3")


def test_not_a_csv_is_refused(tmp_path):
    path = write(tmp_path / "e.csv", b"PK\x03\x04\x14\x00\x00\x00binary\x00junk")
    with pytest.raises(ExportError, match="not a CSV"):
        read_export(path, dataset("enrolments"))
    other = write(tmp_path / "e2.csv", "name,colour\nx,red\n")
    with pytest.raises(ExportError, match="not a enrolments export|none of its columns"):
        read_export(other, dataset("enrolments"))


def test_invalid_utf8_replaced_and_counted_nul_removed(tmp_path):
    body = (
        b"id,author_id,parent_id,step,text,timestamp,moderated,likes\n"
        b"1,a,,1.2,caf\xe9 and \xff,2024-02-05 10:00:00 UTC,,0\n"
        b"2,a,,1.2,nul\x00here,2024-02-05 10:00:00 UTC,,0\n"
    )
    path = write(tmp_path / "c.csv", body)
    table, report = read_export(path, dataset("comments"))
    texts = table.column("text").to_pylist()
    assert texts[0] == "caf\ufffd and \ufffd"
    assert texts[1] == "nulhere"
    assert report.repaired["invalid UTF-8 bytes replaced by U+FFFD"] == 2
    assert report.repaired["NUL characters removed from text"] == 1
    assert report.rows_kept == 2


def test_exact_duplicates_dropped_and_reported(tmp_path):
    path = write(
        tmp_path / "s.csv",
        "learner_id,step,first_visited_at,last_completed_at\n"
        f"a,1.1,{TS},\na,1.1,{TS},\na,1.1,{TS},\na,1.2,{TS},\n",
    )
    table, report = read_export(path, dataset("step-activity"))
    assert table.num_rows == 2
    assert report.rows_read == 4
    assert report.excluded == {"exact duplicate of an earlier row": 2}


def test_column_words_agree_across_chunk_kinds():
    """A chunk that uses most of its dictionary is hashed through the dictionary, a
    chunk of a few rows from a big dictionary value by value: equal values (and
    nulls) must get equal words either way."""
    import pyarrow as pa

    from flbook.exports._reader import _column_words

    d = pa.array(["a", "b", "c", "d", "e", "f"])
    whole = pa.DictionaryArray.from_arrays(pa.array([0, 1, 2, 3, 4, 5, None], pa.int32()), d)
    few = pa.DictionaryArray.from_arrays(pa.array([2, None], pa.int32()), d)
    text = pa.array(["c", None])
    w = _column_words(pa.chunked_array([whole, few]))
    assert w[2] == w[7] and w[6] == w[8] and w[2] != w[3]
    assert len(set(w[:6].tolist())) == 6
    plain = _column_words(pa.chunked_array([text]))
    assert plain[0] == w[2]  # text and dictionary values hash alike


@pytest.mark.parametrize("repeats", [0.0, 0.01, 0.7])
def test_shared_finds_every_repeated_hash(repeats):
    """The slot-table passes keep every value that occurs more than once and nothing
    else, whether repeats are absent, rare or most of the values (one pass only)."""
    import numpy as np

    from flbook.exports._reader import _shared

    rng = np.random.default_rng(3)
    h = rng.integers(0, 2**64, size=50_000, dtype=np.uint64)
    n_rep = int(len(h) * repeats)
    h[rng.choice(len(h), n_rep, replace=False)] = h[rng.choice(len(h), n_rep)]
    h[:100] &= np.uint64(0xFFFF)  # values that differ only in their high bits
    expected = np.flatnonzero(pd.Series(h).duplicated(keep=False).to_numpy())
    assert np.array_equal(np.sort(_shared(h)), expected)


@pytest.mark.parametrize("block", [None, 2048])
def test_only_exact_duplicates_are_dropped(tmp_path, monkeypatch, block):
    """Near-duplicates (one field different, empty vs text, text "None") are all kept;
    exact repeats are dropped keeping the first, also across parse blocks."""
    import random

    import flbook.exports._reader as reader

    if block:  # many small blocks: each chunk has its own dictionaries
        monkeypatch.setattr(reader, "_BLOCK", block)
    rng = random.Random(3)
    base = [
        ["1", "a", "", "1.1", "1", "1", "hello", TS, "0", "", "", "", ""],
        ["2", "b", "1", "1.2", "1", "2", "None", TS, "3", "", "", "", ""],
    ]
    rows = []
    for i in range(600):
        r = list(rng.choice(base))
        change = rng.randrange(6)
        if change == 0:
            r[0] = str(3 + i)  # a different id
        elif change == 1:
            r[6] = rng.choice(["", "None", "hello", '"hello"', "hello\nagain"])
        elif change == 2:
            r[7] = rng.choice([TS, "2024-02-05 10:00:01 UTC"])
        elif change == 3:
            r[2] = rng.choice(["", "1", "2"])
        elif change == 4:
            r[1] = rng.choice(["a", "b", "c"])
        rows.append(r)
    header = "id,author_id,parent_id,step,week_number,step_number,text,timestamp,likes,"
    header += "first_reported_at,first_reported_reason,moderation_state,moderated\n"

    def quote(v: str) -> str:
        return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\n') else v

    body = header + "".join(",".join(quote(v) for v in r) + "\n" for r in rows)
    path = write(tmp_path / "c.csv", body)
    table, report = read_export(path, dataset("comments"))
    seen, expected = set(), []
    for r in rows:
        if tuple(r) not in seen:
            seen.add(tuple(r))
            expected.append(r)
    assert report.rows_read == len(rows)
    assert table.num_rows == len(expected)
    assert report.excluded.get("exact duplicate of an earlier row", 0) == len(rows) - len(expected)
    assert table.column("id").to_pylist() == [int(r[0]) for r in expected]
    got_text = ["" if v is None else v for v in table.column("text").to_pylist()]
    assert got_text == [r[6] for r in expected]
    if block:
        assert table.column("author_id").num_chunks > 1


def test_reenrolment_keeps_latest_and_says_so(tmp_path):
    path = write(
        tmp_path / "e.csv",
        "learner_id,enrolled_at,unenrolled_at,role\n"
        "a,2024-01-01 00:00:00 UTC,2024-01-02 00:00:00 UTC,learner\n"
        "a,2024-01-05 00:00:00 UTC,,learner\n"
        "b,2024-01-03 00:00:00 UTC,,wizard\n",
    )
    table, report = read_export(path, dataset("enrolments"))
    df = table.to_pandas()
    assert len(df) == 2
    kept = df[df["learner_id"] == "a"].iloc[0]
    assert kept["enrolled_at"] == pd.Timestamp("2024-01-05", tz="UTC")
    assert report.excluded == {"earlier enrolment of a re-enrolled person (latest kept)": 1}
    assert any("wizard" in w for w in report.warnings)


@pytest.mark.parametrize("block", [None, 1024])
def test_reenrolments_match_a_plain_python_reference(tmp_path, monkeypatch, block):
    """Many people, some enrolled several times (out of order, some at the same
    second), a few exact duplicate rows, across parse blocks: exact duplicates are
    dropped first, then each person keeps the latest enrolment (the later row on a
    tie), and both are counted."""
    import random

    import flbook.exports._reader as reader

    if block:
        monkeypatch.setattr(reader, "_BLOCK", block)
    rng = random.Random(5)
    rows = []
    for i in range(400):
        person = f"p{rng.randrange(250):03d}"
        when = f"2024-01-{rng.randrange(1, 4):02d} 10:00:0{rng.randrange(2)} UTC"
        row = [person, when, rng.choice(["", when]), rng.choice(["learner", "mentor"])]
        rows.append(row)
        if i % 37 == 0:
            rows.append(list(row))  # an exact duplicate
    text = "learner_id,enrolled_at,unenrolled_at,role\n" + "".join(",".join(r) + "\n" for r in rows)
    table, report = read_export(write(tmp_path / "e.csv", text), dataset("enrolments"))

    distinct, seen = [], set()
    for r in rows:
        if tuple(r) not in seen:
            seen.add(tuple(r))
            distinct.append(r)
    latest = {}
    for pos, r in enumerate(distinct):
        if r[0] not in latest or r[1] >= distinct[latest[r[0]]][1]:
            latest[r[0]] = pos
    expected = [distinct[pos] for pos in sorted(latest.values())]

    got = table.to_pandas()
    assert got["learner_id"].astype(str).tolist() == [r[0] for r in expected]
    assert got["enrolled_at"].dt.strftime("%Y-%m-%d %H:%M:%S UTC").tolist() == [
        r[1] for r in expected
    ]
    assert report.excluded == {
        "exact duplicate of an earlier row": len(rows) - len(distinct),
        "earlier enrolment of a re-enrolled person (latest kept)": len(distinct) - len(expected),
    }
    if block:
        assert table.column("learner_id").num_chunks > 1


def test_empty_required_value_excluded_and_counted(tmp_path):
    path = write(
        tmp_path / "s.csv",
        f"learner_id,step,first_visited_at,last_completed_at\n,1.1,{TS},\nb,1.1,{TS},\n",
    )
    table, report = read_export(path, dataset("step-activity"))
    assert table.num_rows == 1
    assert report.excluded == {"empty learner_id": 1}


def test_columns_mapped_by_name_in_any_order_unknown_columns_reported(tmp_path):
    path = write(
        tmp_path / "s.csv",
        f"last_completed_at,Step,extra,first_visited_at,learner_id\n,1.3,zzz,{TS},a\n",
    )
    table, report = read_export(path, dataset("step-activity"))
    row = table.to_pylist()[0]
    assert row["step"] == "1.3" and row["learner_id"] == "a"
    assert row["first_visited_at"] == dt.datetime(2024, 2, 5, 10, tzinfo=dt.timezone.utc)
    assert any("extra" in w for w in report.warnings)


def test_date_range_in_report(tmp_path):
    path = write(
        tmp_path / "s.csv",
        "learner_id,step,first_visited_at,last_completed_at\n"
        "a,1.1,2024-02-05 10:00:00 UTC,\nb,1.1,2024-03-01 08:30:00 UTC,\n",
    )
    _, report = read_export(path, dataset("step-activity"))
    assert (report.first, report.last) == ("2024-02-05 10:00", "2024-03-01 08:30")


def test_a_blank_timestamp_is_an_empty_one(tmp_path):
    path = write(
        tmp_path / "c-1_step-activity.csv",
        f"learner_id,step,first_visited_at,last_completed_at\na,1.1,{TS},   \nb,1.2,{TS},\n",
    )
    table, _ = read_export(path, dataset("step-activity"))
    assert table.column("last_completed_at").to_pylist() == [None, None]
