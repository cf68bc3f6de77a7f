"""PDF layout rules, checked on a small generated book rendered by both engines.

The book (a preface and one chapter, a notebook stored as executed) holds a callout set
beside the same text as a plain paragraph, and twenty long numbered tables as
``fl.show_table`` shows them, each after a longer text than the one before, so that
their page breaks fall at different rows. Each engine renders
its PDF once per session (the pandoc engine also once with the three-row rule turned
down to one row, to show that these tables would split badly without it); the tests
read the pages with pdftotext (Debian poppler-utils): one page at a time for the
tables, word boxes (``-bbox-layout``) for the callout.
"""

from __future__ import annotations

import re
import shutil
import statistics
from itertools import pairwise
from pathlib import Path
from xml.etree import ElementTree

import pytest
from pdf_pages import layout_pages, pdftotext

TABLES = 20
STEP = 1  # filler paragraphs added before each next table
ROWS = 28  # over the 20 rows a table may have and still be kept on one page
FILLER = (
    "The course team reads these pages to see where learners stopped, which steps "
    "drew comments and how the weeks compared with the last run of the course. "
)
# One paragraph, set twice: inside a callout and as plain text after it.
MEASURED = (
    "Notwithstanding considerable methodological uncertainty, comparatively "
    "straightforward participation measurements characteristically underestimate "
    "asynchronous engagement, particularly whenever institutional recordkeeping "
    "conventions distinguish unenrolment, inactivity and incomplete assessment "
    "attempts inconsistently across successive presentations of the course."
)


def _table_html(k: int) -> str:
    """A table as ``fl.show_table`` shows one (pandas' HTML, class ``dataframe``)."""
    import pandas as pd

    frame = pd.DataFrame(
        {
            "Step": [f"T{k:02d}R{i:02d}" for i in range(1, ROWS + 1)],
            "Learners": [f"{i * 1237:,}" for i in range(1, ROWS + 1)],
        }
    )
    return frame.to_html(index=False)


def make_layout_book(root: Path) -> Path:
    """Write the generated book project into ``root`` and return it.

    Its chapter is a notebook stored as executed (outputs and all), like the chapters
    in a build folder, so that both engines render it without running anything.
    """
    import nbformat

    root.mkdir(parents=True, exist_ok=True)
    (root / "_quarto.yml").write_text(
        "project:\n  type: book\nbook:\n  title: Layout check\n"
        "  chapters:\n    - index.qmd\n    - tables.ipynb\n",
        encoding="utf-8",
    )
    (root / "index.qmd").write_text(
        "# Preface {.unnumbered}\n\nA book that checks how the PDF is laid out.\n",
        encoding="utf-8",
    )
    md = nbformat.v4.new_markdown_cell
    cells = [
        md("# Tables {#sec-tables}"),
        md(f'::: {{.callout-note title="Measured callout"}}\n{MEASURED}\n:::\n\n{MEASURED}'),
    ]
    for k in range(TABLES):
        cells.append(md(f"## Table group {k}\n\n" + FILLER * (1 + STEP * k)))
        cell = nbformat.v4.new_code_cell(
            f'#| label: tbl-group-{k}\n#| tbl-cap: "Learners at step, group {k}."\n'
            "fl.show_table(frame)"
        )
        data = {"text/html": _table_html(k), "text/plain": "a table"}
        cell.outputs = [nbformat.v4.new_output("display_data", data=data)]
        cells.append(cell)
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, root / "tables.ipynb")
    return root


def _render(root: Path, out: Path, engine: str) -> Path:
    """Render the book (already executed: the project folder is its build folder)."""
    from flbook.render import read_book, render_pandoc, render_quarto

    build = out / "build"
    shutil.copytree(root, build)
    book = read_book(root)
    if engine == "pandoc":
        return render_pandoc(book, build, out, formats=("pdf",), on_warning=print)["pdf"]
    return render_quarto(book, build, out, formats=("pdf",), on_warning=print)["pdf"]


def _table_pages(pages: list[str]) -> dict[int, list[int]]:
    """For each generated table, how many of its rows each page it is on holds."""
    found: dict[int, dict[int, int]] = {}
    for n, page in enumerate(pages):
        for k in re.findall(r"\bT(\d\d)R\d\d\b", page):
            found.setdefault(int(k), {}).setdefault(n, 0)
            found[int(k)][n] += 1
    return {k: [per_page[n] for n in sorted(per_page)] for k, per_page in found.items()}


@pytest.fixture(scope="session")
def layout_book(tmp_path_factory) -> Path:
    return make_layout_book(tmp_path_factory.mktemp("layout") / "project")


@pytest.fixture(scope="session")
def pandoc_layout_pdf(layout_book, tmp_path_factory) -> Path:
    return _render(layout_book, tmp_path_factory.mktemp("layout-pandoc"), "pandoc")


@pytest.fixture(scope="session")
def quarto_layout_pdf(layout_book, tmp_path_factory) -> Path:
    from test_quarto import require_quarto

    require_quarto()
    return _render(layout_book, tmp_path_factory.mktemp("layout-quarto"), "quarto")


def _check_splits(splits: dict[int, list[int]]) -> None:
    assert sorted(splits) == list(range(TABLES))
    for k, counts in splits.items():
        assert sum(counts) == ROWS, (k, counts)  # every row printed once
        assert counts[0] >= 3 and counts[-1] >= 3, (k, counts)
    assert sum(len(c) > 1 for c in splits.values()) >= 3  # the rule was put to work


def test_pandoc_long_tables_leave_three_rows_each_side_of_a_split(pandoc_layout_pdf):
    _check_splits(_table_pages(layout_pages(pandoc_layout_pdf)))


@pytest.mark.heavy
def test_without_the_rule_these_tables_would_split_badly(layout_book, tmp_path, monkeypatch):
    """The same book with the rule turned down to one row: some split leaves one or two."""
    from flbook.render import pandoc_engine

    filters = tmp_path / "filters"
    shutil.copytree(pandoc_engine.FILTER.parent, filters)
    module = filters / "tables.lua"
    text = module.read_text(encoding="utf-8")
    assert "M.EDGE_ROWS = 3" in text
    module.write_text(text.replace("M.EDGE_ROWS = 3", "M.EDGE_ROWS = 1"), encoding="utf-8")
    monkeypatch.setattr(pandoc_engine, "FILTER", filters / pandoc_engine.FILTER.name)
    splits = _table_pages(layout_pages(_render(layout_book, tmp_path / "out", "pandoc")))
    assert any(min(c[0], c[-1]) < 3 for c in splits.values() if len(c) > 1), splits


@pytest.mark.quarto
def test_quarto_long_tables_leave_three_rows_each_side_of_a_split(quarto_layout_pdf):
    _check_splits(_table_pages(layout_pages(quarto_layout_pdf)))


# ----------------------------------------------------------------------------- callouts


def _paragraph_lines(pdf: Path, first: str, last: str) -> list[list[tuple[float, float]]]:
    """Every paragraph that runs from the word ``first`` to the word ``last``, as lines of
    word boxes (xMin, xMax) in points, from pdftotext's word boxes."""
    xml = pdftotext(pdf, "-bbox-layout")
    xml = re.sub(r"<!DOCTYPE[^>]*>", "", xml)
    xml = re.sub(r'\sxmlns="[^"]*"', "", xml, count=1)
    words = [  # (line number, text, xMin, xMax) in reading order
        (n, w.text or "", float(w.get("xMin")), float(w.get("xMax")))
        for n, line in enumerate(ElementTree.fromstring(xml).iter("line"))
        for w in line.iter("word")
    ]
    found = []
    for i, (_, text, _, _) in enumerate(words):
        if text != first:
            continue
        end = next(j for j in range(i, len(words)) if words[j][1] == last)
        lines: dict[int, list[tuple[float, float]]] = {}
        for n, _, x0, x1 in words[i : end + 1]:
            lines.setdefault(n, []).append((x0, x1))
        found.append(list(lines.values()))
    return found


def _justified_and_gaps(lines: list[list[tuple[float, float]]]) -> tuple[float, float]:
    """How far the right edges of a paragraph's lines (the last one aside) spread, in
    points, and its widest gap between words over the median gap."""
    ends = [line[-1][1] for line in lines[:-1]]
    gaps = [b[0] - a[1] for line in lines for a, b in pairwise(line)]
    return max(ends) - min(ends), max(gaps) / statistics.median(gaps)


def _check_callout_ragged(pdf: Path) -> None:
    paragraphs = _paragraph_lines(pdf, MEASURED.split()[0], MEASURED.split()[-1])
    assert len(paragraphs) == 2, paragraphs  # the callout's, then the plain one
    in_callout, plain = (_justified_and_gaps(p) for p in paragraphs)
    # the text is justified: every full line ends at the margin (a hyphen may hang out)
    assert plain[0] < 3.0, plain
    assert in_callout[0] > 8.0, in_callout  # the callout's lines end where their words do
    assert in_callout[1] < 1.2, in_callout  # and its word gaps are all the same


def test_pandoc_callouts_are_ragged_right(pandoc_layout_pdf):
    _check_callout_ragged(pandoc_layout_pdf)


@pytest.mark.quarto
def test_quarto_callouts_are_ragged_right(quarto_layout_pdf):
    _check_callout_ragged(quarto_layout_pdf)
