"""Inputs of predictions (issue 15, items 9-11): earlier runs that are the current run,
earlier runs that differ, and messages that name their source and do not contradict
themselves."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import flbook.predict as fp
from flbook.cli import main
from flbook.errors import FlbookError
from flbook.store import load_course
from flbook.synth import make_course, make_runs


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("inputs")
    return make_runs(root, runs=2, learners=150, weeks=3, seed=5)


def _with_previous(current: str, entries: list[str]) -> None:
    p = Path(current)
    text = "".join(ln for ln in p.read_text().splitlines(True) if "previous_runs" not in ln)
    p.write_text(text + "previous_runs: [" + ", ".join(f'"{e}"' for e in entries) + "]\n")


def _copy_current(two_runs, tmp_path) -> Path:
    cur = tmp_path / "cur"
    shutil.copytree(Path(two_runs["current"]).parent, cur)
    return cur / "course.yml"


# ------------------------------------------------------------------ 9 the run itself


def test_previous_runs_listing_the_current_run_is_refused(two_runs, tmp_path, capsys):
    yml = _copy_current(two_runs, tmp_path)
    _with_previous(yml, ["course.yml"])
    course = load_course(yml)
    with pytest.raises(FlbookError, match="this run's own settings file"):
        fp.load_previous_runs(course)
    out = tmp_path / "p.csv"
    assert main(["predict", str(yml), "--out", str(out), "--as-of", "2024-02-14"]) == 1
    err = capsys.readouterr().err
    assert "previous_runs setting in" in err and "own future" in err
    assert not out.exists()
    assert main(["check", str(yml)]) == 1


def test_previous_runs_listing_a_copy_of_the_current_run_is_refused(two_runs, tmp_path):
    yml = _copy_current(two_runs, tmp_path)
    copy = tmp_path / "copy"
    shutil.copytree(yml.parent, copy)
    _with_previous(yml, [str(copy / "course.yml")])
    with pytest.raises(FlbookError, match="copy of this run's data"):
        fp.load_previous_runs(load_course(yml))


def test_a_real_earlier_run_is_accepted(two_runs):
    course = load_course(two_runs["current"])
    previous = fp.load_previous_runs(course)
    assert [p.config.stub for p in previous] == ["learn-to-code-1"]
    assert fp.run_differences(course, previous) == []


# ------------------------------------------------------------------ 10 runs that differ


def test_earlier_runs_that_differ_are_used_with_a_notice(two_runs, tmp_path, capsys):
    yml = _copy_current(two_runs, tmp_path)
    older = tmp_path / "older"
    make_course(older, learners=120, weeks=4, seed=9, stub="learn-to-code-0", start="2023-02-06")
    _with_previous(yml, [str(older / "course.yml")])
    course = load_course(yml)
    previous = fp.load_previous_runs(course)
    notes = fp.run_differences(course, previous)
    assert len(notes) == 1
    assert "4 study weeks instead of 3" in notes[0]
    assert "steps instead of" in notes[0] and "aligned by study week" in notes[0]
    # check and predict print it
    assert main(["check", str(yml)]) == 0
    assert "Notice: earlier run learn-to-code-0 differs" in capsys.readouterr().out
    out = tmp_path / "p.csv"
    assert main(["predict", str(yml), "--out", str(out), "--as-of", "2024-02-14"]) == 0
    assert "Notice: earlier run learn-to-code-0 differs" in capsys.readouterr().out


# ------------------------------------------------------------------ 11 messages


def test_a_missing_previous_run_names_the_setting(two_runs, tmp_path, capsys):
    yml = _copy_current(two_runs, tmp_path)
    _with_previous(yml, ["../nowhere/course.yml"])
    assert main(["check", str(yml)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert f"the previous_runs setting in {yml}" in err and "nowhere" in err
    assert "not found" in err


def test_in_situ_error_at_the_end_of_week_1_does_not_contradict_itself(two_runs):
    course = load_course(two_runs["current"])
    start = pd.Timestamp(course.config.start, tz="UTC")
    end_of_week_1 = start + pd.Timedelta(weeks=1)
    with pytest.raises(fp.PredictionError) as err:
        fp.predict_risk(course, paradigm="in-situ", as_of=end_of_week_1)
    msg = str(err.value)
    assert f"as of {end_of_week_1:%Y-%m-%d %H:%M} UTC" in msg
    assert f"only after the end of week 1, {end_of_week_1:%Y-%m-%d %H:%M} UTC" in msg
    assert "not at" not in msg
    # and what it promises holds: a day into week 2 it predicts
    pred = fp.predict_risk(course, paradigm="in-situ", as_of=end_of_week_1 + pd.Timedelta(days=1))
    assert len(pred.table) > 0


def test_the_chapter_callout_lists_the_differences(two_runs, tmp_path):
    yml = _copy_current(two_runs, tmp_path)
    older = tmp_path / "older"
    make_course(older, learners=120, weeks=4, seed=9, stub="learn-to-code-0", start="2023-02-06")
    _with_previous(yml, [str(older / "course.yml")])
    course = load_course(yml)
    previous = fp.load_previous_runs(course)
    shown = fp.differences_callout(course, previous).data
    assert ".callout-warning" in shown and "Earlier run learn-to-code-0 differs" in shown
    same = load_course(two_runs["current"])
    assert fp.differences_callout(same, fp.load_previous_runs(same)) is None
