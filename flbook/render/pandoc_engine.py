"""The portable engine: pandoc (from pypandoc-binary) and typst (from PyPI).

The executed pages of the build folder are merged, in book order, into one notebook
(``BUILD/_pandoc/book.ipynb``); pandoc reads it with ``--ipynb-output=all`` so every
output keeps all its representations, and the Lua filter ``filters/quarto-subset.lua``
implements the Quarto subset (cell options, figures, tables, numbering,
cross-references, callouts) and picks each output's representation per target:

============  ===============================================================
target        representation used, best first
============  ===============================================================
HTML          text/html (a pandas DataFrame becomes a real table), image,
              text/markdown, text/plain
PDF, EPUB     image, text/markdown, text/html holding a table (parsed into a
              real table), text/plain; scripts (interactive charts) are dropped
============  ===============================================================

A cell that shows an interactive chart (text/html with a ``<script>``) and a static
image keeps the chart in HTML and the image in the PDF. ``docs/quarto-subset.md`` says
what the chapters may use.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

from flbook.errors import FlbookError
from flbook.render import stamps
from flbook.render.folds import FOLDS_FILTER
from flbook.render.project import (
    Book,
    first_heading,
    read_notebook,
    strip_front_matter,
    write_notebook,
)
from flbook.render.site import write_site

__all__ = ["RenderError", "RenderWarning", "render_pandoc", "pandoc_path", "merged_notebook"]

HERE = Path(__file__).parent
FILTER = HERE / "filters" / "quarto-subset.lua"
CSS = HERE / "assets" / "book.css"
TYPST_TEMPLATE = HERE / "assets" / "book.typst"
READER = "ipynb" + "".join(
    "+" + ext
    for ext in (
        "header_attributes",
        "table_captions",
        "implicit_figures",
        "citations",
        "fenced_divs",
        "bracketed_spans",
        "native_divs",
        "footnotes",
        "definition_lists",
        "simple_tables",
        "multiline_tables",
        "grid_tables",
        "link_attributes",
        "fancy_lists",
        "startnum",
        "superscript",
        "subscript",
        "raw_attribute",
        "smart",
    )
)
FORMATS = ("html", "html-single", "pdf", "epub")


class RenderError(FlbookError):
    """pandoc or typst could not produce an output."""


class RenderWarning(UserWarning):
    """Something in the book will not show as written (e.g. an unresolved reference)."""


def pandoc_path() -> str:
    """The pandoc executable bundled with pypandoc-binary (or the one on PATH)."""
    try:
        import pypandoc

        return pypandoc.get_pandoc_path()
    except (ImportError, OSError):
        found = shutil.which("pandoc")
        if not found:
            raise RenderError("pandoc not found: install pypandoc-binary") from None
        return found


def _cell(cell_type: str, source: str):
    """A new cell of the merged notebook (its id is set by :func:`merged_notebook`).

    Built directly rather than with ``nbformat.v4.new_*_cell``, which validates each
    cell against the schema (0.7 s for a whole book's cells).
    """
    from nbformat import NotebookNode

    cell = NotebookNode(cell_type=cell_type, metadata=NotebookNode(), source=source)
    if cell_type == "code":
        cell.outputs = []
        cell.execution_count = None
    return cell


def _page_markdown(path: Path) -> str:
    """A ``.qmd`` page's markdown; a front-matter title becomes its heading."""
    meta, body = strip_front_matter(path.read_text(encoding="utf-8"))
    if meta.get("title") and first_heading(path) is None:
        body = f"# {meta['title']}\n\n{body}"
    return body


# plotly.js inlined by ``fig.to_html(include_plotlyjs=True)`` (~4.8 MB per chart), and
# the library script flbook's explorers tag with ``data-flbook-lib``.
_PLOTLY_JS = re.compile(
    r"<script[^>]*>\s*/\*\*?\s*\n\s*\* plotly\.js v[\s\S]*?</script>"
    r"|<script data-flbook-lib=\"[^\"]+\">[\s\S]*?</script>"
)


def _strip_plotly_js(nb, found: list[str]) -> None:
    """Cut the plotly.js bundles out of a notebook's HTML outputs; keep the first in ``found``.

    One copy is put back into the HTML page's head, so a book with many charts carries
    the library once and pandoc's resource embedding does not wade through megabytes.
    """
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            html = out.get("data", {}).get("text/html")
            if isinstance(html, list):
                html = "".join(html)
            if isinstance(html, str) and ("plotly.js v" in html or "data-flbook-lib" in html):

                def keep(m: re.Match) -> str:
                    if not found:
                        found.append(m.group(0))
                    return ""

                out["data"]["text/html"] = _PLOTLY_JS.sub(keep, html)


# src="http..." or <link href="http...">: something the page would fetch.
_REMOTE = re.compile(r"""(?:\bsrc|<link\b[^>]*\bhref)\s*=\s*["'](https?://[^"']+)""")
_SHORTCODE = re.compile(r"\{\{<\s*(\w+)\s*([^>]*?)\s*>\}\}")


def _shortcodes(text: str, book: Book, warn: Callable[[str], None]) -> str:
    """Replace Quarto's ``{{< meta KEY >}}`` with the book's metadata value."""
    if "{{<" not in text:
        return text

    def one(m: re.Match) -> str:
        name, arg = m.group(1), m.group(2).strip()
        if name != "meta":
            warn(f"unsupported Quarto shortcode {m.group(0)} (only 'meta' is supported)")
            return f"?{name}:{arg}"
        value = book.meta(arg)
        if value is None:
            warn(f"{{{{< meta {arg} >}}}}: no metadata called {arg!r}")
            return f"?meta:{arg}"
        return ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)

    return _SHORTCODE.sub(one, text)


# pandoc's ipynb reader has ``lists_without_preceding_blankline`` on, and ``@key)`` or
# ``@key.`` at the start of a line looks to it like a list marker: the paragraph breaks
# before a cross-reference that a line wrap put first ("(see" ¶ "@sec-x)"). Such a
# reference is joined to the line before it, which is what the writer meant.
_REF_AT_LINE_START = re.compile(r"(?<=\S)[ \t]*\n[ \t]*(?=\[?-?@(?:fig|tbl|sec)-)")


def _join_refs(text: str) -> str:
    r"""Join a line that starts with a cross-reference to the line before it.

    >>> _join_refs("those who fully participated (see\n@sec-learners) and the rest")
    'those who fully participated (see @sec-learners) and the rest'
    >>> _join_refs("A list:\n\n@sec-a is first")  # a paragraph's first line stays
    'A list:\n\n@sec-a is first'
    """
    return _REF_AT_LINE_START.sub(" ", text)


def merged_notebook(
    book: Book,
    build_dir: str | Path,
    scripts: list[str] | None = None,
    warn: Callable[[str], None] | None = None,
):
    """All pages of ``build_dir``, in book order, as one notebook for pandoc's reader.

    Each page is preceded by an empty ``flbook-chapter`` div carrying its number; part
    titles are wrapped in a ``flbook-part`` div (none for a part of a single chapter, see
    :attr:`Book.single_chapter_parts`). Cell metadata other than tags is dropped.
    Inlined plotly.js bundles are cut out (the first one is appended to ``scripts``).
    ``{{< meta KEY >}}`` shortcodes in markdown are replaced by the book's metadata.
    """
    import nbformat

    def warn_(msg: str) -> None:
        if warn is not None:
            warn(msg)

    def markdown(text: str):
        return _cell("markdown", _join_refs(_shortcodes(text, book, warn_)))

    build_dir = Path(build_dir)
    merged = nbformat.v4.new_notebook()
    merged.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    merged.metadata["language_info"] = {"name": "python"}
    cells = []
    part = None
    for entry in book.entries:
        entry_part = entry.part or ("Appendices" if entry.is_appendix else None)
        # a part that holds one chapter gets no title page of its own: the chapter's
        # title says the same ("Teaching with this book" ¶ "11 Teaching with this book")
        single = entry_part in book.single_chapter_parts
        if entry_part and entry_part != part and not single:
            if entry.part_file:
                body = _page_markdown(build_dir / entry.part_file)
            else:
                body = f"# {entry_part}\n"
            cells.append(markdown(f"::::::: {{.flbook-part}}\n{body}\n:::::::\n"))
        part = entry_part
        number = f' number="{entry.number}"' if entry.number else ""
        appendix = "true" if entry.is_appendix else "false"
        cells.append(
            _cell(
                "markdown",
                f'::: {{.flbook-chapter{number} appendix="{appendix}" source="{entry.path}"}}\n:::\n',
            )
        )
        page = build_dir / entry.path
        if not page.is_file():
            raise RenderError(f"{page}: not in the build folder (execute the chapters first)")
        if entry.is_notebook:
            nb = read_notebook(page)
            _strip_plotly_js(nb, scripts if scripts is not None else [])
            number = 0  # the cell's position in the source notebook, for messages
            for c in nb.cells:
                if "injected-parameters" not in c.metadata.get("tags", []):
                    number += 1
                if c.cell_type == "markdown":
                    new = markdown(c.source)
                else:
                    new = _cell(c.cell_type, c.source)
                if c.cell_type == "code":
                    new.outputs = c.get("outputs", [])
                    for out in new.outputs:
                        md = out.get("data", {}).get("text/markdown")
                        if isinstance(md, str):
                            out["data"]["text/markdown"] = _shortcodes(md, book, warn_)
                    new.execution_count = c.get("execution_count")
                if c.get("attachments"):
                    new.attachments = c.attachments
                tags = c.metadata.get("tags")
                if tags:
                    new.metadata["tags"] = list(tags)
                new.id = f"{entry.name[:48]}-{number}"
                cells.append(new)
        else:
            cells.append(markdown(_page_markdown(page)))
    seen: set[str] = set()
    for i, c in enumerate(cells):  # ids must be unique: "02-beta-3" is beta's cell 3
        if not c.get("id") or c.id in seen or not c.id[:1].isalnum():
            c.id = f"flbook-{i}"
        seen.add(c.id)
    merged.cells = cells
    return merged


def _metadata(book: Book) -> dict[str, Any]:
    meta: dict[str, Any] = {"title": book.title, "toc-title": "Contents", "lang": "en-GB"}
    if book.subtitle:
        meta["subtitle"] = book.subtitle
    if book.author:
        meta["author"] = list(book.author)
    if book.date:
        meta["date"] = book.date
    if isinstance(book.config.get("lang"), str):
        meta["lang"] = book.config["lang"]
    for key in ("course-stub", "export-date"):  # the title page's facts about the run
        value = book.meta(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            meta[key] = str(value)
    meta["flbook-echo"] = bool(book.echo)
    return meta


def _script_text(tag: str) -> str:
    """The JavaScript inside one ``<script>`` element."""
    return tag[tag.index(">") + 1 : tag.rindex("</script>")]


def _run_pandoc(args: list[str], cwd: Path) -> list[str]:
    """Run pandoc; return its warnings (the filter's ``flbook-warning:`` lines first)."""
    return _run_pandoc_output(args, cwd)[1]


def _run_pandoc_output(args: list[str], cwd: Path) -> tuple[str, list[str]]:
    """Run pandoc; return what it printed and its warnings."""
    proc = subprocess.run(
        [pandoc_path(), *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8"
    )
    if proc.returncode != 0:
        raise RenderError(f"pandoc failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    found = []
    for line in proc.stderr.splitlines():
        if line.startswith("flbook-warning: "):
            found.append(line[len("flbook-warning: ") :])
        elif line.startswith("[WARNING]"):
            found.append("pandoc: " + line[len("[WARNING]") :].strip())
    return proc.stdout, found


def render_pandoc(
    book: Book,
    build_dir: str | Path,
    out_dir: str | Path,
    *,
    formats: Iterable[str] = ("html", "pdf"),
    on_warning: Callable[[str], None] | None = None,
    reuse: bool = False,
    reused: list[str] | None = None,
) -> dict[str, Path]:
    """Render the executed pages in ``build_dir`` to ``out_dir`` with pandoc and typst.

    Parameters
    ----------
    book : the book (its entries say which pages, in which order).
    build_dir : the build folder written by :func:`execute_chapters`.
    out_dir : where the outputs go (``NAME/``, ``NAME.html``, ``NAME.pdf``, ``NAME.epub``;
        NAME is the book's ``output-file`` or ``book``).
    formats : any of ``"html"`` (the book website: ``NAME/index.html`` and a page per
        chapter, see :mod:`flbook.render.site`), ``"html-single"`` (``NAME.html``, one
        self-contained file to send by email), ``"pdf"`` (pandoc → typst → PDF), ``"epub"``.
        The formats are written side by side, one thread each (pandoc and typst run
        outside Python), the PDF first: it takes longest.
    on_warning : called with each warning (unresolved cross-reference, interactive
        output without a static image...); by default issued as :class:`RenderWarning`.
    reuse : keep an output whose inputs have not changed since it was written
        (:mod:`flbook.render.stamps`); its warnings are those of that render.
    reused : if given, the formats kept that way are appended to it.

    Returns
    -------
    dict mapping each format to its output file (the website's ``index.html``).
    """
    formats = tuple(formats)
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise RenderError(f"unknown output format(s) {', '.join(unknown)}; choose from {FORMATS}")
    build_dir = Path(build_dir).resolve()
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    work = build_dir / "_pandoc"
    work.mkdir(parents=True, exist_ok=True)

    name = str(book.metadata.get("output-file") or "book")
    name = re.sub(r"\.(html|pdf|epub)$", "", name)
    warn = _warner(on_warning)
    places = {
        "html": out_dir / name,
        "html-single": out_dir / f"{name}.html",
        "pdf": out_dir / f"{name}.pdf",
        "epub": out_dir / f"{name}.epub",
    }
    outputs = {fmt: places[fmt] / "index.html" if fmt == "html" else places[fmt] for fmt in formats}
    key = _inputs_key(book, build_dir) if reuse else ""
    stamp = {fmt: stamps.stamp_path(build_dir, "pandoc", fmt) for fmt in formats}
    todo = []
    for fmt in formats:
        kept = stamps.is_up_to_date(stamp[fmt], key, places[fmt]) if reuse else None
        if kept is not None:
            warn(kept)
            if reused is not None:
                reused.append(fmt)
        else:
            todo.append(fmt)
    if not todo:
        return outputs

    shared: list[str] = []  # warnings of the merged book, shared by every format
    head_scripts: list[str] = []
    merged = merged_notebook(book, build_dir, head_scripts, shared.append)
    write_notebook(merged, work / "book.ipynb")
    (work / "metadata.yml").write_text(
        yaml.safe_dump(_metadata(book), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    common = _common_args(book, build_dir, work)
    css = _stylesheets(book, build_dir)
    css_args = [arg for c in css for arg in ("--css", c)]
    lib = head_scripts[0] if head_scripts else None

    def one(fmt: str) -> list[str]:
        found: list[str] = list(shared)
        place, note = places[fmt], found.extend
        if fmt == "html":
            _render_site(book, common, css, lib, place, note)
        elif fmt == "html-single":
            _render_single_html(common, css_args, lib, place, work, note)
        elif fmt == "epub":
            args = [*common, "--to", "epub3", "--mathml", *css_args, "--output", str(place)]
            note(_run_pandoc(args, work))
        else:
            _render_pdf(common, place, work, note)
        return found

    for fmt in todo:
        stamps.forget(stamp[fmt])
    order = sorted(todo, key=lambda f: f != "pdf")  # the longest first
    with ThreadPoolExecutor(max_workers=len(order)) as pool:
        futures = {fmt: pool.submit(one, fmt) for fmt in order}
        found = {fmt: futures[fmt].result() for fmt in todo}  # re-raises a format's error
    for fmt in todo:
        warn(found[fmt])
        if reuse:
            stamps.record(stamp[fmt], key, places[fmt], found[fmt])
    return outputs


def _inputs_key(book: Book, build_dir: Path) -> str:
    """The digest of what the pandoc engine reads (see :mod:`flbook.render.stamps`)."""
    import importlib.metadata

    tools = {}
    for dist in ("pypandoc-binary", "pypandoc", "typst"):
        try:
            tools[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            tools[dist] = "-"
    tools["pandoc"] = pandoc_path()
    pages = [e.path for e in book.entries]
    return stamps.inputs_key(
        build_dir, "pandoc", tools, book.config, pages, book.metadata, _metadata(book)
    )


def _warner(on_warning: Callable[[str], None] | None) -> Callable[[list[str]], None]:
    """A function that passes each distinct warning once to ``on_warning`` (or warns)."""
    seen: set[str] = set()

    def warn(messages: list[str]) -> None:
        for msg in messages:
            if msg in seen:
                continue
            seen.add(msg)
            if on_warning is not None:
                on_warning(msg)
            else:
                warnings.warn(msg, RenderWarning, stacklevel=3)

    return warn


def _common_args(book: Book, build_dir: Path, work: Path) -> list[str]:
    """The pandoc arguments every format shares: the merged book, filters, metadata."""
    page_dirs = {str(build_dir)} | {str((build_dir / e.path).parent) for e in book.entries}
    return [
        str(work / "book.ipynb"),
        "--from",
        READER,
        "--ipynb-output=all",
        "--lua-filter",
        str(FOLDS_FILTER),  # answers, folded tables and flbook calls (folds.py)
        "--lua-filter",
        str(FILTER),
        "--metadata-file",
        str(work / "metadata.yml"),
        "--resource-path",
        os.pathsep.join([str(work), *sorted(page_dirs)]),
        "--toc",
        "--toc-depth=2",
        "--wrap=none",
    ]


def _stylesheets(book: Book, build_dir: Path) -> list[str]:
    """flbook's stylesheet, then the book's own (``format: html: css:``) that exist."""
    html_cfg = (
        (book.config.get("format") or {}).get("html")
        if isinstance(book.config.get("format"), dict)
        else None
    )
    own_css = html_cfg.get("css", []) if isinstance(html_cfg, dict) else []
    return [str(CSS)] + [
        str(build_dir / c)
        for c in ([own_css] if isinstance(own_css, str) else own_css)
        if (build_dir / c).is_file()
    ]


def _render_site(
    book: Book,
    common: list[str],
    css: list[str],
    lib: str | None,
    site: Path,
    warn: Callable[[list[str]], None],
) -> Path:
    """The book website in ``site`` (see :mod:`flbook.render.site`); its ``index.html``."""
    shutil.rmtree(site, ignore_errors=True)
    site.mkdir()
    args = [
        *common,
        "--to",
        "html5",
        "--metadata",
        "flbook-site=true",
        "--mathml",
        "--reference-location=section",
        "--extract-media",
        "site_libs/media",
        "--output",
        "-",
    ]
    body, found = _run_pandoc_output(args, site)
    warn(found)
    plotly_js = _script_text(lib) if lib else None
    target = write_site(
        body, book, _metadata(book), site, plotly_js=plotly_js, css=[Path(c) for c in css[1:]]
    )
    for page in sorted(site.glob("*.html")):
        for m in _REMOTE.finditer(page.read_text(encoding="utf-8")):
            warn([f"{page.name} loads {m.group(1)} from the network: it will not work offline"])
    return target


def _render_single_html(
    common: list[str],
    css_args: list[str],
    lib: str | None,
    target: Path,
    work: Path,
    warn: Callable[[list[str]], None],
) -> Path:
    """One self-contained HTML file, the plotly library (``lib``) in its head."""
    args = [
        *common,
        "--to",
        "html5",
        "--standalone",
        "--embed-resources",
        "--mathml",
        *css_args,
        "--output",
        str(target),
    ]
    warn(_run_pandoc(args, work))
    page = target.read_text(encoding="utf-8")
    if lib:
        at = page.index("</head>")
        page = page[:at] + lib + "\n" + page[at:]
        target.write_text(page, encoding="utf-8")
    for m in _REMOTE.finditer(page):
        warn([f"the HTML loads {m.group(1)} from the network: it will not work offline"])
    return target


def _render_pdf(
    common: list[str], target: Path, work: Path, warn: Callable[[list[str]], None]
) -> Path:
    """The PDF: pandoc writes typst (our template), typst compiles it."""
    pdf_dir = work / "typst"
    shutil.rmtree(pdf_dir, ignore_errors=True)
    pdf_dir.mkdir()
    typ = pdf_dir / f"{target.stem}.typ"
    args = [
        *common,
        "--to",
        "typst",
        "--standalone",
        "--template",
        str(TYPST_TEMPLATE),
        "--extract-media",
        "media",
        "--output",
        typ.name,
    ]
    warn(_run_pandoc(args, pdf_dir))
    _compile_typst(typ, target)
    return target


def _compile_typst(typ: Path, pdf: Path) -> None:
    import typst

    try:
        typst.compile(str(typ), output=str(pdf), root=str(typ.parent))
    except Exception as exc:  # typst.TypstError and friends
        raise RenderError(f"typst could not compile {typ}: {exc}") from None
