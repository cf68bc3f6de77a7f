"""Tests of flbook.render: execution with papermill and the two rendering engines.

A tiny book is built in a temporary folder: ``_quarto.yml``, ``book/index.qmd`` and
``book/notes.qmd`` come from ``tests/fixtures/render/``; the chapter notebooks are made
here with nbformat. The book is executed and rendered once per test module; the tests
then look inside what was built.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import stat
import sys
import textwrap
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml

from flbook.render import (
    BookError,
    ParameterError,
    RenderWarning,
    execute_chapters,
    read_book,
    render_book,
    render_quarto,
)
from flbook.render.quarto_engine import quarto_project

FIXTURES = Path(__file__).parent / "fixtures" / "render"
LEAKS = ("{#sec-", "#|", ":::", "{.callout", "@fig-", "@tbl-", "@sec-", "{{<")
METADATA = {"subtitle": "Demo Course 7", "course-title": "Demo Course 7", "course-stub": "demo-7"}


def _code(source: str, tags: list[str] | None = None):
    cell = nbformat.v4.new_code_cell(textwrap.dedent(source).strip())
    if tags:
        cell.metadata["tags"] = tags
    return cell


def _md(source: str):
    return nbformat.v4.new_markdown_cell(textwrap.dedent(source).strip())


def _notebook(cells) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = cells
    return nb


# Stands for plotly.js as ``fig.to_html(include_plotlyjs=True)`` inlines it (4.8 MB).
FAKE_PLOTLY_JS = "<script>/**\n* plotly.js v0.0.0-fake\n*/\nwindow.fakePlotly = 1;</script>"
# A 1×1 PNG for the preface's markdown figure.
PNG_1x1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="

PARAMS = """
    n: int = 3  # how many points
    label: str = "default"  # a word printed by the chapter
"""


def make_book(root: Path) -> Path:
    """Write the fixture book project into ``root`` and return it."""
    shutil.copytree(FIXTURES, root, dirs_exist_ok=True)
    chapters = root / "chapters"
    chapters.mkdir(exist_ok=True)
    alpha = [
        _md(
            """
            # Alpha {#sec-alpha}

            This chapter draws @fig-sine and tabulates @tbl-small; @sec-beta comes next.
            The explorer in @fig-explorer is interactive in HTML.

            ::: {.callout-note}
            ## About the data
            All numbers here are synthetic.
            :::

            ## Method {#sec-alpha-method}

            We use $x^2$ somewhere.
            """
        ),
        _code(PARAMS, tags=["parameters"]),
        _code('print(f"n is {n} and label is {label}")'),
        _code(
            """
            #| label: fig-sine
            #| fig-cap: "A sine wave sampled at *n* points"
            #| fig-alt: "A smooth wavy line crossing zero twice"
            import matplotlib.pyplot as plt
            import numpy as np

            fig, ax = plt.subplots(figsize=(4, 2.5))
            ax.plot(np.sin(np.linspace(0, 6.3, 50)))
            """
        ),
        _code(
            """
            #| label: tbl-small
            #| tbl-cap: "A small table"
            import pandas as pd

            pd.DataFrame({"week": [1, 2], "learners": [120, 95], "note": ["ok", "<b>bold</b>"]})
            """
        ),
        _code("""print("<script>alert('not run')</script>")"""),
        _code(
            """
            from IPython.display import Markdown

            Markdown(f"There are **{n}** points in @fig-sine.")
            """
        ),
        _code(
            """
            #| echo: true
            shown = 40 + 2
            shown
            """
        ),
        _code(
            """
            #| label: fig-explorer
            #| fig-cap: "An explorer"
            #| fig-alt: "Bars of learners per week"
            from IPython.display import HTML, display

            display(HTML(PLOTLY_JS + '<div id="explorer"></div><script>document.getElementById('
                         '"explorer").textContent = "interactive explorer";'
                         'if (window.Plotly) Plotly.newPlot("explorer", []);</script>'))
            fig, ax = plt.subplots(figsize=(3, 2))
            ax.bar([1, 2], [120, 95])
            """.replace("PLOTLY_JS", repr(FAKE_PLOTLY_JS))
        ),
    ]
    beta = [
        _md(
            """
            # Beta {#sec-beta}

            Back in @sec-alpha we saw @fig-sine; see also [@fig-cosine; @tbl-small].

            ## Detail {#sec-beta-detail}

            ::: {.callout-warning title="Mind the gap"}
            A warning callout.
            :::
            """
        ),
        _code(PARAMS, tags=["parameters"]),
        _code(
            """
            from IPython.display import HTML

            HTML(PLOTLY_JS + '<div id="second-chart"></div><script>var second = 2;</script>')
            """.replace("PLOTLY_JS", repr(FAKE_PLOTLY_JS))
        ),
        _code(
            """
            #| label: fig-cosine
            #| fig-cap: "A cosine"
            #| fig-alt: "A wavy line starting at one"
            import matplotlib.pyplot as plt
            import numpy as np

            fig, ax = plt.subplots(figsize=(4, 2.5))
            ax.plot(np.cos(np.linspace(0, 6.3, 50)))
            """
        ),
    ]
    broken = [
        _md("# Broken {#sec-broken}\n\nThis chapter fails."),
        _code(PARAMS, tags=["parameters"]),
        _code('raise ValueError("boom in the third cell")'),
        _code('print("never reached")'),
    ]
    images = root / "book" / "images"
    images.mkdir(exist_ok=True)
    (images / "logo.png").write_bytes(base64.b64decode(PNG_1x1))
    for name, cells in (("01-alpha", alpha), ("02-beta", beta), ("03-broken", broken)):
        nbformat.write(_notebook(cells), chapters / f"{name}.ipynb")
    return root


def pdf_text(path: Path) -> str:
    pypdf = pytest.importorskip("pypdf", reason="pypdf (test dependency) reads the PDF text")
    reader = pypdf.PdfReader(str(path))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    root = make_book(tmp_path_factory.mktemp("book"))
    out = root / "out"
    events = []
    with pytest.warns(RenderWarning, match="without a static image"):
        result = render_book(
            root,
            {"n": 7, "label": "injected"},
            out,
            formats=("html", "html-single", "pdf", "epub"),
            engine="pandoc",
            progress=events.append,
            metadata=METADATA,
        )
    return root, result, events


# --- project -----------------------------------------------------------------------


def test_read_book_lists_pages_in_order_with_numbers(tmp_path):
    book = read_book(make_book(tmp_path))
    assert book.title == "Fixture Course Analytics"
    assert book.author == ("flbook tests",)
    assert [(e.path, e.part, e.is_appendix, e.number) for e in book.entries] == [
        ("book/index.qmd", None, False, None),
        ("chapters/01-alpha.ipynb", "Getting going", False, "1"),
        ("chapters/02-beta.ipynb", "Getting going", False, "2"),
        ("chapters/03-broken.ipynb", None, False, "3"),
        ("book/notes.qmd", None, True, "A"),
    ]
    assert [e.name for e in book.chapters] == ["01-alpha", "02-beta", "03-broken"]
    assert book.find("02").name == "02-beta"


# --- execution ---------------------------------------------------------------------


def test_unknown_parameter_is_an_error_naming_chapter_and_parameter(tmp_path):
    book = read_book(make_book(tmp_path))
    with pytest.raises(ParameterError) as info:
        execute_chapters(book, {"n": 1, "colour": "red"}, tmp_path / "build")
    message = str(info.value)
    assert "chapters/01-alpha.ipynb" in message
    assert "colour" in message
    assert "label, n" in message  # what the chapter does declare
    assert not (tmp_path / "build" / "chapters").exists()  # nothing ran


def test_parameters_are_injected(rendered):
    root, result, _ = rendered
    nb = nbformat.read(result.build_dir / "chapters" / "01-alpha.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "n is 7 and label is injected" in printed


def test_failing_chapter_is_reported_and_others_still_render(rendered):
    root, result, events = rendered
    assert not result.ok
    [failed] = result.failed
    assert failed.name == "03-broken"
    assert failed.error.cell == 3
    assert failed.error.ename == "ValueError"
    assert "boom in the third cell" in failed.error.evalue
    assert "03-broken failed in cell 3" in str(failed)
    assert [c.name for c in result.chapters if c.ok and c.executed] == ["01-alpha", "02-beta"]
    assert all(c.seconds > 0 for c in result.chapters if c.executed)
    # the partly executed notebook is kept for debugging
    assert (result.build_dir / "_failed" / "chapters" / "03-broken.ipynb").exists()
    # progress: a start and an end per chapter, with timing and the error
    ends = {e.chapter: e for e in events if e.kind == "end"}
    assert [e.chapter for e in events if e.kind == "start"] == ["01-alpha", "02-beta", "03-broken"]
    assert ends["03-broken"].error.cell == 3 and ends["01-alpha"].seconds > 0
    # the book says so, in both outputs
    html = result.outputs["html-single"].read_text(encoding="utf-8")
    assert "This chapter failed to build" in html
    assert "ValueError: boom in the third cell" in html
    assert "cell 3" in html


@pytest.mark.heavy
def test_parallel_execution_keeps_book_order_and_reports_failures(tmp_path):
    book = read_book(make_book(tmp_path))
    events = []
    results = execute_chapters(
        book,
        {"n": 2},
        tmp_path / "build",
        chapters=["03-broken", "02"],
        jobs=2,
        progress=events.append,
    )
    assert [r.name for r in results] == ["02-beta", "03-broken"]  # book order
    assert results[0].ok and (tmp_path / "build" / "chapters" / "02-beta.ipynb").exists()
    assert results[1].error.cell == 3 and results[1].error.ename == "ValueError"
    assert sorted(e.chapter for e in events if e.kind == "end") == ["02-beta", "03-broken"]


def test_missing_page_is_reported_when_built(tmp_path):
    root = make_book(tmp_path)
    (root / "chapters" / "02-beta.ipynb").unlink()
    book = read_book(root)  # the list can be read; numbering is unchanged
    assert book.find("03-broken").number == "3"
    with pytest.raises(BookError, match="02-beta.ipynb"):
        execute_chapters(book, {}, tmp_path / "build")


# --- pandoc engine: HTML -----------------------------------------------------------


def test_outputs_exist(rendered):
    _, result, _ = rendered
    assert result.engine == "pandoc"
    for fmt in ("html", "pdf", "epub"):
        assert result.outputs[fmt].stat().st_size > 1000
    assert result.outputs["pdf"].read_bytes().startswith(b"%PDF")
    assert zipfile.is_zipfile(result.outputs["epub"])
    # the one warning: beta's second chart has no static image for the PDF and EPUB
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("02-beta, cell 3: an interactive chart without a static")


def test_html_numbering_captions_alt_and_crossrefs(rendered):
    _, result, _ = rendered
    html = result.outputs["html-single"].read_text(encoding="utf-8")
    for title in ("Preface", "Alpha", "Beta", "Broken", "Notes", "Getting going"):
        assert title in html
    assert re.search(r'<h1[^>]* id="sec-alpha"[^>]*>.*?>1</span> Alpha</h1>', html)
    assert re.search(r'<h2[^>]* id="sec-alpha-method"[^>]*>.*?>1\.1</span> Method</h2>', html)
    assert re.search(r'<h1[^>]* id="sec-notes"[^>]*>.*?>A</span> Notes</h1>', html)
    assert "Figure 1.1: A sine wave sampled at <em>n</em> points" in html
    assert "Figure 2.1: A cosine" in html
    assert "Table 1.1: A small table" in html
    assert 'alt="A smooth wavy line crossing zero twice"' in html
    assert '<a href="#fig-sine" class="quarto-xref">Figure 1.1</a>' in html
    assert '<a href="#tbl-small" class="quarto-xref">Table 1.1</a>' in html
    assert '<a href="#sec-beta" class="quarto-xref">Chapter 2</a>' in html
    assert '<a href="#sec-beta-detail" class="quarto-xref">Section 2.1</a>' in html
    assert '<a href="#sec-notes" class="quarto-xref">Appendix A</a>' in html
    assert "There are <strong>7</strong> points in" in html  # markdown output, ref resolved
    assert "??" not in html
    # a real table, callouts styled, TOC, math without a CDN
    assert re.search(r'<table[^>]*id="tbl-small"', html)
    assert 'class="callout callout-note"' in html and "About the data" in html
    assert 'class="callout callout-warning"' in html and "Mind the gap" in html
    assert 'class="callout callout-tip"' in html and "Reading this book" in html
    assert 'id="TOC"' in html
    assert "<math" in html
    # {{< meta >}} shortcodes and the subtitle come from the metadata given to render_book
    assert "about <strong>Demo Course 7</strong> (export <code>demo-7</code>)" in html
    assert '<p class="subtitle">Demo Course 7</p>' in html
    # a markdown figure in a .qmd page: its linked image was copied and embedded
    assert re.search(r'<figure id="fig-logo">\s*<img[^>]*src="data:image/png;base64,', html)
    assert 'alt="The fixture logo"' in html and "Figure 1: A logo" in html


def test_html_wide_tables_scroll_inside_the_text_column(rendered):
    """A table wider than the text column gets its own sideways scroll bar (on
    screen), instead of making the whole page scroll."""
    _, result, _ = rendered
    html = result.outputs["html-single"].read_text(encoding="utf-8")
    styles = "".join(re.findall(r"<style[^>]*>(.*?)</style>", html, flags=re.S))
    screen = re.search(r"@media screen\s*{\s*table\s*{([^}]*)}", styles)
    assert screen, "no screen rule for tables in the inlined stylesheet"
    assert "overflow-x: auto" in screen.group(1) and "max-width: 100%" in screen.group(1)


def test_html_is_self_contained_and_escapes_text(rendered):
    _, result, _ = rendered
    html = result.outputs["html-single"].read_text(encoding="utf-8")
    assert 'src="http' not in html
    assert not re.search(r'href="http[^"]*\.css', html)
    assert "data:image/png;base64," in html
    # printed text is escaped; the DataFrame's cell text too
    assert "&lt;script&gt;alert(&#39;not run&#39;)&lt;/script&gt;" in html or (
        "&lt;script&gt;alert('not run')&lt;/script&gt;" in html
    )
    assert "<script>alert(" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    # the interactive explorer's script survives; its static image is not shown in HTML
    assert '.textContent = "interactive explorer"' in html
    # plotly.js is carried once, in the head, however many charts inline it
    assert html.count("plotly.js v0.0.0-fake") == 1
    assert html.index("plotly.js v0.0.0-fake") < html.index("</head>")
    assert 'id="second-chart"' in html
    explorer = html[html.index('id="fig-explorer"') :]
    explorer = explorer[: explorer.index("</figure>")]
    assert "<script>" in explorer and "<img" not in explorer


def test_code_is_hidden_unless_echo(rendered):
    _, result, _ = rendered
    html = result.outputs["html-single"].read_text(encoding="utf-8")
    assert "shown = 40 + 2" in re.sub(r"<[^>]+>", "", html)
    assert "plt.subplots" not in html
    assert "how many points" not in html  # parameters cell
    assert "# Parameters" not in html  # papermill's injected cell


@pytest.mark.parametrize("fmt", ["html", "pdf"])
def test_no_raw_quarto_markup_leaks(rendered, fmt):
    _, result, _ = rendered
    path = result.outputs[fmt]
    text = path.read_text(encoding="utf-8") if fmt == "html" else pdf_text(path)
    for leak in LEAKS:
        assert leak not in text, f"{leak!r} leaked into the {fmt} output"


def test_epub_has_no_raw_markup(rendered):
    _, result, _ = rendered
    with zipfile.ZipFile(result.outputs["epub"]) as z:
        text = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xhtml"))
    assert "Figure 1.1" in text
    for leak in LEAKS:
        assert leak not in text


# --- pandoc engine: the book website ----------------------------------------------


def _site_pages(result) -> dict[str, str]:
    site = result.outputs["html"].parent
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(site.glob("*.html"))}


def test_site_has_a_page_per_chapter_with_title_block_and_sidebar(rendered):
    _, result, _ = rendered
    assert result.outputs["html"].name == "index.html"
    pages = _site_pages(result)
    assert set(pages) == {
        "index.html",
        "01-alpha.html",
        "02-beta.html",
        "03-broken.html",
        "notes.html",
    }
    index = pages["index.html"]
    assert '<p class="title">Fixture Course Analytics</p>' in index
    assert '<p class="subtitle">Demo Course 7</p>' in index
    assert "Run <code>demo-7</code>" in index
    assert re.search(r"<h1[^>]*>Preface</h1>", index)
    assert "A sine wave" not in index  # chapter 1 is on its own page
    alpha = pages["01-alpha.html"]
    assert re.search(r'<h1[^>]* id="sec-alpha"[^>]*>.*?>1</span> Alpha</h1>', alpha)
    assert "Beta</h1>" not in alpha
    # the sidebar: every page, the part as a group title, this page marked with its sections
    sidebar = alpha[alpha.index('id="sidebar"') : alpha.index("</nav>")]
    assert re.findall(r'href="([\w-]+\.html)"', sidebar) == list(
        ["index.html", "01-alpha.html", "02-beta.html", "03-broken.html", "notes.html"]
    )
    assert '<span class="toc-part-title">Getting going</span>' in sidebar
    assert re.search(r'<a href="01-alpha.html" aria-current="page"', sidebar)
    assert '<a href="#sec-alpha-method">1.1 Method</a>' in sidebar
    assert "Getting going</h1>" not in "".join(pages.values())  # no page for a part title


def test_site_previous_next_links_walk_the_book(rendered):
    _, result, _ = rendered
    pages = _site_pages(result)
    order, page = [], "index.html"
    while page:
        order.append(page)
        nxt = re.search(r'rel="next" href="([^"]+)"', pages[page])
        prev = re.search(r'rel="prev" href="([^"]+)"', pages[page])
        assert (prev.group(1) if prev else None) == (order[-2] if len(order) > 1 else None)
        page = nxt.group(1) if nxt else None
    assert order == ["index.html", "01-alpha.html", "02-beta.html", "03-broken.html", "notes.html"]


def test_site_cross_references_work_across_pages(rendered):
    _, result, _ = rendered
    pages = _site_pages(result)
    site = result.outputs["html"].parent
    alpha, beta = pages["01-alpha.html"], pages["02-beta.html"]
    # same page: a bare anchor; another page: that page's file
    assert '<a href="#fig-sine" class="quarto-xref">Figure 1.1</a>' in alpha
    assert '<a href="02-beta.html#sec-beta" class="quarto-xref">Chapter 2</a>' in alpha
    assert '<a href="01-alpha.html#fig-sine" class="quarto-xref">Figure 1.1</a>' in beta
    assert '<a href="index.html#fig-logo"' in beta or "fig-logo" not in beta
    # every local link lands on a page that has the anchor
    for name, text in pages.items():
        for target, anchor in re.findall(r'href="([\w-]+\.html)?#([^"]+)"', text):
            assert f'id="{anchor}"' in pages[target or name], (name, target, anchor)
    # images are files next to the pages, not inlined
    imgs = re.findall(r'<img[^>]+src="([^"]+)"', alpha)
    assert imgs and all((site / src).is_file() for src in imgs)
    assert "data:image/png;base64" not in alpha


def test_site_search_index_and_shared_plotly(rendered):
    _, result, _ = rendered
    site = result.outputs["html"].parent
    pages = _site_pages(result)
    libs = site / "site_libs"
    for name in ("minisearch.js", "minisearch-LICENSE.txt", "site.js", "site.css", "book.css"):
        assert (libs / name).stat().st_size > 100, name
    index = (libs / "search-index.js").read_text(encoding="utf-8")
    docs = json.loads(index[index.index("=") + 1 :].strip().rstrip(";"))
    method = next(d for d in docs if d["url"] == "01-alpha.html#sec-alpha-method")
    assert method["title"] == "1.1 Method" and method["page"] == "1 Alpha"
    assert any("A warning callout." in d["text"] for d in docs if d["url"].startswith("02-beta"))
    assert not any("textContent" in d["text"] for d in docs)  # scripts are not text
    # plotly.js is one shared file, loaded only by the pages that draw with it
    assert "plotly.js v0.0.0-fake" in (libs / "plotly.min.js").read_text(encoding="utf-8")
    for name, text in pages.items():
        assert "plotly.js v0.0.0-fake" not in text
        assert ('src="site_libs/plotly.min.js"' in text) == (name in ("01-alpha.html",)), name
    assert '.textContent = "interactive explorer"' in pages["01-alpha.html"]
    assert 'id="second-chart"' in pages["02-beta.html"]
    for text in pages.values():
        assert 'src="http' not in text and 'href="http' not in text


def _epubcheck() -> list[str]:
    """The command that runs epubcheck (Debian's is an executable jar)."""
    import os

    found = shutil.which("epubcheck")
    if not found:
        if os.environ.get("FLBOOK_REQUIRE_BROWSER") == "1":
            pytest.fail("epubcheck is missing (apt-get install epubcheck)")
        pytest.skip("epubcheck (apt) validates the EPUB")
    real = Path(found).resolve()
    if real.suffix == ".jar":
        java = shutil.which("java")
        assert java, "epubcheck is a jar but there is no java"
        return [java, "-jar", str(real)]
    return [found]


def test_epub_is_valid_epub3_with_contents_alt_text_and_crossrefs(rendered):
    import subprocess

    _, result, _ = rendered
    epub = result.outputs["epub"]
    check = subprocess.run([*_epubcheck(), str(epub)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-3000:]
    assert "0 fatals / 0 errors" in check.stdout
    with zipfile.ZipFile(epub) as z:
        opf = next(z.read(n).decode() for n in z.namelist() if n.endswith(".opf"))
        assert 'version="3.0"' in opf
        nav = z.read(next(n for n in z.namelist() if n.endswith("nav.xhtml"))).decode()
        pages = {
            n.rsplit("/", 1)[1]: z.read(n).decode() for n in z.namelist() if n.endswith(".xhtml")
        }
    for title in ("Preface", "1</span> Alpha", "2</span> Beta", "A</span> Notes"):
        assert title in nav, title
    imgs = re.findall(r"<img\b[^>]*>", "".join(pages.values()))
    assert imgs and all(re.search(r'alt="[^"]+"', i) for i in imgs), imgs
    assert 'alt="A smooth wavy line crossing zero twice"' in "".join(imgs)
    links = [
        (name, target, anchor)
        for name, text in pages.items()
        for target, anchor in re.findall(r'href="([\w.]*)#([^"]+)" class="quarto-xref"', text)
    ]
    assert any(target and target != name for name, target, _ in links)  # across chapters
    for name, target, anchor in links:
        assert f'id="{anchor}"' in pages[target or name], (name, target, anchor)


# --- pandoc engine: PDF ------------------------------------------------------------


def test_pdf_has_chapters_figures_tables_and_references(rendered):
    _, result, _ = rendered
    text = pdf_text(result.outputs["pdf"])
    flat = re.sub(r"\s+", " ", text)
    for title in ("Fixture Course Analytics", "Preface", "Alpha", "Beta", "Broken", "Notes"):
        assert title in flat
    assert "Figure 1.1: A sine wave" in flat
    assert "Table 1.1: A small table" in flat
    assert "Figure 2.1: A cosine" in flat
    assert "Chapter 2" in flat and "Section 2.1" in flat and "Appendix A" in flat
    assert "About the data" in flat and "Mind the gap" in flat
    assert "This chapter failed to build" in flat and "ValueError: boom in the third cell" in flat
    assert "??" not in flat
    # the DataFrame is a real table, not the text/plain repr; the explorer's script is gone
    assert "learners" in flat and "<b>bold</b>" in flat
    assert "interactive explorer" not in flat
    assert "Interactive chart: see the HTML edition" in flat  # the chart without an image
    typ = (result.build_dir / "_pandoc" / "typst" / "book.typ").read_text(encoding="utf-8")
    assert "#table(" in typ
    # text columns left, numbers right; a short table is never split across pages
    small = typ[typ.index("#block(breakable: false)[") :]
    assert re.search(r"align: \(right,right,right,left,\)", small[: small.index("<tbl-small>")])
    assert typ.count("#image(") + typ.count('image("') >= 3  # sine, cosine, explorer PNG


# --- warnings ----------------------------------------------------------------------


@pytest.mark.heavy
def test_unresolved_reference_is_a_warning(tmp_path):
    root = make_book(tmp_path)
    (root / "book" / "notes.qmd").write_text("# Notes {#sec-notes}\n\nSee @fig-missing.\n")
    out = tmp_path / "out"
    with pytest.warns(UserWarning, match="fig-missing"):
        result = render_book(
            root, {}, out, formats=("html-single",), engine="pandoc", chapters=["notes"]
        )
    assert result.ok
    assert any("fig-missing" in w for w in result.warnings)
    assert "??" in result.outputs["html-single"].read_text(encoding="utf-8")


# --- quarto engine -----------------------------------------------------------------

FAKE_QUARTO = """#!{python}
import json, pathlib, sys, yaml
argv = sys.argv[1:]
log = pathlib.Path({log!r})
log.write_text(log.read_text() + json.dumps(argv) + "\\n" if log.exists() else json.dumps(argv) + "\\n")
project = pathlib.Path(argv[1])
config = yaml.safe_load((project / "_quarto.yml").read_text())
out = project / config["project"]["output-dir"]
out.mkdir(parents=True, exist_ok=True)
to = argv[argv.index("--to") + 1]
if to == "html":
    (out / "index.html").write_text("<html>fake</html>")
else:
    (out / (config["book"]["output-file"] + ".pdf")).write_bytes(b"%PDF-fake")
"""


def _home_page_at_root(root: Path) -> Path:
    """Quarto takes only ``index.qmd`` at the project root as the home page."""
    (root / "book" / "index.qmd").rename(root / "index.qmd")
    cfg = root / "_quarto.yml"
    cfg.write_text(cfg.read_text().replace("- book/index.qmd", "- index.qmd"))
    return root


@pytest.mark.heavy
def test_quarto_engine_writes_a_valid_project_and_runs_quarto(tmp_path, monkeypatch):
    root = _home_page_at_root(make_book(tmp_path / "project"))
    book = read_book(root)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "quarto-argv.log"
    fake = bin_dir / "quarto"
    fake.write_text(FAKE_QUARTO.format(python=sys.executable, log=str(log)))
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}:{Path(sys.executable).parent}:/usr/bin:/bin")

    from flbook.render import quarto_available

    assert quarto_available()
    build = tmp_path / "build"
    for entry in book.entries:  # stand-ins for the executed pages
        (build / entry.path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / entry.path, build / entry.path)
    outputs = render_quarto(book, build, tmp_path / "out", formats=("html", "pdf"))

    assert outputs == {
        "html": tmp_path / "out" / "index.html",
        "pdf": tmp_path / "out" / "book.pdf",
    }
    assert outputs["pdf"].read_bytes() == b"%PDF-fake"
    calls = [line for line in log.read_text().splitlines() if line]
    assert len(calls) == 2
    assert '"render"' in calls[0] and '"--to", "html"' in calls[0] and '"--no-execute"' in calls[0]
    assert '"--to", "typst"' in calls[1]

    config = yaml.safe_load((build / "_quarto.yml").read_text())
    assert config["project"]["type"] == "book"
    assert config["execute"]["enabled"] is False
    assert config["execute"]["echo"] is False
    assert set(config["format"]) == {"html", "typst"}
    typst = config["format"]["typst"]
    assert typst["papersize"] == "a4"  # the book's own options kept
    assert typst["lof"] is True and typst["lot"] is True  # lists of figures and tables
    assert typst["include-in-header"] == [{"file": "_flbook/quarto-book.typ"}]
    include = (build / "_flbook" / "quarto-book.typ").read_text()
    assert include.startswith('#let flbook-rendered = "2024-02-05"\n')
    assert typst["filters"] == [{"path": "_flbook/filters/quarto-tables.lua", "at": "post-render"}]
    for name in ("quarto-book.typ", "filters/quarto-tables.lua", "filters/tables.lua"):
        assert (build / "_flbook" / name).is_file(), name
    assert "lof" not in config["format"]["html"]
    assert config["book"]["title"] == "Fixture Course Analytics"
    assert config["book"]["chapters"] == [
        "index.qmd",
        {
            "part": "Getting going",
            "chapters": ["chapters/01-alpha.ipynb", "chapters/02-beta.ipynb"],
        },
        "chapters/03-broken.ipynb",
    ]
    assert config["book"]["appendices"] == ["book/notes.qmd"]
    for page in ["index.qmd", "book/notes.qmd", "chapters/01-alpha.ipynb"]:
        assert (build / page).exists()


def test_quarto_project_for_a_chapter_subset(tmp_path):
    """The home page is kept, the other pages not built are stand-ins (for numbering)."""
    book = read_book(_home_page_at_root(make_book(tmp_path))).select(["02-beta"])
    assert [e.path for e in book.entries] == ["index.qmd", "chapters/02-beta.ipynb"]
    config = quarto_project(book, ["pdf"])
    assert config["book"]["chapters"] == [
        "index.qmd",
        {
            "part": "Getting going",
            "chapters": ["_flbook/not-built/01-alpha.qmd", "chapters/02-beta.ipynb"],
        },
        "_flbook/not-built/03-broken.qmd",
    ]
    assert config["book"]["appendices"] == ["_flbook/not-built/notes.qmd"]
    assert set(config["format"]) == {"html", "typst"}


def test_a_part_of_one_chapter_has_no_part_title_in_either_engine(tmp_path):
    """No part page and no group title in the contents for a part of a single chapter."""
    from flbook.render.pandoc_engine import merged_notebook
    from flbook.render.site import _sidebar, split_pages

    root = _home_page_at_root(make_book(tmp_path))
    cfg = root / "_quarto.yml"
    text = cfg.read_text()
    assert "    - chapters/03-broken.ipynb\n" in text
    cfg.write_text(
        text.replace(
            "    - chapters/03-broken.ipynb\n",
            '    - part: "Broken things"\n      chapters:\n        - chapters/03-broken.ipynb\n',
        )
    )
    book = read_book(root)
    assert book.find("03-broken").part == "Broken things"
    assert book.single_chapter_parts == {"Broken things"}
    # Quarto: the chapter is listed without its part (no part page, no sidebar group)
    chapters = quarto_project(book, ["html", "pdf"])["book"]["chapters"]
    assert chapters[1] == {
        "part": "Getting going",
        "chapters": ["chapters/01-alpha.ipynb", "chapters/02-beta.ipynb"],
    }
    assert chapters[2] == "chapters/03-broken.ipynb"
    # a partial render keeps the whole book's parts
    subset = quarto_project(book.select(["01-alpha"]), ["pdf"])["book"]["chapters"]
    assert subset[1]["part"] == "Getting going"
    # the pandoc engine: no part title before the chapter, in the PDF or the website
    merged = merged_notebook(book, root)
    parts = [c.source for c in merged.cells if "flbook-part" in c.source]
    assert [re.search(r"^# (.*)$", p, re.M).group(1) for p in parts] == [
        "Getting going",
        "Appendices",
    ]
    body = "".join(f"<!--flbook-page {e.path}-->\n<h1>{e.name}</h1>\n" for e in book.entries)
    pages = split_pages(body, book)
    sidebar = _sidebar(pages, pages[0])
    assert '<span class="toc-part-title">Getting going</span>' in sidebar
    assert "Broken things" not in sidebar
    assert '<a href="03-broken.html">03-broken</a>' in sidebar
