"""Every chapter runs on an export whose datasets are header-only, and says so plainly.

Real older runs lack whole datasets (five of seven had no step activity). A chapter
whose data is absent says so in one sentence and moves on: no "nan%", no "0 had
visited", no empty or all-zero tables in its place.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from flbook.config import load_config
from flbook.render.execute import execute_chapters
from flbook.render.project import read_book
from flbook.synth import DATASETS, make_course

ROOT = Path(__file__).resolve().parents[1]
STOP_TITLE = "No step activity in this export"


def _text(notebook: Path) -> str:
    """What a reader sees of an executed chapter: its markdown and its outputs' text."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    parts = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            parts.append("".join(cell["source"]))
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            for kind in ("text/markdown", "text/html"):
                if kind in data:
                    parts.append("".join(data[kind]))
            if "image/png" in data:
                parts.append("[chart]")
            if out.get("output_type") == "stream":
                parts.append("".join(out["text"]))
    return "\n".join(parts)


def _execute(tmp: Path, header_only: list[str], chapters=None) -> dict[str, tuple[bool, str]]:
    data = tmp / "data"
    make_course(
        data,
        learners=300,
        weeks=3,
        seed=4,
        datasets=[d for d in DATASETS if d not in header_only],
        header_only=header_only,
    )
    params = load_config(data / "course.yml").to_parameters()
    params.update(notebook_logs="", notebook_user_map="", previous_runs=[])
    results = execute_chapters(read_book(ROOT), params, tmp / "build", chapters=chapters, jobs=2)
    return {
        Path(r.entry.path).stem: (r.error is None, _text(r.output))
        for r in results
        if r.entry.is_notebook
    }


@pytest.fixture(scope="module")
def nothing_but_enrolments(tmp_path_factory):
    return _execute(
        tmp_path_factory.mktemp("header-only"), [d for d in DATASETS if d != "enrolments"]
    )


@pytest.fixture(scope="module")
def no_step_activity(tmp_path_factory):
    return _execute(
        tmp_path_factory.mktemp("no-steps"),
        ["step-activity"],
        chapters=["04-steps", "06-sessions", "12-predictions"],
    )


def _artefacts(text: str) -> list[str]:
    """Numbers that mean "there was nothing to compute": nan, 0 of 0, bare empty tables."""
    found = re.findall(r"\bnan%?|\bNaN\b|\*\*0\*\* learners have|, 0 had visited", text)
    found += re.findall(r"<tbody></tbody>", text)
    return found


def test_every_chapter_runs_on_an_export_of_enrolments_alone(nothing_but_enrolments):
    failed = [name for name, (ok, _) in nothing_but_enrolments.items() if not ok]
    assert failed == []
    for name, (_, text) in nothing_but_enrolments.items():
        assert _artefacts(text) == [], name


@pytest.mark.parametrize("chapter", ["04-steps", "06-sessions", "07-scheduling", "12-predictions"])
def test_a_chapter_without_its_data_says_so_once_and_stops(nothing_but_enrolments, chapter):
    ok, text = nothing_but_enrolments[chapter]
    assert ok
    stops = re.findall(r"This export has no [^.]*: this chapter ends here\.", text)
    assert len(stops) == 1, text[-2000:]
    assert "{.callout-note}" in text
    # nothing after the stop: the chapter's figures and tables are gone
    assert "<table" not in text.split(stops[0])[1]
    assert "fig-" not in text.split(stops[0])[1]


def test_predictions_give_the_right_reason_for_stopping(no_step_activity):
    ok, text = no_step_activity["12-predictions"]
    assert ok
    assert "no step activity" in text and "nothing to predict" in text
    assert "no study week that is followed by another" not in text


@pytest.mark.parametrize("chapter", ["04-steps", "06-sessions"])
def test_steps_and_sessions_stop_without_step_activity(no_step_activity, chapter):
    ok, text = no_step_activity[chapter]
    assert ok
    assert STOP_TITLE in text
    assert _artefacts(text) == []
    assert "visited at least one step" not in text.split(STOP_TITLE)[1]


SECTION_STOPS = re.compile(
    r"This export has no [^.]*, so (?:this section has nothing to show|there are no [^.]*)\."
)


@pytest.mark.parametrize("chapter", ["09-surveys-video-campaigns", "11-teaching"])
def test_a_section_without_its_data_says_so_and_shows_no_empty_chart_or_table(
    nothing_but_enrolments, chapter
):
    ok, text = nothing_but_enrolments[chapter]
    assert ok
    stops = SECTION_STOPS.findall(text)
    assert stops, text[-2000:]
    # after each stop sentence, up to the next section, no empty chart or table
    for part in SECTION_STOPS.split(text)[1:]:
        section = re.split(r"\n## ", part)[0]
        assert "No rows" not in section
        assert "[chart]" not in section
    assert "No rows" not in text  # the chapter shows no empty table anywhere
    assert text.count("<details") == text.count("</details>")


def test_surveys_chapter_says_each_missing_dataset_in_one_sentence(nothing_but_enrolments):
    ok, text = nothing_but_enrolments["09-surveys-video-campaigns"]
    assert ok
    for title in (
        "No leaving survey",
        "No archetype survey",
        "No sentiment survey",
        "No video statistics",
        "No campaigns",
    ):
        assert text.count(title) == 1, title
    assert "[chart]" not in text  # every section lacks its data: no chart at all


def test_no_section_refers_before_its_stop_to_what_a_stop_leaves_out():
    """Text above a section's `skip_section` cell must not cite a figure or table below it.

    When the data are absent the rest of the section is left out, and a reference
    to its figure would print as "??" (chapter 9's section intros did).
    """
    import json

    chapters = Path(__file__).resolve().parent.parent / "chapters"
    found = []
    for path in sorted(chapters.glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = ["".join(c["source"]) for c in cells]
        heading = [
            c["cell_type"] == "markdown" and bool(re.match(r"#{1,6} ", t.lstrip()))
            for c, t in zip(cells, text, strict=True)
        ]
        for i, (c, t) in enumerate(zip(cells, text, strict=True)):
            if c["cell_type"] != "code" or not ("skip_section(" in t or "section=True" in t):
                continue
            start = max([j for j in range(i) if heading[j]], default=0)
            end = next((j for j in range(i + 1, len(cells)) if heading[j]), len(cells))
            cited = {
                r
                for j in range(start, i)
                if cells[j]["cell_type"] == "markdown"
                for r in re.findall(r"@((?:fig|tbl)-[\w-]+)", text[j])
            }
            below = {
                r
                for j in range(i + 1, end)
                for r in re.findall(r"#\| label: ((?:fig|tbl)-[\w-]+)", text[j])
            }
            found += [f"{path.name}: {r}" for r in sorted(cited & below)]
    assert found == []
