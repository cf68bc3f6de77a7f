"""Step transitions, jumps and time on step, on a small course worked out by hand."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from flbook.analysis import (
    expected_step_minutes,
    step_jumps,
    step_skippers,
    step_transitions,
    time_on_step,
)
from flbook.plotting import plot_step_jumps, plot_time_on_step, plot_transition_matrix
from flbook.store import Course

# Session gap 65 minutes. Events (v = first visit, c = completion):
#   a: v1.1 10:00, c1.1 10:04, v1.2 10:05, v1.4 10:15, v1.3 10:30 | v2.1 13:00 (new session)
#   b: v1.1 09:00, v1.2 09:20, v1.3 09:30, c1.3 09:36
#   e: an educator (not counted): v1.1 08:00, v1.3 08:01
# Moves: a 1.1->1.2, 1.2->1.4 (skips 1.3), 1.4->1.3 (back); b 1.1->1.2, 1.2->1.3.
# Time on step (to the next event in the session): a 1.1 4, 1.2 10, 1.4 15 (1.3 and 2.1
# end their sessions: not timed); b 1.1 20, 1.2 10, 1.3 6 (to its completion).
SA = [
    ("a", "1.1", "2024-02-05 10:00:00", "2024-02-05 10:04:00"),
    ("a", "1.2", "2024-02-05 10:05:00", None),
    ("a", "1.4", "2024-02-05 10:15:00", None),
    ("a", "1.3", "2024-02-05 10:30:00", None),
    ("a", "2.1", "2024-02-05 13:00:00", None),
    ("b", "1.1", "2024-02-05 09:00:00", None),
    ("b", "1.2", "2024-02-05 09:20:00", None),
    ("b", "1.3", "2024-02-05 09:30:00", "2024-02-05 09:36:00"),
    ("e", "1.1", "2024-02-05 08:00:00", None),
    ("e", "1.3", "2024-02-05 08:01:00", None),
]
STEPS = ["1.1", "1.2", "1.3", "1.4", "2.1"]


def _course() -> Course:
    sa = pd.DataFrame(SA, columns=["learner_id", "step", "first_visited_at", "last_completed_at"])
    enr = pd.DataFrame({"learner_id": ["a", "b", "e"], "role": ["learner", "learner", "educator"]})
    return Course.from_frames(step_activity=sa, enrolments=enr)


def test_transitions_by_hand():
    out = step_transitions(_course(), session_gap_minutes=65)
    got = out.assign(from_step=out["from_step"].astype(str), to_step=out["to_step"].astype(str))
    expected = pd.DataFrame(
        {
            "from_step": ["1.1", "1.2", "1.2", "1.4"],
            "to_step": ["1.2", "1.3", "1.4", "1.3"],
            "learners": [2, 1, 1, 1],
            "pct": [100.0, 50.0, 50.0, 100.0],
            "jump": [1, 1, 2, -1],
        }
    )
    assert_frame_equal(got, expected)
    assert list(out["from_step"].cat.categories) == STEPS


def test_a_longer_gap_joins_the_sessions():
    # with a 200-minute gap, a's 1.3 -> 2.1 is a move too
    out = step_transitions(_course(), session_gap_minutes=200)
    pairs = set(zip(out["from_step"].astype(str), out["to_step"].astype(str), strict=True))
    assert ("1.3", "2.1") in pairs


def test_jumps_by_hand():
    out = step_jumps(step_transitions(_course(), session_gap_minutes=65))
    assert out["step"].astype(str).tolist() == STEPS
    assert out["moves_out"].tolist() == [2, 2, 0, 1, 0]
    np.testing.assert_allclose(out["pct_next"], [100.0, 50.0, np.nan, 0.0, np.nan])
    np.testing.assert_allclose(out["pct_skip"], [0.0, 50.0, np.nan, 0.0, np.nan])
    np.testing.assert_allclose(out["pct_back"], [0.0, 0.0, np.nan, 100.0, np.nan])
    assert out["skipped_over"].tolist() == [0, 0, 1, 0, 0]
    assert out["back_to"].tolist() == [0, 0, 1, 0, 0]


def test_skippers_count_each_learner_once():
    # a skips 1.3 (1.2 -> 1.4); the educator's 1.1 -> 1.3 is not counted
    out = step_skippers(_course(), session_gap_minutes=65)
    assert list(out["step"].astype(str)) == STEPS
    assert list(out["learners"]) == [0, 0, 1, 0, 0]
    assert list(out["skipped_over"]) == list(
        step_jumps(step_transitions(_course()))["skipped_over"]
    )
    # z jumps 1.1 -> 1.4, goes back to 1.2, jumps 1.2 -> 2.1 (over 1.3 again), then visits
    # 1.3: two moves over it, one learner
    sa = pd.DataFrame(
        {
            "learner_id": "z",
            "step": ["1.1", "1.4", "1.2", "2.1", "1.3"],
            "first_visited_at": [f"2024-02-05 10:{m:02d}:00" for m in range(5)],
        }
    )
    twice = step_skippers(
        Course.from_frames(step_activity=sa).step_activity, session_gap_minutes=65
    )
    three = twice[twice["step"].astype(str) == "1.3"].iloc[0]
    assert (three["skipped_over"], three["learners"]) == (2, 1)


def test_time_on_step_by_hand():
    out = time_on_step(_course(), session_gap_minutes=65, step_minutes={"1.1": 6, "default": 10})
    assert out["step"].astype(str).tolist() == STEPS
    assert out["learners"].tolist() == [2, 2, 1, 1, 0]
    assert out["not_timed"].tolist() == [0, 0, 1, 0, 1]
    np.testing.assert_allclose(out["pct_not_timed"], [0.0, 0.0, 50.0, 0.0, 100.0])
    np.testing.assert_allclose(out["median_minutes"], [12.0, 10.0, 6.0, 15.0, np.nan])
    np.testing.assert_allclose(out["q1_minutes"], [8.0, 10.0, 6.0, 15.0, np.nan])
    np.testing.assert_allclose(out["q3_minutes"], [16.0, 10.0, 6.0, 15.0, np.nan])
    np.testing.assert_allclose(out["expected_minutes"], [6.0, 10.0, 10.0, 10.0, 10.0])
    np.testing.assert_allclose(out["vs_expected"], [2.0, 1.0, 0.6, 1.5, np.nan])
    # week 1's step medians 12, 10, 6, 15: their median is 11
    np.testing.assert_allclose(out["week_median_minutes"][:4], [11.0] * 4)
    np.testing.assert_allclose(out["vs_week"][0], 12 / 11)


def test_expected_minutes_without_setting_is_nan():
    assert np.isnan(expected_step_minutes(["1.1"], None)).all()
    out = time_on_step(_course(), session_gap_minutes=65)
    assert out["expected_minutes"].isna().all()


def test_flow_plots_draw():
    course = _course()
    tr = step_transitions(course, session_gap_minutes=65)
    fig, ax = plt.subplots()
    assert plot_transition_matrix(tr, ax=ax) is ax
    image = ax.images[0].get_array()
    # row 1.4 (index 3) -> column 1.3 (index 2) holds 100 %
    assert image[3, 2] == 100.0
    assert np.ma.is_masked(image[0, 0])
    fig, ax = plt.subplots()
    assert plot_step_jumps(step_jumps(tr), ax=ax) is ax
    heights = [p.get_height() for p in ax.patches]
    assert 1 in heights and -1 in heights
    fig, ax = plt.subplots()
    ts = time_on_step(course, session_gap_minutes=65)
    assert plot_time_on_step(ts, ax=ax) is ax
    assert len(ax.collections[1].get_offsets()) == len(ts)


def test_flow_plots_empty():
    empty = Course.from_frames()
    tr = step_transitions(empty)
    assert len(tr) == 0
    ax = plot_transition_matrix(tr)
    assert ax.texts[0].get_text() == "No data"
    plt.figure()
    assert plot_time_on_step(time_on_step(empty)).texts[0].get_text() == "No data"


def test_step_minutes_setting_is_read_and_checked(tmp_path):
    from flbook.config import CourseConfig, load_config
    from flbook.errors import ConfigError

    params = load_config().to_parameters()
    params["step_minutes"] = {"1.2": 5, "default": 3}
    cfg = CourseConfig.from_parameters(params)
    assert dict(cfg.step_minutes) == {"1.2": 5.0, "default": 3.0}
    assert cfg.to_parameters()["step_minutes"] == {"1.2": 5.0, "default": 3.0}
    np.testing.assert_allclose(expected_step_minutes(["1.1", "1.2"], cfg.step_minutes), [3, 5])
    for bad, word in (
        ({"9.2": 5}, "week 9"),
        ({"1.2": -1}, "positive"),
        ({"1.2": "x"}, "positive"),
    ):
        params["step_minutes"] = bad
        with pytest.raises(ConfigError, match=word):
            CourseConfig.from_parameters(params)
