"""The Quarto engine: used when a ``quarto`` executable is on PATH (or asked for).

The build folder (executed notebooks, copied pages) becomes a Quarto book project of
its own, which ``quarto render`` alone can render again: its ``_quarto.yml`` is the
project's, with execution switched off (papermill already ran the notebooks), code
hidden unless the book shows it, the formats ``html`` and ``typst`` (PDF without TeX),
and the course's metadata (``course-title``, ``course-stub``, ``export-date``) for the
``{{< meta >}}`` shortcodes. ``quarto render`` then writes the HTML book website and
the PDF to ``out_dir``.

Quarto needs the home page ``index.qmd`` at the project root, and numbers chapters by
their place in the list; a render of a few chapters therefore lists every page of the
book, and the pages not built are short stand-ins (``_flbook/not-built/``) that keep
each chapter's title, label and number.

Before rendering, each executed notebook's HTML outputs are rewritten for Quarto
(:func:`prepare_notebook`): Quarto loads require.js and jQuery from a CDN into every
page that has a ``text/html`` output, and moves an output holding the plotly.js
library into the page head (the chart then lands above the title, without its
caption). So every ``text/html`` output becomes markdown holding the same HTML as a raw
block; an interactive explorer's copy of plotly.js is replaced by one ``<script src>``
per page pointing to the local asset ``_flbook/plotly.min.js``, and its static picture
is shown in formats other than HTML.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from flbook.render import stamps
from flbook.render.folds import FOLDS_FILTER, mark_flbook_calls
from flbook.render.pandoc_engine import RenderError
from flbook.render.project import Book, Entry, first_heading, read_notebook, write_notebook

__all__ = [
    "quarto_available",
    "quarto_project",
    "quarto_warnings",
    "prepare_notebook",
    "render_quarto",
]

QUARTO_FORMATS = {"html": "html", "pdf": "typst", "epub": "epub"}
# Quarto renders into this folder of the build folder (and may clean it); the results
# are then copied to the output folder, which Quarto never touches.
QUARTO_OUTPUT_DIR = "_book"
# flbook's own files in the build folder: the plotly.js asset, explorers' pictures and
# the stand-ins for pages a partial render does not build.
ASSET_DIR = "_flbook"
PLOTLY_ASSET = f"{ASSET_DIR}/plotly.min.js"
NOT_BUILT_DIR = f"{ASSET_DIR}/not-built"
# flbook's typst include and table filter for Quarto's PDF, copied from the package
TYPST_INCLUDE = f"{ASSET_DIR}/quarto-book.typ"
TYPST_TABLE_FILTER = f"{ASSET_DIR}/filters/quarto-tables.lua"
_HERE = Path(__file__).parent
_TYPST_FILES = {
    TYPST_INCLUDE: _HERE / "assets" / "quarto-book.typ",
    TYPST_TABLE_FILTER: _HERE / "filters" / "quarto-tables.lua",
    f"{ASSET_DIR}/filters/tables.lua": _HERE / "filters" / "tables.lua",
}
_BOOK_KEYS = ("title", "subtitle", "author", "date")


def quarto_available() -> bool:
    """Whether a ``quarto`` executable is on PATH."""
    return shutil.which("quarto") is not None


def _not_built_path(entry: Entry) -> str:
    return f"{NOT_BUILT_DIR}/{entry.name}.qmd"


def _chapter_list(book: Book) -> tuple[list[Any], list[Any]]:
    """``book.chapters`` and ``book.appendices`` listing every page of the whole book.

    Pages that ``book`` does not hold (a partial render) are listed as their stand-ins;
    parts that hold a single chapter (:attr:`Book.single_chapter_parts`) are not listed.
    """
    chosen = {e.path for e in book.entries}
    chapters: list[Any] = []
    appendices: list[Any] = []
    single = book.single_chapter_parts
    for entry in book.book_entries or book.entries:
        path = entry.path if entry.path in chosen else _not_built_path(entry)
        target = appendices if entry.is_appendix else chapters
        # a part of a single chapter is left out: no part page in the PDF, no group
        # title in the website's sidebar (as the pandoc engine does)
        if entry.part is not None and entry.part not in single:
            part_key = entry.part_file or entry.part
            if not target or not isinstance(target[-1], dict) or target[-1]["part"] != part_key:
                target.append({"part": part_key, "chapters": []})
            target[-1]["chapters"].append(path)
        else:
            target.append(path)
    return chapters, appendices


def quarto_project(book: Book, formats: Iterable[str]) -> dict[str, Any]:
    """The ``_quarto.yml`` content for rendering the build folder of ``book``."""
    config = copy.deepcopy(book.config)
    project = config.setdefault("project", {})
    project["type"] = "book"
    project["output-dir"] = QUARTO_OUTPUT_DIR
    project.pop("execute-dir", None)
    book_cfg = config.setdefault("book", {})
    chapters, appendices = _chapter_list(book)
    book_cfg["chapters"] = chapters
    if appendices:
        book_cfg["appendices"] = appendices
    else:
        book_cfg.pop("appendices", None)
    book_cfg.setdefault("output-file", "book")
    # metadata given for this render: the book's own keys, the rest for {{< meta >}}
    for key in _BOOK_KEYS:
        if key in book.variables:
            book_cfg[key] = book.variables[key]
    for key, value in book.variables.items():
        if key not in (*_BOOK_KEYS, "project", "book", "format"):
            config[key] = value
    if not book_cfg.get("author"):
        # Quarto's typst book template prints the author under the title and fails
        # without one; this book has none, so that line names the run and its export date
        # (the facts the portable engine's title page gives).
        stub, date = config.get("course-stub"), config.get("export-date")
        book_cfg["author"] = f"Run {stub}, export dated {date}" if stub and date else book.title
    execute = config.get("execute") if isinstance(config.get("execute"), dict) else {}
    execute = dict(execute)
    execute["enabled"] = False
    execute.setdefault("echo", False)
    config["execute"] = execute
    # answers, folded tables and flbook calls: folded in HTML, moved or left out elsewhere
    own = config.get("filters") if isinstance(config.get("filters"), list) else []
    config["filters"] = [str(FOLDS_FILTER), *own]
    old_formats = config.get("format") if isinstance(config.get("format"), dict) else {}
    new_formats: dict[str, Any] = {}
    for fmt in formats:
        name = QUARTO_FORMATS[fmt]
        options = old_formats.get(name)
        new_formats[name] = options if isinstance(options, dict) else {}
    new_formats.setdefault("html", {})  # a book project always has its website format
    if "typst" in new_formats:
        new_formats["typst"] = _typst_options(new_formats["typst"])
    config["format"] = new_formats
    return config


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _typst_options(options: dict[str, Any]) -> dict[str, Any]:
    """The typst format's options with what flbook's PDF has, through Quarto's own options.

    ``lof`` and ``lot`` give the lists of figures and of tables; the book's own options
    stay. What Quarto has no option for (the render date on the title page, page numbers
    on pages that open a chapter, the table rules, ragged-right callouts) is the typst
    include ``_flbook/quarto-book.typ``, and the table filter ``quarto-tables.lua`` lays
    out tables as the portable engine does (see docs/quarto-subset.md).
    """
    options = dict(options)
    options.setdefault("lof", True)
    options.setdefault("lot", True)
    options["include-in-header"] = _as_list(options.get("include-in-header")) + [
        {"file": TYPST_INCLUDE}
    ]
    options["filters"] = _as_list(options.get("filters")) + [
        {"path": TYPST_TABLE_FILTER, "at": "post-render"}
    ]
    return options


def _write_typst_files(build_dir: Path, date: Any) -> None:
    """Copy the typst include and the table filter into the build folder.

    The include starts with the render date, for the foot of the title page.
    """
    for name, source in _TYPST_FILES.items():
        target = build_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        text = source.read_text(encoding="utf-8")
        if name == TYPST_INCLUDE:
            rendered = "none" if not date else '"' + _attr(str(date)) + '"'
            text = f"#let flbook-rendered = {rendered}\n{text}"
        target.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- notebooks

_LIB_SCRIPT = re.compile(r"<script\b[^>]*data-flbook-lib=\"plotly\"[^>]*>.*?</script>", re.S)
_CELL_OPTION = re.compile(r"^#\|\s*([\w-]+)\s*:\s*(.*?)\s*$")


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _raw_html(html: str) -> str:
    # a fence longer than any backtick run inside, so the HTML cannot close it
    longest = max((len(m) for m in re.findall(r"`+", html)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{{=html}}\n{html.strip()}\n{fence}\n"


def _cell_options(source: str) -> dict[str, str]:
    options: dict[str, str] = {}
    for line in source.splitlines():
        m = _CELL_OPTION.match(line)
        if not m:
            break
        try:
            value = yaml.safe_load(m.group(2))
        except yaml.YAMLError:
            value = m.group(2)
        options[m.group(1)] = "" if value is None else str(value)
    return options


def prepare_notebook(path: Path, build_dir: Path) -> int:
    """Rewrite an executed notebook's HTML outputs so that Quarto renders them in place.

    Every ``text/html`` output becomes ``text/markdown`` holding the same HTML as a raw
    HTML block (Quarto still parses its tables into real tables for the PDF). An
    explorer's inlined plotly.js is dropped; the first explorer of the page loads the
    local asset ``_flbook/plotly.min.js`` instead, written once into ``build_dir``. When
    the output also has a picture (or markdown), that is what formats without
    JavaScript (PDF, EPUB) show. Safe to run twice.

    Parameters
    ----------
    path : the executed notebook (in ``build_dir``); rewritten in place.
    build_dir : the Quarto project folder.

    Returns
    -------
    int
        The number of outputs rewritten.
    """
    import base64

    nb = read_notebook(path)
    page_dir = path.parent
    to_asset = PurePosixPath(os.path.relpath(build_dir / ASSET_DIR, page_dir).replace(os.sep, "/"))
    changed = 0
    library_loaded = False
    for cell_no, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        alt = _cell_options(cell.source).get("fig-alt", "")
        for out_no, output in enumerate(cell.get("outputs", [])):
            data = output.get("data") if output.get("output_type") in _DISPLAY else None
            if not data or "text/html" not in data:
                continue
            html = _text(data["text/html"])
            if _LIB_SCRIPT.search(html):
                html = _LIB_SCRIPT.sub("", html)
                if not library_loaded:
                    html = f'<script src="{to_asset / "plotly.min.js"}"></script>\n{html}'
                    _write_plotly_asset(build_dir)
                    library_loaded = True
            other = None
            if "text/markdown" in data:
                other = _text(data["text/markdown"])
            else:
                image = next((k for k in ("image/png", "image/jpeg") if k in data), None)
                if image is not None:
                    name = f"{path.stem}-{cell_no + 1}-{out_no + 1}.{image.split('/')[1]}"
                    file = build_dir / ASSET_DIR / "figures" / name
                    file.parent.mkdir(parents=True, exist_ok=True)
                    file.write_bytes(base64.b64decode(_text(data[image])))
                    attr = f'{{fig-alt="{_attr(alt)}"}}' if alt else ""
                    other = f"![]({to_asset / 'figures' / name}){attr}\n"
            if other is None:
                markdown = _raw_html(html)
            else:
                markdown = (
                    '::: {.content-visible when-format="html:js"}\n'
                    f"{_raw_html(html)}:::\n\n"
                    '::: {.content-hidden when-format="html:js"}\n'
                    f"{other.strip()}\n:::\n"
                )
            output["data"] = {
                "text/markdown": markdown,
                **({"text/plain": data["text/plain"]} if "text/plain" in data else {}),
            }
            changed += 1
    marked = mark_flbook_calls(nb)  # the flbook call folded under each figure (folds.py)
    if changed or marked:
        write_notebook(nb, path)
    return changed


_DISPLAY = ("display_data", "execute_result")


def _attr(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _write_plotly_asset(build_dir: Path) -> None:
    from flbook.explore import plotly_js

    asset = build_dir / PLOTLY_ASSET
    if not asset.exists():
        asset.parent.mkdir(parents=True, exist_ok=True)
        asset.write_text(plotly_js(), encoding="utf-8")


def _write_not_built(book: Book, build_dir: Path) -> None:
    """Stand-ins for the pages a partial render leaves out: title, label and a note.

    The pages that introduce parts are copied too, as the whole book's list names them.
    """
    chosen = {e.path for e in book.entries}
    for entry in book.book_entries:
        part = entry.part_file
        if part and not (build_dir / part).exists() and (book.project_dir / part).is_file():
            (build_dir / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(book.project_dir / part, build_dir / part)
        if entry.path in chosen:
            continue
        source = book.project_dir / entry.path
        heading = first_heading(source) if source.is_file() else None
        if heading is None:
            heading = entry.name + ("" if entry.number else " {.unnumbered}")
        page = build_dir / _not_built_path(entry)
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(
            f"# {heading}\n\n*This page was not built in this render "
            f"(`flbook render --chapters`); it is here to keep the book's numbering.*\n",
            encoding="utf-8",
        )


def _copy_styles(book: Book, config: dict[str, Any], build_dir: Path) -> None:
    """Copy the stylesheets ``format: html: css:`` names (a partial build may lack them)."""
    html = (config.get("format") or {}).get("html") or {}
    css = html.get("css") if isinstance(html, dict) else None
    for name in [css] if isinstance(css, str) else (css or []):
        src = book.project_dir / str(name)
        dst = build_dir / str(name)
        if src.is_file() and not dst.exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)


# --------------------------------------------------------------------------- warnings

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_WARNING_LINE = re.compile(r"^(WARN(ING)?\b|\[WARNING\]|\(W\)|\(E\)|ERROR\b)")


def quarto_warnings(output: str) -> list[str]:
    """The warnings in Quarto's console output, each once (with a count if repeated).

    A warning is a line that starts with ``WARN``, ``WARNING``, ``[WARNING]`` (pandoc),
    ``(W)`` or ``(E)`` (Quarto's Lua filters) or ``ERROR`` (in a render that still
    succeeded); colours are removed and a message's continuation lines are dropped.

    >>> quarto_warnings("\\x1b[33mWARN: a.html: Unable to resolve crossref @fig-x\\x1b[39m\\nok")
    ['WARN: a.html: Unable to resolve crossref @fig-x']
    >>> quarto_warnings("(E) Running juice failed\\n(E) Running juice failed\\n")
    ['(E) Running juice failed (2 times)']
    """
    counts: Counter[str] = Counter()
    for line in _ANSI.sub("", output).splitlines():
        line = line.strip()
        if _WARNING_LINE.match(line):
            counts[line] += 1
    return [f"{msg} ({n} times)" if n > 1 else msg for msg, n in counts.items()]


# --------------------------------------------------------------------------- render


def render_quarto(
    book: Book,
    build_dir: str | Path,
    out_dir: str | Path,
    *,
    formats: Iterable[str] = ("html", "pdf"),
    on_warning: Callable[[str], None] | None = None,
    reuse: bool = False,
    reused: list[str] | None = None,
) -> dict[str, Path]:
    """Render ``build_dir`` (executed by :func:`execute_chapters`) with ``quarto render``.

    Parameters
    ----------
    book : the book (possibly a few chapters of it, see :meth:`Book.select`).
    build_dir : the build folder; it becomes a Quarto book project.
    out_dir : where the website (``index.html`` and its pages) and ``book.pdf`` go.
    formats : ``"html"``, ``"pdf"`` (Quarto's typst format) and/or ``"epub"``.
    on_warning : called with each warning Quarto printed (see :func:`quarto_warnings`).
    reuse : keep an output whose inputs have not changed since Quarto wrote it
        (:mod:`flbook.render.stamps`), replaying the warnings of that render.
    reused : if given, the formats kept that way are appended to it.

    Returns
    -------
    dict mapping each format to its output (``html``: the website's ``index.html``).

    Raises
    ------
    RenderError
        No ``quarto`` on PATH, the book has no home page ``index.qmd`` at its root, or
        Quarto failed (its last output lines are in the message).
    """
    formats = tuple(formats)
    unknown = sorted(set(formats) - set(QUARTO_FORMATS))
    if unknown:
        raise RenderError(f"unknown output format(s) {', '.join(unknown)}")
    quarto = shutil.which("quarto")
    if quarto is None:
        raise RenderError("quarto not found on PATH; use engine='pandoc'")
    if book.home_page is None:
        raise RenderError(
            f"{book.project_dir / '_quarto.yml'}: Quarto needs the book's home page "
            "index.qmd at the project root, listed in book.chapters"
        )
    build_dir = Path(build_dir).resolve()
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    config = quarto_project(book, formats)
    name = config["book"]["output-file"]
    places = {"html": out_dir / "index.html", "pdf": out_dir / f"{name}.pdf"}
    places["epub"] = out_dir / f"{name}.epub"
    # before the project is prepared: the key is of the executed pages as written
    key = _inputs_key(book, build_dir, quarto, config) if reuse else ""
    todo = []
    for fmt in formats:
        stamp = stamps.stamp_path(build_dir, "quarto", fmt)
        kept = stamps.is_up_to_date(stamp, key, places[fmt]) if reuse else None
        if kept is None:
            todo.append(fmt)
            stamps.forget(stamp)
            continue
        if on_warning is not None:
            for message in kept:
                on_warning(message)
        if reused is not None:
            reused.append(fmt)
    if not todo:
        return {fmt: places[fmt] for fmt in formats}
    _write_typst_files(build_dir, config["book"].get("date"))
    _write_not_built(book, build_dir)
    _copy_styles(book, config, build_dir)
    for entry in book.entries:
        if entry.is_notebook and (build_dir / entry.path).is_file():
            prepare_notebook(build_dir / entry.path, build_dir)
    (build_dir / "_quarto.yml").write_text(
        yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    rendered = build_dir / QUARTO_OUTPUT_DIR
    outputs = {fmt: places[fmt] for fmt in formats}
    for fmt in todo:
        cmd = [quarto, "render", str(build_dir), "--to", QUARTO_FORMATS[fmt], "--no-execute"]
        proc = subprocess.run(cmd, cwd=build_dir, capture_output=True, text=True)
        if proc.returncode != 0:
            tail = _ANSI.sub("", proc.stderr).strip()[-2000:]
            raise RenderError(f"quarto render --to {QUARTO_FORMATS[fmt]} failed: {tail}")
        found = [
            f"quarto ({QUARTO_FORMATS[fmt]}): {message}"
            for message in quarto_warnings(proc.stdout + "\n" + proc.stderr)
        ]
        if on_warning is not None:
            for message in found:
                on_warning(message)
        produced = (
            rendered / {"html": "index.html", "pdf": f"{name}.pdf", "epub": f"{name}.epub"}[fmt]
        )
        if not produced.exists():
            raise RenderError(f"quarto render did not write {produced}")
        if fmt == "html":
            for item in rendered.iterdir():
                if item.suffix not in (".pdf", ".epub"):
                    dest = out_dir / item.name
                    if item.is_dir():
                        shutil.copytree(item, dest, dirs_exist_ok=True)
                    else:
                        shutil.copy2(item, dest)
        else:
            shutil.copy2(produced, out_dir / produced.name)
        if reuse:
            # the website is stamped by its index page: Quarto rewrites it every time
            stamps.record(stamps.stamp_path(build_dir, "quarto", fmt), key, places[fmt], found)
    return outputs


def _inputs_key(book: Book, build_dir: Path, quarto: str, config: dict[str, Any]) -> str:
    """The digest of what Quarto reads (see :mod:`flbook.render.stamps`)."""
    st = Path(quarto).resolve().stat()
    tool = [str(Path(quarto).resolve()), st.st_size, st.st_mtime_ns]
    pages = [e.path for e in book.entries]
    return stamps.inputs_key(build_dir, "quarto", tool, config, pages, book.metadata)
