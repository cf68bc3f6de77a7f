"""The families of findings: each turns analysis tables into a short list of :class:`Finding`.

Every threshold is a named module constant, documented here and tested. A share comes
with its Wilson interval; a finding rests on at least :data:`MIN_LEARNERS` learners.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import analysis as A
from ..store import per_course  # noqa: I001
from ._core import MIN_LEARNERS, Finding, interval_text, pct, wilson_interval
from ._design import COMMENT_KINDS, FLOW_PARTS, ITEM_PARTS, comment_findings
from ._runs import RUN_KINDS, run_findings

if TYPE_CHECKING:
    from flbook.store import Course

__all__ = [
    "SKIP_RATIO",
    "LOW_COMPLETION_GAP",
    "HARD_QUESTION_PCT",
    "MAX_HARD_QUESTIONS",
    "SURVEY_GAP",
    "BUSIEST_DAYS",
    "COHORT_GAP",
    "PEAK_MIN_SHARE",
    "PEAK_PROMINENCE",
    "CONCENTRATION_PCT",
    "CONCENTRATION_RATIO",
    "MAX_NOTEBOOK_CELLS",
    "step_findings",
    "quiz_findings",
    "survey_findings",
    "enrolment_findings",
    "session_findings",
    "study_time_peaks",
    "social_findings",
    "notebook_findings",
    "data_findings",
    "schedule_findings",
    "event_findings",
    "FAMILIES",
    "PARTS",
    "family_findings",
]

SKIP_RATIO: float = 0.6
"""A step is *skipped* when its visitors are fewer than this share of the mean of its
two neighbours' visitors (one neighbour at either end of the course)."""

LOW_COMPLETION_GAP: float = 25.0
"""A step has *completions well below visits* when the share of its visitors who marked
it complete is at least this many percentage points below the median step's share."""

HARD_QUESTION_PCT: float = 50.0
"""A question is *hard* when fewer than this percentage of learners were right at their
first try (at most :data:`MAX_HARD_QUESTIONS` are named, lowest first)."""

MAX_HARD_QUESTIONS: int = 3
"""How many of the hardest questions are named at most."""

SURVEY_GAP: float = 10.0
"""The best and worst weeks are named only when their shares of *good* ratings differ by
at least this many percentage points."""

BUSIEST_DAYS: int = 3
"""How many of the busiest enrolment days are named."""

COHORT_GAP: float = 5.0
"""Cohorts by enrolment time are said to *differ* when their shares of learners who fully
participated differ by at least this many percentage points and their intervals do not
overlap; otherwise they are said to be alike."""

PEAK_MIN_SHARE: float = 10.0
"""A peak of the study-time distribution counts only if at least this percentage of the
learners lie on its side of the valley between peaks."""

PEAK_PROMINENCE: float = 0.15
"""A peak of the (log-scale, smoothed) study-time density counts only if it rises at
least this fraction of the highest peak above the valley beside it."""

CONCENTRATION_PCT: float = 20.0
"""Discussion *concentrated* on a step when it holds at least this percentage of all
posts and at least :data:`CONCENTRATION_RATIO` times the mean of the steps with posts."""

CONCENTRATION_RATIO: float = 2.0
"""See :data:`CONCENTRATION_PCT`."""

MAX_NOTEBOOK_CELLS: int = 3
"""How many notebook cells are named for their failed runs."""


def _ok(n) -> bool:
    return n is not None and not pd.isna(n) and int(n) >= MIN_LEARNERS


# ----------------------------------------------------------------------------- steps
def step_findings(course: Course) -> list[Finding]:
    """Skipped steps, steps completed far less than visited, and where learners stopped.

    Returns
    -------
    list of Finding
        kinds ``skipped_step``, ``low_completion`` and ``most_stopped``.
    """
    counts = A.step_activity_counts(course)
    if counts.empty:
        return []
    wide = counts.pivot_table(
        index="step", columns="measure", values="count", observed=False, aggfunc="sum"
    ).reindex(counts["step"].cat.categories)
    visited = wide["visited"].fillna(0).to_numpy(dtype=float)
    completed = wide["completed"].fillna(0).to_numpy(dtype=float)
    steps = [str(s) for s in wide.index]
    out: list[Finding] = []
    n = len(steps)
    for i in range(n):  # one pass over the course's steps (tens, not rows of data)
        nb = [visited[j] for j in (i - 1, i + 1) if 0 <= j < n]
        if not nb:
            continue
        ref = float(np.mean(nb))
        if not _ok(ref) or ref - visited[i] < MIN_LEARNERS:
            continue
        if visited[i] < SKIP_RATIO * ref:
            ratio = 100 * visited[i] / ref
            out.append(
                Finding(
                    "steps",
                    "skipped_step",
                    f"step {steps[i]}",
                    ratio,
                    "pct",
                    int(round(ref)),
                    f"Step {steps[i]} was visited by {int(visited[i]):,} learners, only "
                    f"{pct(ratio)} of the {int(round(ref)):,} who visited the steps on "
                    "either side of it on average: many learners skipped it.",
                )
            )
    share = np.where(visited > 0, 100 * completed / np.where(visited > 0, visited, 1), np.nan)
    eligible = visited >= MIN_LEARNERS
    if eligible.sum() >= 3:
        median = float(np.nanmedian(share[eligible]))
        for i in np.flatnonzero(eligible & (share <= median - LOW_COMPLETION_GAP)):
            lo, hi = wilson_interval(int(completed[i]), int(visited[i]))
            out.append(
                Finding(
                    "steps",
                    "low_completion",
                    f"step {steps[i]}",
                    float(share[i]),
                    "pct",
                    int(visited[i]),
                    f"Only {pct(share[i])}{interval_text(lo, hi)} of the "
                    f"{int(visited[i]):,} learners who visited step {steps[i]} marked it "
                    f"complete, against {pct(median)} on the median step.",
                    lo,
                    hi,
                )
            )
    last = A.last_steps(course)
    if len(last) > 1:
        before_end = last.iloc[:-1]
        stopped = int(before_end["learners"].sum())
        top = before_end.loc[before_end["learners"].idxmax()]
        k = int(top["learners"])
        if stopped >= MIN_LEARNERS and k >= MIN_LEARNERS:
            lo, hi = wilson_interval(k, stopped)
            out.append(
                Finding(
                    "steps",
                    "most_stopped",
                    f"step {top['step']}",
                    100 * k / stopped,
                    "pct",
                    stopped,
                    f"Of the {stopped:,} learners whose last visit was before the last "
                    f"step, the most, {k:,} ({pct(100 * k / stopped)}; 95% interval "
                    f"{lo:.0f}–{hi:.0f}%), "
                    f"stopped at step {top['step']}.",
                    lo,
                    hi,
                )
            )
    return out


# ----------------------------------------------------------------------------- quizzes
def quiz_findings(course: Course) -> list[Finding]:
    """The hardest questions, and questions whose most chosen first answer is wrong.

    A wrong answer chosen more often than the key is a *distractor that beats the key*;
    when it is the most chosen first answer of all, the finding is ``wrong_answer_leads``
    (with a single keyed answer the two are the same thing), and the text says how many
    distractors beat the key.

    Returns
    -------
    list of Finding
        kinds ``hard_question`` and ``wrong_answer_leads``.
    """
    per_q = A.attempts_per_question(course)
    if per_q.empty:
        return []
    out: list[Finding] = []
    per_q = per_q[per_q["learners"] >= MIN_LEARNERS]
    hard = per_q[per_q["pct_first_correct"] < HARD_QUESTION_PCT].nsmallest(
        MAX_HARD_QUESTIONS, "pct_first_correct"
    )
    for row in hard.itertuples(index=False):
        k = int(round(row.pct_first_correct * row.learners / 100))
        lo, hi = wilson_interval(k, int(row.learners))
        out.append(
            Finding(
                "quizzes",
                "hard_question",
                f"question {row.quiz_question}",
                float(row.pct_first_correct),
                "pct",
                int(row.learners),
                f"Question {row.quiz_question} was answered right at the first try by only "
                f"{pct(row.pct_first_correct)}{interval_text(lo, hi)} of its "
                f"{int(row.learners):,} learners.",
                lo,
                hi,
                f"question {row.quiz_question} ({pct(row.pct_first_correct)} of "
                f"{int(row.learners):,})",
            )
        )
    first = A.response_matrix(course, attempt=1)
    if first.empty:
        return out
    for q, rows in first.groupby("quiz_question", observed=True, sort=True):
        n = int(rows["responses"].sum())
        if n < MIN_LEARNERS or not rows["is_correct"].any():
            continue
        key = rows[rows["is_correct"]]
        key_n = int(key["responses"].max())
        wrong = rows[~rows["is_correct"].astype(bool)]
        beats = wrong[wrong["responses"] > key_n]
        if beats.empty:
            continue
        lead = beats.loc[beats["responses"].idxmax()]
        k = int(lead["responses"])
        lo, hi = wilson_interval(k, n)
        more = (
            f" {len(beats)} wrong answers were each chosen more often than the key there."
            if len(beats) > 1
            else ""
        )
        out.append(
            Finding(
                "quizzes",
                "wrong_answer_leads",
                f"question {q}",
                100 * k / n,
                "pct",
                n,
                f"On question {q} a wrong answer led at the first try: answer "
                f"{lead['response']} drew {pct(100 * k / n)}{interval_text(lo, hi)} of {n:,} "
                f"learners, the keyed answer "
                f"{key.loc[key['responses'].idxmax(), 'response']} only {pct(100 * key_n / n)}."
                f"{more}",
                lo,
                hi,
            )
        )
    return out


# ----------------------------------------------------------------------------- surveys
def survey_findings(course: Course) -> list[Finding]:
    """The number of weekly ratings, and the best- and worst-rated week, with n.

    Weeks rated by fewer than :data:`MIN_LEARNERS` learners are left out.

    Returns
    -------
    list of Finding
        kinds ``ratings_per_week``, ``best_week`` and ``worst_week``.
    """
    s = A.sentiment_by_week(course)
    if s.empty:
        return []
    per_week = s.groupby("week_number", sort=True).agg(n=("responses", "sum"))
    per_week["good"] = s[s["rating"] == "good"].groupby("week_number", sort=True)["responses"].sum()
    per_week = per_week[per_week["n"] >= MIN_LEARNERS]
    if per_week.empty:
        return []
    out: list[Finding] = []
    ns = [int(v) for v in per_week["n"]]
    weeks = [int(w) for w in per_week.index]
    listed = _and(
        [
            f"{v:,} rating{'s' if v != 1 else ''} in week {w}" if i == 0 else f"{v:,} in week {w}"
            for i, (v, w) in enumerate(zip(ns, weeks, strict=True))
        ]
    )
    trend = ""
    if len(ns) > 1:
        if all(b < a for a, b in zip(ns, ns[1:], strict=False)):
            trend = " The number of ratings fell from each week to the next."
        elif all(b > a for a, b in zip(ns, ns[1:], strict=False)):
            trend = " The number of ratings rose from each week to the next."
        else:
            trend = " The number of ratings did not fall steadily from week to week."
    out.append(
        Finding(
            "surveys",
            "ratings_per_week",
            "all weeks",
            float(sum(ns)),
            "ratings",
            int(sum(ns)),
            f"The weekly survey drew {listed}.{trend}",
        )
    )
    if len(per_week) < 2:
        return out
    share = 100 * per_week["good"] / per_week["n"]
    best, worst = int(share.idxmax()), int(share.idxmin())
    if share[best] - share[worst] < SURVEY_GAP:
        return out
    for kind, w in (("best_week", best), ("worst_week", worst)):
        k, n = int(per_week.loc[w, "good"]), int(per_week.loc[w, "n"])
        lo, hi = wilson_interval(k, n)
        word = "best" if kind == "best_week" else "worst"
        out.append(
            Finding(
                "surveys",
                kind,
                f"week {w}",
                float(share[w]),
                "pct",
                n,
                f"Week {w} was rated {word}: {pct(share[w])}{interval_text(lo, hi)} of its "
                f"{n:,} ratings were good.",
                lo,
                hi,
            )
        )
    return out


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# ----------------------------------------------------------------------------- enrolment
def _phase(day: dt.date, cfg) -> str:
    if day < cfg.start:
        return "before the start"
    if day < cfg.end:
        return "during the study weeks"
    return "after the last study week"


def _day(day: dt.date, *, year: bool = True) -> str:
    return f"{day.day} {day:%B}" + (f" {day.year}" if year else "")


def enrolment_findings(course: Course) -> list[Finding]:
    """The busiest enrolment days and week, when they fell, and cohorts by enrolment time.

    Returns
    -------
    list of Finding
        kinds ``busiest_day``, ``busiest_week`` and ``cohorts``.
    """
    cfg = course.config
    out: list[Finding] = []
    daily = A.daily_enrolments(course)
    daily = daily[daily["measure"] == "enrolled"]
    total = int(daily["learners"].sum())
    if total < MIN_LEARNERS:
        return out
    busiest = A.busiest_days(course, top=BUSIEST_DAYS)
    for rank, row in enumerate(busiest.itertuples(index=False)):
        if row.learners < MIN_LEARNERS:
            continue
        day = pd.Timestamp(row.date).date()
        out.append(
            Finding(
                "enrolment",
                "busiest_day",
                day.isoformat(),
                float(row.pct_of_enrolled),
                "pct",
                int(row.learners),
                f"{'The busiest enrolment day' if rank == 0 else 'The next busiest'} was {row.weekday} {_day(day)}, {_phase(day, cfg)}: "
                f"{int(row.learners):,} enrolments ({pct(row.pct_of_enrolled)} of all).",
                detail=f"{row.weekday} {_day(day)} ({int(row.learners):,}, {_phase(day, cfg)})",
            )
        )
    series = (
        daily.set_index(pd.to_datetime(daily["date"]).dt.tz_localize(None))["learners"]
        .asfreq("D", fill_value=0)
        .astype(float)
    )
    week = series.rolling(7, min_periods=1).sum()
    end = week.idxmax()
    k = int(week.max())
    if k >= MIN_LEARNERS:
        first = (end - pd.Timedelta(days=6)).date()
        last = end.date()
        if first <= cfg.start <= last:
            when = "spanning the start"
        elif first <= cfg.end <= last:
            when = "spanning the end of the last study week"
        else:
            when = _phase(first, cfg)
        out.append(
            Finding(
                "enrolment",
                "busiest_week",
                f"{first.isoformat()} to {end.date().isoformat()}",
                100 * k / total,
                "pct",
                k,
                f"Enrolment rose fastest in the seven days from {_day(first, year=False)} to "
                f"{_day(last)}, {when}: {k:,} enrolments, "
                f"{pct(100 * k / total)} of all.",
            )
        )
    out += _finishing(course)
    out += _leavers(course)
    cohorts = A.cohort_summary(course)
    cohorts = cohorts[cohorts["learners"] >= MIN_LEARNERS]
    if len(cohorts) == 2:
        a, b = cohorts.iloc[0], cohorts.iloc[1]
        ka = int(round(a["pct_fully_participated"] * a["learners"] / 100))
        kb = int(round(b["pct_fully_participated"] * b["learners"] / 100))
        la, ha = wilson_interval(ka, int(a["learners"]))
        lb, hb = wilson_interval(kb, int(b["learners"]))
        gap = float(a["pct_fully_participated"] - b["pct_fully_participated"])
        differ = abs(gap) >= COHORT_GAP and (ha < lb or hb < la)
        verdict = (
            "a real difference"
            if differ
            else "no clear difference (the intervals overlap or the gap is small)"
        )
        out.append(
            Finding(
                "enrolment",
                "cohorts_differ" if differ else "cohorts_alike",
                "cohorts",
                gap,
                "points",
                int(a["learners"] + b["learners"]),
                f"Of the {int(a['learners']):,} learners who {a['cohort']}, "
                f"{pct(a['pct_fully_participated'])}{interval_text(la, ha)} fully "
                f"participated; of the {int(b['learners']):,} who {b['cohort']}, "
                f"{pct(b['pct_fully_participated'])}{interval_text(lb, hb)}: {verdict}.",
            )
        )
    return out


def _leavers(course: Course) -> list[Finding]:
    """How many learners who unenrolled left on the day they enrolled."""
    hist = A.time_to_unenrol(course)
    hist = hist[hist["measure"] == "days"]
    total = int(hist["learners"].sum())
    if total < MIN_LEARNERS:
        return []
    k = int(hist.loc[hist["days"] == 0, "learners"].sum())
    summary = A.duration_summary(A.time_to_unenrol(course))
    med = summary.loc[summary["measure"].astype(str) == "days", "median_days"]
    median = f" The median leaver stayed {float(med.iloc[0]):.0f} days." if len(med) else ""
    if k < MIN_LEARNERS:
        text = (
            f"Of the {total:,} learners who unenrolled, fewer than 10 left on the day they "
            f"enrolled.{median}"
        )
        return [Finding("enrolment", "same_day_leavers", "day 0", 0.0, "pct", total, text)]
    lo, hi = wilson_interval(k, total)
    return [
        Finding(
            "enrolment",
            "same_day_leavers",
            "day 0",
            100 * k / total,
            "pct",
            total,
            f"Of the {total:,} learners who unenrolled, {k:,} ({pct(100 * k / total)}; 95% "
            f"interval {lo:.0f}–{hi:.0f}%) left on the day they enrolled.{median}",
            lo,
            hi,
        )
    ]


def _finishing(course: Course) -> list[Finding]:
    """Did anyone fully participate before the last study week opened?"""
    cfg = course.config
    hist = A.time_to_full_participation(course)
    hist = hist[hist["measure"] == "study_days"]
    total = int(hist["learners"].sum())
    if total < MIN_LEARNERS:
        return []
    last_opens = 7 * (cfg.weeks - 1)
    early = hist[hist["days"] < last_opens]
    k = int(early["learners"].sum())
    if cfg.weeks < 2:
        return []
    if k == 0:
        return [
            Finding(
                "enrolment",
                "no_early_finishers",
                f"before study day {last_opens}",
                0.0,
                "pct",
                total,
                f"None of the {total:,} learners who fully participated did so before the "
                f"last study week opened (study day {last_opens}).",
            )
        ]
    first = int(early.loc[early["learners"] > 0, "days"].min())
    count = f"{k:,} ({pct(100 * k / total)})" if k >= MIN_LEARNERS else "fewer than 10"
    return [
        Finding(
            "enrolment",
            "early_finishers",
            f"before study day {last_opens}",
            100 * k / total,
            "pct",
            total,
            f"Of the {total:,} learners who fully participated, {count} did so before the "
            f"last study week opened (study day {last_opens}), the earliest on study day "
            f"{first}: this run's weeks did not hold learners back until their dates.",
        )
    ]


# ----------------------------------------------------------------------------- sessions
def study_time_peaks(course: Course) -> pd.DataFrame:
    """The peaks of the study-time distribution, when it has two or more (else none).

    Study minutes per learner (sessions cut at the course's ``session_gap_minutes``) are
    smoothed on a log scale (a Gaussian kernel density of ``log10(1 + minutes)``); a peak
    must rise by :data:`PEAK_PROMINENCE` of the highest one and the learners on its side
    of the valleys must be at least :data:`PEAK_MIN_SHARE` of all. A single peak is not
    returned: this is what the ``two_peaks`` finding names and what the study-time chart
    marks.

    Parameters
    ----------
    course : the loaded course.

    Returns
    -------
    DataFrame
        one row per peak, lowest first: ``minutes`` (where the peak lies),
        ``pct_learners`` (share of learners on its side of the valleys) and
        ``divide_minutes`` (the valley after it; missing for the last peak); empty when
        the distribution has one peak or fewer than :data:`MIN_LEARNERS` learners.
    """
    shape = _study_time_shape(course)
    columns = ["minutes", "pct_learners", "divide_minutes"]
    if shape is None or len(shape[1]) < 2:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    return pd.DataFrame(shape[1], columns=columns)


@per_course
def _study_time_shape(course: Course) -> tuple[np.ndarray, list[tuple[float, float, float]]] | None:
    """Study minutes per learner, and the peaks kept ``(minutes, pct, divide)``."""
    from scipy.signal import find_peaks
    from scipy.stats import gaussian_kde

    ls = A.learner_sessions(course, session_gap_minutes=course.config.session_gap_minutes)
    minutes = ls["study_minutes"].dropna().to_numpy(dtype=float)
    if len(minutes) < MIN_LEARNERS:
        return None
    x = np.log10(1 + minutes)
    if np.ptp(x) == 0:
        return None
    kde = gaussian_kde(x)
    pad = 3 * float(np.sqrt(kde.covariance[0, 0]))  # so that peaks at the ends are inside
    grid = np.linspace(x.min() - pad, x.max() + pad, 512)
    dens = kde(grid)
    peaks = list(find_peaks(dens, prominence=PEAK_PROMINENCE * dens.max())[0])
    if len(peaks) < 2:
        return minutes, []
    valleys = [
        peaks[i] + int(np.argmin(dens[peaks[i] : peaks[i + 1]])) for i in range(len(peaks) - 1)
    ]
    cuts = [grid[v] for v in valleys]
    groups = np.digitize(x, cuts)
    shares = [100 * float(np.mean(groups == g)) for g in range(len(peaks))]
    keep = [i for i, s in enumerate(shares) if s >= PEAK_MIN_SHARE]
    if len(keep) < 2:
        return minutes, []
    return minutes, [
        (
            float(10 ** grid[peaks[i]] - 1),
            shares[i],
            float(10 ** cuts[i] - 1) if i < len(cuts) else float("nan"),
        )
        for i in keep
    ]


def session_findings(course: Course) -> list[Finding]:
    """The shape of the study-time distribution: one peak or several, and where.

    Study minutes per learner are smoothed on a log scale (a Gaussian kernel density of
    ``log10(1 + minutes)``); peaks must satisfy :data:`PEAK_PROMINENCE` and
    :data:`PEAK_MIN_SHARE` (see :func:`study_time_peaks`).

    Returns
    -------
    list of Finding
        kind ``two_peaks`` (or more) or ``one_peak``.
    """
    shape = _study_time_shape(course)
    if shape is None:
        return []
    minutes, peaks = shape
    n = len(minutes)
    if len(peaks) >= 2:
        parts = _and(
            [f"one near {_minutes(m)} ({pct(share)} of learners)" for m, share, _ in peaks]
        )
        cut = peaks[0][2]
        return [
            Finding(
                "sessions",
                "two_peaks",
                "study minutes",
                float(len(peaks)),
                "peaks",
                n,
                f"Study time has {len(peaks)} peaks, {parts}"
                + (f", divided near {_minutes(cut)}" if not np.isnan(cut) else "")
                + ": two kinds of learner rather than one typical one.",
            )
        ]
    med = float(np.median(minutes))
    return [
        Finding(
            "sessions",
            "one_peak",
            "study minutes",
            med,
            "minutes",
            n,
            f"Study time has a single peak; the median learner studied {_minutes(med)}.",
        )
    ]


def _minutes(m: float) -> str:
    if m < 90:
        return f"{m:.0f} minutes"
    return f"{m / 60:.1f} hours"


# ----------------------------------------------------------------------------- social
def social_findings(course: Course) -> list[Finding]:
    """The course team's share of the comments, and the step where discussion concentrated.

    Returns
    -------
    list of Finding
        kinds ``educator_share`` and ``busiest_discussion``.
    """
    out: list[Finding] = []
    share = A.educator_share(course)
    per_step = A.comments_per_step(course)
    if share.empty or per_step.empty:
        return out
    commenters = int(A.learner_flags(course)["commented"].sum())
    if commenters < MIN_LEARNERS:
        return out
    allw = share[share["period"] == "All weeks"]
    total = int(allw["comments"].sum())
    edu = int(allw.loc[allw["author_type"] == "educator", "comments"].sum())
    if total:
        lo, hi = wilson_interval(edu, total)
        weeks = share[(share["period"] != "All weeks") & (share["author_type"] == "educator")]
        weeks = weeks[weeks["pct"].notna()]
        extra = ""
        if len(weeks) > 1:
            top = weeks.loc[weeks["pct"].idxmax()]
            low = weeks.loc[weeks["pct"].idxmin()]
            extra = (
                f" Their share was highest in {str(top['period']).lower()} "
                f"({pct(top['pct'])}) and lowest in {str(low['period']).lower()} "
                f"({pct(low['pct'])})."
            )
        out.append(
            Finding(
                "social",
                "educator_share",
                "all weeks",
                100 * edu / total,
                "pct",
                commenters,
                f"The course team wrote {edu:,} of the {total:,} comments and replies "
                f"({pct(100 * edu / total)}; 95% interval {lo:.0f}–{hi:.0f}%).{extra}",
                lo,
                hi,
            )
        )
    top = per_step.loc[per_step["comments"].idxmax()]
    all_comments = int(per_step["comments"].sum())
    with_posts = per_step.loc[per_step["comments"] > 0, "comments"]
    p = 100 * int(top["comments"]) / all_comments if all_comments else 0.0
    concentrated = (
        p >= CONCENTRATION_PCT and int(top["comments"]) >= CONCENTRATION_RATIO * with_posts.mean()
    )
    if concentrated and int(top["commenters"]) >= MIN_LEARNERS:
        social = str(top["step"]) in set(course.config.social_steps)
        out.append(
            Finding(
                "social",
                "busiest_discussion",
                f"step {top['step']}",
                p,
                "pct",
                int(top["commenters"]),
                f"Discussion concentrated on step {top['step']}"
                + (" (a discussion step)" if social else " (not listed as a discussion step)")
                + f": {int(top['comments']):,} posts by {int(top['commenters']):,} people, "
                f"{pct(p)} of all posts.",
            )
        )
    return out


# ----------------------------------------------------------------------------- notebooks
def notebook_findings(course: Course) -> list[Finding]:
    """Notebook cells with the most failed runs, and the cell most often given up on.

    Returns
    -------
    list of Finding
        kinds ``cell_errors`` and ``cell_give_up``.
    """
    cfg = course.config
    cells = A.cell_summary(course, notebooks=cfg.notebooks, min_learners=MIN_LEARNERS)
    if cells.empty:
        return []
    cells = cells[(cells["cell"] != "own cells") & (cells["learners_failed"] >= MIN_LEARNERS)]
    out: list[Finding] = []
    for row in cells.nlargest(MAX_NOTEBOOK_CELLS, "failed").itertuples(index=False):
        out.append(
            Finding(
                "notebooks",
                "cell_errors",
                f"{row.notebook}, {row.cell}",
                float(row.pct_error_rate),
                "pct",
                int(row.learners_failed),
                f"{row.notebook}, {row.cell}: {int(row.failed):,} failed runs "
                f"({pct(row.pct_error_rate)} of its runs) by {int(row.learners_failed):,} "
                f"learners" + (f", most often {row.top_error}" if row.top_error else "") + ".",
                detail=f"{row.notebook}, {row.cell} ({int(row.failed):,} failed runs by "
                f"{int(row.learners_failed):,} learners)",
            )
        )
    if not cells.empty:
        row = cells.loc[cells["pct_gave_up"].idxmax()]
        k = int(round(row["pct_gave_up"] * row["learners_failed"] / 100))
        if k >= 1:
            lo, hi = wilson_interval(k, int(row["learners_failed"]))
            out.append(
                Finding(
                    "notebooks",
                    "cell_give_up",
                    f"{row['notebook']}, {row['cell']}",
                    float(row["pct_gave_up"]),
                    "pct",
                    int(row["learners_failed"]),
                    f"Learners gave up most often on {row['notebook']}, {row['cell']}: "
                    f"{pct(row['pct_gave_up'])}{interval_text(lo, hi)} of the "
                    f"{int(row['learners_failed']):,} who met an error there never ran it "
                    "without one.",
                    lo,
                    hi,
                )
            )
    return out


# ----------------------------------------------------------------------------- data
def data_findings(course: Course) -> list[Finding]:
    """Re-enrolments, and every other row the load report excluded or repaired.

    Counts of rows under :data:`MIN_LEARNERS` are given as "fewer than 10".

    Returns
    -------
    list of Finding
        kinds ``re_enrolments`` and ``excluded_rows``.
    """
    ex = course.report.exclusions()
    out: list[Finding] = []
    for row in ex.itertuples(index=False):
        n = int(row.rows)
        count = f"{n:,}" if n >= MIN_LEARNERS else "Fewer than 10"
        kind = "re_enrolments" if "re-enrol" in str(row.reason) else "excluded_rows"
        verb = "left out" if row.action == "excluded" else "repaired"
        text = (
            f"{count} enrolment rows were earlier enrolments of learners who enrolled "
            "again; each learner keeps the latest."
            if kind == "re_enrolments"
            else f"{count} rows of {row.dataset} were {verb}: {row.reason}."
        )
        out.append(Finding("data", kind, str(row.dataset), float(n), "rows", n, text))
    return out


# ----------------------------------------------------------------------------- schedule
def schedule_findings(course: Course) -> list[Finding]:
    """The busiest and quietest day of the week, and the busiest hour, for step visits.

    Days and hours are in the course's time zone (``course.config.timezone``).

    Returns
    -------
    list of Finding
        kinds ``busiest_weekday`` and ``busiest_hour``.
    """
    timezone = course.config.timezone
    visitors = int(A.learner_flags(course)["visited"].sum())
    if visitors < MIN_LEARNERS:
        return []
    act = A.activity_by_hour(course, timezone=timezone, events=["visited"])
    if act.empty or int(act["count"].sum()) == 0:
        return []
    days = A.weekday_summary(act)
    top, low = days.loc[days["pct"].idxmax()], days.loc[days["pct"].idxmin()]
    names = {
        "Mon": "Monday",
        "Tue": "Tuesday",
        "Wed": "Wednesday",
        "Thu": "Thursday",
        "Fri": "Friday",
        "Sat": "Saturday",
        "Sun": "Sunday",
    }
    out = [
        Finding(
            "schedule",
            "busiest_weekday",
            names.get(str(top["day_of_week"]), str(top["day_of_week"])),
            float(top["pct"]),
            "pct",
            visitors,
            f"Learners visited steps most on {names.get(str(top['day_of_week']))}s "
            f"({pct(top['pct'])} of all visits) and least on "
            f"{names.get(str(low['day_of_week']))}s ({pct(low['pct'])}).",
        )
    ]
    hours = A.hourly_summary(act)
    h = hours.loc[hours["pct"].idxmax()]
    out.append(
        Finding(
            "schedule",
            "busiest_hour",
            f"{int(h['hour']):02d}:00",
            float(h["pct"]),
            "pct",
            visitors,
            f"The busiest hour of the day was {int(h['hour']):02d}:00–"
            f"{(int(h['hour']) + 1) % 24:02d}:00 ({timezone}), with {pct(h['pct'])} of the visits.",
        )
    )
    return out


# ----------------------------------------------------------------------------- events
def event_findings(course: Course) -> list[Finding]:
    """How many learners did each kind of thing, and the largest drop between kinds.

    Returns
    -------
    list of Finding
        kind ``event_reach``.
    """
    counts = A.event_counts(A.event_log(course))
    if counts.empty:
        return []
    counts = counts[counts["learners"] >= MIN_LEARNERS]
    if len(counts) < 2:
        return []
    enrolled = int(counts["learners"].max())
    words = {
        "survey_answered": "answered the archetype survey",
        "visited": "visited a step",
        "completed": "completed a step",
        "commented": "commented",
        "answered": "answered a question",
        "notebook_opened": "opened a notebook",
        "cell_run": "ran a notebook cell",
        "cell_failed": "met a cell error",
        "fully_participated": "fully participated",
        "purchased": "bought a certificate",
        "left": "answered the leaving survey",
        "unenrolled": "unenrolled",
    }
    parts = [
        f"{int(r.learners):,} {words.get(str(r.event), str(r.event).replace('_', ' '))}"
        for r in counts.itertuples(index=False)
        if str(r.event) != "enrolled"
    ]
    return [
        Finding(
            "events",
            "event_reach",
            "all events",
            float(counts["events"].sum()),
            "events",
            enrolled,
            f"The log holds {int(counts['events'].sum()):,} events of {len(counts)} kinds "
            f"(kinds with fewer than 10 learners left out). Of the {enrolled:,} learners, "
            f"{_and(parts)}.",
        )
    ]


PARTS: dict[str, list[tuple]] = {
    "steps": [
        (step_findings, frozenset({"skipped_step", "low_completion", "most_stopped"})),
        *FLOW_PARTS,
    ],
    "quizzes": [
        (quiz_findings, frozenset({"hard_question", "wrong_answer_leads"})),
        *ITEM_PARTS,
    ],
    "surveys": [(survey_findings, None)],
    "enrolment": [(enrolment_findings, None)],
    "sessions": [(session_findings, None)],
    "social": [
        (social_findings, frozenset({"educator_share", "busiest_discussion"})),
        (comment_findings, COMMENT_KINDS),
    ],
    "notebooks": [(notebook_findings, None)],
    "data": [(data_findings, None)],
    "schedule": [(schedule_findings, None)],
    "events": [(event_findings, None)],
    "runs": [(run_findings, RUN_KINDS)],
}
"""Family name → its parts: (function, the kinds it finds, or None for any kind).
:func:`~flbook.findings.find` with ``kinds`` calls only the parts that can find them."""


def family_findings(course: Course, family: str, *, kinds=None) -> list[Finding]:
    """The findings of one family, calling only the parts that can find ``kinds``.

    Parameters
    ----------
    course : a :class:`~flbook.store.Course`.
    family : a name of :data:`FAMILIES`.
    kinds : a set of kind names, or None for every kind.

    Returns
    -------
    list of Finding
    """
    out: list[Finding] = []
    for function, found in PARTS[family]:
        if kinds is None or found is None or found & set(kinds):
            once = _PARTS_ONCE.get(function) or _PARTS_ONCE.setdefault(
                function, per_course(function)
            )
            out += once(course)
    return out


def _whole(family: str):
    def findings(course: Course) -> list[Finding]:
        return family_findings(course, family)

    findings.__name__ = f"{family}_findings"
    findings.__doc__ = f"Every finding of the {family!r} family (see :data:`PARTS`)."
    return findings


_PARTS_ONCE: dict[Callable, Callable] = {}
"""Each part computed once per course (:func:`~flbook.store.per_course`): a chapter's "In
this run" cells ask for its family kind by kind."""

FAMILIES = {name: _whole(name) for name in PARTS}
"""Family name → the function that finds all of it."""
