"""Scheduling support: day-of-week × hour counts, time zones, summaries, plots."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib import pyplot as plt
from matplotlib.collections import PathCollection, QuadMesh
from pandas.testing import assert_frame_equal

from flbook import load_course
from flbook.analysis import (
    WEEKDAYS,
    activity_by_hour,
    hourly_summary,
    learner_ids,
    peak_hours,
    weekday_summary,
)
from flbook.plotting import (
    plot_activity_bubbles,
    plot_activity_heatmap,
    plot_hourly,
    plot_weekday,
)
from flbook.store import Course
from flbook.synth import make_course

# 2024-02-05 is a Monday; 2024-07-01 is a Monday in British summer time (UTC+1).
ENROLMENTS = pd.DataFrame(
    {
        "learner_id": ["a", "b", "t"],
        "enrolled_at": ["2024-01-01 09:00:00"] * 3,
        "role": ["learner", "learner", "educator"],
    }
)
STEP_ACTIVITY = pd.DataFrame(
    {
        "learner_id": ["a", "a", "b", "t"],
        "step": ["1.1", "1.2", "1.1", "1.1"],
        "first_visited_at": [
            "2024-02-05 10:30:00",  # Mon 10
            "2024-02-05 23:30:00",  # Mon 23 UTC = Tue 08 in Tokyo (UTC+9)
            "2024-07-01 10:30:00",  # Mon 10 UTC = Mon 11 in London (BST)
            "2024-02-05 10:00:00",  # educator: not counted
        ],
        "last_completed_at": ["2024-02-05 10:45:00", None, None, None],
    }
)
COMMENTS = pd.DataFrame(
    {
        "id": [1, 2],
        "author_id": ["b", "b"],
        "step": ["1.1", "1.1"],
        "text": ["x", "y"],
        "timestamp": ["2024-02-11 23:59:59", "2024-02-11 00:00:00"],  # Sunday 23 and 00
    }
)


@pytest.fixture(scope="module")
def course() -> Course:
    return Course.from_frames(enrolments=ENROLMENTS, step_activity=STEP_ACTIVITY, comments=COMMENTS)


def _nonzero(act: pd.DataFrame) -> list[tuple]:
    nz = act[act["count"] > 0]
    return list(
        zip(
            nz["event"].astype(str),
            nz["day_of_week"].astype(str),
            nz["hour"],
            nz["count"],
            strict=True,
        )
    )


def test_activity_by_hour_utc(course):
    act = activity_by_hour(course)
    events = ["visited", "completed", "commented", "answered"]
    assert len(act) == 4 * 7 * 24
    assert list(act.columns) == ["event", "day_of_week", "hour", "count"]
    assert list(act["event"].cat.categories) == events
    assert list(act["day_of_week"].cat.categories) == list(WEEKDAYS)
    assert act["day_of_week"].cat.ordered
    assert _nonzero(act) == [
        ("visited", "Mon", 10, 2),
        ("visited", "Mon", 23, 1),
        ("completed", "Mon", 10, 1),
        ("commented", "Sun", 0, 1),
        ("commented", "Sun", 23, 1),
    ]
    assert act.attrs["timezone"] == "UTC"
    # the first rows, written out
    head = act.head(3).reset_index(drop=True)
    want = pd.DataFrame(
        {
            "event": pd.Categorical(["visited"] * 3, categories=events),
            "day_of_week": pd.Categorical(["Mon"] * 3, categories=list(WEEKDAYS), ordered=True),
            "hour": np.array([0, 1, 2], dtype=np.int64),
            "count": np.array([0, 0, 0], dtype=np.int64),
        }
    )
    assert_frame_equal(head, want)


def test_time_zone_shifts_the_hour(course):
    tokyo = activity_by_hour(course, events=["visited"], timezone="Asia/Tokyo")
    # +9 h: Mon 10:30 → Mon 19; Mon 23:30 → Tue 08; Mon 10:30 (July) → Mon 19
    assert _nonzero(tokyo) == [("visited", "Mon", 19, 2), ("visited", "Tue", 8, 1)]
    london = activity_by_hour(course, events=["visited"], timezone="Europe/London")
    # GMT in February (no shift), BST in July (+1 h)
    assert _nonzero(london) == [
        ("visited", "Mon", 10, 1),
        ("visited", "Mon", 11, 1),
        ("visited", "Mon", 23, 1),
    ]
    assert london.attrs["timezone"] == "Europe/London"
    assert tokyo["count"].sum() == london["count"].sum() == 3


def test_roles(course):
    everyone = activity_by_hour(course, events=["visited"], roles=None)
    assert everyone["count"].sum() == 4
    assert _nonzero(everyone)[0] == ("visited", "Mon", 10, 3)
    with pytest.raises(ValueError, match="unknown event"):
        activity_by_hour(course, events=["slept"])


def test_summaries(course):
    act = activity_by_hour(course)
    hourly = hourly_summary(act)
    assert list(hourly.columns) == ["event", "hour", "count", "pct"]
    assert len(hourly) == 4 * 24
    v = hourly[hourly["event"] == "visited"].set_index("hour")
    assert v.loc[10, "count"] == 2 and v.loc[10, "pct"] == pytest.approx(200 / 3)
    assert v.loc[23, "pct"] == pytest.approx(100 / 3)
    answered = hourly[hourly["event"] == "answered"]
    assert (answered["pct"] == 0).all()  # no answers: zero, not NaN
    daily = weekday_summary(act)
    assert list(daily.columns) == ["event", "day_of_week", "count", "pct"]
    c = daily[daily["event"] == "commented"].set_index("day_of_week")["count"]
    assert c.to_dict() == {"Mon": 0, "Tue": 0, "Wed": 0, "Thu": 0, "Fri": 0, "Sat": 0, "Sun": 2}
    # a course may be passed directly
    assert_frame_equal(hourly_summary(course), hourly)
    assert weekday_summary(course, events=["visited"], timezone="Asia/Tokyo")["count"].tolist() == [
        2,
        1,
        0,
        0,
        0,
        0,
        0,
    ]
    peaks = peak_hours(act, event="visited", top=2)
    assert peaks.to_dict("list") == {
        "day_of_week": ["Mon", "Mon"],
        "hour": [10, 23],
        "count": [2, 1],
        "pct": [pytest.approx(200 / 3), pytest.approx(100 / 3)],
    }


def test_empty_course():
    empty = Course.from_frames()
    act = activity_by_hour(empty)
    assert act.empty and list(act.columns) == ["event", "day_of_week", "hour", "count"]
    assert hourly_summary(act).empty
    assert list(hourly_summary(act).columns) == ["event", "hour", "count", "pct"]
    assert weekday_summary(act).empty
    assert peak_hours(act).empty
    assert list(peak_hours(act).columns) == ["day_of_week", "hour", "count", "pct"]


# --------------------------------------------------------------------------- plots


def test_heatmap_has_7x24_cells(course):
    act = activity_by_hour(course)
    fig, ax = plt.subplots()
    assert plot_activity_heatmap(act, event="visited", ax=ax) is ax
    meshes = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert len(meshes) == 1
    cells = np.asarray(meshes[0].get_array()).reshape(7, 24)
    assert cells.shape == (7, 24)
    assert cells[0, 10] == 2 and cells[0, 23] == 1 and cells.sum() == 3
    assert [t.get_text() for t in ax.get_yticklabels()] == list(WEEKDAYS)
    assert ax.get_xlabel() == "Hour of day (UTC)"
    assert len(fig.axes) == 2  # the colour bar


def test_bubbles_area_proportional_to_count(course):
    act = activity_by_hour(course)
    fig, ax = plt.subplots()
    assert plot_activity_bubbles(act, event="visited", max_size=100, ax=ax) is ax
    dots = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(dots) == 1
    sizes = dots[0].get_sizes()
    assert len(sizes) == 168
    assert sorted(sizes[sizes > 0]) == [50.0, 100.0]


def test_hourly_and_weekday_plots(course):
    act = activity_by_hour(course)
    fig, ax = plt.subplots()
    assert plot_hourly(hourly_summary(act), ax=ax) is ax
    assert len(ax.lines) == 3  # no quiz answers on this course: no flat line at 0
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "visited",
        "completed",
        "commented",
    ]
    # the full table is summed over days
    ax2 = plot_hourly(act, y="count", ax=plt.figure().gca())
    assert list(ax2.lines[0].get_ydata()[[10, 23]]) == [2, 1]
    ax3 = plot_weekday(weekday_summary(act), ax=plt.figure().gca())
    assert len(ax3.patches) == 3 * 7


def test_plots_on_empty_data_say_no_data(course):
    empty = activity_by_hour(Course.from_frames())
    for plot in (plot_activity_heatmap, plot_activity_bubbles, plot_hourly, plot_weekday):
        fig, ax = plt.subplots()
        assert plot(empty, ax=ax) is ax
        assert len(ax.texts) == 1 and "No" in ax.texts[0].get_text()
    # an event type with no activity
    ax = plot_activity_heatmap(activity_by_hour(course), event="answered", ax=plt.figure().gca())
    assert ax.texts[0].get_text() == "No answered activity"


# --------------------------------------------------------------------------- synthetic course


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Course:
    root = tmp_path_factory.mktemp("schedule-synth")
    make_course(root / "c", learners=300, weeks=2, seed=1)
    return load_course(root / "c" / "course.yml", cache=root / "cache")


def test_synthetic_totals(synthetic):
    ids = set(learner_ids(synthetic))
    act = activity_by_hour(synthetic)
    per_event = act.groupby("event", observed=True)["count"].sum()
    sa = synthetic.step_activity
    mine = sa["learner_id"].astype("object").isin(ids)
    assert per_event["visited"] == (mine & sa["first_visited_at"].notna()).sum()
    assert per_event["completed"] == (mine & sa["last_completed_at"].notna()).sum()
    cm = synthetic.comments
    assert per_event["commented"] == cm["author_id"].astype("object").isin(ids).sum()
    # time zones move activity between hours, never lose it
    ny = activity_by_hour(synthetic, timezone="America/New_York")
    assert ny["count"].sum() == act["count"].sum()
    assert not np.array_equal(ny["count"].to_numpy(), act["count"].to_numpy())
    # a whole-hour zone without summer time: a pure rotation of the 168 weekly hours
    plus3 = activity_by_hour(synthetic, events=["visited"], timezone="Etc/GMT-3")  # UTC+3
    utc = act[act["event"] == "visited"]["count"].to_numpy()
    assert np.array_equal(np.roll(utc, 3), plus3["count"].to_numpy())


def test_hourly_and_weekday_legends_sit_above_the_plot(course):
    act = activity_by_hour(course)
    for plot, data in ((plot_hourly, hourly_summary(act)), (plot_weekday, weekday_summary(act))):
        fig, ax = plt.subplots(figsize=(8, 3.5))
        plot(data, ax=ax)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        legend = ax.get_legend().get_window_extent(renderer)
        assert legend.y0 >= ax.get_window_extent(renderer).y1
        plt.close(fig)


def test_event_types_without_activity_are_left_out_but_keep_their_colours(course):
    act = activity_by_hour(course)
    quiet = act.assign(count=act["count"].where(act["event"].astype(str) != "completed", 0))
    fig, ax = plt.subplots()
    plot_hourly(quiet, ax=ax)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["visited", "commented"]  # "answered": none on this course either
    every = plot_hourly(act, ax=plt.figure().gca())
    same = {line.get_label(): line.get_color() for line in every.lines}
    assert {line.get_label(): line.get_color() for line in ax.lines} == {
        k: v for k, v in same.items() if k != "completed"
    }
    ax2 = plot_weekday(quiet, ax=plt.figure().gca())
    assert len(ax2.patches) == 2 * 7  # no empty slots for "completed" and "answered"
