"""The synthetic notebook-log generator: deterministic, readable, coherent with its course."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
import yaml

import flbook.analysis as A
from flbook import load_course
from flbook.exports.notebook_logs import read_notebook_logs
from flbook.synth import make_course, make_notebook_logs


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synthlogs")
    make_course(folder, learners=400, weeks=2, seed=5)
    return folder


@pytest.fixture(scope="module")
def with_logs(course_dir, tmp_path_factory):
    """The course with file-layout logs and its settings added to course.yml."""
    folder = tmp_path_factory.mktemp("synthlogs-file")
    shutil.copytree(course_dir, folder, dirs_exist_ok=True)
    info = make_notebook_logs(folder, seed=3)
    doc = yaml.safe_load((folder / "course.yml").read_text(encoding="utf-8"))
    doc.update(info["settings"])
    (folder / "course.yml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    course = load_course(folder / "course.yml", cache=tmp_path_factory.mktemp("cache"))
    return folder, info, course


def _files(folder):
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted((folder / "notebook-logs").rglob("*"))
    }


@pytest.mark.parametrize("layout", ["file", "jsonl"])
def test_deterministic(course_dir, tmp_path, layout):
    a, b, c = (tmp_path / x for x in "abc")
    for d in (a, b, c):
        shutil.copytree(course_dir, d)
    ia = make_notebook_logs(a, seed=7, layout=layout, compress=layout == "jsonl")
    ib = make_notebook_logs(b, seed=7, layout=layout, compress=layout == "jsonl")
    make_notebook_logs(c, seed=8, layout=layout, compress=layout == "jsonl")
    assert ia == ib
    assert _files(a) == _files(b)
    assert (a / "notebook-users.csv").read_bytes() == (b / "notebook-users.csv").read_bytes()
    assert _files(a) != _files(c)
    # the course itself is untouched
    assert (a / "course.yml").read_bytes() == (course_dir / "course.yml").read_bytes()


@pytest.mark.parametrize("layout", ["file", "jsonl"])
def test_reader_sees_what_was_written(course_dir, tmp_path, layout):
    shutil.copytree(course_dir, tmp_path / "c")
    info = make_notebook_logs(tmp_path / "c", layout=layout, compress=layout == "jsonl")
    table, report = read_notebook_logs(
        tmp_path / "c" / info["settings"]["notebook_logs"],
        user_map=tmp_path / "c" / info["settings"]["notebook_user_map"],
    )
    assert report.rows_kept == table.num_rows == info["events"]
    assert report.excluded["duplicate events (removed)"] == info["duplicates"]
    assert report.excluded["truncated last records (skipped)"] == info["truncated"] == 1
    assert report.unknown_events == {"KernelRestartEvent": info["unknown"]}
    assert report.sessions == info["sessions"]
    assert report.linked_users == report.users == info["users"]
    assert report.out_of_order > 0
    expected = {
        "remote exporter (JSON Lines)" if layout == "jsonl" else "file exporter": len(info["files"])
    }
    assert report.layouts == expected
    assert set(table.column("notebook").to_pylist()) == set(info["notebooks"])


def test_no_oddities(course_dir, tmp_path):
    shutil.copytree(course_dir, tmp_path / "c")
    info = make_notebook_logs(tmp_path / "c", oddities=False, share=0.2)
    table, report = read_notebook_logs(tmp_path / "c" / "notebook-logs")
    assert info["duplicates"] == info["truncated"] == info["unknown"] == 0
    assert report.excluded == {} and report.unknown_events == {}
    assert table.num_rows == info["events"]


def test_coherent_with_the_course(with_logs):
    folder, info, course = with_logs
    ne = course.notebook_events
    assert len(ne) == info["events"]
    # every user is linked to a person of the export (a few events cannot be credited to
    # a user: their session id was lost); staff try the notebooks first
    named = ne["user"].notna()
    assert (ne.loc[named, "learner_id"].cat.codes >= 0).all()
    assert named.mean() > 0.99
    roles = (
        course.enrolments.drop_duplicates("learner_id").set_index("learner_id")["role"].astype(str)
    )
    used = ne["learner_id"].astype("object").unique()
    assert (roles.reindex(used) == "learner").mean() > 0.95
    assert (roles.reindex(used) != "learner").any()
    # notebooks belong to steps of the course: a video step and the exercise step each week
    steps = set(course.steps["step"].astype(str))
    assert set(info["notebooks"].values()) <= steps
    assert set(course.config.exercise_steps) <= set(info["notebooks"].values())
    # learners only run a notebook if they visited its step (staff aside)
    nb_step = pd.Series(info["notebooks"])
    ex = ne[
        (ne["event"] == "CellExecuteEvent")
        & ne["learner_id"].astype("object").isin(roles[roles == "learner"].index)
    ]
    pairs = set(
        zip(
            ex["learner_id"].astype(str),
            nb_step[ex["notebook"].astype(str)].to_numpy(),
            strict=True,
        )
    )
    sa = course.step_activity
    visited = set(zip(sa["learner_id"].astype(str), sa["step"].astype(str), strict=True))
    assert pairs <= visited
    # everything happens between the week before the course and the export
    start = pd.Timestamp(course.config.start, tz="UTC")
    assert ne["time"].min() >= start - pd.Timedelta(days=7)
    assert ne["time"].max() <= start + pd.Timedelta(weeks=course.config.weeks + 3)


def test_worth_explaining(with_logs):
    _, info, course = with_logs
    nbs = info["notebooks"]
    cells = A.cell_summary(course, notebooks=nbs)
    big = cells[cells["learners"] >= 10]
    ex_cells = big[big["notebook"].str.contains("exercises")]
    assert ex_cells["pct_error_rate"].max() > 35  # hard cells
    assert big["pct_error_rate"].median() < 15
    assert (cells["cell"] == "own cells").any()
    retries = A.retries_until_success(course).set_index("retries")["learner_cells"]
    assert retries["1"] > retries["2"] > 0 and retries["never"] > 0
    follow = A.follow_along(course, notebooks=nbs)
    lecture = follow[
        follow["notebook"].str.contains("lecture") & (follow["timing"] == "while on the step")
    ]
    exercises = follow[
        follow["notebook"].str.contains("exercises") & (follow["timing"] == "while on the step")
    ]
    assert lecture["pct"].min() > 10 and exercises["pct"].max() < lecture["pct"].min()
    order = A.execution_order(course, notebooks=nbs)
    moves = order[order["notebook"] == "All notebooks"].set_index("move")["pct"]
    assert moves["next cell"] > 50 and moves["went back"] > 0 and moves["skipped ahead"] > 0
    sessions = A.notebook_sessions(course, notebooks=nbs)
    assert 0 < (~sessions["executed"]).mean() < 0.2
    after = A.after_error(course, notebooks=nbs)
    outcome = after[after["notebook"] == "All notebooks"].set_index("outcome")["pct"]
    assert (outcome > 0).all()
    # a NameError is the commonest error: cells run after skipping the one that defines a name
    assert A.error_names(course)["error_name"].iloc[0] == "NameError"


def test_bad_arguments(course_dir, tmp_path):
    with pytest.raises(ValueError, match="layout"):
        make_notebook_logs(course_dir, layout="csv")
    with pytest.raises(ValueError, match="share"):
        make_notebook_logs(course_dir, share=0)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "course.yml").write_text(
        "title: x\nstub: x-1\nstart: 2024-01-01\nweeks: 1\n"
    )
    with pytest.raises(FileNotFoundError, match="make_course"):
        make_notebook_logs(tmp_path / "empty")


def test_settings_are_valid_course_settings(with_logs):
    folder, info, course = with_logs
    cfg = course.config
    assert cfg.notebook_logs == str((folder / "notebook-logs").resolve())
    assert cfg.notebook_user_map == str((folder / "notebook-users.csv").resolve())
    assert dict(cfg.notebooks) == info["notebooks"]
    assert np.all([p.endswith(".ipynb") for p in info["notebooks"]])
