"""Time filters, study weeks and study days, on timestamps counted by hand."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal, assert_series_equal

from flbook.analysis import at_time_of_day, in_window, resolve_time, study_day, week_of
from flbook.config import CourseConfig

CFG = CourseConfig(
    title="T",
    data="/tmp",
    stub="t-1",
    start=datetime.date(2024, 2, 5),
    weeks=3,
    notable_dates={"Newsletter": datetime.date(2024, 1, 20)},
)

# start Monday 2024-02-05; week 2 starts 2024-02-12; week 3 2024-02-19
TIMES = [
    "2024-01-20 09:00:00",  # a: Newsletter day, 09:00 sharp
    "2024-01-31 00:00:00",  # b: exactly 5 days before start
    "2024-02-04 23:59:59",  # c: last second before the start
    "2024-02-05 00:00:00",  # d: the start
    "2024-02-12 06:30:00",  # e: first day of week 2, early morning
    "2024-02-18 23:00:00",  # f: last day of week 2, late
    "2024-02-19 00:00:00",  # g: first moment of week 3
    None,  # h: never happened
]


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "learner_id": list("abcdefgh"),
            "at": pd.to_datetime(pd.Series(TIMES), utc=True).astype("datetime64[ns, UTC]"),
            "n": np.arange(8),
        }
    )


def rows(table: pd.DataFrame, ids: str) -> pd.DataFrame:
    return table[table["learner_id"].isin(list(ids))].reset_index(drop=True)


def ids(frame: pd.DataFrame) -> str:
    return "".join(frame["learner_id"])


# ------------------------------------------------------------------ in_window


def test_five_days_before_start(table):
    got = in_window(table, "at", start="5 days before start", end="start", config=CFG)
    assert_frame_equal(got, rows(table, "bc"))


def test_week_two_is_its_first_day_to_the_next_weeks_first_day(table):
    got = in_window(table, "at", start="week 2", end="week 3", config=CFG)
    assert_frame_equal(got, rows(table, "ef"))


def test_named_notable_date_and_relative_end(table):
    got = in_window(table, "at", start="Newsletter", end="1 day after Newsletter", config=CFG)
    assert ids(got) == "a"


def test_absolute_dates_timestamps_and_iso_strings(table):
    # a date is midnight; the end is excluded (e at 06:30 on the 12th is out)
    assert ids(in_window(table, "at", start=datetime.date(2024, 2, 5), end="2024-02-12")) == "d"
    assert ids(in_window(table, "at", start="2024-02-12 06:30", end="2024-02-12 06:31")) == "e"
    ts = pd.Timestamp("2024-02-18 23:00", tz="UTC")
    assert ids(in_window(table, "at", start=ts, end=ts + pd.Timedelta(seconds=1))) == "f"
    assert ids(in_window(table, "at", start=np.datetime64("2024-02-19"))) == "g"
    assert ids(in_window(table, "at", start=datetime.datetime(2024, 2, 18, 23, 0))) == "fg"


def test_open_ended_windows_and_missing_times(table):
    assert ids(in_window(table, "at", end="start", config=CFG)) == "abc"
    assert ids(in_window(table, "at", start="end", config=CFG)) == ""
    assert ids(in_window(table, "at")) == "abcdefg"  # NaT is never in a window


def test_bounds_without_a_zone_are_read_in_tz(table):
    # midnight in Tokyo on 5 Feb is 15:00 UTC on 4 Feb: c (23:59 UTC on the 4th) is in
    got = in_window(table, "at", start="start", end="week 2", config=CFG, timezone="Asia/Tokyo")
    assert ids(got) == "cd"


def test_in_window_does_not_mutate_and_keeps_columns(table):
    before = table.copy()
    got = in_window(table, "at", start="week 2", config=CFG)
    assert_frame_equal(table, before)
    assert list(got.columns) == list(table.columns)
    assert got is not table


def test_in_window_empty_input(table):
    empty = table.iloc[0:0]
    got = in_window(empty, "at", start="week 2", end="week 3", config=CFG)
    assert got.empty and list(got.columns) == list(table.columns)


def test_in_window_errors(table):
    with pytest.raises(ValueError, match="course settings"):
        in_window(table, "at", start="week 2")
    with pytest.raises(ValueError, match="someday"):
        in_window(table, "at", start="someday", config=CFG)
    with pytest.raises(ValueError, match="cannot read"):
        in_window(table, "at", start="2024-13-45")
    with pytest.raises(KeyError):
        in_window(table, "nope", start="2024-02-05")


def test_resolve_time():
    assert resolve_time("week 2", config=CFG) == pd.Timestamp("2024-02-12", tz="UTC")
    assert resolve_time("5 days before start", config=CFG) == pd.Timestamp("2024-01-31", tz="UTC")
    assert resolve_time("2024-02-05T10:00:00Z") == pd.Timestamp("2024-02-05 10:00", tz="UTC")
    assert resolve_time("2024-02-05", timezone="Europe/Paris") == pd.Timestamp(
        "2024-02-04 23:00", tz="UTC"
    )


# ------------------------------------------------------------------ time of day


def test_early_morning_window_excludes_its_end(table):
    # 05:00 <= t < 09:00: e (06:30); a is at 09:00 sharp, so it is out
    assert_frame_equal(at_time_of_day(table, "at"), rows(table, "e"))


def test_time_of_day_wrapping_past_midnight(table):
    # b 00:00, c 23:59:59, d 00:00, f 23:00, g 00:00
    assert ids(at_time_of_day(table, "at", start="22:00", end="01:00")) == "bcdfg"
    assert ids(at_time_of_day(table, "at", start=datetime.time(23, 30), end="24:00")) == "c"


def test_time_of_day_in_another_zone(table):
    # New York is UTC-5 in February: b, d, g (00:00 UTC = 19:00), c (18:59:59), f (18:00)
    got = at_time_of_day(table, "at", start="18:00", end="20:00", timezone="America/New_York")
    assert ids(got) == "bcdfg"
    assert ids(
        at_time_of_day(table, "at", start="18:00", end="18:59:59", timezone="America/New_York")
    ) == ("f")


def test_early_morning_starters_on_day_one():
    visits = pd.DataFrame(
        {
            "learner_id": ["a", "b", "c", "d"],
            "first_visited_at": pd.to_datetime(
                ["2024-02-05 05:10", "2024-02-05 08:59", "2024-02-05 12:00", "2024-02-06 06:00"],
                utc=True,
            ),
        }
    )
    day_one = in_window(
        visits, "first_visited_at", start="start", end="1 day after start", config=CFG
    )
    assert ids(at_time_of_day(day_one, "first_visited_at")) == "ab"


def test_time_of_day_errors_and_empty(table):
    with pytest.raises(ValueError):
        at_time_of_day(table, "at", start="5am")
    with pytest.raises(ValueError):
        at_time_of_day(table, "at", start="07:00", end="07:00")
    with pytest.raises(ValueError):
        at_time_of_day(table, "at", start="25:00")
    got = at_time_of_day(table.iloc[0:0], "at")
    assert got.empty and list(got.columns) == list(table.columns)


# ------------------------------------------------------------------ weeks and days


def test_week_of(table):
    # days from start: a -16, b -5, c -1, d 0, e 7, f 13, g 14
    expected = pd.Series([-2, 0, 0, 1, 2, 2, 3, None], name="week", dtype="Int32")
    assert_series_equal(week_of(table["at"], CFG.start), expected)


def test_study_day(table):
    expected = pd.Series([-15, -4, 0, 1, 8, 14, 15, None], name="study_day", dtype="Int32")
    assert_series_equal(study_day(table["at"], "2024-02-05"), expected)


def test_week_of_keeps_the_index_and_reads_naive_times_as_utc():
    s = pd.Series(pd.to_datetime(["2024-02-11 23:59", "2024-02-12 00:00"]), index=[10, 20])
    assert_series_equal(
        week_of(s, datetime.date(2024, 2, 5)),
        pd.Series([1, 2], index=[10, 20], name="week", dtype="Int32"),
    )


def test_week_of_in_a_time_zone():
    # 23:30 UTC on Sunday 11 Feb is already Monday 12 Feb in Tokyo: week 2, day 8
    t = pd.DatetimeIndex(["2024-02-11 23:30"], tz="UTC")
    assert week_of(t, CFG.start, timezone="Asia/Tokyo").tolist() == [2]
    assert study_day(t, CFG.start, timezone="Asia/Tokyo").tolist() == [8]
    assert study_day(t, CFG.start).tolist() == [7]


def test_week_and_day_of_empty_input():
    empty = pd.Series([], dtype="datetime64[ns, UTC]")
    assert_series_equal(week_of(empty, CFG.start), pd.Series([], name="week", dtype="Int32"))
    assert_series_equal(study_day(empty, CFG.start), pd.Series([], name="study_day", dtype="Int32"))
