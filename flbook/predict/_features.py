"""Weekly learner features and disengagement labels, as of a moment, for every learner at once.

A *prediction moment* is a point in time at which a course team could ask "who may
disengage next week?". By default the moments are the ends of the course's study
weeks (``start + 7 days × k``); :func:`weekly_features` can also put them every 7 days
back from any other moment (``offset_days``), which is how a prediction made in the
middle of a week is trained. Only moments inside the study period (after the start,
before the end) that have already happened (``≤ as_of``) are used.

For a learner at a moment ``t`` the features describe what was visible **before** ``t``:
"this week" means the 7 days before ``t``; "total" means everything before ``t``. The
label of that moment (:func:`disengagement_labels`) is whether the learner had no step
activity at all in the 7 days **after** ``t`` (for a week end: in the next study week);
it exists only once those 7 days are over (``t + 7 days ≤ as_of``).

Everything at or after ``as_of`` is ignored, as if the export had been downloaded then.
All learners and all moments are computed together, with ``np.bincount`` on
(person code, week) keys and cumulative sums along the weeks; there is no Python loop
over learners or events.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..analysis import sessionise
from ..analysis.arrays import NAT, ns, sorted_distinct

if TYPE_CHECKING:
    from flbook.store import Course

__all__ = [
    "FEATURES",
    "FEATURE_LABELS",
    "data_end",
    "resolve_as_of",
    "weekly_features",
    "disengagement_labels",
]

FEATURES: dict[str, str] = {
    "steps_visited_week": "steps first visited in the 7 days before the moment",
    "steps_completed_week": "steps marked complete in the 7 days before the moment",
    "steps_visited_total": "steps visited before the moment",
    "steps_completed_total": "steps marked complete before the moment",
    "pct_week_steps_done": "share of the current study week's steps marked complete (%)",
    "pct_course_steps_done": "share of the steps of the weeks opened so far marked complete (%)",
    "comments_week": "comments and replies posted in the 7 days before the moment",
    "replies_week": "replies (to another comment) posted in the 7 days before the moment",
    "comments_total": "comments and replies posted before the moment",
    "quiz_answers_week": "quiz and test answers submitted in the 7 days before the moment",
    "quiz_answers_total": "quiz and test answers submitted before the moment",
    "pct_quiz_correct": "share of the answers submitted before the moment that were correct (%)",
    "sessions_week": "study sessions with a step event in the 7 days before the moment",
    "sessions_total": "study sessions before the moment",
    "active_days_week": "days (UTC) with any activity in the 7 days before the moment",
    "active_days_total": "days (UTC) with any activity before the moment",
    "days_since_last_activity": "days from the learner's last activity (step, comment, answer) to the moment",
    "days_since_enrolment": "days from enrolment to the moment",
    "enrolled_days_before_start": "days between enrolment and the course start (negative: enrolled after it)",
}
"""The features of :func:`weekly_features`, with what each means."""

FEATURE_LABELS: dict[str, str] = {
    "steps_visited_week": "Steps visited this week",
    "steps_completed_week": "Steps completed this week",
    "steps_visited_total": "Steps visited so far",
    "steps_completed_total": "Steps completed so far",
    "pct_week_steps_done": "This week's steps done (%)",
    "pct_course_steps_done": "Steps of the weeks so far done (%)",
    "comments_week": "Comments this week",
    "replies_week": "Replies this week",
    "comments_total": "Comments so far",
    "quiz_answers_week": "Quiz answers this week",
    "quiz_answers_total": "Quiz answers so far",
    "pct_quiz_correct": "Quiz answers correct (%)",
    "sessions_week": "Study sessions this week",
    "sessions_total": "Study sessions so far",
    "active_days_week": "Active days this week",
    "active_days_total": "Active days so far",
    "days_since_last_activity": "Days since last activity",
    "days_since_enrolment": "Days since enrolment",
    "enrolled_days_before_start": "Days enrolled before the start",
}
"""A short label of each feature, for tables, charts and the ``flbook predict`` file."""

DAY_NS = 86_400 * 1_000_000_000
WEEK_NS = 7 * DAY_NS
_KEY_COLUMNS = ["learner_id", "week", "moment"]


# --------------------------------------------------------------------------- moments


def utc_stamp(value: Any) -> pd.Timestamp:
    """A timestamp in UTC (a naive one is read as UTC)."""
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def data_end(course: Course) -> pd.Timestamp | None:
    """The end of the data: one second after the latest activity or enrolment in the export.

    Used as the default prediction moment (``as_of``). ``None`` for a course with no
    dated rows.
    """
    latest = NAT
    for table, cols in (
        ("step-activity", ["first_visited_at", "last_completed_at"]),
        ("comments", ["timestamp"]),
        ("question-response", ["submitted_at"]),
        ("enrolments", ["enrolled_at", "unenrolled_at"]),
    ):
        t = course.table(table, cols)
        for c in cols:
            v = ns(t[c])
            if len(v):
                latest = max(latest, int(v.max()))
    if latest == NAT:
        return None
    return pd.Timestamp(latest + 1_000_000_000, unit="ns", tz="UTC").floor("s")


def resolve_as_of(course: Course, *, as_of: Any = None) -> pd.Timestamp | None:
    """The prediction moment: ``as_of`` if given, else the course's ``as_of`` setting, else
    :func:`data_end`. Naive dates and times are UTC; a date means its midnight."""
    if as_of is None or (isinstance(as_of, str) and not as_of.strip()):
        cfg = getattr(course, "config", None)
        as_of = getattr(cfg, "as_of", None) if cfg is not None else None
    if as_of is None:
        return data_end(course)
    return utc_stamp(as_of)


def feature_calendar(course: Course, start, weeks) -> tuple[pd.Timestamp, int]:
    """The first day of study week 1 and the number of weeks: given, from the settings, or from the data."""
    cfg = getattr(course, "config", None)
    if start is None:
        if cfg is not None:
            start = cfg.start
        else:
            t = ns(course.table("step-activity", ["first_visited_at"])["first_visited_at"])
            t = t[t != NAT]
            start = pd.Timestamp(int(t.min()), unit="ns", tz="UTC").floor("D") if len(t) else None
    if weeks is None:
        if cfg is not None:
            weeks = cfg.weeks
        else:
            weeks = int(course.steps["week_number"].max()) if len(course.steps) else 1
    if start is None:
        return None, int(weeks)
    return utc_stamp(start), int(weeks)


@dataclass
class _Grid:
    start: int  # ns
    end: int  # ns, end of the study weeks
    as_of: int  # ns; nothing at or after it is used
    moments: np.ndarray  # ns, increasing, M of them
    weeks: np.ndarray  # study week of each moment (1-based)
    n_weeks: int

    @property
    def m(self) -> int:
        return len(self.moments)

    @property
    def origin(self) -> int:
        return int(self.moments[0]) - WEEK_NS if self.m else self.start

    def bins(self, times: np.ndarray) -> np.ndarray:
        """Bin of each time: 0 before the first window, m = the window of moment m
        ([t_m - 7 days, t_m)), M + 1 = the 7 days after the last moment, M + 2 later."""
        b = times - self.origin
        np.floor_divide(b, WEEK_NS, out=b)
        b += 1
        return np.clip(b, 0, self.m + 2, out=b).astype(np.int64, copy=False)


def _grid(course: Course, *, as_of, offset_days, start, weeks) -> _Grid | None:
    start_ts, n_weeks = feature_calendar(course, start, weeks)
    as_of_ts = resolve_as_of(course, as_of=as_of)
    if start_ts is None or as_of_ts is None:
        return None
    s = int(start_ts.value)
    end = s + n_weeks * WEEK_NS
    off = int(round(float(offset_days) * DAY_NS)) % WEEK_NS
    cand = s + off + WEEK_NS * np.arange(0, n_weeks + 1, dtype=np.int64)
    a = int(as_of_ts.value)
    moments = cand[(cand > s) & (cand < end) & (cand <= a)]
    wk = -np.floor_divide(-(moments - s), WEEK_NS)  # ceil: the study week the moment closes
    return _Grid(s, end, a, moments, wk.astype(np.int32), n_weeks)


# --------------------------------------------------------------------------- building


def _cells(codes: np.ndarray, bins: np.ndarray, width: int) -> np.ndarray:
    """The flat index ``code * width + bin`` of each (person, bin), as int64."""
    cell = codes.astype(np.int64)
    cell *= width
    cell += bins
    return cell


def _per_bin(codes: np.ndarray, bins: np.ndarray, n_people: int, width: int, weights=None):
    """A (people, width) array of counts (or summed weights) per person code and bin."""
    flat = np.bincount(_cells(codes, bins, width), weights=weights, minlength=n_people * width)
    return flat.reshape(n_people, width)


def _empty_frame(columns: list[str], people: pd.Index) -> pd.DataFrame:
    out = {
        "learner_id": pd.Categorical([], categories=people),
        "week": pd.Series([], dtype="int32"),
        "moment": pd.Series([], dtype="datetime64[ns, UTC]"),
    }
    for c in columns[3:]:
        out[c] = pd.Series([], dtype="boolean" if c == "disengaged" else "float64")
    return pd.DataFrame(out)


def build_features(
    course: Course,
    *,
    as_of=None,
    offset_days: float = 0.0,
    session_gap_minutes: float = 65,
    start=None,
    weeks=None,
    labels: bool = False,
    features: bool = True,
) -> pd.DataFrame:
    """Population rows (learner × moment) with features and/or the label (float; NaN = unknown).

    The whole table (features and label) is built once per course and options, and
    kept with the course (:meth:`Course.derived`): the predictions chapter asks for it
    from several recipes.
    """
    columns = list(_KEY_COLUMNS)
    if features:
        columns += list(FEATURES)
    if labels:
        columns.append("disengaged")
    options = {
        "as_of": as_of,
        "offset_days": offset_days,
        "session_gap_minutes": session_gap_minutes,
        "start": start,
        "weeks": weeks,
    }
    if hasattr(course, "derived"):
        key = ("predict.features", *(str(v) for v in options.values()))
        full = course.derived(key, lambda: _build_table(course, **options))
        return full[columns].copy()
    return _build_table(course, **options)[columns]


def _build_table(
    course: Course, *, as_of, offset_days, session_gap_minutes, start, weeks
) -> pd.DataFrame:
    """Every population row with its features and label (see :func:`_build`)."""
    people = course.people
    features = labels = True
    columns = [*_KEY_COLUMNS, *FEATURES, "disengaged"]
    grid = _grid(course, as_of=as_of, offset_days=offset_days, start=start, weeks=weeks)
    if grid is None or grid.m == 0:
        return _empty_frame(columns, people)
    P, M, W = len(people), grid.m, grid.m + 3
    a = grid.as_of

    # --- learners (role learner), enrolment and unenrolment times
    enr = course.table("enrolments", ["learner_id", "role", "enrolled_at", "unenrolled_at"])
    ecodes = enr["learner_id"].cat.codes.to_numpy().astype(np.int64)
    ok = ecodes >= 0
    is_learner = np.zeros(P, dtype=bool)
    is_learner[ecodes[ok & enr["role"].astype("object").eq("learner").to_numpy()]] = True
    enrolled = np.full(P, NAT, dtype=np.int64)
    enrolled[ecodes[ok]] = ns(enr["enrolled_at"])[ok]
    unenrolled = np.full(P, NAT, dtype=np.int64)
    unenrolled[ecodes[ok]] = ns(enr["unenrolled_at"])[ok]
    unenrolled[unenrolled >= a] = NAT

    # --- step events (first visits, completions) with their study sessions
    ev = sessionise(course, session_gap_minutes=session_gap_minutes, roles=("learner",))
    codes = ev["learner_id"].cat.codes.to_numpy()  # int32: cast where a key is formed
    times = ns(ev["time"])
    kind = ev["event"].cat.codes.to_numpy()
    session = ev["session"].to_numpy()
    step_codes = ev["step"].cat.codes.to_numpy()
    del ev  # its other columns (the gaps, the times as timestamps) are not needed here
    keep = times < a
    if not keep.all():  # a moment before the end of the data (copying 10^7 rows costs 1 s)
        codes, times, kind = codes[keep], times[keep], kind[keep]
        session, step_codes = session[keep], step_codes[keep]
    step_week = course.steps["week_number"].to_numpy()[step_codes]
    b = grid.bins(times)
    step_events = _per_bin(codes, b, P, W)
    cum_step_events = np.cumsum(step_events, axis=1)
    t_m = grid.moments

    # population at moment m (columns 1..M): a learner who had a step event before it,
    # had not unenrolled before it, and had not completed every step
    started = cum_step_events[:, 1 : M + 1] > 0
    gone = (unenrolled[:, None] != NAT) & (unenrolled[:, None] < t_m[None, :])
    visited = _per_bin(codes[kind == 0], b[kind == 0], P, W)
    completed = _per_bin(codes[kind == 1], b[kind == 1], P, W)
    cum_completed = np.cumsum(completed, axis=1)[:, 1 : M + 1]
    n_steps = len(course.steps)
    finished = cum_completed >= max(n_steps, 1)
    pop = started & ~gone & ~finished & is_learner[:, None]
    mi, who = np.nonzero(pop.T)  # rows ordered by moment, then person code
    col = mi + 1  # bin / cumulative column of each row's moment

    out: dict[str, Any] = {
        "learner_id": pd.Categorical.from_codes(who.astype(np.int32), categories=people),
        "week": grid.weeks[mi].astype(np.int32),
        "moment": pd.Series(t_m[mi].view("M8[ns]")).dt.tz_localize("UTC"),
    }
    if features:
        f = _features(
            course, grid, P, W, who, mi, col, codes, times, b, kind, session, step_week,
            visited, completed, enrolled,
        )  # fmt: skip
        out.update(f)
    if labels:
        nxt = step_events[who, col + 1]
        known = t_m[mi] + WEEK_NS <= a
        out["disengaged"] = np.where(known, (nxt == 0).astype(float), np.nan)
    frame = pd.DataFrame(out)
    return frame[columns]


def _sorted_distinct(key: np.ndarray, n_first: int) -> np.ndarray:
    """``np.unique(key)``, faster when ``key[:n_first]`` is already in order (step events
    come sorted by learner, then time): that part needs no sort, only the rest does,
    and the two sorted runs are merged. ``np.unique`` took 5.6 s of the 23.3 s that
    the features of a 1,000,000-learner run took; with this, they take 16.9 s."""
    head, tail = key[:n_first], key[n_first:]
    if n_first > 1 and not np.all(head[1:] >= head[:-1]):
        return sorted_distinct(key)
    both = np.concatenate([head, np.sort(tail)])
    both.sort(kind="stable")  # two sorted runs: a merge
    return both[np.concatenate([[True], both[1:] != both[:-1]])] if len(both) else both


def _activity_keys(
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], width: int
) -> tuple[np.ndarray, int]:
    """One int64 key per activity, ``(code * span + day) * width + bin``, and the span.

    ``parts`` are (person codes, times in ns, bins) of each kind of activity, in order;
    ``day`` counts days from the earliest activity's, and ``span`` is the number of
    days from the earliest to the latest. The keys are written into one array, part by
    part (at 1,000,000 learners, joining the codes, times and bins of 22 million
    events first held five more arrays of that length at once).
    """
    day0 = min(int(t.min()) // DAY_NS for _, t, _ in parts)
    span = max(int(t.max()) // DAY_NS for _, t, _ in parts) - day0 + 1
    key = np.empty(sum(len(c) for c, _, _ in parts), dtype=np.int64)
    at = 0
    for part_codes, part_times, part_bins in parts:
        k = key[at : at + len(part_codes)]
        np.floor_divide(part_times, DAY_NS, out=k)
        k -= day0
        code = part_codes.astype(np.int64)
        code *= span
        k += code
        del code
        k *= width
        k += part_bins
        at += len(part_codes)
    return key, span


def _features(
    course: Course, grid: _Grid, P, W, who, mi, col, codes, times, b, kind, session, step_week,
    visited, completed, enrolled,
) -> dict[str, np.ndarray]:  # fmt: skip
    a = grid.as_of
    M = grid.m
    t_row = grid.moments[mi]
    f: dict[str, np.ndarray] = {}

    def week_total(arr: np.ndarray, name: str, total: str | None = None) -> None:
        cum = np.cumsum(arr, axis=1)
        f[name] = arr[who, col].astype(np.float64)
        if total:
            f[total] = cum[who, col].astype(np.float64)

    week_total(visited, "steps_visited_week", "steps_visited_total")
    week_total(completed, "steps_completed_week", "steps_completed_total")

    # --- completions of the current week's steps, and of the steps of the weeks so far
    steps_per_week = np.bincount(
        course.steps["week_number"].to_numpy().astype(np.int64), minlength=grid.n_weeks + 2
    )
    wk = grid.weeks.astype(np.int64)  # nondecreasing over moments 1..M
    c = kind == 1
    cw, cb, cc = step_week[c].astype(np.int64), b[c], codes[c]
    # an event in bin cb counts for moments m >= cb (time < t_m); for "current week"
    # only the moments whose week equals the step's week, for "so far" those whose week
    # is at least the step's week: a difference array over moments, then a cumulative sum
    lo_eq = np.searchsorted(wk, cw, side="left") + 1
    hi_eq = np.searchsorted(wk, cw, side="right")  # last moment (1-based) with wk == cw
    first = np.maximum(cb, lo_eq)
    for name, lo, hi in (
        ("pct_week_steps_done", first, hi_eq),
        ("pct_course_steps_done", first, np.full_like(cb, M)),
    ):
        v = (lo <= hi) & (lo <= M)
        diff = _per_bin(cc[v], lo[v], P, M + 2) - _per_bin(cc[v], hi[v] + 1, P, M + 2)
        done = np.cumsum(diff, axis=1)[who, col]
        if name == "pct_week_steps_done":
            denom = steps_per_week[np.minimum(wk[mi], len(steps_per_week) - 1)]
        else:
            denom = np.cumsum(steps_per_week)[np.minimum(wk[mi], len(steps_per_week) - 1)]
        f[name] = np.where(denom > 0, 100.0 * done / np.maximum(denom, 1), np.nan)
    del c, cw, cb, cc, lo_eq, hi_eq, first, lo, hi, v, diff  # arrays as long as the events

    # --- comments and replies
    com = course.table("comments", ["author_id", "parent_id", "timestamp"])
    ccodes = com["author_id"].cat.codes.to_numpy().astype(np.int64)
    ctimes = ns(com["timestamp"])
    ok = (ccodes >= 0) & (ctimes != NAT) & (ctimes < a)
    reply = com["parent_id"].notna().to_numpy() & ok
    cbins = grid.bins(ctimes[ok])
    posts = _per_bin(ccodes[ok], cbins, P, W)
    f["comments_week"] = posts[who, col].astype(np.float64)
    f["replies_week"] = _per_bin(ccodes[reply], grid.bins(ctimes[reply]), P, W)[who, col].astype(
        np.float64
    )
    f["comments_total"] = np.cumsum(posts, axis=1)[who, col].astype(np.float64)

    # --- quiz answers
    qr = course.table("question-response", ["learner_id", "submitted_at", "correct"])
    qcodes = qr["learner_id"].cat.codes.to_numpy().astype(np.int64)
    qtimes = ns(qr["submitted_at"])
    ok_q = (qcodes >= 0) & (qtimes != NAT) & (qtimes < a)
    qbins = grid.bins(qtimes[ok_q])
    answers = _per_bin(qcodes[ok_q], qbins, P, W)
    right = _per_bin(
        qcodes[ok_q],
        qbins,
        P,
        W,
        weights=qr["correct"].fillna(False).to_numpy()[ok_q].astype(float),
    )
    f["quiz_answers_week"] = answers[who, col].astype(np.float64)
    n_ans = np.cumsum(answers, axis=1)[who, col]
    f["quiz_answers_total"] = n_ans.astype(np.float64)
    n_right = np.cumsum(right, axis=1)[who, col]
    with np.errstate(invalid="ignore", divide="ignore"):
        f["pct_quiz_correct"] = np.where(n_ans > 0, 100.0 * n_right / n_ans, np.nan)

    # --- study sessions (events are sorted by learner, then time)
    n = len(codes)
    new_learner = np.ones(n, dtype=bool)
    new_learner[1:] = codes[1:] != codes[:-1]
    new_session = np.ones(n, dtype=bool)
    new_session[1:] = session[1:] != session[:-1]
    new_pair = new_learner | new_session
    new_pair[1:] |= b[1:] != b[:-1]  # a session running across a moment counts in both weeks
    f["sessions_week"] = _per_bin(codes[new_pair], b[new_pair], P, W)[who, col].astype(np.float64)
    last_in_bin = np.ones(n, dtype=bool)
    last_in_bin[:-1] = (codes[1:] != codes[:-1]) | (b[1:] != b[:-1])
    sess = np.zeros((P, W), dtype=np.int64)
    sess[codes[last_in_bin], b[last_in_bin]] = session[last_in_bin]
    f["sessions_total"] = np.maximum.accumulate(sess, axis=1)[who, col].astype(np.float64)

    # --- active days and the last activity (any of: step event, comment, answer)
    parts = [
        (codes, times, b),
        (ccodes[ok], ctimes[ok], cbins),
        (qcodes[ok_q], qtimes[ok_q], qbins),
    ]
    parts = [part for part in parts if len(part[0])]
    if parts:
        key, span = _activity_keys(parts, W)  # (learner, day, bin) of every activity
        key = _sorted_distinct(key, len(codes))  # the step events come first, in order
        k_bin = key % W
        k_day = key // W
        del key
        k_code = k_day // span
        f["active_days_week"] = _per_bin(k_code, k_bin, P, W)[who, col].astype(np.float64)
        first_of_day = np.ones(len(k_day), dtype=bool)
        first_of_day[1:] = k_day[1:] != k_day[:-1]  # a day's earliest bin comes first
        days_cum = np.cumsum(_per_bin(k_code[first_of_day], k_bin[first_of_day], P, W), axis=1)
        f["active_days_total"] = days_cum[who, col].astype(np.float64)
        del k_bin, k_day, k_code, first_of_day, days_cum
        last = np.full(P * W, NAT, dtype=np.int64)
        for part_codes, part_times, part_bins in parts:
            np.maximum.at(last, _cells(part_codes, part_bins, W), part_times)
        last = np.maximum.accumulate(last.reshape(P, W), axis=1)[who, col]
    else:
        f["active_days_week"] = np.zeros(len(who))
        f["active_days_total"] = np.zeros(len(who))
        last = np.full(len(who), NAT, dtype=np.int64)
    f["days_since_last_activity"] = np.where(last != NAT, (t_row - last) / DAY_NS, np.nan)

    # --- enrolment timing
    # the export keeps a learner's latest enrolment: one dated after the moment (a
    # re-enrolment) is not known at the moment, so the timing is left unknown
    e = enrolled[who]
    known = (e != NAT) & (e < t_row)
    f["days_since_enrolment"] = np.where(known, (t_row - e) / DAY_NS, np.nan)
    f["enrolled_days_before_start"] = np.where(known, (grid.start - e) / DAY_NS, np.nan)
    return f


# --------------------------------------------------------------------------- public


def _check_offset(offset_days: float) -> float:
    off = float(offset_days)
    if not np.isfinite(off):
        raise ValueError(f"offset_days must be a number of days, not {offset_days!r}")
    return off


def weekly_features(
    course: Course,
    *,
    as_of: Any = None,
    offset_days: float = 0.0,
    session_gap_minutes: float = 65,
    start: dt.date | str | None = None,
    weeks: int | None = None,
) -> pd.DataFrame:
    """What each learner had done, week by week, as seen at each prediction moment.

    Answers: *at the end of each study week, what did the course team know about each
    learner's engagement?* One row per learner and prediction moment, for the learners
    a team could still lose at that moment: role ``learner``, with at least one step
    event before the moment, not unenrolled before it, and not yet done with every
    step. Only events **before** the moment are used; nothing at or after ``as_of``.

    Parameters
    ----------
    course : Course
    as_of : the moment of prediction (date, ``"YYYY-MM-DD HH:MM:SS"`` UTC, or
        Timestamp); default the course's ``as_of`` setting, else the end of the data.
    offset_days : moments are ``start + offset_days + 7 days × k``; 0 (default) puts them
        at the ends of the study weeks. Only moments after the start, before the end of
        the study weeks and not after ``as_of`` are used.
    session_gap_minutes : the study-session gap (``course.config.session_gap_minutes``).
    start, weeks : the first day of week 1 and the number of study weeks; default from
        ``course.config`` (needed for a hand-made course without settings).

    Returns
    -------
    DataFrame, one row per learner and moment, ordered by moment then person code:

    - ``learner_id`` (Categorical over ``course.people``), ``week`` (the study week
      the moment closes, or falls in), ``moment`` (UTC);
    - one column per feature in :data:`FEATURES` (floats: counts, ``pct_`` in
      percent, ``days_`` in days; ``pct_quiz_correct`` is NaN without answers).

    This is a learner-level table for modelling; a chart should get an aggregate.

    Notes
    -----
    The shares of steps done divide by the course's step list (``course.steps``): the
    course's design, known in advance, not learner data. The export keeps only a
    learner's latest enrolment, so for a learner who enrolled again after the moment
    the enrolment timing is unknown (NaN).

    Examples
    --------
    >>> from flbook.store import Course
    >>> sa = pd.DataFrame({"learner_id": ["a", "a", "b"], "step": ["1.1", "2.1", "1.1"],
    ...     "first_visited_at": ["2024-02-05 10:00:00", "2024-02-13 09:00:00",
    ...                          "2024-02-06 20:00:00"]})
    >>> enr = pd.DataFrame({"learner_id": ["a", "b"], "role": "learner",
    ...     "enrolled_at": "2024-02-01 00:00:00"})
    >>> c = Course.from_frames(enrolments=enr, step_activity=sa)
    >>> f = weekly_features(c, start="2024-02-05", weeks=3, as_of="2024-03-01")
    >>> f[["learner_id", "week", "steps_visited_week", "steps_visited_total"]]
      learner_id  week  steps_visited_week  steps_visited_total
    0          a     1                 1.0                  1.0
    1          b     1                 1.0                  1.0
    2          a     2                 1.0                  2.0
    3          b     2                 0.0                  1.0
    """
    return build_features(
        course,
        as_of=as_of,
        offset_days=_check_offset(offset_days),
        session_gap_minutes=session_gap_minutes,
        start=start,
        weeks=weeks,
        labels=False,
    )


def disengagement_labels(
    course: Course,
    *,
    as_of: Any = None,
    offset_days: float = 0.0,
    session_gap_minutes: float = 65,
    start: dt.date | str | None = None,
    weeks: int | None = None,
) -> pd.DataFrame:
    """Who disengaged: no step activity in the 7 days after each prediction moment.

    Answers: *of the learners a team could still lose at the end of week k, who then
    did nothing on the course in week k + 1?* The label is defined only for moments
    whose following 7 days are over by ``as_of`` (a week that has ended); inside the
    current run it is the *proxy label* that in-situ learning trains on. Step activity
    means a first visit or a completion of a step; a comment or quiz answer without a
    step event does not count (FutureLearn records both on steps).

    Parameters
    ----------
    Same as :func:`weekly_features`.

    Returns
    -------
    DataFrame with the rows of :func:`weekly_features` whose label is known:
    ``learner_id``, ``week``, ``moment`` and ``disengaged`` (bool: no step event in
    ``[moment, moment + 7 days)``).

    Examples
    --------
    >>> from flbook.store import Course
    >>> sa = pd.DataFrame({"learner_id": ["a", "a", "b"], "step": ["1.1", "2.1", "1.1"],
    ...     "first_visited_at": ["2024-02-05 10:00:00", "2024-02-13 09:00:00",
    ...                          "2024-02-06 20:00:00"]})
    >>> enr = pd.DataFrame({"learner_id": ["a", "b"], "role": "learner",
    ...     "enrolled_at": "2024-02-01 00:00:00"})
    >>> c = Course.from_frames(enrolments=enr, step_activity=sa)
    >>> disengagement_labels(c, start="2024-02-05", weeks=3, as_of="2024-03-01")[
    ...     ["learner_id", "week", "disengaged"]]
      learner_id  week  disengaged
    0          a     1       False
    1          b     1        True
    2          a     2        True
    3          b     2        True
    """
    out = build_features(
        course,
        as_of=as_of,
        offset_days=_check_offset(offset_days),
        session_gap_minutes=session_gap_minutes,
        start=start,
        weeks=weeks,
        labels=True,
        features=False,
    )
    out = out[out["disengaged"].notna()].reset_index(drop=True)
    out["disengaged"] = out["disengaged"].astype(bool)
    return out
