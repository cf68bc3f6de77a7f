"""Social activity: first comments, comments over time, kinds, likes, educators, per step.

The hand-built course (worked out on paper). Steps 1.1 1.2 1.9 1.10 2.1; learners a, b, c
(a fully participated), e is the lead educator (a team member, enrolled as educator).

id author parent step  time (Feb 2024)  likes
 1   a     -     1.2   5th 10:12         2
 2   b     1     1.2   5th 12:05         0    reply
 3   e     1     1.2   5th 12:30         3    educator reply
 4   c     -     1.9   6th 08:20         1
 5   a     -     1.10  6th 09:05         0
 6   b     -     1.1   5th 11:02         0    b's first comment (before id 2)
 7   e     -     2.1   12th 10:00        1    educator top-level
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from flbook.analysis import (
    comment_kinds,
    comments_over_time,
    comments_per_step,
    educator_share,
    first_comment_steps,
    learner_ids,
    likes_distribution,
    likes_summary,
    pseudonyms,
)
from flbook.plotting import (
    plot_comment_staircase,
    plot_comments_over_time,
    plot_comments_per_step,
    plot_educator_share,
    plot_first_comment_steps,
    plot_likes,
)
from flbook.plotting._base import COLORS
from flbook.store import Course

STEPS = ["1.1", "1.2", "1.9", "1.10", "2.1"]

ENROLMENTS = pd.DataFrame(
    {
        "learner_id": ["a", "b", "c", "e"],
        "role": ["learner", "learner", "learner", "educator"],
        "fully_participated_at": ["2024-02-12 10:00:00", None, None, None],
    }
)
STEP_ACTIVITY = pd.DataFrame(
    {
        "learner_id": ["a", "a", "a", "a", "a", "b", "c"],
        "step": ["1.1", "1.2", "1.9", "1.10", "2.1", "1.1", "1.1"],
        "first_visited_at": "2024-02-05 09:00:00",
    }
)
COMMENTS = pd.DataFrame(
    {
        "id": [1, 2, 3, 4, 5, 6, 7],
        "author_id": ["a", "b", "e", "c", "a", "b", "e"],
        "parent_id": [None, 1, 1, None, None, None, None],
        "step": ["1.2", "1.2", "1.2", "1.9", "1.10", "1.1", "2.1"],
        "text": ["SECRET one", "SECRET two", "x", "y", "z", "w", "v"],
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
TEAM = pd.DataFrame({"id": ["e"], "team_role": ["lead_educator"]})


@pytest.fixture(scope="module")
def course() -> Course:
    return Course.from_frames(
        enrolments=ENROLMENTS, step_activity=STEP_ACTIVITY, comments=COMMENTS, team_members=TEAM
    )


@pytest.fixture(scope="module")
def quiet() -> Course:
    """Steps and learners, but not a single comment."""
    return Course.from_frames(enrolments=ENROLMENTS, step_activity=STEP_ACTIVITY, team_members=TEAM)


def _steps(course, first=0):
    codes = np.arange(first, len(course.steps), dtype=np.int16)
    return pd.Categorical.from_codes(codes, dtype=course.step_dtype)


def _ints(v):
    return np.array(v, dtype=np.int64)


def _days(first: str, n: int) -> pd.DatetimeIndex:
    return pd.date_range(first, periods=n, freq="D", tz="UTC").as_unit("ns")


# --------------------------------------------------------------------------- first comment


def test_first_comment_steps(course):
    # a: 1.2 (10:12), b: 1.1 (11:02, before its reply at 12:05), c: 1.9
    expected = pd.DataFrame({"step": _steps(course), "learners": _ints([1, 1, 1, 0, 0])})
    out = first_comment_steps(course)
    assert_frame_equal(out, expected)
    assert list(out["step"].astype(str)) == STEPS


def test_first_comment_steps_tie_takes_lowest_id(course):
    c = Course.from_frames(
        comments=pd.DataFrame(
            {
                "id": [11, 10],
                "author_id": ["x", "x"],
                "step": ["1.10", "1.9"],
                "timestamp": "2024-02-05 10:00:00",
            }
        )
    )
    assert list(first_comment_steps(c, group=None)["learners"]) == [1, 0]  # 1.9, 1.10


def test_first_comment_steps_everybody(course):
    assert list(first_comment_steps(course, group=None)["learners"]) == [1, 2, 1, 0, 0]


# --------------------------------------------------------------------------- over time


def test_comments_over_time_total_daily(course):
    expected = pd.DataFrame(
        {
            "time": _days("2024-02-05", 8),
            "series": pd.Categorical(["all comments"] * 8),
            "comments": _ints([4, 2, 0, 0, 0, 0, 0, 1]),
            "cumulative": _ints([4, 6, 6, 6, 6, 6, 6, 7]),
        }
    )
    assert_frame_equal(comments_over_time(course, freq="D"), expected)


def test_comments_over_time_hourly(course):
    out = comments_over_time(course)
    assert len(out) == 7 * 24 + 1  # 5 Feb 10:00 to 12 Feb 10:00
    assert out["time"].iloc[0] == pd.Timestamp("2024-02-05 10:00", tz="UTC")
    assert list(out["comments"].iloc[:3]) == [1, 1, 2]  # 10h: id1, 11h: id6, 12h: ids 2, 3
    assert out["cumulative"].iloc[-1] == len(COMMENTS)


def test_comments_over_time_by_author_type(course):
    out = comments_over_time(course, by="author_type", freq="D")
    expected = pd.DataFrame(
        {
            "time": _days("2024-02-05", 8).append(_days("2024-02-05", 8)),
            "series": pd.Categorical(
                ["learner"] * 8 + ["educator"] * 8, categories=["learner", "educator"]
            ),
            "comments": _ints([3, 2, 0, 0, 0, 0, 0, 0] + [1, 0, 0, 0, 0, 0, 0, 1]),
            "cumulative": _ints([3, 5, 5, 5, 5, 5, 5, 5] + [1, 1, 1, 1, 1, 1, 1, 2]),
        }
    )
    assert_frame_equal(out, expected)


def test_comments_over_time_by_educator(course):
    out = comments_over_time(course, by="educator", freq="D")
    name = pseudonyms(["e"], prefix="Educator", salt="").iloc[0] + " (lead_educator)"
    assert list(out["series"].unique()) == [name]
    assert list(out["cumulative"]) == [1, 1, 1, 1, 1, 1, 1, 2]
    assert not out["series"].astype(str).str.contains(r"\be\b").any()  # no raw id
    roles = comments_over_time(course, by="team_role", freq="D")
    assert list(roles["series"].unique()) == ["lead_educator"]
    assert list(roles["cumulative"]) == list(out["cumulative"])
    salted = comments_over_time(course, by="educator", freq="D", salt="other-run")
    assert salted["series"].iloc[0] != name


def test_comments_over_time_by_group(course):
    out = comments_over_time(course, by="group", group="fully_participated", freq="D")
    # learners only: a (fully participated) 1 + 1; b and c: 2 then 1; bins 5th and 6th
    expected = pd.DataFrame(
        {
            "time": _days("2024-02-05", 2).append(_days("2024-02-05", 2)),
            "series": pd.Categorical(
                ["fully_participated"] * 2 + ["others"] * 2,
                categories=["fully_participated", "others"],
            ),
            "comments": _ints([1, 1, 2, 1]),
            "cumulative": _ints([1, 2, 2, 3]),
        }
    )
    assert_frame_equal(out, expected)


def test_comments_over_time_by_week(course):
    out = comments_over_time(course, by="week", freq="D")
    assert list(out["series"].cat.categories) == ["Week 1", "Week 2"]
    w1 = out[out["series"] == "Week 1"]
    w2 = out[out["series"] == "Week 2"]
    assert list(w1["cumulative"]) == [4, 6, 6, 6, 6, 6, 6, 6]
    assert list(w2["cumulative"]) == [0, 0, 0, 0, 0, 0, 0, 1]


def test_comments_over_time_bad_by(course):
    with pytest.raises(ValueError, match="by="):
        comments_over_time(course, by="country")


# --------------------------------------------------------------------------- kinds, per step


def test_comment_kinds(course):
    overall = comment_kinds(course, per_step=False)
    expected = pd.DataFrame(
        {
            "kind": pd.Categorical(
                ["top-level comment", "reply"],
                categories=["top-level comment", "reply"],
                ordered=True,
            ),
            "comments": _ints([5, 2]),
            "pct": [500 / 7, 200 / 7],
        }
    )
    assert_frame_equal(overall, expected)
    per_step = comment_kinds(course)
    assert list(per_step["step"].astype(str)) == [s for s in STEPS for _ in range(2)]
    assert list(per_step["comments"]) == [1, 0, 1, 2, 1, 0, 1, 0, 1, 0]
    learners_only = comment_kinds(course, per_step=False, group="enrolled")
    assert list(learners_only["comments"]) == [4, 1]


def test_comments_per_step(course):
    expected = pd.DataFrame(
        {
            "step": _steps(course),
            "comments": _ints([1, 3, 1, 1, 1]),
            "top_level": _ints([1, 1, 1, 1, 1]),
            "replies": _ints([0, 2, 0, 0, 0]),
            "commenters": _ints([1, 3, 1, 1, 1]),
        }
    )
    assert_frame_equal(comments_per_step(course), expected)
    learners = comments_per_step(course, group="enrolled")
    assert list(learners["comments"]) == [1, 2, 1, 1, 0]
    assert list(learners["commenters"]) == [1, 2, 1, 1, 0]


def test_no_text_in_any_table(course):
    tables = [
        first_comment_steps(course),
        comments_over_time(course),
        comments_over_time(course, by="educator"),
        comment_kinds(course),
        comments_per_step(course),
        likes_summary(course),
        likes_distribution(course),
        educator_share(course),
    ]
    for t in tables:
        assert "text" not in t.columns
        for col in t.columns:
            assert not t[col].astype(str).str.contains("SECRET").any()


# --------------------------------------------------------------------------- likes


def test_likes_summary(course):
    kind = pd.CategoricalDtype(["top-level comment", "reply"], ordered=True)
    author = pd.CategoricalDtype(["learner", "educator", "other"], ordered=True)
    expected = pd.DataFrame(
        {
            "kind": pd.Categorical(
                ["top-level comment", "top-level comment", "reply", "reply"], dtype=kind
            ),
            "author_type": pd.Categorical(
                ["learner", "educator", "learner", "educator"], dtype=author
            ),
            "comments": _ints([4, 1, 1, 1]),
            "liked_comments": _ints([2, 1, 0, 1]),
            "pct_liked": [50.0, 100.0, 0.0, 100.0],
            "likes": _ints([3, 1, 0, 3]),
            "mean_likes": [0.75, 1.0, 0.0, 3.0],
            "median_likes": [0.5, 1.0, 0.0, 3.0],
            "max_likes": _ints([2, 1, 0, 3]),
        }
    )
    assert_frame_equal(likes_summary(course), expected)


def test_likes_summary_overall(course):
    out = likes_summary(course, by=())
    assert out.iloc[0].to_dict() == {
        "comments": 7,
        "liked_comments": 4,
        "pct_liked": pytest.approx(400 / 7),
        "likes": 7,
        "mean_likes": 1.0,
        "median_likes": 1.0,
        "max_likes": 3,
    }


def test_likes_distribution(course):
    out = likes_distribution(course, by="kind", max_likes=2)
    assert list(out["kind"].astype(str)) == ["top-level comment"] * 3 + ["reply"] * 3
    assert list(out["likes"].astype(str)) == ["0", "1", "2+"] * 2
    assert list(out["comments"]) == [2, 2, 1, 1, 0, 1]
    assert list(out["pct"]) == [40.0, 40.0, 20.0, 50.0, 0.0, 50.0]
    overall = likes_distribution(course, by=None, max_likes=3)
    assert list(overall.columns) == ["likes", "comments", "pct"]
    assert list(overall["comments"]) == [3, 2, 1, 1]


# --------------------------------------------------------------------------- educators


def test_educator_share(course):
    out = educator_share(course)
    assert list(out["period"].astype(str)) == ["All weeks"] * 2 + ["Week 1"] * 2 + ["Week 2"] * 2
    assert list(out["author_type"].astype(str)) == ["learner", "educator"] * 3
    assert list(out["comments"]) == [5, 2, 5, 1, 0, 1]
    np.testing.assert_allclose(out["pct"], [500 / 7, 200 / 7, 500 / 6, 100 / 6, 0, 100])


def test_unknown_author_is_other():
    c = Course.from_frames(
        comments=pd.DataFrame(
            {"id": [1], "author_id": ["ghost"], "step": ["1.1"], "timestamp": "2024-02-05 10:00:00"}
        )
    )
    assert list(educator_share(c)["author_type"].astype(str)) == ["other", "other"]
    assert list(comments_over_time(c, by="author_type")["series"]) == ["other"]


# --------------------------------------------------------------------------- empty


EMPTY_COLUMNS = {
    "first_comment_steps": (first_comment_steps, {}, ["step", "learners"]),
    "comments_over_time": (comments_over_time, {}, ["time", "series", "comments", "cumulative"]),
    "comments_over_time_week": (
        comments_over_time,
        {"by": "week"},
        ["time", "series", "comments", "cumulative"],
    ),
    "comments_over_time_educator": (
        comments_over_time,
        {"by": "educator"},
        ["time", "series", "comments", "cumulative"],
    ),
    "comment_kinds": (comment_kinds, {}, ["step", "kind", "comments"]),
    "comment_kinds_overall": (comment_kinds, {"per_step": False}, ["kind", "comments", "pct"]),
    "likes_summary": (
        likes_summary,
        {},
        [
            "kind",
            "author_type",
            "comments",
            "liked_comments",
            "pct_liked",
            "likes",
            "mean_likes",
            "median_likes",
            "max_likes",
        ],
    ),
    "likes_distribution": (likes_distribution, {}, ["kind", "likes", "comments", "pct"]),
    "educator_share": (educator_share, {}, ["period", "author_type", "comments", "pct"]),
    "comments_per_step": (
        comments_per_step,
        {},
        ["step", "comments", "top_level", "replies", "commenters"],
    ),
}


@pytest.mark.parametrize("name", list(EMPTY_COLUMNS))
def test_no_comments_gives_empty_tables(quiet, name):
    fn, kwargs, columns = EMPTY_COLUMNS[name]
    out = fn(quiet, **kwargs)
    assert len(out) == 0
    assert list(out.columns) == columns


def test_educator_series_empty_without_team():
    c = Course.from_frames(comments=COMMENTS.drop(columns="text"))
    out = comments_over_time(c, by="educator")
    assert len(out) == 0 and list(out.columns) == ["time", "series", "comments", "cumulative"]


# --------------------------------------------------------------------------- plots


def _bars(ax) -> int:
    return sum(len(c) for c in ax.containers)


def _curves(ax):
    return [ln for ln in ax.lines if not ln.get_label().startswith("_")]


def _highlighted(ax, kind) -> int:
    color = np.array(plt.matplotlib.colors.to_rgb(COLORS[kind]))
    bars = {id(b) for c in ax.containers for b in c}
    return sum(
        1 for p in ax.patches if id(p) not in bars and np.allclose(p.get_facecolor()[:3], color)
    )


def _legend(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_plot_comments_over_time(course):
    fig, ax = plt.subplots()
    data = comments_over_time(course, by="author_type", freq="D")
    out = plot_comments_over_time(
        data,
        notable_dates={"Newsletter": "2024-02-07"},
        week_starts=["2024-02-05", "2024-02-12"],
        ax=ax,
    )
    assert out is ax
    assert len(_curves(ax)) == 2
    assert _legend(ax) == ["learner", "educator"]
    texts = [t.get_text() for t in ax.texts]
    assert "W1" in texts and "W2" in texts and " Newsletter" in texts
    assert list(_curves(ax)[0].get_ydata()) == [3, 5, 5, 5, 5, 5, 5, 5]
    fig, ax = plt.subplots()
    plot_comments_over_time(comments_over_time(course), y="comments", ax=ax)
    assert ax.get_ylabel() == "Comments per hour"
    assert ax.get_legend() is None


def test_plot_comment_staircase(course):
    fig, ax = plt.subplots()
    out = plot_comment_staircase(
        comments_over_time(course, by="week", freq="D"), normalise=True, ax=ax
    )
    assert out is ax
    curves = _curves(ax)
    assert len(curves) == 2
    assert [c.get_ydata()[-1] for c in curves] == [100, 100]
    assert curves[0].get_drawstyle() == "steps-post"


def test_plot_comments_per_step(course):
    fig, ax = plt.subplots()
    out = plot_comments_per_step(comments_per_step(course), social_steps=["1.2"], ax=ax)
    assert out is ax
    assert len(ax.containers) == 2
    assert _bars(ax) == 2 * len(course.steps)
    assert [b.get_height() for b in ax.containers[1]] == [0, 2, 0, 0, 0]
    assert [t.get_text() for t in ax.get_xticklabels()] == STEPS
    assert _highlighted(ax, "social") == 1
    assert _legend(ax) == ["Top-level comments", "Replies", "Distinct commenters", "social step"]


def test_plot_first_comment_steps(course):
    fig, ax = plt.subplots()
    out = plot_first_comment_steps(  # min_learners=1: the drawing, not the small-count rule
        first_comment_steps(course),
        exercise_steps=["1.9"],
        social_steps=["1.2"],
        min_learners=1,
        ax=ax,
    )
    assert out is ax
    assert _bars(ax) == len(course.steps)
    assert [b.get_height() for b in ax.containers[0]] == [1, 1, 1, 0, 0]
    assert _highlighted(ax, "exercise") == 1 and _highlighted(ax, "social") == 1
    assert _legend(ax) == ["exercise step", "social step"]


def test_plot_likes(course):
    fig, ax = plt.subplots()
    out = plot_likes(likes_distribution(course, by="kind", max_likes=2), ax=ax)
    assert out is ax
    assert len(ax.containers) == 2 and _bars(ax) == 6
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2+"]
    assert _legend(ax) == ["top-level comment", "reply"]


def test_plot_educator_share(course):
    fig, ax = plt.subplots()
    out = plot_educator_share(educator_share(course), ax=ax)
    assert out is ax
    assert len(ax.containers) == 2 and _bars(ax) == 6
    assert _legend(ax) == ["learner", "educator"]


def test_plots_on_no_comments_say_no_data(quiet):
    cases = [
        (plot_comments_over_time, comments_over_time(quiet)),
        (plot_comment_staircase, comments_over_time(quiet, by="week")),
        (plot_comments_per_step, comments_per_step(quiet)),
        (plot_first_comment_steps, first_comment_steps(quiet)),
        (plot_likes, likes_distribution(quiet)),
        (plot_educator_share, educator_share(quiet)),
    ]
    for plot, data in cases:
        fig, ax = plt.subplots()
        assert plot(data, ax=ax) is ax
        assert "No data" in [t.get_text() for t in ax.texts], plot.__name__
        plt.close(fig)


# --------------------------------------------------------------------------- synthetic


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    from flbook import load_course
    from flbook.synth import make_course

    d = tmp_path_factory.mktemp("synth-social")
    make_course(d / "export", learners=400, weeks=3, seed=11)
    return load_course(d / "export" / "course.yml", cache=d / "cache")


def test_synth_cumulative_equals_comments(synth):
    n = len(synth.comments)
    assert n > 0
    assert comments_over_time(synth)["cumulative"].iloc[-1] == n
    for by in ("author_type", "week"):
        out = comments_over_time(synth, by=by, freq="D")
        assert out.groupby("series", observed=True)["cumulative"].last().sum() == n
        assert out.groupby("series", observed=True)["comments"].sum().sum() == n
    team = synth.team_members["id"].astype(object)
    by_team = synth.comments["author_id"].astype(object).isin(team).sum()
    for by in ("educator", "team_role"):
        out = comments_over_time(synth, by=by)
        assert out.groupby("series", observed=True)["cumulative"].last().sum() == by_team
        people = set(synth.people.astype(str))
        assert not set(out["series"].astype(str)) & people  # pseudonyms only


def test_synth_per_step_tables(synth):
    steps = list(synth.steps["step"].astype(str))
    for out in (first_comment_steps(synth), comments_per_step(synth)):
        assert list(out["step"].astype(str)) == steps
    per_step = comments_per_step(synth)
    assert per_step["comments"].sum() == len(synth.comments)
    assert (per_step["top_level"] + per_step["replies"] == per_step["comments"]).all()
    assert (per_step["commenters"] <= per_step["comments"]).all()
    learners = learner_ids(synth)
    commenters = synth.comments["author_id"].astype(object)
    assert (
        first_comment_steps(synth)["learners"].sum()
        == commenters[commenters.isin(learners)].nunique()
    )
    kinds = comment_kinds(synth, per_step=False)
    assert kinds["comments"].sum() == len(synth.comments)
    assert (synth.comments["parent_id"].notna().sum()) == kinds["comments"].iloc[1]


def test_synth_likes_and_share(synth):
    n = len(synth.comments)
    summary = likes_summary(synth)
    assert summary["comments"].sum() == n
    assert summary["likes"].sum() == synth.comments["likes"].fillna(0).sum()
    dist = likes_distribution(synth, by="author_type")
    np.testing.assert_allclose(dist.groupby("author_type", observed=True)["pct"].sum(), 100)
    share = educator_share(synth)
    weeks = share[share["period"] != "All weeks"]
    assert weeks["comments"].sum() == n
    overall = share[share["period"] == "All weeks"]
    assert overall["comments"].sum() == n
    edu = overall.loc[overall["author_type"] == "educator", "comments"].item()
    team = synth.team_members["id"].astype(object)
    assert edu == synth.comments["author_id"].astype(object).isin(team).sum()


def _legend_above(ax) -> bool:
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return ax.get_legend().get_window_extent(renderer).y0 >= ax.get_window_extent(renderer).y1


def test_social_legends_sit_above_the_plot(course):
    charts = [
        lambda ax: plot_comments_over_time(
            comments_over_time(course, by="author_type", freq="D"),
            week_starts=["2024-02-05"],
            ax=ax,
        ),
        lambda ax: plot_comment_staircase(comments_over_time(course, by="week"), ax=ax),
        lambda ax: plot_comments_per_step(comments_per_step(course), social_steps=["1.2"], ax=ax),
        lambda ax: plot_first_comment_steps(
            first_comment_steps(course), social_steps=["1.2"], ax=ax
        ),
        lambda ax: plot_likes(likes_distribution(course), ax=ax),
        lambda ax: plot_educator_share(educator_share(course), ax=ax),
    ]
    for draw in charts:
        fig, ax = plt.subplots(figsize=(8, 3.5))
        draw(ax)
        assert _legend_above(ax)
        plt.close(fig)


def test_series_names_read_as_words_and_lines_are_never_yellow():
    n = 9
    data = pd.DataFrame(
        {
            "time": pd.to_datetime(["2024-02-05", "2024-02-06"] * n, utc=True),
            "series": pd.Categorical(np.repeat([f"group_{i}" for i in range(n)], 2)),
            "comments": 1,
            "cumulative": np.tile([1, 2], n),
        }
    )
    fig, ax = plt.subplots()
    plot_comments_over_time(data, ax=ax)
    assert _legend(ax)[0] == "group 0"
    yellow = np.array(plt.matplotlib.colors.to_rgb("#F0E442"))
    for line in _curves(ax):
        assert not np.allclose(plt.matplotlib.colors.to_rgb(line.get_color()), yellow)
