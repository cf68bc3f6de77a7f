"""Newer exports: leaving reasons, archetypes, sentiment, videos, campaigns; on paper and synthetic."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import Rectangle
from pandas.testing import assert_frame_equal

from flbook.analysis import (
    archetype_progress,
    campaign_summary,
    leaving_reasons,
    sentiment_by_week,
    video_devices,
    video_regions,
    video_retention,
)
from flbook.plotting import (
    plot_archetypes,
    plot_campaigns,
    plot_leaving_reasons,
    plot_sentiment,
    plot_video_devices,
    plot_video_regions,
    plot_video_retention,
)
from flbook.store import Course

TIME = "I don't have enough time"
T0 = "2024-02-05 10:00:00"


def _s(values) -> pd.Series:
    return pd.Series(values, dtype="string")


@pytest.fixture()
def course() -> Course:
    """Five learners a–e and an educator f, with every newer dataset filled in by hand."""
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
    videos = pd.DataFrame(
        {
            "step_position": ["2.1", "1.10"],
            "title": ["Intro", "Welcome"],
            "total_views": [50, 100],
            "viewed_five_percent": [95.0, 90.0],
            "viewed_fifty_percent": [70.0, 60.0],
            "viewed_onehundred_percent": [40.0, None],
            "desktop_device_percentage": [60.0, 50.0],
            "mobile_device_percentage": [30.0, 40.0],
            "tablet_device_percentage": [10.0, 10.0],
            "tv_device_percentage": [0.0, 0.0],
            "console_device_percentage": [0.0, 0.0],
            "unknown_device_percentage": [0.0, 0.0],
            "europe_views_percentage": [70.0, 50.0],
            "asia_views_percentage": [30.0, 50.0],
        }
    )
    campaigns = pd.DataFrame(
        {
            "utm_source": ["google", "twitter", "google", None],
            "utm_campaign": ["a", "b", "c", "d"],
            "enrolments": [10, 30, 20, 40],
            "active_learners": [5, 9, 10, 20],
            "upgrades_purchased": [1, 0, 1, 2],
        }
    )
    return Course.from_frames(
        enrolments=enrolments,
        step_activity=step_activity,
        leaving_survey_responses=leaving,
        archetype_survey_responses=archetypes,
        weekly_sentiment_survey_responses=sentiment,
        video_stats=videos,
        campaigns=campaigns,
    )


@pytest.fixture()
def empty() -> Course:
    return Course.from_frames()


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


def test_leaving_reasons_rejects_unknown_by(course):
    with pytest.raises(ValueError, match="by must be"):
        leaving_reasons(course, by="month")


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


# --------------------------------------------------------------------------- videos


def test_video_retention_long_and_in_course_order(course):
    out = video_retention(course)
    videos = pd.CategoricalDtype(["1.10 Welcome", "2.1 Intro"], ordered=True)
    expected = pd.DataFrame(
        {
            "video": pd.Categorical(["1.10 Welcome"] * 2 + ["2.1 Intro"] * 3, dtype=videos),
            "step": pd.Categorical(["1.10"] * 2 + ["2.1"] * 3, dtype=course.step_dtype),
            "pct_of_video": [5, 50, 5, 50, 100],  # empty points left out
            "pct_viewers": [90.0, 60.0, 95.0, 70.0, 40.0],
        }
    )
    assert_frame_equal(out, expected)


def test_video_devices_and_regions(course):
    dev = video_devices(course)
    assert list(dev.columns) == ["video", "step", "device", "pct_views"]
    assert len(dev) == 12
    assert list(dev["device"].cat.categories) == [
        "desktop",
        "mobile",
        "tablet",
        "tv",
        "console",
        "unknown",
    ]
    first = dev[dev["video"] == "1.10 Welcome"]
    assert first["pct_views"].tolist() == [50.0, 40.0, 10.0, 0.0, 0.0, 0.0]
    reg = video_regions(course)
    assert list(reg.columns) == ["video", "step", "region", "pct_views"]
    assert reg["region"].astype(str).tolist() == ["Europe", "Asia"] * 2
    assert reg["pct_views"].tolist() == [50.0, 50.0, 70.0, 30.0]


def test_video_without_step_position_uses_titles():
    c = Course.from_frames(
        video_stats=pd.DataFrame(
            {
                "title": ["Intro", "Intro", "Outro"],
                "total_views": [1, 2, 3],
                "viewed_five_percent": [90.0, 80.0, 70.0],
            }
        )
    )
    out = video_retention(c)
    assert out["video"].astype(str).tolist() == ["Intro (1)", "Intro (2)", "Outro"]
    assert out["step"].isna().all()


# --------------------------------------------------------------------------- campaigns


def test_campaign_summary_by_hand(course):
    expected = pd.DataFrame(
        {
            "utm_source": _s(["(not set)", "google", "twitter"]),
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
    plot_campaigns(out, ax=ax)
    assert len(_bars(ax)) == 4  # 2 sources × (enrolments, active learners); no upgrades


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
    (video_retention, ["video", "step", "pct_of_video", "pct_viewers"]),
    (video_devices, ["video", "step", "device", "pct_views"]),
    (video_regions, ["video", "step", "region", "pct_views"]),
    (
        campaign_summary,
        [
            "utm_source",
            "campaigns",
            "enrolments",
            "active_learners",
            "upgrades_purchased",
            "pct_of_enrolments",
            "pct_of_active_learners",
            "pct_of_upgrades",
            "pct_active",
        ],
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


def _bars(ax) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def test_plot_leaving_reasons_three_forms(course):
    fig, (a1, a2, a3) = plt.subplots(1, 3)
    # min_count=1: the drawing itself (the small-count rule has its own tests)
    assert plot_leaving_reasons(leaving_reasons(course), min_count=1, ax=a1) is a1
    assert len(_bars(a1)) == 2
    assert plot_leaving_reasons(leaving_reasons(course, by="week"), min_count=1, ax=a2) is a2
    assert len(_bars(a2)) == 4  # weeks 1, 2 × two reasons
    assert any("1 leaver(s) had completed no step" in t.get_text() for t in a2.texts)
    assert plot_leaving_reasons(leaving_reasons(course, by="step"), min_count=1, ax=a3) is a3
    assert len(_bars(a3)) == len(course.steps) * 2
    assert [t.get_text() for t in a3.get_xticklabels()] == ["1.1", "1.2", "1.10", "2.1"]


def test_plot_archetypes(course):
    fig, ax = plt.subplots()
    assert plot_archetypes(archetype_progress(course), min_count=1, ax=ax) is ax
    assert len(_bars(ax)) == 9  # 3 archetypes × 3 measures
    assert ax.get_yticklabels()[0].get_text() == "Explorers (n=2)"


def test_plot_sentiment(course):
    fig, ax = plt.subplots()
    assert plot_sentiment(sentiment_by_week(course), min_count=1, ax=ax) is ax
    assert len(_bars(ax)) == 6
    assert [t.get_text() for t in ax.texts] == ["n=4", "n=1"]


def test_plot_video_charts(course):
    fig, (a1, a2, a3) = plt.subplots(1, 3)
    assert plot_video_retention(video_retention(course), ax=a1) is a1
    assert len(a1.lines) == 2
    assert plot_video_devices(video_devices(course), ax=a2) is a2
    assert len(_bars(a2)) == 12
    assert plot_video_regions(video_regions(course), ax=a3) is a3
    assert len(_bars(a3)) == 4


def test_plot_video_retention_colours_by_week_when_many():
    n = 10
    c = Course.from_frames(
        video_stats=pd.DataFrame(
            {
                "step_position": [f"{1 + i // 5}.{i % 5 + 1}" for i in range(n)],
                "title": [f"V{i}" for i in range(n)],
                "total_views": [10] * n,
                "viewed_five_percent": [90.0] * n,
                "viewed_onehundred_percent": [50.0] * n,
            }
        )
    )
    fig, ax = plt.subplots()
    plot_video_retention(video_retention(c), ax=ax)
    assert len(ax.lines) == n
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Week 1", "Week 2"]


def test_plot_campaigns(course):
    fig, ax = plt.subplots()
    assert plot_campaigns(campaign_summary(course), ax=ax) is ax
    assert len(_bars(ax)) == 9


@pytest.mark.parametrize(
    "plot, analysis",
    [
        (plot_leaving_reasons, leaving_reasons),
        (plot_leaving_reasons, lambda c: leaving_reasons(c, by="step")),
        (plot_archetypes, archetype_progress),
        (plot_sentiment, sentiment_by_week),
        (plot_video_retention, video_retention),
        (plot_video_devices, video_devices),
        (plot_video_regions, video_regions),
        (plot_campaigns, campaign_summary),
    ],
)
def test_plots_say_no_data_when_absent(empty, plot, analysis):
    fig, ax = plt.subplots()
    assert plot(analysis(empty), ax=ax) is ax
    assert [t.get_text() for t in ax.texts] == ["No data"]


# --------------------------------------------------------------------------- synthetic


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    import flbook

    root = tmp_path_factory.mktemp("newer-synth")
    flbook.make_course(root / "data", learners=500, weeks=3, seed=3)
    return flbook.load_course(root / "data" / "course.yml", cache=root / "cache")


@pytest.fixture(scope="module")
def awkward(tmp_path_factory):
    import flbook

    root = tmp_path_factory.mktemp("newer-awkward")
    flbook.make_awkward_course(root / "data")
    return flbook.load_course(root / "data" / "course.yml", cache=root / "cache")


def test_synthetic_invariants(synth):
    n_leaving = len(synth.leaving_survey_responses)
    for by in ("reason", "week", "step"):
        assert leaving_reasons(synth, by=by)["responses"].sum() == n_leaving
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
    ret = video_retention(synth)
    n_videos = len(synth.video_stats)
    assert len(ret) == 7 * n_videos
    assert ret["pct_viewers"].between(0, 100).all()
    assert ret["video"].cat.categories.size == n_videos
    dev = video_devices(synth)
    assert np.allclose(dev.groupby("video", observed=True)["pct_views"].sum(), 100.0, atol=0.1)
    camp = campaign_summary(synth)
    assert camp["enrolments"].sum() == synth.campaigns["enrolments"].sum()
    assert np.isclose(camp["pct_of_enrolments"].sum(), 100.0)
    assert camp["enrolments"].is_monotonic_decreasing


def test_awkward_course_oldest_versions(awkward):
    camp = campaign_summary(awkward)
    assert len(camp) > 0 and camp["upgrades_purchased"].isna().all()
    ret = video_retention(awkward)
    assert len(ret) > 0 and ret["step"].isna().all()
    assert len(leaving_reasons(awkward)) == 0  # header-only file
    fig, axes = plt.subplots(1, 3)
    plot_campaigns(camp, ax=axes[0])
    plot_video_retention(ret, ax=axes[1])
    plot_leaving_reasons(leaving_reasons(awkward), ax=axes[2])
    assert [t.get_text() for t in axes[2].texts] == ["No data"]


def test_archetype_and_campaign_legends_sit_above_the_bars(course):
    for draw in (
        lambda ax: plot_archetypes(archetype_progress(course), ax=ax),
        lambda ax: plot_campaigns(campaign_summary(course), ax=ax),
    ):
        fig, ax = plt.subplots(figsize=(8, 3.5))
        draw(ax)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        legend = ax.get_legend().get_window_extent(renderer)
        assert legend.y0 >= ax.get_window_extent(renderer).y1
        plt.close(fig)


def test_video_retention_lines_are_never_yellow():
    n = 8
    c = Course.from_frames(
        video_stats=pd.DataFrame(
            {
                "step_position": [f"1.{i + 1}" for i in range(n)],
                "title": [f"V{i}" for i in range(n)],
                "total_views": [10] * n,
                "viewed_five_percent": [90.0] * n,
                "viewed_onehundred_percent": [50.0] * n,
            }
        )
    )
    fig, ax = plt.subplots()
    plot_video_retention(video_retention(c), ax=ax)
    assert len(ax.lines) == n
    assert all(line.get_color().upper() != "#F0E442" for line in ax.lines)


def test_stacked_leaving_reasons_are_never_cut_at_the_top():
    data = pd.DataFrame(
        {
            "last_completed_week_number": pd.array([1, 1, 2], dtype="Int32"),
            "leaving_reason": ["time", "other", "time"],
            "responses": [5, 0, 2],
            "pct": [100.0, 0.0, 100.0],
        }
    )
    fig, ax = plt.subplots()
    plot_leaving_reasons(data, min_count=1, ax=ax)
    assert ax.get_ylim()[1] > 5
