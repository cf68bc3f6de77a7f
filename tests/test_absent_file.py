"""The whole book renders from an export whose step-activity file is ABSENT.

Five of seven real runs came without a step-activity file. ``tests/test_no_data.py``
executes chapters on header-only files; here the file is deleted and the book is built
the way a course team builds it, with ``flbook render --engine pandoc --to html``. The
course is small (60 learners, two weeks) to keep this as cheap as a whole book can be.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flbook.render.project import read_book
from flbook.synth import make_course

ROOT = Path(__file__).resolve().parents[1]
STOP = "This export has no step activity"


def _visible(doc: str) -> str:
    """The HTML's text as a reader sees it (no tags, scripts or styles)."""
    body = re.sub(r"<script\b.*?</script>", " ", doc, flags=re.S)
    body = re.sub(r"<style\b.*?</style>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def _flbook() -> list[str]:
    exe = shutil.which("flbook", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-c", "from flbook.cli import main; main()"]


@pytest.fixture(scope="session")
def absent_steps_book(tmp_path_factory):
    """(completed process, {chapter stem: visible text}) of the rendered book."""
    data = tmp_path_factory.mktemp("absent-steps-data")
    make_course(data, learners=60, weeks=2, seed=5)
    (steps,) = data.glob("*_step-activity.csv")
    steps.unlink()
    out = tmp_path_factory.mktemp("absent-steps-book")
    env = dict(
        os.environ,
        FLBOOK_CACHE=str(tmp_path_factory.mktemp("absent-steps-cache")),
        MPLBACKEND="Agg",
    )
    proc = subprocess.run(
        [*_flbook(), "render", str(data / "course.yml"), "--engine", "pandoc", "--to", "html"]
        + ["--out", str(out), "--jobs", "2", "--no-cache"],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
    )
    pages = {}
    for entry in read_book(ROOT).chapters:
        stem = Path(entry.path).stem
        found = [p for p in out.rglob(f"{stem}.html") if "_build" not in p.parts]
        if found:
            pages[stem] = _visible(found[0].read_text(encoding="utf-8"))
    return proc, pages


def test_the_book_builds_every_chapter_and_exits_0(absent_steps_book):
    proc, pages = absent_steps_book
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    stems = [Path(e.path).stem for e in read_book(ROOT).chapters]
    assert sorted(pages) == sorted(stems)
    for stem, text in pages.items():
        assert "failed to build" not in text, stem
        assert "Traceback" not in text, stem
        assert not re.search(r"\bnan\b|\bNaN\b", text), stem


@pytest.mark.parametrize("chapter", ["04-steps", "06-sessions"])
def test_chapters_that_need_step_activity_say_so_in_one_sentence(absent_steps_book, chapter):
    _, pages = absent_steps_book
    text = pages[chapter]
    assert text.count(STOP) == 1
    assert "this chapter ends here" in text.split(STOP)[1]


def test_predictions_and_teaching_say_why_they_show_less(absent_steps_book):
    _, pages = absent_steps_book
    assert "no step activity" in pages["12-predictions"]
    assert "nothing to predict" in pages["12-predictions"]
    assert "there are no study sessions to compare" in pages["11-teaching"]
    assert "No rows" not in pages["11-teaching"]
