"""Explorers: offline HTML (no CDN), one library copy each, PNG fallback, aggregated and private.

The counts by hand are checked with ``min_learners=1`` (the fixtures are tiny); the
small-count rule itself has tests of its own at the end.
"""

from __future__ import annotations

import json
import re
import sys
import types
from html.parser import HTMLParser

import pandas as pd
import plotly.graph_objects as go
import pytest

from flbook.explore import (
    LIB_ATTR,
    Explorer,
    explore_quiz,
    explore_step_activity,
    explore_timeline,
    plotly_js,
)
from flbook.store import Course

PNG = b"\x89PNG\r\n\x1a\n"
EXPLORERS = [explore_step_activity, explore_timeline, explore_quiz]
T0 = "2024-02-05 10:00:00"


class _Tags(HTMLParser):
    """Collects start tags with their attributes (script bodies are not tags)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict]]:
    p = _Tags()
    p.feed(html)
    return p.tags


def _without_library(html: str) -> str:
    lib = plotly_js()
    assert html.count(lib) == 1
    return html.replace(lib, "")


def _figure_from_html(html: str) -> dict:
    """The data and layout that the page's ``Plotly.newPlot(id, data, layout, config)`` draws."""
    call = html.index("Plotly.newPlot(") + len("Plotly.newPlot(")
    decoder = json.JSONDecoder()
    values = []
    pos = call
    for _ in range(4):  # id, data, layout, config
        while html[pos] in " \n\t,":
            pos += 1
        value, pos = decoder.raw_decode(html, pos)
        values.append(value)
    return {"data": values[1], "layout": values[2], "config": values[3]}


def _fig(ex) -> dict:
    """The figure as the page carries it (plain JSON)."""
    return json.loads(ex.figure_json())


@pytest.fixture()
def small() -> Course:
    """Three learners (a, b enrolled learners; z an educator), two steps, one quiz question."""
    return Course.from_frames(
        enrolments=pd.DataFrame(
            {
                "learner_id": ["a", "b", "z"],
                "role": ["learner", "learner", "educator"],
                "enrolled_at": ["2024-02-01 09:00:00", "2024-02-03 09:00:00", T0],
                "unenrolled_at": [None, "2024-02-06 12:00:00", None],
                "fully_participated_at": ["2024-02-06 12:00:00", None, None],
            }
        ),
        step_activity=pd.DataFrame(
            {
                "learner_id": ["a", "a", "b", "z"],
                "step": ["1.1", "1.10", "1.1", "1.1"],
                "first_visited_at": [T0, "2024-02-06 10:00:00", T0, T0],
                "last_completed_at": [T0, None, "2024-02-05 11:00:00", None],
            }
        ),
        comments=pd.DataFrame(
            {
                "id": [1, 2],
                "author_id": ["a", "b"],
                "step": ["1.10", "1.10"],
                "text": ["hello", "hi"],
                "timestamp": ["2024-02-06 10:05:00", "2024-02-06 10:06:00"],
            }
        ),
        question_response=pd.DataFrame(
            {
                "learner_id": ["a", "a", "b"],
                "quiz_question": ["1.10.1"] * 3,
                "response": ["3,1", "2", "1,3"],
                "submitted_at": ["2024-02-06 10:01:00", "2024-02-06 10:00:00", T0],
                "correct": [True, False, True],
            }
        ),
    )


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    import flbook

    root = tmp_path_factory.mktemp("explore-synth")
    flbook.make_course(root / "data", learners=2000, weeks=3, seed=5)
    return flbook.load_course(root / "data" / "course.yml", cache=root / "cache")


@pytest.fixture(scope="module")
def explorers(synth):
    return {fn.__name__: fn(synth) for fn in EXPLORERS}


# --------------------------------------------------------------------------- offline HTML


@pytest.mark.parametrize("name", [fn.__name__ for fn in EXPLORERS])
def test_html_is_offline_with_one_library_copy(explorers, name):
    html = explorers[name].to_html()
    assert "<script src" not in html.lower()
    for tag, attrs in _tags(html):
        for key in ("src", "href"):
            assert "http" not in (attrs.get(key) or ""), (tag, attrs)
        if tag == "script":
            assert "src" not in attrs
    assert html.count(LIB_ATTR) == 1
    assert html.count(f"<script {LIB_ATTR}>") == 1
    libs = [a for t, a in _tags(html) if t == "script" and "data-flbook-lib" in a]
    assert libs == [{"data-flbook-lib": "plotly"}]
    rest = _without_library(html)
    assert "http" not in rest  # nothing outside the library points anywhere
    assert "Plotly.newPlot" in rest
    # the chart's own script is separate from the library's
    assert rest.index("</script>") < rest.index("Plotly.newPlot")


def test_library_can_be_left_out(explorers):
    ex = explorers["explore_quiz"]
    html = ex.to_html(include_plotlyjs=False)
    assert LIB_ATTR not in html and len(html) < 200_000
    assert "Plotly.newPlot" in html


def test_each_rendering_has_its_own_div_id(explorers):
    ex = explorers["explore_timeline"]
    ids = [
        re.search(r'id="(flbook-[^"]+)"', ex.to_html(include_plotlyjs=False)).group(1) for _ in "ab"
    ]
    assert ids[0] != ids[1]
    assert 'id="mine"' in ex.to_html(include_plotlyjs=False, div_id="mine")


@pytest.mark.parametrize("name", [fn.__name__ for fn in EXPLORERS])
def test_mimebundle_has_html_png_and_text(explorers, name):
    ex = explorers[name]
    bundle = ex._repr_mimebundle_()
    assert set(bundle) == {"text/html", "image/png", "text/plain"}
    assert isinstance(bundle["image/png"], bytes) and bundle["image/png"].startswith(PNG)
    assert len(bundle["image/png"]) > 5_000
    assert "\n" not in bundle["text/plain"] and bundle["text/plain"].startswith("Interactive chart")
    assert bundle["text/html"].count(LIB_ATTR) == 1
    assert repr(ex).startswith("<Explorer:")


@pytest.mark.parametrize("name", [fn.__name__ for fn in EXPLORERS])
def test_json_is_small_aggregated_and_valid_plotly(explorers, name):
    ex = explorers[name]
    size = len(ex.figure_json().encode())
    assert size < 200_000, size
    fig = _figure_from_html(ex.to_html(include_plotlyjs=False))
    assert fig["data"] == _fig(ex)["data"]  # the page draws the explorer's figure
    assert fig["config"] == {"responsive": True, "displaylogo": False}
    go.Figure({"data": fig["data"], "layout": fig["layout"]})  # plotly knows every property
    longest = max(len(t.get("x", [])) for t in fig["data"])
    assert longest < 500  # per step / day / answer, never per learner


@pytest.mark.parametrize("name", [fn.__name__ for fn in EXPLORERS])
def test_no_learner_id_in_html(synth, explorers, name):
    rest = _without_library(explorers[name].to_html())
    found = set(re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", rest))
    assert not found & set(synth.people)
    sample = list(synth.people[:: max(1, len(synth.people) // 200)])
    assert not any(pid in rest for pid in sample)


# --------------------------------------------------------------------------- content by hand


def test_step_activity_counts_by_hand(small):
    ex = explore_step_activity(small, min_learners=1)
    fig = _fig(ex)
    data = fig["data"]
    assert len(data) == 4 * 3  # activity types × groups
    by = {(i // 3, t["name"]): t for i, t in enumerate(data)}
    assert data[0]["x"] == ["1.1", "1.10"]
    # visited: enrolled a, b on 1.1 (educator z left out), a on 1.10
    assert by[(0, "enrolled")]["y"] == [2, 1]
    assert by[(0, "fully participated")]["y"] == [1, 1]  # a
    assert by[(0, "unenrolled")]["y"] == [1, 0]  # b
    assert by[(1, "enrolled")]["y"] == [2, 0]  # completed
    # quiz answers on 1.10, every try (as analysis.step_activity_counts counts them):
    # a twice, b once
    assert by[(2, "enrolled")]["y"] == [0, 3]
    assert by[(2, "unenrolled")]["y"] == [0, 1]
    assert by[(3, "enrolled")]["y"] == [0, 2]  # comments
    # only the first activity is on show; its first group visible, the others one click away
    assert [t["visible"] for t in data[:3]] == [True, "legendonly", "legendonly"]
    assert all(t["visible"] is False for t in data[3:])
    buttons = fig["layout"]["updatemenus"][0]["buttons"]
    assert [b["label"] for b in buttons] == [
        "Visited the step",
        "Marked the step complete",
        "Quiz answers submitted on the step",
        "Comments posted on the step",
    ]
    assert buttons[3]["args"][0]["visible"][9:] == [True, "legendonly", "legendonly"]
    assert buttons[3]["args"][1] == {"yaxis.title.text": "Comments"}
    assert len(ex.views) == 12


def test_step_activity_matches_the_analysis_recipe(synth):
    from flbook.analysis import step_activity_counts

    fig = _fig(explore_step_activity(synth, groups=["enrolled"]))
    counts = step_activity_counts(synth, learners=True)
    for i, measure in enumerate(["visited", "completed", "answers", "comments"]):
        part = counts[counts["measure"] == measure]
        expected = [
            c if not 0 < n < 10 else None
            for c, n in zip(part["count"], part["learners"], strict=True)
        ]
        assert fig["data"][i]["y"] == expected, measure


def test_timeline_counts_per_day_by_hand(small):
    fig = _fig(explore_timeline(small, min_learners=1))
    data = {t["name"]: t for t in fig["data"]}
    days = data["Enrolments"]["x"]
    assert days[0] == "2024-02-01" and days[-1] == "2024-02-06"
    assert data["Enrolments"]["y"] == [1, 0, 1, 0, 0, 0]  # educator z not counted
    assert data["Step visits"]["y"] == [0, 0, 0, 0, 2, 1]
    assert data["Steps completed"]["y"] == [0, 0, 0, 0, 2, 0]
    assert data["Unenrolments"]["y"] == [0, 0, 0, 0, 0, 1]
    assert data["Comments"]["y"] == [0, 0, 0, 0, 0, 2]
    assert data["Quiz answers"]["y"] == [0, 0, 0, 0, 1, 2]
    cumulative = fig["layout"]["updatemenus"][0]["buttons"][1]["args"][0]["y"]
    assert cumulative[0] == [1, 1, 2, 2, 2, 2]
    assert fig["layout"]["xaxis"]["rangeslider"]["visible"] is True
    everyone = _fig(explore_timeline(small, group=None, min_learners=1))
    assert {t["name"]: t for t in everyone["data"]}["Step visits"]["y"][-2] == 3


def test_quiz_explorer_by_hand(small):
    fig = _fig(explore_quiz(small, min_learners=1))
    first, later = fig["data"]
    # a: "2" (wrong) then "3,1" (= "1,3", right); b: "1,3" right
    assert first["x"] == ["2", "1,3 ✓"] == later["x"]
    assert first["y"] == [1, 1]  # first tries: a "2", b "1,3"
    assert later["y"] == [0, 1]  # a's second try
    assert first["visible"] is True
    buttons = fig["layout"]["updatemenus"][0]["buttons"]
    assert buttons[0]["label"] == "1.10.1 (50% right first time)"


def test_quiz_explorer_outlines_correct_answers_without_touching_the_legend(small):
    ex = explore_quiz(small, min_learners=1)
    fig = _fig(ex)
    # bar traces carry no outline (a bar outline would also colour the legend swatch)
    for trace in fig["data"]:
        assert "line" not in trace["marker"]
    # the correct answer "1,3" (second bar, 2 answers in all) is outlined by a shape
    (shape,) = fig["layout"]["shapes"]
    assert (shape["x0"], shape["x1"], shape["y0"], shape["y1"]) == (0.6, 1.4, 0, 2.0)
    assert shape["line"]["color"] == "#009E73"
    # each question's button brings its own outlines
    (button,) = fig["layout"]["updatemenus"][0]["buttons"]
    assert button["method"] == "update"
    assert button["args"][1]["shapes"] == fig["layout"]["shapes"]
    go.Figure(fig)  # plotly accepts the figure


def test_timeline_legend_beside_the_plot_clear_of_the_axis_title(small):
    layout = _fig(explore_timeline(small, min_learners=1))["layout"]
    legend = layout["legend"]
    assert legend["orientation"] == "v" and legend["x"] > 1 and legend["xanchor"] == "left"
    assert layout["xaxis"]["title"]["text"] == "Date (UTC)"


def test_quiz_explorer_starts_on_the_chosen_question(small):
    c = Course.from_frames(
        question_response=pd.DataFrame(
            {
                "learner_id": ["a", "b"],
                "quiz_question": ["1.9.1", "1.10.1"],
                "response": ["1", "2"],
                "submitted_at": [T0, T0],
                "correct": [True, False],
            }
        )
    )
    ex = explore_quiz(c, question="1.10.1")
    fig = _fig(ex)
    vis = [t["visible"] for t in fig["data"]]
    assert vis == [False, False, True, True]
    assert fig["layout"]["updatemenus"][0]["active"] == 1
    assert next(iter(ex.views)) == "1.10.1"


@pytest.mark.parametrize("fn", EXPLORERS)
def test_empty_course_still_renders(fn):
    ex = fn(Course.from_frames())
    bundle = ex._repr_mimebundle_()
    assert bundle["image/png"].startswith(PNG)
    assert bundle["text/html"].count(LIB_ATTR) == 1
    go.Figure(ex.figure)


# --------------------------------------------------------------------------- PNG and widgets


def test_png_of_each_view_without_touching_pyplot(small):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    ex = explore_step_activity(small, min_learners=1)
    views = list(ex.views)
    pngs = {v: ex.to_png(v) for v in views[:3]}
    assert all(p.startswith(PNG) for p in pngs.values())
    assert len(set(pngs.values())) == 3
    assert plt.get_fignums() == before


def test_widget_without_ipywidgets_falls_back_to_html(small, monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import fails
    w = explore_quiz(small).widget()
    assert LIB_ATTR in w.data


def test_widget_with_ipywidgets(small, monkeypatch):
    class Widget:
        def __init__(self, *children, **kw):
            self.children = children[0] if children else None
            self.__dict__.update(kw)
            self.observers = []

        def observe(self, fn, names):
            self.observers.append(fn)

    fake = types.SimpleNamespace(Image=Widget, Dropdown=Widget, VBox=Widget)
    monkeypatch.setitem(sys.modules, "ipywidgets", fake)
    ex = explore_step_activity(small, min_learners=1)
    box = ex.widget()
    choose, image = box.children
    assert list(choose.options) == list(ex.views)
    first = image.value
    choose.observers[0]({"new": choose.options[4]})
    assert image.value.startswith(PNG) and image.value != first


def test_explorer_class_directly():
    drawn = []

    def draw(ax):
        drawn.append(ax)
        ax.bar([0, 1], [1, 2])
        return ax

    ex = Explorer(
        {"data": [{"type": "bar", "x": ["a", "b"], "y": [1, 2]}], "layout": {}},
        description="Interactive chart: test",
        views={"only": draw},
        kind="test",
    )
    assert ex.to_png().startswith(PNG) and len(drawn) == 1
    ex.to_png()
    assert len(drawn) == 1  # cached
    assert 'data-flbook-explorer="test"' in ex.to_html(include_plotlyjs=False)
    weird = Explorer(
        {"data": [{"type": "bar", "x": ["</script><b>"], "y": [1]}], "layout": {}},
        description="x",
        views={"only": draw},
    )
    assert "</script><b>" not in weird.to_html(include_plotlyjs=False)


def test_quiz_explorer_adds_up_rare_answers():
    words = ["mean", "median", "mode", "average", "avg", "Mean value"]
    c = Course.from_frames(
        question_response=pd.DataFrame(
            {
                "learner_id": [f"p{i}" for i in range(9)],
                "quiz_question": ["1.2.1"] * 9,
                "question_type": ["ClozeQuestion"] * 9,
                "response": [""] * 9,
                "cloze_response": ["mean", "mean", "median", "median", "median", *words[2:]],
                "submitted_at": [T0] * 9,
                "correct": [True, True] + [False] * 7,
            }
        )
    )
    first, later = _fig(explore_quiz(c, top=2, min_learners=1))["data"]
    # median (3) and mean (2, correct) kept; mode, average, avg, Mean value added up
    assert first["x"] == ["mean ✓", "median", "(other answers)"]
    assert first["y"] == [2, 3, 4]
    assert "avg" not in explore_quiz(c, top=2).to_html(include_plotlyjs=False)


# --------------------------------------------------------------------------- small counts


def _numbers(fig: dict) -> list:
    """Every number a page can show: trace values, button values and outline heights."""
    out = []
    for trace in fig["data"]:
        out += list(trace.get("y") or [])
    for menu in fig["layout"].get("updatemenus", []):
        for button in menu["buttons"]:
            for ys in button["args"][0].get("y", []):
                out += ys
            for shape in button["args"][1].get("shapes", []):
                out.append(shape["y1"])
    out += [s["y1"] for s in fig["layout"].get("shapes", []) if s.get("yref") == "y"]
    return out


@pytest.mark.parametrize("fn", EXPLORERS)
def test_small_counts_are_not_shown(small, fn):
    ex = fn(small)
    fig = _fig(ex)
    shown = [v for v in _numbers(fig) if v is not None]
    assert not [v for v in shown if 0 < v < 10], shown
    # ... and they are there with the rule off, so the rule did the hiding
    assert [v for v in _numbers(_fig(fn(small, min_learners=1))) if v and 0 < v < 10]
    # the reader is told
    assert "not drawn" in fig["layout"]["xaxis"]["title"]["text"]


def test_quiz_question_label_has_no_share_of_few_learners(small):
    (button,) = _fig(explore_quiz(small))["layout"]["updatemenus"][0]["buttons"]
    assert button["label"] == "1.10.1"  # two learners: no "% right first time"


@pytest.mark.parametrize("name", [fn.__name__ for fn in EXPLORERS])
def test_small_counts_rule_on_a_real_size_course(explorers, name):
    fig = _fig(explorers[name])
    values = [v for v in _numbers(fig) if v is not None]
    assert values and max(values) >= 10  # the course is large enough to draw something
    assert not [v for v in values if 0 < v < 10]
