"""Study sessions: how learners spread their work on the course over time.

A learner's *step events* are the moments they first visited a step
(``first_visited_at``) and last marked a step complete (``last_completed_at``), the
two timestamps of the step-activity export. Ordered in time, they are cut into
*study sessions*: **a gap longer than the session gap (65 minutes by default) starts a
new session; a gap exactly equal to it does not.** (The original recipes notebook cut
on ``>=`` and on first visits only; we cut on ``>`` so that the setting reads "a longer
pause starts a new session", and we use completions too, because marking a step
complete is evidence the learner was there.)

Everything here is computed for all learners at once: one sort of the events by
learner code and time, ``np.diff`` for the gaps, a cumulative sum for the session
numbers. No Python loop over learners.

Given a :class:`~flbook.store.Course`, only people with role ``learner`` in the
enrolments are counted (educators visit steps too); given a step-activity table, every
row is used.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..store import per_course  # noqa: I001
from ._groups import Group, group_members, learner_flags, pick_learner, pseudonyms
from .arrays import NAT, as_time, empty_frame, ns, read_only

if TYPE_CHECKING:
    from flbook.store import Course

__all__ = [
    "STEP_EVENTS",
    "SESSION_MEASURES",
    "sessionise",
    "learner_sessions",
    "learner_last_steps",
    "session_summary",
    "session_distribution",
    "compare_groups",
    "learner_trajectory",
    "rebase_times",
]

STEP_EVENTS: tuple[str, ...] = ("visited", "completed")
"""The step events sessions are made of: a first visit and a completion of a step."""

SESSION_MEASURES: dict[str, str] = {
    "sessions": "study sessions",
    "events": "step events (first visits and completions)",
    "steps": "different steps visited or completed",
    "steps_per_session": "different steps visited or completed per session (mean)",
    "study_minutes": "estimated study time in minutes (sum of gaps within sessions)",
    "minutes_per_session": "estimated study time per session in minutes (mean)",
    "time_in_course_hours": "hours from the first to the last step event",
    "time_in_course_days": "days from the first to the last step event",
}
"""Per-learner measures of :func:`learner_sessions`, with what each means."""

_NS_PER_MINUTE = 60_000_000_000

_LEARNER_COLUMNS = [
    "learner_id",
    "sessions",
    "events",
    "steps",
    "steps_per_session",
    "study_minutes",
    "minutes_per_session",
    "first_event",
    "last_event",
    "time_in_course_hours",
    "time_in_course_days",
]
_SUMMARY_COLUMNS = ["group", "measure", "learners", "mean", "p10", "q1", "median", "q3", "p90"]
_DISTRIBUTION_COLUMNS = ["group", "measure", "bin_left", "bin_right", "learners", "pct"]
_TRAJECTORY_COLUMNS = ["pseudonym", "time", "step", "session", "event"]


# --------------------------------------------------------------------------- helpers
# (shared with _events and _schedule)


def role_mask(course: Course, roles: Iterable[str] | None) -> np.ndarray | None:
    """Boolean per person code (plus a trailing False for code -1): has one of ``roles``."""
    if roles is None:
        return None
    enr = course.table("enrolments", ["learner_id", "role"])
    mask = np.zeros(len(course.people) + 1, dtype=bool)
    keep = enr["role"].astype("object").isin(list(roles)).to_numpy()
    codes = enr["learner_id"].cat.codes.to_numpy()[keep]
    mask[codes[codes >= 0]] = True
    return mask


def ids_mask(course: Course, learners) -> np.ndarray:
    """Boolean per person code for an iterable of ids or a learner-group expression."""
    if isinstance(learners, str):
        learners = group_members(course, learners)
    pos = course.people.get_indexer(pd.Index(list(learners)).astype("object"))
    mask = np.zeros(len(course.people) + 1, dtype=bool)
    mask[pos[pos >= 0]] = True
    return mask


def _step_key(step: str) -> tuple[int, ...]:
    return tuple(int(p) for p in str(step).split("."))


def _as_step_activity(df: pd.DataFrame) -> pd.DataFrame:
    """A step-activity table with Categorical ids and course-ordered Categorical steps.

    Tables from a :class:`~flbook.store.Course` already are; plain tables (strings)
    are converted, so the functions also work on a hand-made frame.
    """
    out = {}
    lid = df["learner_id"]
    out["learner_id"] = (
        lid
        if isinstance(lid.dtype, pd.CategoricalDtype)
        else lid.astype("object").astype("category")
    )
    step = df["step"]
    if not (isinstance(step.dtype, pd.CategoricalDtype) and step.dtype.ordered):
        values = step.astype("object")
        order = sorted({str(s) for s in values.dropna()}, key=_step_key)
        step = pd.Series(pd.Categorical(values, categories=order, ordered=True), index=df.index)
    out["step"] = step
    for col in ("first_visited_at", "last_completed_at"):
        out[col] = (
            df[col]
            if col in df.columns
            else pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns, UTC]")
        )
    return pd.DataFrame(out)


def person_time_order(
    codes: np.ndarray, times: np.ndarray, *tiebreaks: tuple[np.ndarray, int]
) -> np.ndarray:
    """Indices sorting rows by person code, then time, then each tie-break (small ints ≥ 0).

    One stable argsort on a single int64 key packed from the parts when it fits (the
    exports' timestamps are whole seconds, so it nearly always does), else one
    ``np.lexsort`` on the int codes and int64 times.
    """
    if len(codes) == 0:
        return np.empty(0, dtype=np.intp)
    rel = times - times.min()
    if not (rel % 1_000_000_000).any():
        rel = rel // 1_000_000_000
    radices = [int(codes.max()) + 1, int(rel.max()) + 1] + [int(r) for _, r in tiebreaks]
    if np.prod([float(r) for r in radices]) < 2.0**62:
        key = codes.astype(np.int64)
        key = key * radices[1] + rel
        for arr, r in tiebreaks:
            key = key * int(r) + arr.astype(np.int64)
        return np.argsort(key, kind="stable")
    keys = [arr for arr, _ in reversed(tiebreaks)] + [times, codes]
    return np.lexsort(keys)


def _distinct_per_group(groups: np.ndarray, values: np.ndarray, radix: int, n: int) -> np.ndarray:
    """Number of distinct ``values`` (ints in [0, radix)) per group id (ints in [0, n)).

    ``groups`` is non-decreasing (rows sorted by group), so the packed key is nearly
    sorted and timsort orders it quickly.
    """
    if len(groups) == 0:
        return np.zeros(n, dtype=np.int64)
    key = np.sort(groups.astype(np.int64) * radix + values.astype(np.int64), kind="stable")
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    return np.bincount(key[first] // radix, minlength=n)


@dataclass
class _Events:
    """Step events of every learner, sorted by learner then time, with their sessions."""

    people: pd.Index
    step_dtype: pd.CategoricalDtype
    codes: np.ndarray  # person code per event
    steps: np.ndarray  # step code per event
    events: np.ndarray  # 0 visited, 1 completed
    times: np.ndarray  # int64 ns UTC
    gaps: np.ndarray  # int64 ns since the learner's previous event (0 for the first)
    new_learner: np.ndarray  # bool: first event of a learner
    new_session: np.ndarray  # bool: first event of a session
    session: np.ndarray  # int64 session number within the learner, from 1

    def __len__(self) -> int:
        return len(self.codes)


def _step_events(
    data, *, roles: Iterable[str] | None = ("learner",), only: np.ndarray | None = None
) -> tuple[pd.Index, pd.CategoricalDtype, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Unsorted step events: (people, step dtype, codes, step codes, event codes, ns times)."""
    if isinstance(data, pd.DataFrame):
        sa = _as_step_activity(data)
        mask = None
    else:
        sa = data.table(
            "step-activity", ["learner_id", "step", "first_visited_at", "last_completed_at"]
        )
        mask = role_mask(data, roles)
    if only is not None:
        mask = only if mask is None else (mask & only)
    people = sa["learner_id"].cat.categories
    step_dtype = sa["step"].dtype
    codes = sa["learner_id"].cat.codes.to_numpy().astype(np.int32, copy=False)
    steps = sa["step"].cat.codes.to_numpy().astype(np.int16, copy=False)
    parts = []
    for event, col in enumerate(("first_visited_at", "last_completed_at")):
        t = ns(sa[col])
        ok = (t != NAT) & (codes >= 0)
        if mask is not None:
            ok &= mask[codes]
        parts.append((codes[ok], steps[ok], np.full(int(ok.sum()), event, dtype=np.int8), t[ok]))
    cat = [np.concatenate(p) for p in zip(*parts, strict=True)]
    return people, step_dtype, *cat


def _sessionise_events(
    data,
    *,
    session_gap_minutes: float,
    roles: Iterable[str] | None = ("learner",),
    only: np.ndarray | None = None,
) -> _Events:
    if only is None and not isinstance(data, pd.DataFrame) and hasattr(data, "derived"):
        key = ("sessionise", float(session_gap_minutes), None if roles is None else tuple(roles))
        return data.derived(key, lambda: _shared_events(data, session_gap_minutes, roles))
    return _cut_sessions(data, session_gap_minutes, roles, only)


_EVENT_ARRAYS = (
    "codes",
    "steps",
    "events",
    "times",
    "gaps",
    "new_learner",
    "new_session",
    "session",
)


def _shared_events(course: Course, session_gap_minutes: float, roles) -> _Events:
    """A course's sessionised events, read-only: shared by every recipe of the process.

    With the course's own session gap and learners only (what most chapters ask for),
    the arrays are also stored beside the course's store, for the next chapter's kernel.
    """
    config = getattr(course, "config", None)
    learners = roles is not None and tuple(roles) == ("learner",)
    usual = (
        config is not None
        and learners
        and float(session_gap_minutes) == float(config.session_gap_minutes)
    )
    if config is not None and learners and not usual:
        # another gap: the events' order and the gaps between them do not depend on the
        # session gap, so only the session numbers are cut again, from the usual events
        # (chapter 11 compares three gaps: 8.7 s became about 1 s at 200,000 learners)
        base = _sessionise_events(
            course, session_gap_minutes=config.session_gap_minutes, roles=roles
        )
        new_session, session = _number_sessions(base.new_learner, base.gaps, session_gap_minutes)
        ev = _Events(
            base.people, base.step_dtype, base.codes, base.steps, base.events, base.times,
            base.gaps, base.new_learner, new_session, session,
        )  # fmt: skip
    elif usual:
        key = ("sessionised-events", float(session_gap_minutes), tuple(roles))

        def compute() -> pd.DataFrame:
            ev = _cut_sessions(course, session_gap_minutes, roles, None)
            return pd.DataFrame({name: getattr(ev, name) for name in _EVENT_ARRAYS})

        table = course.derived(key, compute, stored=True)
        ev = _Events(
            course.people,
            course.step_dtype,
            *(table[name].to_numpy() for name in _EVENT_ARRAYS),
        )
    else:
        ev = _cut_sessions(course, session_gap_minutes, roles, None)
    return read_only(ev)


def _cut_sessions(data, session_gap_minutes: float, roles, only) -> _Events:
    people, step_dtype, codes, steps, events, times = _step_events(data, roles=roles, only=only)
    n_steps = max(len(step_dtype.categories), 1) + 1  # +1: code -1 (no step) shifted to 0
    order = person_time_order(codes, times, (steps.astype(np.int32) + 1, n_steps), (events, 2))
    codes, steps, events, times = codes[order], steps[order], events[order], times[order]
    n = len(codes)
    new_learner = np.ones(n, dtype=bool)
    new_learner[1:] = codes[1:] != codes[:-1]
    gaps = np.zeros(n, dtype=np.int64)
    gaps[1:] = np.diff(times)
    gaps[new_learner] = 0
    new_session, session = _number_sessions(new_learner, gaps, session_gap_minutes)
    return _Events(
        people, step_dtype, codes, steps, events, times, gaps, new_learner, new_session, session
    )


def _number_sessions(
    new_learner: np.ndarray, gaps: np.ndarray, session_gap_minutes: float
) -> tuple[np.ndarray, np.ndarray]:
    """(new_session, session): where sessions start, and each event's session number
    (1, 2, ... within its learner), for events in person-time order."""
    threshold = int(round(float(session_gap_minutes) * _NS_PER_MINUTE))
    new_session = new_learner | (gaps > threshold)
    overall = np.cumsum(new_session)
    if not len(overall):
        return new_session, overall
    starts = np.flatnonzero(new_learner)
    which = np.cumsum(new_learner) - 1
    return new_session, (overall - overall[starts][which] + 1).astype(np.int64)


def _event_dtype() -> pd.CategoricalDtype:
    return pd.CategoricalDtype(list(STEP_EVENTS))


def _sessions_frame(ev: _Events) -> pd.DataFrame:
    session_gap_minutes = ev.gaps / _NS_PER_MINUTE
    session_gap_minutes[ev.new_learner] = np.nan
    return pd.DataFrame(
        {
            "learner_id": pd.Categorical.from_codes(ev.codes, categories=ev.people, validate=False),
            "step": pd.Categorical.from_codes(ev.steps, dtype=ev.step_dtype, validate=False),
            "event": pd.Categorical.from_codes(ev.events, dtype=_event_dtype(), validate=False),
            "time": as_time(ev.times),
            "session": ev.session,
            "session_gap_minutes": session_gap_minutes,
        }
    )


# --------------------------------------------------------------------------- sessions


def sessionise(
    course_or_step_activity,
    *,
    session_gap_minutes: float = 65,
    roles: Sequence[str] | None = ("learner",),
) -> pd.DataFrame:
    """Cut every learner's step events into study sessions (all learners at once).

    Answers: *when did each learner work on the course, and in how many sittings?*
    Step events are first visits (``first_visited_at``) and completions
    (``last_completed_at``) of steps. A gap **longer** than ``session_gap_minutes`` between
    two events of the same learner starts a new session; a gap exactly equal to it
    does not.

    Parameters
    ----------
    course_or_step_activity : Course or DataFrame
        A course (only people with one of ``roles`` in the enrolments are used) or a
        step-activity table (every row is used).
    session_gap_minutes : float
        The session gap; a course's setting is ``course.config.session_gap_minutes``.
    roles : tuple of str or None
        With a course: the enrolment roles counted (default learners only; None: all).

    Returns
    -------
    DataFrame, one row per step event, sorted by learner then time (ties: course
    order of steps, then visit before completion):

    - ``learner_id``: the learner (Categorical over ``course.people``; its codes are
      course-wide person codes).
    - ``step``: the step (ordered Categorical, course order).
    - ``event``: ``"visited"`` or ``"completed"`` (Categorical).
    - ``time``: when (UTC).
    - ``session``: the learner's session number, from 1.
    - ``session_gap_minutes``: minutes since the learner's previous event (NaN for the first).

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> sa = pd.DataFrame({"learner_id": ["a", "a", "a"], "step": ["1.1", "1.2", "1.3"],
    ...     "first_visited_at": ["2024-02-05 10:00:00", "2024-02-05 10:30:00",
    ...                          "2024-02-05 12:00:00"]})
    >>> sessionise(Course.from_frames(step_activity=sa).step_activity)[["step", "session"]]
      step  session
    0  1.1        1
    1  1.2        1
    2  1.3        2
    """
    ev = _sessionise_events(
        course_or_step_activity, session_gap_minutes=session_gap_minutes, roles=roles
    )
    return _sessions_frame(ev)


def _per_learner(ev: _Events) -> pd.DataFrame:
    """Per-learner session measures from sorted, sessionised events."""
    n = len(ev)
    starts = np.flatnonzero(ev.new_learner)
    ends = np.append(starts[1:], n)
    n_learners = len(starts)
    learner_of_event = np.cumsum(ev.new_learner) - 1
    n_sessions = ev.session[ends - 1]
    within = np.where(ev.new_session, 0, ev.gaps)
    study_ns = np.add.reduceat(within, starts) if n else np.zeros(0, dtype=np.int64)
    # different steps per learner, and per session (summed over the learner's sessions)
    step_vals = ev.steps.astype(np.int32) + 1
    radix = len(ev.step_dtype.categories) + 1
    steps = _distinct_per_group(learner_of_event, step_vals, radix, n_learners)
    session_id = np.cumsum(ev.new_session) - 1
    n_all_sessions = int(session_id[-1]) + 1 if n else 0
    per_session = _distinct_per_group(session_id, step_vals, radix, n_all_sessions)
    learner_of_session = learner_of_event[ev.new_session]
    pairs = np.bincount(learner_of_session, weights=per_session, minlength=n_learners)
    study_minutes = study_ns / _NS_PER_MINUTE
    span_ns = (ev.times[ends - 1] - ev.times[starts]).astype(np.float64)
    return pd.DataFrame(
        {
            "learner_id": pd.Categorical.from_codes(
                ev.codes[starts], categories=ev.people, validate=False
            ),
            "sessions": n_sessions.astype(np.int64),
            "events": (ends - starts).astype(np.int64),
            "steps": steps.astype(np.int64),
            "steps_per_session": pairs / n_sessions,
            "study_minutes": study_minutes,
            "minutes_per_session": study_minutes / n_sessions,
            "first_event": as_time(ev.times[starts]),
            "last_event": as_time(ev.times[ends - 1]),
            "time_in_course_hours": span_ns / (60 * _NS_PER_MINUTE),
            "time_in_course_days": span_ns / (24 * 60 * _NS_PER_MINUTE),
        }
    )


@per_course
def learner_sessions(
    course: Course | pd.DataFrame,
    *,
    session_gap_minutes: float = 65,
    group: Group = None,
) -> pd.DataFrame:
    """Per learner: how many study sessions, how long in the course, how long studying.

    Answers: *how do learners pace themselves?* Built on :func:`sessionise` (a gap
    longer than ``session_gap_minutes`` starts a new session). This is a learner-level table
    for analysis; charts should get :func:`session_distribution`,
    :func:`session_summary` or :func:`compare_groups` instead.

    Parameters
    ----------
    course : Course or DataFrame
        A course (learners with role ``learner``) or a step-activity table.
    session_gap_minutes : float
        The session gap (``course.config.session_gap_minutes``).
    group : str, optional
        Only learners of this group (any expression :func:`group_members` accepts,
        e.g. ``"fully_participated"``); needs a course. Default: every learner.

    Returns
    -------
    DataFrame, one row per learner with at least one step event (learners who never
    visited a step are not listed), in person-code order:

    - ``learner_id`` (Categorical over ``course.people``)
    - ``sessions``: number of study sessions
    - ``events``: step events (first visits + completions)
    - ``steps``: different steps visited or completed
    - ``steps_per_session``: different steps touched per session, averaged over the
      learner's sessions
    - ``study_minutes``: estimated study time: the sum of the gaps between
      consecutive events *within* sessions (a one-event session counts 0)
    - ``minutes_per_session``: ``study_minutes / sessions``
    - ``first_event``, ``last_event``: first and last step event (UTC)
    - ``time_in_course_hours``, ``time_in_course_days``: from first to last event

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> sa = pd.DataFrame({"learner_id": ["a", "a", "a", "b"],
    ...     "step": ["1.1", "1.2", "1.3", "1.1"],
    ...     "first_visited_at": ["2024-02-05 10:00:00", "2024-02-05 10:30:00",
    ...                          "2024-02-06 09:00:00", "2024-02-05 11:00:00"]})
    >>> c = Course.from_frames(step_activity=sa)
    >>> learner_sessions(c.step_activity)[["learner_id", "sessions", "study_minutes"]]
      learner_id  sessions  study_minutes
    0          a         2           30.0
    1          b         1            0.0
    """
    only = None
    if group is not None:
        if isinstance(course, pd.DataFrame):
            raise ValueError("group= needs a course (learner groups come from its enrolments)")
        only = ids_mask(course, group)
    ev = _sessionise_events(course, session_gap_minutes=session_gap_minutes, only=only)
    if len(ev) == 0:
        return empty_frame(_LEARNER_COLUMNS, _learner_dtypes(ev.people))
    return _per_learner(ev)


def _learner_dtypes(people) -> dict[str, object]:
    return {
        "learner_id": pd.CategoricalDtype(people),
        "sessions": "int64",
        "events": "int64",
        "steps": "int64",
        "first_event": "datetime64[ns, UTC]",
        "last_event": "datetime64[ns, UTC]",
    }


def learner_last_steps(
    course_or_step_activity, *, roles: Sequence[str] | None = ("learner",)
) -> pd.DataFrame:
    """Each learner's last *first-visited* step: the step they reached last in time.

    Answers: *where was each learner when they stopped visiting new steps?* The step
    whose ``first_visited_at`` is latest (on a tie, the later step in course order).
    As the original notebook noted, this is last *in time*, not the furthest step.

    Returns
    -------
    DataFrame, one row per learner with a visit: ``learner_id`` (Categorical),
    ``last_step`` (ordered Categorical), ``last_visited_at`` (UTC).
    """
    people, step_dtype, codes, steps, events, times = _step_events(
        course_or_step_activity, roles=roles
    )
    visit = events == 0
    codes, steps, times = codes[visit], steps[visit], times[visit]
    order = person_time_order(
        codes, times, (steps.astype(np.int32) + 1, len(step_dtype.categories) + 1)
    )
    codes, steps, times = codes[order], steps[order], times[order]
    last = np.ones(len(codes), dtype=bool)
    last[:-1] = codes[1:] != codes[:-1]
    return pd.DataFrame(
        {
            "learner_id": pd.Categorical.from_codes(codes[last], categories=people, validate=False),
            "last_step": pd.Categorical.from_codes(steps[last], dtype=step_dtype, validate=False),
            "last_visited_at": as_time(times[last]),
        }
    )


# --------------------------------------------------------------------------- summaries


def _group_masks(df: pd.DataFrame, by_group) -> list[tuple[str, np.ndarray]]:
    """(group name, row mask) pairs for ``by_group`` (None, a column name, or {name: ids})."""
    if by_group is None:
        return [("all learners", np.ones(len(df), dtype=bool))]
    if isinstance(by_group, str):
        col = df[by_group]
        names = (
            list(col.cat.categories)
            if isinstance(col.dtype, pd.CategoricalDtype)
            else sorted(col.dropna().unique(), key=str)
        )
        values = col.to_numpy()
        return [(str(name), values == name) for name in names]
    ids = df["learner_id"].astype("object")
    return [
        (str(name), ids.isin(pd.Index(list(members)).astype("object")).to_numpy())
        for name, members in by_group.items()
    ]


def _measures(measures, df: pd.DataFrame) -> list[str]:
    if measures is None:
        measures = [
            "sessions",
            "steps_per_session",
            "study_minutes",
            "time_in_course_days",
        ]
    elif isinstance(measures, str):
        measures = [measures]
    unknown = [m for m in measures if m not in df.columns]
    if unknown:
        raise ValueError(
            f"unknown measure(s) {unknown}; measures are: {', '.join(SESSION_MEASURES)}"
        )
    return list(measures)


def session_summary(
    learner_sessions_df: pd.DataFrame,
    *,
    measures: str | Sequence[str] | None = None,
    by_group=None,
) -> pd.DataFrame:
    """Quartiles of per-learner session measures, overall or per group.

    Answers: *what is a typical learner's number of sessions, study time, ...?*

    Parameters
    ----------
    learner_sessions_df : DataFrame
        The output of :func:`learner_sessions`.
    measures : str or list of str, optional
        Columns of it to summarise (default ``sessions``, ``steps_per_session``,
        ``study_minutes``, ``time_in_course_days``; see :data:`SESSION_MEASURES`).
    by_group : None, str or mapping
        None: all learners together (group ``"all learners"``); a column name of
        ``learner_sessions_df``; or ``{group name: learner ids}``.

    Returns
    -------
    DataFrame, one row per group and measure: ``group``, ``measure``, ``learners``
    (learners with at least one step event in the group), ``mean``, ``p10``, ``q1``
    (25th percentile), ``median``, ``q3`` (75th), ``p90``, in the measure's unit.
    """
    measures = _measures(measures, learner_sessions_df)
    rows = []
    for name, mask in _group_masks(learner_sessions_df, by_group):
        for measure in measures:
            v = learner_sessions_df[measure].to_numpy(dtype=np.float64)[mask]
            v = v[~np.isnan(v)]
            if len(v) == 0:
                q = [np.nan] * 5
                mean = np.nan
            else:
                q = np.quantile(v, [0.1, 0.25, 0.5, 0.75, 0.9])
                mean = float(v.mean())
            rows.append((name, measure, len(v), mean, *map(float, q)))
    out = pd.DataFrame(rows, columns=_SUMMARY_COLUMNS)
    out = out[out["learners"] > 0].reset_index(drop=True)
    out["learners"] = out["learners"].astype(np.int64)
    if out.empty:
        return empty_frame(
            _SUMMARY_COLUMNS, {"group": "object", "measure": "object", "learners": "int64"}
        )
    return out


def _auto_edges(v: np.ndarray) -> np.ndarray:
    """Bin edges: one per whole number for small counts, log-spaced when heavy-tailed."""
    if len(v) == 0:
        return np.array([0.0, 1.0])
    lo, hi = float(v.min()), float(v.max())
    if np.all(v == np.round(v)) and hi - lo <= 40:
        return np.arange(lo - 0.5, hi + 1.5, 1.0)
    pos = v[v > 0]
    if len(pos) and lo >= 0 and hi / max(float(np.median(pos)), 1e-12) > 20:
        first = float(pos.min())
        edges = np.geomspace(first, hi * 1.000001, 31)
        return np.concatenate([[0.0], edges]) if lo == 0 else edges
    if hi == lo:
        return np.array([lo - 0.5, hi + 0.5])
    return np.linspace(min(lo, 0.0) if lo >= 0 else lo, hi, 31)


def session_distribution(
    learner_sessions_df: pd.DataFrame,
    *,
    measure: str = "sessions",
    by_group=None,
    bins: str | int | Sequence[float] = "auto",
) -> pd.DataFrame:
    """How many learners had 1, 2, 3 ... sessions (or so many minutes of study): binned.

    Answers: *how is a session measure spread across learners?* This aggregated table
    is what :func:`~flbook.plotting.plot_session_distribution` draws.

    Parameters
    ----------
    learner_sessions_df : DataFrame
        The output of :func:`learner_sessions`.
    measure : str
        One of :data:`SESSION_MEASURES` (default ``"sessions"``).
    by_group : None, str or mapping
        As in :func:`session_summary`; all groups share the same bins.
    bins : "auto", int or sequence
        ``"auto"``: one bin per whole number for small counts (bins centred on the
        numbers), log-spaced bins for heavy-tailed measures (with a first bin
        ``[0, smallest positive value)`` for zeros), else 30 equal bins. An int: that
        many equal bins. A sequence: the bin edges.

    Returns
    -------
    DataFrame, one row per group and bin: ``group``, ``measure``, ``bin_left``,
    ``bin_right`` (bins are ``[left, right)``, the last one closed), ``learners``
    (count), ``pct`` (of the group's learners).
    """
    measure = _measures(measure, learner_sessions_df)[0]
    values = learner_sessions_df[measure].to_numpy(dtype=np.float64)
    ok = ~np.isnan(values)
    if not ok.any():
        return empty_frame(
            _DISTRIBUTION_COLUMNS, {"group": "object", "measure": "object", "learners": "int64"}
        )
    if isinstance(bins, str):
        edges = _auto_edges(values[ok])
    elif isinstance(bins, int):
        edges = np.histogram_bin_edges(values[ok], bins=bins)
    else:
        edges = np.asarray(bins, dtype=np.float64)
    frames = []
    for name, mask in _group_masks(learner_sessions_df, by_group):
        v = values[mask & ok]
        counts, _ = np.histogram(v, bins=edges)
        total = max(len(v), 1)
        frames.append(
            pd.DataFrame(
                {
                    "group": name,
                    "measure": measure,
                    "bin_left": edges[:-1],
                    "bin_right": edges[1:],
                    "learners": counts.astype(np.int64),
                    "pct": 100.0 * counts / total,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


@per_course
def compare_groups(
    course: Course,
    *,
    groups: Sequence[str] = ("fully_participated", "unenrolled"),
    session_gap_minutes: float = 65,
    measures: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Session measures compared across learner groups (quartiles per group).

    Answers: *do learners who fully participated study differently from those who
    left?* Learners of each group who never visited a step are not counted (they have
    no sessions); ``learners`` says how many were.

    Parameters
    ----------
    course : Course
    groups : sequence of str
        Group expressions (see :data:`GROUPS` and :func:`group_members`).
    session_gap_minutes : float
        The session gap.
    measures : str or list of str, optional
        As in :func:`session_summary`.

    Returns
    -------
    DataFrame (tidy): ``group``, ``measure``, ``learners``, ``mean``, ``p10``, ``q1``,
    ``median``, ``q3``, ``p90`` — one row per group and measure, groups in the order
    given.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> enr = pd.DataFrame({"learner_id": ["a", "b"], "role": ["learner", "learner"],
    ...     "enrolled_at": ["2024-02-01 09:00:00"] * 2,
    ...     "unenrolled_at": [None, "2024-02-09 09:00:00"]})
    >>> sa = pd.DataFrame({"learner_id": ["a", "a", "b"], "step": ["1.1", "1.2", "1.1"],
    ...     "first_visited_at": ["2024-02-05 10:00:00", "2024-02-06 10:00:00",
    ...                          "2024-02-05 10:00:00"]})
    >>> c = Course.from_frames(enrolments=enr, step_activity=sa)
    >>> compare_groups(c, groups=("~unenrolled", "unenrolled"), measures="sessions")[
    ...     ["group", "measure", "learners", "median"]]
             group   measure  learners  median
    0  ~unenrolled  sessions         1     2.0
    1   unenrolled  sessions         1     1.0
    """
    ls = learner_sessions(course, session_gap_minutes=session_gap_minutes)
    if ls.empty:
        return session_summary(ls, measures=measures)
    flags = learner_flags(course)
    members = {g: group_members(flags, g) for g in groups}
    return session_summary(ls, measures=measures, by_group=members)


# --------------------------------------------------------------------------- one learner


def pseudonym_salt(course: Course) -> str:
    """The salt of a course's pseudonyms: its file prefix (``stub``), empty without settings."""
    config = getattr(course, "config", None)
    return config.stub if config is not None else ""


def learner_trajectory(
    course: Course,
    *,
    learner=None,
    seed: int = 0,
    session_gap_minutes: float = 65,
) -> pd.DataFrame:
    """One learner's path through the course: which step, when, in which session.

    Answers: *what does studying this course look like for one person?* The learner
    is shown only under a pseudonym. When ``learner`` is None one is chosen
    reproducibly (:func:`pick_learner` with ``seed``) among learners with at least
    three sessions (among all learners with a step event if nobody has three).

    Returns
    -------
    DataFrame, one row per step event in time order: ``pseudonym`` (e.g.
    ``"Learner 3F9A"``), ``time`` (UTC), ``step`` (ordered Categorical, all the
    course's steps as categories), ``session`` (from 1), ``event`` (``"visited"`` or
    ``"completed"``). Empty if the learner has no step events.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> sa = pd.DataFrame({"learner_id": ["a"] * 3, "step": ["1.1", "1.2", "1.3"],
    ...     "first_visited_at": ["2024-02-05 10:00:00", "2024-02-06 10:00:00",
    ...                          "2024-02-07 10:00:00"]})
    >>> enr = pd.DataFrame({"learner_id": ["a"], "enrolled_at": ["2024-02-01 10:00:00"],
    ...                     "role": ["learner"]})
    >>> t = learner_trajectory(Course.from_frames(enrolments=enr, step_activity=sa))
    >>> t["session"].tolist()
    [1, 2, 3]
    """
    if learner is None:
        ev = _sessionise_events(course, session_gap_minutes=session_gap_minutes)
        if len(ev) == 0:
            return _empty_trajectory(ev.step_dtype)
        ends = np.append(np.flatnonzero(ev.new_learner)[1:], len(ev)) - 1
        codes, n_sessions = ev.codes[ends], ev.session[ends]
        pool = codes[n_sessions >= 3] if (n_sessions >= 3).any() else codes
        learner = pick_learner(ev.people[pool], seed=seed)
    pos = course.people.get_indexer(pd.Index([learner]).astype("object"))[0]
    only = np.zeros(len(course.people) + 1, dtype=bool)
    if pos >= 0:
        only[pos] = True
    ev = _sessionise_events(course, session_gap_minutes=session_gap_minutes, roles=None, only=only)
    if len(ev) == 0:
        return _empty_trajectory(ev.step_dtype)
    name = pseudonyms([learner], salt=pseudonym_salt(course)).iloc[0]
    return pd.DataFrame(
        {
            "pseudonym": np.full(len(ev), name, dtype=object),
            "time": as_time(ev.times),
            "step": pd.Categorical.from_codes(ev.steps, dtype=ev.step_dtype, validate=False),
            "session": ev.session,
            "event": pd.Categorical.from_codes(ev.events, dtype=_event_dtype(), validate=False),
        }
    )


def _empty_trajectory(step_dtype) -> pd.DataFrame:
    return empty_frame(
        _TRAJECTORY_COLUMNS,
        {
            "pseudonym": "object",
            "time": "datetime64[ns, UTC]",
            "step": step_dtype,
            "session": "int64",
            "event": _event_dtype(),
        },
    )


def rebase_times(sessions_df: pd.DataFrame, *, to: str = "learner") -> pd.DataFrame:
    """Time since each learner's own start, or since the start of each session.

    Answers: *how do learners compare once we line up their starts?* ("day 3 of their
    course", "20 minutes into a session").

    Parameters
    ----------
    sessions_df : DataFrame
        The output of :func:`sessionise` (one row per step event, with ``learner_id``)
        or of :func:`learner_trajectory` (with ``pseudonym``).
    to : {"learner", "session"}
        ``"learner"``: minutes since the learner's first step event; ``"session"``:
        minutes since the first event of the same session.

    Returns
    -------
    A new DataFrame: the input's columns plus ``minutes`` (float).
    """
    if to not in ("learner", "session"):
        raise ValueError(f"to= must be 'learner' or 'session', got {to!r}")
    out = sessions_df.copy()
    if out.empty:
        out["minutes"] = pd.Series(dtype="float64")
        return out
    who = out["learner_id"] if "learner_id" in out.columns else out["pseudonym"]
    codes = (
        who.cat.codes.to_numpy().astype(np.int64)
        if isinstance(who.dtype, pd.CategoricalDtype)
        else pd.factorize(who)[0].astype(np.int64)
    )
    key = codes
    if to == "session":
        session = out["session"].to_numpy(dtype=np.int64)
        key = codes * (int(session.max()) + 1) + session
    t = ns(out["time"])
    start = pd.Series(t).groupby(key).transform("min").to_numpy()
    out["minutes"] = (t - start) / _NS_PER_MINUTE
    return out
