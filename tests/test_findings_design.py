"""Findings for the learning-design views: item analysis, step flows and time, comments.

As in tests/test_findings.py, each kind gets a small hand-made course with the pattern
planted, checked for the sentence with its number, and the same course without the
pattern (and with nine learners) that must not produce it.
"""

from __future__ import annotations

import dataclasses
import datetime

import numpy as np
import pandas as pd
import pytest

from flbook import findings as F
from flbook.analysis import difference_interval
from flbook.config import CourseConfig
from flbook.findings import find, in_this_run_text, wilson_interval
from flbook.store import Course

CFG = CourseConfig(title="T", data="/tmp", stub="t-1", start=datetime.date(2024, 2, 5), weeks=3)


def ids(n, prefix="L"):
    return [f"{prefix}{i:03d}" for i in range(n)]


def enrolments(learners):
    return pd.DataFrame(
        {"learner_id": learners, "role": "learner", "enrolled_at": "2024-02-01 10:00:00"}
    )


def kinds(course, family, which=None):
    return [f.kind for f in find(course, family, kinds=which)]


def test_thresholds_are_named_and_sensible():
    import flbook.analysis as A

    # the chapter's tables and its sentences flag the same questions
    assert F.LOW_DISCRIMINATION == A.LOW_DISCRIMINATION == 0.2
    assert F.MNSQ_RANGE == A.MNSQ_RANGE == (0.5, 1.5)
    assert F.DISTRACTOR_GAP > 0 and F.COMMENT_GAP > 0
    assert F.SHORT_STEP_RATIO < 1 < F.LONG_STEP_RATIO


# ----------------------------------------------------------------------------- quizzes
ITEM_KINDS = ["low_discrimination", "upper_group_distractor", "misfit_question"]


def item_course(n: int, planted: bool):
    """Quiz 1.3: learner i has skill i % 4 and is right on question q (1–3) when
    skill >= q. Question 1.3.4 follows the skill too (skill >= 2), unless ``planted``:
    then half of every skill level is right, and the wrong answers of the stronger half
    (skill 2 and 3) are "3", of the weaker half "1"."""
    rows = []
    for i, learner in enumerate(ids(n)):
        skill = i % 4
        for q in (1, 2, 3):
            ok = skill >= q
            rows.append((learner, f"1.3.{q}", "2" if ok else "1", ok))
        if planted:
            ok = (i // 4) % 2 == 0
            rows.append((learner, "1.3.4", "2" if ok else ("3" if skill >= 2 else "1"), ok))
        else:
            ok = skill >= 2
            rows.append((learner, "1.3.4", "2" if ok else "1", ok))
    qr = pd.DataFrame(rows, columns=["learner_id", "quiz_question", "response", "correct"])
    qr["submitted_at"] = "2024-02-05 10:00:00"
    return Course.from_frames(CFG, enrolments=enrolments(ids(n)), question_response=qr)


def test_low_discrimination_question_is_named_with_its_correlation():
    text = in_this_run_text(item_course(40, planted=True), "quizzes", kinds=["low_discrimination"])
    # right on 1.3.4 is independent of the rest score (the skill): r = 0 exactly
    assert "Question 1.3.4 hardly tells learners apart" in text
    assert "the score on the rest of its quiz is 0.00" in text
    assert "over 40 learners' first answers, of which 50% were right" in text
    assert "the best 27% on the rest of the quiz were right 50% of the time" in text
    assert "1.3.1" not in text and "1.3.2" not in text


def test_distractor_chosen_by_the_upper_group_is_named_with_the_gap():
    text = in_this_run_text(
        item_course(40, planted=True), "quizzes", kinds=["upper_group_distractor"]
    )
    # upper 27% = the 10 learners of skill 3 (5 wrong, all "3"); lower = skill 0 ("1")
    d, lo, hi = difference_interval(5, 10, 0, 10)
    assert "On question 1.3.4 the wrong answer 3 drew more of the strongest learners" in text
    assert "50% of the best 27% on the rest of the quiz chose it at the first try" in text
    assert "against 0% of the weakest 27% (10 learners each; a gap of 50 points" in text
    assert f"95% interval {float(lo):.0f} to {float(hi):.0f}), 10 learners in all" in text


def test_no_item_finding_without_the_pattern_or_with_nine_learners():
    assert kinds(item_course(40, planted=False), "quizzes", ITEM_KINDS[:2]) == []
    text = in_this_run_text(item_course(40, planted=False), "quizzes", kinds=ITEM_KINDS[:2])
    assert "No question answered by at least 10 learners has a point-biserial below 0.2" in text
    assert kinds(item_course(9, planted=True), "quizzes", ITEM_KINDS) == []
    # 36 learners: groups of 9, too few to compare the upper and lower group
    assert "upper_group_distractor" not in kinds(item_course(36, planted=True), "quizzes")


def rasch_course(planted: bool, n: int = 300):
    """Answers drawn from a Rasch model (seeded); with ``planted``, question 1.3.5 is
    right exactly for the learners of below-average ability."""
    rng = np.random.default_rng(7)
    theta = rng.normal(0, 1, n)
    b = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    right = rng.random((n, 5)) < 1 / (1 + np.exp(-(theta[:, None] - b[None, :])))
    if planted:
        right[:, 4] = theta < 0
    learners = ids(n)
    rows = [
        (learners[i], f"1.3.{q + 1}", "1" if right[i, q] else "2", bool(right[i, q]))
        for i in range(n)
        for q in range(5)
    ]
    qr = pd.DataFrame(rows, columns=["learner_id", "quiz_question", "response", "correct"])
    qr["submitted_at"] = "2024-02-05 10:00:00"
    return Course.from_frames(CFG, enrolments=enrolments(learners), question_response=qr)


def test_misfitting_question_is_named_with_its_mean_squares():
    import flbook.analysis as A

    planted = rasch_course(planted=True)
    fit = A.rasch_fit(planted, group="enrolled").items.set_index("quiz_question")
    q5 = fit.loc["1.3.5"]
    assert q5["fit"] == "noisy"
    text = in_this_run_text(planted, "quizzes", kinds=["misfit_question"])
    assert (
        f"Question 1.3.5 does not fit the Rasch model: infit {q5['infit_mnsq']:.2f} and "
        f"outfit {q5['outfit_mnsq']:.2f} (a question fits between 0.5 and 1.5), over "
        f"{int(q5['learners'])} learners" in text
    )
    assert "more erratic than the learners' abilities predict" in text
    clean = rasch_course(planted=False)
    assert kinds(clean, "quizzes", ["misfit_question"]) == []
    assert "Every question answered by at least 10 learners fits the Rasch model" in (
        in_this_run_text(clean, "quizzes", kinds=["misfit_question"])
    )


# ----------------------------------------------------------------------------- steps
FLOW_KINDS = ["long_step", "short_step", "most_gone_back_to", "most_skipped_over"]


def flow_course(n: int = 40, jumpers: int = 0, long_minutes: int = 5, step_minutes=None):
    """``n`` learners visit 1.1 to 1.5 five minutes apart, staying ``long_minutes`` on
    1.4. The first ``jumpers`` go 1.1 → 1.3 → 1.2 and end the session, then come back
    the next day for 1.4 and 1.5."""
    rows = []
    for i, learner in enumerate(ids(n)):
        t0 = pd.Timestamp("2024-02-05 10:00:00")
        if i < jumpers:
            order = [("1.1", 0), ("1.3", 5), ("1.2", 10)]
            t0 += pd.Timedelta(days=1)
            order += [("1.4", 0), ("1.5", long_minutes)]
            times = [
                pd.Timestamp("2024-02-05 10:00:00") + pd.Timedelta(minutes=m) for _, m in order[:3]
            ]
            times += [t0 + pd.Timedelta(minutes=m) for _, m in order[3:]]
        else:
            order = [("1.1", 0), ("1.2", 5), ("1.3", 10), ("1.4", 15), ("1.5", 15 + long_minutes)]
            times = [t0 + pd.Timedelta(minutes=m) for _, m in order]
        rows += [(learner, s, t) for (s, _), t in zip(order, times, strict=True)]
    sa = pd.DataFrame(rows, columns=["learner_id", "step", "first_visited_at"])
    cfg = dataclasses.replace(CFG, step_minutes=step_minutes or {})
    return Course.from_frames(cfg, enrolments=enrolments(ids(n)), step_activity=sa)


def test_step_gone_back_to_and_skipped_over_are_named():
    text = in_this_run_text(flow_course(jumpers=12), "steps", kinds=FLOW_KINDS)
    lo, hi = wilson_interval(12, 40)
    assert (
        "Learners went back most often to step 1.2: 12 learners first opened it straight "
        f"after a later step, in the same study session, 30% (95% interval {lo:.0f}–{hi:.0f}%) "
        "of the 40 who came to it from another step." in text
    )
    assert "The step most often skipped over was 1.2: 12 learners jumped forward past it" in text


def test_step_far_longer_than_its_week_is_named():
    text = in_this_run_text(flow_course(long_minutes=30), "steps", kinds=["long_step"])
    assert (
        "Step 1.4 took learners longer than the other steps of its week: a median of 30 "
        "minutes (middle half 30–30), 6.0 times the median step of week 1 (5.0 minutes), "
        "over 40 timed first visits." in text
    )


def test_steps_are_compared_with_their_designed_time_when_set():
    course = flow_course(long_minutes=30, step_minutes={"1.2": 20, "default": 5})
    text = in_this_run_text(course, "steps", kinds=["long_step", "short_step"])
    assert "Step 1.4 took learners longer than designed: a median of 30 minutes" in text
    assert "6.0 times the 5.0 minutes it was designed for" in text
    assert "Step 1.2 took learners less time than designed: a median of 5.0 minutes" in text
    assert "0.2 times the 20 minutes it was designed for" in text


def test_no_flow_finding_without_the_pattern_or_from_nine_learners():
    assert kinds(flow_course(), "steps", FLOW_KINDS) == []
    text = in_this_run_text(flow_course(), "steps", kinds=["most_gone_back_to"])
    assert "Fewer than 10 learners went back to any one step" in text
    # nine jumpers, nine long stays: too few learners behind either
    assert kinds(flow_course(jumpers=9), "steps", FLOW_KINDS) == []
    assert kinds(flow_course(n=9, long_minutes=30), "steps", FLOW_KINDS) == []


# ----------------------------------------------------------------------------- social
COMMENT_KINDS = [
    "comment_length",
    "question_week",
    "question_step",
    "negative_week",
    "negative_step",
]


def comment_course(n: int = 20, planted: bool = True):
    """``n`` learners comment on 1.2, 2.1 and 3.1. With ``planted``, half of week 2's
    comments ask a question and the other half read as negative; otherwise week 2's
    comments read like week 3's."""
    rows = []
    for i, learner in enumerate(ids(n)):
        rows.append((learner, "1.2", "Thanks, I really like this step."))
        if planted:
            rows.append(
                (learner, "2.1", "How do I open the notebook?" if i % 2 else "This is awful.")
            )
        else:
            rows.append((learner, "2.1", "Good examples here."))
        rows.append((learner, "3.1", "Good examples here."))
    co = pd.DataFrame(rows, columns=["author_id", "step", "text"])
    co["id"] = range(len(co))
    co["timestamp"] = "2024-02-06 10:00:00"
    return Course.from_frames(CFG, enrolments=enrolments(ids(n)), comments=co)


def test_week_and_step_with_most_questions_and_most_negative_comments():
    text = in_this_run_text(comment_course(), "social", kinds=COMMENT_KINDS)
    lo, hi = wilson_interval(10, 20)
    share = f"50% (95% interval {lo:.0f}–{hi:.0f}%) of its 20 learners' comments (by 20 learners)"
    assert (
        f"Week 2 drew the most questions: {share} asked a question, against 0% on the other weeks"
        in text
    )
    assert f"Step 2.1 drew the most questions: {share} asked a question" in text
    assert f"The comments on week 2 read as the most negative: {share} read as negative" in text
    assert (
        "Learners' comments were longest in week 1 (6 words per comment on average, median 6) "
        "and shortest in week 3 (3 words per comment on average, median 3)." in text
    )


def test_no_comment_finding_without_the_pattern_or_from_nine_learners():
    found = kinds(comment_course(planted=False), "social", COMMENT_KINDS)
    assert found == ["comment_length"]
    assert kinds(comment_course(n=9), "social", COMMENT_KINDS) == []
    text = in_this_run_text(comment_course(n=9), "social", kinds=["question_week"])
    assert "fewer than two weeks have comments from at least 10 learners" in text


@pytest.mark.parametrize("family", ["quizzes", "steps", "social"])
def test_only_the_parts_that_can_find_the_kinds_asked_for_are_computed(family, monkeypatch):
    """Asking for the hardest questions must not fit a Rasch model, and so on."""
    import flbook.findings._families as fam

    parts = fam.PARTS[family]
    assert len(parts) >= 2
    called = []

    def recorder(i):
        def part(course):
            called.append(i)
            return []

        return part

    monkeypatch.setitem(
        fam.PARTS, family, [(recorder(i), kinds) for i, (_, kinds) in enumerate(parts)]
    )
    for i, (_, kinds) in enumerate(parts):
        called.clear()
        find(Course.from_frames(CFG), family, kinds=sorted(kinds)[:1])
        assert called == [i]
    called.clear()
    course = Course.from_frames(CFG)
    find(course, family)
    assert called == list(range(len(parts)))
    called.clear()  # a course computes each part once, however often it is asked
    find(course, family)
    for _, kinds in parts:
        find(course, family, kinds=sorted(kinds)[:1])
    assert called == []
