"""Survey exports: leaving reasons, archetypes, weekly sentiment; on paper and synthetic."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import Rectangle
from pandas.testing import assert_frame_equal

from flbook.analysis import archetype_progress, leaving_reasons, sentiment_by_week
from flbook.plotting import plot_archetypes, plot_leaving_reasons, plot_sentiment
from flbook.store import Course

TIME = "I don't have enough time"
T0 = "2024-02-05 10:00:00"


def _s(values) -> pd.Series:
    return pd.Series(values, dtype="string")


@pytest.fixture()
def course() -> Course:
    """Five learners a–e and an educator f, with the three surveys filled in by hand."""
    enrolments = pd.DataFrame(
        {
            "learner_id": list("abcdef"),
            "role": ["learner"] * 5 + ["educator"],
            "enrolled_at": ["2024-02-01 10:00:00"] * 6,
            "unenrolled_at": [None, None, "2024-02-07 10:00:00", None, "2024-02-08 10:00:00", None],
            "fully_participated_at": ["2024-02-20 10:00:00"] + [None] * 5,
            "purchased_statement_at": ["2024-02-21 10:00:00"] + [None] * 5,
        }
    )
    # a: visited 1.1, 1.2, 1.10 (completed the first two); b: visited 1.1; d: completed 1.1;
    # f (educator) visited 2.1
    step_activity = pd.DataFrame(
        {
            "learner_id": ["a", "a", "a", "b", "d", "f"],
            "step": ["1.1", "1.2", "1.10", "1.1", "1.1", "2.1"],
            "first_visited_at": [T0] * 6,
            "last_completed_at": [T0, T0, None, None, T0, None],
        }
    )
    leaving = pd.DataFrame(
        {
            "id": [1, 2, 3, 4, 5],
            "learner_id": list("abcde"),
            "left_at": [T0] * 5,
            "leaving_reason": [TIME, "Other", TIME, TIME, "Other"],
            "last_completed_step": ["1.10", "1.2", "2.1", None, "1.10"],
        }
    )
    archetypes = pd.DataFrame(
        {
            "id": [1, 2, 3, 4, 5],
            "learner_id": ["a", "b", "c", "b", "f"],
            "responded_at": [T0, T0, T0, "2024-02-06 10:00:00", T0],
            "archetype": ["Explorers", "Explorers", "Explorers", "Fixers", "Advancers"],
        }
    )
    sentiment = pd.DataFrame(
        {
            "id": [1, 2, 3, 4, 5, 6],
            "week_number": [1, 1, 1, 1, 2, 2],
            "experience_rating": [3, 3, 2, 1, 3, 5],
            "reason": ["Great", "", None, "  ", "ok", "odd"],
        }
    )
    return Course.from_frames(
        enrolments=enrolments,
        step_activity=step_activity,
        leaving_survey_responses=leaving,
        archetype_survey_responses=archetypes,
        weekly_sentiment_survey_responses=sentiment,
    )


@pytest.fixture()
def empty() -> Course:
    return Course.from_frames()


def _bars(ax) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


# --------------------------------------------------------------------------- leaving


def test_leaving_reasons_by_reason(course):
    expected = pd.DataFrame(
        {"leaving_reason": _s([TIME, "Other"]), "responses": [3, 2], "pct": [60.0, 40.0]}
    )
    assert_frame_equal(leaving_reasons(course), expected)


def test_leaving_reasons_by_week(course):
    expected = pd.DataFrame(
        {
            "last_completed_week_number": pd.array([1, 1, 2, None], dtype="Int32"),
            "leaving_reason": _s([TIME, "Other", TIME, TIME]),
            "responses": [1, 2, 1, 1],
            "pct": [100 / 3, 200 / 3, 100.0, 100.0],
        }
    )
    assert_frame_equal(leaving_reasons(course, by="week"), expected)


def test_leaving_reasons_by_step(course):
    out = leaving_reasons(course, by="step")
    expected = pd.DataFrame(
        {
            "last_completed_step": pd.Categorical(
                ["1.2", "1.10", "1.10", "2.1", None], dtype=course.step_dtype
            ),
            "leaving_reason": _s(["Other", TIME, "Other", TIME, TIME]),
            "responses": [1, 1, 1, 1, 1],
            "pct": [100.0, 50.0, 50.0, 100.0, 100.0],
        }
    )
    assert_frame_equal(out, expected)
    assert out["last_completed_step"].cat.ordered


def test_leaving_reasons_wide_by_week(course):
    expected = pd.DataFrame(
        {
            "last_completed_week_number": pd.array([1, 2, None], dtype="Int32"),
            TIME: [1, 1, 1],  # the most frequent reason first
            "Other": [2, 0, 0],
        }
    )
    assert_frame_equal(
        leaving_reasons(course, by="week", wide=True), expected, check_column_type=False
    )


def test_leaving_reasons_wide_by_step_has_every_step(course):
    out = leaving_reasons(course, by="step", wide=True)
    expected = pd.DataFrame(
        {
            "last_completed_step": pd.Categorical(
                ["1.1", "1.2", "1.10", "2.1", None], dtype=course.step_dtype
            ),
            TIME: [0, 0, 1, 1, 1],
            "Other": [0, 1, 1, 0, 0],
        }
    )
    assert_frame_equal(out, expected, check_column_type=False)


def test_leaving_reasons_wide_without_leavers_who_did_nothing():
    c = Course.from_frames(
        leaving_survey_responses=pd.DataFrame(
            {
                "id": [1, 2],
                "learner_id": ["a", "b"],
                "left_at": [T0] * 2,
                "leaving_reason": ["Other", ""],
                "last_completed_week_number": [2, 2],
            }
        )
    )
    out = leaving_reasons(c, by="week", wide=True)
    assert out.columns.tolist() == ["last_completed_week_number", "(not set)", "Other"]
    assert out.values.tolist() == [[2, 1, 1]]  # no row for "completed no step"


def test_leaving_reasons_rejects_unknown_by(course):
    with pytest.raises(ValueError, match="by must be"):
        leaving_reasons(course, by="month")
    with pytest.raises(ValueError, match="wide=True needs"):
        leaving_reasons(course, wide=True)


# --------------------------------------------------------------------------- archetypes


def test_archetype_progress_by_hand(course):
    expected = pd.DataFrame(
        {
            "archetype": _s(["Explorers", "Fixers", "No response"]),  # b's latest is Fixers
            "learners": [2, 1, 2],  # a, c | b | d, e (educator f left out)
            "pct_visited_any": [50.0, 100.0, 50.0],
            "pct_completed_any": [50.0, 0.0, 50.0],
            "median_steps_visited": [1.5, 1.0, 0.5],
            "median_steps_completed": [1.0, 0.0, 0.5],
            "pct_fully_participated": [50.0, 0.0, 0.0],
            "pct_purchased": [50.0, 0.0, 0.0],
            "pct_unenrolled": [50.0, 0.0, 50.0],
        }
    )
    assert_frame_equal(archetype_progress(course), expected)
    without = archetype_progress(course, include_no_response=False)
    assert without["archetype"].tolist() == ["Explorers", "Fixers"]


# --------------------------------------------------------------------------- sentiment


def test_sentiment_by_week_counts_reasons_without_text(course):
    expected = pd.DataFrame(
        {
            "week_number": np.array([1, 1, 1, 2, 2, 2], dtype=np.int32),
            "rating": pd.Categorical(
                ["bad", "neutral", "good"] * 2,
                categories=["bad", "neutral", "good"],
                ordered=True,
            ),
            "responses": [1, 1, 2, 0, 0, 1],  # the rating 5 is left out
            "pct": [25.0, 25.0, 50.0, 0.0, 0.0, 100.0],
            "reasons_given": [0, 0, 1, 0, 0, 1],  # "", None and "  " are not reasons
        }
    )
    out = sentiment_by_week(course)
    assert_frame_equal(out, expected)
    assert not any(out[c].dtype == "string" for c in out.columns)


def test_sentiment_by_week_wide(course):
    expected = pd.DataFrame(
        {
            "week_number": np.array([1, 2], dtype=np.int32),
            "responses": [4, 1],
            "reasons_given": [1, 1],
            "bad": [25.0, 0.0],
            "neutral": [25.0, 0.0],
            "good": [50.0, 100.0],
        }
    )
    assert_frame_equal(sentiment_by_week(course, wide=True), expected)


# --------------------------------------------------------------------------- empty

EMPTY_CASES = [
    (lambda c: leaving_reasons(c), ["leaving_reason", "responses", "pct"]),
    (
        lambda c: leaving_reasons(c, by="week"),
        ["last_completed_week_number", "leaving_reason", "responses", "pct"],
    ),
    (
        lambda c: leaving_reasons(c, by="step"),
        ["last_completed_step", "leaving_reason", "responses", "pct"],
    ),
    (lambda c: leaving_reasons(c, by="week", wide=True), ["last_completed_week_number"]),
    (lambda c: leaving_reasons(c, by="step", wide=True), ["last_completed_step"]),
    (
        archetype_progress,
        [
            "archetype",
            "learners",
            "pct_visited_any",
            "pct_completed_any",
            "median_steps_visited",
            "median_steps_completed",
            "pct_fully_participated",
            "pct_purchased",
            "pct_unenrolled",
        ],
    ),
    (sentiment_by_week, ["week_number", "rating", "responses", "pct", "reasons_given"]),
    (
        lambda c: sentiment_by_week(c, wide=True),
        ["week_number", "responses", "reasons_given", "bad", "neutral", "good"],
    ),
]


@pytest.mark.parametrize("fn, columns", EMPTY_CASES)
def test_absent_datasets_give_empty_tables(empty, fn, columns):
    out = fn(empty)
    assert len(out) == 0
    assert list(out.columns) == columns


def test_archetypes_absent_but_learners_present(course):
    c = Course.from_frames(enrolments=course.enrolments.assign(learner_id=list("abcdef")))
    assert len(archetype_progress(c)) == 0


# --------------------------------------------------------------------------- plots


def test_plot_leaving_reasons_three_forms(course):
    fig, (a1, a2, a3) = plt.subplots(1, 3)
    # min_learners=1: the drawing itself (the small-count rule has its own tests)
    assert plot_leaving_reasons(leaving_reasons(course), min_learners=1, ax=a1) is a1
    assert len(_bars(a1)) == 2
    week = leaving_reasons(course, by="week", wide=True)
    assert plot_leaving_reasons(week, min_learners=1, ax=a2) is a2
    assert len(_bars(a2)) == 4  # weeks 1, 2 × two reasons
    assert any("1 leaver(s) had completed no step" in t.get_text() for t in a2.texts)
    step = leaving_reasons(course, by="step", wide=True)
    assert plot_leaving_reasons(step, min_learners=1, ax=a3) is a3
    assert len(_bars(a3)) == len(course.steps) * 2
    assert [t.get_text() for t in a3.get_xticklabels()] == ["1.1", "1.2", "1.10", "2.1"]


def _stacks(ax) -> tuple[np.ndarray, np.ndarray]:
    """Heights and bottoms of the bars, one row per bar container (a stack layer)."""
    heights = np.array([[b.get_height() for b in c] for c in ax.containers])
    bottoms = np.array([[b.get_y() for b in c] for c in ax.containers])
    return heights, bottoms


@pytest.mark.parametrize("by", ["week", "step"])
def test_plot_leaving_reasons_draws_the_wide_table_as_given(course, by):
    table = leaving_reasons(course, by=by, wide=True)
    fig, ax = plt.subplots()
    plot_leaving_reasons(table, min_learners=1, ax=ax)
    counts = table[table.iloc[:, 0].notna()].iloc[:, 1:].to_numpy(dtype=float)
    heights, bottoms = _stacks(ax)
    assert [c.get_label() for c in ax.containers] == list(table.columns[1:])
    assert heights.T.tolist() == counts.tolist()  # a bar per row and reason, as given
    assert bottoms.T.tolist() == (np.cumsum(counts, axis=1) - counts).tolist()


def test_a_week_with_only_small_groups_is_left_off_the_axis():
    data = pd.DataFrame(
        {
            "last_completed_week_number": pd.array([1, 2, 3], dtype="Int32"),
            "time": [30, 4, 12],
            "other": [12, 3, 0],
        }
    )
    fig, ax = plt.subplots()
    plot_leaving_reasons(data, ax=ax)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Week 1", "Week 3"]
    heights, _ = _stacks(ax)
    assert heights.tolist() == [[30, 12], [12, 0]]
    assert ax.get_xlabel().endswith("Not shown: fewer than 10 answers in groups of fewer than 10")


def test_plot_leaving_reasons_rejects_the_long_form(course):
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="wide=True"):
        plot_leaving_reasons(leaving_reasons(course, by="week"), ax=ax)


def test_plot_archetypes(course):
    fig, ax = plt.subplots()
    assert plot_archetypes(archetype_progress(course), min_learners=1, ax=ax) is ax
    assert len(_bars(ax)) == 9  # 3 archetypes × 3 columns
    assert ax.get_yticklabels()[0].get_text() == "Explorers (n=2)"


def test_plot_archetypes_draws_the_columns_it_is_given(course):
    table = archetype_progress(course)
    y = ("pct_unenrolled", "pct_purchased")
    fig, ax = plt.subplots()
    plot_archetypes(table, y=y, min_learners=1, ax=ax)
    widths = [[b.get_width() for b in c] for c in ax.containers]
    assert widths == [table[m].tolist() for m in y]


def test_plot_sentiment(course):
    fig, ax = plt.subplots()
    assert plot_sentiment(sentiment_by_week(course, wide=True), min_learners=1, ax=ax) is ax
    assert len(_bars(ax)) == 6
    assert [t.get_text() for t in ax.texts] == ["n=4", "n=1"]


def test_plot_sentiment_draws_the_wide_table_as_given(course):
    table = sentiment_by_week(course, wide=True)
    fig, ax = plt.subplots()
    plot_sentiment(table, min_learners=1, ax=ax)
    ratings = ["bad", "neutral", "good"]
    heights, bottoms = _stacks(ax)
    assert [c.get_label() for c in ax.containers] == ratings
    assert heights.T.tolist() == table[ratings].to_numpy().tolist()
    assert np.allclose(bottoms[-1] + heights[-1], 100.0)
    with pytest.raises(ValueError, match="wide=True"):
        plot_sentiment(sentiment_by_week(course), ax=ax)


@pytest.mark.parametrize(
    "plot, analysis",
    [
        (plot_leaving_reasons, leaving_reasons),
        (plot_leaving_reasons, lambda c: leaving_reasons(c, by="step", wide=True)),
        (plot_leaving_reasons, lambda c: leaving_reasons(c, by="week", wide=True)),
        (plot_archetypes, archetype_progress),
        (plot_sentiment, lambda c: sentiment_by_week(c, wide=True)),
    ],
)
def test_plots_say_no_data_when_absent(empty, plot, analysis):
    fig, ax = plt.subplots()
    assert plot(analysis(empty), ax=ax) is ax
    assert [t.get_text() for t in ax.texts] == ["No data"]


def test_archetype_legend_sits_above_the_bars(course):
    fig, ax = plt.subplots(figsize=(8, 3.5))
    plot_archetypes(archetype_progress(course), ax=ax)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    assert legend.y0 >= ax.get_window_extent(renderer).y1


def test_stacked_leaving_reasons_are_never_cut_at_the_top():
    data = pd.DataFrame(
        {
            "last_completed_week_number": pd.array([1, 2], dtype="Int32"),
            "time": [5, 2],
            "other": [0, 0],
        }
    )
    fig, ax = plt.subplots()
    plot_leaving_reasons(data, min_learners=1, ax=ax)
    assert ax.get_ylim()[1] > 5


# --------------------------------------------------------------------------- synthetic


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    import flbook

    root = tmp_path_factory.mktemp("surveys-synth")
    flbook.make_course(root / "data", learners=500, weeks=3, seed=3)
    return flbook.load_course(root / "data" / "course.yml", cache=root / "cache")


def test_synthetic_invariants(synth):
    n_leaving = len(synth.leaving_survey_responses)
    for by in ("reason", "week", "step"):
        assert leaving_reasons(synth, by=by)["responses"].sum() == n_leaving
    for by in ("week", "step"):
        wide = leaving_reasons(synth, by=by, wide=True)
        assert wide.iloc[:, 1:].to_numpy().sum() == n_leaving
        assert list(wide.columns[1:]) == leaving_reasons(synth)["leaving_reason"].tolist()
    arch = archetype_progress(synth)
    enr = synth.enrolments
    assert arch["learners"].sum() == (enr["role"] == "learner").sum()
    assert arch["archetype"].iloc[-1] == "No response"
    pct_cols = [c for c in arch.columns if c.startswith("pct_")]
    assert ((arch[pct_cols] >= 0) & (arch[pct_cols] <= 100)).all().all()
    sent = sentiment_by_week(synth)
    assert sent["responses"].sum() == len(synth.weekly_sentiment_survey_responses)
    assert np.allclose(sent.groupby("week_number")["pct"].sum(), 100.0)
    assert (sent["reasons_given"] <= sent["responses"]).all()
    wide = sentiment_by_week(synth, wide=True)
    assert wide["responses"].sum() == sent["responses"].sum()
    assert np.allclose(wide[["bad", "neutral", "good"]].sum(axis=1), 100.0)


def test_awkward_course_has_no_leaving_answers(tmp_path):
    import flbook

    flbook.make_awkward_course(tmp_path / "data")
    awkward = flbook.load_course(tmp_path / "data" / "course.yml", cache=tmp_path / "cache")
    assert len(leaving_reasons(awkward)) == 0  # header-only file
    fig, ax = plt.subplots()
    plot_leaving_reasons(leaving_reasons(awkward), ax=ax)
    assert [t.get_text() for t in ax.texts] == ["No data"]
