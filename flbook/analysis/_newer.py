"""The newer exports: leaving survey, archetypes, weekly sentiment, video statistics, campaigns.

Not every course run has these datasets (they were added to FutureLearn's exports over
the years). Every function here returns an empty table with its usual columns when the
dataset is absent or empty, so a chapter can say "no data" and move on.

Free text (leaving and sentiment reasons) never enters a returned table: reasons are
only counted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._groups import learner_flags
from .arrays import empty_frame, person_codes

__all__ = [
    "leaving_reasons",
    "archetype_progress",
    "sentiment_by_week",
    "video_retention",
    "video_devices",
    "video_regions",
    "video_summary",
    "campaign_summary",
    "RATINGS",
    "NO_ARCHETYPE",
]

RATINGS = {1: "bad", 2: "neutral", 3: "good"}
"""Weekly sentiment ``experience_rating`` values and their labels."""

NO_ARCHETYPE = "No response"
"""Archetype label of enrolled learners who did not answer the archetype survey."""

NOT_SET = "(not set)"

_RETENTION = {
    5: "viewed_five_percent",
    10: "viewed_ten_percent",
    25: "viewed_twentyfive_percent",
    50: "viewed_fifty_percent",
    75: "viewed_seventyfive_percent",
    95: "viewed_ninetyfive_percent",
    100: "viewed_onehundred_percent",
}
_DEVICES = {
    "desktop": "desktop_device_percentage",
    "mobile": "mobile_device_percentage",
    "tablet": "tablet_device_percentage",
    "tv": "tv_device_percentage",
    "console": "console_device_percentage",
    "unknown": "unknown_device_percentage",
}
_REGIONS = {
    "Europe": "europe_views_percentage",
    "Asia": "asia_views_percentage",
    "North America": "north_america_views_percentage",
    "South America": "south_america_views_percentage",
    "Africa": "africa_views_percentage",
    "Oceania": "oceania_views_percentage",
    "Antarctica": "antarctica_views_percentage",
}


def _pct(num, den) -> np.ndarray:
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, 100.0 * num / np.where(den > 0, den, 1), np.nan)


def _labels(s: pd.Series, missing: str) -> pd.Series:
    """A label column as plain strings, ``missing`` for empty values."""
    out = s.astype("string").str.strip()
    return out.where(out.notna() & (out != ""), missing).astype("string")


# --------------------------------------------------------------------------- leaving


def leaving_reasons(course, *, by: str = "reason") -> pd.DataFrame:
    """Why did learners leave, and how far had they got?

    From the leaving survey (one answer per learner who left and answered it).

    Parameters
    ----------
    course : the Course.
    by : ``"reason"`` (one row per reason), ``"week"`` (per week of the last step the
        leaver had completed, and reason) or ``"step"`` (per last completed step, and
        reason).

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

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(leaving_survey_responses=pd.DataFrame({
    ...     "id": [1, 2, 3], "learner_id": ["a", "b", "c"],
    ...     "left_at": ["2024-02-06 10:00:00"] * 3,
    ...     "leaving_reason": ["Other", "I don't have enough time", "Other"]}))
    >>> leaving_reasons(c)
                 leaving_reason  responses        pct
    0                     Other          2  66.666667
    1  I don't have enough time          1  33.333333
    """
    if by not in ("reason", "week", "step"):
        raise ValueError(f"by must be 'reason', 'week' or 'step', not {by!r}")
    t = course.table(
        "leaving-survey-responses",
        ["leaving_reason", "last_completed_step", "last_completed_week_number"],
    )
    reason = _labels(t["leaving_reason"], NOT_SET)
    totals = reason.value_counts(sort=False)
    order = sorted(totals.index, key=lambda r: (-int(totals[r]), str(r)))
    rank = {r: i for i, r in enumerate(order)}
    if by == "reason":
        out = pd.DataFrame(
            {
                "leaving_reason": pd.array(order, dtype="string"),
                "responses": np.array([int(totals[r]) for r in order], dtype=np.int64),
            }
        )
        out["pct"] = _pct(out["responses"], out["responses"].sum())
        return out
    if by == "week":
        key_name = "last_completed_week_number"
        week = t["last_completed_week_number"].astype("Int32")
        step = t["last_completed_step"]
        if len(course.steps) and step.notna().any():
            step_week = pd.Series(
                course.steps["week_number"].to_numpy()[step.cat.codes.to_numpy()],
                index=t.index,
                dtype="Int32",
            ).where(step.notna())
            week = week.fillna(step_week)
        key = week
    else:
        key_name = "last_completed_step"
        key = t["last_completed_step"]
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
            "pct": _pct(counts["responses"], group_tot),
        }
    )
    if by == "step":
        out[key_name] = pd.Categorical(out[key_name], dtype=course.step_dtype)
    else:
        out[key_name] = out[key_name].astype("Int32")
    out["leaving_reason"] = out["leaving_reason"].astype("string")
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- archetypes


def archetype_progress(course, *, include_no_response: bool = True) -> pd.DataFrame:
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
                "archetype": _labels(arch["archetype"], NOT_SET).to_numpy(),
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


def sentiment_by_week(course) -> pd.DataFrame:
    """How did learners rate each week (bad, neutral, good)? Reasons are counted, not shown.

    From the weekly sentiment survey (anonymous: no learner ids).

    Returns
    -------
    DataFrame, three rows per week answered (one per rating, zeros included):
        ``week_number`` (int32), ``rating`` (ordered Categorical bad < neutral < good),
        ``responses``, ``pct`` (% of the week's answers), ``reasons_given`` (answers with
        a non-empty reason; the reasons' text is never returned).
        Ratings other than 1–3 are left out.

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
    week_tot = np.repeat(counts.reshape(nw, 3).sum(axis=1), 3)
    return pd.DataFrame(
        {
            "week_number": np.repeat(weeks, 3).astype(np.int32),
            "rating": pd.Categorical.from_codes(
                np.tile(np.arange(3), nw),
                dtype=pd.CategoricalDtype(list(RATINGS.values()), ordered=True),
            ),
            "responses": counts.astype(np.int64),
            "pct": _pct(counts, week_tot),
            "reasons_given": reasons.astype(np.int64),
        }
    )


# --------------------------------------------------------------------------- videos


def _videos(course, columns: list[str]) -> tuple[pd.DataFrame, pd.Categorical, pd.Categorical]:
    """Video stats rows, their labels ("1.3 Title") and steps, in course order."""
    t = course.table("video-stats", ["step_position", "title", *columns])
    step = t["step_position"]
    codes = step.cat.codes.to_numpy()
    order = np.lexsort((np.arange(len(t)), np.where(codes < 0, np.iinfo(np.int32).max, codes)))
    t = t.iloc[order].reset_index(drop=True)
    step = t["step_position"]
    s = step.astype("string")
    title = t["title"].astype("string").str.strip()
    label = (s + " " + title).fillna(s).fillna(title)
    label = label.fillna(pd.Series([f"Video {i + 1}" for i in range(len(t))], dtype="string"))
    # a label used twice gets a number so the videos stay apart
    dup = label.duplicated(keep=False)
    if dup.any():
        nth = label.groupby(label).cumcount() + 1
        label = label.where(~dup, label + " (" + nth.astype("string") + ")")
    video = pd.Categorical(label.to_numpy(dtype=object), categories=list(label), ordered=True)
    return t, video, pd.Categorical(step, dtype=step.dtype)


def _video_long(course, mapping: dict, key: str, value: str) -> pd.DataFrame:
    """One row per video and mapping key, from the wide video-stats columns."""
    t, video, step = _videos(course, list(mapping.values()))
    k, n = len(mapping), len(t)
    keys = list(mapping)
    key_col = (
        np.tile(np.array(keys, dtype=np.int64), n)
        if all(isinstance(x, int) for x in keys)
        else pd.Categorical.from_codes(
            np.tile(np.arange(k), n), dtype=pd.CategoricalDtype(keys, ordered=True)
        )
    )
    out = pd.DataFrame(
        {
            "video": pd.Categorical.from_codes(np.repeat(video.codes, k), dtype=video.dtype),
            "step": pd.Categorical.from_codes(np.repeat(step.codes, k), dtype=step.dtype),
            key: key_col,
            value: t[list(mapping.values())].to_numpy(dtype=float, na_value=np.nan).reshape(-1),
        }
    )
    return out[out[value].notna()].reset_index(drop=True)


def video_retention(course) -> pd.DataFrame:
    """How much of each video did viewers watch? (retention curve points)

    Returns
    -------
    DataFrame, long form, one row per video and point of the video:
        ``video`` (ordered Categorical "step title", course order), ``step`` (the
        video's step, ordered Categorical; missing in 2017 exports), ``pct_of_video``
        (5, 10, 25, 50, 75, 95, 100), ``pct_viewers`` (% of views that reached that
        point, as exported). Points the export leaves empty are left out.

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(video_stats=pd.DataFrame({
    ...     "step_position": ["1.1"], "title": ["Welcome"], "total_views": [10],
    ...     "viewed_five_percent": [90.0], "viewed_onehundred_percent": [40.0]}))
    >>> video_retention(c)[["video", "pct_of_video", "pct_viewers"]]
             video  pct_of_video  pct_viewers
    0  1.1 Welcome             5         90.0
    1  1.1 Welcome           100         40.0
    """
    return _video_long(course, _RETENTION, "pct_of_video", "pct_viewers")


def video_devices(course) -> pd.DataFrame:
    """On which devices were the videos watched?

    Returns
    -------
    DataFrame, long form, one row per video and device:
        ``video`` (ordered Categorical), ``step``, ``device`` (ordered Categorical:
        desktop, mobile, tablet, tv, console, unknown), ``pct_views`` (% of the video's
        views).
    """
    return _video_long(course, _DEVICES, "device", "pct_views")


def video_regions(course) -> pd.DataFrame:
    """From which world regions were the videos watched?

    Returns
    -------
    DataFrame, long form, one row per video and region:
        ``video`` (ordered Categorical), ``step``, ``region`` (ordered Categorical:
        Europe, Asia, North America, South America, Africa, Oceania, Antarctica),
        ``pct_views`` (% of the video's views).
    """
    return _video_long(course, _REGIONS, "region", "pct_views")


def video_summary(course) -> pd.DataFrame:
    """Each video with its full title, length and views: the table behind the video charts.

    The charts shorten long titles (real ones run to 100 characters); this table gives
    them whole.

    Returns
    -------
    DataFrame, one row per video in course order:
        ``step`` (ordered Categorical; missing in 2017 exports), ``title`` (the full
        title), ``minutes`` (length; missing in 2017 exports), ``total_views``,
        ``total_downloads``, ``pct_viewed_to_end`` (% of views that reached the end).

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(video_stats=pd.DataFrame({
    ...     "step_position": ["1.2"], "title": ["Welcome to the course, " * 4],
    ...     "video_duration": [150.0], "total_views": [80],
    ...     "viewed_onehundred_percent": [40.0]}))
    >>> row = video_summary(c).iloc[0]
    >>> len(row["title"]), float(row["minutes"]), int(row["total_views"])
    (91, 2.5, 80)
    """
    t, _, step = _videos(
        course,
        ["video_duration", "total_views", "total_downloads", "viewed_onehundred_percent"],
    )
    return pd.DataFrame(
        {
            "step": step,
            "title": t["title"].astype("string").str.strip(),
            "minutes": t["video_duration"].astype("float64") / 60.0,
            "total_views": t["total_views"].astype("Int64"),
            "total_downloads": t["total_downloads"].astype("Int64"),
            "pct_viewed_to_end": t["viewed_onehundred_percent"].astype("float64"),
        }
    )


# --------------------------------------------------------------------------- campaigns


def campaign_summary(course) -> pd.DataFrame:
    """Which marketing sources (``utm_source``) brought enrolments, active learners, upgrades?

    Older exports (6 columns) have no ``upgrades_purchased``: it is then missing (NA),
    as is its share.

    Returns
    -------
    DataFrame, one row per source, most enrolments first:
        ``utm_source`` (string; ``"(not set)"`` when empty), ``campaigns`` (campaign rows
        from that source), ``enrolments``, ``active_learners``, ``upgrades_purchased``
        (Int64), ``pct_of_enrolments``, ``pct_of_active_learners``, ``pct_of_upgrades``
        (the source's share of all tracked ones), ``pct_active`` (active learners as %
        of the source's enrolments).

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(campaigns=pd.DataFrame({
    ...     "utm_source": ["google", "twitter", "google"], "enrolments": [10, 30, 20],
    ...     "active_learners": [5, 9, 10], "upgrades_purchased": [1, 0, 1]}))
    >>> campaign_summary(c)[["utm_source", "enrolments", "pct_of_enrolments", "pct_active"]]
      utm_source  enrolments  pct_of_enrolments  pct_active
    0     google          30               50.0        50.0
    1    twitter          30               50.0        30.0
    """
    t = course.table(
        "campaigns", ["utm_source", "enrolments", "active_learners", "upgrades_purchased"]
    )
    frame = pd.DataFrame(
        {
            "utm_source": _labels(t["utm_source"], NOT_SET),
            "enrolments": t["enrolments"].astype("Int64"),
            "active_learners": t["active_learners"].astype("Int64"),
            "upgrades_purchased": t["upgrades_purchased"].astype("Int64"),
        }
    )
    g = frame.groupby("utm_source", sort=True, observed=True)
    out = pd.DataFrame(
        {
            "campaigns": g.size().astype(np.int64),
            "enrolments": g["enrolments"].sum(min_count=1).astype("Int64"),
            "active_learners": g["active_learners"].sum(min_count=1).astype("Int64"),
            "upgrades_purchased": g["upgrades_purchased"].sum(min_count=1).astype("Int64"),
        }
    )
    out.index = out.index.astype("string")
    out = out.rename_axis("utm_source").reset_index()
    out["utm_source"] = out["utm_source"].astype("string")

    def share(col: str) -> np.ndarray:
        v = out[col].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        return _pct(v, np.nansum(v)) if np.isfinite(v).any() else np.full(len(v), np.nan)

    out["pct_of_enrolments"] = share("enrolments")
    out["pct_of_active_learners"] = share("active_learners")
    out["pct_of_upgrades"] = share("upgrades_purchased")
    out["pct_active"] = _pct(
        out["active_learners"].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
        out["enrolments"].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
    )
    out["_e"] = out["enrolments"].fillna(-1)
    out = out.sort_values(["_e", "utm_source"], ascending=[False, True], kind="stable")
    return out.drop(columns="_e").reset_index(drop=True)
