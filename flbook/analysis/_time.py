"""Time filters: limit any table to a date window or a time of day; study weeks and days.

Dates can be written the way a course team talks about them. A bound may be a date, a
timestamp, an ISO string (``"2024-02-05"``, ``"2024-02-05 10:30"``) or, when course
settings are given, a named or relative date that :meth:`CourseConfig.date
<flbook.config.CourseConfig.date>` understands: ``"start"``, ``"end"``,
``"registration open"``, ``"week 2"`` (the first day of study week 2), a notable date's
name, or ``"5 days before start"``.

Conventions (the same in every function here):

- A date without a time means midnight at the start of that day, in ``timezone`` (UTC unless
  asked otherwise); a timestamp written without a time zone is also read in ``timezone``.
- Windows include their start and exclude their end: ``start="week 2", end="week 3"``
  is exactly study week 2, and ``start="start", end="1 day after start"`` is day one.
- A row whose time is missing (NaT: the event has not happened) is never in a window.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["in_window", "at_time_of_day", "week_of", "study_day", "resolve_time"]

_ISO = re.compile(r"^\s*\d{4}-\d{2}-\d{2}")
_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


def resolve_time(value: Any, *, config=None, timezone: str = "UTC") -> pd.Timestamp:
    """One bound written any of the accepted ways, as a UTC timestamp.

    Parameters
    ----------
    value : a ``datetime.date`` (midnight), ``datetime.datetime``, ``pandas.Timestamp``,
        ``numpy.datetime64``, an ISO string (``"2024-02-05"``, ``"2024-02-05 10:30"``,
        ``"2024-02-05T10:30:00Z"``), or a date expression such as ``"week 2"``,
        ``"start"`` or ``"5 days before start"`` (needs ``config``).
    config : course settings (:class:`~flbook.config.CourseConfig`) used to resolve
        named and relative dates.
    timezone : time zone in which dates and times written without a zone are read.

    Returns
    -------
    pandas.Timestamp
        tz-aware, in UTC.

    Raises
    ------
    ValueError
        when the value cannot be read, or names a date but no settings were given.

    Examples
    --------
    >>> import datetime
    >>> from flbook.config import CourseConfig
    >>> cfg = CourseConfig(title="T", data="/tmp", stub="t-1",
    ...                    start=datetime.date(2024, 2, 5), weeks=3)
    >>> resolve_time("week 2", config=cfg)
    Timestamp('2024-02-12 00:00:00+0000', tz='UTC')
    >>> resolve_time("5 days before start", config=cfg)
    Timestamp('2024-01-31 00:00:00+0000', tz='UTC')
    """
    if isinstance(value, pd.Timestamp | np.datetime64 | dt.datetime):
        ts = pd.Timestamp(value)
    elif isinstance(value, dt.date):
        ts = pd.Timestamp(value.isoformat())
    elif isinstance(value, str):
        if _ISO.match(value):
            try:
                ts = pd.Timestamp(value.strip())
            except ValueError:
                raise ValueError(
                    f"cannot read {value!r} as a date or time (write e.g. 2024-02-05 "
                    "or 2024-02-05 10:30)"
                ) from None
        elif config is None:
            raise ValueError(
                f"cannot read {value!r} as a date: named and relative dates such as "
                "'week 2' or '5 days before start' need the course settings (config=)"
            )
        else:
            from ..errors import ConfigError

            try:
                ts = pd.Timestamp(config.date(value).isoformat())
            except ConfigError as e:
                raise ValueError(e.message) from None
    else:
        raise TypeError(f"expected a date, a timestamp or a date expression, got {value!r}")
    if ts is pd.NaT:
        raise ValueError(f"cannot use a missing time ({value!r}) as a bound")
    if ts.tzinfo is None:
        ts = ts.tz_localize(timezone)
    return ts.tz_convert("UTC")


def _as_utc(values: pd.Series) -> pd.Series:
    """A datetime Series in UTC (tz-naive values are taken as UTC)."""
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if not isinstance(s.dtype, pd.DatetimeTZDtype):
        s = pd.to_datetime(s)
        if not isinstance(s.dtype, pd.DatetimeTZDtype):
            s = s.dt.tz_localize("UTC")
    return s.dt.tz_convert("UTC")


def window_mask(times: pd.Series, start, end, *, config=None, timezone: str = "UTC") -> np.ndarray:
    """Boolean mask ``start <= t < end`` (NaT never inside)."""
    t = _as_utc(times)
    mask = t.notna().to_numpy(copy=True)
    if start is not None:
        mask &= (t >= resolve_time(start, config=config, timezone=timezone)).to_numpy()
    if end is not None:
        mask &= (t < resolve_time(end, config=config, timezone=timezone)).to_numpy()
    return mask


def in_window(
    table: pd.DataFrame,
    column: str,
    *,
    start: Any = None,
    end: Any = None,
    config=None,
    timezone: str = "UTC",
) -> pd.DataFrame:
    """The rows of ``table`` whose ``column`` time falls in a date/time window.

    Answers questions such as "which learners enrolled in the 5 days before the start?"
    or "what happened in week 2?". The window includes ``start`` and excludes ``end``;
    either may be left out (open-ended). Rows whose time is missing are left out.

    Parameters
    ----------
    table : any table with a timestamp column (enrolments, step activity, comments...).
    column : the timestamp column to filter on, e.g. ``"enrolled_at"``.
    start, end : the window's bounds: dates, timestamps, ISO strings, or date
        expressions resolved with ``config.date`` (``"start"``, ``"week 2"`` = the first
        day of week 2, ``"5 days before start"``, a notable date's name).
    config : course settings (``course.config``), needed for date expressions.
    timezone : time zone of bounds written without one (a date is midnight in ``timezone``).

    Returns
    -------
    DataFrame
        a new table: the matching rows, all columns, index reset.

    Examples
    --------
    >>> import datetime, pandas as pd
    >>> from flbook.config import CourseConfig
    >>> cfg = CourseConfig(title="T", data="/tmp", stub="t-1",
    ...                    start=datetime.date(2024, 2, 5), weeks=3)
    >>> enr = pd.DataFrame({"learner_id": ["a", "b", "c"], "enrolled_at": pd.to_datetime(
    ...     ["2024-01-20 09:00", "2024-02-01 12:00", "2024-02-13 08:00"], utc=True)})
    >>> in_window(enr, "enrolled_at", start="5 days before start", end="start",
    ...           config=cfg)["learner_id"].tolist()
    ['b']
    >>> in_window(enr, "enrolled_at", start="week 2", end="week 3",
    ...           config=cfg)["learner_id"].tolist()
    ['c']
    """
    if column not in table.columns:
        raise KeyError(f"no column {column!r} in the table; columns: {list(table.columns)}")
    mask = window_mask(table[column], start, end, config=config, timezone=timezone)
    return table.loc[mask].reset_index(drop=True)


def _clock(value: Any, name: str) -> int:
    """Seconds after midnight of ``"HH:MM"``, ``"HH:MM:SS"`` or a ``datetime.time``."""
    if isinstance(value, dt.time):
        return value.hour * 3600 + value.minute * 60 + value.second
    m = _CLOCK.match(str(value))
    if not m:
        raise ValueError(f"{name}: expected a time of day written HH:MM, got {value!r}")
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if h > 24 or mi > 59 or s > 59 or (h == 24 and (mi or s)):
        raise ValueError(f"{name}: {value!r} is not a time of day")
    return h * 3600 + mi * 60 + s


def at_time_of_day(
    table: pd.DataFrame,
    column: str,
    *,
    start: str | dt.time = "05:00",
    end: str | dt.time = "09:00",
    timezone: str = "UTC",
) -> pd.DataFrame:
    """The rows of ``table`` whose ``column`` time is in a daily time window (any day).

    Answers "who studies early in the morning?" (the default, 05:00 to 09:00) or, with
    a window that wraps past midnight (``start="22:00", end="02:00"``), "who studies
    late at night?". The window includes ``start`` and excludes ``end``, on the clock
    of ``timezone`` (e.g. ``course.config.timezone``). Rows whose time is missing are left out.

    Combine with :func:`in_window` for one day, e.g. the early-morning starters on day one.

    Parameters
    ----------
    table : any table with a timestamp column.
    column : the timestamp column, e.g. ``"first_visited_at"``.
    start, end : times of day, ``"HH:MM"`` (or ``"HH:MM:SS"``, or ``datetime.time``);
        ``end="24:00"`` means midnight at the end of the day.
    timezone : the time zone whose clock is meant (an IANA name such as ``"Europe/London"``).

    Returns
    -------
    DataFrame
        a new table: the matching rows, all columns, index reset.

    Examples
    --------
    >>> import datetime, pandas as pd
    >>> from flbook.config import CourseConfig
    >>> cfg = CourseConfig(title="T", data="/tmp", stub="t-1",
    ...                    start=datetime.date(2024, 2, 5), weeks=3)
    >>> visits = pd.DataFrame({"learner_id": ["a", "b", "c"], "first_visited_at":
    ...     pd.to_datetime(["2024-02-05 06:10", "2024-02-05 12:00", "2024-02-06 07:00"],
    ...                    utc=True)})
    >>> day_one = in_window(visits, "first_visited_at", start="start",
    ...                     end="1 day after start", config=cfg)
    >>> at_time_of_day(day_one, "first_visited_at")["learner_id"].tolist()
    ['a']
    """
    if column not in table.columns:
        raise KeyError(f"no column {column!r} in the table; columns: {list(table.columns)}")
    lo, hi = _clock(start, "start"), _clock(end, "end")
    if lo == hi:
        raise ValueError(f"start and end are the same time ({start!r}): the window is empty")
    t = _as_utc(table[column]).dt.tz_convert(timezone)
    seconds = (
        t.dt.hour.to_numpy(dtype="float64", na_value=np.nan) * 3600
        + t.dt.minute.to_numpy(dtype="float64", na_value=np.nan) * 60
        + t.dt.second.to_numpy(dtype="float64", na_value=np.nan)
    )
    with np.errstate(invalid="ignore"):
        if lo < hi:
            mask = (seconds >= lo) & (seconds < hi)
        else:  # wraps past midnight
            mask = (seconds >= lo) | (seconds < hi)
    mask = mask & ~np.isnan(seconds)
    return table.loc[mask].reset_index(drop=True)


def _local_days(timestamps, start, timezone: str) -> tuple[pd.Series, np.ndarray]:
    """Whole calendar days (on ``timezone``'s clock) from ``start``'s date to each timestamp."""
    if isinstance(timestamps, pd.Series):
        s = timestamps
    else:
        s = pd.Series(timestamps)
    s = _as_utc(s)
    local = s.dt.tz_convert(timezone).dt.tz_localize(None).dt.normalize()
    first = (
        resolve_time(start, timezone=timezone).tz_convert(timezone).tz_localize(None).normalize()
    )
    delta = (local - first).to_numpy()
    days = delta.astype("timedelta64[D]").astype("int64")
    return s, np.where(np.isnat(delta), np.nan, days.astype("float64"))


def week_of(timestamps, start, *, timezone: str = "UTC") -> pd.Series:
    """Study week of each timestamp: week 1 starts on the course start date.

    Days 1-7 (the start date and the six days after it) are week 1, days 8-14 week 2,
    and so on. Before the start the count goes on downwards: the 7 days before the
    start date are week 0, the 7 days before those week -1. Weeks follow calendar days
    on ``timezone``'s clock (UTC unless asked).

    Parameters
    ----------
    timestamps : a Series (or array, DatetimeIndex) of times; tz-naive times are UTC.
    start : the course start date (``course.config.start``): a date or ISO string.
    timezone : the time zone whose calendar days count.

    Returns
    -------
    Series
        ``week`` (nullable ``Int32``; missing where the time is missing), on the input's
        index when a Series was given.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.Series(pd.to_datetime(["2024-01-29 23:00", "2024-02-05 00:00",
    ...                               "2024-02-11 23:59", "2024-02-12 00:00"], utc=True))
    >>> week_of(t, "2024-02-05").tolist()
    [0, 1, 1, 2]
    """
    s, days = _local_days(timestamps, start, timezone)
    week = np.floor_divide(days, 7) + 1
    return pd.Series(week, index=s.index, name="week").astype("Int32")


def study_day(timestamps, start, *, timezone: str = "UTC") -> pd.Series:
    """Study day of each timestamp: the course start date is day 1.

    The day before the start is day 0, two days before day -1, and so on; day 8 is the
    first day of week 2. Days are calendar days on ``timezone``'s clock (UTC unless asked).

    Parameters
    ----------
    timestamps : a Series (or array, DatetimeIndex) of times; tz-naive times are UTC.
    start : the course start date (``course.config.start``): a date or ISO string.
    timezone : the time zone whose calendar days count.

    Returns
    -------
    Series
        ``study_day`` (nullable ``Int32``; missing where the time is missing), on the
        input's index when a Series was given.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.Series(pd.to_datetime(["2024-02-04 12:00", "2024-02-05 08:00",
    ...                               "2024-02-12 08:00"], utc=True))
    >>> study_day(t, "2024-02-05").tolist()
    [0, 1, 8]
    """
    s, days = _local_days(timestamps, start, timezone)
    return pd.Series(days + 1, index=s.index, name="study_day").astype("Int32")
