"""Enrolment over time and time to unenrol / fully participate, counted by hand."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest
from matplotlib import pyplot as plt
from pandas.testing import assert_frame_equal

from flbook.analysis import (
    COHORTS,
    busiest_days,
    cohort_summary,
    daily_enrolments,
    duration_summary,
    enrolment_timeline,
    time_to_full_participation,
    time_to_unenrol,
)
from flbook.config import CourseConfig
from flbook.plotting import (
    plot_daily_enrolments,
    plot_duration_histogram,
    plot_enrolment_timeline,
)
from flbook.store import Course

CFG = CourseConfig(
    title="T",
    data="/tmp",
    stub="t-1",
    start=datetime.date(2024, 2, 5),
    weeks=3,
    notable_dates={"Newsletter": datetime.date(2024, 1, 20)},
)
MEASURES = ["enrolled", "unenrolled", "fully_participated", "purchased"]

# Start Monday 5 Feb 2024.
#   L1 enrols on Newsletter day, fully participates 24 Feb 12:00, buys 25 Feb
#   L2 enrols on Newsletter day, before the start; leaves 7 Feb 08:00
#      days 17 (20 Jan 18:00 -> 7 Feb 08:00), study days 2 (5 Feb 00:00 -> 7 Feb 08:00)
#   L3 enrols 3 Feb, stays
#   L4 enrols after the start (6 Feb 09:00), leaves 6 hours later: 0 days, 0 study days
#   L5 enrols 8 Feb 20:00, leaves 12 Feb 08:00: 3 days, 3 study days
#   E1 (educator) enrols 15 Jan and leaves: never counted
ENROLMENTS = pd.DataFrame(
    {
        "learner_id": ["L1", "L2", "L3", "L4", "L5", "E1"],
        "role": ["learner"] * 5 + ["educator"],
        "enrolled_at": [
            "2024-01-20 10:00:00",
            "2024-01-20 18:00:00",
            "2024-02-03 12:00:00",
            "2024-02-06 09:00:00",
            "2024-02-08 20:00:00",
            "2024-01-15 10:00:00",
        ],
        "unenrolled_at": [
            None,
            "2024-02-07 08:00:00",
            None,
            "2024-02-06 15:00:00",
            "2024-02-12 08:00:00",
            "2024-03-30 10:00:00",
        ],
        "fully_participated_at": ["2024-02-24 12:00:00", None, None, None, None, None],
        "purchased_statement_at": ["2024-02-25 09:00:00", None, None, None, None, None],
    }
)


@pytest.fixture
def course() -> Course:
    return Course.from_frames(config=CFG, enrolments=ENROLMENTS)


def day(s: str) -> pd.Timestamp:
    return pd.Timestamp(s, tz="UTC")


def on(timeline: pd.DataFrame, measure: str, date: str, column: str = "cumulative") -> int:
    row = timeline[(timeline["measure"] == measure) & (timeline["date"] == day(date))]
    assert len(row) == 1
    return int(row[column].iloc[0])


# ------------------------------------------------------------------ timeline


def test_cumulative_counts_on_given_days(course):
    t = enrolment_timeline(course)
    days = pd.date_range("2024-01-20", "2024-02-25", freq="D", tz="UTC")
    assert len(t) == 4 * len(days)  # every day from the first event to the last, per measure
    assert t["date"].min() == day("2024-01-20") and t["date"].max() == day("2024-02-25")
    assert on(t, "enrolled", "2024-01-20") == 2
    assert on(t, "enrolled", "2024-01-20", "learners") == 2
    assert on(t, "enrolled", "2024-02-02") == 2
    assert on(t, "enrolled", "2024-02-03") == 3
    assert on(t, "enrolled", "2024-02-06") == 4
    assert on(t, "enrolled", "2024-02-08") == 5
    assert on(t, "enrolled", "2024-02-25") == 5
    assert on(t, "unenrolled", "2024-02-05") == 0
    assert on(t, "unenrolled", "2024-02-06") == 1
    assert on(t, "unenrolled", "2024-02-07") == 2
    assert on(t, "unenrolled", "2024-02-12") == 3
    assert on(t, "fully_participated", "2024-02-23") == 0
    assert on(t, "fully_participated", "2024-02-24") == 1
    assert on(t, "purchased", "2024-02-24") == 0
    assert on(t, "purchased", "2024-02-25") == 1


def test_timeline_columns_and_types(course):
    t = enrolment_timeline(course)
    assert list(t.columns) == ["date", "measure", "learners", "cumulative"]
    assert str(t["date"].dtype) == "datetime64[ns, UTC]"
    assert list(t["measure"].cat.categories) == MEASURES
    assert t["learners"].dtype == "int64" and t["cumulative"].dtype == "int64"


def test_weekly_timeline_by_hand(course):
    t = enrolment_timeline(course, freq="W")  # calendar weeks, Monday to Sunday
    enrolled = t[t["measure"] == "enrolled"]
    assert enrolled["date"].iloc[0] == day("2024-01-15")  # the Monday of 20 Jan's week
    # weeks of 15 Jan: 2 (L1, L2); 29 Jan: 1 (L3, Sat 3 Feb); 5 Feb: 2 (L4, L5)
    assert enrolled["learners"].tolist()[:4] == [2, 0, 1, 2]


def test_cohorts(course):
    def final(cohort):
        t = enrolment_timeline(course, cohort=cohort)
        return t.groupby("measure", observed=True)["cumulative"].last().to_dict() if len(t) else {}

    assert final(("5 days before start", "start"))["enrolled"] == 1  # L3
    before = final((None, "start"))
    assert before == {"enrolled": 3, "unenrolled": 1, "fully_participated": 1, "purchased": 1}
    assert final(("start", None)) == {
        "enrolled": 2,
        "unenrolled": 2,
        "fully_participated": 0,
        "purchased": 0,
    }
    assert final(("start", "2 days after start"))["enrolled"] == 1  # L4 (6 Feb 09:00)
    assert final(("Newsletter", "1 day after Newsletter"))["enrolled"] == 2
    assert final(("start", "1 day after start")) == {}  # nobody enrolled on the start day
    with pytest.raises(ValueError, match="pair"):
        enrolment_timeline(course, cohort="start")


def test_cohort_expressions_need_settings():
    with pytest.raises(ValueError, match="course settings"):
        enrolment_timeline(Course.from_frames(enrolments=ENROLMENTS), cohort=("week 2", None))


def test_timeline_empty():
    t = enrolment_timeline(Course.from_frames())
    assert t.empty
    assert list(t.columns) == ["date", "measure", "learners", "cumulative"]
    assert str(t["date"].dtype) == "datetime64[ns, UTC]"


def test_timeline_does_not_mutate(course):
    before = course.enrolments.copy()
    enrolment_timeline(course)
    time_to_unenrol(course)
    assert_frame_equal(course.enrolments, before)


# ------------------------------------------------------------------ daily, busiest


def test_daily_enrolments(course):
    d = daily_enrolments(course)
    assert list(d.columns) == ["date", "measure", "learners"]
    enrolled = d[d["measure"] == "enrolled"].set_index("date")["learners"]
    unenrolled = d[d["measure"] == "unenrolled"].set_index("date")["learners"]
    # from 20 Jan (first enrolment) to 12 Feb (last unenrolment)
    assert enrolled.index.min() == day("2024-01-20") and enrolled.index.max() == day("2024-02-12")
    assert enrolled.sum() == 5 and unenrolled.sum() == 3
    assert enrolled[day("2024-01-20")] == 2 and enrolled[day("2024-02-03")] == 1
    assert unenrolled[day("2024-02-06")] == 1 and unenrolled[day("2024-02-07")] == 1
    assert daily_enrolments(Course.from_frames()).empty


def test_busiest_days(course):
    got = busiest_days(course, top=3)
    expected = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-20", "2024-02-03", "2024-02-06"], utc=True).astype(
                "datetime64[ns, UTC]"
            ),
            "weekday": ["Saturday", "Saturday", "Tuesday"],
            "learners": np.array([2, 1, 1], dtype="int64"),
            "pct_of_enrolled": [40.0, 20.0, 20.0],
            "named_date": ["Newsletter", "", ""],
        }
    )
    assert_frame_equal(got, expected)
    named = busiest_days(course, top=1, dates={"launch": "2024-01-20", "press": "2024-01-20"})
    assert named["named_date"].tolist() == ["launch, press"]
    empty = busiest_days(Course.from_frames())
    assert empty.empty and list(empty.columns) == list(expected.columns)


# ------------------------------------------------------------------ durations


def hist(measure: str, counts: dict[int, int]) -> pd.DataFrame:
    top = max(counts)
    return pd.DataFrame(
        {
            "measure": [measure] * (top + 1),
            "days": np.arange(top + 1, dtype="int64"),
            "learners": np.array([counts.get(i, 0) for i in range(top + 1)], dtype="int64"),
        }
    )


def test_time_to_unenrol_before_and_after_start(course):
    got = time_to_unenrol(course)
    expected = pd.concat(
        [hist("days", {0: 1, 3: 1, 17: 1}), hist("study_days", {0: 1, 2: 1, 3: 1})],
        ignore_index=True,
    )
    expected["measure"] = pd.Categorical(expected["measure"], categories=["days", "study_days"])
    assert_frame_equal(got, expected)


def test_time_to_full_participation(course):
    got = time_to_full_participation(course)
    nonzero = got[got["learners"] > 0]
    # 20 Jan 10:00 -> 24 Feb 12:00 is 35 days; 5 Feb 00:00 -> 24 Feb 12:00 is 19 study days
    assert nonzero["days"].tolist() == [35, 19]
    assert nonzero["measure"].astype(str).tolist() == ["days", "study_days"]


def test_study_days_need_a_start():
    plain = Course.from_frames(enrolments=ENROLMENTS)
    got = time_to_unenrol(plain)
    assert got["measure"].astype(str).unique().tolist() == ["days"]
    with_start = time_to_unenrol(plain, start="2024-02-05")
    assert with_start[with_start["measure"] == "study_days"]["learners"].sum() == 3


def test_durations_empty():
    for fn in (time_to_unenrol, time_to_full_participation):
        got = fn(Course.from_frames(config=CFG))
        assert got.empty and list(got.columns) == ["measure", "days", "learners"]
        summary = duration_summary(got)
        assert summary.empty
        assert list(summary.columns) == [
            "measure",
            "learners",
            "mean_days",
            "median_days",
            "p25_days",
            "p75_days",
            "max_days",
        ]


def test_duration_summary(course):
    got = duration_summary(time_to_unenrol(course), readable=False)
    expected = pd.DataFrame(
        {
            "measure": pd.Categorical(["days", "study_days"], categories=["days", "study_days"]),
            "learners": np.array([3, 3], dtype="int64"),
            "mean_days": [20 / 3, 5 / 3],
            "median_days": np.array([3, 2], dtype="int64"),
            "p25_days": np.array([0, 0], dtype="int64"),
            "p75_days": np.array([17, 3], dtype="int64"),
            "max_days": np.array([17, 3], dtype="int64"),
        }
    )
    assert_frame_equal(got, expected)


def test_duration_summary_names_measures_in_words(course):
    got = duration_summary(time_to_unenrol(course))
    labels = ["days from enrolment", "study days (from the start, or a later enrolment)"]
    assert got["measure"].astype(str).tolist() == labels
    assert list(got["measure"].cat.categories) == labels
    assert got["median_days"].tolist() == [3, 2]  # the numbers are those of readable=False
    # the histogram keeps the names the plot and other code select on
    assert time_to_unenrol(course)["measure"].cat.categories.tolist() == ["days", "study_days"]
    # an unknown measure name is shown with spaces
    other = pd.DataFrame({"measure": ["weeks_taken"], "days": [1], "learners": [2]})
    assert duration_summary(other)["measure"].astype(str).tolist() == ["weeks taken"]


# ------------------------------------------------------------------ cohorts

# With a visit each for L1 (enrolled before the start) and L4 (after it):
#   before the start (enrolled < 5 Feb): L1, L2, L3 -> 3 learners; L2 left (1/3);
#     L1 visited, fully participated and bought (1/3 each). E1 is an educator: not counted.
#   on or after the start: L4, L5 -> 2 learners; both left (2/2); L4 visited (1/2).
VISITS = pd.DataFrame(
    {
        "learner_id": ["L1", "L4"],
        "step": ["1.1", "1.1"],
        "first_visited_at": ["2024-02-05 10:00:00", "2024-02-06 10:00:00"],
    }
)


def test_cohort_summary_by_hand():
    course = Course.from_frames(config=CFG, enrolments=ENROLMENTS, step_activity=VISITS)
    got = cohort_summary(course)
    expected = pd.DataFrame(
        {
            "cohort": pd.Series(list(COHORTS), dtype="str"),
            "learners": np.array([3, 2], dtype="int64"),
            "pct_unenrolled": [100 / 3, 100.0],
            "pct_visited": [100 / 3, 50.0],
            "pct_fully_participated": [100 / 3, 0.0],
            "pct_purchased": [100 / 3, 0.0],
        }
    )
    assert_frame_equal(got, expected)
    assert list(COHORTS) == ["enrolled before the start", "enrolled on or after the start"]


def test_cohort_summary_custom_windows_keep_their_order():
    course = Course.from_frames(config=CFG, enrolments=ENROLMENTS, step_activity=VISITS)
    got = cohort_summary(
        course,
        cohorts={
            "newsletter day": ("Newsletter", "1 day after Newsletter"),
            "start day": ("start", "1 day after start"),  # nobody enrolled that day
            "everyone": (None, None),
        },
    )
    assert got["cohort"].tolist() == ["newsletter day", "start day", "everyone"]
    assert got["learners"].tolist() == [2, 0, 5]
    assert got["pct_unenrolled"].iloc[0] == 50.0  # L2 of L1, L2
    assert got.iloc[1, 2:].isna().all()  # no learners: no shares
    assert got["pct_visited"].iloc[2] == 40.0  # L1 and L4 of five


def test_cohort_summary_empty_and_bad_windows():
    columns = [
        "cohort",
        "learners",
        "pct_unenrolled",
        "pct_visited",
        "pct_fully_participated",
        "pct_purchased",
    ]
    for got in (
        cohort_summary(Course.from_frames(config=CFG)),
        cohort_summary(Course.from_frames(config=CFG, enrolments=ENROLMENTS), cohorts={}),
    ):
        assert got.empty and list(got.columns) == columns
        assert got["learners"].dtype == "int64"
    with pytest.raises(ValueError, match="pair"):
        cohort_summary(
            Course.from_frames(config=CFG, enrolments=ENROLMENTS), cohorts={"x": "start"}
        )


# ------------------------------------------------------------------ plots


def test_plot_enrolment_timeline(course):
    fig, ax = plt.subplots()
    out = plot_enrolment_timeline(
        enrolment_timeline(course),
        notable_dates=CFG.notable_dates,
        week_starts=CFG.week_starts,
        ax=ax,
    )
    assert out is ax
    labelled = [ln for ln in ax.lines if not ln.get_label().startswith("_")]
    assert [ln.get_label() for ln in labelled] == [
        "Enrolled",
        "Unenrolled",
        "Fully participated",
        "Bought a certificate",
    ]
    assert labelled[0].get_ydata()[-1] == 5  # final cumulative enrolments
    assert any(t.get_text().strip() == "Newsletter" for t in ax.texts)  # date line
    assert [t.get_text() for t in ax.texts if t.get_text().startswith("W")] == ["W1", "W2", "W3"]
    assert len(ax.get_legend().get_texts()) == 4
    assert ax.get_ylabel() == "Learners (cumulative)"


def test_plot_daily_enrolments(course):
    data = daily_enrolments(course)
    fig, ax = plt.subplots()
    assert plot_daily_enrolments(data, min_learners=1, ax=ax) is ax
    up, down = ax.containers
    assert len(up) == len(down) == 24  # 20 Jan .. 12 Feb
    assert sum(b.get_height() for b in up) == 5
    assert sum(b.get_height() for b in down) == -3  # unenrolments below the line
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Enrolled", "Unenrolled"]


def test_days_with_fewer_than_ten_learners_have_no_bar():
    days = pd.date_range("2024-02-01", periods=3, tz="UTC")
    data = pd.DataFrame(
        {
            "date": list(days) * 2,
            "measure": pd.Categorical(["enrolled"] * 3 + ["unenrolled"] * 3),
            "learners": [25, 3, 0, 12, 0, 9],
        }
    )
    fig, ax = plt.subplots()
    plot_daily_enrolments(data, ax=ax)
    heights = sorted(b.get_height() for c in ax.containers for b in c)
    assert heights == [-12, 0, 0, 25]  # the 3 and the 9 are not drawn; zeros are
    assert "2 day(s) with 1 to 9 learners" in ax.get_xlabel()


def test_week_names_get_room_above_the_data(course):
    # "W1" and notable-date labels sit inside the top of the plot: clear of the tallest bar
    data = daily_enrolments(course)
    fig, ax = plt.subplots(figsize=(8, 3.5))
    plot_daily_enrolments(
        data, week_starts=["2024-02-05"], notable_dates={"N": "2024-01-20"}, min_learners=1, ax=ax
    )
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    tallest = max(b.get_window_extent(renderer).y1 for b in ax.containers[0])
    week = next(t for t in ax.texts if t.get_text() == "W1")
    assert week.get_window_extent(renderer).y0 >= tallest - 1


def test_plot_duration_histogram(course):
    data = time_to_unenrol(course)
    fig, ax = plt.subplots()
    assert plot_duration_histogram(data, ax=ax) is ax
    bars = ax.containers[0]
    assert len(bars) == 4  # study days 0..3
    assert [b.get_height() for b in bars] == [1, 0, 1, 1]
    assert "Median: 2" in [t.get_text() for t in ax.get_legend().get_texts()]
    fig, ax = plt.subplots()
    plot_duration_histogram(data, measure="days", ax=ax)
    assert len(ax.containers[0]) == 18
    assert ax.get_xlabel() == "Days from enrolment"
    with pytest.raises(ValueError):
        plot_duration_histogram(data, measure="weeks")


def test_duration_histogram_ticks_whole_weeks_and_legend_above():
    hist = pd.DataFrame(
        {"measure": "study_days", "days": np.arange(60), "learners": np.arange(60) % 5 + 1}
    )
    fig, ax = plt.subplots(figsize=(8, 3.5))
    plot_duration_histogram(hist, ax=ax)
    fig.canvas.draw()
    lo, hi = ax.get_xlim()
    ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
    assert ticks[:3] == [0, 7, 14] and all(t % 7 == 0 for t in ticks)
    renderer = fig.canvas.get_renderer()
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()][0] == "Learners"
    assert legend.get_window_extent(renderer).y0 >= ax.get_window_extent(renderer).y1
    # a long tail: ticks every two (or more) weeks, never a crowd
    long = hist.assign(days=np.arange(60) * 4)
    fig, ax = plt.subplots(figsize=(8, 3.5))
    plot_duration_histogram(long, ax=ax)
    lo, hi = ax.get_xlim()
    ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
    assert len(ticks) <= 13 and all(t % 7 == 0 for t in ticks)
    assert np.diff(ticks).min() >= 14


def test_plots_on_empty_data_say_no_data():
    empty = Course.from_frames()
    for plot, data in (
        (plot_enrolment_timeline, enrolment_timeline(empty)),
        (plot_daily_enrolments, daily_enrolments(empty)),
        (plot_duration_histogram, time_to_unenrol(empty)),
    ):
        fig, ax = plt.subplots()
        assert plot(data, ax=ax) is ax
        assert [t.get_text() for t in ax.texts] == ["No data"]
    fig, ax = plt.subplots()
    plot_duration_histogram(time_to_unenrol(Course.from_frames(enrolments=ENROLMENTS)), ax=ax)
    assert "start date unknown" in ax.texts[0].get_text()


# ------------------------------------------------------------------ synthetic course


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    from flbook import load_course, make_course

    root = tmp_path_factory.mktemp("enrolment")
    make_course(root / "export", learners=500, weeks=3, seed=3)
    return load_course(root / "export" / "course.yml", cache=root / "cache")


def test_invariants_on_a_synthetic_course(synthetic):
    enr = synthetic.enrolments
    learners = enr[enr["role"] == "learner"]
    t = enrolment_timeline(synthetic)
    final = t.groupby("measure", observed=True)["cumulative"].last()
    assert final["enrolled"] == len(learners)
    assert final["unenrolled"] == learners["unenrolled_at"].notna().sum()
    assert final["fully_participated"] == learners["fully_participated_at"].notna().sum()
    assert final["purchased"] == learners["purchased_statement_at"].notna().sum()
    for _, part in t.groupby("measure", observed=True):  # four measures
        assert (np.diff(part["cumulative"].to_numpy()) >= 0).all()
        assert part["learners"].sum() == part["cumulative"].iloc[-1]

    # cohorts before and after the start add up to everyone
    before = enrolment_timeline(synthetic, cohort=("registration open", "start"))
    after = enrolment_timeline(synthetic, cohort=("start", None))
    early = enrolment_timeline(synthetic, cohort=(None, "registration open"))
    totals = [
        x.loc[x["measure"] == "enrolled", "learners"].sum() if len(x) else 0
        for x in (before, after, early)
    ]
    assert sum(totals) == len(learners)

    cohorts = cohort_summary(synthetic)  # before / on or after the start: everyone once
    assert cohorts["learners"].sum() == len(learners)
    assert ((cohorts.iloc[:, 2:] >= 0) & (cohorts.iloc[:, 2:] <= 100)).all().all()
    whole = cohort_summary(synthetic, cohorts={"all": (None, None)})
    assert whole["pct_unenrolled"].iloc[0] == pytest.approx(
        100 * learners["unenrolled_at"].notna().mean()
    )

    daily = daily_enrolments(synthetic)
    assert daily.loc[daily["measure"] == "enrolled", "learners"].sum() == len(learners)
    top = busiest_days(synthetic, top=5)
    assert len(top) == 5 and top["learners"].is_monotonic_decreasing

    unenrol = time_to_unenrol(synthetic)
    n_left = learners["unenrolled_at"].notna().sum()
    for m in ("days", "study_days"):
        assert unenrol.loc[unenrol["measure"] == m, "learners"].sum() == n_left
    # study days never exceed days since enrolment
    s = duration_summary(unenrol, readable=False).set_index("measure")
    assert s.loc["study_days", "max_days"] <= s.loc["days", "max_days"]

    full = time_to_full_participation(synthetic)
    fs = duration_summary(full, readable=False).set_index("measure")
    weeks = synthetic.config.weeks
    # a paced course: learners finish near the end of the last week
    assert abs(fs.loc["study_days", "median_days"] - 7 * weeks) <= 7
