"""Social activity: who comments, where, when, how discussions grow and what gets liked.

Comment text never enters a table returned here: only counts, steps, times and kinds.
Course-team members (the ``team-members`` export, told apart by ``author_id``) are
"educators"; people enrolled as learners are "learners"; anyone else is "other".
Educators appear individually only under a pseudonym.

A course without any comment in scope gives an empty table with the documented columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._groups import Group, pseudonyms
from ._steps import (
    empty_steps,
    group_mask,
    pick_per_person,
    step_codes,
    step_frame,
)
from .arrays import empty_frame, ns, person_codes, sorted_distinct

if TYPE_CHECKING:
    from flbook.store import Course

__all__ = [
    "AUTHOR_TYPES",
    "comment_kinds",
    "comments_over_time",
    "comments_per_step",
    "educator_share",
    "first_comment_steps",
    "likes_distribution",
    "likes_summary",
]

AUTHOR_TYPES: dict[str, str] = {
    "learner": "enrolled with the role learner",
    "educator": "a member of the course team (team-members export)",
    "other": "anyone else (other staff roles, people missing from enrolments)",
}
"""Kinds of comment author, in the order they are listed."""

KINDS: tuple[str, ...] = ("top-level comment", "reply")
"""Kinds of post, as written in the ``kind`` column of returned tables: a comment that
starts a thread, or a reply to one."""

_AUTHOR_DTYPE = pd.CategoricalDtype(list(AUTHOR_TYPES), ordered=True)
_KIND_DTYPE = pd.CategoricalDtype(list(KINDS), ordered=True)
_COLS = ["id", "author_id", "parent_id", "step", "timestamp", "likes"]


# --------------------------------------------------------------------------- helpers


def _comments(course: Course, group: Group = None) -> pd.DataFrame:
    """The comments table without its text, limited to authors in ``group``."""
    c = course.table("comments", _COLS)
    if group is not None:
        mask = group_mask(course, group)
        c = c[mask[person_codes(course, c["author_id"])]]
    return c


def _team(course: Course) -> pd.DataFrame:
    """Team members, one row per person: ``code`` (person code) and ``team_role`` (str).

    team-members may hold one row per role for the same person: every role is kept,
    joined in file order (``"lead_educator, mentor"``).
    """
    t = course.table("team-members", ["id", "team_role"])
    codes = person_codes(course, t["id"])
    keep = codes >= 0
    out = pd.DataFrame(
        {
            "code": codes[keep],
            "team_role": t["team_role"].astype("object").fillna("team member").to_numpy()[keep],
        }
    )
    if out.empty:
        return out
    out = out.drop_duplicates()
    return (
        out.groupby("code", sort=False)["team_role"]
        .agg(", ".join)
        .reset_index()
        .astype({"code": codes.dtype})
    )


def _author_types(course: Course) -> np.ndarray:
    """Author type code (0 learner, 1 educator, 2 other) per person code, plus a slot for -1."""
    n = len(course.people)
    kind = np.full(n + 1, 2, dtype=np.int8)
    enr = course.table("enrolments", ["learner_id", "role"])
    is_learner = (enr["role"].astype("object") == "learner").to_numpy()
    codes = person_codes(course, enr["learner_id"])[is_learner]
    kind[codes[codes >= 0]] = 0
    kind[_team(course)["code"].to_numpy()] = 1
    kind[n] = 2
    return kind


def _salt(course: Course, salt: str | None) -> str:
    if salt is not None:
        return salt
    return course.config.stub if course.config is not None else ""


def _is_reply(c: pd.DataFrame) -> np.ndarray:
    return c["parent_id"].notna().to_numpy()


def _likes(c: pd.DataFrame) -> np.ndarray:
    return c["likes"].to_numpy(dtype=np.float64, na_value=0).astype(np.int64)


# --------------------------------------------------------------------------- first comment


def first_comment_steps(course: Course, *, group: Group = "enrolled") -> pd.DataFrame:
    """Where do learners start talking? The step of each learner's first comment.

    For every learner in ``group`` who posted at least one comment or reply, the step
    of their earliest post (ties in time: the lowest comment id) is counted.

    Parameters
    ----------
    course : a :class:`~flbook.store.Course`.
    group : a learner group (see :data:`~flbook.analysis.GROUPS`), a collection of ids,
        or ``None`` for every author (course team included).

    Returns
    -------
    DataFrame
        ``step`` (ordered Categorical, every course step in course order) and
        ``learners`` (learners whose first comment is on that step; sums to the number
        of commenters). Empty when nobody in the group commented.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(
    ...     enrolments=pd.DataFrame({"learner_id": ["a", "b"], "role": "learner"}),
    ...     step_activity=pd.DataFrame({"learner_id": ["a", "a"], "step": ["1.1", "1.2"],
    ...                                 "first_visited_at": "2024-02-05 10:00:00"}),
    ...     comments=pd.DataFrame({"id": [1, 2, 3], "author_id": ["a", "b", "a"],
    ...         "step": ["1.2", "1.2", "1.1"],
    ...         "timestamp": ["2024-02-05 10:00:00", "2024-02-05 11:00:00",
    ...                       "2024-02-05 12:00:00"]}))
    >>> first_comment_steps(c)
      step  learners
    0  1.1         0
    1  1.2         2
    """
    c = _comments(course, group)
    person = person_codes(course, c["author_id"])
    step = step_codes(c["step"])
    keep = (person >= 0) & (step >= 0) & c["timestamp"].notna().to_numpy()
    if not keep.any() or len(course.steps) == 0:
        return empty_steps(course, {"learners": "int64"})
    person, step = person[keep], step[keep]
    pick = pick_per_person(
        person,
        ns(c["timestamp"])[keep],
        c["id"].to_numpy()[keep],
        len(course.people),
        last=False,
    )
    first = step[pick[pick >= 0]]
    return step_frame(course, learners=np.bincount(first, minlength=len(course.steps)))


# --------------------------------------------------------------------------- over time

_OVER_TIME = {
    "time": "datetime64[ns, UTC]",
    "series": "category",
    "comments": "int64",
    "cumulative": "int64",
}
_BY = (None, "author_type", "team_role", "educator", "group", "week")


def comments_over_time(
    course: Course,
    *,
    by: str | None = None,
    freq: str = "h",
    group: str = "fully_participated",
    salt: str | None = None,
) -> pd.DataFrame:
    """How did the conversation grow? Comments per time bin and their running total.

    Parameters
    ----------
    course : a :class:`~flbook.store.Course`.
    by : how to split the comments into series:

        ``None``
            one series, ``"all comments"`` (learners, course team and anyone else).
        ``"author_type"``
            ``learner``, ``educator`` (course team) and ``other`` (see
            :data:`AUTHOR_TYPES`); only types with comments appear.
        ``"team_role"``
            course-team comments only, one series per team role (``lead_educator``,
            ``mentor``, ...).
        ``"educator"``
            course-team comments only, one series per team member, named by a stable
            pseudonym and role (``"Educator 3F9A (mentor)"``).
        ``"group"``
            learners' comments only: those by learners in ``group`` and by the other
            learners (``"others"``).
        ``"week"``
            one series per study week of the step commented on (``"Week 1"``, ...):
            the waves of each week's discussion.
    freq : width of a time bin, a fixed pandas frequency (``"h"`` hourly, ``"D"``
        daily, ``"15min"``). Bins are aligned on UTC.
    group : the learner group of ``by="group"`` (see :data:`~flbook.analysis.GROUPS`).
    salt : salt of the educators' pseudonyms (default: the course stub).

    Returns
    -------
    DataFrame
        Long form, every bin from the first comment's to the last comment's for every
        series (zeros included), sorted by series then time:

        ``time``
            start of the bin (UTC).
        ``series``
            the series name (Categorical, in legend order).
        ``comments``
            comments and replies posted in the bin.
        ``cumulative``
            comments of the series up to the end of the bin. With ``by=None`` the last
            value is the number of comments in the course.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(comments=pd.DataFrame({
    ...     "id": [1, 2, 3], "author_id": ["a", "b", "a"], "step": ["1.1", "1.1", "1.2"],
    ...     "timestamp": ["2024-02-05 10:10:00", "2024-02-05 10:50:00",
    ...                   "2024-02-05 12:05:00"]}))
    >>> comments_over_time(c)
                           time        series  comments  cumulative
    0 2024-02-05 10:00:00+00:00  all comments         2           2
    1 2024-02-05 11:00:00+00:00  all comments         0           2
    2 2024-02-05 12:00:00+00:00  all comments         1           3
    """
    if by not in _BY:
        raise ValueError(f"by={by!r}: expected one of {', '.join(map(repr, _BY))}")
    width = pd.Timedelta(pd.tseries.frequencies.to_offset(freq)).value
    c = course.table("comments", ["author_id", "step", "timestamp"])
    c = c[c["timestamp"].notna()]
    person = person_codes(course, c["author_id"])
    if by is None:
        names = np.array(["all comments"], dtype=object)
        series = np.zeros(len(c), dtype=np.int64)
    elif by == "author_type":
        kind = _author_types(course)[person]
        present = np.flatnonzero(np.bincount(kind, minlength=3))
        names = np.array(list(AUTHOR_TYPES), dtype=object)[present]
        remap = np.full(3, -1)
        remap[present] = np.arange(len(present))
        series = remap[kind]
    elif by in ("team_role", "educator"):
        team = _team(course)
        if by == "team_role":
            labels = team["team_role"].to_numpy(dtype=object)
        else:
            ids = course.people[team["code"].to_numpy()]
            pseudo = pseudonyms(ids, prefix="Educator", salt=_salt(course, salt)).to_numpy()
            labels = pseudo + " (" + team["team_role"].to_numpy(dtype=object) + ")"
        names, label_code = np.unique(labels.astype(str), return_inverse=True)
        names = names.astype(object)
        of_person = np.full(len(course.people) + 1, -1, dtype=np.int64)
        of_person[team["code"].to_numpy()] = label_code
        series = of_person[person]
    elif by == "group":
        learners = _author_types(course)[person] == 0
        inside = group_mask(course, group)[person]
        names = np.array([group, "others"], dtype=object)
        series = np.where(learners, np.where(inside, 0, 1), -1)
    else:  # week
        week = np.asarray(course.steps["week_number"].to_numpy(), dtype=np.int64)
        step = step_codes(c["step"])
        w = np.where(step >= 0, week[np.maximum(step, 0)], -1)
        weeks = sorted_distinct(w[w >= 0])
        names = np.array([f"Week {k}" for k in weeks], dtype=object)
        series = np.searchsorted(weeks, w) if len(weeks) else np.full(len(w), -1)
        series = np.where(w >= 0, series, -1)
    keep = series >= 0
    if not keep.any():
        return empty_frame(_OVER_TIME)
    series = series[keep]
    t = ns(c["timestamp"])[keep]
    b = t // width
    b0 = b.min()
    n_bins = int(b.max() - b0 + 1)
    n_series = len(names)
    counts = np.bincount(series * n_bins + (b - b0), minlength=n_series * n_bins).reshape(
        n_series, n_bins
    )
    used = counts.sum(axis=1) > 0
    counts, names = counts[used], names[used]
    n_series = len(names)
    times = pd.to_datetime((b0 + np.arange(n_bins)) * width, utc=True).as_unit("ns")
    return pd.DataFrame(
        {
            "time": np.tile(times, n_series),
            "series": pd.Categorical(
                np.repeat(names, n_bins), categories=list(names), ordered=False
            ),
            "comments": counts.ravel().astype(np.int64),
            "cumulative": np.cumsum(counts, axis=1).ravel().astype(np.int64),
        }
    )


# --------------------------------------------------------------------------- kinds


def comment_kinds(course: Course, *, per_step: bool = True, group: Group = None) -> pd.DataFrame:
    """Conversation or monologue? Top-level comments versus replies.

    Parameters
    ----------
    course : a :class:`~flbook.store.Course`.
    per_step : one pair of rows per step (default), or one pair for the whole course.
    group : limit to authors in a learner group (default ``None``: every author).

    Returns
    -------
    DataFrame
        With ``per_step=True``: ``step`` (ordered Categorical, every course step),
        ``kind`` (``"top-level comment"`` or ``"reply"``, an ordered Categorical; see
        :data:`KINDS`) and ``comments``, one row per step and kind.
        With ``per_step=False``: ``kind``, ``comments`` and ``pct`` (share of all
        comments). Empty when there are no comments.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(comments=pd.DataFrame({
    ...     "id": [1, 2, 3], "author_id": ["a", "b", "a"], "parent_id": [None, 1, None],
    ...     "step": ["1.1", "1.1", "1.2"], "timestamp": "2024-02-05 10:00:00"}))
    >>> comment_kinds(c, per_step=False)
                    kind  comments        pct
    0  top-level comment         2  66.666667
    1              reply         1  33.333333
    """
    c = _comments(course, group)
    step = step_codes(c["step"])
    kind = _is_reply(c).astype(np.int64)
    if per_step:
        n_steps = len(course.steps)
        if len(c) == 0 or n_steps == 0:
            out = empty_steps(course, {})
            out["kind"] = pd.Categorical([], dtype=_KIND_DTYPE)
            out["comments"] = pd.Series([], dtype="int64")
            return out
        ok = step >= 0
        counts = np.bincount(step[ok] * 2 + kind[ok], minlength=2 * n_steps)
        codes = np.repeat(np.arange(n_steps, dtype=np.int16), 2)
        return pd.DataFrame(
            {
                "step": pd.Categorical.from_codes(codes, dtype=course.step_dtype),
                "kind": pd.Categorical.from_codes(np.tile([0, 1], n_steps), dtype=_KIND_DTYPE),
                "comments": counts.astype(np.int64),
            }
        )
    if len(c) == 0:
        return empty_frame({"kind": _KIND_DTYPE, "comments": "int64", "pct": "float64"})
    counts = np.bincount(kind, minlength=2).astype(np.int64)
    return pd.DataFrame(
        {
            "kind": pd.Categorical.from_codes([0, 1], dtype=_KIND_DTYPE),
            "comments": counts,
            "pct": counts / counts.sum() * 100,
        }
    )


# --------------------------------------------------------------------------- likes


def _by_columns(course: Course, c: pd.DataFrame, by: Iterable[str]) -> dict[str, pd.Categorical]:
    cols = {}
    for name in by:
        if name == "kind":
            cols["kind"] = pd.Categorical.from_codes(
                _is_reply(c).astype(np.int8), dtype=_KIND_DTYPE
            )
        elif name == "author_type":
            kinds = _author_types(course)[person_codes(course, c["author_id"])]
            cols["author_type"] = pd.Categorical.from_codes(kinds, dtype=_AUTHOR_DTYPE)
        else:
            raise ValueError(f"cannot split likes by {name!r}: use 'kind' and/or 'author_type'")
    return cols


_LIKES_SUMMARY = {
    "comments": "int64",
    "liked_comments": "int64",
    "pct_liked": "float64",
    "likes": "int64",
    "mean_likes": "float64",
    "median_likes": "float64",
    "max_likes": "int64",
}


def likes_summary(
    course: Course,
    *,
    by: Iterable[str] = ("kind", "author_type"),
) -> pd.DataFrame:
    """Which comments get liked? Likes per comment, by top-level/reply and author type.

    A comment whose ``likes`` count is missing (older exports) counts as 0 likes.

    Parameters
    ----------
    course : a :class:`~flbook.store.Course`.
    by : columns to split by, any of ``"kind"`` (top-level or reply) and
        ``"author_type"`` (learner, educator, other); ``()`` for one overall row.

    Returns
    -------
    DataFrame
        One row per combination present (in category order): the ``by`` columns, then
        ``comments`` (comments and replies), ``liked_comments`` (with at least one
        like), ``pct_liked`` (their percentage), ``likes`` (total), ``mean_likes``,
        ``median_likes`` and ``max_likes`` (likes per comment). Empty when there are no
        comments.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(comments=pd.DataFrame({
    ...     "id": [1, 2, 3], "author_id": ["a", "b", "a"], "parent_id": [None, 1, None],
    ...     "step": "1.1", "timestamp": "2024-02-05 10:00:00", "likes": [3, 0, 1]}))
    >>> likes_summary(c, by=["kind"])[["kind", "comments", "liked_comments", "likes"]]
                    kind  comments  liked_comments  likes
    0  top-level comment         2               2      4
    1              reply         1               0      0
    """
    by = list(by)
    c = _comments(course)
    cols = _by_columns(course, c, by)
    if len(c) == 0:
        empty = empty_frame({k: (_KIND_DTYPE if k == "kind" else _AUTHOR_DTYPE) for k in by})
        for k, t in _LIKES_SUMMARY.items():
            empty[k] = pd.Series([], dtype=t)
        return empty
    likes = _likes(c)
    frame = pd.DataFrame({**cols, "likes": likes, "liked": likes > 0})
    keys = by or np.zeros(len(frame), dtype=np.int8)  # no split: one group of all
    groups = frame.groupby(keys, observed=True, sort=True)
    g = groups["likes"]
    stats = pd.DataFrame(
        {
            "comments": g.size(),
            "liked_comments": groups["liked"].sum(),
            "likes": g.sum(),
            "mean_likes": g.mean(),
            "median_likes": g.median(),
            "max_likes": g.max(),
        }
    ).reset_index(drop=not by)
    stats["pct_liked"] = stats["liked_comments"] / stats["comments"] * 100
    out = stats[by + list(_LIKES_SUMMARY)]
    return out.astype({k: t for k, t in _LIKES_SUMMARY.items()}).reset_index(drop=True)


def likes_distribution(
    course: Course,
    *,
    by: str | None = "kind",
    max_likes: int = 10,
) -> pd.DataFrame:
    """How many likes does a comment get? The distribution of likes per comment.

    Parameters
    ----------
    course : a :class:`~flbook.store.Course`.
    by : ``"kind"`` (top-level or reply), ``"author_type"`` or ``None`` (all comments).
    max_likes : comments with this many likes or more share the last bin (``"10+"``).

    Returns
    -------
    DataFrame
        Long form: the ``by`` column (when given), ``likes`` (ordered Categorical
        ``"0"``, ``"1"``, ..., ``"10+"``), ``comments`` (comments with that many likes)
        and ``pct`` (their percentage within the ``by`` group). Every bin is listed for
        every group present. Empty when there are no comments.
    """
    if max_likes < 1:
        raise ValueError("max_likes must be at least 1")
    labels = [str(i) for i in range(max_likes)] + [f"{max_likes}+"]
    ldtype = pd.CategoricalDtype(labels, ordered=True)
    by_list = [] if by is None else [by]
    c = _comments(course)
    cols = _by_columns(course, c, by_list)
    if len(c) == 0:
        out = empty_frame({k: (_KIND_DTYPE if k == "kind" else _AUTHOR_DTYPE) for k in by_list})
        out["likes"] = pd.Categorical([], dtype=ldtype)
        out["comments"] = pd.Series([], dtype="int64")
        out["pct"] = pd.Series([], dtype="float64")
        return out
    nb = max_likes + 1
    binned = np.minimum(_likes(c), max_likes)
    if by is None:
        counts = np.bincount(binned, minlength=nb)[None, :]
        groups = None
    else:
        gcodes = cols[by].codes.astype(np.int64)
        ncat = len(cols[by].categories)
        counts = np.bincount(gcodes * nb + binned, minlength=ncat * nb).reshape(ncat, nb)
        present = np.flatnonzero(counts.sum(axis=1))
        counts = counts[present]
        groups = present
    totals = counts.sum(axis=1, keepdims=True)
    out = {}
    if by is not None:
        dtype = cols[by].dtype
        out[by] = pd.Categorical.from_codes(np.repeat(groups, nb), dtype=dtype)
    out["likes"] = pd.Categorical.from_codes(np.tile(np.arange(nb), len(counts)), dtype=ldtype)
    out["comments"] = counts.ravel().astype(np.int64)
    out["pct"] = (counts / totals * 100).ravel()
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- educators


def educator_share(course: Course) -> pd.DataFrame:
    """How much of the conversation is the course team's? Comments by author type.

    Counts comments and replies by educators (course team), learners and anyone else,
    over the whole course and per week of the step commented on.

    Returns
    -------
    DataFrame
        ``period`` (ordered Categorical: ``"All weeks"``, then ``"Week 1"``, ``"Week 2"``,
        ...), ``author_type`` (``learner``, ``educator``, ``other``; every type present
        in the course, in every period), ``comments`` and ``pct`` (share of the period's
        comments; NaN for a period without comments). Empty when there are no comments.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(
    ...     enrolments=pd.DataFrame({"learner_id": ["a", "e"], "role": ["learner", "educator"]}),
    ...     team_members=pd.DataFrame({"id": ["e"], "team_role": ["lead_educator"]}),
    ...     comments=pd.DataFrame({"id": [1, 2, 3, 4], "author_id": ["a", "a", "e", "a"],
    ...         "step": ["1.1", "1.1", "1.1", "2.1"], "timestamp": "2024-02-05 10:00:00"}))
    >>> educator_share(c).round(1)
          period author_type  comments    pct
    0  All weeks     learner         3   75.0
    1  All weeks    educator         1   25.0
    2     Week 1     learner         2   66.7
    3     Week 1    educator         1   33.3
    4     Week 2     learner         1  100.0
    5     Week 2    educator         0    0.0
    """
    c = course.table("comments", ["author_id", "step"])
    if len(c) == 0:
        return empty_frame(
            {
                "period": "category",
                "author_type": _AUTHOR_DTYPE,
                "comments": "int64",
                "pct": "float64",
            }
        )
    kind = _author_types(course)[person_codes(course, c["author_id"])].astype(np.int64)
    present = np.flatnonzero(np.bincount(kind, minlength=3))
    weeks_all = sorted_distinct(course.steps["week_number"].to_numpy())
    week_of_step = course.steps["week_number"].to_numpy().astype(np.int64)
    step = step_codes(c["step"])
    wk = np.where(step >= 0, np.searchsorted(weeks_all, week_of_step[np.maximum(step, 0)]), -1)
    n_periods = 1 + len(weeks_all)
    grid = np.zeros((n_periods, 3), dtype=np.int64)
    grid[0] = np.bincount(kind, minlength=3)
    ok = wk >= 0
    grid[1:] = np.bincount(wk[ok] * 3 + kind[ok], minlength=3 * len(weeks_all)).reshape(-1, 3)
    grid = grid[:, present]
    totals = grid.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = grid / totals * 100
    periods = ["All weeks"] + [f"Week {w}" for w in weeks_all]
    pdtype = pd.CategoricalDtype(periods, ordered=True)
    return pd.DataFrame(
        {
            "period": pd.Categorical.from_codes(
                np.repeat(np.arange(n_periods), len(present)), dtype=pdtype
            ),
            "author_type": pd.Categorical.from_codes(
                np.tile(present, n_periods), dtype=_AUTHOR_DTYPE
            ),
            "comments": grid.ravel(),
            "pct": pct.ravel(),
        }
    )


# --------------------------------------------------------------------------- per step

_PER_STEP = {
    "comments": "int64",
    "top_level": "int64",
    "replies": "int64",
    "commenters": "int64",
}


def comments_per_step(course: Course, *, group: Group = None) -> pd.DataFrame:
    """Where does discussion happen? Comments, replies and distinct commenters per step.

    Parameters
    ----------
    course : a :class:`~flbook.store.Course`.
    group : limit to authors in a learner group (e.g. ``"enrolled"`` for learners
        only); default ``None``: every author, course team included.

    Returns
    -------
    DataFrame
        One row per course step, in course order (zeros included): ``step`` (ordered
        Categorical), ``comments`` (all posts: top-level comments and replies),
        ``top_level``, ``replies`` (``top_level + replies == comments``) and
        ``commenters`` (distinct authors who posted on the step). Empty when there are
        no comments.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(comments=pd.DataFrame({
    ...     "id": [1, 2, 3], "author_id": ["a", "b", "a"], "parent_id": [None, 1, 1],
    ...     "step": ["1.2", "1.2", "1.2"], "timestamp": "2024-02-05 10:00:00"}))
    >>> comments_per_step(c)
      step  comments  top_level  replies  commenters
    0  1.2         3          1        2           2
    """
    c = _comments(course, group)
    n_steps = len(course.steps)
    if len(c) == 0 or n_steps == 0:
        return empty_steps(course, _PER_STEP)
    step = step_codes(c["step"])
    person = person_codes(course, c["author_id"])
    reply = _is_reply(c)
    ok = step >= 0
    step, person, reply = step[ok], person[ok], reply[ok]
    total = np.bincount(step, minlength=n_steps)
    replies = np.bincount(step[reply], minlength=n_steps)
    n = np.int64(len(course.people) + 1)
    pairs = sorted_distinct(step[person >= 0] * n + person[person >= 0], below=n_steps * int(n))
    commenters = np.bincount(pairs // n, minlength=n_steps)
    return step_frame(
        course,
        comments=total.astype(np.int64),
        top_level=(total - replies).astype(np.int64),
        replies=replies.astype(np.int64),
        commenters=commenters.astype(np.int64),
    )
