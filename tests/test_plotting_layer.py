"""Plotting computes no statistics and touches only its Axes (issue 18).

A ``plot_*`` function draws the numbers of the table it is given (the analysis
layer's columns), and changes nothing outside its Axes: not the figure's size, not
its margins, not the other Axes.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import flbook.plotting as flp  # noqa: E402
from flbook.analysis import (  # noqa: E402
    AFTER_ERROR_OUTCOMES,
    activity_by_hour,
    hourly_summary,
    weekday_summary,
)
from flbook.store import Course  # noqa: E402


@pytest.fixture
def activity() -> pd.DataFrame:
    enr = pd.DataFrame({"learner_id": ["a", "b"], "role": "learner", "enrolled_at": "2024-01-01"})
    sa = pd.DataFrame(
        {
            "learner_id": ["a", "a", "b", "b"],
            "step": ["1.1", "1.2", "1.1", "1.2"],
            "first_visited_at": [
                "2024-02-05 10:30:00",  # Mon 10
                "2024-02-05 10:50:00",  # Mon 10
                "2024-02-06 21:00:00",  # Tue 21
                "2024-02-11 08:00:00",  # Sun 08
            ],
            "last_completed_at": ["2024-02-05 10:45:00", None, None, None],
        }
    )
    course = Course.from_frames(enrolments=enr, step_activity=sa)
    return activity_by_hour(course, events=["visited", "completed"])


def _line(ax, label):
    return next(ln for ln in ax.lines if ln.get_label() == label)


def test_the_hourly_chart_draws_the_percentages_of_the_analysis(activity):
    summary = hourly_summary(activity)
    visited = summary[summary["event"] == "visited"]
    ax = flp.plot_hourly(summary, ax=plt.figure().gca())
    assert _line(ax, "visited").get_ydata().tolist() == visited["pct"].tolist()
    assert _line(ax, "visited").get_ydata()[[8, 10, 21]].tolist() == [25.0, 50.0, 25.0]
    # given the full day × hour table, it draws hourly_summary's numbers
    ax = flp.plot_hourly(activity, ax=plt.figure().gca())
    assert _line(ax, "visited").get_ydata().tolist() == visited["pct"].tolist()
    # the percentages are drawn as given, not worked out again from the counts
    doctored = summary.assign(pct=summary["pct"] / 2)
    ax = flp.plot_hourly(doctored, ax=plt.figure().gca())
    assert max(_line(ax, "visited").get_ydata()) == 25.0
    plt.close("all")


def test_the_weekday_chart_draws_the_percentages_of_the_analysis(activity):
    summary = weekday_summary(activity)
    visited = summary.loc[summary["event"] == "visited", "pct"].tolist()
    assert visited == [50.0, 25.0, 0.0, 0.0, 0.0, 0.0, 25.0]
    for data in (summary, activity):
        ax = flp.plot_weekday(data, ax=plt.figure().gca())
        bars = [p for p in ax.patches if p.get_facecolor()[:3] == ax.patches[0].get_facecolor()[:3]]
        assert [b.get_height() for b in bars] == visited
    doctored = summary.assign(pct=summary["pct"] * 0 + 3.0)
    ax = flp.plot_weekday(doctored, ax=plt.figure().gca())
    assert {p.get_height() for p in ax.patches} == {3.0}
    plt.close("all")


def test_stacked_shares_draw_the_recipe_rows_as_they_are():
    """One segment per row of the long table, its width the row's pct, stacked in order."""
    outcomes = pd.Categorical(list(AFTER_ERROR_OUTCOMES) * 2, categories=AFTER_ERROR_OUTCOMES)
    pct = [10.0, 20.0, 30.0, 40.0, 5.0, 15.0, 30.0, 45.0]  # not derived from "failed"
    table = pd.DataFrame(
        {
            "notebook": ["w1.ipynb"] * 4 + ["All notebooks"] * 4,
            "outcome": outcomes,
            "failed": [1, 1, 1, 1, 2, 2, 2, 2],
            "pct": pct,
            "median_minutes": np.nan,
        }
    )
    ax = flp.plot_after_error(table, ax=plt.figure().gca())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["w1", "All notebooks"]
    for i, outcome in enumerate(AFTER_ERROR_OUTCOMES):
        bars = [p for p in ax.patches if p.get_gid() == outcome]
        assert [b.get_width() for b in bars] == [pct[i], pct[4 + i]]
        assert [b.get_x() for b in bars] == [sum(pct[:i]), sum(pct[4 : 4 + i])]
    plt.close("all")


def test_the_daily_records_chart_slants_its_own_dates_only():
    data = pd.DataFrame(
        {
            "dataset": ["enrolments"] * 3,
            "date": pd.to_datetime(["2024-02-05", "2024-02-06", "2024-02-08"]),
            "rows": [5, 3, 2],
        }
    )
    fig, (ax, other) = plt.subplots(2, 1, figsize=(8, 6))
    other.plot(pd.to_datetime(["2024-02-05", "2024-03-05"]), [1, 2])
    bottom = fig.subplotpars.bottom
    flp.plot_daily_records(data, ax=ax)
    fig.canvas.draw()
    labels = [t for t in ax.get_xticklabels() if t.get_text()]
    assert labels and all(t.get_rotation() == 30 for t in labels)
    assert all(t.get_horizontalalignment() == "right" for t in labels)
    assert all(t.get_rotation() == 0 for t in other.get_xticklabels())
    assert fig.subplotpars.bottom == bottom and tuple(fig.get_size_inches()) == (8, 6)
    plt.close(fig)


def _first_runs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "notebook": ["w1.ipynb", "w2.ipynb"],
            "pct_ran_nothing": [12.0, 40.0],
            "low_minutes": [1.0, 2.0],
            "q1_minutes": [2.0, 3.0],
            "median_minutes": [4.0, 6.0],
            "q3_minutes": [8.0, 10.0],
            "high_minutes": [20.0, 30.0],
        }
    )


def _box_lines(ax) -> dict:
    """The x values of a horizontal box plot's lines, by the row (1, 2...) they sit on."""
    out: dict = {}
    for ln in ax.lines:
        y = np.asarray(ln.get_ydata(), dtype=float)
        out.setdefault(round(float(y.mean())), []).append(np.asarray(ln.get_xdata(), dtype=float))
    return out


def test_the_first_executions_chart_draws_the_recipe_box_and_share():
    data = _first_runs()
    ax = flp.plot_first_executions(data, ax=plt.figure().gca())
    lines = _box_lines(ax)
    for row, r in enumerate(data.itertuples(), start=1):
        xs = {float(v) for x in lines[row] for v in x}  # whiskers, caps and median
        assert {r.low_minutes, r.q1_minutes, r.median_minutes, r.high_minutes} <= xs
        box = ax.patches[row - 1].get_path().vertices[:, 0]
        assert (box.min(), box.max()) == (r.q1_minutes, r.q3_minutes)
    assert [t.get_text() for t in ax.texts] == ["12% ran nothing", "40% ran nothing"]
    # another table, another picture: nothing is computed from anything else
    changed = data.assign(median_minutes=[5.0, 7.0], pct_ran_nothing=[50.0, 0.0])
    ax = flp.plot_first_executions(changed, ax=plt.figure().gca())
    xs = {float(v) for ln in ax.lines for v in ln.get_xdata()}
    assert {5.0, 7.0} <= xs and not {4.0, 6.0} & xs
    assert [t.get_text() for t in ax.texts] == ["50% ran nothing", "0% ran nothing"]
    plt.close("all")


def test_the_executions_by_day_chart_draws_each_notebook_rows_as_they_are():
    days = pd.to_datetime(["2024-02-05", "2024-02-06", "2024-02-08"])  # no row for the 7th
    data = pd.DataFrame(
        {
            "notebook": ["w1.ipynb"] * 3 + ["w2.ipynb"] * 3,
            "date": days.append(days),
            "executions": [4, 0, 2, 1, 3, 0],
            "learners": [2, 0, 1, 1, 2, 0],
        }
    )
    ax = flp.plot_executions_by_day(data, ax=plt.figure().gca())
    lines = [ln for ln in ax.lines if ln.get_gid() == "notebook"]
    assert [ln.get_label() for ln in lines] == ["w1", "w2"]
    assert [ln.get_ydata().tolist() for ln in lines] == [[4, 0, 2], [1, 3, 0]]
    assert len(lines[0].get_xdata()) == 3  # the table's days: no day is added
    changed = data.assign(executions=[4, 9, 2, 1, 3, 0])
    ax = flp.plot_executions_by_day(changed, ax=plt.figure().gca())
    assert [ln for ln in ax.lines if ln.get_gid() == "notebook"][0].get_ydata().tolist() == [
        4,
        9,
        2,
    ]
    plt.close("all")


def test_the_follow_along_chart_draws_one_line_per_notebook_of_the_table():
    minutes = [-30.0, 0.0, 30.0]
    data = pd.DataFrame(
        {
            "notebook": ["w1.ipynb"] * 3 + ["w2.ipynb"] * 3,
            "minutes": minutes * 2,
            "executions": [1, 5, 2, 0, 3, 1],
        }
    )
    ax = flp.plot_follow_along(data, ax=plt.figure().gca())
    lines = [ln for ln in ax.lines if ln.get_gid() == "executions"]
    assert [ln.get_label() for ln in lines] == ["w1", "w2"]  # not added up
    # a step line: each bin drawn to its right edge, the last one too
    assert [ln.get_ydata().tolist() for ln in lines] == [[1, 5, 2, 2], [0, 3, 1, 1]]
    assert lines[0].get_xdata().tolist() == [-30.0, 0.0, 30.0, 60.0]
    together = pd.DataFrame(
        {"notebook": "All notebooks", "minutes": minutes, "executions": [1, 8, 3]}
    )
    ax = flp.plot_follow_along(together, ax=plt.figure().gca())
    (line,) = [ln for ln in ax.lines if ln.get_gid() == "executions"]
    assert line.get_label() == "all linked notebooks"
    assert line.get_ydata().tolist() == [1, 8, 3, 3]
    plt.close("all")


def test_the_daily_records_chart_draws_the_first_datasets_rows_as_they_are():
    data = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-02-05", "2024-02-07"] + ["2024-02-05"] * 2),
            "dataset": ["comments", "comments", "enrolments", "step-activity"],
            "rows": [5, 3, 9, 1],
        }
    )
    ax = flp.plot_daily_records(data, top=2, ax=plt.figure().gca())
    # the table's first two datasets, in its order (the recipe lists the largest first)
    assert [ln.get_label() for ln in ax.lines] == ["comments", "enrolments"]
    assert ax.lines[0].get_ydata().tolist() == [5, 3]  # the table's days: no day added
    changed = data.assign(rows=[5, 7, 9, 1])
    ax = flp.plot_daily_records(changed, top=2, ax=plt.figure().gca())
    assert ax.lines[0].get_ydata().tolist() == [5, 7]
    plt.close("all")


def test_every_chart_documents_its_return_and_an_example_with_the_shared_parts_filled():
    charts = [name for name in flp.__all__ if name.startswith("plot_")]
    assert len(charts) > 40
    for name in charts:
        doc = getattr(flp, name).__doc__ or ""
        assert "Returns\n" in doc and "Examples\n" in doc, name
        assert "{ax}" not in doc and "{returns}" not in doc and "{example_course}" not in doc, name
