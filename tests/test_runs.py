"""This run against earlier runs: alignment, shares with intervals, and the "runs"
findings (a planted difference said with its Newcombe interval; none, or one resting on
nine learners, not said)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

import flbook.analysis as fa
from flbook import findings
from flbook.config import CourseConfig
from flbook.store import Course


def _run(
    stub: str,
    start: str,
    visitors2: int,
    steps=("1.1", "1.2", "2.1"),
    n: int = 200,
    good: tuple[int, int] | None = None,
):
    """n learners all visit the first step; ``visitors2`` of them visit the second step.
    With ``good`` = (k, m), week 1's survey has k good answers of m (the others bad)."""
    ids = [f"{stub}-{i}" for i in range(n)]
    sa = [(i, steps[0]) for i in ids] + [(i, steps[1]) for i in ids[:visitors2]]
    sa.append((ids[0], steps[2]))
    cfg = CourseConfig(
        title="T", data="/tmp", stub=stub, start=dt.date.fromisoformat(start), weeks=2
    )
    survey = {}
    if good is not None:
        ratings = [3] * good[0] + [1] * (good[1] - good[0])
        survey["weekly_sentiment_survey_responses"] = pd.DataFrame(
            {"week_number": 1, "experience_rating": ratings}
        )
    return Course.from_frames(
        cfg,
        **survey,
        enrolments=pd.DataFrame(
            {
                "learner_id": ids,
                "role": "learner",
                "enrolled_at": pd.Timestamp(start, tz="UTC") - pd.Timedelta(days=3),
                "purchased_statement_at": [start + " 10:00:00"] * 5 + [None] * (n - 5),
            }
        ),
        step_activity=pd.DataFrame(
            {
                "learner_id": [a for a, _ in sa],
                "step": [s for _, s in sa],
                "first_visited_at": start + " 10:00:00",
            }
        ),
    )


def test_wilson_interval_matches_scipy():
    lo, hi = fa.wilson_interval(np.array([3, 37, 0]), np.array([20, 80, 15]))
    for k, n, a, b in zip([3, 37, 0], [20, 80, 15], lo, hi, strict=True):
        ci = binomtest(k, n).proportion_ci(method="wilson")
        assert a == pytest.approx(ci.low * 100) and b == pytest.approx(ci.high * 100)


def test_difference_interval_contains_difference_and_shrinks_with_n():
    d, lo, hi = fa.difference_interval(30, 100, 50, 100)
    assert d == pytest.approx(-20)
    assert lo < d < hi < 0
    _, lo2, hi2 = fa.difference_interval(300, 1000, 500, 1000)
    assert hi2 - lo2 < hi - lo


def test_step_lists_that_differ_are_described_and_matched():
    cur = _run("c-3", "2024-02-05", 100)
    old = _run("c-2", "2023-02-06", 100, steps=("1.1", "1.3", "2.1"))
    text = findings.step_differences(cur, [old])
    assert len(text) == 1
    assert "1.3" in text[0] and "1.2" in text[0] and "the 2 steps both have" in text[0]
    align = fa.step_alignment(cur, [old])
    assert list(align["step"]) == ["1.1", "1.2", "1.3", "2.1"]
    assert list(align["runs"]) == [2, 1, 1, 2]
    funnels = fa.run_funnels(cur, [old])
    assert set(funnels.loc[~funnels["current"], "step"]) == {"1.1", "1.3", "2.1"}


def test_enrolment_curves_are_rebased_to_each_start():
    curves = fa.enrolment_curves(_run("c-3", "2024-02-05", 100), [_run("c-2", "2023-02-06", 100)])
    assert set(curves["day"]) == {-3, -2, -1, 0}  # the first enrolment to the start
    assert (curves["pct_of_final"] == 100).all() and (curves["enrolled"] == 200).all()


def test_shares_hide_counts_under_ten():
    shares = fa.run_shares(_run("c-3", "2024-02-05", 100), [_run("c-2", "2023-02-06", 100)])
    purchased = shares[shares["measure"] == "purchased"]
    assert (purchased["learners"] == 5).all() and purchased["pct"].isna().all()
    visited = shares[shares["measure"] == "visited"]
    assert (visited["pct"] == 100).all()


def test_findings_name_the_step_and_the_interval():
    cur = _run("c-3", "2024-02-05", 60)
    old = [_run("c-1", "2023-02-06", 100), _run("c-2", "2023-09-04", 100)]
    said = [f.text for f in findings.run_findings(cur, old)]
    step = [f for f in said if f.startswith("Step 1.2")]
    assert len(step) == 1
    d, lo, hi = fa.difference_interval(60, 200, 200, 400)
    assert f"{abs(d):.0f} points fewer" in step[0]
    assert f"{abs(hi):.0f}–{abs(lo):.0f}" in step[0] and "two earlier runs" in step[0]
    # the same run against itself: nothing to report
    assert findings.run_findings(old[0], [old[1]]) == []
    assert findings.run_findings(cur, []) == []


# ----------------------------------------------------------------------------- the runs findings
# The "runs" family of flbook.findings: a planted difference is said with its Newcombe
# interval; no difference, or one resting on nine learners, is not.
EARLIER = [_run("c-1", "2023-02-06", 100), _run("c-2", "2023-09-04", 100)]
"""Two earlier runs in which 100 of 200 starters visited step 1.2."""


def test_a_planted_step_difference_is_said_with_its_newcombe_interval():
    found = findings.run_findings(_run("c-3", "2024-02-05", 60), EARLIER)
    assert [f.kind for f in found] == ["run_step_differs"]
    f = found[0]
    d, lo, hi = (float(v) for v in fa.difference_interval(60, 200, 200, 400))
    assert f.family == "runs" and f.where == "step 1.2" and f.learners == 600
    assert (f.size, f.low, f.high) == pytest.approx((d, lo, hi))
    text = findings.in_this_run_text(found, "runs")
    assert (
        f"Step 1.2 was visited by {abs(d):.0f} points fewer of this run's starters than in "
        f"the two earlier runs (30% against 50%; 95% interval {abs(hi):.0f}–{abs(lo):.0f})." in text
    )


def test_a_planted_week_rating_difference_is_said():
    found = findings.run_findings(
        _run("c-3", "2024-02-05", 100, good=(12, 60)),
        [_run("c-1", "2023-02-06", 100, good=(45, 60))],
    )
    week = [f for f in found if f.kind == "run_week_differs"]
    assert len(week) == 1
    d, lo, hi = (float(v) for v in fa.difference_interval(12, 60, 45, 60))
    assert week[0].text == (
        f"Week 1 was rated good by 20% of this run's answers, {abs(d):.0f} points fewer "
        f"(95% interval {abs(hi):.0f}–{abs(lo):.0f}) than in the earlier run."
    )


def test_no_difference_gives_no_sentence_and_says_so():
    same = findings.run_findings(_run("c-3", "2024-02-05", 100), EARLIER)
    assert same == []
    assert findings.in_this_run_text(same, "runs") == (
        "**In this run.** No share compared here differs from the earlier runs by more than "
        "chance would explain: this run was, as far as these measures go, like the others."
    )
    assert findings.run_findings(_run("c-3", "2024-02-05", 60), []) == []


def test_a_difference_resting_on_nine_learners_is_not_said():
    # 9 of 200 starters against 200 of 400: a large difference, but 9 learners behind it
    assert findings.run_findings(_run("c-3", "2024-02-05", 9), EARLIER) == []
    # a lower min_learners is refused: the book's rule holds
    assert findings.run_findings(_run("c-3", "2024-02-05", 9), EARLIER, min_learners=1) == []


def test_earlier_runs_default_to_the_previous_runs_setting():
    # no previous_runs in the settings: nothing to compare, nothing said
    assert findings.run_findings(_run("c-3", "2024-02-05", 60)) == []
