"""Step intelligence: where learners go, where they stop, and what they do on each step.

Every per-step table lists the course's steps in course order ("1.9" before "1.10"
before "2.1") as an ordered Categorical, with every step of ``course.steps`` present
once (zero where nothing happened). Only learners (role ``learner``) are counted
unless another ``group`` is asked for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..store import per_course  # noqa: I001
from ._groups import Group, group_members, learner_ids
from .arrays import ns, person_codes, sorted_distinct

if TYPE_CHECKING:
    from flbook.store import Course

__all__ = [
    "MEASURES",
    "furthest_step",
    "last_steps",
    "step_activity_counts",
    "step_funnel",
]

MEASURES: dict[str, str] = {
    "visited": "first visits to the step",
    "completed": "steps marked complete",
    "comments": "comments and replies posted on the step",
    "answers": "quiz or test answers submitted on the step",
}
"""The measures of :func:`step_activity_counts`, in the order they are listed."""


# --------------------------------------------------------------------------- helpers


@per_course
def group_mask(course: Course, group: Group) -> np.ndarray | None:
    """Boolean mask over course-wide person codes, one extra False slot for code -1.

    ``None`` means everybody (no filter). A string is a learner group (see
    :func:`~flbook.analysis.group_members`); anything else is a collection of ids.
    """
    if group is None:
        return None
    if isinstance(group, str):
        ids = learner_ids(course) if group.strip() == "enrolled" else group_members(course, group)
    else:
        ids = pd.Index(group).astype("object")
    mask = np.zeros(len(course.people) + 1, dtype=bool)
    pos = course.people.get_indexer(ids)
    mask[pos[pos >= 0]] = True
    return mask


def _keep(codes: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """Rows whose person code is in ``mask`` (all rows with a known person if None)."""
    if mask is None:
        return codes >= 0
    return mask[codes]


def _visits(course: Course, group: Group) -> tuple[np.ndarray, np.ndarray]:
    """(person code, step code) of the group's step-activity rows with a known step."""
    mask = group_mask(course, group)
    sa = course.table("step-activity", ["learner_id", "step"])
    person = person_codes(course, sa["learner_id"])
    step = step_codes(sa["step"])
    keep = _keep(person, mask) & (step >= 0)
    return person[keep], step[keep]


def step_frame(course: Course, *, first: int = 0, **columns) -> pd.DataFrame:
    """A per-step frame: ``step`` in course order (from step position ``first``), then ``columns``."""
    codes = np.arange(first, len(course.steps), dtype=np.int16)
    step = pd.Categorical.from_codes(codes, dtype=course.step_dtype)
    return pd.DataFrame({"step": step, **columns})


def empty_steps(course: Course, columns: dict[str, str]) -> pd.DataFrame:
    """An empty frame with a ``step`` column of the course's step dtype."""
    out = {"step": pd.Categorical([], dtype=course.step_dtype)}
    out.update({c: pd.Series([], dtype=t) for c, t in columns.items()})
    return pd.DataFrame(out)


def pick_per_person(
    person: np.ndarray,
    time_ns: np.ndarray,
    tiebreak: np.ndarray,
    n_people: int,
    *,
    last: bool,
) -> np.ndarray:
    """For each person, the row with the latest (``last``) or earliest time.

    Ties on time go to the largest ``tiebreak`` when ``last``, the smallest otherwise.
    Returns the chosen row index per person (-1 for people without a row), length
    ``n_people``.
    """
    out = np.full(n_people, -1, dtype=np.int64)
    if len(person) == 0:
        return out
    # two passes of ufunc.at (no sort): best time per person, then best tiebreak among
    # the rows at that time
    ufunc = np.maximum if last else np.minimum
    fill = np.iinfo(np.int64).min if last else np.iinfo(np.int64).max
    best = np.full(n_people, fill, dtype=np.int64)
    ufunc.at(best, person, time_ns)
    cand = np.flatnonzero(time_ns == best[person])
    tb = tiebreak[cand].astype(np.int64)
    best_tb = np.full(n_people, fill, dtype=np.int64)
    ufunc.at(best_tb, person[cand], tb)
    rows = cand[tb == best_tb[person[cand]]]
    out[person[rows]] = rows
    return out


def _as_time(course: Course, value, name: str) -> pd.Timestamp | None:
    """A window bound as a UTC timestamp: dates are midnight; names use the course settings."""
    if value is None:
        return None
    if isinstance(value, str) and course.config is not None:
        try:
            value = course.config.date(value)
        except ConfigError:  # not a date or name the settings know: read it as a timestamp
            pass
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise ValueError(
            f"{name}={value!r}: expected a date or timestamp (e.g. '2024-02-05'), "
            "or with course settings a name such as 'start' or '2 days after start'"
        ) from None
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _in_window(times: pd.Series, start, end) -> np.ndarray:
    """Rows with a timestamp in [start, end) (any time when both are None; NaT never)."""
    keep = times.notna().to_numpy().copy()
    if start is not None:
        keep &= (times >= start).to_numpy(na_value=False)
    if end is not None:
        keep &= (times < end).to_numpy(na_value=False)
    return keep


def step_codes(series: pd.Series) -> np.ndarray:
    """A step column's codes in course order (int64; -1 for a step the course does not list)."""
    return series.cat.codes.to_numpy().astype(np.int64)


# --------------------------------------------------------------------------- furthest


def furthest_step(course: Course, *, group: Group = "unenrolled") -> pd.DataFrame:
    """How far did learners get? The furthest step (in course order) each learner visited.

    Answers "where had the learners who left got to?" (the default group is learners
    who unenrolled). For every learner in ``group`` who visited at least one step, the
    step latest in course order among those they visited is counted; learners of the
    group who never visited a step are not counted.

    Parameters
    ----------
    course : a :class:`~flbook.store.Course`.
    group : a learner group (see :data:`~flbook.analysis.GROUPS`, combinations allowed),
        a collection of learner ids, or ``None`` for everybody in the step activity.

    Returns
    -------
    DataFrame
        One row per course step, in course order (zeros included):

        ``step``
            the step (ordered Categorical).
        ``learners``
            learners whose furthest visited step it is. The column sums to the learners
            of the group with at least one visit.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(
    ...     enrolments=pd.DataFrame({"learner_id": ["a", "b"], "role": "learner",
    ...                              "unenrolled_at": ["2024-02-06 09:00:00", None]}),
    ...     step_activity=pd.DataFrame({"learner_id": ["a", "a", "b"],
    ...                                 "step": ["1.1", "1.10", "1.9"],
    ...                                 "first_visited_at": "2024-02-05 10:00:00"}))
    >>> furthest_step(c)
       step  learners
    0   1.1         0
    1   1.9         0
    2  1.10         1
    """
    n_steps = len(course.steps)
    if n_steps == 0:
        return empty_steps(course, {"learners": "int64"})
    person, step = _visits(course, group)
    furthest = np.full(len(course.people), -1, dtype=np.int64)
    np.maximum.at(furthest, person, step)
    furthest = furthest[furthest >= 0]
    counts = np.bincount(furthest, minlength=n_steps).astype(np.int64)
    return step_frame(course, learners=counts)


# --------------------------------------------------------------------------- last steps

_LAST_COLUMNS = {
    "learners": "int64",
    "stopped_cumulative": "int64",
    "went_on": "int64",
}


def last_steps(
    course: Course,
    *,
    group: Group = "enrolled",
    kind: str = "visited",
) -> pd.DataFrame:
    """Where did learners stop? The step each learner visited (or completed) last, in time.

    For every learner in ``group`` with at least one event of ``kind``, the step of
    their latest event is found: the step they first visited last
    (``kind="visited"``, by ``first_visited_at``) or the step they marked complete last
    (``kind="completed"``, by ``last_completed_at``). Ties in time go to the step later
    in course order. The **sample size** is the number of learners in the group with at
    least one such event; it equals ``learners.sum()`` and ``went_on`` at the start.

    Parameters
    ----------
    course : a :class:`~flbook.store.Course`.
    group : a learner group (see :data:`~flbook.analysis.GROUPS`), a collection of ids,
        or ``None`` for everybody in the step activity.
    kind : ``"visited"`` or ``"completed"``.

    Returns
    -------
    DataFrame
        One row per course step, in course order:

        ``step``
            the step (ordered Categorical).
        ``learners``
            learners whose last event is on this step ("stopped here").
        ``stopped_cumulative``
            learners who stopped on this step or an earlier one (running total).
        ``went_on``
            learners who went on past this step: sample size minus ``stopped_cumulative``
            (0 at the last step).

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(
    ...     enrolments=pd.DataFrame({"learner_id": ["a", "b"], "role": "learner"}),
    ...     step_activity=pd.DataFrame({
    ...         "learner_id": ["a", "a", "b"], "step": ["1.1", "1.2", "1.1"],
    ...         "first_visited_at": ["2024-02-05 10:00:00", "2024-02-05 10:05:00",
    ...                              "2024-02-05 11:00:00"]}))
    >>> last_steps(c)
      step  learners  stopped_cumulative  went_on
    0  1.1         1                   1        1
    1  1.2         1                   2        0
    """
    if kind not in ("visited", "completed"):
        raise ValueError(f"kind={kind!r}: expected 'visited' or 'completed'")
    n_steps = len(course.steps)
    if n_steps == 0:
        return empty_steps(course, _LAST_COLUMNS)
    col = "first_visited_at" if kind == "visited" else "last_completed_at"
    mask = group_mask(course, group)
    sa = course.table("step-activity", ["learner_id", "step", col])
    person = person_codes(course, sa["learner_id"])
    step = step_codes(sa["step"])
    keep = _keep(person, mask) & (step >= 0) & sa[col].notna().to_numpy()
    person, step = person[keep], step[keep]
    t = ns(sa[col])[keep]
    pick = pick_per_person(person, t, step, len(course.people), last=True)
    last = step[pick[pick >= 0]]
    counts = np.bincount(last, minlength=n_steps).astype(np.int64)
    cum = np.cumsum(counts)
    return step_frame(
        course,
        learners=counts,
        stopped_cumulative=cum,
        went_on=(len(last) - cum).astype(np.int64),
    )


# --------------------------------------------------------------------------- activity


@per_course
def step_activity_counts(
    course: Course,
    *,
    group: Group = "enrolled",
    start=None,
    end=None,
    learners: bool = False,
    measures: Iterable[str] = tuple(MEASURES),
) -> pd.DataFrame:
    """What happened on each step? First visits, completions, comments and quiz answers.

    Counts the activity of the learners in ``group`` on every step, optionally only
    what happened in a time window (e.g. one day: ``start="2024-02-05",
    end="2024-02-06"``). Each measure is dated by its own timestamp: a first visit by
    ``first_visited_at``, a completion by ``last_completed_at``, a comment by its
    ``timestamp``, an answer by ``submitted_at``.

    Parameters
    ----------
    course : a :class:`~flbook.store.Course`.
    group : a learner group (see :data:`~flbook.analysis.GROUPS`), a collection of ids,
        or ``None`` for everybody (course team included).
    start, end : optional window ``[start, end)``: dates (midnight UTC), timestamps, or,
        when the course has settings, names the settings resolve
        (``"start"``, ``"week 2"``, ``"3 days after start"``). ``end`` is excluded.
    learners : also count the distinct learners behind each number (column ``learners``).
    measures : which of :data:`MEASURES` to count (default all four).

    Returns
    -------
    DataFrame
        Long form, one row per step and measure (steps in course order, zeros included):

        ``step``
            the step (ordered Categorical).
        ``measure``
            ``visited`` (first visits), ``completed`` (marked complete), ``comments``
            (comments and replies), ``answers`` (quiz/test submissions, every attempt)
            — an ordered Categorical.
        ``count``
            number of such events.
        ``learners``
            (only with ``learners=True``) distinct learners with such an event.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(
    ...     enrolments=pd.DataFrame({"learner_id": ["a"], "role": "learner"}),
    ...     step_activity=pd.DataFrame({"learner_id": ["a"], "step": ["1.1"],
    ...         "first_visited_at": ["2024-02-05 10:00:00"],
    ...         "last_completed_at": ["2024-02-05 10:09:00"]}))
    >>> step_activity_counts(c, measures=["visited", "completed"])
      step    measure  count
    0  1.1    visited      1
    1  1.1  completed      1
    """
    measures = list(dict.fromkeys(measures))
    unknown = [m for m in measures if m not in MEASURES]
    if unknown:
        raise ValueError(f"unknown measure(s) {unknown}; measures are: {', '.join(MEASURES)}")
    mdtype = pd.CategoricalDtype(measures, ordered=True)
    n_steps = len(course.steps)
    if n_steps == 0 or not measures:
        cols = {"count": "int64"} | ({"learners": "int64"} if learners else {})
        out = empty_steps(course, {})
        out["measure"] = pd.Categorical([], dtype=mdtype)
        for c, t in cols.items():
            out[c] = pd.Series([], dtype=t)
        return out
    t0 = _as_time(course, start, "start")
    t1 = _as_time(course, end, "end")
    mask = group_mask(course, group)
    n_people = len(course.people)

    sources = {
        "visited": ("step-activity", "learner_id", "first_visited_at"),
        "completed": ("step-activity", "learner_id", "last_completed_at"),
        "comments": ("comments", "author_id", "timestamp"),
        "answers": ("question-response", "learner_id", "submitted_at"),
    }
    counts = np.zeros((n_steps, len(measures)), dtype=np.int64)
    distinct = np.zeros((n_steps, len(measures)), dtype=np.int64)
    for j, m in enumerate(measures):
        table, who, when = sources[m]
        t = course.table(table, [who, "step", when])
        person = person_codes(course, t[who])
        step = step_codes(t["step"])
        keep = _keep(person, mask) & (step >= 0) & _in_window(t[when], t0, t1)
        person, step = person[keep], step[keep]
        counts[:, j] = np.bincount(step, minlength=n_steps)
        if learners:
            pairs = sorted_distinct(
                step * np.int64(n_people + 1) + person, below=n_steps * (n_people + 1)
            )
            distinct[:, j] = np.bincount(pairs // (n_people + 1), minlength=n_steps)

    codes = np.repeat(np.arange(n_steps, dtype=np.int16), len(measures))
    out = pd.DataFrame(
        {
            "step": pd.Categorical.from_codes(codes, dtype=course.step_dtype),
            "measure": pd.Categorical(
                np.tile(np.array(measures, dtype=object), n_steps), dtype=mdtype
            ),
            "count": counts.ravel(),
        }
    )
    if learners:
        out["learners"] = distinct.ravel()
    return out


# --------------------------------------------------------------------------- funnel

_FUNNEL_COLUMNS = {"learners": "int64", "pct_of_first": "float64"}


@per_course
def step_funnel(
    course: Course,
    *,
    group: Group = "enrolled",
    first_step: str | None = None,
) -> pd.DataFrame:
    """Of the learners who visited the first step, what share visited each later step?

    Follows the cohort of learners in ``group`` who visited ``first_step`` (default:
    the course's first step, usually "1.1") through the course: for every step from
    ``first_step`` on, how many of them visited it, and what percentage of the cohort
    that is. Steps before ``first_step`` are left out.

    Parameters
    ----------
    course : a :class:`~flbook.store.Course`.
    group : a learner group (see :data:`~flbook.analysis.GROUPS`), a collection of ids,
        or ``None`` for everybody in the step activity.
    first_step : the step defining the cohort (``"W.S"``); default the first course step.

    Returns
    -------
    DataFrame
        ``step`` (ordered Categorical, course order), ``learners`` (cohort members who
        visited the step; the first row is the cohort size) and ``pct_of_first``
        (``learners`` as a percentage of the cohort; NaN when nobody visited the first
        step).

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(
    ...     enrolments=pd.DataFrame({"learner_id": ["a", "b"], "role": "learner"}),
    ...     step_activity=pd.DataFrame({"learner_id": ["a", "b", "a"],
    ...         "step": ["1.1", "1.1", "1.2"], "first_visited_at": "2024-02-05 10:00:00"}))
    >>> step_funnel(c)
      step  learners  pct_of_first
    0  1.1         2         100.0
    1  1.2         1          50.0
    """
    n_steps = len(course.steps)
    if n_steps == 0:
        return empty_steps(course, _FUNNEL_COLUMNS)
    if first_step is None:
        first = 0
    else:
        cats = list(course.step_dtype.categories)
        if str(first_step) not in cats:
            raise ValueError(f"first_step={first_step!r} is not a step of this course")
        first = cats.index(str(first_step))
    person, step = _visits(course, group)
    cohort = np.zeros(len(course.people) + 1, dtype=bool)
    cohort[person[step == first]] = True
    inside = cohort[person]
    width = np.int64(len(course.people) + 1)
    pairs = sorted_distinct(step[inside] * width + person[inside], below=n_steps * int(width))
    counts = np.bincount(pairs // (len(course.people) + 1), minlength=n_steps).astype(np.int64)
    counts = counts[first:]
    size = counts[0]
    pct = counts / size * 100 if size else np.full(len(counts), np.nan)
    return step_frame(course, first=first, learners=counts, pct_of_first=pct.astype(np.float64))
