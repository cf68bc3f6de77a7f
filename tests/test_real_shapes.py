"""Charts and tables on the shapes of real exports (issue 15, items 1, 5, 6 and 8).

Hand-made frames with the traits seen in real runs: registration ten months before
the start, weeks without a row, a notable date years away, video titles of 90
characters, survey answers and notebooks of one to five learners.
"""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import Rectangle

import flbook as fl
from flbook import analysis as fa
from flbook import plotting as flp
from flbook._setup import ChapterStop, Table
from flbook.privacy import MIN_COUNT, count_text, hide_small, people_columns, small_cells
from flbook.store import Course

START = pd.Timestamp("2018-06-11", tz="UTC")
WEEKS = [START + pd.Timedelta(days=7 * k) for k in range(3)]


def _overlaps(boxes) -> list[tuple[int, int]]:
    """Pairs of drawn boxes (display coordinates) that overlap."""
    out = []
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            a, b = boxes[i], boxes[j]
            if a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1:
                out.append((i, j))
    return out


def _wide_course() -> Course:
    """Enrolments from ten months before the start to four months after it, with a
    month (2017-12-01 to 2017-12-31) in which nobody enrolled."""
    days = pd.date_range("2017-08-15", "2018-10-30", freq="D")
    days = days[(days < "2017-12-01") | (days > "2017-12-31")]
    ids = [f"p{i}" for i in range(len(days))]
    return Course.from_frames(
        enrolments=pd.DataFrame(
            {
                "learner_id": ids,
                "role": "learner",
                "enrolled_at": days.strftime("%Y-%m-%d 10:00:00"),
            }
        )
    )


# ----------------------------------------------------------------- item 5: wide dates


def test_week_labels_never_overlap_on_a_wide_date_range():
    course = _wide_course()
    fig, ax = plt.subplots(figsize=(8, 4))
    flp.plot_enrolment_timeline(fa.enrolment_timeline(course), week_starts=WEEKS, ax=ax)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.texts if t.get_gid() == "week-label"]
    assert labels  # the weeks are still named
    assert _overlaps([t.get_window_extent(renderer) for t in labels]) == []
    # each label sits over the weeks it names
    lo, hi = ax.get_xlim()
    assert lo < flp._base._num(WEEKS[0]) and flp._base._num(WEEKS[-1]) < hi


def test_week_labels_stay_one_per_week_when_there_is_room():
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(pd.to_datetime(["2018-06-01", "2018-07-10"], utc=True), [0, 1])
    flp.week_shading(ax, WEEKS)
    assert [t.get_text() for t in ax.texts] == ["W1", "W2", "W3"]


def test_a_day_without_rows_is_drawn_as_zero():
    course = _wide_course()
    fig, ax = plt.subplots(figsize=(8, 4))
    flp.plot_daily_records(fa.daily_records(course), week_starts=WEEKS, ax=ax)
    (line,) = [ln for ln in ax.lines if ln.get_gid() == "enrolments"]
    x = pd.to_datetime(line.get_xdata(), utc=True)
    y = np.asarray(line.get_ydata(), dtype=float)
    december = (x >= "2017-12-01") & (x <= "2017-12-31")
    assert december.sum() == 31  # every quiet day has a point...
    assert (y[december] == 0).all()  # ...at zero
    assert (y[~december] == 1).all()
    assert ax.get_ylim()[0] == 0  # and zero is on the chart


def test_a_far_notable_date_sits_at_the_edge_and_does_not_widen_the_axis():
    course = _wide_course()
    data = fa.enrolment_timeline(course)
    fig, ax = plt.subplots(figsize=(8, 4))
    flp.plot_enrolment_timeline(data, week_starts=WEEKS, ax=ax)
    plain = ax.get_xlim()
    fig, ax = plt.subplots(figsize=(8, 4))
    flp.plot_enrolment_timeline(
        data,
        week_starts=WEEKS,
        notable_dates={"Old newsletter": "2015-01-20", "Start": "2018-06-11"},
        ax=ax,
    )
    assert ax.get_xlim() == pytest.approx(plain)
    edge = [t for t in ax.texts if t.get_gid() == "date-off-axis"]
    assert [t.get_text() for t in edge] == ["\u2190 Old newsletter, 2015-01-20"]
    assert edge[0].get_position()[0] < 0.05  # at the left edge (axes coordinates)
    inside = [t.get_text() for t in ax.texts if t.get_gid() == "date-label"]
    assert inside == [" Start"]


def test_a_notable_date_just_outside_the_data_still_gets_its_line():
    course = _wide_course()
    fig, ax = plt.subplots(figsize=(8, 4))
    flp.plot_daily_enrolments(
        fa.daily_enrolments(course), notable_dates={"Soon after": "2018-11-05"}, ax=ax
    )
    assert [t.get_text() for t in ax.texts if t.get_gid() == "date-label"] == [" Soon after"]
    assert ax.get_xlim()[1] >= flp._base._num(pd.Timestamp("2018-11-05", tz="UTC"))


def test_week_end_lines_stop_at_the_last_week():
    hist = pd.DataFrame({"measure": "study_days", "days": np.arange(120), "learners": 12})
    fig, ax = plt.subplots(figsize=(8, 3.5))
    flp.plot_duration_histogram(hist, weeks=3, ax=ax)
    ends = sorted(ln.get_xdata()[0] for ln in ax.lines if ln.get_gid() == "week-end")
    assert ends == [6.5, 13.5, 20.5]


# ----------------------------------------------------------------- item 6: long titles

TITLES = [
    f"Week {1 + i // 6}: an introduction to the history of data analysis in the humanities, "
    f"part {i}"
    for i in range(18)
]


def _videos() -> Course:
    return Course.from_frames(
        video_stats=pd.DataFrame(
            {
                "step_position": [f"{1 + i // 6}.{1 + i % 6}" for i in range(18)],
                "title": TITLES,
                "video_duration": [300.0] * 18,
                "total_views": [500] * 18,
                "desktop_device_percentage": 60.0,
                "mobile_device_percentage": 40.0,
                "europe_views_percentage": 70.0,
                "asia_views_percentage": 30.0,
            }
        )
    )


@pytest.mark.parametrize("height", [3.5, 6.6])
@pytest.mark.parametrize("draw", [flp.plot_video_devices, flp.plot_video_regions])
def test_long_video_titles_do_not_overlap(draw, height):
    course = _videos()
    analysis = fa.video_devices if draw is flp.plot_video_devices else fa.video_regions
    data = analysis(course, wide=True)
    fig, ax = plt.subplots(figsize=(8, height))
    draw(data, ax=ax)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ticks = [t for t in ax.get_yticklabels() if t.get_text()]
    assert len(ticks) == 18  # every video keeps a label at these sizes
    assert _overlaps([t.get_window_extent(renderer) for t in ticks]) == []
    assert all(t.get_text().startswith(f"{1 + i // 6}.{1 + i % 6} ") for i, t in enumerate(ticks))
    assert all(t.get_text().endswith("\u2026") for t in ticks)  # shortened, and says so


def test_the_video_table_gives_each_full_title():
    table = fa.video_summary(_videos())
    assert list(table["title"]) == TITLES
    assert list(table["step"].astype(str))[:2] == ["1.1", "1.2"]
    assert table["minutes"].tolist() == [5.0] * 18
    assert TITLES[0] in Table(table)._repr_html_()


# ----------------------------------------------------------------- item 8: small counts


def test_people_columns_are_found_by_name():
    frame = pd.DataFrame(
        {
            "notebook": ["a"],
            "learners": [3],
            "learners_executing": [2],
            "learners_label": ["3"],
            "pct_learners": [1.0],
            "responses": [4],
            "executions": [40],
            "enrolments": [5],
        }
    )
    assert people_columns(frame) == ["learners", "learners_executing", "responses", "enrolments"]


def test_a_row_about_few_people_hides_every_figure():
    frame = pd.DataFrame(
        {
            "notebook": ["big.ipynb", "solo.ipynb"],
            "learners": [40, 1],
            "executions": [300, 57],
            "pct_error_rate": [12.5, 61.4],
            "median_session_minutes": [22.0, 97.0],
            "learners_executing": [35, 1],
        }
    )
    cells = small_cells(frame)
    assert cells.loc[1].tolist() == [False, True, True, True, True, True]
    assert not cells.loc[0].any()
    hidden = hide_small(frame)
    assert hidden.loc[0, "executions"] == 300
    assert hidden.loc[1, ["learners", "executions", "pct_error_rate"]].isna().all()
    assert hidden.loc[1, "notebook"] == "solo.ipynb"
    assert hidden.attrs["hidden_rows"] == 1
    assert frame.loc[1, "executions"] == 57  # the input is not changed
    text = Table(frame)._repr_html_()
    cells = re.sub(r"<td[^>]*>", "<td>", text)  # cell alignment styles aside
    assert (
        "<td>solo.ipynb</td><td>&lt;10</td><td>–</td><td>–</td><td>–</td><td>&lt;10</td>" in cells
    )
    assert "57" not in text and "61.4" not in text and "97" not in text
    assert "fewer than 10 people" in text


def test_a_small_count_beside_a_large_one_hides_only_itself():
    frame = pd.DataFrame(
        {"utm_source": ["news"], "enrolments": [500], "upgrades_purchased": [3], "pct": [40.0]}
    )
    shown = Table(frame).formatted()
    assert shown.iloc[0].tolist() == ["news", "500", "<10", "40.0%"]


def test_zero_and_ten_are_shown():
    frame = pd.DataFrame({"step": ["1.1", "1.2"], "learners": [0, MIN_COUNT]})
    assert Table(frame).formatted()["Learners"].tolist() == ["0", "10"]
    assert count_text(3) == "fewer than 10" and count_text(12) == "12"


def test_the_notebooks_table_never_shows_a_lone_learner():
    def ev(user, notebook, minute, ok):
        return {
            "user": user,
            "learner_id": user,
            "session": f"s-{user}-{notebook}",
            "notebook": notebook,
            "event": "CellExecuteEvent",
            "time": f"2024-02-05 10:{minute:02d}:00",
            "cell_id": "c1",
            "cell_index": 0,
            "success": ok,
            "error_name": None if ok else "NameError",
        }

    rows = [ev(f"u{i}", "shared.ipynb", i, i % 3 > 0) for i in range(12)]
    rows += [ev("u0", "solo.ipynb", m, m % 2 == 0) for m in range(20, 50)]
    people = sorted({r["learner_id"] for r in rows})
    course = Course.from_frames(
        enrolments=pd.DataFrame(
            {"learner_id": people, "role": "learner", "enrolled_at": "2024-02-01 10:00:00"}
        ),
        notebook_events=pd.DataFrame(rows),
    )
    summary = fa.notebook_summary(course)
    solo = summary[summary["notebook"].astype(str) == "solo.ipynb"]
    assert solo["learners"].tolist() == [1]  # the analysis counts it...
    shown = Table(summary).formatted()
    row = shown[shown["Notebook"] == "solo.ipynb"].iloc[0]
    assert row["Learners"] == "<10"  # ...the book does not show it
    figures = [c for c in shown.columns if c not in ("Notebook", "Step", "Learners")]
    assert all(row[c] in ("–", "<10") for c in figures), row.to_dict()
    other = shown[shown["Notebook"] == "shared.ipynb"].iloc[0]
    assert other["Learners"] == "12"


def _leaving(by: str) -> pd.DataFrame:
    """Leavers by reason and last completed step: one reason given by 30, others by 1-5."""
    rows = []
    for step, reason, n in [
        ("1.2", "I don\u2019t have enough time", 30),
        ("1.2", "Other", 3),
        ("1.3", "The course wasn\u2019t what I expected", 5),
        ("2.1", "I prefer not to say", 1),
    ]:
        for _ in range(n):
            rows.append((step, reason))
    frame = pd.DataFrame(rows, columns=["last_completed_step", "leaving_reason"])
    course = Course.from_frames(
        leaving_survey_responses=frame.assign(
            id=range(len(frame)),
            learner_id=[f"l{i}" for i in range(len(frame))],
            left_at="2024-02-20 10:00:00",
        )
    )
    return fa.leaving_reasons(course, by=by, wide=by != "reason")


@pytest.mark.parametrize("by", ["reason", "week", "step"])
def test_leaving_reasons_chart_draws_no_count_under_ten(by):
    data = _leaving(by)
    counts = data["responses"] if by == "reason" else data.iloc[:, 1:].stack()
    assert counts.between(1, MIN_COUNT - 1).any()  # the table has small groups
    fig, ax = plt.subplots(figsize=(9, 4))
    flp.plot_leaving_reasons(data, ax=ax)
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    sizes = [p.get_width() if by == "reason" else p.get_height() for p in bars]
    drawn = [s for s in sizes if s > 0]
    assert drawn == [30]
    # 9 answers are left out: that count is under 10 too, so it is not given either
    assert ax.get_xlabel().endswith("\nNot shown: fewer than 10 answers in groups of fewer than 10")
    legend = [t.get_text() for t in ax.get_legend().get_texts()] if ax.get_legend() else []
    assert not any("prefer not" in t for t in legend)


def test_leaving_reasons_by_step_with_only_small_groups_say_so():
    data = _leaving("step")
    time = "I don\u2019t have enough time"
    small = data.assign(**{time: 0})  # the one group of 30 gone: only small groups left
    no_step = data.head(1).copy()
    no_step.iloc[0, 1:] = 0
    no_step = no_step.assign(last_completed_step=np.nan, **{time: 12})  # 12 did no step
    fig, ax = plt.subplots()
    flp.plot_leaving_reasons(pd.concat([small, no_step], ignore_index=True), ax=ax)
    assert [t.get_text() for t in ax.texts] == [
        "No step has 10 or more leavers giving one reason\n"
        "(fewer than 10 answers are not shown)\n12 leavers had completed no step"
    ]


def test_leaving_reasons_of_only_small_groups_say_so():
    data = _leaving("reason")
    data = data[data["responses"] < MIN_COUNT]
    fig, ax = plt.subplots()
    flp.plot_leaving_reasons(data, ax=ax)
    assert [t.get_text() for t in ax.texts] == ["Every group of answers is smaller than 10"]
    assert not [p for p in ax.patches if isinstance(p, Rectangle) and p.get_width() > 0]


def test_group_charts_draw_no_count_under_ten():
    # population groups: a bar of 3 learners is neither drawn nor numbered
    groups = pd.DataFrame(
        {"group": ["enrolled", "purchased"], "learners": [250, 3], "pct_of_enrolled": [100.0, 1.2]}
    )
    fig, ax = plt.subplots()
    flp.plot_population_summary(groups, ax=ax)
    assert [p.get_width() for p in ax.containers[0]] == [250, 0]
    assert [t.get_text() for t in ax.texts] == ["250 (100%)", "<10"]
    # archetypes: the small archetype has no bars and reads n<10
    arche = pd.DataFrame(
        {
            "archetype": ["Explorers", "Fixers"],
            "learners": [40, 2],
            "pct_visited_any": [90.0, 50.0],
            "pct_completed_any": [80.0, 50.0],
            "pct_fully_participated": [30.0, 50.0],
        }
    )
    fig, ax = plt.subplots()
    flp.plot_archetypes(arche, ax=ax)
    widths = [p.get_width() for p in ax.patches]
    assert sorted(w for w in widths if w == w) == [30.0, 80.0, 90.0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Explorers (n=40)", "Fixers (n<10)"]
    # sentiment: a week rated by 4 learners is not drawn
    sent = pd.DataFrame(
        {
            "week_number": [1, 2],
            "responses": [40, 4],
            "bad": [25.0, 0.0],
            "neutral": [0.0, 0.0],
            "good": [75.0, 100.0],
        }
    )
    fig, ax = plt.subplots()
    flp.plot_sentiment(sent, ax=ax)
    heights = [p.get_height() for p in ax.patches if p.get_x() > 0.5]  # week 2's bar
    assert heights and all(h == 0 for h in heights)
    assert "n<10" in [t.get_text() for t in ax.texts] and "n=40" in [t.get_text() for t in ax.texts]
    # campaigns: an upgrade count of 3 is not drawn
    camp = pd.DataFrame(
        {
            "utm_source": ["news"],
            "enrolments": pd.array([120], dtype="Int64"),
            "active_learners": pd.array([40], dtype="Int64"),
            "upgrades_purchased": pd.array([3], dtype="Int64"),
        }
    )
    fig, ax = plt.subplots()
    flp.plot_campaigns(camp, ax=ax)
    assert sorted(p.get_width() for p in ax.patches if p.get_width() == p.get_width()) == [40, 120]
    assert "not drawn" in ax.get_xlabel()


def test_step_charts_draw_no_bar_under_ten_learners():
    steps = pd.DataFrame(
        {
            "step": pd.Categorical(["1.1", "1.2", "1.10"], ["1.1", "1.2", "1.10"], ordered=True),
            "learners": [40, 4, 0],
            "stopped_cumulative": [40, 44, 44],
            "went_on": [4, 0, 0],
        }
    )
    for draw in (flp.plot_step_counts, flp.plot_stopped_here, flp.plot_first_comment_steps):
        fig, ax = plt.subplots()
        draw(steps, ax=ax)
        assert [b.get_height() for b in ax.containers[0]] == [40, 0, 0]
        assert "counts under 10 are not shown" in ax.get_xlabel()
        if draw is flp.plot_stopped_here:  # its lines still add up every learner
            assert list(ax.lines[-1].get_ydata()) == [4, 0, 0]
    counts = pd.DataFrame(
        {
            "step": ["1.1", "1.1", "1.2", "1.2"],
            "measure": ["visited", "comments", "visited", "comments"],
            "count": [50, 3, 7, 2],
        }
    )
    fig, ax = plt.subplots()
    flp.plot_step_counts(counts, ax=ax)
    visits, comments = ax.containers
    assert [b.get_height() for b in visits] == [50, 0]  # learners: 7 is hidden
    assert [b.get_height() for b in comments] == [3, 2]  # comments are not people


def test_a_histogram_of_learners_draws_no_bar_under_ten():
    hist = pd.DataFrame(
        {
            "group": "enrolled",
            "measure": "sessions",
            "bin_left": [1.0, 2.0, 3.0, 4.0],
            "bin_right": [2.0, 3.0, 4.0, 5.0],
            "learners": [120, 45, 3, 0],
            "pct": [71.9, 26.9, 1.8, 0.0],
        }
    )
    fig, ax = plt.subplots()
    flp.plot_session_distribution(hist, ax=ax)
    assert [p.get_height() for p in ax.patches] == [120, 45, 0, 0]
    assert "counts under 10 are not shown" in ax.get_xlabel()


def test_answer_heatmap_cells_under_ten_are_blank():
    data = pd.DataFrame(
        {
            "quiz_question": ["1.2.1", "1.2.1"],
            "response": ["1", "2"],
            "responses": [40, 4],
            "pct": [90.9, 9.1],
            "is_correct": [True, False],
        }
    )
    fig, ax = plt.subplots()
    flp.plot_response_heatmap(data, colorbar=False, ax=ax)
    assert [t.get_text() for t in ax.texts] == ["\u2713 40", "<10"]  # the key is ticked
    shown = ax.images[0].get_array()
    assert not np.ma.is_masked(shown[0, 0]) and np.ma.is_masked(shown[0, 1])


def test_error_names_of_few_learners_are_not_drawn():
    errors = pd.DataFrame(
        {"error_name": ["NameError", "KeyError"], "failed": [120, 40], "learners": [35, 2]}
    )
    fig, ax = plt.subplots()
    flp.plot_error_names(errors, ax=ax)
    assert [p.get_width() for p in ax.patches] == [120, 0]
    assert [t.get_text() for t in ax.texts] == [" 35 learners", " <10 learners"]


# ----------------------------------------------------------------- item 1: no data


def test_a_chapter_without_its_data_stops_in_one_sentence(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj.data))
    empty = Course.from_frames(
        enrolments=pd.DataFrame(
            {"learner_id": ["a"], "role": ["learner"], "enrolled_at": ["2024-02-01 10:00:00"]}
        )
    )
    with pytest.raises(ChapterStop) as stop:
        fl.require_data(empty, "step-activity", what="step activity")
    reason = str(stop.value)
    assert reason.count(". ") == 0 and reason.endswith(".")  # one sentence
    assert "no step activity" in reason and "step-activity file" in reason
    assert "No step activity in this export" in shown[0]
    # with data, nothing is said and the chapter goes on
    full = Course.from_frames(
        step_activity=pd.DataFrame(
            {"learner_id": ["a"], "step": ["1.1"], "first_visited_at": ["2024-02-05 10:00:00"]}
        )
    )
    fl.require_data(full, "step-activity", what="step activity")
    # several datasets: the chapter goes on when any of them has rows
    fl.require_data(full, "comments", "step-activity", what="activity")
    with pytest.raises(ChapterStop, match=r"its comments and question-response files are"):
        fl.require_data(full, "comments", "question-response", what="comments or answers")


def test_an_empty_table_says_so_in_words():
    table = Table(pd.DataFrame({"group": pd.Series([], dtype=str), "learners": []}))
    assert "No rows: this export holds no data for this table." in table._repr_html_()
