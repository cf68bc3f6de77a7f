"""Study sessions: hand-counted sessions, the gap boundary, summaries, plots, reference loops."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib import pyplot as plt
from pandas.testing import assert_frame_equal

from flbook import load_course
from flbook.analysis import (
    compare_groups,
    learner_last_steps,
    learner_sessions,
    learner_trajectory,
    pseudonyms,
    rebase_times,
    session_distribution,
    session_summary,
    sessionise,
)
from flbook.plotting import (
    plot_group_comparison,
    plot_group_comparison_grid,
    plot_session_distribution,
    plot_trajectory,
)
from flbook.store import Course
from flbook.synth import make_course

ROOT = Path(__file__).resolve().parent.parent


def _reference_loops():
    spec = importlib.util.spec_from_file_location(
        "reference_loops", ROOT / "benchmarks" / "reference_loops.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ts(*values) -> pd.Series:
    return pd.Series(pd.to_datetime(list(values), utc=True).as_unit("ns"))


# Four learners and an educator; 2024-02-05 is a Monday. Session gap 65 minutes.
#
# a: 10:00 v1.1, 10:10 c1.1, 10:20 v1.2, 11:25 v2.1 (gap exactly 65: same session),
#    next day 11:25 c2.1 (new session)        → 2 sessions, study 10+10+65 = 85 min
# b: 09:00 v1.1, 10:05:01 v1.10 (65 min 1 s: new session), 10:35:01 c1.10
#                                             → 2 sessions, study 30 min
# c: 08:00 v1.2, 08:00 c1.2, 08:40 v2.1, 09:45 c2.1, 10:50 v1.10 (two gaps of exactly 65)
#                                             → 1 session, study 0+40+65+65 = 170 min
# d: one visit a day at 20:00 on three days   → 3 sessions, study 0
# t: an educator: not counted from a course
STEP_ACTIVITY = pd.DataFrame(
    {
        "learner_id": ["a", "a", "a", "b", "b", "c", "c", "c", "d", "d", "d", "t"],
        "step": [
            "1.1",
            "1.2",
            "2.1",
            "1.1",
            "1.10",
            "1.2",
            "2.1",
            "1.10",
            "1.1",
            "1.2",
            "2.1",
            "1.1",
        ],
        "first_visited_at": [
            "2024-02-05 10:00:00",
            "2024-02-05 10:20:00",
            "2024-02-05 11:25:00",
            "2024-02-06 09:00:00",
            "2024-02-06 10:05:01",
            "2024-02-07 08:00:00",
            "2024-02-07 08:40:00",
            "2024-02-07 10:50:00",
            "2024-02-05 20:00:00",
            "2024-02-06 20:00:00",
            "2024-02-07 20:00:00",
            "2024-02-05 10:00:00",
        ],
        "last_completed_at": [
            "2024-02-05 10:10:00",
            None,
            "2024-02-06 11:25:00",
            None,
            "2024-02-06 10:35:01",
            "2024-02-07 08:00:00",
            "2024-02-07 09:45:00",
            None,
            None,
            None,
            None,
            None,
        ],
    }
)
ENROLMENTS = pd.DataFrame(
    {
        "learner_id": ["a", "b", "c", "d", "t"],
        "enrolled_at": ["2024-02-01 09:00:00"] * 5,
        "role": ["learner"] * 4 + ["educator"],
        "unenrolled_at": [None, "2024-02-08 09:00:00", None, None, None],
        "fully_participated_at": [None, None, "2024-02-09 09:00:00", None, None],
    }
)


@pytest.fixture(scope="module")
def course() -> Course:
    return Course.from_frames(enrolments=ENROLMENTS, step_activity=STEP_ACTIVITY)


def _steps(course, values):
    return pd.Categorical(values, dtype=course.step_dtype)


def _ids(course, values):
    return pd.Categorical(values, categories=course.people)


def test_sessionise_counts_sessions_by_hand(course):
    got = sessionise(course)
    events = pd.CategoricalDtype(["visited", "completed"])
    want = pd.DataFrame(
        {
            "learner_id": _ids(course, ["a"] * 5 + ["b"] * 3 + ["c"] * 5 + ["d"] * 3),
            "step": _steps(
                course,
                ["1.1", "1.1", "1.2", "2.1", "2.1"]
                + ["1.1", "1.10", "1.10"]
                + ["1.2", "1.2", "2.1", "2.1", "1.10"]
                + ["1.1", "1.2", "2.1"],
            ),
            "event": pd.Categorical(
                ["visited", "completed", "visited", "visited", "completed"]
                + ["visited", "visited", "completed"]
                + ["visited", "completed", "visited", "completed", "visited"]
                + ["visited"] * 3,
                dtype=events,
            ),
            "time": ts(
                "2024-02-05 10:00:00",
                "2024-02-05 10:10:00",
                "2024-02-05 10:20:00",
                "2024-02-05 11:25:00",
                "2024-02-06 11:25:00",
                "2024-02-06 09:00:00",
                "2024-02-06 10:05:01",
                "2024-02-06 10:35:01",
                "2024-02-07 08:00:00",
                "2024-02-07 08:00:00",
                "2024-02-07 08:40:00",
                "2024-02-07 09:45:00",
                "2024-02-07 10:50:00",
                "2024-02-05 20:00:00",
                "2024-02-06 20:00:00",
                "2024-02-07 20:00:00",
            ),
            "session": np.array([1, 1, 1, 1, 2, 1, 2, 2, 1, 1, 1, 1, 1, 1, 2, 3], dtype=np.int64),
            "session_gap_minutes": [
                np.nan, 10, 10, 65, 1440,
                np.nan, 65 + 1 / 60, 30,
                np.nan, 0, 40, 65, 65,
                np.nan, 1440, 1440,
            ],
        }
    )  # fmt: skip
    assert_frame_equal(got, want)


def test_gap_equal_to_threshold_does_not_start_a_session(course):
    at_65 = learner_sessions(course, session_gap_minutes=65).set_index("learner_id")["sessions"]
    just_below = learner_sessions(course, session_gap_minutes=64.99).set_index("learner_id")[
        "sessions"
    ]
    # a has one 65-minute gap, c two: a gap LONGER than the session gap starts a session
    assert at_65.to_dict() == {"a": 2, "b": 2, "c": 1, "d": 3}
    assert just_below.to_dict() == {"a": 3, "b": 2, "c": 3, "d": 3}
    # b's gap of 65 min 1 s is longer than 65 min, shorter than 66
    assert (
        learner_sessions(course, session_gap_minutes=66).set_index("learner_id")["sessions"]["b"]
        == 1
    )


def test_learner_sessions_by_hand(course):
    got = learner_sessions(course)
    hours = [25 + 25 / 60, 1 + 35 / 60 + 1 / 3600, 2 + 50 / 60, 48.0]
    want = pd.DataFrame(
        {
            "learner_id": _ids(course, ["a", "b", "c", "d"]),
            "sessions": np.array([2, 2, 1, 3], dtype=np.int64),
            "events": np.array([5, 3, 5, 3], dtype=np.int64),
            "steps": np.array([3, 2, 3, 3], dtype=np.int64),
            # a: {1.1, 1.2, 2.1} then {2.1}; b: {1.1} then {1.10}; c: one session of 3
            "steps_per_session": [2.0, 1.0, 3.0, 1.0],
            "study_minutes": [85.0, 30.0, 170.0, 0.0],
            "minutes_per_session": [42.5, 15.0, 170.0, 0.0],
            "first_event": ts(
                "2024-02-05 10:00:00",
                "2024-02-06 09:00:00",
                "2024-02-07 08:00:00",
                "2024-02-05 20:00:00",
            ),
            "last_event": ts(
                "2024-02-06 11:25:00",
                "2024-02-06 10:35:01",
                "2024-02-07 10:50:00",
                "2024-02-07 20:00:00",
            ),
            "time_in_course_hours": hours,
            "time_in_course_days": [h / 24 for h in hours],
        }
    )
    assert_frame_equal(got, want)


def test_step_activity_table_uses_every_row(course):
    # from a table (no enrolments): the educator's single visit is a learner like others
    got = learner_sessions(course.step_activity)
    assert got["learner_id"].astype(str).tolist() == ["a", "b", "c", "d", "t"]
    # plain strings work too
    plain = learner_sessions(STEP_ACTIVITY)
    assert plain["sessions"].tolist() == [2, 2, 1, 3, 1]
    assert plain["study_minutes"].tolist() == [85.0, 30.0, 170.0, 0.0, 0.0]


def test_group_filter(course):
    got = learner_sessions(course, group="unenrolled")
    assert got["learner_id"].astype(str).tolist() == ["b"]
    got = learner_sessions(course, group="~unenrolled & ~fully_participated")
    assert got["learner_id"].astype(str).tolist() == ["a", "d"]


def test_last_steps_by_hand(course):
    got = learner_last_steps(course)
    want = pd.DataFrame(
        {
            "learner_id": _ids(course, ["a", "b", "c", "d"]),
            "last_step": _steps(course, ["2.1", "1.10", "1.10", "2.1"]),
            "last_visited_at": ts(
                "2024-02-05 11:25:00",
                "2024-02-06 10:05:01",
                "2024-02-07 10:50:00",
                "2024-02-07 20:00:00",
            ),
        }
    )
    assert_frame_equal(got, want)


def test_session_summary_and_compare_groups(course):
    got = compare_groups(course, groups=("unenrolled", "~unenrolled"), measures="sessions")
    # unenrolled: b (2 sessions); the others: a 2, c 1, d 3 → quartiles of [1, 2, 3]
    want = pd.DataFrame(
        {
            "group": ["unenrolled", "~unenrolled"],
            "measure": ["sessions", "sessions"],
            "learners": np.array([1, 3], dtype=np.int64),
            "mean": [2.0, 2.0],
            "p10": [2.0, 1.2],
            "q1": [2.0, 1.5],
            "median": [2.0, 2.0],
            "q3": [2.0, 2.5],
            "p90": [2.0, 2.8],
        }
    )
    assert_frame_equal(got, want)
    default = compare_groups(course)
    assert set(default["measure"]) == {
        "sessions",
        "steps_per_session",
        "study_minutes",
        "time_in_course_days",
    }
    assert default["group"].unique().tolist() == ["fully_participated", "unenrolled"]
    overall = session_summary(learner_sessions(course), measures=["study_minutes"])
    assert overall[["group", "learners", "median"]].iloc[0].tolist() == ["all learners", 4, 57.5]


def test_session_distribution_bins_by_hand(course):
    ls = learner_sessions(course)
    got = session_distribution(ls, measure="sessions")
    want = pd.DataFrame(
        {
            "group": ["all learners"] * 3,
            "measure": ["sessions"] * 3,
            "bin_left": [0.5, 1.5, 2.5],
            "bin_right": [1.5, 2.5, 3.5],
            "learners": np.array([1, 2, 1], dtype=np.int64),
            "pct": [25.0, 50.0, 25.0],
        }
    )
    assert_frame_equal(got, want)
    by = session_distribution(ls, measure="sessions", by_group={"x": ["a", "b"], "y": ["c"]})
    assert by.groupby("group")["learners"].sum().to_dict() == {"x": 2, "y": 1}
    # no learner ids in the chart table
    assert "learner_id" not in by.columns


def test_heavy_tailed_measure_gets_log_bins():
    values = np.r_[np.zeros(50), np.geomspace(1, 5000, 500)]
    ls = pd.DataFrame({"learner_id": np.arange(len(values)).astype(str), "study_minutes": values})
    got = session_distribution(ls, measure="study_minutes")
    assert got["learners"].sum() == len(values)
    assert got["bin_left"].iloc[0] == 0 and got["learners"].iloc[0] == 50
    ratio = (got["bin_right"] / got["bin_left"]).iloc[1:]
    assert np.allclose(ratio, ratio.iloc[0])
    ax = plot_session_distribution(got, ax=plt.figure().gca())
    assert ax.get_xscale() == "log"
    assert len(ax.patches) == len(got) - 1  # the zero bin is reported, not drawn
    assert any("50" in t.get_text() for t in ax.texts)


def test_rebase_times(course):
    s = sessionise(course)
    a = s["learner_id"].astype(str) == "a"
    by_learner = rebase_times(s, to="learner")
    by_session = rebase_times(s, to="session")
    assert by_learner.loc[a, "minutes"].tolist() == [0.0, 10.0, 20.0, 85.0, 1525.0]
    assert by_session.loc[a, "minutes"].tolist() == [0.0, 10.0, 20.0, 85.0, 0.0]
    assert list(by_learner.columns) == list(s.columns) + ["minutes"]
    assert "minutes" not in s.columns  # input untouched
    d = s["learner_id"].astype(str) == "d"
    assert by_learner.loc[d, "minutes"].tolist() == [0.0, 1440.0, 2880.0]
    assert by_session.loc[d, "minutes"].tolist() == [0.0, 0.0, 0.0]
    # also works on a trajectory (pseudonym instead of id)
    tr = rebase_times(learner_trajectory(course, learner="a"), to="session")
    assert tr["minutes"].tolist() == [0.0, 10.0, 20.0, 85.0, 0.0]
    with pytest.raises(ValueError):
        rebase_times(s, to="week")


def test_learner_trajectory(course):
    tr = learner_trajectory(course, learner="a")
    assert list(tr.columns) == ["pseudonym", "time", "step", "session", "event"]
    assert tr["session"].tolist() == [1, 1, 1, 1, 2]
    assert tr["step"].astype(str).tolist() == ["1.1", "1.1", "1.2", "2.1", "2.1"]
    assert tr["step"].dtype == course.step_dtype
    assert set(tr["pseudonym"]) == {pseudonyms(["a"]).iloc[0]}
    # chosen among learners with ≥ 3 sessions: only d; reproducible
    picked = learner_trajectory(course)
    assert set(picked["pseudonym"]) == {pseudonyms(["d"]).iloc[0]}
    assert picked.equals(learner_trajectory(course, seed=0))
    # never a raw id
    assert not picked.isin(["a", "b", "c", "d", "t"]).any().any()


def test_inputs_not_mutated(course):
    before = course.step_activity.copy()
    s = sessionise(course)
    s_before = s.copy()
    learner_sessions(course)
    rebase_times(s, to="session")
    assert_frame_equal(course.step_activity, before)
    assert_frame_equal(s, s_before)


def test_empty_course():
    empty = Course.from_frames()
    s = sessionise(empty)
    assert s.empty and list(s.columns) == [
        "learner_id",
        "step",
        "event",
        "time",
        "session",
        "session_gap_minutes",
    ]
    ls = learner_sessions(empty)
    assert ls.empty and "study_minutes" in ls.columns
    assert learner_trajectory(empty).empty
    assert list(learner_trajectory(empty).columns) == [
        "pseudonym",
        "time",
        "step",
        "session",
        "event",
    ]
    assert learner_last_steps(empty).empty
    assert compare_groups(empty).empty
    assert list(compare_groups(empty).columns) == list(session_summary(ls).columns)
    assert session_distribution(ls).empty
    assert list(session_distribution(ls).columns) == [
        "group",
        "measure",
        "bin_left",
        "bin_right",
        "learners",
        "pct",
    ]
    r = rebase_times(s)
    assert r.empty and "minutes" in r.columns


# --------------------------------------------------------------------------- plots


def test_plot_trajectory_one_line_per_session(course):
    fig, ax = plt.subplots()
    tr = learner_trajectory(course, learner="d")
    out = plot_trajectory(tr, ax=ax)
    assert out is ax
    lines = [line for line in ax.lines if line.get_gid() == "session"]
    assert len(lines) == 3
    assert len({line.get_color() for line in lines}) == 3
    assert [len(line.get_xdata()) for line in lines] == [1, 1, 1]
    assert tr["pseudonym"].iloc[0] in ax.get_title()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Session 1",
        "Session 2",
        "Session 3",
    ]
    # steps on y in course order, first step at the top
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["1.1", "1.2", "1.10", "2.1"]
    assert ax.get_ylim()[0] > ax.get_ylim()[1]


def test_plot_trajectory_two_sessions(course):
    ax = plot_trajectory(learner_trajectory(course, learner="a"), ax=plt.figure().gca())
    lines = [line for line in ax.lines if line.get_gid() == "session"]
    assert [len(line.get_xdata()) for line in lines] == [4, 1]


def test_plot_session_distribution_and_groups(course):
    ls = learner_sessions(course)
    fig, ax = plt.subplots()
    # min_learners=1: the drawing (the small-count rule is tested in test_real_shapes.py)
    assert plot_session_distribution(session_distribution(ls), min_learners=1, ax=ax) is ax
    assert [p.get_height() for p in ax.patches] == [1, 2, 1]
    assert ax.get_ylabel() == "Learners"
    ax2 = plot_session_distribution(
        session_distribution(ls, by_group={"x": ["a", "b"], "y": ["c", "d"]}),
        min_learners=1,
        ax=plt.figure().gca(),
    )
    assert len(ax2.patches) == 2  # one outline per group
    assert [t.get_text() for t in ax2.get_legend().get_texts()] == ["x", "y"]


def test_plot_group_comparison_draws_given_quartiles(course):
    data = compare_groups(course, groups=("unenrolled", "~unenrolled"))
    fig, ax = plt.subplots()
    # min_learners=1: the drawing (the small-count rule is tested in test_small_counts.py)
    assert plot_group_comparison(data, measure="sessions", min_learners=1, ax=ax) is ax
    boxes = [p for p in ax.patches]
    assert len(boxes) == 2
    # the median lines are at the computed medians; the second box spans q1..q3
    medians = sorted(
        {round(line.get_ydata()[0], 6) for line in ax.lines if len(set(line.get_ydata())) == 1}
    )
    assert 2.0 in medians
    verts = boxes[1].get_path().vertices[:, 1]
    assert verts.min() == pytest.approx(1.5) and verts.max() == pytest.approx(2.5)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["unenrolled\n(n = 1)", "not unenrolled\n(n = 3)"]
    fig2 = plot_group_comparison_grid(data, min_learners=1)
    assert len(fig2.axes) == 4


def test_count_measures_get_whole_number_ticks():
    # 1..18 sessions, bins centred on whole numbers: the default locator would tick 2.5, 7.5
    values = np.repeat(np.arange(1, 19), 3)
    ls = pd.DataFrame({"learner_id": np.arange(len(values)).astype(str), "sessions": values})
    fig, ax = plt.subplots(figsize=(8, 3.5))
    plot_session_distribution(session_distribution(ls, measure="sessions"), ax=ax)
    fig.canvas.draw()
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks)
    # a measure in minutes keeps the ordinary ticks
    ls["study_minutes"] = values * 2.5
    fig, ax = plt.subplots(figsize=(8, 3.5))
    plot_session_distribution(session_distribution(ls, measure="study_minutes", bins=10), ax=ax)
    assert type(ax.xaxis.get_major_locator()).__name__ == "AutoLocator"


def test_log_axis_writes_plain_numbers():
    values = np.r_[np.zeros(5), np.geomspace(1, 5000, 200)]
    ls = pd.DataFrame({"learner_id": np.arange(len(values)).astype(str), "study_minutes": values})
    fig, ax = plt.subplots()
    plot_session_distribution(session_distribution(ls, measure="study_minutes"), ax=ax)
    fig.canvas.draw()
    labels = {t.get_text() for t in ax.get_xticklabels()}
    assert {"10", "100", "1,000"} <= labels


def test_trajectory_legend_beside_the_plot_and_counts_the_rest(course):
    fig, ax = plt.subplots()
    plot_trajectory(learner_trajectory(course, learner="d"), top=2, ax=ax)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["Session 1", "Session 2", "… and 1 more"]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    assert legend.x0 >= ax.get_window_extent(renderer).x1
    weeks = [t for t in ax.texts if t.get_text().startswith("Week ")]
    assert all(legend.x0 >= t.get_window_extent(renderer).x1 for t in weeks)


def _overlaps(boxes) -> bool:
    return any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def test_group_comparison_grid_of_four_has_readable_labels(course):
    groups = ("fully_participated", "unenrolled", "~unenrolled & ~fully_participated")
    data = compare_groups(course, groups=groups)
    fig = plot_group_comparison_grid(data)
    measures = list(dict.fromkeys(data["measure"]))
    assert len(measures) == 4
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 4
    rows = {round(ax.get_position().y0, 3) for ax in visible}
    assert len(rows) == 2  # a 2 × 2 grid, not four narrow panels in a row
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in visible:
        labels = ax.get_xticklabels()
        assert labels[1].get_text().startswith("unenrolled")
        text = labels[2].get_text().replace("\n", " ")
        assert text.startswith("not unenrolled & not fully participated")
        assert "~" not in "".join(t.get_text() for t in labels)
        assert not _overlaps([t.get_window_extent(renderer) for t in labels])
    # labels of neighbouring panels do not run into each other either
    every = [t.get_window_extent(renderer) for ax in visible for t in ax.get_xticklabels()]
    assert not _overlaps(every)
    plt.close(fig)
    fig = plot_group_comparison_grid(data, measures=["sessions", "study_minutes", "steps"])
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 3
    assert len({round(ax.get_position().y0, 3) for ax in fig.axes}) == 1  # one row


def test_plots_on_empty_data_say_no_data():
    empty = Course.from_frames()
    for plot, data in [
        (plot_trajectory, learner_trajectory(empty)),
        (plot_session_distribution, session_distribution(learner_sessions(empty))),
        (plot_group_comparison, compare_groups(empty)),
    ]:
        fig, ax = plt.subplots()
        assert plot(data, ax=ax) is ax
        assert [t.get_text() for t in ax.texts] == ["No data"]


# --------------------------------------------------------------------------- reference loops


def test_reference_loops_give_the_same_answers(course):
    loops = _reference_loops()
    sa = course.step_activity
    want = loops.sessions_loop(sa, session_gap_minutes=65)
    got = learner_sessions(sa, session_gap_minutes=65)
    got = got.assign(learner_id=got["learner_id"].astype(str))[list(want.columns)]
    assert_frame_equal(got.sort_values("learner_id").reset_index(drop=True), want)
    assert want.set_index("learner_id")["sessions"].to_dict() == {
        "a": 2,
        "b": 2,
        "c": 1,
        "d": 3,
        "t": 1,
    }
    last = learner_last_steps(sa)
    last = pd.DataFrame(
        {"learner_id": last["learner_id"].astype(str), "last_step": last["last_step"].astype(str)}
    )
    assert_frame_equal(last, loops.last_step_loop(sa))


# --------------------------------------------------------------------------- synthetic course


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Course:
    root = tmp_path_factory.mktemp("sessions-synth")
    make_course(root / "c", learners=300, weeks=2, seed=3)
    return load_course(root / "c" / "course.yml", cache=root / "cache")


def test_synthetic_invariants(synthetic):
    s = sessionise(synthetic)
    sa = synthetic.step_activity
    enr = synthetic.enrolments
    learners = set(enr.loc[enr["role"] == "learner", "learner_id"].astype(str))
    mine = sa["learner_id"].astype(str).isin(learners)
    assert len(s) == sa.loc[mine, "first_visited_at"].notna().sum() + (
        sa.loc[mine, "last_completed_at"].notna().sum()
    )
    # sorted by learner then time; sessions start at 1 and go up by 0 or 1
    codes = s["learner_id"].cat.codes.to_numpy()
    assert np.all(np.diff(codes) >= 0)
    same = np.diff(codes) == 0
    assert np.all(np.diff(s["time"].array.asi8)[same] >= 0)
    first = np.r_[True, ~same]
    assert np.all(s["session"].to_numpy()[first] == 1)
    assert set(np.diff(s["session"].to_numpy())[same]) <= {0, 1}
    new = np.diff(s["session"].to_numpy())[same] == 1
    assert np.all(s["session_gap_minutes"].to_numpy()[1:][same][new] > 65)
    assert np.all(s["session_gap_minutes"].to_numpy()[1:][same][~new] <= 65)
    ls = learner_sessions(synthetic, session_gap_minutes=synthetic.config.session_gap_minutes)
    assert ls["events"].sum() == len(s)
    assert np.all(ls["study_minutes"] <= ls["time_in_course_hours"] * 60 + 1e-9)
    assert np.all(ls["steps_per_session"] <= ls["steps"])
    per = s.groupby("learner_id", observed=True)["session"].max()
    assert per.to_numpy().tolist() == ls["sessions"].tolist()
    # a longer gap never gives more sessions
    assert np.all(
        learner_sessions(synthetic, session_gap_minutes=240)["sessions"] <= ls["sessions"]
    )
    tr = learner_trajectory(synthetic, seed=5)
    assert tr["session"].max() >= 3
    assert tr.equals(learner_trajectory(synthetic, seed=5))


def test_synthetic_reference_loops_agree(synthetic):
    loops = _reference_loops()
    sa = synthetic.step_activity
    want = loops.sessions_loop(sa)
    got = learner_sessions(sa)
    got = got.assign(learner_id=got["learner_id"].astype(str))[list(want.columns)]
    assert_frame_equal(got.sort_values("learner_id").reset_index(drop=True), want)
    last = learner_last_steps(sa)
    last = pd.DataFrame(
        {"learner_id": last["learner_id"].astype(str), "last_step": last["last_step"].astype(str)}
    )
    assert_frame_equal(
        last.sort_values("learner_id").reset_index(drop=True), loops.last_step_loop(sa)
    )


# --------------------------------------------------------------------------- peaks named


def _study_time_course(minutes: list[float]) -> Course:
    """One learner per entry: step events every 10 minutes over ``minutes`` of study."""
    import datetime

    from flbook.config import CourseConfig

    cfg = CourseConfig(title="T", data="/tmp", stub="t-1", start=datetime.date(2024, 2, 5), weeks=3)
    learners = [f"L{i:03d}" for i in range(len(minutes))]
    rows = []
    t0 = pd.Timestamp("2024-02-05 08:00:00")
    for learner, m in zip(learners, minutes, strict=True):
        for j in range(max(1, int(m // 10)) + 1):
            rows.append((learner, f"1.{j + 1}", t0 + pd.Timedelta(minutes=10 * j)))
    enrolments = pd.DataFrame(
        {"learner_id": learners, "role": "learner", "enrolled_at": "2024-02-01 10:00:00"}
    )
    activity = pd.DataFrame(rows, columns=["learner_id", "step", "first_visited_at"])
    return Course.from_frames(cfg, enrolments=enrolments, step_activity=activity)


def _peak_notes(course: Course) -> list:
    from flbook.findings import study_time_peaks
    from flbook.plotting._sessions import PEAK_GID

    sessions = learner_sessions(course, session_gap_minutes=course.config.session_gap_minutes)
    fig, ax = plt.subplots()
    plot_session_distribution(
        session_distribution(sessions, measure="study_minutes"),
        peaks=study_time_peaks(course),
        ax=ax,
    )
    return [t for t in ax.texts if t.get_gid() == PEAK_GID]


def test_two_peaks_of_study_time_are_named_on_the_chart():
    two = _study_time_course(
        [10 + i % 3 * 10 for i in range(30)] + [300 + i % 3 * 30 for i in range(30)]
    )
    notes = _peak_notes(two)
    assert len(notes) == 2
    # each arrow points into its own group of learners: one near 10-30 minutes, one near 5 hours
    low, high = sorted(note.xy[0] for note in notes)
    assert 5 <= low <= 40 and 250 <= high <= 400
    texts = sorted(note.get_text() for note in notes)
    assert all(t.startswith("peak near") and "(50% of learners)" in t for t in texts)


def test_a_single_peak_is_not_annotated():
    one = _study_time_course([60 + (i % 7) * 10 for i in range(60)])
    assert _peak_notes(one) == []


def test_another_gap_is_recut_from_the_usual_events_and_equals_a_fresh_cut():
    """A gap other than the course's reuses the usual events' order and gaps and only
    numbers the sessions again; the result equals sessionising from scratch."""
    from flbook.analysis._sessions import _EVENT_ARRAYS, _cut_sessions, _sessionise_events

    course = load_course(Path(__file__).resolve().parent.parent / "data_stub" / "course.yml")
    usual = _sessionise_events(course, session_gap_minutes=course.config.session_gap_minutes)
    for gap in (5, 30, course.config.session_gap_minutes * 2, 10_000):
        got = _sessionise_events(course, session_gap_minutes=gap)
        want = _cut_sessions(course, gap, ("learner",), None)
        assert got.times is usual.times  # shared, not rebuilt
        for name in _EVENT_ARRAYS:
            np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=name)
        assert not got.session.flags.writeable
    assert (
        usual.session.max() > _sessionise_events(course, session_gap_minutes=10_000).session.max()
    )
