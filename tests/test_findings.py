"""Findings: planted patterns are found, with their numbers, and absent ones are not.

Each family gets a small hand-made course with a pattern planted in it (a skipped
step, a misleading distractor, a worst week, ...) and the same course without it.
The text checked is what a chapter's "In this run" cell displays.
"""

from __future__ import annotations

import datetime

import pandas as pd
import pytest

from flbook.config import CourseConfig
from flbook.exports._reader import FileReport
from flbook.findings import (
    COHORT_GAP,
    HARD_QUESTION_PCT,
    LOW_COMPLETION_GAP,
    MIN_LEARNERS,
    SKIP_RATIO,
    SURVEY_GAP,
    find,
    in_this_run_text,
    wilson_interval,
)
from flbook.store import Course, LoadReport

CFG = CourseConfig(
    title="T",
    data="/tmp",
    stub="t-1",
    start=datetime.date(2024, 2, 5),
    weeks=3,
    social_steps=("1.2",),
)


def kinds(course, family):
    return [f.kind for f in find(course, family)]


def ids(n, prefix="L"):
    return [f"{prefix}{i:03d}" for i in range(n)]


def enrolments(learners, when="2024-02-01 10:00:00", **cols):
    return pd.DataFrame({"learner_id": learners, "role": "learner", "enrolled_at": when, **cols})


# ----------------------------------------------------------------------------- core
def test_wilson_interval_matches_the_textbook_and_refuses_bad_counts():
    lo, hi = wilson_interval(5, 10)
    assert round(lo, 1) == 23.7 and round(hi, 1) == 76.3
    lo, hi = wilson_interval(0, 20)
    assert lo == 0 and 0 < hi < 20
    with pytest.raises(ValueError, match="n must be positive"):
        wilson_interval(0, 0)
    with pytest.raises(ValueError, match="between 0 and n"):
        wilson_interval(11, 10)


def test_thresholds_are_named_and_sensible():
    assert MIN_LEARNERS == 10
    assert 0 < SKIP_RATIO < 1 and 0 < LOW_COMPLETION_GAP < 100
    assert 0 < HARD_QUESTION_PCT < 100 and SURVEY_GAP > 0 and COHORT_GAP > 0


def test_unknown_family_is_refused():
    with pytest.raises(ValueError, match="unknown findings family 'stepz'"):
        find(Course.from_frames(CFG), "stepz")


# ----------------------------------------------------------------------------- steps
def step_course(visits: dict[str, int], completions: dict[str, int] | None = None, n=40):
    """``n`` learners; step s is visited by the first ``visits[s]`` learners, in order."""
    rows = []
    for i, learner in enumerate(ids(n)):
        for k, (step, v) in enumerate(visits.items()):
            if i < v:
                done = completions is None or i < completions.get(step, n)
                rows.append(
                    (
                        learner,
                        step,
                        f"2024-02-05 10:{k * 5:02d}:00",
                        f"2024-02-05 10:{k * 5 + 1:02d}:00" if done else None,
                    )
                )
    sa = pd.DataFrame(rows, columns=["learner_id", "step", "first_visited_at", "last_completed_at"])
    return Course.from_frames(CFG, enrolments=enrolments(ids(n)), step_activity=sa)


ALL = {"1.1": 40, "1.2": 40, "1.3": 40, "1.4": 40, "1.5": 40}


def test_skipped_step_is_found_with_its_share_and_not_without_it():
    planted = step_course({**ALL, "1.3": 10})
    text = in_this_run_text(planted, "steps")
    assert "Step 1.3 was visited by 10 learners, only 25% of the 40" in text
    assert kinds(step_course(ALL), "steps").count("skipped_step") == 0


def test_skipped_step_needs_ten_learners_behind_it():
    # 9 learners on the neighbours: too few to say anything
    small = step_course({"1.1": 9, "1.2": 1, "1.3": 9}, n=9)
    assert "skipped_step" not in kinds(small, "steps")


def test_step_completed_far_less_than_visited_is_found():
    planted = step_course(ALL, completions={"1.4": 6})
    text = in_this_run_text(planted, "steps")
    assert "Only 15% (95% interval 7–29%) of the 40 learners who visited step 1.4" in text
    assert "against 100% on the median step" in text
    assert "low_completion" not in kinds(step_course(ALL), "steps")


def test_where_most_leavers_stopped():
    # 20 learners stop after step 1.2, 20 go to the end
    planted = step_course({"1.1": 40, "1.2": 40, "1.3": 20, "1.4": 20, "1.5": 20})
    text = in_this_run_text(planted, "steps")
    assert "Of the 20 learners whose last visit was before the last step" in text
    assert "stopped at step 1.2" in text
    assert "most_stopped" not in kinds(step_course(ALL), "steps")
    assert in_this_run_text(step_course(ALL), "steps").startswith("**In this run.** No step")


# ----------------------------------------------------------------------------- quizzes
def quiz_course(wrong_first: int, right_first: int):
    rows = []
    learners = ids(wrong_first + right_first)
    for i, learner in enumerate(learners):
        ok = i >= wrong_first
        rows.append((learner, "1.3.1", "2" if ok else "1", "2024-02-05 10:00:00", ok))
        if not ok:  # then right at the second try
            rows.append((learner, "1.3.1", "2", "2024-02-05 10:05:00", True))
        rows.append((learner, "1.3.2", "3", "2024-02-05 10:10:00", True))
    qr = pd.DataFrame(
        rows, columns=["learner_id", "quiz_question", "response", "submitted_at", "correct"]
    )
    return Course.from_frames(CFG, enrolments=enrolments(learners), question_response=qr)


def test_misleading_distractor_and_hard_question_are_found():
    planted = quiz_course(wrong_first=18, right_first=12)
    text = in_this_run_text(planted, "quizzes")
    assert "Question 1.3.1 was answered right at the first try by only 40%" in text
    assert "On question 1.3.1 a wrong answer led at the first try: answer 1 drew 60%" in text
    assert "the keyed answer 2 only 40%" in text
    assert "1.3.2" not in text  # everyone was right there


def test_no_quiz_finding_without_the_pattern():
    clean = quiz_course(wrong_first=5, right_first=25)
    assert kinds(clean, "quizzes") == []
    assert "No quiz question stands out" in in_this_run_text(clean, "quizzes")


def test_a_question_answered_by_nine_learners_gives_no_finding():
    assert kinds(quiz_course(wrong_first=6, right_first=3), "quizzes") == []


# ----------------------------------------------------------------------------- surveys
def survey_course(weeks: dict[int, tuple[int, int]]):
    """``weeks``: week → (ratings, of which good); the others are bad."""
    rows = []
    for week, (n, good) in weeks.items():
        rows += [(week, 3 if i < good else 1) for i in range(n)]
    ws = pd.DataFrame(rows, columns=["week_number", "experience_rating"])
    return Course.from_frames(CFG, weekly_sentiment_survey_responses=ws)


def test_worst_week_is_the_last_one_when_planted():
    planted = survey_course({1: (30, 27), 2: (20, 18), 3: (40, 10)})
    text = in_this_run_text(planted, "surveys")
    assert "Week 3 was rated worst: 25% (95% interval 14–40%) of its 40 ratings were good" in text
    assert "Week 1 was rated best: 90%" in text
    assert "30 ratings in week 1, 20 in week 2 and 40 in week 3" in text
    assert "did not fall steadily" in text


def test_no_best_or_worst_week_when_the_weeks_are_alike():
    alike = survey_course({1: (30, 27), 2: (20, 18), 3: (10, 9)})
    assert kinds(alike, "surveys") == ["ratings_per_week"]
    assert "fell from each week to the next" in in_this_run_text(alike, "surveys")


def test_a_week_with_nine_ratings_is_left_out():
    few = survey_course({1: (30, 27), 2: (9, 0)})
    assert "week 2" not in in_this_run_text(few, "surveys")


# ----------------------------------------------------------------------------- enrolment
def enrolment_course(late: int, early_done: int, late_done: int, n_early=50):
    """``n_early`` learners enrol before the start, ``late`` on one day after the end."""
    early = ids(n_early, "E")
    after = ids(late, "A")
    en = pd.concat(
        [
            enrolments(
                early,
                [f"2024-01-{10 + i % 20:02d} 10:00:00" for i in range(n_early)],
                fully_participated_at=[
                    "2024-02-20 10:00:00" if i < early_done else None for i in range(n_early)
                ],
            ),
            enrolments(
                after,
                "2024-03-10 10:00:00",
                fully_participated_at=[
                    "2024-03-20 10:00:00" if i < late_done else None for i in range(late)
                ],
            ),
        ]
    )
    return Course.from_frames(CFG, enrolments=en)


def test_busiest_day_after_the_end_and_cohorts_that_differ():
    planted = enrolment_course(late=60, early_done=40, late_done=5)
    text = in_this_run_text(planted, "enrolment")
    assert "The busiest enrolment day was Sunday 10 March 2024, after the last study week" in text
    assert "after the last study week: 60 enrolments, 55% of all" in text
    assert "Of the 50 learners who enrolled before the start, 80%" in text
    assert "of the 60 who enrolled on or after the start, 8%" in text
    assert "a real difference" in text


def test_no_late_peak_and_alike_cohorts_without_the_pattern():
    clean = enrolment_course(late=50, early_done=20, late_done=20)
    found = find(clean, "enrolment")
    assert "cohorts_alike" in [f.kind for f in found]
    assert "cohorts_differ" not in [f.kind for f in found]
    early_only = enrolment_course(late=0, early_done=20, late_done=0, n_early=200)
    assert "after the last study week" not in in_this_run_text(early_only, "enrolment")


# ----------------------------------------------------------------------------- sessions
def session_course(minutes: list[float]):
    """One learner per entry: step events every 10 minutes over ``minutes``."""
    rows = []
    for learner, m in zip(ids(len(minutes)), minutes, strict=True):
        t0 = pd.Timestamp("2024-02-05 08:00:00")
        k = max(1, int(m // 10))
        for j in range(k + 1):
            rows.append((learner, f"1.{j + 1}", t0 + pd.Timedelta(minutes=10 * j)))
    sa = pd.DataFrame(rows, columns=["learner_id", "step", "first_visited_at"])
    return Course.from_frames(CFG, enrolments=enrolments(ids(len(minutes))), step_activity=sa)


def test_two_peaks_of_study_time_are_named():
    planted = session_course(
        [10 + i % 3 * 10 for i in range(30)] + [300 + i % 3 * 30 for i in range(30)]
    )
    found = find(planted, "sessions")
    assert [f.kind for f in found] == ["two_peaks"]
    text = in_this_run_text(planted, "sessions")
    assert "Study time has 2 peaks" in text and "50% of learners" in text


def test_one_peak_without_the_pattern():
    clean = session_course([60 + (i % 7) * 10 for i in range(60)])
    assert kinds(clean, "sessions") == ["one_peak"]


# ----------------------------------------------------------------------------- social
def social_course(on_top: int, spread: int, educator_posts: int):
    learners = ids(on_top + spread)
    rows = [(learner, "1.2") for learner in learners[:on_top]]
    rows += [(learner, f"1.{3 + i % 5}") for i, learner in enumerate(learners[on_top:])]
    rows += [("T1", "1.3")] * educator_posts
    co = pd.DataFrame(rows, columns=["author_id", "step"])
    co["id"] = range(len(co))
    co["timestamp"] = "2024-02-06 10:00:00"
    team = pd.DataFrame({"id": ["T1"], "team_role": ["educator"]})
    en = pd.concat([enrolments(learners), enrolments(["T1"]).assign(role="educator")])
    return Course.from_frames(CFG, enrolments=en, comments=co, team_members=team)


def test_concentrated_discussion_and_educator_share():
    planted = social_course(on_top=40, spread=20, educator_posts=15)
    text = in_this_run_text(planted, "social")
    assert "The course team wrote 15 of the 75 comments and replies (20%" in text
    assert "Discussion concentrated on step 1.2 (a discussion step): 40 posts by 40 people" in text


def test_evenly_spread_discussion_is_not_said_to_concentrate():
    clean = social_course(on_top=0, spread=50, educator_posts=0)
    assert "busiest_discussion" not in kinds(clean, "social")


def test_fewer_than_ten_commenters_give_no_social_finding():
    assert kinds(social_course(on_top=5, spread=4, educator_posts=3), "social") == []


# ----------------------------------------------------------------------------- notebooks
def notebook_course(failing: int, n=20):
    rows = []
    for i, learner in enumerate(ids(n)):
        base = {"user": learner, "learner_id": learner, "session": f"s{i}", "notebook": "w1.ipynb"}
        rows.append({**base, "event": "NotebookOpenEvent", "time": "2024-02-05 10:00:00"})
        fails = i < failing
        rows.append(
            {
                **base,
                "event": "CellExecuteEvent",
                "time": "2024-02-05 10:01:00",
                "cell_id": "c1",
                "cell_index": 2,
                "success": not fails,
                "error_name": "KeyError" if fails else None,
            }
        )
    return Course.from_frames(
        CFG, enrolments=enrolments(ids(n)), notebook_events=pd.DataFrame(rows)
    )


def test_cell_with_many_errors_is_named():
    text = in_this_run_text(notebook_course(failing=12), "notebooks")
    assert (
        "w1.ipynb, cell 3: 12 failed runs (60% of its runs) by 12 learners, most often KeyError"
        in text
    )
    assert "100% (95% interval 76–100%) of the 12 who met an error there" in text


def test_no_notebook_finding_without_errors_or_from_nine_learners():
    assert kinds(notebook_course(failing=0), "notebooks") == []
    assert kinds(notebook_course(failing=9), "notebooks") == []


# ----------------------------------------------------------------------------- data
def with_report(excluded: dict[str, int]):
    course = Course.from_frames(CFG)
    report = LoadReport(files={"enrolments": FileReport("enrolments", "x.csv", excluded=excluded)})
    course.report = report
    return course


def test_re_enrolments_are_reported_and_small_counts_hidden():
    reason = "earlier enrolment of a re-enrolled person (latest kept)"
    text = in_this_run_text(with_report({reason: 12}), "data")
    assert "12 enrolment rows were earlier enrolments" in text
    assert "Fewer than 10 enrolment rows" in in_this_run_text(with_report({reason: 3}), "data")
    assert in_this_run_text(with_report({}), "data").endswith(
        "No row was left out and no value was repaired."
    )


# ----------------------------------------------------------------------------- words for readers
def test_tables_show_words_not_code_names_and_align_text_left():
    from flbook import show_table
    from flbook.findings import readable_groups

    t = show_table(
        pd.DataFrame(
            {
                "group": ["~visited", "fully_participated & ~commented"],
                "measure": ["steps_per_session", "study_minutes"],
                "learners": [12, 30],
                "pct_of_enrolled": [12.345, 30.0],
            }
        ),
        pct_digits=0,
    )
    shown = t.formatted()
    assert list(shown["Group"]) == ["not visited", "fully participated and not commented"]
    assert list(shown["Measure"]) == ["Steps per session", "Estimated study time (minutes)"]
    assert list(shown["% of enrolled"]) == ["12%", "30%"]
    html_doc = t._repr_html_()
    assert '<th style="text-align: left">Group</th>' in html_doc
    assert '<td style="text-align: right">12</td>' in html_doc
    assert "~" not in html_doc and "fully_participated" not in html_doc
    known = readable_groups(pd.DataFrame({"column": ["age_range"], "known": [3]}))
    assert known["column"].tolist() == ["age range"]


def test_drifted_away_learners_get_a_name_and_keep_their_place():
    from flbook.findings import DRIFTED_AWAY, readable_groups

    table = pd.DataFrame({"group": ["fully_participated", "unenrolled", DRIFTED_AWAY]})
    out = readable_groups(table)
    assert list(out["group"]) == ["fully participated", "unenrolled", "drifted away"]
    assert list(out["group"].cat.categories) == list(out["group"])


def test_coverage_text_says_when_each_file_runs_against_the_weeks():
    from flbook.findings import coverage_text

    daily = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-20", "2024-03-01", "2024-02-06", "2024-02-20"]),
            "dataset": ["enrolments", "enrolments", "step-activity", "step-activity"],
            "rows": [12, 3, 40, 25],
        }
    )
    text = coverage_text(daily, CFG)
    assert text.startswith("**In this run.** Enrolments run from 2024-01-20 (16 days before the")
    assert "Step visits run from 2024-02-06 (in study week 1) to 2024-02-20 (in study week 3)." in (
        text
    )
    assert "run run" not in text and "runs run" not in text
    assert text.endswith("The latest dated row of any file is from 2024-03-01.")
