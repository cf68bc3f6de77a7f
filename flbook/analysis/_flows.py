"""Where learners go next, and how long they stay: step transitions, jumps, time on step.

Built on the study sessions of :func:`~flbook.analysis.sessionise` (a learner's first
visits and completions of steps, cut into sessions by the session gap):

- a **transition** goes from a step's first visit to the *next step first visited* by the
  same learner in the same session (completions in between do not count as a move);
- **time on step** is the minutes from a step's first visit to the learner's *next event*
  (a visit or a completion) in the same session. The last event of a session has no
  next event, so its time is never counted (it is counted as ``not_timed``): we cannot
  tell whether the learner read for two minutes or left the tab open for an hour.

Only learners (role ``learner``) are counted. Everything is computed for all learners
at once on the sorted event arrays; there is no Python loop over learners.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..store import per_course  # noqa: I001
from ._sessions import sessionise
from .arrays import sorted_distinct

if TYPE_CHECKING:
    from flbook.store import Course

__all__ = [
    "step_transitions",
    "step_jumps",
    "step_skippers",
    "time_on_step",
    "expected_step_minutes",
]

_NS_PER_MINUTE = 60_000_000_000


def _events(course: Course | pd.DataFrame, session_gap_minutes: float | None):
    if session_gap_minutes is None:
        cfg = getattr(course, "config", None)
        session_gap_minutes = cfg.session_gap_minutes if cfg is not None else 65
    ev = sessionise(course, session_gap_minutes=session_gap_minutes)
    learner = ev["learner_id"].cat.codes.to_numpy().astype(np.int64)
    step = ev["step"].cat.codes.to_numpy().astype(np.int64)
    visit = (ev["event"].cat.codes == 0).to_numpy()
    t = ev["time"].array.as_unit("ns").asi8 if len(ev) else np.zeros(0, dtype=np.int64)
    session = ev["session"].to_numpy().astype(np.int64)
    return ev["step"].dtype, learner, step, visit, np.asarray(t, dtype=np.int64), session


def _moves(course: Course | pd.DataFrame, session_gap_minutes: float | None):
    """Each move between first visits in one session: (step dtype, learner, from, to)."""
    dtype, learner, step, visit, _, session = _events(course, session_gap_minutes)
    lv, sv, ss = learner[visit], step[visit], session[visit]
    same = (lv[1:] == lv[:-1]) & (ss[1:] == ss[:-1])
    return dtype, lv[:-1][same], sv[:-1][same], sv[1:][same]


@per_course
def step_transitions(
    course: Course | pd.DataFrame, *, session_gap_minutes: float | None = None
) -> pd.DataFrame:
    """From each step, which step did learners first visit next in the same session?

    Parameters
    ----------
    course : Course or DataFrame
        A course (only its learners are counted) or a step-activity table (every row).
    session_gap_minutes : the session gap (default the course's ``session_gap_minutes``).

    Returns
    -------
    DataFrame, one row per (from, to) pair that occurred, in course order:
    ``from_step``, ``to_step`` (ordered Categoricals, the course's steps),
    ``learners`` (learners who made that move; a learner's first visit to a step is
    one, so each learner counts once per pair), ``pct`` (% of the moves out of
    ``from_step``), ``jump`` (positions moved in course order: 1 is the next step,
    more is a skip forward, negative is going back).

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> sa = pd.DataFrame({"learner_id": ["a", "a", "a", "b", "b"],
    ...     "step": ["1.1", "1.2", "1.3", "1.1", "1.3"],
    ...     "first_visited_at": ["2024-02-05 10:00:00", "2024-02-05 10:10:00",
    ...         "2024-02-05 10:20:00", "2024-02-05 11:00:00", "2024-02-05 11:05:00"]})
    >>> step_transitions(Course.from_frames(step_activity=sa).step_activity)
      from_step to_step  learners    pct  jump
    0       1.1     1.2         1   50.0     1
    1       1.1     1.3         1   50.0     2
    2       1.2     1.3         1  100.0     1
    """
    dtype, _, frm, to = _moves(course, session_gap_minutes)
    ns = len(dtype.categories)
    counts = np.bincount(frm * ns + to, minlength=ns * ns) if ns else np.zeros(0, np.int64)
    nz = np.flatnonzero(counts)
    f, t = np.divmod(nz, max(ns, 1))
    out_of = np.bincount(f, weights=counts[nz], minlength=ns)
    return pd.DataFrame(
        {
            "from_step": pd.Categorical.from_codes(f, dtype=dtype),
            "to_step": pd.Categorical.from_codes(t, dtype=dtype),
            "learners": counts[nz].astype(np.int64),
            "pct": 100.0 * counts[nz] / np.where(out_of[f] > 0, out_of[f], 1),
            "jump": (t - f).astype(np.int64),
        }
    )


def step_jumps(transitions: pd.DataFrame) -> pd.DataFrame:
    """Per step: how learners leave it, and how often it is skipped over or gone back to.

    Parameters
    ----------
    transitions : :func:`step_transitions` output.

    Returns
    -------
    DataFrame, one row per step of the course in course order: ``step``,
    ``moves_out`` (moves from this step to another in the same session),
    ``pct_next`` (% of them to the next step), ``pct_skip`` (% forward past at least one
    step), ``pct_back`` (% to an earlier step), ``skipped_over`` (moves that jumped
    forward over this step), ``back_to`` (moves back that landed on this step).

    Examples
    --------
    >>> import pandas as pd
    >>> steps = pd.CategoricalDtype(["1.1", "1.2", "1.3"], ordered=True)
    >>> tr = pd.DataFrame({"from_step": pd.Categorical(["1.1", "1.3"], dtype=steps),
    ...     "to_step": pd.Categorical(["1.3", "1.1"], dtype=steps), "learners": [4, 1]})
    >>> step_jumps(tr)[["step", "skipped_over", "back_to"]]
      step  skipped_over  back_to
    0  1.1             0        1
    1  1.2             4        0
    2  1.3             0        0
    """
    dtype = transitions["from_step"].dtype
    ns = len(dtype.categories)
    f = transitions["from_step"].cat.codes.to_numpy().astype(np.int64)
    t = transitions["to_step"].cat.codes.to_numpy().astype(np.int64)
    n = transitions["learners"].to_numpy().astype(np.float64)
    jump = t - f

    def per_step(mask, where=f):
        return np.bincount(where[mask], weights=n[mask], minlength=ns)

    out = per_step(np.ones(len(f), dtype=bool))
    fwd = jump > 1
    # a forward skip from f to t passes over steps f+1 .. t-1: difference array
    diff = np.zeros(ns + 1)
    np.add.at(diff, f[fwd] + 1, n[fwd])
    np.add.at(diff, t[fwd], -n[fwd])
    with np.errstate(invalid="ignore", divide="ignore"):
        share = 100.0 / np.where(out > 0, out, np.nan)
    return pd.DataFrame(
        {
            "step": pd.Categorical.from_codes(np.arange(ns), dtype=dtype),
            "moves_out": out.astype(np.int64),
            "pct_next": per_step(jump == 1) * share,
            "pct_skip": per_step(fwd) * share,
            "pct_back": per_step(jump < 0) * share,
            "skipped_over": np.cumsum(diff)[:ns].round().astype(np.int64),
            "back_to": per_step(jump < 0, t).astype(np.int64),
        }
    )


def step_skippers(
    course: Course | pd.DataFrame, *, session_gap_minutes: float | None = None
) -> pd.DataFrame:
    """How many different learners jumped forward over each step within a session?

    :func:`step_jumps` counts *moves* over a step; a learner who jumps over the same step
    twice (forward, back to an earlier step, forward again) makes two. This counts each
    learner once per step.

    Parameters
    ----------
    course, session_gap_minutes : as for :func:`step_transitions`.

    Returns
    -------
    DataFrame, one row per step of the course in course order: ``step``,
    ``skipped_over`` (moves that jumped forward over it) and ``learners`` (different
    learners who made them).

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> sa = pd.DataFrame({"learner_id": ["a"] * 5, "step": ["1.1", "1.4", "1.2", "1.5", "1.3"],
    ...     "first_visited_at": [f"2024-02-05 10:0{i}:00" for i in range(5)]})
    >>> step_skippers(Course.from_frames(step_activity=sa).step_activity)
      step  skipped_over  learners
    0  1.1             0         0
    1  1.2             1         1
    2  1.3             2         1
    3  1.4             1         1
    4  1.5             0         0
    """
    dtype, who, frm, to = _moves(course, session_gap_minutes)
    ns = len(dtype.categories)
    fwd = to - frm > 1
    who, frm, to = who[fwd], frm[fwd], to[fwd]
    length = to - frm - 1  # the steps passed over by each forward jump
    move = np.repeat(np.arange(len(frm)), length)
    offset = np.arange(len(move)) - np.repeat(np.cumsum(length) - length, length)
    over = frm[move] + 1 + offset
    pairs = sorted_distinct(who[move] * max(ns, 1) + over)
    return pd.DataFrame(
        {
            "step": pd.Categorical.from_codes(np.arange(ns), dtype=dtype),
            "skipped_over": np.bincount(over, minlength=ns).astype(np.int64),
            "learners": np.bincount(pairs % max(ns, 1), minlength=ns).astype(np.int64),
        }
    )


def expected_step_minutes(steps, step_minutes: Mapping[str, float] | None) -> np.ndarray:
    """Designed minutes per step from a ``step_minutes`` setting (NaN where not set).

    ``step_minutes`` maps steps (``"1.3"``) to minutes; the key ``"default"`` gives the
    minutes of every step not named.

    Examples
    --------
    >>> expected_step_minutes(["1.1", "1.2"], {"1.2": 12, "default": 5}).tolist()
    [5.0, 12.0]
    """
    steps = pd.Index([str(s) for s in steps])
    setting = dict(step_minutes or {})
    default = float(setting.pop("default", np.nan))
    named = pd.Series({str(k): float(v) for k, v in setting.items()}, dtype="float64")
    return named.reindex(steps).fillna(default).to_numpy(dtype=np.float64)


@per_course
def time_on_step(
    course: Course | pd.DataFrame,
    *,
    session_gap_minutes: float | None = None,
    step_minutes: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """How long do learners stay on each step? Median and quartiles of time on step.

    Time on step is the minutes from the learner's first visit of the step to their next
    event (a visit or a completion of any step) in the same session. A first visit that
    is the last event of its session is not timed (counted in ``not_timed``).

    Parameters
    ----------
    course : Course or DataFrame
        A course (only its learners are counted) or a step-activity table (every row).
    session_gap_minutes : the session gap (default the course's ``session_gap_minutes``).
    step_minutes : designed minutes per step (``{"1.3": 10, "default": 5}``); default the
        course's ``step_minutes`` setting, if it has one.

    Returns
    -------
    DataFrame, one row per step of the course in course order: ``step``, ``week``
    (int), ``learners`` (first visits timed), ``not_timed`` (first visits that ended a
    session), ``pct_not_timed`` (their share of the step's first visits), ``q1_minutes``, ``median_minutes``, ``q3_minutes`` (NaN when no visit was
    timed), ``expected_minutes`` (from ``step_minutes``; NaN where not set),
    ``week_median_minutes`` (median over the week's steps of their medians),
    ``vs_expected`` (median / expected), ``vs_week`` (median / week median).

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> sa = pd.DataFrame({"learner_id": ["a", "a", "b", "b"],
    ...     "step": ["1.1", "1.2", "1.1", "1.2"],
    ...     "first_visited_at": ["2024-02-05 10:00:00", "2024-02-05 10:06:00",
    ...         "2024-02-05 11:00:00", "2024-02-05 11:10:00"]})
    >>> time_on_step(Course.from_frames(step_activity=sa).step_activity)[
    ...     ["step", "learners", "not_timed", "median_minutes"]]
      step  learners  not_timed  median_minutes
    0  1.1         2          0             8.0
    1  1.2         0          2             NaN
    """
    dtype, learner, step, visit, t, session = _events(course, session_gap_minutes)
    if step_minutes is None:
        cfg = getattr(course, "config", None)
        step_minutes = getattr(cfg, "step_minutes", None) if cfg is not None else None
    ns = len(dtype.categories)
    n = len(step)
    has_next = np.zeros(n, dtype=bool)
    if n:
        has_next[:-1] = (learner[1:] == learner[:-1]) & (session[1:] == session[:-1])
    timed = visit & has_next
    idx = np.flatnonzero(timed)
    minutes = (t[idx + 1] - t[idx]) / _NS_PER_MINUTE
    s = step[idx]
    untimed = np.bincount(step[visit & ~has_next], minlength=ns)
    q = (
        pd.Series(minutes)
        .groupby(s)
        .quantile([0.25, 0.5, 0.75])
        .unstack()
        .reindex(range(ns))
        .to_numpy()
        if len(s)
        else np.full((ns, 3), np.nan)
    )
    timed_n = np.bincount(s, minlength=ns)
    steps = pd.Categorical.from_codes(np.arange(ns), dtype=dtype)
    week = np.array([int(str(c).split(".")[0]) for c in dtype.categories], dtype=np.int64)
    median = q[:, 1]
    week_median = pd.Series(median).groupby(week).transform("median").to_numpy()
    expected = expected_step_minutes(dtype.categories, step_minutes)
    with np.errstate(invalid="ignore", divide="ignore"):
        vs_expected = median / expected
        vs_week = median / week_median
    return pd.DataFrame(
        {
            "step": steps,
            "week": week,
            "learners": timed_n.astype(np.int64),
            "not_timed": untimed.astype(np.int64),
            "pct_not_timed": 100
            * untimed
            / np.where(timed_n + untimed > 0, timed_n + untimed, np.nan),
            "q1_minutes": q[:, 0],
            "median_minutes": median,
            "q3_minutes": q[:, 2],
            "expected_minutes": expected,
            "week_median_minutes": week_median,
            "vs_expected": vs_expected,
            "vs_week": vs_week,
        }
    )
