"""Counts of people in the chapters' sentences follow the small-count rule.

A course of 40 learners has, among others, three people enrolled with another role
than learner and one learner who fully participated without commenting. The chapters
that count them say "fewer than 10", never the digit, and give no share of so few.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import flbook as fl
from flbook.config import load_config
from flbook.render.execute import execute_chapters
from flbook.render.project import read_book
from flbook.synth import make_course

pytestmark = pytest.mark.heavy

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = [
    "02-learners",
    "03-enrolment",
    "04-steps",
    "09-surveys-video-campaigns",
    "a1-data-health",
]

# A digit from 1 to 9 standing alone before the people it counts.
SMALL = re.compile(
    r"(?<![\d.,])\**[1-9]\**(?![\d.,%])\s+(?:\([^)]*\)\s+)?"
    r"(learners?|people|persons?|leavers|enrolled|enrolments|had|never|answered|"
    r"unenrolled|ratings|leaving-survey|archetype-survey)\b"
)


def _prose(notebook: Path) -> str:
    """The sentences a chapter computed: the Markdown its code cells displayed."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    parts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "text/markdown" in data:
                parts.append("".join(data["text/markdown"]))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def small_course(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("forty")
    data = tmp / "data"
    make_course(data, learners=40, weeks=2, seed=3)
    params = load_config(data / "course.yml").to_parameters()
    params.update(notebook_logs="", notebook_user_map="", previous_runs=[])
    results = execute_chapters(read_book(ROOT), params, tmp / "build", chapters=CHAPTERS, jobs=2)
    course = fl.load_course(load_config(data / "course.yml"))
    texts = {
        Path(r.entry.path).stem: (r.error, _prose(r.output)) for r in results if r.entry.is_notebook
    }
    return course, texts


def test_the_chapters_run(small_course):
    _, texts = small_course
    assert {name: str(err) for name, (err, _) in texts.items() if err is not None} == {}


def test_three_people_with_another_role_read_fewer_than_ten(small_course):
    course, texts = small_course
    other = len(course.enrolments) - len(fl.analysis.learner_ids(course))
    assert other == 3  # the course this test is about
    text = texts["a1-data-health"][1]
    assert "**fewer than 10** enrolled with another role" in text
    assert f"**{other}** enrolled with another" not in text


def test_quiet_finishers_read_fewer_than_ten(small_course):
    course, texts = small_course
    flags = fl.analysis.learner_flags(course)
    quiet = len(fl.analysis.group_members(flags, "fully_participated & ~commented"))
    assert 0 < quiet < 10
    text = texts["02-learners"][1]
    assert "fewer than 10 never posted a comment" in text
    assert f"{quiet} never posted" not in text


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_sentence_gives_a_count_under_ten(small_course, chapter):
    text = small_course[1][chapter][1]
    assert text  # the chapter wrote sentences
    assert SMALL.findall(text) == [], [m.group(0) for m in SMALL.finditer(text)]
