"""This run against earlier runs: alignment, shares with intervals, findings in words."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

import flbook.analysis as fa
from flbook.config import CourseConfig
from flbook.store import Course


def _run(stub: str, start: str, visitors2: int, steps=("1.1", "1.2", "2.1"), n: int = 200):
    """n learners all visit the first step; ``visitors2`` of them visit the second step."""
    ids = [f"{stub}-{i}" for i in range(n)]
    sa = [(i, steps[0]) for i in ids] + [(i, steps[1]) for i in ids[:visitors2]]
    sa.append((ids[0], steps[2]))
    cfg = CourseConfig(
        title="T", data="/tmp", stub=stub, start=dt.date.fromisoformat(start), weeks=2
    )
    return Course.from_frames(
        cfg,
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
    text = fa.step_differences(cur, [old])
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
    findings = fa.run_findings(cur, old)
    step = [f for f in findings if f.startswith("Step 1.2")]
    assert len(step) == 1
    d, lo, hi = fa.difference_interval(60, 200, 200, 400)
    assert f"{abs(d):.0f} points fewer" in step[0]
    assert f"{abs(hi):.0f}–{abs(lo):.0f}" in step[0] and "two earlier runs" in step[0]
    # the same run against itself: nothing to report
    assert fa.run_findings(old[0], [old[1]]) == []
    assert fa.run_findings(cur, []) == []
