"""Step intelligence: furthest step, last steps, activity per step, the funnel, their charts.

The hand-built course (worked out on paper):

learner a (fully participated, stays)  visits 1.1 1.2 1.9 on 5 Feb, 1.10 on 6 Feb, 2.1 on 12 Feb;
    completes 1.1 1.2 1.9 (5 Feb) and 1.10 (6 Feb 09:10); answers 1.9 twice, 2.1 once
learner b (unenrolled)  visits 1.1 11:00, 1.10 11:30, 1.2 12:00 (5 Feb); completes 1.1 and 1.2 (12:10)
learner c (unenrolled)  visits 1.1 08:00 and 1.9 08:10 on 6 Feb; completes 1.1 (08:05); answers 1.9
learner d (unenrolled)  never visits a step
e, an educator, visits 1.1 on 1 Feb (never counted as a learner).
"""

from __future__ import annotations

import datetime as dt

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from flbook.analysis import (
    furthest_step,
    last_steps,
    learner_ids,
    step_activity_counts,
    step_funnel,
)
from flbook.config import CourseConfig
from flbook.plotting import plot_step_counts, plot_step_funnel, plot_stopped_here
from flbook.plotting._base import COLORS
from flbook.store import Course

STEPS = ["1.1", "1.2", "1.9", "1.10", "2.1"]


def _enrolments() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "learner_id": ["a", "b", "c", "d", "e"],
            "enrolled_at": "2024-01-20 09:00:00",
            "unenrolled_at": [
                None,
                "2024-02-07 09:00:00",
                "2024-02-06 20:00:00",
                "2024-02-01 09:00:00",
                None,
            ],
            "role": ["learner", "learner", "learner", "learner", "educator"],
            "fully_participated_at": ["2024-02-12 10:00:00", None, None, None, None],
        }
    )


def _step_activity() -> pd.DataFrame:
    rows = [
        ("a", "1.1", "2024-02-05 10:00:00", "2024-02-05 10:05:00"),
        ("a", "1.2", "2024-02-05 10:10:00", "2024-02-05 10:15:00"),
        ("a", "1.9", "2024-02-05 10:20:00", "2024-02-05 10:30:00"),
        ("a", "1.10", "2024-02-06 09:00:00", "2024-02-06 09:10:00"),
        ("a", "2.1", "2024-02-12 09:00:00", None),
        ("b", "1.1", "2024-02-05 11:00:00", "2024-02-05 11:05:00"),
        ("b", "1.10", "2024-02-05 11:30:00", None),
        ("b", "1.2", "2024-02-05 12:00:00", "2024-02-05 12:10:00"),
        ("c", "1.1", "2024-02-06 08:00:00", "2024-02-06 08:05:00"),
        ("c", "1.9", "2024-02-06 08:10:00", None),
        ("e", "1.1", "2024-02-01 09:00:00", None),
    ]
    return pd.DataFrame(
        rows, columns=["learner_id", "step", "first_visited_at", "last_completed_at"]
    )


def _comments() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [1, 2, 3, 4, 5, 6, 7],
            "author_id": ["a", "b", "e", "c", "a", "b", "e"],
            "parent_id": [None, 1, 1, None, None, None, None],
            "step": ["1.2", "1.2", "1.2", "1.9", "1.10", "1.1", "2.1"],
            "timestamp": [
                "2024-02-05 10:12:00",
                "2024-02-05 12:05:00",
                "2024-02-05 12:30:00",
                "2024-02-06 08:20:00",
                "2024-02-06 09:05:00",
                "2024-02-05 11:02:00",
                "2024-02-12 10:00:00",
            ],
            "likes": [2, 0, 3, 1, 0, 0, 1],
        }
    )


def _answers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "learner_id": ["a", "a", "c", "a"],
            "quiz_question": ["1.9.1", "1.9.1", "1.9.2", "2.1.1"],
            "response": ["1", "2", "1", "3"],
            "submitted_at": [
                "2024-02-05 10:25:00",
                "2024-02-05 10:26:00",
                "2024-02-06 08:15:00",
                "2024-02-12 09:05:00",
            ],
            "correct": [False, True, True, True],
        }
    )


def _config() -> CourseConfig:
    return CourseConfig(
        title="Hand-made",
        data="/tmp",
        stub="hand-1",
        start=dt.date(2024, 2, 5),
        weeks=2,
        exercise_steps=("1.9",),
        social_steps=("1.2",),
    )


@pytest.fixture(scope="module")
def course() -> Course:
    return Course.from_frames(
        enrolments=_enrolments(),
        step_activity=_step_activity(),
        comments=_comments(),
        question_response=_answers(),
        team_members=pd.DataFrame({"id": ["e"], "team_role": ["lead_educator"]}),
    )


@pytest.fixture(scope="module")
def course_cfg() -> Course:
    return Course.from_frames(
        config=_config(),
        enrolments=_enrolments(),
        step_activity=_step_activity(),
        comments=_comments(),
        question_response=_answers(),
    )


@pytest.fixture(scope="module")
def empty() -> Course:
    return Course.from_frames(enrolments=_enrolments())


def _steps(course, n=None):
    codes = np.arange(len(course.steps) if n is None else n, dtype=np.int16)
    return pd.Categorical.from_codes(codes, dtype=course.step_dtype)


def _per_step(course, **cols) -> pd.DataFrame:
    return pd.DataFrame(
        {"step": _steps(course), **{k: np.array(v, dtype=np.int64) for k, v in cols.items()}}
    )


# --------------------------------------------------------------------------- order


def test_steps_in_course_order(course):
    assert list(course.steps["step"].astype(str)) == STEPS
    out = furthest_step(course)
    assert list(out["step"].astype(str)) == STEPS  # "1.10" after "1.9", before "2.1"
    assert out["step"].cat.ordered
    assert out["step"].dtype == course.step_dtype


# --------------------------------------------------------------------------- furthest


def test_furthest_step_unenrolled(course):
    # b reached 1.10 (visited before 1.2), c reached 1.9, d never visited
    assert_frame_equal(furthest_step(course), _per_step(course, learners=[0, 0, 1, 1, 0]))


def test_furthest_step_any_group(course):
    assert_frame_equal(
        furthest_step(course, group="enrolled"), _per_step(course, learners=[0, 0, 1, 1, 1])
    )
    # everybody, the educator included (e only visited 1.1)
    assert_frame_equal(
        furthest_step(course, group=None), _per_step(course, learners=[1, 0, 1, 1, 1])
    )
    # a list of ids
    assert_frame_equal(
        furthest_step(course, group=["b", "zz"]), _per_step(course, learners=[0, 0, 0, 1, 0])
    )


def test_furthest_step_group_without_visits(course):
    out = furthest_step(course, group="unenrolled & ~visited")
    assert_frame_equal(out, _per_step(course, learners=[0, 0, 0, 0, 0]))


# --------------------------------------------------------------------------- last steps


def test_last_steps_visited(course):
    # last first-visit in time: a 2.1 (12 Feb), b 1.2 (12:00, after 1.10), c 1.9
    expected = _per_step(
        course,
        learners=[0, 1, 1, 0, 1],
        stopped_cumulative=[0, 1, 2, 2, 3],
        went_on=[3, 2, 1, 1, 0],
    )
    assert_frame_equal(last_steps(course), expected)


def test_last_steps_completed(course):
    # last completion: a 1.10 (6 Feb 09:10), b 1.2 (12:10), c 1.1 (08:05)
    expected = _per_step(
        course,
        learners=[1, 1, 0, 1, 0],
        stopped_cumulative=[1, 2, 2, 3, 3],
        went_on=[2, 1, 1, 0, 0],
    )
    assert_frame_equal(last_steps(course, kind="completed"), expected)


def test_last_steps_group_and_sample_size(course):
    out = last_steps(course, group="unenrolled")
    # sample = b and c (d has no visit)
    assert out["learners"].sum() == 2
    assert out["went_on"].iloc[0] + out["learners"].iloc[0] == 2
    assert list(out["learners"]) == [0, 1, 1, 0, 0]


def test_last_steps_tie_goes_to_later_step():
    c = Course.from_frames(
        enrolments=pd.DataFrame({"learner_id": ["x"], "role": "learner"}),
        step_activity=pd.DataFrame(
            {
                "learner_id": ["x", "x", "x"],
                "step": ["1.10", "1.9", "1.2"],
                "first_visited_at": "2024-02-05 10:00:00",
            }
        ),
    )
    assert list(last_steps(c)["learners"]) == [0, 0, 1]  # steps 1.2, 1.9, 1.10


def test_last_steps_bad_kind(course):
    with pytest.raises(ValueError, match="visited"):
        last_steps(course, kind="answered")


# --------------------------------------------------------------------------- activity


def _long(
    course, counts: dict[str, list[int]], measures=("visited", "completed", "comments", "answers")
):
    n = len(course.steps)
    mdtype = pd.CategoricalDtype(list(measures), ordered=True)
    return pd.DataFrame(
        {
            "step": pd.Categorical.from_codes(
                np.repeat(np.arange(n, dtype=np.int16), len(measures)), dtype=course.step_dtype
            ),
            "measure": pd.Categorical(list(measures) * n, dtype=mdtype),
            "count": np.array(
                [counts[s][i] for s in STEPS for i in range(len(measures))], dtype=np.int64
            ),
        }
    )


def test_step_activity_counts_enrolled(course):
    expected = _long(
        course,
        {
            # visited, completed, comments, answers
            "1.1": [3, 3, 1, 0],
            "1.2": [2, 2, 2, 0],  # the educator's reply is not a learner's
            "1.9": [2, 1, 1, 3],  # three answers, every attempt
            "1.10": [2, 1, 1, 0],
            "2.1": [1, 0, 0, 1],
        },
    )
    assert_frame_equal(step_activity_counts(course), expected)


def test_step_activity_counts_everybody_and_learners(course):
    out = step_activity_counts(course, group=None, learners=True)
    got = out
    row = got[(got["step"] == "1.9") & (got["measure"] == "answers")]
    assert row[["count", "learners"]].values.tolist() == [[3, 2]]  # a twice, c once
    row = got[(got["step"] == "1.2") & (got["measure"] == "comments")]
    assert row[["count", "learners"]].values.tolist() == [[3, 3]]
    row = got[(got["step"] == "1.1") & (got["measure"] == "visited")]
    assert row["count"].item() == 4  # the educator too
    assert list(out.columns) == ["step", "measure", "count", "learners"]


def test_step_activity_counts_one_day(course, course_cfg):
    expected = _long(
        course,
        {
            "1.1": [2, 2, 1, 0],
            "1.2": [2, 2, 2, 0],
            "1.9": [1, 1, 0, 2],
            "1.10": [1, 0, 0, 0],
            "2.1": [0, 0, 0, 0],
        },
    )
    assert_frame_equal(step_activity_counts(course, start="2024-02-05", end="2024-02-06"), expected)
    assert_frame_equal(
        step_activity_counts(
            course, start=dt.date(2024, 2, 5), end=pd.Timestamp("2024-02-06", tz="UTC")
        ),
        expected,
    )
    # with settings, names resolve through course.config.date()
    named = step_activity_counts(course_cfg, start="start", end="1 day after start")
    assert_frame_equal(named, expected)


def test_step_activity_counts_measures(course):
    out = step_activity_counts(course, measures=["answers"])
    assert list(out["measure"].cat.categories) == ["answers"]
    assert list(out["count"]) == [0, 0, 3, 0, 1]
    with pytest.raises(ValueError, match="unknown measure"):
        step_activity_counts(course, measures=["likes"])


# --------------------------------------------------------------------------- funnel


def test_step_funnel(course):
    expected = pd.DataFrame(
        {
            "step": _steps(course),
            "learners": np.array([3, 2, 2, 2, 1], dtype=np.int64),
            "pct_of_first": [100.0, 200 / 3, 200 / 3, 200 / 3, 100 / 3],
        }
    )
    assert_frame_equal(step_funnel(course), expected)


def test_step_funnel_from_later_step(course):
    out = step_funnel(course, first_step="1.2")  # cohort: a and b
    assert list(out["step"].astype(str)) == ["1.2", "1.9", "1.10", "2.1"]
    assert list(out["learners"]) == [2, 1, 2, 1]
    assert list(out["pct_of_first"]) == [100.0, 50.0, 100.0, 50.0]
    with pytest.raises(ValueError, match="not a step"):
        step_funnel(course, first_step="9.9")


# --------------------------------------------------------------------------- empty


def test_empty_course(empty):
    for fn, cols in [
        (furthest_step, ["step", "learners"]),
        (last_steps, ["step", "learners", "stopped_cumulative", "went_on"]),
        (step_funnel, ["step", "learners", "pct_of_first"]),
        (step_activity_counts, ["step", "measure", "count"]),
    ]:
        out = fn(empty)
        assert len(out) == 0, fn.__name__
        assert list(out.columns) == cols, fn.__name__
    assert list(step_activity_counts(empty, learners=True).columns)[-1] == "learners"


def test_steps_without_activity_are_zeros():
    c = Course.from_frames(config=_config(), enrolments=_enrolments())
    out = last_steps(c)
    assert list(out["step"].astype(str)) == ["1.2", "1.9"]
    assert out["learners"].sum() == 0 and out["went_on"].sum() == 0


def test_input_not_mutated(course):
    before = course.step_activity.copy()
    furthest_step(course)
    last_steps(course)
    step_activity_counts(course, start="2024-02-05")
    step_funnel(course)
    assert_frame_equal(course.step_activity, before)


# --------------------------------------------------------------------------- plots


def _bars(ax) -> int:
    return sum(len(c) for c in ax.containers)


def _highlighted(ax, kind) -> int:
    color = np.array(plt.matplotlib.colors.to_rgb(COLORS[kind]))
    return sum(
        1
        for p in ax.patches
        if p not in [b for c in ax.containers for b in c]
        and np.allclose(p.get_facecolor()[:3], color)
    )


def test_plot_step_counts_one_measure(course):
    fig, ax = plt.subplots()
    data = step_activity_counts(course)
    out = plot_step_counts(  # min_learners=1: the drawing (the small-count rule is tested apart)
        data,
        measure="visited",
        exercise_steps=["1.9"],
        social_steps=["1.2", "2.1"],
        min_learners=1,
        ax=ax,
    )
    assert out is ax
    assert _bars(ax) == len(course.steps)
    heights = [b.get_height() for b in ax.containers[0]]
    assert heights == [3, 2, 2, 2, 1]
    assert [t.get_text() for t in ax.get_xticklabels()] == STEPS
    assert _highlighted(ax, "exercise") == 1
    assert _highlighted(ax, "social") == 2
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["exercise step", "social step"]
    assert ax.get_ylabel() == "First visits"


def test_plot_step_counts_grouped(course):
    fig, ax = plt.subplots()
    plot_step_counts(step_activity_counts(course), social_steps=["1.2"], ax=ax)
    assert len(ax.containers) == 4
    assert _bars(ax) == 4 * len(course.steps)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["First visits", "Completions", "Comments", "Quiz answers", "social step"]


def test_plot_step_counts_learners_table(course):
    fig, ax = plt.subplots()
    plot_step_counts(furthest_step(course, group="enrolled"), ax=ax)
    assert _bars(ax) == len(course.steps)
    assert ax.get_ylabel() == "Learners"
    assert ax.get_legend() is None


def test_plot_stopped_here(course):
    fig, ax = plt.subplots()
    out = plot_stopped_here(last_steps(course), social_steps=["1.2"], ax=ax)
    assert out is ax
    assert _bars(ax) == len(course.steps)
    curves = [ln for ln in ax.lines if not ln.get_label().startswith("_")]  # not week separators
    assert len(curves) == 2
    assert list(curves[0].get_ydata()) == [0, 1, 2, 2, 3]
    assert list(curves[1].get_ydata()) == [3, 2, 1, 1, 0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Went on from here" in labels and "social step" in labels


def _legend_clear_of_plot(ax, fig) -> None:
    """The legend sits above the plot area and above the "Week N" labels, never over them."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    plot = ax.get_window_extent(renderer)
    assert legend.y0 >= plot.y1
    weeks = [t for t in ax.texts if t.get_text().startswith("Week ")]
    assert weeks
    for t in weeks:
        assert legend.y0 >= t.get_window_extent(renderer).y1 - 0.5


@pytest.mark.parametrize("figsize", [(9, 4), (5, 3)])
def test_step_legends_sit_above_the_plot_and_week_labels(course, figsize):
    charts = [
        lambda ax: plot_step_counts(
            step_activity_counts(course), exercise_steps=["1.9"], social_steps=["1.2"], ax=ax
        ),
        lambda ax: plot_stopped_here(last_steps(course), social_steps=["1.2"], ax=ax),
        # min_learners=1: a funnel of fewer than 10 first-step visitors draws no shares
        lambda ax: plot_step_funnel(
            step_funnel(course), exercise_steps=["1.9"], min_learners=1, ax=ax
        ),
    ]
    for draw in charts:
        fig, ax = plt.subplots(figsize=figsize)
        draw(ax)
        _legend_clear_of_plot(ax, fig)
        # the legend is no wider than the Axes: entries wrap into rows
        renderer = fig.canvas.get_renderer()
        assert (
            ax.get_legend().get_window_extent(renderer).width
            <= ax.get_window_extent(renderer).width + 1
        )
        plt.close(fig)


def test_plot_stopped_here_legend_reads_bars_then_lines(course):
    fig, ax = plt.subplots()
    plot_stopped_here(last_steps(course), ax=ax)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["Stopped here", "Stopped here or earlier", "Went on from here"]


def test_plot_step_counts_says_learners_for_visits_and_completions(course):
    fig, ax = plt.subplots()
    data = step_activity_counts(course, measures=["visited", "completed"])
    plot_step_counts(data, ax=ax)
    assert ax.get_ylabel() == "Learners"
    fig, ax = plt.subplots()
    plot_step_counts(step_activity_counts(course, measures=["visited", "comments"]), ax=ax)
    assert ax.get_ylabel() == "Count"


def test_plot_step_funnel(course):
    fig, ax = plt.subplots()
    # min_learners=1: the drawing (the small-count rule is tested in test_small_counts.py)
    out = plot_step_funnel(step_funnel(course), exercise_steps=["1.9"], min_learners=1, ax=ax)
    assert out is ax
    assert _bars(ax) == len(course.steps)
    assert ax.containers[0][0].get_height() == 100
    assert _highlighted(ax, "exercise") == 1


def test_plots_on_empty_say_no_data(empty):
    for plot, data in [
        (plot_step_counts, step_activity_counts(empty)),
        (plot_step_counts, furthest_step(empty)),
        (plot_stopped_here, last_steps(empty)),
        (plot_step_funnel, step_funnel(empty)),
    ]:
        fig, ax = plt.subplots()
        assert plot(data, ax=ax) is ax
        assert "No data" in [t.get_text() for t in ax.texts], plot.__name__
        plt.close(fig)


def test_plot_uses_current_axes(course):
    fig, ax = plt.subplots()
    assert plot_step_counts(furthest_step(course)) is ax


# --------------------------------------------------------------------------- synthetic


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    from flbook import load_course
    from flbook.synth import make_course

    d = tmp_path_factory.mktemp("synth-steps")
    make_course(d / "export", learners=400, weeks=3, seed=7)
    return load_course(d / "export" / "course.yml", cache=d / "cache")


def test_synth_last_visited_sums_to_learners_with_a_step(synth):
    sa = synth.step_activity
    learners = learner_ids(synth)
    for kind, col in (("visited", "first_visited_at"), ("completed", "last_completed_at")):
        rows = sa[sa["learner_id"].astype(object).isin(learners) & sa[col].notna()]
        out = last_steps(synth, kind=kind)
        assert out["learners"].sum() == rows["learner_id"].nunique()
        assert out["went_on"].iloc[-1] == 0
        assert (np.diff(out["went_on"]) <= 0).all()


def test_synth_last_steps_match_a_plain_pandas_reference(synth):
    sa = synth.step_activity
    sa = sa[sa["learner_id"].astype(object).isin(learner_ids(synth))]
    ref = (
        sa.assign(code=sa["step"].cat.codes)
        .sort_values(["learner_id", "first_visited_at", "code"])
        .groupby("learner_id", observed=True)["code"]
        .last()
    )
    expected = np.bincount(ref.to_numpy(), minlength=len(synth.steps))
    assert list(last_steps(synth)["learners"]) == list(expected)
    furthest = (
        sa.assign(code=sa["step"].cat.codes).groupby("learner_id", observed=True)["code"].max()
    )
    assert list(furthest_step(synth, group="enrolled")["learners"]) == list(
        np.bincount(furthest.to_numpy(), minlength=len(synth.steps))
    )


def test_synth_every_step_once(synth):
    steps = list(synth.steps["step"].astype(str))
    for out in (furthest_step(synth), last_steps(synth), step_funnel(synth)):
        assert list(out["step"].astype(str)) == steps
    counts = step_activity_counts(synth)
    assert (counts.groupby("step", observed=False).size() == 4).all()
    assert list(counts["step"].astype(str).unique()) == steps


def test_synth_activity_counts_match_tables(synth):
    out = step_activity_counts(synth, group=None)
    visited = out[out["measure"] == "visited"]["count"].sum()
    assert visited == len(synth.step_activity)
    assert out[out["measure"] == "comments"]["count"].sum() == len(synth.comments)
    assert out[out["measure"] == "answers"]["count"].sum() == len(synth.question_response)
    week1 = step_activity_counts(synth, group=None, start="start", end="week 2")
    assert (week1["count"].to_numpy() <= out["count"].to_numpy()).all()
    funnel = step_funnel(synth)
    assert funnel["pct_of_first"].iloc[0] == 100
    assert (funnel["pct_of_first"] <= 100).all()
