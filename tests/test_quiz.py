"""Quiz diagnostics: attempts, answers as sets, question order, plots; on paper and synthetic."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import Rectangle
from pandas.testing import assert_frame_equal

from flbook.analysis import (
    attempts_per_question,
    nth_attempt_stats,
    question_probe,
    recovered_learners,
    response_matrix,
    with_attempts,
)
from flbook.analysis._quiz import normalise_responses
from flbook.plotting import (
    plot_attempts_per_question,
    plot_correct_stacked,
    plot_question_probe,
    plot_recovered_learners,
    plot_response_heatmap,
)
from flbook.plotting._quiz import CORRECT_GID, KEY_TICK, KEY_TICK_GID
from flbook.store import Course

# Three learners, two questions. "1.9.2" (single choice, answer 2) comes before
# "1.10.1" (multi-select, answer {1, 3}) in course order.
#   a: 1.9.2 "1" wrong, then "2" right;  1.10.1 "3,1" right (same set as "1,3")
#   b: 1.9.2 "2" right;                  1.10.1 "1" wrong, then "1,2" wrong
#   c: 1.10.1 "1,3" right;               1.9.2 "3" wrong (never right)
# Rows are given out of time order on purpose.
ROWS = [
    ("c", "1.9.2", "3", "2024-02-05 12:05:00", False),
    ("a", "1.10.1", "3,1", "2024-02-05 10:10:00", True),
    ("b", "1.10.1", "1,2", "2024-02-05 11:06:00", False),
    ("a", "1.9.2", "2", "2024-02-05 10:05:00", True),
    ("b", "1.9.2", "2", "2024-02-05 11:00:00", True),
    ("c", "1.10.1", "1,3", "2024-02-05 12:00:00", True),
    ("a", "1.9.2", "1", "2024-02-05 10:00:00", False),
    ("b", "1.10.1", "1", "2024-02-05 11:05:00", False),
]
Q = pd.CategoricalDtype(["1.9.2", "1.10.1"], ordered=True)


def _frame(rows=ROWS) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["learner_id", "quiz_question", "response", "submitted_at", "correct"]
    )


@pytest.fixture()
def course() -> Course:
    return Course.from_frames(question_response=_frame())


@pytest.fixture()
def empty() -> Course:
    return Course.from_frames()


def _q(values) -> pd.Categorical:
    return pd.Categorical(values, dtype=Q)


# --------------------------------------------------------------------------- by hand


def test_with_attempts_counts_in_time_order_and_keeps_rows(course):
    qr = course.question_response
    out = with_attempts(qr)
    assert out["attempt"].tolist() == [1, 1, 2, 2, 1, 1, 1, 1]
    assert out["attempt"].dtype == np.int32
    assert "attempt" not in qr.columns  # input untouched
    assert_frame_equal(out.drop(columns="attempt"), qr)
    assert with_attempts(course)["attempt"].tolist() == out["attempt"].tolist()


def test_with_attempts_ties_keep_file_order():
    frame = pd.DataFrame(
        {
            "learner_id": ["a", "a", "a"],
            "quiz_question": ["1.1.1"] * 3,
            "submitted_at": pd.to_datetime(["2024-02-05 10:00:00"] * 2 + ["2024-02-05 09:00:00"]),
        }
    )
    assert with_attempts(frame)["attempt"].tolist() == [2, 3, 1]


def test_normalise_responses_treats_multi_select_as_sets():
    s = pd.Series(["3,1", "1,3", " 1, 3", "2", None, "", "Mean", "1,1,3"], dtype="string")
    out = normalise_responses(s)
    assert out.astype(str).tolist() == [
        "1,3",
        "1,3",
        "1,3",
        "2",
        "(blank)",
        "(blank)",
        "Mean",
        "1,3",
    ]
    assert list(out.cat.categories) == ["2", "1,3", "Mean", "(blank)"]
    assert out.cat.ordered


def test_attempts_per_question_by_hand(course):
    expected = pd.DataFrame(
        {
            "quiz_question": _q(["1.9.2", "1.10.1"]),
            "learners": [3, 3],
            "attempts": [4, 4],
            "mean_attempts": [4 / 3, 4 / 3],
            "pct_first_correct": [100 / 3, 200 / 3],  # b | a, c
            "pct_eventually_correct": [200 / 3, 200 / 3],  # a, b | a, c
        }
    )
    assert_frame_equal(attempts_per_question(course), expected)


def test_response_matrix_by_hand(course):
    r = pd.CategoricalDtype(["1", "2", "3", "1,2", "1,3"], ordered=True)
    expected = pd.DataFrame(
        {
            "quiz_question": _q(["1.9.2"] * 3 + ["1.10.1"] * 3),
            "response": pd.Categorical(["1", "2", "3", "1", "1,2", "1,3"], dtype=r),
            "responses": [1, 2, 1, 1, 1, 2],
            "pct": [25.0, 50.0, 25.0, 25.0, 25.0, 50.0],
            "is_correct": [False, True, False, False, False, True],
        }
    )
    assert_frame_equal(response_matrix(course), expected)


def test_response_matrix_first_attempt_only(course):
    out = response_matrix(course, attempt=1)
    # first tries: 1.9.2 -> a "1", b "2", c "3"; 1.10.1 -> a "1,3", b "1", c "1,3"
    assert out["quiz_question"].astype(str).tolist() == ["1.9.2"] * 3 + ["1.10.1"] * 2
    assert out["response"].astype(str).tolist() == ["1", "2", "3", "1", "1,3"]
    assert out["responses"].tolist() == [1, 1, 1, 1, 2]
    assert out["is_correct"].tolist() == [False, True, False, False, True]
    assert list(out["response"].cat.categories) == ["1", "2", "3", "1,3"]


def test_nth_attempt_stats_by_hand(course):
    first = pd.DataFrame(
        {
            "quiz_question": _q(["1.9.2", "1.10.1"]),
            "attempt": np.array([1, 1], dtype=np.int32),
            "learners": [3, 3],
            "correct": [1, 2],
            "incorrect": [2, 1],
            "pct_correct": [100 / 3, 200 / 3],
        }
    )
    assert_frame_equal(nth_attempt_stats(course), first)
    second = nth_attempt_stats(course, attempt=2)
    assert second["learners"].tolist() == [1, 1]  # a on 1.9.2, b on 1.10.1
    assert second["correct"].tolist() == [1, 0]
    assert second["pct_correct"].tolist() == [100.0, 0.0]
    third = nth_attempt_stats(course, attempt=3)
    assert third["learners"].tolist() == [0, 0]
    assert third["pct_correct"].isna().all()


def test_question_probe_by_hand(course):
    expected = pd.DataFrame(
        {
            "quiz_question": _q(["1.10.1"] * 3),
            "attempt": np.array([1, 1, 2], dtype=np.int32),
            "response": pd.Categorical(
                ["1", "1,3", "1,2"], dtype=pd.CategoricalDtype(["1", "1,2", "1,3"], ordered=True)
            ),
            "responses": [1, 2, 1],
            "pct": [100 / 3, 200 / 3, 100.0],
            "correct": [False, True, False],
        }
    )
    assert_frame_equal(question_probe(course, question="1.10.1"), expected)


def test_question_probe_default_is_hardest_and_unknown_is_empty(course):
    # first-try success: 1.9.2 33%, 1.10.1 67% -> 1.9.2 is probed by default
    assert set(question_probe(course)["quiz_question"].astype(str)) == {"1.9.2"}
    out = question_probe(course, question="9.9.9")
    assert len(out) == 0
    assert list(out.columns) == list(question_probe(course, question="1.10.1").columns)


def test_recovered_learners_by_hand(course):
    expected = pd.DataFrame(
        {
            "quiz_question": _q(["1.9.2", "1.10.1"]),
            "wrong_first": [2, 1],  # a, c | b
            "later_right": [1, 0],  # a    | -
            "never_right": [1, 1],
            "pct_recovered": [50.0, 0.0],
        }
    )
    out = recovered_learners(course)
    assert_frame_equal(out, expected)
    assert "learner_id" not in out.columns


def test_question_order_is_numeric():
    rows = [
        ("a", q, "1", "2024-02-05 10:00:00", True)
        for q in ["2.1.1", "1.10.2", "1.9.5", "1.10.10", "1.10.9"]
    ]
    out = attempts_per_question(Course.from_frames(question_response=_frame(rows)))
    assert out["quiz_question"].astype(str).tolist() == [
        "1.9.5",
        "1.10.2",
        "1.10.9",
        "1.10.10",
        "2.1.1",
    ]
    assert out["quiz_question"].cat.ordered


def test_cloze_answers_come_from_cloze_response():
    frame = pd.DataFrame(
        {
            "learner_id": ["a", "b", "c"],
            "quiz_question": ["1.2.1"] * 3,
            "question_type": ["ClozeQuestion"] * 3,
            "response": ["", None, ""],
            "cloze_response": ["mean", "median", " mean "],
            "submitted_at": ["2024-02-05 10:00:00"] * 3,
            "correct": [True, False, True],
        }
    )
    out = response_matrix(Course.from_frames(question_response=frame))
    assert out["response"].astype(str).tolist() == ["mean", "median"]
    assert out["responses"].tolist() == [2, 1]
    assert out["is_correct"].tolist() == [True, False]


def _with_an_educator() -> Course:
    """The answers of ``ROWS`` with enrolments: a and b are learners, c is an educator."""
    return Course.from_frames(
        enrolments=pd.DataFrame(
            {
                "learner_id": ["a", "b", "c"],
                "role": ["learner", "learner", "educator"],
                "enrolled_at": ["2024-02-01 10:00:00"] * 3,
            }
        ),
        question_response=_frame(),
    )


def test_group_limits_the_learners(course):
    full = _with_an_educator()
    out = attempts_per_question(full, group="enrolled")  # c is an educator
    assert out["learners"].tolist() == [2, 2]
    assert out["attempts"].tolist() == [3, 3]


class _LocalIds:
    """A course whose answers give ``learner_id`` categories of their own (not course-wide)."""

    def __init__(self, course: Course):
        self._course = course

    def __getattr__(self, name):
        return getattr(self._course, name)

    def table(self, name, columns=None):
        t = self._course.table(name, columns)
        if name == "question-response":
            ids = t["learner_id"].astype("object")
            t = t.assign(learner_id=ids.astype(pd.CategoricalDtype(ids.unique())))
        return t


def test_group_uses_course_wide_person_codes():
    # the first answer is c's, so codes local to the table would put c where a belongs
    full = _with_an_educator()
    assert _frame()["learner_id"].iloc[0] == "c"
    out = attempts_per_question(_LocalIds(full), group="enrolled")
    assert_frame_equal(out, attempts_per_question(full, group="enrolled"))
    assert out["learners"].tolist() == [2, 2]
    assert out["attempts"].tolist() == [3, 3]


def test_inputs_are_not_mutated(course):
    before = course.question_response.copy()
    for fn in (attempts_per_question, response_matrix, nth_attempt_stats, recovered_learners):
        fn(course)
    question_probe(course, question="1.9.2")
    assert_frame_equal(course.question_response, before)


# --------------------------------------------------------------------------- empty


@pytest.mark.parametrize(
    "fn, columns",
    [
        (
            attempts_per_question,
            [
                "quiz_question",
                "learners",
                "attempts",
                "mean_attempts",
                "pct_first_correct",
                "pct_eventually_correct",
            ],
        ),
        (response_matrix, ["quiz_question", "response", "responses", "pct", "is_correct"]),
        (
            nth_attempt_stats,
            ["quiz_question", "attempt", "learners", "correct", "incorrect", "pct_correct"],
        ),
        (
            question_probe,
            ["quiz_question", "attempt", "response", "responses", "pct", "correct"],
        ),
        (
            recovered_learners,
            ["quiz_question", "wrong_first", "later_right", "never_right", "pct_recovered"],
        ),
    ],
)
def test_empty_course_gives_empty_tables(empty, fn, columns):
    out = fn(empty)
    assert len(out) == 0
    assert list(out.columns) == columns


def test_with_attempts_on_empty(empty):
    out = with_attempts(empty.question_response)
    assert len(out) == 0 and "attempt" in out.columns


# --------------------------------------------------------------------------- plots


def _bars(ax) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle) and p.get_gid() != CORRECT_GID]


def test_heatmap_outlines_each_correct_answer():
    rows = [*ROWS, ("a", "2.1.1", "4", "2024-02-06 10:00:00", False)]  # nobody right
    data = response_matrix(Course.from_frames(question_response=_frame(rows)))
    fig, ax = plt.subplots()
    assert plot_response_heatmap(data, ax=ax) is ax
    outlines = [p for p in ax.patches if p.get_gid() == CORRECT_GID]
    assert len(outlines) == 2  # 1.9.2 and 1.10.1 have a correct answer; 2.1.1 has none
    # the outline of 1.10.1 sits on row 1 (second question), column of "1,3"
    answers = [t.get_text() for t in ax.get_xticklabels()]
    questions = [t.get_text() for t in ax.get_yticklabels()]
    assert questions == ["1.9.2", "1.10.1", "2.1.1"]
    spots = {(round(p.get_x() + 0.5), round(p.get_y() + 0.5)) for p in outlines}
    assert spots == {(answers.index("2"), 0), (answers.index("1,3"), 1)}
    assert len(ax.images) == 1


@pytest.mark.parametrize("annotate", [True, False])
def test_heatmap_ticks_the_keyed_answer_only(annotate):
    rows = [*ROWS, ("a", "2.1.1", "4", "2024-02-06 10:00:00", False)]  # nobody right
    data = response_matrix(Course.from_frames(question_response=_frame(rows)))
    fig, ax = plt.subplots()
    plot_response_heatmap(data, annotate=annotate, min_learners=1, ax=ax)
    answers = [t.get_text() for t in ax.get_xticklabels()]
    ticks = [t for t in ax.texts if t.get_gid() == KEY_TICK_GID]
    # one ✓ per question with a key, on the key's cell (x: answer column, y: question row)
    assert {tuple(round(v) for v in t.get_position()) for t in ticks} == {
        (answers.index("2"), 0),
        (answers.index("1,3"), 1),
    }
    assert all(t.get_text().startswith(KEY_TICK) for t in ticks)
    others = [t for t in ax.texts if t.get_gid() != KEY_TICK_GID]
    assert not any(KEY_TICK in t.get_text() for t in others)  # no wrong answer is ticked
    if annotate:  # the key's count stays beside its tick: two learners chose each key
        assert [t.get_text() for t in ticks] == [f"{KEY_TICK} 2", f"{KEY_TICK} 2"]
    else:
        assert others == []
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [f"{KEY_TICK} and green outline: the keyed (correct) answer"]
    plt.close(fig)


def test_correct_stacked_draws_two_bars_per_question(course):
    fig, ax = plt.subplots()
    assert plot_correct_stacked(nth_attempt_stats(course), ax=ax) is ax
    bars = _bars(ax)
    assert len(bars) == 4
    heights = sorted(b.get_height() for b in bars)
    assert heights == [1, 1, 2, 2]


def test_question_probe_plot(course):
    fig, ax = plt.subplots()
    assert plot_question_probe(question_probe(course, question="1.10.1"), ax=ax) is ax
    assert len(_bars(ax)) == 3
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["1", "1,2", "1,3 ✓"]


def test_other_quiz_plots(course):
    fig, (a1, a2) = plt.subplots(1, 2)
    assert plot_attempts_per_question(attempts_per_question(course), ax=a1) is a1
    assert len(_bars(a1)) == 4
    assert plot_recovered_learners(recovered_learners(course), ax=a2) is a2
    assert len(_bars(a2)) == 4


@pytest.mark.parametrize(
    "plot, analysis",
    [
        (plot_response_heatmap, response_matrix),
        (plot_correct_stacked, nth_attempt_stats),
        (plot_question_probe, question_probe),
        (plot_attempts_per_question, attempts_per_question),
        (plot_recovered_learners, recovered_learners),
    ],
)
def test_plots_say_no_data_when_empty(empty, plot, analysis):
    fig, ax = plt.subplots()
    assert plot(analysis(empty), ax=ax) is ax
    assert [t.get_text() for t in ax.texts] == ["No data"]


def test_plot_defaults_to_current_axes(course):
    fig, ax = plt.subplots()
    assert plot_correct_stacked(nth_attempt_stats(course)) is ax


# --------------------------------------------------------------------------- synthetic


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    import flbook

    root = tmp_path_factory.mktemp("quiz-synth")
    flbook.make_course(root / "data", learners=400, weeks=3, seed=7)
    return flbook.load_course(root / "data" / "course.yml", cache=root / "cache")


def test_synthetic_invariants(synth):
    qr = synth.question_response
    assert len(qr) > 0
    rm = response_matrix(synth)
    assert rm["responses"].sum() == len(qr)
    assert np.allclose(rm.groupby("quiz_question", observed=True)["pct"].sum(), 100.0)
    apq = attempts_per_question(synth)
    assert (apq["attempts"] >= apq["learners"]).all()
    assert apq["attempts"].sum() == len(qr)
    assert apq["quiz_question"].is_monotonic_increasing
    assert (apq["pct_first_correct"] <= apq["pct_eventually_correct"] + 1e-9).all()
    first = nth_attempt_stats(synth, attempt=1)
    assert (first["learners"].to_numpy() == apq["learners"].to_numpy()).all()
    assert np.allclose(first["pct_correct"], apq["pct_first_correct"])
    rec = recovered_learners(synth)
    assert (rec["wrong_first"] == first["incorrect"].to_numpy()).all()
    assert (rec["later_right"] <= rec["wrong_first"]).all()
    # every answer is a normalised set: no "3,1"
    multi = [str(r) for r in rm["response"].cat.categories if "," in str(r)]
    assert all(m.split(",") == sorted(m.split(","), key=int) for m in multi)
    # each question has at least one answer ever marked right
    assert set(rm.loc[rm["is_correct"], "quiz_question"].astype(str)) == set(
        apq["quiz_question"].astype(str)
    )
    att = with_attempts(qr)
    per_pair = att.groupby(["learner_id", "quiz_question"], observed=True)["attempt"]
    assert (per_pair.max() == per_pair.size()).all()
    probe = question_probe(synth)
    assert (
        probe["responses"].sum()
        == apq.loc[
            apq["quiz_question"].astype(str) == str(probe["quiz_question"].iloc[0]), "attempts"
        ].item()
    )


def _legend_clear(ax, where: str) -> bool:
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    plot = ax.get_window_extent(renderer)
    return legend.y0 >= plot.y1 if where == "above" else legend.x0 >= plot.x1


def test_quiz_legends_never_sit_on_the_bars(course):
    charts = [
        ("above", lambda ax: plot_correct_stacked(nth_attempt_stats(course), ax=ax)),
        ("above", lambda ax: plot_attempts_per_question(attempts_per_question(course), ax=ax)),
        ("above", lambda ax: plot_recovered_learners(recovered_learners(course), ax=ax)),
        # beside: the question is the title above the bars
        (
            "beside",
            lambda ax: plot_question_probe(question_probe(course, question="1.10.1"), ax=ax),
        ),
    ]
    for where, draw in charts:
        fig, ax = plt.subplots(figsize=(7, 3.5))
        draw(ax)
        assert _legend_clear(ax, where), where
        plt.close(fig)


def test_stacked_bars_are_never_cut_at_the_top():
    # the tallest stack has no wrong answers: its zero-height top segment must not pin
    # the axis at the stack's height (matplotlib's sticky bar bases)
    data = pd.DataFrame(
        {
            "quiz_question": ["1.1.1", "1.1.2"],
            "attempt": [1, 1],
            "learners": [10, 6],
            "correct": [10, 3],
            "incorrect": [0, 3],
        }
    )
    fig, ax = plt.subplots()
    plot_correct_stacked(data, ax=ax)
    assert ax.get_ylim()[1] > 10
