"""Learning in notebooks: hand-checked analyses, empty inputs, the event log, the charts."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib import pyplot as plt
from pandas.testing import assert_frame_equal

import flbook.analysis as A
import flbook.plotting as P
from flbook import load_course
from flbook.store import Course
from flbook.synth import make_course, make_notebook_logs

NOTEBOOKS = {"w1.ipynb": "1.1", "w1x.ipynb": "1.2"}


def _ev(
    user,
    session,
    notebook,
    when,
    event="CellExecuteEvent",
    cell=None,
    index=None,
    ok=None,
    error=None,
):
    return {
        "user": user,
        "learner_id": {"ua": "a", "ub": "b", "uc": "c", "ut": "t"}[user],
        "session": session,
        "notebook": notebook,
        "event": event,
        "time": f"2024-02-05 {when}:00",
        "cell_id": cell,
        "cell_index": index,
        "success": ok,
        "error_name": error,
    }


def _open(user, session, notebook, when):
    return _ev(user, session, notebook, when, event="NotebookOpenEvent")


EVENTS = pd.DataFrame(
    [
        # a follows along: runs the cells as the video plays, fixes a NameError at the 3rd try
        _open("ua", "s1", "w1.ipynb", "10:00"),
        _ev("ua", "s1", "w1.ipynb", "10:01", cell="c1", index=0, ok=True),
        _ev("ua", "s1", "w1.ipynb", "10:02", cell="c2", index=2, ok=False, error="NameError"),
        _ev("ua", "s1", "w1.ipynb", "10:03", cell="c2", index=2, ok=False, error="NameError"),
        _ev("ua", "s1", "w1.ipynb", "10:05", cell="c2", index=2, ok=True),
        _ev("ua", "s1", "w1.ipynb", "10:06", cell="c3", index=3, ok=True),
        # b opens the notebook before the step, skips a cell, goes back after a KeyError
        _open("ub", "s2", "w1.ipynb", "11:00"),
        _ev("ub", "s2", "w1.ipynb", "11:10", cell="c1", index=0, ok=True),
        _ev("ub", "s2", "w1.ipynb", "11:11", cell="c3", index=3, ok=False, error="KeyError"),
        _ev("ub", "s2", "w1.ipynb", "11:12", cell="c1", index=0, ok=True),
        # c opens the exercises and runs nothing, then gives up after a TypeError
        _open("uc", "s3", "w1x.ipynb", "12:00"),
        _open("uc", "s4", "w1.ipynb", "13:00"),
        _ev("uc", "s4", "w1.ipynb", "13:01", cell="c1", index=0, ok=True),
        _ev("uc", "s4", "w1.ipynb", "13:02", cell="c2", index=2, ok=False, error="TypeError"),
        # the educator tries the notebook before the course (left out by default)
        _open("ut", "s5", "w1.ipynb", "09:00"),
        _ev(
            "ut", "s5", "w1.ipynb", "09:01", cell="c1", index=0, ok=False, error="ZeroDivisionError"
        ),
    ]
)
ENROLMENTS = pd.DataFrame(
    {
        "learner_id": ["a", "b", "c", "t"],
        "role": ["learner", "learner", "learner", "educator"],
        "enrolled_at": ["2024-02-01 10:00:00"] * 4,
    }
)
STEP_ACTIVITY = pd.DataFrame(
    {
        "learner_id": ["a", "b", "c", "a"],
        "step": ["1.1", "1.1", "1.1", "1.2"],
        "first_visited_at": [
            "2024-02-05 10:00:00",
            "2024-02-05 12:00:00",
            "2024-02-04 09:00:00",
            "2024-02-05 10:30:00",
        ],
    }
)


@pytest.fixture
def course():
    return Course.from_frames(
        enrolments=ENROLMENTS, step_activity=STEP_ACTIVITY, notebook_events=EVENTS
    )


@pytest.fixture
def empty():
    return Course.from_frames(enrolments=ENROLMENTS, step_activity=STEP_ACTIVITY)


def _step(values, course):
    return pd.Categorical(values, dtype=course.step_dtype)


def _t(*values):
    return pd.Series(pd.to_datetime(list(values), utc=True).as_unit("ns"))


# --------------------------------------------------------------------------- by hand


def test_notebook_event_counts(course):
    got = A.notebook_event_counts(course)
    expected = pd.DataFrame(
        {
            "event": ["NotebookOpenEvent", "CellExecuteEvent"],
            "meaning": [
                A.NOTEBOOK_EVENT_MEANINGS[e] for e in ("NotebookOpenEvent", "CellExecuteEvent")
            ],
            "events": [4, 10],
            "learners": [3, 3],
            "sessions": [4, 3],
        }
    )
    assert_frame_equal(got, expected, check_dtype=False)
    staff = A.notebook_event_counts(course, roles=None)
    assert staff["events"].tolist() == [5, 11]


def test_notebook_overview(course):
    got = A.notebook_overview(course, notebooks=NOTEBOOKS)
    expected = pd.DataFrame(
        {
            "notebooks": [2],
            "learners": [3],
            "sessions": [4],
            "executions": [10],
            "failed": [4],
            "pct_error_rate": [40.0],
            "learner_cells_failed": [3],
            "pct_never_fixed": [200 / 3],
            "pct_in_order": [np.nan],  # every cell here is run by fewer than 5 learners
            "median_minutes_to_first_run": [1.0],
            "pct_followed_along": [100 / 3],
        }
    )
    assert_frame_equal(got, expected)
    assert A.notebook_log_report(course).empty  # a hand-made course has no read report


def test_notebook_summary(course):
    got = A.notebook_summary(course, notebooks=NOTEBOOKS)
    expected = pd.DataFrame(
        {
            "notebook": ["w1.ipynb", "w1x.ipynb"],
            "step": _step(["1.1", "1.2"], course),
            "learners": [3, 1],
            "sessions": [3, 1],
            "sessions_per_learner": [1.0, 1.0],
            "executions": [10, 0],
            "failed": [4, 0],
            "pct_error_rate": [40.0, np.nan],
            "learners_executing": [3, 0],
            "median_session_minutes": [6.0, 0.0],
        }
    )
    assert_frame_equal(got, expected, check_dtype=False)


def test_cell_summary(course):
    got = A.cell_summary(course, notebooks=NOTEBOOKS, min_learners=1)
    expected = pd.DataFrame(
        {
            "notebook": ["w1.ipynb"] * 3,
            "cell": ["cell 1", "cell 3", "cell 4"],
            "executions": [4, 4, 2],
            "learners": [3, 2, 2],
            "failed": [0, 3, 1],
            "pct_error_rate": [0.0, 75.0, 50.0],
            "learners_failed": [0, 2, 1],
            "pct_gave_up": [np.nan, 50.0, 100.0],
            "median_retries": [np.nan, 2.0, np.nan],
            "top_error": ["", "NameError", "KeyError"],
        }
    )
    assert_frame_equal(got, expected, check_dtype=False)
    # with the default threshold every cell here is someone's own: pooled into one row
    pooled = A.cell_summary(course)
    assert pooled["cell"].tolist() == ["own cells"]
    assert pooled["executions"].tolist() == [10]
    hardest = A.cell_summary(course, min_learners=1, sort_by="pct_error_rate", top=2)
    assert hardest["cell"].tolist() == ["cell 3", "cell 4"]
    assert A.cell_summary(course, sort_by="pct_error_rate").empty  # own cells are left out
    with pytest.raises(ValueError, match="sort_by"):
        A.cell_summary(course, sort_by="nonsense")


def test_error_names(course):
    got = A.error_names(course)
    expected = pd.DataFrame(
        {
            "error_name": ["NameError", "KeyError", "TypeError"],
            "failed": [2, 1, 1],
            "pct": [50.0, 25.0, 25.0],
            "learners": [1, 1, 1],
            "cells": [1, 1, 1],
        }
    )
    assert_frame_equal(got, expected, check_dtype=False)
    by = A.error_names(course, by_notebook=True, roles=None)
    assert by["notebook"].unique().tolist() == ["w1.ipynb"]
    assert by["error_name"].tolist()[-1] == "ZeroDivisionError" and by["pct"].sum() == 100


def test_retries_until_success(course):
    got = A.retries_until_success(course, max_retries=3)
    dtype = pd.CategoricalDtype(["1", "2", "3+", "never"], ordered=True)
    expected = pd.DataFrame(
        {
            "retries": pd.Categorical(["1", "2", "3+", "never"], dtype=dtype),
            "learner_cells": [0, 1, 0, 2],
            "pct": [0.0, 100 / 3, 0.0, 200 / 3],
        }
    )
    assert_frame_equal(got, expected, check_dtype=False)


def test_after_error(course):
    got = A.after_error(course, notebooks=NOTEBOOKS, soon_minutes=5)
    dtype = pd.CategoricalDtype(list(A.AFTER_ERROR_OUTCOMES))
    one = pd.DataFrame(
        {
            "outcome": pd.Categorical(list(A.AFTER_ERROR_OUTCOMES), dtype=dtype),
            "failed": [2, 0, 1, 1],
            "pct": [50.0, 0.0, 25.0, 25.0],
            "median_minutes": [1.5, np.nan, 1.0, np.nan],
        }
    )
    expected = pd.concat(
        [one.assign(notebook="w1.ipynb"), one.assign(notebook="All notebooks")], ignore_index=True
    )[["notebook", "outcome", "failed", "pct", "median_minutes"]]
    assert_frame_equal(got, expected, check_dtype=False)
    # with a one-minute "soon", a's second retry (two minutes later) is "later"
    later = A.after_error(course, soon_minutes=1)
    assert later["failed"].tolist()[:4] == [1, 1, 1, 1]


def test_execution_order(course):
    got = A.execution_order(course, notebooks=NOTEBOOKS, min_learners=1)
    dtype = pd.CategoricalDtype(list(A.EXECUTION_MOVES))
    one = pd.DataFrame(
        {
            "move": pd.Categorical(list(A.EXECUTION_MOVES), dtype=dtype),
            "executions": [3, 2, 1, 1],
            "pct": [300 / 7, 200 / 7, 100 / 7, 100 / 7],
            "learners": [2, 1, 1, 1],
            "pct_learners": [200 / 3, 100 / 3, 100 / 3, 100 / 3],
        }
    )
    expected = pd.concat(
        [one.assign(notebook="w1.ipynb"), one.assign(notebook="All notebooks")], ignore_index=True
    )[["notebook", "move", "executions", "pct", "learners", "pct_learners"]]
    assert_frame_equal(got, expected, check_dtype=False)


def test_notebook_sessions(course):
    got = A.notebook_sessions(course, notebooks=NOTEBOOKS)
    expected = pd.DataFrame(
        {
            "notebook": ["w1.ipynb", "w1.ipynb", "w1x.ipynb", "w1.ipynb"],
            "step": _step(["1.1", "1.1", "1.2", "1.1"], course),
            "start": _t(
                "2024-02-05 10:00", "2024-02-05 11:00", "2024-02-05 12:00", "2024-02-05 13:00"
            ),
            "minutes": [6.0, 12.0, 0.0, 2.0],
            "executions": [5, 3, 0, 2],
            "failed": [2, 1, 0, 1],
            "minutes_to_first_execution": [1.0, 10.0, np.nan, 1.0],
            "executed": [True, True, False, True],
            "opened": [True, True, True, True],
        }
    )
    assert_frame_equal(got, expected, check_dtype=False)


def test_executions_by_day(course):
    got = A.executions_by_day(course, notebooks=NOTEBOOKS)
    expected = pd.DataFrame(
        {
            "notebook": ["w1.ipynb"],
            "date": pd.to_datetime(["2024-02-05"]).as_unit("ns"),
            "executions": [10],
            "learners": [3],
        }
    )
    assert_frame_equal(got, expected, check_dtype=False)
    # in a time zone 11 hours behind UTC, the 10:00 runs fall on the day before
    west = A.executions_by_day(course, timezone="Pacific/Pago_Pago")
    assert west["executions"].tolist() == [5, 5]


def _at(row: dict, time: str) -> dict:
    return {**row, "time": time}


def test_executions_by_day_lists_every_day_of_the_span_with_zeros():
    events = pd.DataFrame(
        [
            _at(_ev("ua", "s1", "w1.ipynb", "10:00", cell="c1", index=0, ok=True), t)
            for t in ("2024-02-05 10:00:00", "2024-02-08 10:00:00")
        ]
        + [
            _at(_ev("ub", "s2", "w1.ipynb", "11:00", cell="c1", index=0, ok=True), t)
            for t in ("2024-02-05 11:00:00",)
        ]
        + [
            _at(_ev("uc", "s3", "w1x.ipynb", "12:00", cell="c1", index=0, ok=True), t)
            for t in ("2024-02-06 12:00:00",)
        ]
    )
    c = Course.from_frames(enrolments=ENROLMENTS, notebook_events=events)
    got = A.executions_by_day(c, notebooks=NOTEBOOKS)
    days = pd.to_datetime(["2024-02-05", "2024-02-06", "2024-02-07", "2024-02-08"]).as_unit("ns")
    expected = pd.DataFrame(
        {
            "notebook": ["w1.ipynb"] * 4 + ["w1x.ipynb"] * 4,
            "date": days.append(days),
            # w1: two learners on the 5th, nothing on the 6th and 7th, one run on the 8th
            "executions": [2, 0, 0, 1, 0, 1, 0, 0],
            "learners": [2, 0, 0, 1, 0, 1, 0, 0],
        }
    )
    assert_frame_equal(got, expected, check_dtype=False)


def test_first_executions_per_notebook():
    # w1: ten sittings whose first run came 1, 2, ... 10 minutes after opening, and two
    # that ran nothing; w1x (opened first): one sitting that ran nothing
    rows = [_open("uc", "x", "w1x.ipynb", "09:00")]
    for m in range(1, 11):
        rows.append(_open("ua", f"s{m}", "w1.ipynb", f"{9 + m}:00"))
        rows.append(_ev("ua", f"s{m}", "w1.ipynb", f"{9 + m}:{m:02d}", cell="c1", ok=True))
    rows += [_open("ub", "n1", "w1.ipynb", "20:00"), _open("ub", "n2", "w1.ipynb", "21:00")]
    c = Course.from_frames(
        enrolments=ENROLMENTS, step_activity=STEP_ACTIVITY, notebook_events=pd.DataFrame(rows)
    )
    got = A.first_executions(c, notebooks=NOTEBOOKS)
    # 1..10: quartiles at 1 + 9 × (0.25, 0.5, 0.75); the 5th percentile is 1.45, the
    # first time at or above it 2; the 95th is 9.55, the last time at or below it 9
    expected = pd.DataFrame(
        {
            "notebook": ["w1x.ipynb", "w1.ipynb"],
            "step": _step(["1.2", "1.1"], c),
            "sessions": [1, 12],
            "pct_ran_nothing": [100.0, 100 * 2 / 12],
            "timed": [0, 10],
            "low_minutes": [np.nan, 2.0],
            "q1_minutes": [np.nan, 3.25],
            "median_minutes": [np.nan, 5.5],
            "q3_minutes": [np.nan, 7.75],
            "high_minutes": [np.nan, 9.0],
        }
    )
    assert_frame_equal(got, expected, check_dtype=False)


def test_follow_along_times_for_all_notebooks_together(course):
    # a also runs the exercises 10 minutes after first visiting their step (1.2 at 10:30)
    extra = _ev("ua", "s6", "w1x.ipynb", "10:40", cell="x1", index=0, ok=True)
    c = Course.from_frames(
        enrolments=ENROLMENTS,
        step_activity=STEP_ACTIVITY,
        notebook_events=pd.concat([EVENTS, pd.DataFrame([extra])], ignore_index=True),
    )
    kw = dict(notebooks=NOTEBOOKS, bin_minutes=30, before_minutes=60, after_minutes=60)
    each = A.follow_along_times(c, **kw)
    assert each["notebook"].tolist() == ["w1.ipynb"] * 4 + ["w1x.ipynb"] * 4
    assert each["executions"].tolist() == [3, 0, 5, 0, 0, 0, 1, 0]
    got = A.follow_along_times(c, by_notebook=False, **kw)
    expected = pd.DataFrame(
        {
            "notebook": ["All notebooks"] * 4,
            "step": _step([None] * 4, c),
            "minutes": [-60.0, -30.0, 0.0, 30.0],
            "executions": [3, 0, 6, 0],
            "learners": [1, 0, 1, 0],  # a ran both notebooks in the same bin: one learner
        }
    )
    assert_frame_equal(got, expected, check_dtype=False)


def test_follow_along(course):
    got = A.follow_along(course, notebooks=NOTEBOOKS, window_minutes=30)
    dtype = pd.CategoricalDtype(list(A.FOLLOW_ALONG_TIMING))
    one = pd.DataFrame(
        {
            "timing": pd.Categorical(list(A.FOLLOW_ALONG_TIMING), dtype=dtype),
            "learners": [1, 1, 0, 1, 0],
            "pct": [100 / 3, 100 / 3, 0.0, 100 / 3, 0.0],
        }
    )
    expected = pd.concat(
        [
            one.assign(notebook="w1.ipynb", step=_step(["1.1"] * 5, course)),
            one.assign(notebook="All notebooks", step=_step([None] * 5, course)),
        ],
        ignore_index=True,
    )[["notebook", "step", "timing", "learners", "pct"]]
    assert_frame_equal(got, expected, check_dtype=False)
    # a notebook not tied to a step cannot be placed
    assert A.follow_along(course, notebooks={}).empty


def test_follow_along_times(course):
    got = A.follow_along_times(
        course, notebooks=NOTEBOOKS, bin_minutes=30, before_minutes=60, after_minutes=60
    )
    expected = pd.DataFrame(
        {
            "notebook": ["w1.ipynb"] * 4,
            "step": _step(["1.1"] * 4, course),
            "minutes": [-60.0, -30.0, 0.0, 30.0],
            "executions": [3, 0, 5, 0],
            "learners": [1, 0, 1, 0],
        }
    )
    assert_frame_equal(got, expected, check_dtype=False)


def test_inputs_are_not_mutated(course):
    before = course.notebook_events.copy()
    for f in (A.cell_summary, A.after_error, A.execution_order, A.notebook_sessions):
        f(course)
    assert_frame_equal(course.notebook_events, before)


def test_no_ids_or_names_are_returned(course):
    outs = [
        A.notebook_event_counts(course),
        A.notebook_summary(course, notebooks=NOTEBOOKS),
        A.cell_summary(course, min_learners=1),
        A.error_names(course),
        A.after_error(course),
        A.execution_order(course, min_learners=1),
        A.notebook_sessions(course),
        A.follow_along(course, notebooks=NOTEBOOKS),
    ]
    text = " ".join(o.astype(str).to_string() for o in outs)
    for secret in ("ua", "ub", "uc", "s1", "s2", "c1", "c2"):
        assert f" {secret} " not in f" {text} "


# --------------------------------------------------------------------------- empty


CASES = [
    (A.notebook_overview, {"notebooks": NOTEBOOKS}),
    (A.notebook_log_report, {}),
    (A.notebook_event_counts, {}),
    (A.notebook_summary, {"notebooks": NOTEBOOKS}),
    (A.cell_summary, {}),
    (A.error_names, {}),
    (A.error_names, {"by_notebook": True}),
    (A.retries_until_success, {}),
    (A.after_error, {}),
    (A.execution_order, {}),
    (A.notebook_sessions, {}),
    (A.first_executions, {"notebooks": NOTEBOOKS}),
    (A.executions_by_day, {}),
    (A.follow_along, {"notebooks": NOTEBOOKS}),
    (A.follow_along_times, {"notebooks": NOTEBOOKS}),
    (A.follow_along_times, {"notebooks": NOTEBOOKS, "by_notebook": False}),
]


@pytest.mark.parametrize(("fn", "kw"), CASES)
def test_empty_course_gives_empty_tables_with_the_same_columns(course, empty, fn, kw):
    full = fn(course, **kw)
    none = fn(empty, **kw)
    assert none.empty
    assert list(none.columns) == list(full.columns)


def test_no_errors_at_all():
    ev = EVENTS[EVENTS["success"].ne(False)]
    c = Course.from_frames(enrolments=ENROLMENTS, notebook_events=ev)
    assert A.retries_until_success(c).empty
    assert A.after_error(c).empty
    assert A.error_names(c).empty


# --------------------------------------------------------------------------- event log


def test_event_log_includes_linked_notebook_events(course):
    log = A.event_log(course, notebook_steps=NOTEBOOKS)
    assert list(log["event"].cat.categories) == [
        "enrolled",
        "survey_answered",
        "visited",
        "completed",
        "commented",
        "answered",
        "notebook_opened",
        "cell_run",
        "cell_failed",
        "fully_participated",
        "purchased",
        "left",
        "unenrolled",
    ]
    nb = log[log["event"].isin(A.NOTEBOOK_EVENTS)]
    assert len(nb) == 14  # the educator's events are not a learner's
    a = log[(log["learner_id"] == "a") & log["event"].isin(A.NOTEBOOK_EVENTS)]
    assert a["detail"].astype(str).tolist() == [
        "w1.ipynb",
        "w1.ipynb, cell 1",
        "w1.ipynb, cell 3: NameError",
        "w1.ipynb, cell 3: NameError",
        "w1.ipynb, cell 3",
        "w1.ipynb, cell 4",
    ]
    assert (a["step"].astype(str) == "1.1").all()
    counts = A.event_counts(log).set_index("event")
    assert counts.loc["cell_failed", "events"] == 4 and counts.loc["cell_failed", "learners"] == 3
    # opt out, and the log is the classic one
    plain = A.event_log(course, notebooks=False)
    assert list(plain["event"].cat.categories) == list(A.EVENTS)
    assert len(plain) == len(log) - 14


def test_event_log_without_notebooks_is_unchanged(empty):
    log = A.event_log(empty)
    assert list(log["event"].cat.categories) == list(A.EVENTS)
    assert A.event_counts(log)["event"].tolist() == list(A.EVENTS)


def test_learner_timeline_having(course):
    tl = A.learner_timeline(course, having="cell_failed", notebook_steps=NOTEBOOKS)
    assert "cell_failed" in set(tl["event"].astype(str))
    assert tl["pseudonym"].nunique() == 1 and not tl["pseudonym"].iloc[0].endswith(("a", "b", "c"))
    with pytest.raises(ValueError, match="unknown event type"):
        A.learner_timeline(course, having="exploded")


# --------------------------------------------------------------------------- charts


def test_plots_draw_what_they_are_given(course):
    cells = A.cell_summary(course, notebooks=NOTEBOOKS, min_learners=1)
    fig, ax = plt.subplots()
    assert P.plot_cell_executions(cells, ax=ax) is ax
    assert len([p for p in ax.patches if p.get_gid() == "failed"]) == 3
    assert len([p for p in ax.patches if p.get_gid() == "ok"]) == 3
    ax = plt.subplots()[1]
    P.plot_cell_error_rates(cells, min_learners=1, ax=ax)
    bars = [p for p in ax.patches if p.get_gid() == "rate"]
    assert [round(b.get_width()) for b in bars] == [75, 50, 0]
    assert ax.get_yticklabels()[0].get_text() == "w1 · cell 3"
    ax = plt.subplots()[1]
    P.plot_error_names(A.error_names(course), ax=ax)
    assert len(ax.patches) == 3
    ax = plt.subplots()[1]
    P.plot_retries(A.retries_until_success(course, max_retries=3), ax=ax)
    assert len(ax.patches) == 4 and ax.patches[-1].get_facecolor()[:3] == pytest.approx(
        (0.835, 0.369, 0.0), abs=0.01
    )
    ax = plt.subplots()[1]
    P.plot_after_error(A.after_error(course), ax=ax)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["w1", "All notebooks"]
    assert len(ax.patches) == 2 * 4
    ax = plt.subplots()[1]
    P.plot_execution_order(A.execution_order(course, min_learners=1), ax=ax)
    assert len([p for p in ax.patches if p.get_gid() == "went back"]) == 2
    ax = plt.subplots()[1]
    P.plot_first_executions(A.first_executions(course, notebooks=NOTEBOOKS), ax=ax)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["w1", "w1x"]
    assert [t.get_text() for t in ax.texts] == ["0% ran nothing", "100% ran nothing"]
    ax = plt.subplots()[1]
    P.plot_executions_by_day(A.executions_by_day(course), week_starts=["2024-02-05"], ax=ax)
    assert len([ln for ln in ax.lines if ln.get_gid() == "notebook"]) == 1
    ax = plt.subplots()[1]
    times = A.follow_along_times(
        course,
        notebooks=NOTEBOOKS,
        bin_minutes=30,
        before_minutes=60,
        after_minutes=60,
        by_notebook=False,
    )
    P.plot_follow_along(times, ax=ax)
    line = [ln for ln in ax.lines if ln.get_gid() == "executions"][0]
    assert line.get_ydata().tolist() == [3, 0, 5, 0, 0]
    assert line.get_label() == "all linked notebooks"
    ax = plt.subplots()[1]
    P.plot_follow_along_share(A.follow_along(course, notebooks=NOTEBOOKS), ax=ax)
    assert len([p for p in ax.patches if p.get_gid() == "while on the step"]) == 2


PLOTS = [
    (P.plot_cell_executions, A.cell_summary, {}),
    (P.plot_cell_error_rates, A.cell_summary, {}),
    (P.plot_error_names, A.error_names, {}),
    (P.plot_retries, A.retries_until_success, {}),
    (P.plot_after_error, A.after_error, {}),
    (P.plot_execution_order, A.execution_order, {}),
    (P.plot_first_executions, A.first_executions, {}),
    (P.plot_executions_by_day, A.executions_by_day, {}),
    (P.plot_follow_along, A.follow_along_times, {"notebooks": NOTEBOOKS}),
    (P.plot_follow_along_share, A.follow_along, {"notebooks": NOTEBOOKS}),
]


@pytest.mark.parametrize(("plot", "fn", "kw"), PLOTS)
def test_plots_on_empty_data_say_no_data(empty, plot, fn, kw):
    ax = plt.subplots()[1]
    assert plot(fn(empty, **kw), ax=ax) is ax
    assert any(t.get_text().startswith("No ") for t in ax.texts)


# --------------------------------------------------------------------------- synthetic


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nbsynth")
    make_course(folder, learners=500, weeks=2, seed=9)
    info = make_notebook_logs(folder, seed=2)
    doc = yaml.safe_load((folder / "course.yml").read_text(encoding="utf-8"))
    doc.update(info["settings"])
    (folder / "course.yml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return load_course(folder / "course.yml", cache=tmp_path_factory.mktemp("cache"))


def test_synthetic_invariants(synthetic):
    c = synthetic
    nbs = c.config.notebooks
    ne = c.notebook_events
    summary = A.notebook_summary(c, notebooks=nbs)
    cells = A.cell_summary(c, notebooks=nbs)
    ex = ne[ne["event"] == "CellExecuteEvent"]
    # executions add up, however they are cut
    total = summary["executions"].sum()
    assert cells["executions"].sum() == total
    assert A.executions_by_day(c)["executions"].sum() == total
    assert A.notebook_sessions(c)["executions"].sum() <= total
    assert A.error_names(c)["failed"].sum() == summary["failed"].sum()
    order = A.execution_order(c, notebooks=nbs)
    assert np.allclose(order.groupby("notebook")["pct"].sum(), 100)
    after = A.after_error(c, notebooks=nbs)
    assert (
        after.loc[after["notebook"] == "All notebooks", "failed"].sum() <= summary["failed"].sum()
    )
    # the staff's executions are only counted on request
    staff = A.notebook_summary(c, notebooks=nbs, roles=None)["executions"].sum()
    assert staff > total and staff <= len(ex)
    # notebooks come in course order, the rows of each in cell order
    assert summary["step"].is_monotonic_increasing
    assert list(dict.fromkeys(cells["notebook"])) == summary["notebook"].tolist()
    # the event log gains the notebook events of learners
    log = A.event_log(c)
    counts = A.event_counts(log).set_index("event")["events"]
    unlinked = int(ex["learner_id"].isna().sum())  # events whose user the logs cannot name
    assert counts["cell_run"] + counts["cell_failed"] == total - unlinked


def test_synthetic_is_fast_enough(synthetic):
    import time

    t = time.perf_counter()
    for fn in (
        A.cell_summary,
        A.after_error,
        A.execution_order,
        A.notebook_sessions,
        A.retries_until_success,
    ):
        fn(synthetic)
    assert time.perf_counter() - t < 5


def test_settings_file_round_trip(synthetic, tmp_path):
    src = synthetic.config.source
    shutil.copy(src, tmp_path / "course.yml")
    doc = yaml.safe_load((tmp_path / "course.yml").read_text())
    assert set(doc["notebooks"].values()) <= set(synthetic.steps["step"].astype(str))
