"""The book rendered by real Quarto (tests marked ``quarto``).

The bundled course's executed chapters (the ``bundled`` fixture of conftest.py, rendered
by the pandoc engine) are rendered again by Quarto once per session: once to HTML (the
website) and once to typst (the PDF); every check then looks into those outputs. Without
``quarto`` on PATH these tests are skipped, unless ``FLBOOK_REQUIRE_QUARTO=1`` (as in CI),
which makes a missing Quarto a failure.

The first tests need no Quarto: they check how the engine prepares notebooks for it.
"""

from __future__ import annotations

import base64
import html
import os
import re
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

import nbformat
import pytest
import yaml
from pdf_pages import layout_pages

from flbook.config import load_config
from flbook.render import read_book
from flbook.render.cli import course_metadata
from flbook.render.project import first_heading
from flbook.render.quarto_engine import (
    PLOTLY_ASSET,
    prepare_notebook,
    quarto_warnings,
    render_quarto,
)

ROOT = Path(__file__).resolve().parent.parent
STUB = ROOT / "data_stub" / "course.yml"
# What this Quarto build prints about itself (../shared/quarto/README.md); any other
# warning is the project's.
ENVIRONMENT_WARNINGS = (
    "typst-gather analyze failed; staging all packages as fallback",
    "Running juice failed",
)
EXPLORERS = {"fig-steps-explorer": "4", "fig-scheduling-explorer": "7", "fig-quizzes-explorer": "8"}
quarto = pytest.mark.quarto


def require_quarto() -> str:
    """The ``quarto`` executable; skip without one (fail if FLBOOK_REQUIRE_QUARTO=1)."""
    exe = shutil.which("quarto")
    if exe is None:
        if os.environ.get("FLBOOK_REQUIRE_QUARTO") == "1":
            pytest.fail("FLBOOK_REQUIRE_QUARTO=1 but no quarto executable is on PATH")
        pytest.skip("no quarto on PATH (set FLBOOK_REQUIRE_QUARTO=1 to make this a failure)")
    return exe


# ----------------------------------------------------------------------------- no Quarto

PNG_1x1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def test_prepared_notebook_has_no_html_output_and_loads_plotly_once(tmp_path):
    from flbook.explore import LIB_ATTR

    explorer = (
        f'<div class="flbook-explorer"><script {LIB_ATTR}>/* plotly.js */</script>'
        '<div id="e1"></div><script>Plotly.newPlot("e1")</script></div>'
    )
    table = "<table class='dataframe'><tr><td>1</td></tr></table>"

    def display(data):
        return nbformat.v4.new_output("display_data", data=data)

    cells = [
        nbformat.v4.new_code_cell(
            '#| label: fig-a\n#| fig-alt: "Bars per step"\nx',
            outputs=[display({"text/html": explorer, "image/png": PNG_1x1, "text/plain": "E"})],
        ),
        nbformat.v4.new_code_cell(
            "y", outputs=[display({"text/html": explorer, "image/png": PNG_1x1, "text/plain": "E"})]
        ),
        nbformat.v4.new_code_cell("t", outputs=[display({"text/html": table, "text/plain": "T"})]),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    page = tmp_path / "chapters" / "04-x.ipynb"
    page.parent.mkdir()
    nbformat.write(nb, page)

    assert prepare_notebook(page, tmp_path) == 3
    assert prepare_notebook(page, tmp_path) == 0  # a second run changes nothing
    outputs = [c.outputs[0].data for c in nbformat.read(page, as_version=4).cells]
    assert all("text/html" not in data for data in outputs)
    first, second, tab = (data["text/markdown"] for data in outputs)
    assert first.count('<script src="../_flbook/plotly.min.js"></script>') == 1
    assert "src=" not in second.split("```")[1]  # the page has the library already
    for md in (first, second):
        assert LIB_ATTR not in md and "Plotly.newPlot" in md
        assert '::: {.content-hidden when-format="html:js"}' in md
    picture = re.search(r"!\[\]\(\.\./(_flbook/figures/[^)]+\.png)\)", first).group(1)
    assert (tmp_path / picture).read_bytes() == base64.b64decode(PNG_1x1)
    assert '{fig-alt="Bars per step"}' in first
    assert tab == f"```{{=html}}\n{table}\n```\n"  # Quarto parses it into a table
    assert (tmp_path / PLOTLY_ASSET).stat().st_size > 1_000_000  # the real plotly.js


def test_quarto_warnings_are_collected_once_each():
    out = (
        "\x1b[33mWARN: a.html: Unable to resolve crossref @fig-x\x1b[39m\n"
        "[ 1/3] a.qmd\n(E) Running juice failed: x\n(E) Running juice failed: x\n"
        "[WARNING] Could not convert TeX math\n  continued line\n"
    )
    assert quarto_warnings(out) == [
        "WARN: a.html: Unable to resolve crossref @fig-x",
        "(E) Running juice failed: x (2 times)",
        "[WARNING] Could not convert TeX math",
    ]


def test_quarto_engine_refuses_a_book_without_a_root_home_page(tmp_path, monkeypatch):
    from flbook.render import RenderError

    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "index.qmd").write_text("# Preface {.unnumbered}\n")
    (tmp_path / "_quarto.yml").write_text("book:\n  title: T\n  chapters: [book/index.qmd]\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "quarto").write_text("#!/bin/sh\nexit 0\n")
    (bin_dir / "quarto").chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    with pytest.raises(RenderError, match="index.qmd at the project root"):
        render_quarto(read_book(tmp_path), tmp_path / "build", tmp_path / "out", formats=("html",))


def test_a_page_with_two_titles_is_refused(tmp_path):
    from flbook.render import BookError

    (tmp_path / "index.qmd").write_text("# Preface {.unnumbered}\n")
    (tmp_path / "notes.qmd").write_text('---\ntitle: "Notes"\n---\n\n# Notes {#sec-notes}\n')
    (tmp_path / "_quarto.yml").write_text(
        "book:\n  title: T\n  chapters: [index.qmd]\n  appendices: [notes.qmd]\n"
    )
    with pytest.raises(BookError, match=r"notes\.qmd: has both 'title: Notes'.*# Notes"):
        read_book(tmp_path)
    (tmp_path / "notes.qmd").write_text("# Notes {#sec-notes}\n")
    assert [e.number for e in read_book(tmp_path).entries] == [None, "A"]
    # the home page is numbered like any page unless its title says {.unnumbered}
    (tmp_path / "index.qmd").write_text("# Welcome\n")
    assert [e.number for e in read_book(tmp_path).entries] == ["1", "A"]


# ----------------------------------------------------------------------------- real Quarto


class QuartoBook:
    """The bundled book rendered by Quarto: outputs, warnings, seconds per format."""

    def __init__(self, build: Path, out: Path, outputs: dict, warnings: list, seconds: dict):
        self.build, self.out, self.outputs = build, out, outputs
        self.warnings, self.seconds = warnings, seconds

    def page(self, path: str) -> str:
        """The HTML page of a book page (``chapters/04-steps.ipynb``)."""
        return (self.out / Path(path).with_suffix(".html")).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def quarto_book(bundled, tmp_path_factory) -> QuartoBook:
    require_quarto()
    base = tmp_path_factory.mktemp("quarto")
    build = base / "build"
    shutil.copytree(bundled.build_dir, build, ignore=shutil.ignore_patterns("_pandoc"))
    book = read_book(ROOT).with_metadata(course_metadata(load_config(STUB)))
    warnings: list[str] = []
    seconds: dict[str, float] = {}
    outputs: dict[str, Path] = {}
    for fmt in ("html", "pdf"):
        start = time.perf_counter()
        outputs.update(
            render_quarto(book, build, base / "out", formats=(fmt,), on_warning=warnings.append)
        )
        seconds[fmt] = time.perf_counter() - start
    print(f"\nQuarto render of the bundled book: {seconds}", file=sys.stderr)
    return QuartoBook(build, base / "out", outputs, warnings, seconds)


@pytest.fixture(scope="session")
def quarto_pdf_text(quarto_book) -> str:
    return _pdf_text(quarto_book.outputs["pdf"])


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def _html_pages(folder: Path) -> dict[str, str]:
    """Every HTML page of a rendered website (not Quarto's own libraries)."""
    return {
        str(p.relative_to(folder)): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*.html"))
        if "site_libs" not in p.parts
    }


def _visible(doc: str) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", doc, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


@quarto
def test_quarto_renders_the_website_and_the_pdf(quarto_book):
    book = read_book(ROOT)
    assert quarto_book.outputs["html"] == quarto_book.out / "index.html"
    for entry in book.entries:
        assert (quarto_book.out / Path(entry.path).with_suffix(".html")).is_file(), entry.path
    assert quarto_book.outputs["pdf"].read_bytes()[:5] == b"%PDF-"


@quarto
def test_no_quarto_warning_but_the_environment_s(quarto_book):
    assert quarto_book.warnings, "the typst render always prints typst-gather's warning"
    project = [w for w in quarto_book.warnings if not any(k in w for k in ENVIRONMENT_WARNINGS)]
    assert project == []


@quarto
def test_every_page_works_offline(quarto_book):
    pages = _html_pages(quarto_book.out)
    assert len(pages) == len(read_book(ROOT).entries)
    remote = re.compile(
        r"<(script|img|iframe)\b[^>]*\bsrc=[\"']?(https?:)?//|<link\b[^>]*\bhref=[\"']?(https?:)?//"
    )
    for name, doc in pages.items():
        assert not remote.search(doc), (name, remote.search(doc).group(0))
        assert "requirejs" not in doc and "jquery" not in doc.lower(), name


@quarto
def test_explorers_are_captioned_figures_in_their_section(quarto_book):
    book = read_book(ROOT)
    pages = {}
    for label, number in EXPLORERS.items():
        entry = next(e for e in book.entries if e.number == number)
        doc = pages.setdefault(entry.path, quarto_book.page(entry.path))
        head, body = doc.split("<body", 1)
        assert "plotly.js v" not in head and "Plotly" not in head  # nothing hoisted
        figure = re.search(rf'<div id="{label}".*?</figure>', body, flags=re.S).group(0)
        assert 'class="flbook-explorer"' in figure and "Plotly.newPlot" in figure
        caption = _visible(re.search(r"<figcaption.*?</figcaption>", figure, re.S).group(0))
        assert re.match(rf"\s*Figure\s+{number}\.\d+: \w", caption), caption
        assert body.index(f'id="{label}"') > body.index("<h1")  # in place, below the title
    for path, doc in pages.items():
        scripts = re.findall(r'<script src="([^"]*plotly[^"]*)"', doc)
        assert len(scripts) == 1, (path, scripts)  # loaded once per page, as a local asset
        asset = (quarto_book.out / Path(path).parent / scripts[0]).resolve()
        assert asset.stat().st_size > 1_000_000
        assert "plotly.js v" not in doc  # not inlined as well
    for doc in _html_pages(quarto_book.out).values():
        assert "quarto-unresolved-ref" not in doc and "?@" not in _visible(doc)


def _fig_caption(label: str) -> str:
    """The ``fig-cap`` of the chapter cell labelled ``label``."""
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if re.search(rf"^#\| label: {label}$", cell.source, flags=re.M):
                return re.search(r'^#\| fig-cap: "(.*)"$', cell.source, flags=re.M).group(1)
    raise KeyError(label)


# Explorers whose static picture would repeat a figure of their chapter: HTML-only, and
# the PDF names that figure instead (tests/test_folds.py checks the portable engine).
EXPLORER_REPEATS = {
    "fig-steps-explorer": "fig-steps-activity",
    "fig-scheduling-explorer": "fig-coverage",
    "fig-quizzes-explorer": "fig-quizzes-heatmap",
}


@quarto
def test_pdf_names_the_figure_an_explorer_would_repeat(quarto_pdf_text):
    flat = " ".join(quarto_pdf_text.split())
    start = "In the HTML edition of this book, an interactive chart here"
    lines = [flat[m.start() : m.start() + 400] for m in re.finditer(start, flat)]
    assert len(lines) == len(EXPLORER_REPEATS)
    for explorer, repeated in EXPLORER_REPEATS.items():
        assert _fig_caption(explorer)[:30] not in flat  # no static copy
        caption = _fig_caption(repeated)[:30]
        number = re.search(rf"Figure (\w+\.\d+): {re.escape(caption)}", flat).group(1)
        named = [bool(re.search(rf"Figure {re.escape(number)}(?!\d)", x)) for x in lines]
        assert sum(named) == 1, (number, lines)


@quarto
def test_one_title_per_page_numbered_as_the_book(quarto_book):
    book = read_book(ROOT)
    for entry in book.entries:
        doc = quarto_book.page(entry.path)
        titles = [" ".join(_visible(h).split()) for h in re.findall(r"<h1\b.*?</h1>", doc, re.S)]
        if entry == book.home_page:  # the book's title page, then the page's own title
            assert titles[0] == book.title, titles
            titles = titles[1:]
        assert len(titles) == 1, (entry.path, titles)
        title = titles[0]
        if entry.number is None:
            assert not re.match(r"[0-9A-Z]\b", title), title
        elif entry.is_appendix:
            assert title.startswith(f"Appendix {entry.number} — "), title
        else:
            assert title.startswith(f"{entry.number} "), title


@quarto
def test_pdf_has_each_title_once_and_no_double_period(quarto_pdf_text):
    flat = " ".join(quarto_pdf_text.split())
    assert not re.search(r"\b(Chapter|Appendix|Section|Figure|Table) [0-9A-Z][0-9.]*\.\.", flat)
    book = read_book(ROOT)
    for path, title in (
        ("book/render-your-course.qmd", "Building this book for your course"),
        ("book/glossary.qmd", "Glossary"),
    ):
        letter = book.find(path).number
        # always under its own letter (a second, front-matter title shifted the letters),
        # and listed once in the contents (a line with dot leaders)
        assert set(re.findall(rf"\b([A-Z])\.? {title}\b", flat)) == {letter}, title
        assert len(re.findall(rf"\b{letter} {title} \. \.", flat)) == 1, title


@quarto
def test_sidebar_shows_no_group_title_for_a_part_of_one_chapter(quarto_book):
    """Quarto's sidebar groups a part's chapters under its title; a part of a single
    chapter is not listed as a part (the chapter's title says the same)."""
    book = read_book(ROOT)
    sizes = Counter(e.part for e in book.entries if e.part and not e.is_appendix)
    assert book.single_chapter_parts == {p for p, n in sizes.items() if n == 1}
    doc = quarto_book.page("chapters/11-teaching.ipynb")
    sidebar = doc[doc.index('id="quarto-sidebar"') :]
    sidebar = sidebar[: sidebar.index("</nav>")]
    sections = re.findall(
        r'<a class="sidebar-item-text sidebar-link text-start"[^>]*>\s*'
        r'<span class="menu-text">(.*?)</span>',
        sidebar,
        re.S,
    )
    groups = [" ".join(_visible(g).split()) for g in sections]
    assert groups == [p for p, n in sizes.items() if n > 1] + ["Appendices"], groups
    assert "Teaching with this book" in _visible(sidebar)  # the chapter itself


@quarto
def test_build_folder_renders_with_quarto_alone(quarto_book):
    config = yaml.safe_load((quarto_book.build / "_quarto.yml").read_text(encoding="utf-8"))
    cfg = load_config(STUB)
    assert config["course-title"] == cfg.title
    assert config["course-stub"] == cfg.stub
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(config["export-date"]))
    assert config["book"]["chapters"][0] == "index.qmd"
    preface = _visible(quarto_book.page("index.qmd"))
    assert cfg.title in preface and cfg.stub in preface and "?meta" not in preface


@pytest.fixture(scope="session")
def quarto_pdf_pages(quarto_book) -> list[str]:
    """Each page of Quarto's PDF as pdftotext lays it out (Debian poppler-utils)."""
    return layout_pages(quarto_book.outputs["pdf"])


@quarto
def test_quarto_pdf_title_page_names_course_run_and_export(quarto_pdf_pages):
    title = " ".join(quarto_pdf_pages[0].split())
    cfg = load_config(STUB)
    meta = course_metadata(cfg)
    assert "Course Analytics" in title and cfg.title in title
    assert f"Run {cfg.stub}" in title
    assert f"export dated {meta['export-date']}" in title.lower()
    assert f"Rendered {meta['date']}" in title  # the render date, at the foot
    assert "Made with flbook" not in title


@quarto
def test_quarto_pdf_lists_of_figures_and_tables(quarto_pdf_pages):
    """The same titles as the portable PDF, before the first chapter, each listing
    every numbered figure or table of the book ("3.2  Caption . . . 23")."""
    first = next(
        i for i, p in enumerate(quarto_pdf_pages) if p.lstrip().startswith("List of Figures")
    )
    tables = next(
        i for i, p in enumerate(quarto_pdf_pages) if p.lstrip().startswith("List of Tables")
    )
    body = next(i for i, p in enumerate(quarto_pdf_pages) if re.match(r"\s*Preface\b", p))
    assert first < tables < body
    listed = r"^\s*((?:[1-9]\d?|[A-Z])\.\d+)\s+\S"
    listed_figures = set(re.findall(listed, "\n".join(quarto_pdf_pages[first:tables]), re.M))
    listed_tables = set(re.findall(listed, "\n".join(quarto_pdf_pages[tables:body]), re.M))
    captions = " ".join("\n".join(quarto_pdf_pages[body:]).split())
    assert listed_figures == set(re.findall(r"\bFigure ((?:\d+|[A-Z])\.\d+):", captions))
    assert listed_tables == set(re.findall(r"\bTable ((?:\d+|[A-Z])\.\d+):", captions))
    assert len(listed_figures) > 50 and len(listed_tables) > 20


@quarto
def test_quarto_pdf_running_heads_page_numbers_and_parts(quarto_pdf_pages):
    """The template's running heads: "22  Chapter 1. Getting started" on even pages, the
    section and the page number on odd ones; a page that opens a chapter (no running
    head) has its number at the foot; a part of one chapter has no part (the contents
    list the parts by their numbers I, II, ...)."""
    heads, opening = set(), 0
    for number, page in enumerate(quarto_pdf_pages, 1):
        lines = [" ".join(line.split()) for line in page.splitlines() if line.strip()]
        if not lines:
            continue
        even = re.match(rf"^{number} (Chapter \d+\. .*)$", lines[0])
        odd = re.match(rf"^(?:\d+|[A-Z])\.\d+ \S.* {number}$", lines[0])
        if even:
            heads.add(even.group(1))
        elif re.match(r"^(?:\d+|[A-Z])\. \S", lines[0]) and not odd:
            opening += 1
            assert lines[-1] == str(number), (number, lines[0], lines[-1])
    chapters = [h for h in _running_heads() if h.startswith("Chapter")]
    assert [h for h in chapters if h not in heads] == []
    assert opening >= len(chapters)
    first_list = next(i for i, p in enumerate(quarto_pdf_pages) if "List of Figures" in p)
    contents = "\n".join(quarto_pdf_pages[:first_list])
    parts = re.findall(r"^\s*[IVX]+\s{2,}(\S.*?)\s*$", contents, re.M)
    book = read_book(ROOT)
    sizes = Counter(e.part for e in book.entries if e.part and not e.is_appendix)
    assert parts == [p for p, n in sizes.items() if n > 1]
    assert book.single_chapter_parts and not book.single_chapter_parts & set(parts)


# ----------------------------------------------------------------------------- engines


def _running_heads() -> list[str]:
    """The running heads of Quarto's PDF pages: "Chapter 11. Teaching with this book"."""
    heads = []
    for e in read_book(ROOT).entries:
        if e.number is not None:
            title = re.sub(r"\s*\{[^{}]*\}\s*$", "", first_heading(ROOT / e.path) or "")
            heads.append(f"{'Appendix' if e.is_appendix else 'Chapter'} {e.number}. {title}")
    return heads


def _numbers(text: str, drop: list[str] = ()) -> dict[str, Counter]:
    """The numbered things a PDF's text names: captions and references.

    ``drop``: strings removed first (running heads, which name the chapter).
    """
    flat = " ".join(text.split())
    for head in drop:
        flat = flat.replace(" ".join(head.split()), " ")
    labels = r"(?:[1-9]\d?|[A-Z])\.\d+"
    return {
        "figures": Counter(re.findall(rf"\bFigure ({labels}):", flat)),
        "tables": Counter(re.findall(rf"\bTable ({labels}):", flat)),
        "references": Counter(
            re.findall(rf"\b((?:Figure|Table|Section) {labels})\b(?!:)", flat)
            + re.findall(r"\b((?:Chapter [1-9]\d?|Appendix [A-Z]))\b", flat)
        ),
    }


@quarto
def test_numbering_matches_the_pandoc_engine(quarto_pdf_text, bundled):
    pandoc = _numbers(_pdf_text(bundled.outputs["pdf"]))
    quarto_ = _numbers(quarto_pdf_text, drop=_running_heads())
    counts = {k: (sum(pandoc[k].values()), sum(quarto_[k].values())) for k in pandoc}
    print(f"\nnumbered in the PDF (pandoc, quarto): {counts}", file=sys.stderr)
    assert len(pandoc["figures"]) > 20 and len(pandoc["tables"]) > 5
    assert len(pandoc["references"]) > 50
    # the same caption numbers (the portable PDF also names each in its lists of figures
    # and tables, so captions are compared as sets), and every cross-reference names the
    # same number, as often
    for kind in ("figures", "tables"):
        assert set(pandoc[kind]) == set(quarto_[kind]), (
            kind,
            set(pandoc[kind]) - set(quarto_[kind]),
            set(quarto_[kind]) - set(pandoc[kind]),
        )
    assert pandoc["references"] == quarto_["references"], (
        pandoc["references"] - quarto_["references"],
        quarto_["references"] - pandoc["references"],
    )


# ----------------------------------------------------------------------------- CLI


@quarto
def test_cli_renders_a_chapter_subset_with_the_book_s_numbering(tmp_path, capsys):
    require_quarto()
    from flbook.cli import main

    out = tmp_path / "out"
    code = main(
        ["render", str(STUB), "--engine", "auto", "--chapters", "04-steps", "--to", "html"]
        + ["--out", str(out)]
    )
    err = capsys.readouterr().err
    assert code == 0, err
    assert "rendered (quarto)" in err
    steps = (out / "chapters" / "04-steps.html").read_text(encoding="utf-8")
    assert re.search(r'<span class="chapter-number">4</span>', steps)
    assert re.search(r"Figure&nbsp;4\.\d+", steps)
    assert (out / "index.html").is_file()  # the home page is always built
    assert "not built in this render" in _visible(
        (out / "_flbook" / "not-built" / "03-enrolment.html").read_text(encoding="utf-8")
    )
    assert (out / PLOTLY_ASSET).is_file()
