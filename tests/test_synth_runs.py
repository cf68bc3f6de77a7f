"""Several synthetic runs of one course: same steps, different learners, a cut-off current run."""

from __future__ import annotations

import datetime as dt
import filecmp

import pandas as pd
import pytest

from flbook.config import load_config
from flbook.store import load_course
from flbook.synth import cut_off, make_course, make_runs


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    info = make_runs(root, runs=3, learners=200, weeks=2, seed=5, cutoff_weeks=1.5)
    store = root / "store"
    courses = [load_course(p, cache=store) for p in info["runs"]]
    return info, courses


def test_layout_and_settings(runs):
    info, courses = runs
    names = [c.config.stub for c in courses]
    assert names == ["learn-to-code-1", "learn-to-code-2", "learn-to-code-3"]
    assert info["current"] == info["runs"][-1]
    starts = [c.config.start for c in courses]
    assert starts[-1] == dt.date(2024, 2, 5)
    assert [(b - a).days for a, b in zip(starts, starts[1:], strict=False)] == [182, 182]
    cur = courses[-1].config
    assert cur.previous_runs == tuple(info["runs"][:2])
    assert cur.as_of == dt.datetime(2024, 2, 15, 12, 0)
    assert info["cutoff"] == cur.as_of
    assert all(c.config.previous_runs == () and c.config.as_of is None for c in courses[:2])
    # the current run's course.yml names the earlier runs by relative path
    text = (courses[-1].config.source and open(courses[-1].config.source).read()) or ""
    assert "../learn-to-code-1/course.yml" in text


def test_same_steps_different_learners(runs):
    _, courses = runs
    steps = [list(c.steps["step"].astype(str)) for c in courses[:2]]
    assert steps[0] == steps[1]
    cfgs = [c.config for c in courses]
    assert len({(c.exercise_steps, c.social_steps) for c in cfgs}) == 1
    ids = [set(c.people) for c in courses]
    assert not ids[0] & ids[1] and not ids[1] & ids[2]
    # the cut-off run has a subset of the same steps (weeks not reached are missing)
    assert set(courses[-1].steps["step"].astype(str)) <= set(steps[0])


def test_current_run_cut_off(runs):
    info, courses = runs
    cur = courses[-1]
    limit = pd.Timestamp(info["cutoff"], tz="UTC")
    checks = {
        "enrolments": ["enrolled_at", "unenrolled_at", "fully_participated_at"],
        "step_activity": ["first_visited_at", "last_completed_at"],
        "comments": ["timestamp", "first_reported_at", "moderated"],
        "question_response": ["submitted_at"],
        "leaving_survey_responses": ["left_at"],
    }
    for table, cols in checks.items():
        t = cur.table(table)
        for c in cols:
            assert not (t[c].dropna() >= limit).any(), (table, c)
    # earlier runs are complete: activity after the same point of their run exists
    prev = courses[1]
    later = pd.Timestamp(prev.config.start, tz="UTC") + pd.Timedelta(weeks=1.5)
    assert (prev.step_activity["first_visited_at"] >= later).any()
    rows = info["rows"]["learn-to-code-3"]
    assert rows["step-activity"] == len(cur.step_activity)


def test_current_run_equals_make_course_without_cutoff(tmp_path):
    info = make_runs(tmp_path / "r", runs=2, learners=120, weeks=1, seed=9)
    make_course(tmp_path / "one", learners=120, weeks=1, seed=9, stub="learn-to-code-2")
    for name in ("enrolments", "step-activity", "comments"):
        a = tmp_path / "r" / "learn-to-code-2" / f"learn-to-code-2_{name}.csv"
        b = tmp_path / "one" / f"learn-to-code-2_{name}.csv"
        assert filecmp.cmp(a, b, shallow=False), name
    assert info["cutoff"] is None
    assert load_config(info["current"]).as_of is None


def test_one_run_has_no_previous_runs(tmp_path):
    info = make_runs(tmp_path, runs=1, learners=60, weeks=1)
    assert load_config(info["current"]).previous_runs == ()
    with pytest.raises(ValueError, match="runs"):
        make_runs(tmp_path, runs=0)


def test_cut_off_keeps_format(tmp_path):
    (tmp_path / "s-1_comments.csv").write_text(
        "id,author_id,parent_id,step,text,timestamp,moderated,likes\n"
        '1,a,,1.1,"Hello, ""world""\nline two",2024-02-05 10:00:00 UTC,'
        "2024-02-20 10:00:00 UTC,0\n"
        "2,b,1,1.1,late,2024-02-10 00:00:00 UTC,,1\n"
    )
    kept = cut_off(tmp_path, "s-1", dt.datetime(2024, 2, 10))
    assert kept == {"comments": 1}
    assert (tmp_path / "s-1_comments.csv").read_text() == (
        "id,author_id,parent_id,step,text,timestamp,moderated,likes\n"
        '1,a,,1.1,"Hello, ""world""\nline two",2024-02-05 10:00:00 UTC,,0\n'
    )


def test_nested_layout_for_the_bundled_course(tmp_path):
    info = make_runs(tmp_path, runs=3, learners=60, weeks=1, seed=2, nest_previous=True)
    assert info["current"] == str(tmp_path / "course.yml")
    assert (tmp_path / "learn-to-code-3_enrolments.csv").exists()
    text = (tmp_path / "course.yml").read_text()
    assert "previous-runs/learn-to-code-1/course.yml" in text
    cfg = load_config(tmp_path / "course.yml")
    assert [p.split("/")[-2] for p in cfg.previous_runs] == ["learn-to-code-1", "learn-to-code-2"]
    assert all(load_config(p).stub in p for p in cfg.previous_runs)


def test_older_runs_miss_files_and_check_names_them(runs, capsys):
    from flbook.cli import main

    info, courses = runs
    missing = [c.report.missing() for c in courses]
    assert missing[-1] == []  # the current run has every file
    assert set(missing[1]) == {"peer-review-assignments", "peer-review-reviews", "campaigns"}
    assert {"comments", "video-stats"} <= set(missing[0]) and "step-activity" not in missing[0]
    assert courses[0].comments.empty and "author_id" in courses[0].comments.columns
    assert main(["check", info["runs"][0]]) == 0
    out = capsys.readouterr().out
    assert "missing:  comments, peer-review-assignments" in out
    assert "5 of 12 export files not found, treated as no data" in out
