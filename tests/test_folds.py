"""What the HTML book folds and the PDF moves or leaves out (flbook/render/folds.py).

* Exercises close their chapter, and no answer is printed straight after "Predict": it
  is folded in the HTML (``<details class="answer">``) and, in the PDF, moved to an
  "Answers" section at the end of the chapter.
* Under each figure drawn by flbook, the call is folded in the HTML ("Show the flbook
  call") and absent from the PDF.
* A table that a chart already shows is folded (``<details class="fold">``): the PDF
  shows each result once, and chapter 11 refers to tables instead of printing them again.
* An interactive explorer whose static picture would repeat a figure is HTML-only
  (a raw ``<div class="html-only">`` … ``</div>``); the PDF gets one line naming that figure
  (``::: {.content-hidden when-format="html:js"}``).

A tiny book is rendered by each engine; the bundled book (a session fixture) is checked
for repeated tables.
"""

from __future__ import annotations

import html
import re
import shutil
import textwrap
from collections import Counter
from pathlib import Path

import nbformat
import pytest

from flbook.render import render_book
from flbook.render.folds import CALL_SUMMARY, flbook_call, mark_flbook_calls

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
OPENER = re.compile(r'^\s*(?:```\{=html\}\s*)?<(?:details|div) class="([\w-]+)"')
CLOSER = re.compile(r"^\s*</(?:details|div)>\s*$")


def _cells(path: Path):
    return nbformat.read(path, as_version=4).cells


def _sections(cells) -> list[tuple[int, str]]:
    """(cell index, title) of every level-2 heading."""
    out = []
    for i, c in enumerate(cells):
        if c.cell_type == "markdown":
            out += [(i, m) for m in re.findall(r"^## (.+?)\s*(?:\{#[^}]+\})?\s*$", c.source, re.M)]
    return out


# --------------------------------------------------------------------------- chapters


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_exercises_are_the_last_section_of_their_chapter(path):
    cells = _cells(path)
    exercise_cells = [
        i
        for i, c in enumerate(cells)
        if re.search(r'title="Exercise', c.source) or "**Predict**" in c.source
    ]
    if not exercise_cells:
        return
    sections = _sections(cells)
    titles = [t for _, t in sections]
    assert "Exercises" in titles, f"{path.name}: exercises outside an Exercises section"
    assert titles[-1] == "Exercises", f"{path.name}: {titles[-1]!r} comes after the exercises"
    start = dict((t, i) for i, t in sections)["Exercises"]
    assert min(exercise_cells) >= start, f"{path.name}: an exercise before its section"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_answer_straight_after_predict(path):
    """After a "Predict" paragraph comes a folded answer, a new exercise or a question."""
    cells = _cells(path)
    for i, c in enumerate(cells):
        if c.cell_type != "markdown" or "**Predict**" not in c.source:
            continue
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", c.source) if p.strip()]
        last = max(n for n, p in enumerate(paragraphs) if "**Predict**" in p)
        for p in paragraphs[last + 1 :]:  # in the same cell: only a question or a heading
            assert p.startswith(("#", "**Discuss**")), f"{path.name} cell {i}: {p[:80]!r}"
        if last + 1 < len(paragraphs) or i + 1 == len(cells):
            continue
        following = cells[i + 1]
        opens = OPENER.match(following.source)
        assert (opens and opens.group(1) == "answer") or following.source.startswith("#"), (
            f"{path.name} cell {i + 1} follows a Predict: {following.source[:80]!r}"
        )


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_folds_open_and_close_in_cells_of_their_own(path):
    depth = 0
    for i, c in enumerate(_cells(path)):
        if c.cell_type != "markdown":
            continue
        if OPENER.match(c.source):
            assert depth == 0, f"{path.name} cell {i}: a fold inside a fold"
            assert re.fullmatch(
                r'\s*<details class="[\w-]+">\s*<summary>[^<]+</summary>\s*', c.source
            ) or re.fullmatch(r'\s*```\{=html\}\s*<div class="html-only">\s*```\s*', c.source), (
                c.source
            )
            depth += 1
        elif CLOSER.match(c.source):
            assert depth == 1, f"{path.name} cell {i}: closes no fold"
            depth -= 1
        else:
            assert not re.search(
                r"<details|</details>|<div class=\"html-only|^\s*</div>", c.source, re.M
            ), f"{path.name} cell {i}: a fold must open and close in a cell of its own"
    assert depth == 0, f"{path.name}: a fold is never closed"


def test_chapter_11_refers_to_the_tables_it_used_to_repeat():
    source = "\n".join(c.source for c in _cells(ROOT / "chapters" / "11-teaching.ipynb"))
    for ref in ("@tbl-settings", "@tbl-sessions-summary", "@tbl-enrolment-busiest"):
        assert ref in source
    labels = re.findall(r"^#\| label: (tbl-[\w-]+)", source, re.M)
    assert labels == []  # every table it showed is printed once, in its own chapter


# --------------------------------------------------------------------------- the call


def test_flbook_call_is_found_only_for_figures_that_call_flbook():
    assert flbook_call('#| label: fig-a\n#| fig-cap: "A"\nfl.plotting.plot_x(t)') == (
        "fl.plotting.plot_x(t)"
    )
    assert flbook_call("#| label: fig-a\nplt.plot([1, 2])") is None  # no flbook call
    assert flbook_call("#| label: tbl-a\nfl.show_table(t)") is None  # a table
    assert flbook_call("#| label: fig-a\n#| echo: true\nfl.plotting.plot_x(t)") is None
    assert flbook_call("#| label: fig-a\nself.fl.x()") is None  # not the flbook module


def test_mark_flbook_calls_adds_quartos_fold_options_once():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell('#| label: fig-a\n#| fig-cap: "A"\nfl.plotting.plot_x(t)'),
        nbformat.v4.new_code_cell("#| label: tbl-a\nfl.show_table(t)"),
    ]
    assert mark_flbook_calls(nb) == 1
    assert nb.cells[0].source.splitlines() == [
        "#| label: fig-a",
        '#| fig-cap: "A"',
        "#| echo: true",
        "#| code-fold: true",
        f'#| code-summary: "{CALL_SUMMARY}"',
        "fl.plotting.plot_x(t)",
    ]
    assert mark_flbook_calls(nb) == 0  # a second run changes nothing


# --------------------------------------------------------------------------- tiny book


def _md(text: str):
    return nbformat.v4.new_markdown_cell(textwrap.dedent(text).strip())


def _code(text: str, tags=None):
    cell = nbformat.v4.new_code_cell(textwrap.dedent(text).strip())
    if tags:
        cell.metadata["tags"] = tags
    return cell


DISTRIBUTION = """
    #| label: fig-dist
    #| fig-cap: "Sessions per learner"
    #| fig-alt: "Three bars of learners by number of sessions"
    fl.plotting.plot_session_distribution(
        pd.DataFrame({"group": "all", "measure": "sessions", "bin_left": [1, 2, 3],
                      "bin_right": [2, 3, 4], "learners": [30, 20, 12], "pct": [48, 32, 20]})
    )
"""


def make_book(root: Path) -> Path:
    (root / "chapters").mkdir(parents=True)
    (root / "_quarto.yml").write_text(
        textwrap.dedent(
            """
            project:
              type: book
            book:
              title: "Folds"
              author: "flbook tests"
              chapters:
                - index.qmd
                - chapters/01-alpha.ipynb
                - chapters/02-beta.ipynb
            execute:
              echo: false
            """
        ),
        encoding="utf-8",
    )
    (root / "index.qmd").write_text("# Preface {.unnumbered}\n\nA tiny book.\n", encoding="utf-8")
    params = _code("n: int = 3  # a number", tags=["parameters"])
    alpha = [
        _md("# Alpha {#sec-alpha}\n\nThe chart is @fig-dist."),
        params,
        _code("import flbook as fl\nimport matplotlib.pyplot as plt\nimport pandas as pd"),
        _code(DISTRIBUTION),
        _md('<details class="fold">\n<summary>The numbers as a table</summary>'),
        _code('print("FOLDED NUMBERS 30 20 12")'),
        _md("</details>"),
        _code(
            """
            #| label: fig-plain
            #| fig-cap: "A plain line"
            #| fig-alt: "A line rising from left to right"
            fig, ax = plt.subplots(figsize=(3, 2))
            ax.plot([1, 2, 3])
            """
        ),
        _md(
            "## Explore {#sec-alpha-explore}\n\n"
            '::: {.content-hidden when-format="html:js"}\n'
            "NOT IN HTML: the chart here draws @fig-dist again.\n:::"
        ),
        _md('```{=html}\n<div class="html-only">\n```'),
        _md("ONLY IN HTML: @fig-again is interactive."),
        _code(
            """
            #| label: fig-again
            #| fig-cap: "The same bars again"
            #| fig-alt: "Three bars of learners by number of sessions, again"
            fig, ax = plt.subplots(figsize=(3, 2))
            ax.bar([1, 2, 3], [30, 20, 12])
            """
        ),
        _md("</div>"),
        _md(
            "## Exercises {#sec-alpha-exercises}\n\n### The gap {#sec-alpha-gap}\n\n**Predict**: what moves?"
        ),
        _md('<details class="answer">\n<summary>The answer (open it after predicting)</summary>'),
        _code('print("ANSWER ONE: sessions fall")'),
        _md("</details>"),
        _md("**Discuss**: why?"),
    ]
    beta = [_md("# Beta {#sec-beta}\n\nBETA BEGINS here."), params]
    for name, cells in (("01-alpha", alpha), ("02-beta", beta)):
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nb.cells = cells
        nbformat.write(nb, root / "chapters" / f"{name}.ipynb")
    return root


def _pdf_text(path: Path) -> str:
    pypdf = pytest.importorskip("pypdf")
    text = "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(str(path)).pages)
    return re.sub(r"\s+", " ", text)


def _visible(doc: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", doc)))


def _check_pdf(pdf: Path) -> None:
    text = _pdf_text(pdf)
    assert "plot_session_distribution" not in text and CALL_SUMMARY not in text
    assert "FOLDED NUMBERS" not in text  # a folded table is left out of the PDF
    # the HTML-only figure is left out, with its text; the PDF's line names the figure
    assert "ONLY IN HTML" not in text and "The same bars again" not in text
    assert "NOT IN HTML: the chart here draws Figure 1.1 again." in text
    assert "Figure 1.3" not in text  # fig-again was not numbered
    # the answer is not after "Predict" but in the Answers at the end of its chapter
    predict = text.index("what moves?")
    answers = text.index("Answers", predict)
    assert (
        text.index("Discuss", predict)
        < answers
        < text.index("ANSWER ONE")
        < text.rindex("BETA BEGINS")
    )
    assert re.search(r"Answer to Section 1\.2\.1", text)  # after the Explore section


@pytest.fixture(scope="module")
def portable(tmp_path_factory):
    root = make_book(tmp_path_factory.mktemp("folds"))
    result = render_book(
        root, {"n": 3}, root / "out", formats=("html-single", "pdf"), engine="pandoc"
    )
    assert result.ok
    return result


def test_portable_html_folds_the_call_under_its_figure(portable):
    page = portable.outputs["html-single"].read_text(encoding="utf-8")
    figure = page.index('id="fig-dist"')
    fold = page.index('<details class="flbook-call">', figure)
    assert page.index("</figure>", figure) < fold  # under the figure
    call = page[fold : page.index("</details>", fold)]
    assert CALL_SUMMARY in call
    assert "plot_session_distribution" in _visible(call)
    assert page.count('<details class="flbook-call">') == 1  # fig-plain calls no flbook
    # answers and folded numbers stay folded where they are
    answer = page.index('<details class="answer">')
    assert answer < page.index("ANSWER ONE") < page.index("</details>", answer)
    assert "FOLDED NUMBERS" in page
    _check_html_only(page)


def _check_html_only(page: str) -> None:
    """The HTML keeps the HTML-only figure and text, and leaves out the PDF's line."""
    visible = _visible(page)
    assert "ONLY IN HTML: Figure 1.3 is interactive." in visible
    assert re.search(r"Figure\s+1\.3:\s+The same bars again", visible)
    assert "NOT IN HTML" not in visible


def test_portable_pdf_has_no_call_and_moves_answers(portable):
    _check_pdf(portable.outputs["pdf"])


@pytest.mark.quarto
def test_quarto_folds_the_call_and_moves_answers(tmp_path):
    if shutil.which("quarto") is None:
        pytest.skip("quarto not on PATH")
    root = make_book(tmp_path / "book")
    result = render_book(root, {"n": 3}, root / "out", formats=("html", "pdf"), engine="quarto")
    assert result.ok
    page = next(p for p in result.outputs["html"].parent.rglob("01-alpha.html"))
    text = page.read_text(encoding="utf-8")
    fold = text.index('<details class="code-fold">')
    call = text[fold : text.index("</details>", fold)]
    assert CALL_SUMMARY in call and "plot_session_distribution" in _visible(call)
    assert abs(text.index('id="fig-dist"') - fold) < 3000  # beside its figure
    assert text.count('class="code-fold"') == 1
    _check_html_only(text)
    _check_pdf(result.outputs["pdf"])


# --------------------------------------------------------------------------- bundled


def _tables(page: str) -> list[tuple[str, str]]:
    """(caption, body text) of every table in an HTML page."""
    out = []
    for m in re.finditer(r"<table\b.*?</table>", page, flags=re.S):
        table = m.group(0)
        cap = re.search(r"<caption[^>]*>(.*?)</caption>", table, flags=re.S)
        caption = _visible(cap.group(1)) if cap else ""
        caption = re.sub(r"^\s*Table\s+[\dA-Z]+\.\d+:\s*", "", caption).strip()
        body = re.search(r"<tbody[^>]*>(.*?)</tbody>", table, flags=re.S)
        out.append((caption, _visible(body.group(1) if body else table).strip()))
    return out


def test_bundled_book_prints_each_table_once(bundled):
    site = bundled.outputs["html"].parent
    where: dict[str, set[str]] = {}
    captions: Counter[str] = Counter()
    for page in sorted(site.glob("*.html")):
        for caption, body in _tables(page.read_text(encoding="utf-8")):
            captions[caption] += bool(caption)
            if len(body) > 40:
                where.setdefault(body, set()).add(page.name)
    assert sum(captions.values()) > 20
    assert [c for c, n in captions.items() if n > 1] == []
    repeated = {body[:80]: pages for body, pages in where.items() if len(pages) > 1}
    # none: Appendix A refers to chapter 1's tables (steps per week, rows left out)
    assert repeated == {}


def test_bundled_chapter_11_links_to_tables_instead_of_printing_them(bundled):
    page = (bundled.outputs["html"].parent / "11-teaching.html").read_text(encoding="utf-8")
    for label in ("tbl-settings", "tbl-sessions-summary", "tbl-enrolment-busiest"):
        assert re.search(rf'href="[^"]*#{label}"', page), label
    assert not re.search(r"Table\s+11\.\d", _visible(page))  # chapter 11 prints no table


def test_bundled_figures_show_their_flbook_call_in_html_only(bundled):
    page = bundled.outputs["html-single"].read_text(encoding="utf-8")
    folds = re.findall(r'<details class="flbook-call">.*?</details>', page, flags=re.S)
    assert len(folds) > 50
    assert all(re.search(r"\b(fl|flbook)\.", _visible(f)) for f in folds)
    pdf = _pdf_text(bundled.outputs["pdf"])
    assert CALL_SUMMARY not in pdf and "fl.plotting.plot_" not in pdf


# The explorers whose static picture would repeat a figure (of their own chapter, or
# chapter 1's rows per day), and the figure the PDF's line names instead.
EXPLORER_REPEATS = {
    "fig-steps-explorer": "fig-steps-activity",  # visits per step: the blue bars
    "fig-scheduling-explorer": "fig-coverage",  # step visits per day (chapter 1)
    "fig-quizzes-explorer": "fig-quizzes-heatmap",  # one question's first answers
}
PDF_LINE = "In the HTML edition of this book, an interactive chart here"


def _figure(page: str, label: str) -> tuple[str, str, str]:
    """(number, caption, HTML) of a figure of the portable engine's one-page HTML book."""
    start = page.index(f'id="{label}"')
    figure = page[start : page.index("</figure>", start)]
    caption = _visible(re.search(r"<figcaption.*?</figcaption>", figure, flags=re.S).group(0))
    m = re.match(r"\s*Figure\s+(\w+\.\d+):\s*(.+)", caption)
    return m.group(1), m.group(2).strip(), figure


def test_bundled_pdf_names_the_figure_an_explorer_would_repeat(bundled):
    page = bundled.outputs["html-single"].read_text(encoding="utf-8")
    pdf = _pdf_text(bundled.outputs["pdf"])
    assert PDF_LINE not in _visible(page)
    lines = [pdf[i : i + 400] for i in (m.start() for m in re.finditer(PDF_LINE, pdf))]
    assert len(lines) == len(EXPLORER_REPEATS)
    for explorer, repeated in EXPLORER_REPEATS.items():
        _, caption, figure = _figure(page, explorer)
        assert "Plotly.newPlot" in figure  # the HTML keeps the interactive chart
        assert caption[:30] not in pdf  # the PDF has no static copy of it
        number, shown, _ = _figure(page, repeated)
        assert shown[:30] in pdf  # the figure it would repeat is there, once
        assert len(re.findall(rf"Figure {re.escape(number)}:", pdf)) == 2  # and in the list
        named = [bool(re.search(rf"Figure {re.escape(number)}(?!\d)", x)) for x in lines]
        assert sum(named) == 1, (number, lines)
