"""Shapes seen in real exports (issue 15): missing files, the course team among the
enrolments, the export date, one end date everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from flbook.analysis import learner_ids
from flbook.cli import main
from flbook.config import load_config
from flbook.errors import ExportError
from flbook.store import TEAM_ROLE, load_course

TS = "2024-02-05 10:00:00 UTC"


@pytest.fixture
def run(tmp_path) -> Path:
    """A one-week course: three learners, one team member enrolled as a learner who
    has two rows in team-members, and a late unenrolment that dates the export."""
    d = tmp_path / "run"
    d.mkdir()
    (d / "r-7_enrolments.csv").write_text(
        "learner_id,enrolled_at,unenrolled_at,role\n"
        f"a,{TS},,learner\nb,{TS},2024-05-30 08:00:00 UTC,learner\nc,{TS},,learner\n"
        f"t,{TS},,learner\ne,{TS},,educator\n"
    )
    (d / "r-7_step-activity.csv").write_text(
        "learner_id,step,first_visited_at,last_completed_at\n"
        f"a,1.1,{TS},\nb,1.1,{TS},{TS}\nt,1.1,{TS},{TS}\n"
    )
    (d / "r-7_team-members.csv").write_text(
        "id,first_name,last_name,team_role,user_role\r\n"
        "t,Ann,Lee,lead_educator,learner\r\nt,Ann,Lee,mentor,learner\r\n"
        "e,Bo,Kim,educator,organisation_admin\r\n"
    )
    (d / "course.yml").write_text("title: Real\nstub: r-7\nstart: 2024-02-05\nweeks: 1\n")
    return d


# ------------------------------------------------------------------ 1 missing files


def test_a_missing_dataset_is_no_data_and_check_names_it(run, capsys):
    (run / "r-7_step-activity.csv").unlink()
    assert main(["check", str(run / "course.yml")]) == 0
    out = capsys.readouterr().out
    assert "missing:  step-activity, comments" in out
    assert "not found, treated as no data" in out  # the warning
    for name in ("enrolments", "step-activity", "comments", "campaigns", "video-stats"):
        assert name in out  # every file reported
    course = load_course(run / "course.yml")
    sa = course.step_activity
    assert sa.empty and str(sa["first_visited_at"].dtype) == "datetime64[ns, UTC]"
    assert str(sa["step"].dtype) == "category"


def test_a_missing_enrolments_file_stays_fatal(run, capsys):
    (run / "r-7_enrolments.csv").unlink()
    assert main(["check", str(run / "course.yml")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "r-7_enrolments.csv" in err[0] and "enrolments export is required" in err[0]
    with pytest.raises(ExportError, match="looked for r-7_enrolments.csv"):
        load_course(run / "course.yml", cache=False)


# ------------------------------------------------------------------ 2 course team


def test_team_members_enrolled_as_learners_are_not_learners(run, capsys):
    course = load_course(run / "course.yml")
    assert sorted(learner_ids(course)) == ["a", "b", "c"]
    enr = course.enrolments.set_index(course.enrolments["learner_id"].astype(str))
    assert enr.loc["t", "role"] == TEAM_ROLE and enr.loc["e", "role"] == "educator"
    assert course.report.team_in_enrolments == 2 and course.report.team_as_learners == 1
    assert (
        course.report.files["enrolments"].repaired[
            f"role learner changed to {TEAM_ROLE}: the id is in team-members"
        ]
        == 1
    )
    assert main(["check", str(run / "course.yml")]) == 0
    out = capsys.readouterr().out
    assert "2 course-team member(s) found among the enrolments" in out
    assert "1 enrolled as learner(s), counted as course team" in out


def test_every_team_role_of_a_person_is_kept(run):
    from flbook.analysis._social import _team

    course = load_course(run / "course.yml")
    team = _team(course)
    roles = dict(zip(course.people[team["code"]], team["team_role"], strict=True))
    assert roles == {"t": "lead_educator, mentor", "e": "educator"}
    assert len(course.team_members) == 3  # every row is kept in the table


def test_team_activity_is_not_learner_activity(run):
    from flbook.analysis import learner_flags

    course = load_course(run / "course.yml")
    flags = learner_flags(course)
    assert int(flags["visited"].sum()) == 2  # a and b; t's visit is the team's


# ------------------------------------------------------------------ 3 export date


def test_the_export_is_dated_by_its_latest_timestamp_in_any_column(run, capsys):
    course = load_course(run / "course.yml")
    # the enrolments' main column ends 2024-02-05; the late unenrolment dates the export
    assert course.report.files["enrolments"].last.startswith("2024-02-05")
    assert course.report.export_date == "2024-05-30 08:00:00"
    assert main(["check", str(run / "course.yml")]) == 0
    assert "export:   dated 2024-05-30 08:00:00 UTC" in capsys.readouterr().out
    from flbook.render.cli import course_metadata

    assert course_metadata(load_config(run / "course.yml"))["export-date"] == "2024-05-30"


# ------------------------------------------------------------------ 4 one end date


def test_one_last_study_day_in_check_book_and_predict(run, tmp_path, capsys):
    import datetime as dt

    cfg = load_config(run / "course.yml")
    period = cfg.study_period
    assert period == "1 study week, 2024-02-05 to 2024-02-11 (last study day)"
    assert cfg.last_study_day == dt.date(2024, 2, 11)
    # check
    assert main(["check", str(run / "course.yml")]) == 0
    assert period in capsys.readouterr().out
    # the book (chapter 1's settings table)
    table = dict(cfg.describe().itertuples(index=False))
    assert table["Study weeks"] == period and table["Last study day"] == "2024-02-11"
    # predict, after the study weeks (a two-week run, so the error is about the end)
    (run / "course.yml").write_text("title: Real\nstub: r-7\nstart: 2024-01-22\nweeks: 2\n")
    two = load_config(run / "course.yml")
    rc = main(["predict", str(run / "course.yml"), "--out", str(tmp_path / "p.csv")])
    err = capsys.readouterr().err
    assert rc == 1
    assert f"the study weeks are over ({two.study_period})" in err
    assert "2024-02-04 (last study day)" in err
