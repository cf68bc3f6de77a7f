"""Scheduling support: when in the week is the course busy?

Counts of activity by day of week and hour of day, for planning when moderators and
educators should be on hand. Times are converted to the chosen time zone *before*
the day and hour are read off (``timezone="Europe/London"`` follows British summer time).
The counts add up every week of the data, so the first, busiest weeks weigh most.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._events import EVENT_SOURCES, event_times
from ._groups import Group
from ._sessions import role_mask
from ._steps import group_mask
from .arrays import empty_frame, sorted_distinct

if TYPE_CHECKING:
    from flbook.store import Course

__all__ = [
    "WEEKDAYS",
    "activity_by_hour",
    "hourly_summary",
    "weekday_summary",
    "peak_hours",
    "DAILY_EVENTS",
    "daily_activity",
]

WEEKDAYS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""Day-of-week labels, Monday first (the order of the ``day_of_week`` Categorical)."""

_NS_PER_HOUR = 3_600_000_000_000
_NS_PER_DAY = 24 * _NS_PER_HOUR
_COLUMNS = ["event", "day_of_week", "hour", "count"]


def _day_dtype() -> pd.CategoricalDtype:
    return pd.CategoricalDtype(list(WEEKDAYS), ordered=True)


def _event_types(events: Sequence[str]) -> list[str]:
    """``events`` as a list, each an event type of :data:`EVENT_SOURCES` (else ValueError)."""
    events = list(events)
    unknown = [e for e in events if e not in EVENT_SOURCES]
    if unknown:
        raise ValueError(f"unknown event type(s) {unknown}; known: {', '.join(EVENT_SOURCES)}")
    return events


def _local_ns(ns: np.ndarray, timezone: str) -> np.ndarray:
    """UTC nanoseconds → wall-clock nanoseconds in ``timezone`` (same number for UTC)."""
    if timezone in ("UTC", "utc", "Etc/UTC") or len(ns) == 0:
        return ns
    idx = pd.DatetimeIndex(ns.view("M8[ns]")).tz_localize("UTC").tz_convert(timezone)
    return np.asarray(idx.tz_localize(None).asi8)


def activity_by_hour(
    course: Course,
    *,
    events: Sequence[str] = ("visited", "completed", "commented", "answered"),
    timezone: str = "UTC",
    roles: Sequence[str] | None = ("learner",),
) -> pd.DataFrame:
    """How much activity falls in each hour of each day of the week.

    Answers: *when are learners on the course, and when should moderators be there?*

    Parameters
    ----------
    course : Course
    events : sequence of str
        Event types to count, from :data:`EVENTS` (default: step visits, step
        completions, comments, quiz answers).
    timezone : str
        Time zone the day and hour are read in (an IANA name such as
        ``"Europe/London"``; a course's setting is ``course.config.timezone``).
    roles : tuple of str or None
        Enrolment roles counted (default learners only; None: everyone, course team
        included).

    Returns
    -------
    DataFrame with 7 × 24 rows per event type (every day and hour, zeros included):
    ``event`` (Categorical in the order given), ``day_of_week`` (ordered Categorical
    Mon … Sun), ``hour`` (0–23, start of the hour), ``count`` (events). Empty when
    there is no activity at all. ``attrs["timezone"]`` records the time zone.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> enr = pd.DataFrame({"learner_id": ["a"], "role": ["learner"],
    ...     "enrolled_at": ["2024-02-01 09:00:00"]})
    >>> sa = pd.DataFrame({"learner_id": ["a"], "step": ["1.1"],
    ...     "first_visited_at": ["2024-02-05 10:30:00"]})   # a Monday
    >>> act = activity_by_hour(Course.from_frames(enrolments=enr, step_activity=sa),
    ...                        events=["visited"])
    >>> act[act["count"] > 0]
          event day_of_week  hour  count
    10  visited         Mon    10      1
    """
    events = _event_types(events)
    mask = role_mask(course, roles)
    counts = []
    for event in events:  # a handful of event types
        _, ns = event_times(course, event, mask)
        local = _local_ns(ns, timezone)
        hour = (local // _NS_PER_HOUR) % 24
        dow = (local // _NS_PER_DAY + 3) % 7  # 1970-01-01 was a Thursday (Mon = 0)
        counts.append(np.bincount(dow * 24 + hour, minlength=168))
    total = np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64)
    if total.sum() == 0:
        out = empty_frame(
            _COLUMNS,
            {
                "event": pd.CategoricalDtype(events),
                "day_of_week": _day_dtype(),
                "hour": "int64",
                "count": "int64",
            },
        )
    else:
        n = len(events)
        out = pd.DataFrame(
            {
                "event": pd.Categorical.from_codes(np.repeat(np.arange(n), 168), categories=events),
                "day_of_week": pd.Categorical.from_codes(
                    np.tile(np.repeat(np.arange(7), 24), n), dtype=_day_dtype()
                ),
                "hour": np.tile(np.arange(24, dtype=np.int64), 7 * n),
                "count": total.astype(np.int64),
            }
        )
    out.attrs["timezone"] = timezone
    return out


def _activity(data, events, timezone) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    kwargs = {"timezone": timezone}
    if events is not None:
        kwargs["events"] = events
    return activity_by_hour(data, **kwargs)


def _summary(activity: pd.DataFrame, by: str, dtype) -> pd.DataFrame:
    columns = ["event", by, "count", "pct"]
    if activity.empty:
        out = empty_frame(
            columns,
            {"event": activity["event"].dtype, by: dtype, "count": "int64"},
        )
    else:
        out = activity.groupby(["event", by], observed=True, sort=True)["count"].sum().reset_index()
        totals = out.groupby("event", observed=True)["count"].transform("sum").to_numpy()
        out["count"] = out["count"].astype(np.int64)
        out["pct"] = np.where(totals > 0, 100.0 * out["count"] / np.maximum(totals, 1), 0.0)
    out.attrs["timezone"] = activity.attrs.get("timezone", "UTC")
    return out


def hourly_summary(
    activity_or_course,
    *,
    events: Sequence[str] | None = None,
    timezone: str = "UTC",
) -> pd.DataFrame:
    """Activity by hour of day, all days together.

    Parameters
    ----------
    activity_or_course : DataFrame or Course
        The output of :func:`activity_by_hour`, or a course (then ``events`` and
        ``timezone`` are passed to it).

    Returns
    -------
    DataFrame, one row per event type and hour: ``event``, ``hour`` (0–23), ``count``,
    ``pct`` (share of that event type's activity falling in the hour, %).
    """
    return _summary(_activity(activity_or_course, events, timezone), "hour", "int64")


def weekday_summary(
    activity_or_course,
    *,
    events: Sequence[str] | None = None,
    timezone: str = "UTC",
) -> pd.DataFrame:
    """Activity by day of week, all hours together.

    Returns
    -------
    DataFrame, one row per event type and day: ``event``, ``day_of_week`` (Mon … Sun),
    ``count``, ``pct`` (share of that event type's activity falling on the day, %).
    """
    return _summary(_activity(activity_or_course, events, timezone), "day_of_week", _day_dtype())


def peak_hours(activity: pd.DataFrame, *, event: str = "commented", top: int = 10) -> pd.DataFrame:
    """The busiest hours of the week for one event type (e.g. to plan moderation).

    Returns
    -------
    DataFrame of the ``top`` busiest (day, hour) slots, busiest first: ``day_of_week``,
    ``hour``, ``count``, ``pct`` (share of the event type's weekly activity, %).
    """
    columns = ["day_of_week", "hour", "count", "pct"]
    sub = activity[activity["event"].astype("object") == event] if not activity.empty else activity
    if sub.empty or sub["count"].sum() == 0:
        return empty_frame(
            columns, {"day_of_week": _day_dtype(), "hour": "int64", "count": "int64"}
        )
    total = sub["count"].sum()
    out = sub.sort_values(["count", "day_of_week", "hour"], ascending=[False, True, True]).head(top)
    out = out[["day_of_week", "hour", "count"]].reset_index(drop=True)
    out["pct"] = 100.0 * out["count"] / total
    return out


DAILY_EVENTS: tuple[str, ...] = (
    "enrolled",
    "unenrolled",
    "visited",
    "completed",
    "commented",
    "answered",
)
"""The event types :func:`daily_activity` counts by default (see :data:`EVENT_SOURCES`)."""


def daily_activity(
    course: Course,
    *,
    events: Sequence[str] = DAILY_EVENTS,
    group: Group = "enrolled",
    timezone: str = "UTC",
) -> pd.DataFrame:
    """How much of each kind of activity happened on each day of the run?

    Parameters
    ----------
    course : the Course.
    events : event types to count, from :data:`EVENT_SOURCES` (default
        :data:`DAILY_EVENTS`: enrolments, unenrolments, step visits and completions,
        comments, quiz answers).
    group : count only these learners (a group name, a collection of ids, or ``None``
        for everybody, course team included); default ``"enrolled"`` (role learner).
    timezone : the time zone the days are read in.

    Returns
    -------
    DataFrame, one row per event type and day (event types in the order given, every
    day from the first to the last day with any of them, zeros included): ``event``
    (Categorical), ``date`` (the day, midnight in ``timezone``, time-zone naive), ``count``
    (events), ``learners`` (distinct people behind them). Empty when nothing
    happened. ``attrs["timezone"]`` records the time zone.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(
    ...     enrolments=pd.DataFrame({"learner_id": ["a", "b"], "role": ["learner"] * 2,
    ...         "enrolled_at": ["2024-02-01 09:00:00", "2024-02-02 09:00:00"]}),
    ...     step_activity=pd.DataFrame({"learner_id": ["a", "a"], "step": ["1.1", "1.2"],
    ...         "first_visited_at": ["2024-02-02 10:00:00", "2024-02-02 10:05:00"]}))
    >>> daily_activity(c, events=["enrolled", "visited"])
          event       date  count  learners
    0  enrolled 2024-02-01      1         1
    1  enrolled 2024-02-02      1         1
    2   visited 2024-02-01      0         0
    3   visited 2024-02-02      2         1
    """
    events = _event_types(events)
    mask = group_mask(course, group)
    found = {e: event_times(course, e, mask) for e in events}  # a handful of event types
    days = {e: _local_ns(ns, timezone) // _NS_PER_DAY for e, (_, ns) in found.items()}
    present = [d for d in days.values() if len(d)]
    if not present:
        out = empty_frame(
            ["event", "date", "count", "learners"],
            {
                "event": pd.CategoricalDtype(events),
                "date": "datetime64[ns]",
                "count": "int64",
                "learners": "int64",
            },
        )
        out.attrs["timezone"] = timezone
        return out
    lo = min(int(d.min()) for d in present)
    n_days = max(int(d.max()) for d in present) - lo + 1
    n_people = len(course.people) + 1
    counts, learners = [], []
    for e in events:
        day = days[e] - lo
        counts.append(np.bincount(day, minlength=n_days))
        pairs = sorted_distinct(day * n_people + found[e][0], below=n_days * n_people)
        learners.append(np.bincount(pairs // n_people, minlength=n_days))
    dates = (np.arange(lo, lo + n_days, dtype=np.int64) * _NS_PER_DAY).view("M8[ns]")
    out = pd.DataFrame(
        {
            "event": pd.Categorical.from_codes(
                np.repeat(np.arange(len(events)), n_days), categories=events
            ),
            "date": np.tile(dates, len(events)),
            "count": np.concatenate(counts).astype(np.int64),
            "learners": np.concatenate(learners).astype(np.int64),
        }
    )
    out.attrs["timezone"] = timezone
    return out
