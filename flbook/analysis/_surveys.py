"""The survey exports: why learners left, what brought them (archetypes), how each week felt.

Not every course run has these datasets (they were added to FutureLearn's exports over
the years). Every function here returns an empty table with its usual columns when the
dataset is absent or empty, so a chapter can say "no data" and move on.

Free text (leaving and sentiment reasons) never enters a returned table: reasons are
only counted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._groups import learner_flags
from .arrays import empty_frame, person_codes
from .columns import percent, text_labels

if TYPE_CHECKING:
    from ..store import Course

__all__ = [
    "leaving_reasons",
    "archetype_progress",
    "sentiment_by_week",
    "RATINGS",
    "NO_ARCHETYPE",
]

RATINGS = {1: "bad", 2: "neutral", 3: "good"}
"""Weekly sentiment ``experience_rating`` values and their labels."""

NO_ARCHETYPE = "No response"
"""Archetype label of enrolled learners who did not answer the archetype survey."""


# --------------------------------------------------------------------------- leaving


def leaving_reasons(course: Course, *, by: str = "reason", wide: bool = False) -> pd.DataFrame:
    """Why did learners leave, and how far had they got?

    From the leaving survey (one answer per learner who left and answered it).

    Parameters
    ----------
    course : the Course.
    by : ``"reason"`` (one row per reason), ``"week"`` (per week of the last step the
        leaver had completed, and reason) or ``"step"`` (per last completed step, and
        reason).
    wide : with ``by="week"`` or ``"step"``, one row per week (or step) and one column
        per reason: the table :func:`flbook.plotting.plot_leaving_reasons` stacks.

    Returns
    -------
    DataFrame
        ``by="reason"``: ``leaving_reason`` (string), ``responses`` (answers giving it),
        ``pct`` (% of all answers), most frequent reason first.

        ``by="week"``: ``last_completed_week_number`` (Int32; missing = had completed no
        step), ``leaving_reason``, ``responses``, ``pct`` (% of that week's leavers).

        ``by="step"``: ``last_completed_step`` (ordered Categorical, course order;
        missing = had completed no step), ``leaving_reason``, ``responses``, ``pct`` (%
        of that step's leavers). Only combinations that occur are listed.

        ``wide=True``: the week (or step) column, then one column per reason, most
        frequent reason first, holding the number of leavers (zeros included). With
        ``by="week"`` one row per week with leavers; with ``by="step"`` one row per
        step of the course. A last row with a missing week (or step) counts the
        leavers who had completed no step, when there are any.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(leaving_survey_responses=pd.DataFrame({
    ...     "id": [1, 2, 3], "learner_id": ["a", "b", "c"],
    ...     "left_at": ["2024-02-06 10:00:00"] * 3,
    ...     "leaving_reason": ["Other", "I don't have enough time", "Other"],
    ...     "last_completed_week_number": [1, 2, None]}))
    >>> leaving_reasons(c)
                 leaving_reason  responses        pct
    0                     Other          2  66.666667
    1  I don't have enough time          1  33.333333
    >>> leaving_reasons(c, by="week", wide=True)
       last_completed_week_number  Other  I don't have enough time
    0                           1      1                         0
    1                           2      0                         1
    2                        <NA>      1                         0
    """
    if by not in ("reason", "week", "step"):
        raise ValueError(f"by must be 'reason', 'week' or 'step', not {by!r}")
    if wide and by == "reason":
        raise ValueError("wide=True needs by='week' or by='step'")
    t = course.table(
        "leaving-survey-responses",
        ["leaving_reason", "last_completed_step", "last_completed_week_number"],
    )
    reason = text_labels(t["leaving_reason"])
    totals = reason.value_counts(sort=False)
    order = sorted(totals.index, key=lambda r: (-int(totals[r]), str(r)))
    if by == "reason":
        out = pd.DataFrame(
            {
                "leaving_reason": pd.array(order, dtype="string"),
                "responses": np.array([int(totals[r]) for r in order], dtype=np.int64),
            }
        )
        out["pct"] = percent(out["responses"], out["responses"].sum())
        return out
    if by == "week":
        key_name = "last_completed_week_number"
        key = _leaving_week(course, t)
    else:
        key_name = "last_completed_step"
        key = pd.Series(
            pd.Categorical(t["last_completed_step"], dtype=course.step_dtype), index=t.index
        )
    if wide:
        return _leaving_wide(key_name, key, reason, order)
    rank = {r: i for i, r in enumerate(order)}
    frame = pd.DataFrame({key_name: key, "leaving_reason": reason})
    counts = (
        frame.groupby([key_name, "leaving_reason"], dropna=False, observed=True)
        .size()
        .rename("responses")
        .reset_index()
    )
    counts["_rank"] = counts["leaving_reason"].map(rank)
    counts = counts.sort_values([key_name, "_rank"], na_position="last", kind="stable")
    group_tot = counts.groupby(key_name, dropna=False, observed=True)["responses"].transform("sum")
    out = pd.DataFrame(
        {
            key_name: counts[key_name].to_numpy(),
            "leaving_reason": counts["leaving_reason"].astype("string").to_numpy(),
            "responses": counts["responses"].to_numpy(dtype=np.int64),
            "pct": percent(counts["responses"], group_tot),
        }
    )
    if by == "step":
        out[key_name] = pd.Categorical(out[key_name], dtype=course.step_dtype)
    else:
        out[key_name] = out[key_name].astype("Int32")
    out["leaving_reason"] = out["leaving_reason"].astype("string")
    return out.reset_index(drop=True)


def _leaving_week(course: Course, t: pd.DataFrame) -> pd.Series:
    """Each leaver's week of the last completed step: exported, else from the step."""
    week = t["last_completed_week_number"].astype("Int32")
    step = t["last_completed_step"]
    if len(course.steps) and step.notna().any():
        step_week = pd.Series(
            course.steps["week_number"].to_numpy()[step.cat.codes.to_numpy()],
            index=t.index,
            dtype="Int32",
        ).where(step.notna())
        week = week.fillna(step_week)
    return week


def _leaving_wide(key_name: str, key: pd.Series, reason: pd.Series, order: list) -> pd.DataFrame:
    """Leavers per week (or step) and reason: one column per reason in ``order``."""
    if key_name == "last_completed_step":
        keys = pd.Categorical.from_codes(
            np.arange(len(key.cat.categories)), dtype=key.dtype
        )  # every step of the course
        codes = key.cat.codes.to_numpy()
        missing = pd.Categorical.from_codes([-1], dtype=key.dtype)
    else:
        weeks = np.sort(pd.unique(key.dropna().to_numpy(dtype=np.int64)))
        keys = pd.array(weeks, dtype="Int32")  # the weeks with leavers
        known = key.notna().to_numpy()
        codes = np.full(len(key), -1, dtype=np.int64)
        codes[known] = np.searchsorted(weeks, key[known].to_numpy(dtype=np.int64))
        missing = pd.array([None], dtype="Int32")
    if len(key) == 0:
        return pd.DataFrame({key_name: keys[:0]})
    n = len(keys)
    cells = np.zeros((n + 1, len(order)), dtype=np.int64)  # the last row: no step completed
    np.add.at(cells, (np.where(codes < 0, n, codes), pd.Index(order).get_indexer(reason)), 1)
    column = pd.concat([pd.Series(keys), pd.Series(missing)], ignore_index=True)
    out = pd.DataFrame(cells, columns=pd.Index(order, dtype=object))
    out.insert(0, key_name, column)
    if cells[n].sum() == 0:
        out = out.iloc[:n]
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- archetypes


def archetype_progress(course: Course, *, include_no_response: bool = True) -> pd.DataFrame:
    """How did learners of each archetype (Advancers, Explorers, ...) get on?

    Each enrolled learner (role ``learner``) takes the archetype of their latest answer
    to the archetype survey; learners who did not answer form the group
    ``"No response"`` (a baseline: people who answer surveys tend to be keener).

    Parameters
    ----------
    course : the Course.
    include_no_response : add the ``"No response"`` row.

    Returns
    -------
    DataFrame, one row per archetype (largest first, ``"No response"`` last):
        ``archetype`` (string), ``learners``, ``pct_visited_any`` (% who visited at least
        one step), ``pct_completed_any`` (% who marked at least one step complete),
        ``median_steps_visited``, ``median_steps_completed`` (steps per learner, zeros
        included), ``pct_fully_participated``, ``pct_purchased`` (% who bought a
        certificate), ``pct_unenrolled`` (% who left).

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(
    ...     enrolments=pd.DataFrame({"learner_id": ["a", "b"], "role": ["learner"] * 2,
    ...                              "enrolled_at": ["2024-02-01 10:00:00"] * 2}),
    ...     archetype_survey_responses=pd.DataFrame({"id": [1], "learner_id": ["a"],
    ...                                              "archetype": ["Explorers"]}))
    >>> archetype_progress(c)[["archetype", "learners"]]
         archetype  learners
    0    Explorers         1
    1  No response         1
    """
    columns = [
        "archetype",
        "learners",
        "pct_visited_any",
        "pct_completed_any",
        "median_steps_visited",
        "median_steps_completed",
        "pct_fully_participated",
        "pct_purchased",
        "pct_unenrolled",
    ]
    flags = learner_flags(course)
    arch = course.table("archetype-survey-responses", ["learner_id", "responded_at", "archetype"])
    if len(flags) == 0 or len(arch) == 0:
        return empty_frame(columns, {"archetype": "string", "learners": np.int64})
    n_people = len(course.people)
    latest = (
        pd.DataFrame(
            {
                "code": arch["learner_id"].cat.codes.to_numpy(),
                "t": arch["responded_at"].to_numpy(),
                "archetype": text_labels(arch["archetype"]).to_numpy(),
            }
        )
        .sort_values("t", kind="stable", na_position="first")
        .drop_duplicates("code", keep="last")
    )
    latest = latest[latest["code"] >= 0]
    names = pd.Index(sorted(pd.unique(latest["archetype"])))
    person_arch = np.full(n_people + 1, len(names), dtype=np.int64)  # len(names) = no response
    person_arch[latest["code"].to_numpy()] = names.get_indexer(latest["archetype"])
    sa = course.table("step-activity", ["learner_id", "last_completed_at"])
    sa_codes = sa["learner_id"].cat.codes.to_numpy()
    visited = np.bincount(sa_codes[sa_codes >= 0], minlength=n_people)
    done = sa["last_completed_at"].notna().to_numpy() & (sa_codes >= 0)
    completed = np.bincount(sa_codes[done], minlength=n_people)
    codes = person_codes(course, flags["learner_id"])
    per = pd.DataFrame(
        {
            "group": person_arch[codes],
            "visited": visited[codes],
            "completed": completed[codes],
            "visited_any": visited[codes] > 0,
            "completed_any": completed[codes] > 0,
            "fully_participated": flags["fully_participated"].to_numpy(),
            "purchased": flags["purchased"].to_numpy(),
            "unenrolled": flags["unenrolled"].to_numpy(),
        }
    )
    g = per.groupby("group", sort=True)
    n = g.size()
    out = pd.DataFrame(
        {
            "group": n.index.to_numpy(),
            "learners": n.to_numpy(dtype=np.int64),
            "pct_visited_any": 100.0 * g["visited_any"].mean().to_numpy(),
            "pct_completed_any": 100.0 * g["completed_any"].mean().to_numpy(),
            "median_steps_visited": g["visited"].median().to_numpy(dtype=float),
            "median_steps_completed": g["completed"].median().to_numpy(dtype=float),
            "pct_fully_participated": 100.0 * g["fully_participated"].mean().to_numpy(),
            "pct_purchased": 100.0 * g["purchased"].mean().to_numpy(),
            "pct_unenrolled": 100.0 * g["unenrolled"].mean().to_numpy(),
        }
    )
    labels = np.array(list(names) + [NO_ARCHETYPE], dtype=object)
    out.insert(0, "archetype", pd.array(labels[out["group"].to_numpy()], dtype="string"))
    no_resp = out["group"] == len(names)
    if not include_no_response:
        out = out[~no_resp]
        no_resp = no_resp[~no_resp]
    out = out.assign(_last=no_resp.to_numpy()).sort_values(
        ["_last", "learners", "archetype"], ascending=[True, False, True], kind="stable"
    )
    return out[columns].reset_index(drop=True)


# --------------------------------------------------------------------------- sentiment


def sentiment_by_week(course: Course, *, wide: bool = False) -> pd.DataFrame:
    """How did learners rate each week (bad, neutral, good)? Reasons are counted, not shown.

    From the weekly sentiment survey (anonymous: no learner ids).

    Parameters
    ----------
    course : the Course.
    wide : one row per week, one column per rating: the table
        :func:`flbook.plotting.plot_sentiment` draws.

    Returns
    -------
    DataFrame, three rows per week answered (one per rating, zeros included):
        ``week_number`` (int32), ``rating`` (ordered Categorical bad < neutral < good),
        ``responses``, ``pct`` (% of the week's answers), ``reasons_given`` (answers with
        a non-empty reason; the reasons' text is never returned).
        Ratings other than 1–3 are left out.

        ``wide=True``: one row per week answered: ``week_number``, ``responses`` and
        ``reasons_given`` (the week's), then ``bad``, ``neutral`` and ``good`` (each
        rating's % of the week's answers).

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(weekly_sentiment_survey_responses=pd.DataFrame({
    ...     "id": [1, 2], "week_number": [1, 1], "experience_rating": [3, 1],
    ...     "reason": ["Great", ""]}))
    >>> sentiment_by_week(c)
       week_number   rating  responses   pct  reasons_given
    0            1      bad          1  50.0              0
    1            1  neutral          0   0.0              0
    2            1     good          1  50.0              1
    >>> sentiment_by_week(c, wide=True)
       week_number  responses  reasons_given   bad  neutral  good
    0            1          2              1  50.0      0.0  50.0
    """
    t = course.table(
        "weekly-sentiment-survey-responses", ["week_number", "experience_rating", "reason"]
    )
    rating = t["experience_rating"].to_numpy()
    ok = np.isin(rating, list(RATINGS))
    t = t[ok]
    weeks = np.sort(pd.unique(t["week_number"].to_numpy()))
    nw = len(weeks)
    wi = np.searchsorted(weeks, t["week_number"].to_numpy())
    ri = t["experience_rating"].to_numpy().astype(np.int64) - 1
    reason = t["reason"].astype("string").str.strip()
    given = (reason.notna() & (reason != "")).to_numpy(dtype=bool)
    cell = wi * 3 + ri
    counts = np.bincount(cell, minlength=nw * 3)
    reasons = np.bincount(cell[given], minlength=nw * 3)
    week_tot = counts.reshape(nw, 3).sum(axis=1)
    if wide:
        out = pd.DataFrame(
            {
                "week_number": weeks.astype(np.int32),
                "responses": week_tot.astype(np.int64),
                "reasons_given": reasons.reshape(nw, 3).sum(axis=1).astype(np.int64),
            }
        )
        shares = percent(counts.reshape(nw, 3), week_tot[:, None])
        for i, label in enumerate(RATINGS.values()):
            out[label] = shares[:, i]
        return out
    return pd.DataFrame(
        {
            "week_number": np.repeat(weeks, 3).astype(np.int32),
            "rating": pd.Categorical.from_codes(
                np.tile(np.arange(3), nw),
                dtype=pd.CategoricalDtype(list(RATINGS.values()), ordered=True),
            ),
            "responses": counts.astype(np.int64),
            "pct": percent(counts, np.repeat(week_tot, 3)),
            "reasons_given": reasons.astype(np.int64),
        }
    )
