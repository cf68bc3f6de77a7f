"""The recipes and charts the explorers are built on: daily_activity, answer_counts and
their plot_* functions, checked by hand on tiny courses."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from flbook.analysis import OTHER_ANSWERS, answer_counts, daily_activity
from flbook.plotting import plot_answer_counts, plot_daily_activity
from flbook.store import Course


@pytest.fixture()
def days() -> Course:
    """a and b (learners), z (educator); visits around midnight UTC."""
    return Course.from_frames(
        enrolments=pd.DataFrame(
            {
                "learner_id": ["a", "b", "z"],
                "role": ["learner", "learner", "educator"],
                "enrolled_at": [
                    "2024-02-01 09:00:00",
                    "2024-02-01 23:30:00",
                    "2024-02-01 09:00:00",
                ],
            }
        ),
        step_activity=pd.DataFrame(
            {
                "learner_id": ["a", "a", "b", "z"],
                "step": ["1.1", "1.2", "1.1", "1.1"],
                "first_visited_at": [
                    "2024-02-02 10:00:00",
                    "2024-02-02 10:05:00",
                    "2024-02-02 23:30:00",
                    "2024-02-02 10:00:00",
                ],
            }
        ),
    )


def test_daily_activity_counts_events_and_learners_per_day(days):
    out = daily_activity(days, events=["enrolled", "visited"])
    visits = out[out["event"] == "visited"]
    assert list(visits["date"].dt.strftime("%m-%d")) == ["02-01", "02-02"]
    assert list(visits["count"]) == [0, 3]  # a twice, b once; educator z left out
    assert list(visits["learners"]) == [0, 2]
    # alone, the visits span one day; everybody counted: the educator's visit too
    everyone = daily_activity(days, events=["visited"], group=None)
    assert list(everyone["count"]) == [4] and list(everyone["learners"]) == [3]


def test_daily_activity_reads_days_in_the_time_zone(days):
    # 23:30 UTC on 1 and 2 February is the next morning in Tokyo
    out = daily_activity(days, events=["enrolled", "visited"], timezone="Asia/Tokyo")
    assert out.attrs["timezone"] == "Asia/Tokyo"
    enrolled = out[out["event"] == "enrolled"]
    assert list(enrolled["date"].dt.strftime("%m-%d")) == ["02-01", "02-02", "02-03"]
    assert list(enrolled["count"]) == [1, 1, 0]
    visits = out[out["event"] == "visited"]
    assert list(visits["count"]) == [0, 2, 1]


def test_daily_activity_of_an_empty_course():
    out = daily_activity(Course.from_frames())
    assert out.empty and list(out.columns) == ["event", "date", "count", "learners"]
    with pytest.raises(ValueError, match="unknown event"):
        daily_activity(Course.from_frames(), events=["slept"])


def _answers(rows: list[tuple[str, str, str, bool]]) -> Course:
    """(learner, answer, time, correct) rows, all to question 1.2.1."""
    learner, response, time, correct = zip(*rows, strict=True)
    return Course.from_frames(
        question_response=pd.DataFrame(
            {
                "learner_id": learner,
                "quiz_question": ["1.2.1"] * len(rows),
                "response": response,
                "submitted_at": [f"2024-02-05 {t}:00" for t in time],
                "correct": correct,
            }
        )
    )


def test_answer_counts_first_and_later_tries_and_their_learners():
    c = _answers(
        [
            ("a", "2", "10:00", False),
            ("a", "2", "10:01", False),  # the same wrong answer again
            ("a", "1", "10:02", True),
            ("b", "2", "11:00", False),
            ("b", "1", "11:01", True),
            ("c", "1", "12:00", True),
        ]
    )
    out = answer_counts(c).set_index("response")
    assert out.loc["1", ["first_try", "later_tries", "learners", "learners_later"]].tolist() == [
        1,
        2,
        3,
        2,
    ]
    assert out.loc["2", ["first_try", "later_tries", "learners", "learners_later"]].tolist() == [
        2,
        1,
        2,
        1,
    ]
    assert out["is_correct"].tolist() == [True, False]


def test_answer_counts_adds_up_rare_answers_but_keeps_correct_ones():
    rows = [(f"p{i}", "3", "10:00", False) for i in range(3)]
    rows += [(f"q{i}", "4", "10:00", False) for i in range(2)]
    rows += [("r", "1", "10:00", True), ("s", "2", "10:00", False)]
    out = answer_counts(_answers(rows), top=2)
    # kept: 3 (3 answers), 4 (2); 1 is correct so kept; 2 goes into the other row
    assert out["response"].tolist() == ["1", "3", "4", OTHER_ANSWERS]
    assert out["responses"].tolist() == [1, 3, 2, 1]
    assert out["learners"].tolist() == [1, 3, 2, 1]


def test_plot_daily_activity_hides_small_days():
    data = pd.DataFrame(
        {
            "event": pd.Categorical(["visited"] * 3 + ["completed"] * 3),
            "date": pd.to_datetime(["2024-02-05", "2024-02-06", "2024-02-07"] * 2),
            "count": [40, 3, 25, 30, 12, 0],
            "learners": [20, 3, 15, 12, 10, 0],
        }
    )
    data["event"] = data["event"].cat.reorder_categories(["visited", "completed"])
    fig, ax = plt.subplots()
    assert plot_daily_activity(data, ax=ax) is ax
    lines = {ln.get_label(): ln.get_ydata() for ln in ax.get_lines()}
    assert np.isnan(lines["Step visits"][1]) and lines["Step visits"][0] == 40
    assert list(lines["Steps completed"]) == [30, 12, 0]
    assert "not drawn" in ax.get_xlabel()
    ax.clear()
    plot_daily_activity(data, cumulative=True, ax=ax)
    lines = {ln.get_label(): ln.get_ydata() for ln in ax.get_lines()}
    assert list(lines["Step visits"]) == [40, 40, 65]  # the hidden day is not added up
    plt.close(fig)


def test_plot_answer_counts_stacks_tries_marks_correct_and_hides_small():
    data = pd.DataFrame(
        {
            "quiz_question": pd.Categorical(["1.2.1"] * 3),
            "response": ["1", "2", "3"],
            "first_try": [50, 20, 4],
            "later_tries": [12, 5, 0],
            "responses": [62, 25, 4],
            "learners": [55, 22, 4],
            "learners_later": [11, 5, 0],
            "is_correct": [True, False, False],
        }
    )
    fig, ax = plt.subplots()
    assert plot_answer_counts(data, ax=ax) is ax
    first, later = ax.containers[:2]
    assert [b.get_height() for b in first] == [50, 20, 0]  # 4 learners: not drawn
    assert [b.get_height() for b in later] == [12, 0, 0]  # 5 learners' later tries: hidden
    outlines = [p for p in ax.patches if not p.get_fill()]
    assert len(outlines) == 1 and outlines[0].get_height() == 62
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1 ✓", "2", "3"]
    assert "not drawn" in ax.get_xlabel()
    plt.close(fig)
