"""The jupyterlab-pioneer log reader: both layouts, every oddity, clear errors, the store."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from pandas.testing import assert_frame_equal

from flbook import load_course
from flbook.config import load_config
from flbook.errors import ExportError
from flbook.exports import notebook_logs as nl
from flbook.exports.notebook_logs import (
    NotebookLogReport,
    log_files,
    notebook_events_schema,
    read_notebook_logs,
    read_user_map,
)
from flbook.store import Course
from flbook.synth import make_course

T0 = 1707127200000  # 2024-02-05 10:00:00 UTC, in milliseconds


def event(name, minute, *, session="s1", notebook="w1/lab.ipynb", info=None, content=None):
    """One pioneer event, ``minute`` minutes after T0."""
    return {
        "eventDetail": {
            "eventName": name,
            "eventTime": T0 + int(minute * 60_000),
            "eventInfo": info,
        },
        "notebookState": {
            "sessionID": session,
            "notebookPath": notebook,
            "notebookContent": content,
        },
    }


def opened(minute, user, session="s1", notebook="w1/lab.ipynb"):
    env = {"JUPYTERHUB_USER": user, "HOME": "/home/jovyan", "JUPYTERHUB_API_TOKEN": "secret"}
    return event(
        "NotebookOpenEvent", minute, session=session, notebook=notebook, info={"environ": env}
    )


def run(
    minute,
    cell,
    index,
    ok=True,
    error=None,
    session="s1",
    notebook="w1/lab.ipynb",
    style="jupyterlab",
):
    err = None
    if error:
        err = (
            {"errorName": error, "errorValue": "secret value", "traceback": ["secret"]}
            if style == "jupyterlab"
            else {"ename": error, "evalue": "secret value", "traceback": ["secret"]}
        )
    info = {"cells": [{"id": cell, "index": index}], "success": ok, "kernelError": err}
    return event("CellExecuteEvent", minute, session=session, notebook=notebook, info=info)


def file_layout(events, *, cut_last: int | None = None) -> str:
    """The file exporter's text: indented JSON objects, each followed by a comma."""
    text = "".join(json.dumps(e, indent=4, ensure_ascii=False) + "," for e in events)
    if cut_last:
        text = text[:-cut_last]
    return text


def jsonl_layout(events, users) -> str:
    """Remote-exporter bodies, one per line."""
    return "".join(
        json.dumps({"data": e, "params": {"course": "x"}, "env": [{"JUPYTERHUB_USER": u}]}) + "\n"
        for e, u in zip(events, users, strict=True)
    )


NOTEBOOK = {"metadata": {}, "nbformat": 4, "cells": [{"source": "x = 1 " * 2000}]}

# one session of ana (file layout) with every oddity
ANA = [
    opened(0, "ana"),
    event(
        "NotebookVisibleEvent",
        0.1,
        info={"cells": [{"id": "c1", "index": 1}, {"id": "c2", "index": 3}]},
    ),
    event("CellEditEvent", 0.2, info={"index": 1, "doc": ["secret code"]}),
    run(1, "c1", 1),
    run(3, "c2", 3, ok=False, error="NameError"),  # written before the run at minute 2
    run(2, "c1", 1),
    event("CellEditEvent", 3.5, info={"index": 3, "changes": [5, [0, "secret"]]}),
    run(4, "c2", 3, ok=False, error="KeyError", style="kernel"),
    run(5, "c2", 3),
    event(
        "ClipboardCopyEvent", 5.5, info={"cells": [{"id": "c2", "index": 3}], "selection": "secret"}
    ),
    event("NotebookSaveEvent", 6, content=NOTEBOOK),
    event("MysteryEvent", 6.5, info={"x": 1}),
    event("NotebookHiddenEvent", 7),
    event("NotebookHiddenEvent", 8),  # the truncated last record
]


def ana_log(tmp_path: Path) -> Path:
    events = ANA[:8] + [ANA[7]] + ANA[8:]  # the KeyError run logged twice
    path = tmp_path / "log"
    path.write_text(file_layout(events, cut_last=40), encoding="utf-8")
    return path


def expected_ana(learner=None) -> pd.DataFrame:
    names = [
        "NotebookOpenEvent",
        "NotebookVisibleEvent",
        "CellEditEvent",
        "CellExecuteEvent",
        "CellExecuteEvent",
        "CellExecuteEvent",
        "CellEditEvent",
        "CellExecuteEvent",
        "CellExecuteEvent",
        "ClipboardCopyEvent",
        "NotebookSaveEvent",
        "MysteryEvent",
        "NotebookHiddenEvent",
    ]
    minutes = [0, 0.1, 0.2, 1, 2, 3, 3.5, 4, 5, 5.5, 6, 6.5, 7]
    n = len(names)
    return pd.DataFrame(
        {
            "user": ["ana"] * n,
            "learner_id": [learner] * n,
            "session": ["s1"] * n,
            "notebook": ["w1/lab.ipynb"] * n,
            "event": names,
            "time": pd.to_datetime(T0 + np.array(minutes) * 60_000, unit="ms", utc=True).as_unit(
                "ms"
            ),
            "cell_id": [
                None,
                "c1",
                None,
                "c1",
                "c1",
                "c2",
                None,
                "c2",
                "c2",
                "c2",
                None,
                None,
                None,
            ],
            "cell_index": pd.array(
                [None, 1, 1, 1, 1, 3, 3, 3, 3, 3, None, None, None], dtype="Int32"
            ),
            "cells": pd.array(
                [None, 2, None, 1, 1, 1, None, 1, 1, 1, None, None, None], dtype="Int32"
            ),
            "success": pd.array(
                [None, None, None, True, True, False, None, False, True, None, None, None, None],
                dtype="boolean",
            ),
            "error_name": [None] * 5 + ["NameError", None, "KeyError"] + [None] * 5,
        }
    )


def ids(values: pd.Series) -> list:
    return [None if pd.isna(v) else v for v in values.astype("object")]


def as_frame(table: pa.Table) -> pd.DataFrame:
    """The reader's table with plain values, for comparison."""
    out = {}
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_dictionary(col.type):
            out[name] = [None if v is None else str(v) for v in col.to_pylist()]
        elif pa.types.is_timestamp(col.type):
            out[name] = pd.Series(col.to_pandas()).dt.as_unit("ms")
        elif pa.types.is_boolean(col.type):
            out[name] = pd.array(col.to_pylist(), dtype="boolean")
        elif pa.types.is_integer(col.type):
            out[name] = pd.array(col.to_pylist(), dtype="Int32")
        else:
            out[name] = col.to_pylist()
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- file layout


def test_file_layout_with_every_oddity(tmp_path):
    table, report = read_notebook_logs(ana_log(tmp_path))
    assert table.schema == notebook_events_schema()
    assert_frame_equal(as_frame(table), expected_ana(), check_dtype=False)
    assert report.rows_read == 14  # 15 records written, the last one cut short
    assert report.rows_kept == 13
    assert report.excluded == {
        "truncated last records (skipped)": 1,
        "duplicate events (removed)": 1,
    }
    assert report.out_of_order == 1
    assert report.unknown_events == {"MysteryEvent": 1}
    assert report.layouts == {"file exporter": 1}
    assert report.users == 1 and report.sessions == 1 and report.notebooks == 1
    assert report.first == "2024-02-05 10:00:00" and report.last == "2024-02-05 10:07:00"
    assert any("MysteryEvent" in w for w in report.warnings)


def test_content_is_never_kept_unless_asked(tmp_path):
    path = ana_log(tmp_path)
    table, _ = read_notebook_logs(path)
    text = json.dumps(table.to_pylist(), default=str)
    assert "secret" not in text and "x = 1" not in text
    kept, _ = read_notebook_logs(path, keep_content=True)
    assert kept.schema == notebook_events_schema(keep_content=True)
    rows = kept.to_pylist()
    assert rows[2]["cell_source"] == '["secret code"]'
    assert rows[6]["cell_changes"] == '[5, [0, "secret"]]'
    assert rows[9]["selection"] == "secret"
    assert json.loads(rows[10]["notebook_content"]) == NOTEBOOK
    # error values and tracebacks are never kept, even when asked
    assert "secret value" not in json.dumps(rows, default=str)


def test_stream_crosses_chunk_boundaries(tmp_path, monkeypatch):
    """Tiny chunks: records (and a big notebookContent) straddle every boundary."""
    path = ana_log(tmp_path)
    whole, _ = read_notebook_logs(path)
    monkeypatch.setattr(nl, "_CHUNK", 97)
    monkeypatch.setattr(nl, "_BATCH", 3)
    table, report = read_notebook_logs(path)
    assert table.equals(whole)
    assert report.bytes == path.stat().st_size


def test_wrapped_in_brackets_and_bom(tmp_path):
    """A log someone made into a JSON array (and saved with a BOM) still reads."""
    text = "\ufeff[" + ",\n".join(json.dumps(e) for e in ANA[:4]) + "]\n"
    path = tmp_path / "events.json"
    path.write_text(text, encoding="utf-8")
    table, report = read_notebook_logs(path)
    assert table.column("event").to_pylist() == [e["eventDetail"]["eventName"] for e in ANA[:4]]
    assert report.excluded == {}


def test_invalid_utf8_is_repaired_and_counted(tmp_path):
    e = event("NotebookSaveEvent", 1, notebook="w1/caf\u00e9.ipynb")
    raw = json.dumps(e, ensure_ascii=False).encode().replace("\u00e9".encode(), b"\xe9")
    path = tmp_path / "log"
    path.write_bytes(raw + b",")
    table, report = read_notebook_logs(path)
    assert table.column("notebook").to_pylist() == ["w1/caf\ufffd.ipynb"]
    assert report.repaired == {"invalid UTF-8 bytes replaced by U+FFFD": 1}


# --------------------------------------------------------------------------- JSON Lines


def test_jsonl_bodies_name_their_user_and_sessions_carry_the_open_users_name(tmp_path):
    events = [
        opened(0, "bo", session="s2"),
        run(1, "c1", 1, session="s2"),
        run(2, "c1", 1, session="s3"),  # no open event: the body's env names the user
        run(2.5, "c1", 1, session=None),  # no session id either
    ]
    events[3]["notebookState"]["sessionID"] = None
    path = tmp_path / "2024-02-05.jsonl"
    path.write_text(jsonl_layout(events, ["bo", "bo", "cy", "cy"]), encoding="utf-8")
    table, report = read_notebook_logs(path)
    assert table.column("user").to_pylist() == ["bo", "bo", "cy", "cy"]
    assert table.column("session").to_pylist() == ["s2", "s2", "s3", None]
    assert report.layouts == {"remote exporter (JSON Lines)": 1}
    assert any("no session id" in w for w in report.warnings)
    # without the body's env (file layout), only the session with an open event is named
    path2 = tmp_path / "log"
    path2.write_text(file_layout(events), encoding="utf-8")
    table2, report2 = read_notebook_logs(path2)
    assert table2.column("user").to_pylist() == ["bo", "bo", None, None]
    assert any("could not be credited" in w for w in report2.warnings)


def test_open_event_arriving_late_still_names_the_session(tmp_path):
    events = [run(1, "c1", 1, session="s9"), opened(0, "dee", session="s9")]
    path = tmp_path / "log"
    path.write_text(file_layout(events), encoding="utf-8")
    table, report = read_notebook_logs(path)
    assert table.column("user").to_pylist() == ["dee", "dee"]
    assert table.column("event").to_pylist() == ["NotebookOpenEvent", "CellExecuteEvent"]
    assert report.out_of_order == 1


def test_custom_user_variable(tmp_path):
    e = opened(0, "ignored")
    e["eventDetail"]["eventInfo"]["environ"]["LMS_USER"] = "learner-42"
    path = tmp_path / "log"
    path.write_text(file_layout([e]), encoding="utf-8")
    table, _ = read_notebook_logs(path, user_env="LMS_USER")
    assert table.column("user").to_pylist() == ["learner-42"]


def test_truncated_last_jsonl_line(tmp_path):
    text = jsonl_layout([opened(0, "bo"), run(1, "c1", 1)], ["bo", "bo"])
    path = tmp_path / "day.jsonl"
    path.write_text(text[:-30], encoding="utf-8")  # cut inside the last body
    table, report = read_notebook_logs(path)
    assert table.num_rows == 1
    assert report.excluded == {"truncated last records (skipped)": 1}


# --------------------------------------------------------------------------- folders


def test_folder_of_mixed_layouts_gz_and_other_files(tmp_path):
    folder = tmp_path / "logs"
    (folder / "2024" / "02").mkdir(parents=True)
    (folder / "2024" / "02" / "05.jsonl").write_text(
        jsonl_layout([opened(0, "bo", session="s2"), run(1, "c1", 1, session="s2")], ["bo", "bo"]),
        encoding="utf-8",
    )
    with gzip.open(folder / "2024" / "02" / "06.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write(jsonl_layout([run(1500, "c1", 1, session="s2")], ["bo"]))
    (folder / "server-ana.log").write_text(file_layout(ANA[:4]), encoding="utf-8")
    (folder / "empty.log").write_text("", encoding="utf-8")
    (folder / "notes.csv").write_text("not a log\n", encoding="utf-8")
    (folder / ".hidden").write_text("garbage", encoding="utf-8")
    assert [p.name for p in log_files(folder)] == [
        "05.jsonl",
        "06.jsonl.gz",
        "empty.log",
        "server-ana.log",
    ]
    table, report = read_notebook_logs(folder)
    assert table.num_rows == 7
    assert pd.Series(table.column("time").to_pandas()).is_monotonic_increasing
    assert report.files == 4
    assert report.layouts == {"remote exporter (JSON Lines)": 2, "file exporter": 1}
    assert any("notes.csv" in w for w in report.warnings)


def test_empty_folder_and_missing_path(tmp_path):
    (tmp_path / "none").mkdir()
    table, report = read_notebook_logs(tmp_path / "none")
    assert table.num_rows == 0 and table.schema == notebook_events_schema()
    assert report.status == "missing"
    with pytest.raises(ExportError, match="not found"):
        read_notebook_logs(tmp_path / "nowhere")


# --------------------------------------------------------------------------- user map


def test_user_map_links_learner_ids(tmp_path):
    umap = tmp_path / "users.csv"
    umap.write_text("user,learner_id,note\nana, id-ana ,x\nzed,id-zed,\n", encoding="utf-8")
    assert read_user_map(umap) == {"ana": "id-ana", "zed": "id-zed"}
    table, report = read_notebook_logs(ana_log(tmp_path), user_map=umap)
    assert_frame_equal(as_frame(table), expected_ana("id-ana"), check_dtype=False)
    assert report.linked_users == 1
    # a user the map does not know keeps an empty learner id, and is counted
    table, report = read_notebook_logs(ana_log(tmp_path), user_map={"bo": "id-bo"})
    assert table.column("learner_id").null_count == table.num_rows
    assert any("not in the user map" in w for w in report.warnings)


def test_user_map_errors(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,id\nana,1\n", encoding="utf-8")
    with pytest.raises(ExportError, match="user,learner_id") as e:
        read_user_map(bad)
    assert e.value.line == 1
    twice = tmp_path / "twice.csv"
    twice.write_text("user,learner_id\nana,1\nbo,2\nana,3\n", encoding="utf-8")
    with pytest.raises(ExportError, match="twice") as e:
        read_user_map(twice)
    assert e.value.line == 4


# --------------------------------------------------------------------------- refusals


def test_malformed_record_in_the_middle_names_line_and_byte(tmp_path):
    good = file_layout(ANA[:2])
    bad = '{\n    "eventDetail": {"eventName": "CellExecuteEvent",, }\n},'
    path = tmp_path / "log"
    path.write_text(good + bad + file_layout(ANA[2:4]), encoding="utf-8")
    with pytest.raises(ExportError) as e:
        read_notebook_logs(path)
    line = good.count("\n") + 2
    assert e.value.line == line
    offset = len(good.encode()) + bad.index(",,") + 1
    assert f"byte {offset:,}" in str(e.value)
    assert str(path) in str(e.value)
    # skipped and counted on request
    table, report = read_notebook_logs(path, errors="skip")
    assert table.num_rows == 4
    assert report.excluded == {"unreadable records (skipped)": 1}


def test_json_that_is_not_an_event(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text(
        jsonl_layout([opened(0, "bo")], ["bo"]) + '{"hello": "world"}\n', encoding="utf-8"
    )
    with pytest.raises(ExportError, match="not a jupyterlab-pioneer event") as e:
        read_notebook_logs(path)
    assert e.value.line == 2
    table, report = read_notebook_logs(path, errors="skip")
    assert table.num_rows == 1
    assert report.excluded == {"records that are not pioneer events (skipped)": 1}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("eventName"), "no eventName"),
        (lambda d: d.update(eventTime="yesterday"), "not a number"),
        (lambda d: d.update(eventTime=T0 // 1000), "looks like seconds"),
    ],
)
def test_events_without_name_or_time(tmp_path, change, message):
    e = run(1, "c1", 1)
    change(e["eventDetail"])
    path = tmp_path / "log"
    path.write_text(file_layout([opened(0, "bo"), e]), encoding="utf-8")
    with pytest.raises(ExportError, match=message) as err:
        read_notebook_logs(path)
    assert err.value.line == json.dumps(opened(0, "bo"), indent=4).count("\n") + 1


def test_binary_file_is_refused(tmp_path):
    path = tmp_path / "picture.log"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    with pytest.raises(ExportError, match="not a readable JSON record"):
        read_notebook_logs(path)


def test_report_round_trip_and_table(tmp_path):
    _, report = read_notebook_logs(ana_log(tmp_path))
    again = NotebookLogReport.from_dict(json.loads(json.dumps(report.to_dict())))
    assert again == report
    frame = report.to_frame()
    assert list(frame.columns) == ["item", "value"]
    values = dict(zip(frame["item"], frame["value"], strict=True))
    assert values["Duplicate events (removed)"] == "1"
    assert values["Events kept"] == "13"


# --------------------------------------------------------------------------- the store


@pytest.fixture(scope="module")
def small_course(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nbstore")
    make_course(folder, learners=60, weeks=1, seed=2)
    return folder


def _with_logs(folder: Path, tmp_path: Path, *, user_map: bool = True) -> Path:
    """A copy of the course's settings naming hand-written logs of two of its learners."""
    enr = pd.read_csv(next(folder.glob("*_enrolments.csv")))
    learners = enr.loc[enr["role"] == "learner", "learner_id"].tolist()[:2]
    log = tmp_path / "logs" / "log"
    log.parent.mkdir()
    events = [
        opened(0, "ana"),
        run(1, "c1", 1),
        opened(5, "bo", session="s2"),
        run(6, "c1", 1, ok=False, error="NameError", session="s2"),
        opened(7, learners[1], session="s3"),  # a user named by the learner id itself
    ]
    log.write_text(file_layout(events), encoding="utf-8")
    umap = tmp_path / "users.csv"
    umap.write_text(f"user,learner_id\nana,{learners[0]}\nbo,not-in-export\n", encoding="utf-8")
    text = (folder / "course.yml").read_text(encoding="utf-8")
    text = text.replace("data: .", f"data: {folder}")
    text += f"notebook_logs: {log.parent}\nnotebooks: {{w1/lab.ipynb: '1.2'}}\n"
    if user_map:
        text += f"notebook_user_map: {umap}\n"
    yml = tmp_path / "course.yml"
    yml.write_text(text, encoding="utf-8")
    return yml, learners


def test_store_reads_logs_and_keys_on_their_content(small_course, tmp_path):
    yml, learners = _with_logs(small_course, tmp_path)
    cache = tmp_path / "cache"
    course = load_course(yml, cache=cache)
    ne = course.notebook_events
    assert list(ne.columns) == notebook_events_schema().names
    assert ne["learner_id"].dtype.categories.equals(course.people)
    assert ids(ne["learner_id"]) == [learners[0]] * 2 + [None, None, learners[1]]
    assert ne["user"].astype(str).tolist() == ["ana", "ana", "bo", "bo", learners[1]]
    assert str(ne["time"].dtype) == "datetime64[ns, UTC]"
    assert str(ne["cell_index"].dtype) == "Int32" and str(ne["success"].dtype) == "boolean"
    assert any("not in the export" in w for w in course.notebook_report.warnings)
    assert course.notebook_report.linked_users == 2
    # the second load comes from the store, identical
    again = load_course(yml, cache=cache)
    assert again.report.from_store
    assert_frame_equal(again.notebook_events, ne)
    assert again.notebook_report == course.notebook_report
    # a changed log changes the key
    log = Path(load_config(yml).notebook_logs) / "log"
    log.write_text(log.read_text(encoding="utf-8") + file_layout([run(9, "c2", 2, session="s2")]))
    changed = load_course(yml, cache=cache)
    assert not changed.report.from_store
    assert len(changed.notebook_events) == 6
    # without a store, the same table
    assert_frame_equal(load_course(yml, cache=False).notebook_events, changed.notebook_events)


def test_course_without_logs_has_an_empty_typed_table(small_course, tmp_path):
    course = load_course(small_course / "course.yml", cache=tmp_path / "cache")
    ne = course.notebook_events
    assert ne.empty and list(ne.columns) == notebook_events_schema().names
    assert course.notebook_report is None
    assert str(ne["time"].dtype) == "datetime64[ns, UTC]"
    hand = Course.from_frames(enrolments=pd.DataFrame({"learner_id": ["a"], "role": ["learner"]}))
    assert hand.notebook_events.empty


def test_missing_log_folder_is_an_error(small_course, tmp_path):
    text = (
        (small_course / "course.yml")
        .read_text(encoding="utf-8")
        .replace("data: .", f"data: {small_course}")
    )
    yml = tmp_path / "course.yml"
    yml.write_text(text + f"notebook_logs: {tmp_path / 'nowhere'}\n", encoding="utf-8")
    with pytest.raises(ExportError, match="not found"):
        load_course(yml, cache=tmp_path / "cache")


def test_from_frames_notebook_events():
    ev = pd.DataFrame(
        {
            "user": ["b", "a"],
            "session": ["s", "s"],
            "notebook": ["n.ipynb", "n.ipynb"],
            "event": ["CellExecuteEvent", "NotebookOpenEvent"],
            "time": ["2024-02-05 10:01:00", "2024-02-05 10:00:00"],
            "success": [True, None],
        }
    )
    enr = pd.DataFrame({"learner_id": ["a"], "role": ["learner"]})
    ne = Course.from_frames(enrolments=enr, notebook_events=ev).notebook_events
    assert ne["event"].astype(str).tolist() == ["NotebookOpenEvent", "CellExecuteEvent"]
    assert ids(ne["learner_id"]) == ["a", None]  # "a" is a person id
    assert ne["success"].tolist() == [pd.NA, True]
