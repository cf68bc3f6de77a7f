"""The full-learner event log: hand-built log, counts, one learner's timeline, plots."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib import pyplot as plt
from matplotlib.collections import PathCollection
from pandas.testing import assert_frame_equal

from flbook import load_course
from flbook.analysis import (
    EVENTS,
    event_counts,
    event_log,
    learner_ids,
    learner_timeline,
    pseudonyms,
)
from flbook.plotting import plot_event_counts, plot_learner_timeline
from flbook.store import Course
from flbook.synth import make_course


def ts(*values) -> pd.Series:
    return pd.Series(pd.to_datetime(list(values), utc=True).as_unit("ns"))


ENROLMENTS = pd.DataFrame(
    {
        "learner_id": ["a", "b", "c", "t"],
        "enrolled_at": ["2024-02-01 10:00:00"] * 3 + ["2024-01-01 10:00:00"],
        "role": ["learner", "learner", "learner", "educator"],
        "unenrolled_at": [None, "2024-02-10 10:00:00", None, None],
        "fully_participated_at": [None, None, "2024-02-12 10:00:00", None],
        "purchased_statement_at": [None, None, "2024-02-12 11:00:00", None],
    }
)
STEP_ACTIVITY = pd.DataFrame(
    {
        "learner_id": ["a", "a", "b", "c", "t"],
        "step": ["1.1", "1.2", "1.1", "1.2", "1.1"],
        "first_visited_at": [
            "2024-02-05 10:00:00",
            "2024-02-05 10:20:00",
            "2024-02-06 09:00:00",
            "2024-02-07 08:00:00",
            "2024-02-05 10:00:00",
        ],
        "last_completed_at": ["2024-02-05 10:10:00", None, None, "2024-02-07 08:00:00", None],
    }
)
COMMENTS = pd.DataFrame(
    {
        "id": [1, 2, 3],
        "author_id": ["a", "t", "a"],
        "parent_id": [None, 1, 1],
        "step": ["1.1", "1.1", "1.2"],
        "text": ["<b>private words</b>", "reply text", "more private words"],
        "timestamp": ["2024-02-05 10:05:00", "2024-02-05 12:00:00", "2024-02-05 10:25:00"],
    }
)
ANSWERS = pd.DataFrame(
    {
        "learner_id": ["c", "c"],
        "quiz_question": ["1.2.1", "1.2.3"],
        "response": ["1", "2"],
        "submitted_at": ["2024-02-07 08:01:00", "2024-02-07 08:02:00"],
        "correct": [False, True],
    }
)
LEAVING = pd.DataFrame(
    {
        "id": [1],
        "learner_id": ["b"],
        "left_at": ["2024-02-10 10:00:00"],
        "leaving_reason": ["I don't have enough time"],
        "last_completed_step": ["1.1"],
    }
)
ARCHETYPES = pd.DataFrame(
    {
        "id": [1],
        "learner_id": ["a"],
        "responded_at": ["2024-02-02 10:00:00"],
        "archetype": ["Explorers"],
    }
)


@pytest.fixture(scope="module")
def course() -> Course:
    return Course.from_frames(
        enrolments=ENROLMENTS,
        step_activity=STEP_ACTIVITY,
        comments=COMMENTS,
        question_response=ANSWERS,
        leaving_survey_responses=LEAVING,
        archetype_survey_responses=ARCHETYPES,
    )


def test_event_log_by_hand(course):
    got = event_log(course)
    rows = [
        # learner, time, event, step, detail
        ("a", "2024-02-01 10:00:00", "enrolled", None, None),
        ("a", "2024-02-02 10:00:00", "survey_answered", None, "Explorers"),
        ("a", "2024-02-05 10:00:00", "visited", "1.1", None),
        ("a", "2024-02-05 10:05:00", "commented", "1.1", "comment"),
        ("a", "2024-02-05 10:10:00", "completed", "1.1", None),
        ("a", "2024-02-05 10:20:00", "visited", "1.2", None),
        ("a", "2024-02-05 10:25:00", "commented", "1.2", "reply"),
        ("b", "2024-02-01 10:00:00", "enrolled", None, None),
        ("b", "2024-02-06 09:00:00", "visited", "1.1", None),
        # same second: in EVENTS order (left before unenrolled); step = last completed step
        ("b", "2024-02-10 10:00:00", "left", "1.1", "I don't have enough time"),
        ("b", "2024-02-10 10:00:00", "unenrolled", None, None),
        ("c", "2024-02-01 10:00:00", "enrolled", None, None),
        ("c", "2024-02-07 08:00:00", "visited", "1.2", None),
        ("c", "2024-02-07 08:00:00", "completed", "1.2", None),
        ("c", "2024-02-07 08:01:00", "answered", "1.2", "question 1: incorrect"),
        ("c", "2024-02-07 08:02:00", "answered", "1.2", "question 3: correct"),
        ("c", "2024-02-12 10:00:00", "fully_participated", None, None),
        ("c", "2024-02-12 11:00:00", "purchased", None, None),
    ]
    who, when, what, step, detail = zip(*rows, strict=True)
    want = pd.DataFrame(
        {
            "learner_id": pd.Categorical(who, categories=course.people),
            "time": ts(*when),
            "event": pd.Categorical(what, categories=list(EVENTS)),
            "step": pd.Categorical(step, dtype=course.step_dtype),
            "detail": pd.Categorical(
                detail,
                categories=[
                    "comment",
                    "reply",
                    "question 1: incorrect",
                    "question 3: correct",
                    "I don't have enough time",
                    "Explorers",
                ],
            ),
        }
    )
    assert_frame_equal(got, want, check_categorical=False)
    # categories: the documented order for events; detail holds no comment text
    assert list(got["event"].cat.categories) == list(EVENTS)
    assert not any("private" in str(c) for c in got["detail"].cat.categories)


def test_event_log_learner_selection(course):
    everyone = event_log(course, learners="all")
    # the educator: enrolled, visited, replied
    t = everyone[everyone["learner_id"].astype(str) == "t"]
    assert t["event"].astype(str).tolist() == ["enrolled", "visited", "commented"]
    assert len(everyone) == len(event_log(course)) + 3
    only_b = event_log(course, learners=["b"])
    assert set(only_b["learner_id"].astype(str)) == {"b"} and len(only_b) == 4
    unenrolled = event_log(course, learners="unenrolled")
    assert_frame_equal(unenrolled, only_b)


def test_event_counts(course):
    got = event_counts(event_log(course))
    want = pd.DataFrame(
        {
            "event": pd.Categorical(list(EVENTS), categories=list(EVENTS)),
            "events": np.array([3, 1, 4, 2, 2, 2, 1, 1, 1, 1], dtype=np.int64),
            "learners": np.array([3, 1, 3, 2, 1, 1, 1, 1, 1, 1], dtype=np.int64),
        }
    )
    assert_frame_equal(got, want)


def test_learner_timeline(course):
    got = learner_timeline(course, learner="c")
    assert list(got.columns) == ["pseudonym", "time", "event", "step", "detail"]
    assert set(got["pseudonym"]) == {pseudonyms(["c"]).iloc[0]}
    assert got["event"].astype(str).tolist() == [
        "enrolled",
        "visited",
        "completed",
        "answered",
        "answered",
        "fully_participated",
        "purchased",
    ]
    # chosen reproducibly among learners with ≥ 3 kinds of event (all three here)
    picked = learner_timeline(course, seed=0)
    assert picked.equals(learner_timeline(course, seed=0))
    assert picked["pseudonym"].iloc[0] in set(pseudonyms(["a", "b", "c"]))
    assert not picked.isin(["a", "b", "c", "t"]).any().any()
    assert learner_timeline(course, learner="nobody").empty


def test_empty_course():
    empty = Course.from_frames()
    log = event_log(empty)
    assert log.empty and list(log.columns) == ["learner_id", "time", "event", "step", "detail"]
    counts = event_counts(log)
    assert counts.empty and list(counts.columns) == ["event", "events", "learners"]
    tl = learner_timeline(empty)
    assert tl.empty and list(tl.columns) == ["pseudonym", "time", "event", "step", "detail"]


def test_input_not_mutated(course):
    before = course.comments.copy()
    event_log(course)
    assert_frame_equal(course.comments, before)


# --------------------------------------------------------------------------- plots


def test_plot_learner_timeline(course):
    fig, ax = plt.subplots()
    data = learner_timeline(course, learner="c")
    assert plot_learner_timeline(data, week_starts=["2024-02-05", "2024-02-12"], ax=ax) is ax
    marks = [c for c in ax.collections if isinstance(c, PathCollection) and c.get_gid() == "event"]
    assert len(marks) == data["event"].nunique() == 6
    assert sum(len(m.get_offsets()) for m in marks) == len(data)
    # every event type has a row, in EVENTS order, first at the top
    assert [t.get_text() for t in ax.get_yticklabels()] == [e.replace("_", " ") for e in EVENTS]
    assert ax.get_ylim()[0] > ax.get_ylim()[1]
    assert data["pseudonym"].iloc[0] == ax.get_title()
    assert {t.get_text() for t in ax.texts} >= {"W1", "W2"}  # week shading labels


def test_learner_timeline_markers_stand_out_on_white(course):
    fig, ax = plt.subplots()
    data = learner_timeline(course, learner="c")
    plot_learner_timeline(data, week_starts=["2024-02-05"], ax=ax)
    marks = [c for c in ax.collections if isinstance(c, PathCollection) and c.get_gid() == "event"]
    yellow = np.array([0xF0, 0xE4, 0x42]) / 255
    for m in marks:
        face = m.get_facecolor()[0][:3]
        edge = m.get_edgecolor()[0][:3]
        assert not np.allclose(face, yellow)
        # contrast with white: a luminance well below white's, and a darker outline
        assert 0.2126 * face[0] + 0.7152 * face[1] + 0.0722 * face[2] < 0.75
        assert edge.sum() <= face.sum()
    # "fully participated" (the palette's yellow before) is among them, in a strong colour
    assert "fully_participated" in set(data["event"].astype(str))
    lum = [
        0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2] for c in (m.get_facecolor()[0] for m in marks)
    ]
    assert max(lum) < 0.75


def test_plot_event_counts(course):
    fig, ax = plt.subplots()
    assert plot_event_counts(event_counts(event_log(course)), min_learners=1, ax=ax) is ax
    assert [p.get_width() for p in ax.patches] == [3, 1, 4, 2, 2, 2, 1, 1, 1, 1]


def test_plots_on_empty_data_say_no_data():
    empty = Course.from_frames()
    for plot, data in [
        (plot_learner_timeline, learner_timeline(empty)),
        (plot_event_counts, event_counts(event_log(empty))),
    ]:
        fig, ax = plt.subplots()
        assert plot(data, ax=ax) is ax
        assert [t.get_text() for t in ax.texts] == ["No data"]


# --------------------------------------------------------------------------- synthetic course


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Course:
    root = tmp_path_factory.mktemp("events-synth")
    make_course(root / "c", learners=300, weeks=2, seed=2)
    return load_course(root / "c" / "course.yml", cache=root / "cache")


SOURCES = [
    ("enrolments", "learner_id", "enrolled_at"),
    ("enrolments", "learner_id", "unenrolled_at"),
    ("step-activity", "learner_id", "first_visited_at"),
    ("step-activity", "learner_id", "last_completed_at"),
    ("comments", "author_id", "timestamp"),
    ("question-response", "learner_id", "submitted_at"),
    ("enrolments", "learner_id", "fully_participated_at"),
    ("enrolments", "learner_id", "purchased_statement_at"),
    ("leaving-survey-responses", "learner_id", "left_at"),
    ("archetype-survey-responses", "learner_id", "responded_at"),
]


def test_synthetic_row_count_is_the_sum_of_source_events(synthetic):
    ids = set(learner_ids(synthetic))
    expected = {}
    for table, person, time in SOURCES:
        t = synthetic.table(table, [person, time])
        mine = t[person].astype("object").isin(ids)
        expected[(table, time)] = int((mine & t[time].notna()).sum())
    log = event_log(synthetic)
    assert len(log) == sum(expected.values())
    counts = event_counts(log).set_index("event")["events"]
    assert counts["visited"] == expected[("step-activity", "first_visited_at")]
    assert counts["commented"] == expected[("comments", "timestamp")]
    assert counts["survey_answered"] == expected[("archetype-survey-responses", "responded_at")]
    # everyone (course team included): every timestamped row of every source
    everyone = event_log(synthetic, learners="all")
    total = 0
    for table, person, time in SOURCES:
        t = synthetic.table(table, [person, time])
        total += int((t[person].notna() & t[time].notna()).sum())
    assert len(everyone) == total
    # sorted by learner, then time
    codes = log["learner_id"].cat.codes.to_numpy()
    assert np.all(np.diff(codes) >= 0)
    same = np.diff(codes) == 0
    assert np.all(np.diff(log["time"].array.asi8)[same] >= 0)
    # detail is set exactly for the events that have one
    has = log["detail"].notna()
    kinds = {"commented", "answered", "left", "survey_answered"}
    assert has.equals(log["event"].astype(str).isin(kinds) & has)
    assert log.loc[log["event"] == "commented", "detail"].notna().all()


def test_synthetic_timeline(synthetic):
    tl = learner_timeline(synthetic, seed=3)
    assert len(tl) > 0 and tl["event"].nunique() >= 3
    assert tl["time"].is_monotonic_increasing
    assert tl.equals(learner_timeline(synthetic, seed=3))


def test_the_usual_event_log_is_built_once_per_course(monkeypatch):
    """A chapter and its findings ask for the same log: it is built once and shared."""
    import flbook.analysis._events as events
    from flbook.analysis import event_log
    from flbook.store import Course

    enr = pd.DataFrame(
        {"learner_id": ["a", "b"], "role": "learner", "enrolled_at": "2024-02-01 09:00:00"}
    )
    sa = pd.DataFrame(
        {"learner_id": ["a"], "step": ["1.1"], "first_visited_at": ["2024-02-05 10:00:00"]}
    )
    c = Course.from_frames(enrolments=enr, step_activity=sa)
    built = []
    real = events._event_log
    monkeypatch.setattr(events, "_event_log", lambda *a: built.append(1) or real(*a))
    first = event_log(c)
    first["extra"] = 1  # a caller's new column does not reach the shared log
    second = event_log(c)
    assert len(built) == 1 and "extra" not in second.columns
    assert second["event"].tolist() == ["enrolled", "visited", "enrolled"]
    event_log(c, learners="all")  # another selection is built afresh
    assert len(built) == 2
