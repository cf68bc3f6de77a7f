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
