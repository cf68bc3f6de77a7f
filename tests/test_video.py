"""Video statistics: retention, devices, regions, the summary table; on paper and synthetic."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import Rectangle
from pandas.testing import assert_frame_equal

from flbook.analysis import video_devices, video_regions, video_retention
from flbook.plotting import plot_video_devices, plot_video_regions, plot_video_retention
from flbook.store import Course

DEVICES = ["desktop", "mobile", "tablet", "tv", "console", "unknown"]


@pytest.fixture()
def course() -> Course:
    """Two videos, given out of course order, with some points and regions left empty."""
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
    return Course.from_frames(video_stats=videos)


@pytest.fixture()
def empty() -> Course:
    return Course.from_frames()


def _bars(ax) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


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
    assert list(dev["device"].cat.categories) == DEVICES
    first = dev[dev["video"] == "1.10 Welcome"]
    assert first["pct_views"].tolist() == [50.0, 40.0, 10.0, 0.0, 0.0, 0.0]
    reg = video_regions(course)
    assert list(reg.columns) == ["video", "step", "region", "pct_views"]
    assert reg["region"].astype(str).tolist() == ["Europe", "Asia"] * 2
    assert reg["pct_views"].tolist() == [50.0, 50.0, 70.0, 30.0]


def test_video_devices_and_regions_wide(course):
    dev = video_devices(course, wide=True)
    assert list(dev.columns) == ["video", "step", *DEVICES]
    assert dev["video"].astype(str).tolist() == ["1.10 Welcome", "2.1 Intro"]
    assert dev[DEVICES].to_numpy().tolist() == [
        [50.0, 40.0, 10.0, 0.0, 0.0, 0.0],
        [60.0, 30.0, 10.0, 0.0, 0.0, 0.0],
    ]
    reg = video_regions(course, wide=True)
    assert list(reg.columns) == ["video", "step", "Europe", "Asia"]  # the others: no figures
    assert reg[["Europe", "Asia"]].to_numpy().tolist() == [[50.0, 50.0], [70.0, 30.0]]


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


@pytest.mark.parametrize(
    "fn, columns",
    [
        (video_retention, ["video", "step", "pct_of_video", "pct_viewers"]),
        (video_devices, ["video", "step", "device", "pct_views"]),
        (video_regions, ["video", "step", "region", "pct_views"]),
        (lambda c: video_devices(c, wide=True), ["video", "step"]),
        (lambda c: video_regions(c, wide=True), ["video", "step"]),
    ],
)
def test_absent_datasets_give_empty_tables(empty, fn, columns):
    out = fn(empty)
    assert len(out) == 0
    assert list(out.columns) == columns


# --------------------------------------------------------------------------- plots


def test_plot_video_charts(course):
    fig, (a1, a2, a3) = plt.subplots(1, 3)
    assert plot_video_retention(video_retention(course), ax=a1) is a1
    assert len(a1.lines) == 2
    assert plot_video_devices(video_devices(course, wide=True), ax=a2) is a2
    assert len(_bars(a2)) == 12
    assert plot_video_regions(video_regions(course, wide=True), ax=a3) is a3
    assert len(_bars(a3)) == 4


@pytest.mark.parametrize("which", ["devices", "regions"])
def test_plot_video_shares_draw_the_wide_table_as_given(course, which):
    analysis, plot = {
        "devices": (video_devices, plot_video_devices),
        "regions": (video_regions, plot_video_regions),
    }[which]
    table = analysis(course, wide=True)
    shares = table.drop(columns=["video", "step"])
    fig, ax = plt.subplots()
    plot(table, ax=ax)
    widths = np.array([[b.get_width() for b in c] for c in ax.containers])
    lefts = np.array([[b.get_x() for b in c] for c in ax.containers])
    assert [c.get_label() for c in ax.containers] == list(shares.columns)
    assert widths.T.tolist() == shares.to_numpy().tolist()  # a bar per video and column
    assert lefts.T.tolist() == (shares.cumsum(axis=1) - shares).to_numpy().tolist()
    assert ax.get_xlabel().endswith(which[:-1])
    with pytest.raises(ValueError, match="wide=True"):
        plot(analysis(course), ax=ax)


def test_plot_video_retention_draws_each_videos_points(course):
    table = video_retention(course)
    fig, ax = plt.subplots()
    plot_video_retention(table, ax=ax)
    drawn = [(line.get_xdata().tolist(), line.get_ydata().tolist()) for line in ax.lines]
    assert drawn == [
        (part["pct_of_video"].tolist(), part["pct_viewers"].tolist())
        for _, part in table.groupby("video", observed=True)
    ]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["1.10 Welcome", "2.1 Intro"]


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
    fig, ax = plt.subplots()
    plot_video_retention(video_retention(c), top=n, ax=ax)  # room for every video
    assert len(ax.get_legend().get_texts()) == n


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


@pytest.mark.parametrize(
    "plot, analysis",
    [
        (plot_video_retention, video_retention),
        (plot_video_devices, lambda c: video_devices(c, wide=True)),
        (plot_video_regions, lambda c: video_regions(c, wide=True)),
    ],
)
def test_plots_say_no_data_when_absent(empty, plot, analysis):
    fig, ax = plt.subplots()
    assert plot(analysis(empty), ax=ax) is ax
    assert [t.get_text() for t in ax.texts] == ["No data"]


# --------------------------------------------------------------------------- synthetic


def test_synthetic_invariants(tmp_path):
    import flbook

    flbook.make_course(tmp_path / "data", learners=200, weeks=3, seed=3)
    synth = flbook.load_course(tmp_path / "data" / "course.yml", cache=tmp_path / "cache")
    ret = video_retention(synth)
    n_videos = len(synth.video_stats)
    assert len(ret) == 7 * n_videos
    assert ret["pct_viewers"].between(0, 100).all()
    assert ret["video"].cat.categories.size == n_videos
    dev = video_devices(synth)
    assert np.allclose(dev.groupby("video", observed=True)["pct_views"].sum(), 100.0, atol=0.1)
    wide = video_devices(synth, wide=True)
    assert len(wide) == n_videos
    assert np.allclose(wide[DEVICES].sum(axis=1), 100.0, atol=0.1)


def test_awkward_course_oldest_version(tmp_path):
    import flbook

    flbook.make_awkward_course(tmp_path / "data")
    awkward = flbook.load_course(tmp_path / "data" / "course.yml", cache=tmp_path / "cache")
    ret = video_retention(awkward)
    assert len(ret) > 0 and ret["step"].isna().all()  # 2017 exports: no step_position
    fig, ax = plt.subplots()
    plot_video_retention(ret, ax=ax)
    assert len(ax.lines) == ret["video"].nunique()
