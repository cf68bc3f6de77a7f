"""A format is written again exactly when something it is made from changed.

``flbook.render.stamps``: after a format is rendered its stamp records a digest of the
build folder, the book, the engine and flbook, and a listing of the output. The tests
render the tiny book of test_render.py with the pandoc engine (pandoc and typst run
for real) and look at which outputs were written again, by their modification time
and their content.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import nbformat
import pytest
from test_render import make_book  # the tiny book (tests/ is on sys.path)

from flbook.render import RenderWarning, render_book, stamps
from flbook.render.pandoc_engine import render_pandoc
from flbook.render.project import read_book, read_notebook, write_notebook

pytestmark = pytest.mark.heavy  # executes two chapters and runs pandoc and typst


def _mtimes(outputs: dict[str, Path]) -> dict[str, int]:
    return {fmt: path.stat().st_mtime_ns for fmt, path in outputs.items()}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The tiny book executed once (no cache), its build folder reused by each test."""
    root = make_book(tmp_path_factory.mktemp("stamps"))
    out = root / "first"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RenderWarning)  # the explorer has no static image
        result = render_book(
            root, {"n": 4}, out, formats=("html-single",), engine="pandoc", chapters=["01-alpha"]
        )
    assert result.ok
    return root, result.build_dir


def _render(root: Path, build: Path, out: Path, reuse: bool = True, **kw):
    reused: list[str] = []
    found: list[str] = []
    outputs = render_pandoc(
        read_book(root).select(["01-alpha"]),
        build,
        out,
        formats=kw.get("formats", ("html", "pdf")),
        on_warning=found.append,
        reuse=reuse,
        reused=reused,
    )
    return outputs, reused, found


def test_an_unchanged_book_is_not_rendered_again(built, tmp_path):
    root, build = built
    out = tmp_path / "out"
    outputs, reused, _ = _render(root, build, out)
    assert reused == [] and all(p.exists() for p in outputs.values())
    before = _mtimes(outputs)

    outputs, reused, _ = _render(root, build, out)
    assert reused == ["html", "pdf"]
    assert _mtimes(outputs) == before  # neither was written

    # without reuse (flbook render --no-cache) both are written, whatever the stamps say
    outputs, reused, _ = _render(root, build, out, reuse=False)
    assert reused == [] and all(_mtimes(outputs)[f] != before[f] for f in outputs)


def test_changed_prose_in_the_build_folder_renders_every_format_again(built, tmp_path):
    root, build = built
    out = tmp_path / "out"
    page = build / "chapters" / "01-alpha.ipynb"
    original = page.read_bytes()
    try:
        outputs, _, _ = _render(root, build, out)
        before = _mtimes(outputs)
        nb = read_notebook(page)
        nb.cells.append(nbformat.v4.new_markdown_cell("A sentence added after the render."))
        write_notebook(nb, page)

        outputs, reused, _ = _render(root, build, out)
        assert reused == []
        assert all(_mtimes(outputs)[f] != before[f] for f in outputs)
        site = "".join(p.read_text(encoding="utf-8") for p in outputs["html"].parent.glob("*.html"))
        assert "A sentence added after the render." in site
    finally:
        page.write_bytes(original)


def test_a_deleted_or_edited_output_is_rendered_again_alone(built, tmp_path):
    root, build = built
    out = tmp_path / "out"
    outputs, _, _ = _render(root, build, out)
    before = _mtimes(outputs)

    outputs["pdf"].unlink()
    outputs, reused, _ = _render(root, build, out)
    assert reused == ["html"] and outputs["pdf"].exists()
    assert _mtimes(outputs)["html"] == before["html"]

    # a page of the website edited by hand: the site is written again, the PDF kept
    before = _mtimes(outputs)
    page = max(outputs["html"].parent.glob("*.html"), key=lambda p: p.stat().st_size)
    page.write_text(page.read_text(encoding="utf-8") + "<!-- edited -->", encoding="utf-8")
    outputs, reused, _ = _render(root, build, out)
    assert reused == ["pdf"]
    assert "<!-- edited -->" not in page.read_text(encoding="utf-8")


def test_other_metadata_or_another_place_renders_again(built, tmp_path):
    root, build = built
    out = tmp_path / "out"
    _render(root, build, out)
    _, reused, _ = _render(root, build, tmp_path / "elsewhere")  # another output folder
    assert reused == []
    book = read_book(root).select(["01-alpha"]).with_metadata({"subtitle": "Another run"})
    reused = []
    render_pandoc(
        book, build, out, formats=("pdf",), on_warning=lambda m: None, reuse=True, reused=reused
    )
    assert reused == []  # the title page changed
    _, reused, _ = _render(root, build, out, formats=("pdf",))
    assert reused == []  # and back: the stamp is of the last render only


def test_warnings_of_a_kept_output_are_given_again(built, tmp_path):
    root, build = built
    out = tmp_path / "out"
    # an explorer output without a static image warns when the PDF is written
    page = build / "chapters" / "01-alpha.ipynb"
    original = page.read_bytes()
    try:
        nb = read_notebook(page)
        nb.cells.append(nbformat.v4.new_markdown_cell("See @fig-nowhere for more."))
        write_notebook(nb, page)
        _, reused, first = _render(root, build, out, formats=("pdf",))
        assert reused == [] and any("fig-nowhere" in w for w in first)
        _, reused, again = _render(root, build, out, formats=("pdf",))
        assert reused == ["pdf"] and again == first
        stamp = json.loads(stamps.stamp_path(build, "pandoc", "pdf").read_text())
        assert stamp["warnings"] == first
    finally:
        page.write_bytes(original)


def test_render_book_keeps_unchanged_formats_only_with_a_cache(tmp_path):
    root = make_book(tmp_path / "book")
    out = tmp_path / "out"
    cache = tmp_path / "cache"
    args = dict(formats=("html-single", "pdf"), engine="pandoc", chapters=["01-alpha"])
    warnings.simplefilter("ignore", RenderWarning)  # the explorer has no static image
    first = render_book(root, {"n": 5}, out, cache=cache, data_key="d", **args)
    assert first.ok and first.reused == []
    again = render_book(root, {"n": 5}, out, cache=cache, data_key="d", **args)
    assert [c.cached for c in again.chapters if c.executed] == [True]
    assert again.reused == ["html-single", "pdf"]
    # a new parameter executes the chapter again, so both formats are written again
    changed = render_book(root, {"n": 6}, out, cache=cache, data_key="d", **args)
    assert changed.reused == []
    assert "There are <strong>6</strong> points" in (out / "book.html").read_text(encoding="utf-8")
    no_cache = render_book(root, {"n": 6}, out, **args)
    assert no_cache.reused == []


@pytest.mark.quarto
def test_quarto_keeps_an_unchanged_website(tmp_path):
    from test_quarto import require_quarto
    from test_render import _home_page_at_root

    require_quarto()
    root = _home_page_at_root(make_book(tmp_path / "book"))
    out = tmp_path / "out"
    cache = tmp_path / "cache"
    args = dict(formats=("html",), engine="quarto", chapters=["index", "01-alpha"])
    warnings.simplefilter("ignore", RenderWarning)
    first = render_book(root, {"n": 5}, out, cache=cache, data_key="d", **args)
    assert first.ok and first.reused == []
    written = first.outputs["html"].stat().st_mtime_ns
    again = render_book(root, {"n": 5}, out, cache=cache, data_key="d", **args)
    assert again.reused == ["html"] and again.outputs["html"].stat().st_mtime_ns == written
    changed = render_book(root, {"n": 6}, out, cache=cache, data_key="d", **args)
    assert changed.reused == []
    page = (out / "chapters" / "01-alpha.html").read_text(encoding="utf-8")
    assert "There are <strong>6</strong> points" in page
