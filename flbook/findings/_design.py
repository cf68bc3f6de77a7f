"""Findings for the learning-design views: item analysis, step flows and time, comments.

- **quizzes** (from :mod:`flbook.analysis._items`, first answers of enrolled learners):
  questions that hardly tell learners apart (``low_discrimination``), wrong answers the
  upper group chose more often than the lower group (``upper_group_distractor``) and
  questions that do not fit the Rasch model (``misfit_question``);
- **steps** (from :mod:`flbook.analysis._flows`): the steps learners spent far longer
  (``long_step``) or far shorter (``short_step``) on than designed or than their week's
  median step, the step most gone back to (``most_gone_back_to``) and the step most
  skipped over (``most_skipped_over``);
- **social** (from :mod:`flbook.analysis._words`): how long comments were per week
  (``comment_length``), and the week and the step whose comments asked the most
  questions (``question_week``, ``question_step``) or read as the most negative
  (``negative_week``, ``negative_step``).

Every threshold is a named constant; no finding rests on fewer than
:data:`~flbook.findings.MIN_LEARNERS` learners.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import analysis as A
from ._core import MIN_LEARNERS, Finding, interval_text, pct, wilson_interval

if TYPE_CHECKING:
    from flbook.store import Course

__all__ = [
    "LOW_DISCRIMINATION",
    "MNSQ_RANGE",
    "DISTRACTOR_GAP",
    "MAX_ITEM_FINDINGS",
    "LONG_STEP_RATIO",
    "SHORT_STEP_RATIO",
    "MAX_STEP_TIMES",
    "COMMENT_GAP",
    "ITEM_PARTS",
    "FLOW_PARTS",
    "COMMENT_KINDS",
    "item_findings",
    "flow_findings",
    "comment_findings",
]

LOW_DISCRIMINATION: float = A.LOW_DISCRIMINATION
"""A question *hardly tells learners apart* when its point-biserial correlation with the
rest of its quiz is below this (0.2, Ebel's rule of thumb; the flag of
:func:`~flbook.analysis.item_analysis`)."""

MNSQ_RANGE: tuple[float, float] = A.MNSQ_RANGE
"""A question *does not fit* the Rasch model when its infit or outfit mean square lies
outside this range (0.5 to 1.5, Linacre's "productive for measurement")."""

DISTRACTOR_GAP: float = 10.0
"""A wrong answer is named when the upper group (the best 27% on the rest of the quiz)
chose it at the first try at least this many percentage points more often than the lower
group, it was chosen by at least 10 learners, and each group holds at least 10."""

MAX_ITEM_FINDINGS: int = 3
"""How many questions are named at most for each item-analysis finding."""

LONG_STEP_RATIO: float = 1.5
"""A step took *long* when its median time on step is at least this many times the time
designed for it (``step_minutes``) or, without a designed time, its week's median step."""

SHORT_STEP_RATIO: float = 2 / 3
"""A step took *little time* when its median time on step is at most this share of the
designed time or of its week's median step."""

MAX_STEP_TIMES: int = 3
"""How many long (and short) steps are named at most."""

COMMENT_GAP: float = 5.0
"""The week (or step) whose comments ask the most questions, or read as the most negative,
is named when its share is at least this many percentage points above the share of all
the other weeks' (steps') comments together."""

COMMENT_KINDS = frozenset(
    {"comment_length", "question_week", "question_step", "negative_week", "negative_step"}
)


def _r(x: float) -> str:
    """A correlation or a mean square for prose: two decimals, a true minus sign."""
    return f"{x:.2f}".replace("-", "−")


# ----------------------------------------------------------------------------- quizzes
def item_findings(course: Course) -> list[Finding]:
    """Questions that hardly discriminate, suspicious distractors, misfitting questions.

    Computed on the first answers of enrolled learners, as chapter 8's item analysis.

    Returns
    -------
    list of Finding
        kinds ``low_discrimination`` (lowest point-biserial first, with its 95% Fisher
        interval), ``upper_group_distractor`` (largest gap first, with the 95% Newcombe
        interval of the gap) and ``misfit_question`` (furthest from 1 first); at most
        :data:`MAX_ITEM_FINDINGS` of each.
    """
    return _discrimination(course) + _misfits(course)


def _discrimination(course: Course) -> list[Finding]:
    """``low_discrimination`` and ``upper_group_distractor`` (no Rasch fit)."""
    fa = A.first_answers(course, group="enrolled")
    if len(fa) == 0:
        return []
    out: list[Finding] = []
    items = A.item_analysis(fa)
    rated = items[(items["learners"] >= MIN_LEARNERS) & items["point_biserial"].notna()]
    low = rated[rated["point_biserial"] < LOW_DISCRIMINATION].nsmallest(
        MAX_ITEM_FINDINGS, "point_biserial"
    )
    for row in low.itertuples(index=False):
        n, r = int(row.learners), float(row.point_biserial)
        half = 1.959964 / np.sqrt(n - 3)
        z = np.arctanh(np.clip(r, -0.999999, 0.999999))
        lo, hi = float(np.tanh(z - half)), float(np.tanh(z + half))
        out.append(
            Finding(
                "quizzes",
                "low_discrimination",
                f"question {row.quiz_question}",
                r,
                "correlation",
                n,
                f"Question {row.quiz_question} hardly tells learners apart: the correlation "
                f"of being right on it with the score on the rest of its quiz is {_r(r)} "
                f"(95% interval {_r(lo)} to {_r(hi)}; below {LOW_DISCRIMINATION:g} is low), "
                f"over {n:,} learners' first answers, of which {pct(row.pct_correct)} were "
                f"right; the best 27% on the rest of the quiz were right "
                f"{pct(row.pct_correct_upper)} of the time and the weakest 27% "
                f"{pct(row.pct_correct_lower)}.",
                lo,
                hi,
                f"question {row.quiz_question} ({_r(r)}, {n:,} learners)",
            )
        )
    return out + _distractors(fa, items)


def _distractors(fa: pd.DataFrame, items: pd.DataFrame) -> list[Finding]:
    d = A.distractor_analysis(fa)
    if d.empty:
        return []
    n_item = items.set_index(items["quiz_question"].astype(str))["learners"]
    n = n_item.reindex(d["quiz_question"].astype(str)).to_numpy(dtype=float)
    group = np.floor(A.UPPER_LOWER_SHARE * n)  # the size of each group, as item_analysis
    d = d.assign(group=group, gap=d["pct_upper"] - d["pct_lower"])
    d = d[
        (d["learners"] >= MIN_LEARNERS)
        & (d["group"] >= MIN_LEARNERS)
        & (d["gap"] >= DISTRACTOR_GAP)
    ].nlargest(MAX_ITEM_FINDINGS, "gap")
    out = []
    for row in d.itertuples(index=False):
        g = int(row.group)
        ku, kl = int(round(row.pct_upper * g / 100)), int(round(row.pct_lower * g / 100))
        diff, lo, hi = (float(v) for v in A.difference_interval(ku, g, kl, g))
        out.append(
            Finding(
                "quizzes",
                "upper_group_distractor",
                f"question {row.quiz_question}",
                diff,
                "points",
                int(row.learners),
                f"On question {row.quiz_question} the wrong answer {row.response} drew more "
                f"of the strongest learners than of the weakest: {pct(row.pct_upper)} of the "
                f"best 27% on the rest of the quiz chose it at the first try against "
                f"{pct(row.pct_lower)} of the weakest 27% ({g:,} learners each; a gap of "
                f"{diff:.0f} points, 95% interval {lo:.0f} to {hi:.0f}), {int(row.learners):,} "
                "learners in all: check the answer key and the wording.",
                lo,
                hi,
            )
        )
    return out


def _misfits(course: Course) -> list[Finding]:
    """``misfit_question``, from a Rasch fit to the first answers of enrolled learners."""
    fa = A.first_answers(course, group="enrolled")
    if len(fa) == 0:
        return []
    fit = A.rasch_fit(fa)
    items = fit.items
    if items.empty:
        return []
    items = items[(items["learners"] >= MIN_LEARNERS) & (items["fit"] != "fits")]
    worst = np.maximum(
        np.abs(np.log(items["infit_mnsq"].to_numpy(float))),
        np.abs(np.log(items["outfit_mnsq"].to_numpy(float))),
    )
    items = items.assign(worst=worst).nlargest(MAX_ITEM_FINDINGS, "worst")
    lo, hi = MNSQ_RANGE
    out = []
    for row in items.itertuples(index=False):
        noisy = row.fit == "noisy"
        meaning = (
            "its answers are more erratic than the learners' abilities predict (strong "
            "learners wrong, weak learners right): check for an ambiguous wording or a "
            "wrong key"
            if noisy
            else "its answers are more predictable than the model expects, often a "
            "question that repeats or depends on another, or gives its answer away"
        )
        out.append(
            Finding(
                "quizzes",
                "misfit_question",
                f"question {row.quiz_question}",
                float(row.outfit_mnsq),
                "mean square",
                int(row.learners),
                f"Question {row.quiz_question} does not fit the Rasch model: infit "
                f"{_r(row.infit_mnsq)} and outfit {_r(row.outfit_mnsq)} (a question fits "
                f"between {lo:g} and {hi:g}), over {int(row.learners):,} learners; "
                f"{meaning}.",
                detail=f"question {row.quiz_question} ({'noisy' if noisy else 'too predictable'};"
                f" outfit {_r(row.outfit_mnsq)}, {int(row.learners):,} learners)",
            )
        )
    return out


# ----------------------------------------------------------------------------- steps
def _m(minutes: float) -> str:
    """Minutes for prose: one decimal under 10, whole minutes above."""
    return f"{minutes:.1f}" if minutes < 10 else f"{minutes:.0f}"


def flow_findings(course: Course) -> list[Finding]:
    """Steps far longer or shorter than designed (or than their week), and jumps.

    Returns
    -------
    list of Finding
        kinds ``long_step``, ``short_step`` (at most :data:`MAX_STEP_TIMES` of each,
        furthest first), ``most_gone_back_to`` and ``most_skipped_over``.
    """
    return _step_times(course) + _jumps(course)


def _jumps(course: Course) -> list[Finding]:
    """``most_gone_back_to`` and ``most_skipped_over``."""
    out: list[Finding] = []
    transitions = A.step_transitions(course)
    if transitions.empty:
        return out
    jumps = A.step_jumps(transitions)
    back = jumps.loc[jumps["back_to"].idxmax()]
    k = int(back["back_to"])
    if k >= MIN_LEARNERS:
        into = int(transitions.loc[transitions["to_step"] == back["step"], "learners"].sum())
        lo, hi = wilson_interval(k, into)
        out.append(
            Finding(
                "steps",
                "most_gone_back_to",
                f"step {back['step']}",
                100 * k / into,
                "pct",
                k,
                f"Learners went back most often to step {back['step']}: {k:,} learners "
                "first opened it straight after a later step, in the same study session, "
                f"{pct(100 * k / into)}{interval_text(lo, hi)} of the {into:,} who came to "
                "it from another step.",
                lo,
                hi,
            )
        )
    skippers = A.step_skippers(course)
    if not skippers.empty:
        top = skippers.loc[skippers["learners"].idxmax()]
        k = int(top["learners"])
        if k >= MIN_LEARNERS:
            moves = int(top["skipped_over"])
            out.append(
                Finding(
                    "steps",
                    "most_skipped_over",
                    f"step {top['step']}",
                    float(k),
                    "learners",
                    k,
                    f"The step most often skipped over was {top['step']}: {k:,} learners "
                    "jumped forward past it to a later step in the same study session"
                    + (f" ({moves:,} jumps in all)." if moves != k else "."),
                )
            )
    return out


def _step_times(course: Course) -> list[Finding]:
    t = A.time_on_step(course)
    t = t[(t["learners"] >= MIN_LEARNERS) & t["median_minutes"].notna()]
    if t.empty:
        return []
    steps_timed = t.groupby("week")["step"].transform("size")
    designed = t["expected_minutes"].notna().to_numpy()
    ratio = np.where(designed, t["vs_expected"], t["vs_week"])
    # a week with one timed step has nothing to compare it with
    ratio = np.where(designed | (steps_timed.to_numpy() >= 2), ratio, np.nan)
    t = t.assign(ratio=ratio, designed=designed)
    out: list[Finding] = []
    for kind, rows in (
        ("long_step", t[t["ratio"] >= LONG_STEP_RATIO].nlargest(MAX_STEP_TIMES, "ratio")),
        ("short_step", t[t["ratio"] <= SHORT_STEP_RATIO].nsmallest(MAX_STEP_TIMES, "ratio")),
    ):
        for row in rows.itertuples(index=False):
            ref = row.expected_minutes if row.designed else row.week_median_minutes
            against = (
                f"the {_m(ref)} minutes it was designed for"
                if row.designed
                else f"the median step of week {row.week} ({_m(ref)} minutes)"
            )
            word = "longer" if kind == "long_step" else "less time"
            out.append(
                Finding(
                    "steps",
                    kind,
                    f"step {row.step}",
                    float(row.ratio),
                    "times",
                    int(row.learners),
                    f"Step {row.step} took learners {word} than "
                    + ("designed" if row.designed else "the other steps of its week")
                    + f": a median of {_m(row.median_minutes)} minutes (middle half "
                    f"{_m(row.q1_minutes)}–{_m(row.q3_minutes)}), {row.ratio:.1f} times "
                    f"{against}, over {int(row.learners):,} timed first visits.",
                    detail=f"step {row.step} ({_m(row.median_minutes)} minutes, "
                    f"{row.ratio:.1f} times "
                    + ("its designed time" if row.designed else f"week {row.week}'s median")
                    + ")",
                )
            )
    return out


# ----------------------------------------------------------------------------- social
def comment_findings(course: Course) -> list[Finding]:
    """Words per comment by week; where comments asked most, and read most negative.

    Only learners' comments count, and only weeks (steps) whose comments come from at
    least :data:`~flbook.findings.MIN_LEARNERS` learners.

    Returns
    -------
    list of Finding
        kinds ``comment_length``, ``question_week``, ``question_step``,
        ``negative_week`` and ``negative_step``.
    """
    if course.comments.empty:
        return []
    weekly = A.comment_measures(course, by="week")
    weekly = weekly[weekly["authors"] >= MIN_LEARNERS]
    if not (weekly["words_per_comment"] > 0).any():  # no weeks, or comments without text
        return []
    out: list[Finding] = []
    longest = weekly.loc[weekly["words_per_comment"].idxmax()]
    shortest = weekly.loc[weekly["words_per_comment"].idxmin()]
    authors = int(weekly["authors"].max())

    def words(row) -> str:
        return (
            f"{row['words_per_comment']:.0f} words per comment on average, median "
            f"{row['median_words']:.0f}"
        )

    text = (
        f"Learners' comments were longest in week {int(longest['week'])} ({words(longest)}) "
        f"and shortest in week {int(shortest['week'])} ({words(shortest)})."
        if len(weekly) > 1 and longest["week"] != shortest["week"]
        else f"Learners' comments had {words(longest)} (week {int(longest['week'])})."
    )
    out.append(
        Finding(
            "social",
            "comment_length",
            f"week {int(longest['week'])}",
            float(longest["words_per_comment"]),
            "words",
            authors,
            text,
        )
    )
    steps = A.comment_measures(course, by="step")
    steps = steps[steps["authors"] >= MIN_LEARNERS]
    for column, what in (("pct_questions", "question"), ("pct_negative", "negative")):
        out += _top_share(weekly, "week", column, f"{what}_week")
        out += _top_share(steps, "step", column, f"{what}_step")
    return out


def _top_share(table: pd.DataFrame, unit: str, column: str, kind: str) -> list[Finding]:
    """The week or step with the highest share, if it beats the rest by COMMENT_GAP."""
    if len(table) < 2:
        return []
    counts = np.round(table[column].to_numpy(float) * table["comments"].to_numpy(float) / 100)
    i = int(np.argmax(table[column].to_numpy(float)))
    row = table.iloc[i]
    k, n = int(counts[i]), int(row["comments"])
    rest_n = int(table["comments"].sum()) - n
    rest = 100 * (counts.sum() - k) / rest_n if rest_n else np.nan
    top = float(row[column])
    if not rest_n or top - rest < COMMENT_GAP:
        return []
    lo, hi = wilson_interval(k, n)
    where = f"{unit} {int(row[unit]) if unit == 'week' else row[unit]}"
    others = f"{unit}s with comments from at least {MIN_LEARNERS} learners"
    verb = "asked a question" if column == "pct_questions" else "read as negative"
    lead = (
        f"{where[0].upper()}{where[1:]} drew the most questions"
        if column == "pct_questions"
        else f"The comments on {where} read as the most negative"
    )
    return [
        Finding(
            "social",
            kind,
            where,
            top,
            "pct",
            int(row["authors"]),
            f"{lead}: {pct(top)}{interval_text(lo, hi)} of its {n:,} learners' comments "
            f"(by {int(row['authors']):,} learners) {verb}, against {pct(rest)} on the "
            f"other {others}.",
            lo,
            hi,
        )
    ]


ITEM_PARTS = [
    (_discrimination, frozenset({"low_discrimination", "upper_group_distractor"})),
    (_misfits, frozenset({"misfit_question"})),
]
"""The item-analysis kinds in parts, so that asking for one does not compute the others
(the Rasch fit is the slow one): (function, kinds it finds)."""

FLOW_PARTS = [
    (_step_times, frozenset({"long_step", "short_step"})),
    (_jumps, frozenset({"most_gone_back_to", "most_skipped_over"})),
]
"""The step-flow kinds in parts: (function, kinds it finds)."""
