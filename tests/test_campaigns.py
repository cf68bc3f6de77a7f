"""Campaigns: what each marketing source brought; on paper and synthetic."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import Rectangle
from pandas.testing import assert_frame_equal

from flbook.analysis import campaign_summary
from flbook.plotting import plot_campaigns
from flbook.store import Course

COLUMNS = [
    "utm_source",
    "campaigns",
    "enrolments",
    "active_learners",
    "upgrades_purchased",
    "pct_of_enrolments",
    "pct_of_active_learners",
    "pct_of_upgrades",
    "pct_active",
]


@pytest.fixture()
def course() -> Course:
    campaigns = pd.DataFrame(
        {
            "utm_source": ["google", "twitter", "google", None],
            "utm_campaign": ["a", "b", "c", "d"],
            "enrolments": [10, 30, 20, 40],
            "active_learners": [5, 9, 10, 20],
            "upgrades_purchased": [1, 0, 1, 2],
        }
    )
    return Course.from_frames(campaigns=campaigns)


def _bars(ax) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def test_campaign_summary_by_hand(course):
    expected = pd.DataFrame(
        {
            "utm_source": pd.Series(["(not set)", "google", "twitter"], dtype="string"),
            "campaigns": [1, 2, 1],
            "enrolments": pd.array([40, 30, 30], dtype="Int64"),
            "active_learners": pd.array([20, 15, 9], dtype="Int64"),
            "upgrades_purchased": pd.array([2, 2, 0], dtype="Int64"),
            "pct_of_enrolments": [40.0, 30.0, 30.0],
            "pct_of_active_learners": [2000 / 44, 1500 / 44, 900 / 44],
            "pct_of_upgrades": [50.0, 50.0, 0.0],
            "pct_active": [50.0, 50.0, 30.0],
        }
    )
    assert_frame_equal(campaign_summary(course), expected)


def test_campaign_summary_six_column_version():
    c = Course.from_frames(
        campaigns=pd.DataFrame(
            {
                "utm_source": ["google", "twitter"],
                "utm_campaign": ["a", "b"],
                "utm_medium": ["cpc", "social"],
                "domain": ["x.org", "y.org"],
                "enrolments": [10, 30],
                "active_learners": [5, 9],
            }
        )
    )
    out = campaign_summary(c)
    assert out["utm_source"].tolist() == ["twitter", "google"]
    assert out["upgrades_purchased"].isna().all()
    assert out["pct_of_upgrades"].isna().all()
    assert out["pct_of_enrolments"].tolist() == [75.0, 25.0]
    fig, ax = plt.subplots()
    plot_campaigns(out, min_learners=1, ax=ax)
    assert len(_bars(ax)) == 4  # 2 sources × (enrolments, active learners); no upgrades


def test_absent_dataset_gives_an_empty_table():
    out = campaign_summary(Course.from_frames())
    assert len(out) == 0
    assert list(out.columns) == COLUMNS
    fig, ax = plt.subplots()
    assert plot_campaigns(out, ax=ax) is ax
    assert [t.get_text() for t in ax.texts] == ["No data"]


def test_plot_campaigns(course):
    fig, ax = plt.subplots()
    assert plot_campaigns(campaign_summary(course), ax=ax) is ax
    assert len(_bars(ax)) == 9


def test_plot_campaigns_draws_the_columns_it_is_given(course):
    table = campaign_summary(course)
    y = ("active_learners", "enrolments")
    fig, ax = plt.subplots()
    plot_campaigns(table, y=y, min_learners=1, ax=ax)
    widths = [[b.get_width() for b in c] for c in ax.containers]
    assert widths == [table[m].astype(float).tolist() for m in y]
    assert [c.get_label() for c in ax.containers] == ["active learners", "enrolments"]
    assert [t.get_text() for t in ax.get_yticklabels()] == table["utm_source"].tolist()


def test_campaign_legend_sits_above_the_bars(course):
    fig, ax = plt.subplots(figsize=(8, 3.5))
    plot_campaigns(campaign_summary(course), ax=ax)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    assert legend.y0 >= ax.get_window_extent(renderer).y1


def test_synthetic_and_oldest_versions(tmp_path):
    import flbook

    flbook.make_course(tmp_path / "synth", learners=200, weeks=3, seed=3)
    synth = flbook.load_course(tmp_path / "synth" / "course.yml", cache=tmp_path / "c1")
    camp = campaign_summary(synth)
    assert camp["enrolments"].sum() == synth.campaigns["enrolments"].sum()
    assert np.isclose(camp["pct_of_enrolments"].sum(), 100.0)
    assert camp["enrolments"].is_monotonic_decreasing
    flbook.make_awkward_course(tmp_path / "awkward")
    awkward = flbook.load_course(tmp_path / "awkward" / "course.yml", cache=tmp_path / "c2")
    old = campaign_summary(awkward)
    assert len(old) > 0 and old["upgrades_purchased"].isna().all()
    fig, ax = plt.subplots()
    plot_campaigns(old, ax=ax)
    assert "upgrades" not in [t.get_text() for t in ax.get_legend().get_texts()]
