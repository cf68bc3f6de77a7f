"""Notebook logs as real servers leave them (issue 15, item 12): damaged .gz files,
deep JSON, logs that name no user, empty files, and a setting that skips bad records."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from flbook.cli import main
from flbook.errors import ExportError
from flbook.exports.notebook_logs import read_notebook_logs
from flbook.store import load_course
from flbook.synth import make_course

T0 = 1707127200000  # 2024-02-05 10:00:00 UTC, in milliseconds


def _event(name: str, minute: float, session: str = "s1", info=None) -> dict:
    return {
        "eventDetail": {
            "eventName": name,
            "eventTime": T0 + int(minute * 60_000),
            "eventInfo": info,
        },
        "notebookState": {"sessionID": session, "notebookPath": "w1/lab.ipynb"},
    }


def _opened(minute: float, user: str, session: str = "s1", var: str = "JUPYTERHUB_USER"):
    return _event("NotebookOpenEvent", minute, session, {"environ": {var: user, "HOME": "/h"}})


def _text(events) -> str:
    return "".join(json.dumps(e) + ",\n" for e in events)


EVENTS = [
    _opened(0, "ana"),
    _event("CellExecuteEvent", 1, info={"cells": [{"id": "c", "index": 0}], "success": True}),
    _event("NotebookSaveEvent", 2),
]


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("nbdamage")
    make_course(folder, learners=40, weeks=1, seed=4)
    return folder


def _course_with_logs(course_dir: Path, tmp_path: Path, extra: str = "") -> tuple[Path, Path]:
    logs = tmp_path / "logs"
    logs.mkdir()
    text = (course_dir / "course.yml").read_text(encoding="utf-8")
    text = text.replace("data: .", f"data: {course_dir}") + f"notebook_logs: {logs}\n" + extra
    yml = tmp_path / "course.yml"
    yml.write_text(text, encoding="utf-8")
    return yml, logs


# ------------------------------------------------------------------ one-line errors


def test_truncated_gz_is_a_one_line_error_naming_the_file(tmp_path):
    data = gzip.compress(_text(EVENTS * 50).encode())
    (tmp_path / "log.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(ExportError) as err:
        read_notebook_logs(tmp_path / "log.gz")
    assert str(tmp_path / "log.gz") in str(err.value) and "cut short" in str(err.value)


def test_gz_that_is_not_gzip_is_a_one_line_error(tmp_path):
    (tmp_path / "log.gz").write_text(_text(EVENTS))
    with pytest.raises(ExportError, match="not gzip-compressed") as err:
        read_notebook_logs(tmp_path / "log.gz")
    assert str(tmp_path / "log.gz") in str(err.value)


def test_deeply_nested_json_is_a_one_line_error(tmp_path):
    deep = '{"eventDetail": ' + "[" * 100_000 + "]" * 100_000 + "},\n"
    (tmp_path / "log").write_text(_text(EVENTS[:1]) + deep + _text(EVENTS[1:]))
    with pytest.raises(ExportError, match="nested too deeply") as err:
        read_notebook_logs(tmp_path / "log")
    assert str(tmp_path / "log") in str(err.value) and err.value.line == 2


def test_check_prints_the_error_in_one_line_with_the_setting_that_skips(
    course_dir, tmp_path, capsys
):
    yml, logs = _course_with_logs(course_dir, tmp_path)
    (logs / "log.gz").write_text(_text(EVENTS))
    assert main(["check", str(yml), "--no-cache"]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert "log.gz" in err and "notebook_skip_bad_records: true" in err


# ------------------------------------------------------------------ skipping bad records


def test_the_course_setting_skips_and_counts_bad_records(course_dir, tmp_path, capsys):
    yml, logs = _course_with_logs(course_dir, tmp_path, "notebook_skip_bad_records: true\n")
    (logs / "a.log").write_text(_text(EVENTS[:2]) + "{not json at all},\n" + _text(EVENTS[2:]))
    data = gzip.compress(_text(EVENTS).encode())
    (logs / "b.gz").write_bytes(data[: len(data) // 2])
    (logs / "c.gz").write_text(_text(EVENTS))
    course = load_course(yml)
    rep = course.notebook_report
    assert rep.excluded["unreadable records (skipped)"] == 1
    assert rep.excluded["log files not read to the end (damaged .gz, skipped)"] == 2
    assert len(course.notebook_events) == 3
    assert main(["check", str(yml)]) == 0
    out = capsys.readouterr().out
    assert "notebook logs: 1 (unreadable records (skipped))" in out
    assert "c.gz: the file ends in .gz but is not gzip-compressed" in out


# ------------------------------------------------------------------ what check shows


def test_check_shows_what_the_reader_could_not_use(course_dir, tmp_path, capsys):
    yml, logs = _course_with_logs(course_dir, tmp_path)
    events = [
        _opened(0, "ana"),
        _event("CellExecuteEvent", 5, info={"cells": [{"id": "c", "index": 0}], "success": True}),
        _event("NotebookSaveEvent", 3),  # out of order
        _event("MysteryEvent", 6),  # unknown kind
        _event("NotebookSaveEvent", 7, session="s9"),  # no user in its session
    ]
    (logs / "log").write_text(_text(events))
    (logs / "notes.docx").write_text("not a log")
    assert main(["check", str(yml)]) == 0
    out = capsys.readouterr().out
    assert "notebook logs: 1 (events out of time order, sorted)" in out
    assert "MysteryEvent" in out
    assert "1 event(s) could not be credited to a user" in out
    assert "1 file(s) in the log folder were not read" in out


def test_wrong_user_variable_leaving_no_users_is_explained(course_dir, tmp_path, capsys):
    yml, logs = _course_with_logs(course_dir, tmp_path)
    (logs / "log").write_text(_text([_opened(0, "ana", var="NB_USER"), *EVENTS[1:]]))
    assert main(["check", str(yml)]) == 0
    out = capsys.readouterr().out
    assert "no event names a user: the variable JUPYTERHUB_USER (setting notebook_user_env)" in out
    assert "NB_USER" in out


def test_empty_file_and_empty_folder_report_no_events(course_dir, tmp_path, capsys):
    yml, logs = _course_with_logs(course_dir, tmp_path)
    assert main(["check", str(yml)]) == 0
    out = capsys.readouterr().out
    assert "no events (0 file(s) read" in out and "the log folder holds no log files" in out
    (logs / "log").write_text("")
    assert main(["check", str(yml)]) == 0
    out = capsys.readouterr().out
    assert "no events (1 file(s) read, 0 records)" in out
    assert "None" not in out and "? to ?" not in out
