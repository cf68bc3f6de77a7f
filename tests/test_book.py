"""The book itself: chapter notebooks as stored, and the rendered book looked into.

The bundled course and the awkward course are each rendered once per test session
with the pandoc engine (what CI can run), then the HTML and PDF are inspected.
"""

from __future__ import annotations

import ast
import html
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest
import yaml

from flbook.config import PARAMETERS, load_config
from flbook.render import read_book, render_book
from flbook.render.cli import course_metadata
from flbook.synth import make_awkward_course

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
STUB = load_config(ROOT / "data_stub" / "course.yml")
RAW_MARKUP = ("{#sec-", "#|", ":::", "{.callout", "@fig-", "@tbl-", "@sec-", "{{<")


def code_cells(path: Path):
    nb = nbformat.read(path, as_version=4)
    return [c for c in nb.cells if c.cell_type == "code"]


def listed_pages() -> list[str]:
    book = yaml.safe_load((ROOT / "_quarto.yml").read_text())["book"]
    pages = []
    for entry in book["chapters"] + book.get("appendices", []):
        if isinstance(entry, dict):
            pages += entry["chapters"]
        else:
            pages.append(entry)
    return pages


# ----------------------------------------------------------------------------- as stored


def test_quarto_lists_every_chapter_and_only_existing_pages():
    pages = listed_pages()
    for page in pages:
        assert (ROOT / page).exists(), page
    listed = {p for p in pages if p.endswith(".ipynb")}
    on_disk = {f"chapters/{p.name}" for p in CHAPTERS}
    assert listed == on_disk


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_is_stored_without_outputs(path):
    for cell in code_cells(path):
        assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_parameters_are_exactly_the_course_settings(path):
    params = papermill.inspect_notebook(str(path))
    assert list(params) == list(PARAMETERS)
    for name, info in params.items():
        assert info["inferred_type_name"] not in ("None", ""), name
        assert info["help"], f"{path.name}: parameter {name} has no comment"
    tagged = [c for c in code_cells(path) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_defaults_run_on_the_bundled_course(path):
    params = {k: v["default"] for k, v in papermill.inspect_notebook(str(path)).items()}
    values = {k: eval(v) for k, v in params.items()}  # noqa: S307 (literals of our own notebooks)
    cfg = load_config(ROOT / "data_stub" / "course.yml").to_parameters()

    def resolve(p: str) -> str:
        return str((path.parent / p).resolve()) if p else p

    values["data"] = resolve(values["data"])
    values["previous_runs"] = [resolve(p) for p in values["previous_runs"]]
    values["notebook_logs"] = resolve(values["notebook_logs"])
    values["notebook_user_map"] = resolve(values["notebook_user_map"])
    assert values == cfg


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_holds_calls_not_logic(path):
    """No loops, definitions, lambdas or data wrangling in a chapter: that is flbook's job."""
    banned_nodes = (ast.For, ast.While, ast.FunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp)
    for cell in code_cells(path):
        tree = ast.parse(cell.source)
        for node in ast.walk(tree):
            assert not isinstance(node, banned_nodes), (
                f"{path.name}: {type(node).__name__} in a cell: logic belongs in flbook"
            )
            if isinstance(node, ast.Attribute):
                assert node.attr not in ("groupby", "merge", "pivot_table", "apply"), (
                    f"{path.name}: .{node.attr}() in a cell: logic belongs in flbook"
                )


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_figure_and_table_cell_is_labelled_captioned_and_described(path):
    for cell in code_cells(path):
        opts = dict(re.findall(r"^#\| ([\w-]+): (.*)$", cell.source, flags=re.M))
        label = opts.get("label", "")
        if label.startswith("fig-"):
            assert opts.get("fig-cap") and opts.get("fig-alt"), f"{path.name}: {label}"
        if label.startswith("tbl-"):
            assert opts.get("tbl-cap"), f"{path.name}: {label}"


def test_help_notebook_documents_the_parameters():
    out = subprocess.run(
        [sys.executable, "-m", "papermill", "--help-notebook", str(CHAPTERS[0])],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in PARAMETERS:
        assert name in out
    assert "first day of study week 1" in out


# ----------------------------------------------------------------------------- rendered


# ``bundled`` (the bundled course rendered by the pandoc engine) is in conftest.py: the
# real-Quarto tests render its executed chapters too.


@pytest.fixture(scope="session")
def html_text(bundled):
    return bundled.outputs["html"].read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def pdf_text(bundled):
    from pypdf import PdfReader

    reader = PdfReader(bundled.outputs["pdf"])
    return "\n".join(page.extract_text() for page in reader.pages)


def _visible(html_doc: str) -> str:
    """The HTML's text as a reader sees it (no tags, no scripts, entities decoded)."""
    body = re.sub(r"<script\b.*?</script>", " ", html_doc, flags=re.S)
    body = re.sub(r"<style\b.*?</style>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def chapter_titles() -> list[str]:
    titles = []
    for path in CHAPTERS:
        nb = nbformat.read(path, as_version=4)
        first = next(c for c in nb.cells if c.cell_type == "markdown")
        m = re.match(r"#\s+(.+?)\s*(\{#sec-[^}]+\})?\s*$", first.source.splitlines()[0])
        titles.append(m.group(1))
    return titles


def test_every_chapter_executed(bundled):
    failed = [str(c) for c in bundled.chapters if not c.ok]
    assert failed == []
    assert bundled.ok


def test_chapter_titles_in_html_and_pdf(html_text, pdf_text):
    visible = _visible(html_text)
    flat_pdf = re.sub(r"\s+", " ", pdf_text)
    for title in chapter_titles():
        assert title in visible, title
        assert re.sub(r"\s+", " ", title) in flat_pdf, title


def test_every_figure_has_caption_and_alt_text(html_text):
    expected = sum(
        1
        for p in CHAPTERS
        for c in code_cells(p)
        if re.search(r"^#\| label: fig-", c.source, flags=re.M)
    )
    figures = re.findall(r"<figure\b.*?</figure>", html_text, flags=re.S)
    assert len(figures) == expected
    for fig in figures:
        assert "<figcaption" in fig
        caption = re.search(r"<figcaption[^>]*>(.*?)</figcaption>", fig, flags=re.S).group(1)
        assert re.search(r"Figure\s+(\d+|[A-Z])\.\d+", _visible(caption))
        has_img_alt = re.search(r'<img[^>]+alt="[^"]{10,}"', fig)
        has_aria = re.search(r'aria-label="[^"]{10,}"', fig)
        assert has_img_alt or has_aria, fig[:300]


def test_cross_references_resolved(html_text, pdf_text, bundled):
    assert "??" not in _visible(html_text)
    assert "??" not in pdf_text
    assert not [w for w in bundled.warnings if "unresolved" in w]


@pytest.mark.parametrize("fmt", ["html", "pdf"])
def test_no_raw_markup_leaks(fmt, html_text, pdf_text):
    text = _visible(html_text) if fmt == "html" else pdf_text
    for raw in RAW_MARKUP:
        assert raw not in text, raw


def _pages_ending_with_a_callout_title(pdf: Path, typ: Path) -> list[int]:
    """Pages of ``pdf`` whose last line (before the page number) is the title of one
    of the callouts in its typst source ``typ``."""
    from pypdf import PdfReader

    titles = set(re.findall(r'#callout\(kind: "\w+", title: \[(.*?)\]\)', typ.read_text()))
    assert "Things to look for" in titles
    bad = []
    for number, page in enumerate(PdfReader(pdf).pages, 1):
        lines = [line.strip() for line in page.extract_text().splitlines() if line.strip()]
        if lines and lines[-1].isdigit():
            lines.pop()
        if lines and lines[-1] in titles:
            bad.append(number)
    return bad


def test_no_callout_title_left_alone_at_the_foot_of_a_page(bundled):
    """A callout's title stays with its first lines (the box may still break later)."""
    typ = bundled.build_dir / "_pandoc" / "typst" / "book.typ"
    assert _pages_ending_with_a_callout_title(bundled.outputs["pdf"], typ) == []


def test_no_learner_id_in_any_output(html_text, pdf_text):
    ids = pd.read_csv(STUB.data_file("enrolments"))["learner_id"]
    short = {i[:8] for i in ids}  # even a prefix of an id must not appear
    for text in (html_text, pdf_text):
        found = [i for i in short if i in text]
        assert found == []


def test_comment_script_never_unescaped(html_text):
    comments = (STUB.data_file("comments")).read_text()
    assert "<script>alert(" in comments  # the synthetic course does try
    assert "<script>alert(" not in html_text


def test_html_works_offline(html_text):
    assert not re.search(r"<script[^>]+src=[\"']https?:", html_text)
    assert not re.search(r"<link[^>]+href=[\"']https?:", html_text)
    assert not re.search(r"<img[^>]+src=[\"']https?:", html_text)
    assert "Plotly.newPlot" in html_text  # the explorers are there, interactive
    assert html_text.count('data-flbook-lib="plotly"') <= 1  # the library once per page


def test_preface_names_the_course(html_text):
    visible = _visible(html_text)
    assert "Learning to Code for Data Analysis" in visible
    assert STUB.stub in visible


# ----------------------------------------------------------------------------- awkward course


@pytest.fixture(scope="session")
def awkward(tmp_path_factory):
    data = tmp_path_factory.mktemp("awkward-data")
    make_awkward_course(data)
    cfg = load_config(data / "course.yml")
    out = tmp_path_factory.mktemp("awkward-book")
    return render_book(
        ROOT,
        cfg.to_parameters(),
        out,
        formats=("html",),
        engine="pandoc",
        jobs=2,
        metadata=course_metadata(cfg),
    )


def test_awkward_course_renders_completely(awkward):
    assert [str(c) for c in awkward.chapters if not c.ok] == []
    text = _visible(awkward.outputs["html"].read_text(encoding="utf-8"))
    assert "??" not in text
    for raw in RAW_MARKUP:
        assert raw not in text


def test_awkward_course_says_what_it_cannot_show(awkward):
    text = _visible(awkward.outputs["html"].read_text(encoding="utf-8")).lower()
    assert re.search(r"no comments", text)
    assert re.search(r"no (quiz|question)", text)
    # without comments, the conversation chapter says so and stops after its introduction
    assert "no comments in this export" in text
    assert "counts, never words" not in text  # its first section
    # without quiz answers, the quizzes chapter says so and stops after its introduction
    assert "no quiz answers in this export" in text
    assert "how many tries does each question take" not in text
    # with a single week there is nothing to predict: the chapter says so and stops
    assert "nothing to predict on this course" in text
    assert "three paradigms side by side" not in text
    # without notebook logs, the notebooks chapter explains itself and stops early
    assert "no notebook logs for this course" in text
    assert (
        "this course\u2019s notebook logs" not in text and "this course's notebook logs" not in text
    )


def test_book_lists_the_same_pages_as_quarto():
    book = read_book(ROOT)
    names = [Path(e.path).as_posix() for e in book.entries]
    assert names == listed_pages()


def test_chapter_metadata_json_is_valid():
    for path in CHAPTERS:
        json.loads(path.read_text(encoding="utf-8"))


def test_bundled_course_has_the_whole_quizzes_chapter(html_text):
    """The other side of the awkward course's early stop: with quiz answers, the
    chapter goes on past its introduction."""
    text = _visible(html_text).lower()
    assert "how many tries does each question take" in text
    assert "counts, never words" in text  # the conversation chapter too
    assert "three paradigms side by side" in text  # and the predictions chapter
    assert "no quiz answers in this export" not in text
