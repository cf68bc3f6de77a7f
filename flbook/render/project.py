"""Read a Quarto book project (``_quarto.yml``): the one list of chapters.

``_quarto.yml`` is the only place that lists the chapters, their order, their parts
and the appendices; everything else (execution, both rendering engines) reads the
:class:`Book` made here.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from flbook.errors import FlbookError

__all__ = [
    "Book",
    "BookError",
    "Entry",
    "read_book",
    "first_heading",
    "read_notebook",
    "write_notebook",
]

PAGE_SUFFIXES = (".qmd", ".md")
NOTEBOOK_SUFFIX = ".ipynb"


class BookError(FlbookError):
    """The book project (``_quarto.yml`` or a chapter it lists) is not usable."""


@dataclass(frozen=True)
class Entry:
    """One page of the book, in book order.

    Attributes
    ----------
    path : the page's path relative to the project folder, POSIX style
        (``chapters/01-getting-started.ipynb``, ``index.qmd``).
    part : title of the part the page belongs to, or ``None``.
    is_appendix : the page is listed under ``appendices``.
    number : the chapter label shown in headings and cross-references: ``"3"`` for a
        chapter, ``"A"`` for an appendix, ``None`` for an unnumbered page (one whose
        title, its first heading, carries ``{.unnumbered}``, as the preface's does).
    part_file : the ``.qmd`` page that introduces the part, when ``part:`` names a file.
    """

    path: str
    part: str | None = None
    is_appendix: bool = False
    number: str | None = None
    part_file: str | None = None

    @property
    def name(self) -> str:
        """The file name without suffix (``01-getting-started``)."""
        return PurePosixPath(self.path).stem

    @property
    def is_notebook(self) -> bool:
        return self.path.endswith(NOTEBOOK_SUFFIX)


@dataclass(frozen=True)
class Book:
    """A Quarto book project as read from ``_quarto.yml``.

    Attributes
    ----------
    project_dir : the folder holding ``_quarto.yml``.
    title, subtitle, author, date : book metadata (``author`` is a list of names).
    metadata : every key of the ``book:`` mapping except the chapter lists.
    config : the whole parsed ``_quarto.yml``.
    entries : the pages in book order.
    book_entries : every page of the whole book, also when :meth:`select` kept only some
        (so that a partial render can keep the whole book's numbering).
    echo : the book-level ``execute: echo:`` setting (code is hidden unless true).
    """

    project_dir: Path
    title: str
    subtitle: str | None = None
    author: tuple[str, ...] = ()
    date: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    entries: tuple[Entry, ...] = ()
    book_entries: tuple[Entry, ...] = ()
    echo: bool = False
    variables: dict[str, Any] = field(default_factory=dict)

    def with_metadata(self, metadata: dict[str, Any] | None) -> Book:
        """A copy with extra metadata, e.g. ``{"subtitle": course title, "course-stub": ...}``.

        ``title``, ``subtitle``, ``author`` and ``date`` replace the book's own; every key
        can be shown in a page with the Quarto shortcode ``{{< meta KEY >}}``.
        """
        if not metadata:
            return self
        meta = dict(metadata)
        changes: dict[str, Any] = {"variables": {**self.variables, **meta}}
        for key in ("title", "subtitle", "date"):
            if key in meta:
                changes[key] = None if meta[key] is None else str(meta[key])
        if "author" in meta:
            changes["author"] = tuple(_as_list(meta["author"]))
        return replace(self, **changes)

    def meta(self, key: str) -> Any:
        """The value of ``{{< meta KEY >}}``: extra metadata, then ``_quarto.yml``.

        Dotted keys reach into mappings (``book.title``); a key the book mapping holds
        may be given without ``book.``. Returns ``None`` when there is no such key.
        """
        for source in (self.variables, self.config, self.metadata):
            value: Any = source
            for part in key.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            if value is not None:
                return value
        return None

    @property
    def home_page(self) -> Entry | None:
        """The book's home page: ``index.qmd`` (or ``.md``/``.ipynb``) at the project root.

        Quarto requires one, and puts it first whatever its place in the list.
        """
        for e in self.book_entries or self.entries:
            if e.name == "index" and "/" not in e.path:
                return e
        return None

    @property
    def single_chapter_parts(self) -> frozenset[str]:
        """The parts of the whole book that hold a single chapter, titled by a string.

        Such a part gets no page or heading of its own in either engine's outputs (no
        part page in the PDF, no group in the website's contents): the chapter's title
        says the same ("Teaching with this book" ¶ "11 Teaching with this book"). A part
        introduced by a ``.qmd`` page of its own keeps it.
        """
        sizes: dict[str, int] = {}
        for e in self.book_entries or self.entries:
            if e.part and not e.is_appendix and not e.part_file:
                sizes[e.part] = sizes.get(e.part, 0) + 1
        return frozenset(part for part, n in sizes.items() if n == 1)

    @property
    def chapters(self) -> tuple[Entry, ...]:
        """The notebook entries (the pages that are executed)."""
        return tuple(e for e in self.entries if e.is_notebook)

    def find(self, name: str) -> Entry:
        """The entry called ``name``: a path, a file name, a stem or its number prefix."""
        wanted = name.strip().replace("\\", "/")
        for e in self.entries:
            if wanted in (e.path, PurePosixPath(e.path).name, e.name):
                return e
        if wanted.isdigit():
            matches = [e for e in self.entries if _number_prefix(e) == wanted.lstrip("0")]
            if len(matches) == 1:
                return matches[0]
        known = ", ".join(e.name for e in self.entries)
        raise BookError(
            f"{self.project_dir / '_quarto.yml'}: no chapter called {name!r} (chapters: {known})"
        )

    def check(self) -> None:
        """Raise :class:`BookError` if a page of the book is missing."""
        missing = [e.path for e in self.entries if not (self.project_dir / e.path).is_file()]
        if missing:
            raise BookError(
                f"{self.project_dir / '_quarto.yml'}: page(s) not found: {', '.join(missing)}"
            )

    def select(self, names: list[str] | tuple[str, ...] | None) -> Book:
        """A copy of the book holding only the named entries (all of them for ``None``).

        The home page (:attr:`home_page`) is always kept, and the chapters keep the
        numbers they have in the whole book.
        """
        if names is None:
            return self
        chosen = {self.find(n).path for n in names}
        if self.home_page is not None:
            chosen.add(self.home_page.path)
        return replace(self, entries=tuple(e for e in self.entries if e.path in chosen))


def _number_prefix(entry: Entry) -> str | None:
    m = re.match(r"(\d+)", entry.name)
    return m.group(1).lstrip("0") if m else None


_HEADING = re.compile(r"^#\s+(.*?)\s*$")


def read_notebook(path: str | Path):
    """A notebook file as an ``nbformat.NotebookNode``, without schema validation.

    For the notebooks flbook itself writes and reads back (executed chapters, the
    execution cache, the merged book): :func:`nbformat.read` validates every cell
    against the schema, which took a second or two for the outputs of a whole book.
    A chapter's source is still read with :func:`nbformat.read`, which names what is
    wrong in a hand-edited notebook.
    """
    import nbformat

    return nbformat.v4.reads(Path(path).read_text(encoding="utf-8"))


def write_notebook(nb, path: str | Path) -> None:
    """Write ``nb`` to ``path`` as :func:`nbformat.write` does, without validating it.

    The bytes are nbformat's own (``nbformat.v4.writes``: sorted keys, one-space
    indent), so a notebook written here equals the one :func:`nbformat.write` writes.
    """
    import nbformat

    Path(path).write_text(nbformat.v4.writes(nb) + "\n", encoding="utf-8")


def first_heading(path: Path) -> str | None:
    """The first level-1 heading line of a notebook's markdown cells or a ``.qmd`` page.

    Returns the heading text with its attributes (``Alpha {#sec-alpha}``), or ``None``.
    """
    if path.suffix == NOTEBOOK_SUFFIX:
        nb = read_notebook(path)
        texts = [c.source for c in nb.cells if c.cell_type == "markdown"]
    else:
        texts = [strip_front_matter(path.read_text(encoding="utf-8"))[1]]
    for text in texts:
        fence = None
        for line in text.splitlines():
            m = re.match(r"^(`{3,}|~{3,})", line)
            if m:
                if fence is None:
                    fence = m.group(1)
                elif line.startswith(fence):
                    fence = None
                continue
            if fence is None and (h := _HEADING.match(line)):
                return h.group(1)
    return None


def strip_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split a page's YAML front matter (``---`` ... ``---``) from its body."""
    m = re.match(r"^---\s*\n(.*?)\n(?:---|\.\.\.)\s*\n", text, re.S)
    if not m:
        return {}, text
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError:
        return {}, text
    return (meta if isinstance(meta, dict) else {}), text[m.end() :]


def is_unnumbered(heading: str | None) -> bool:
    """Whether a heading line carries ``{.unnumbered}`` or ``{-}``."""
    if not heading:
        return False
    m = re.search(r"\{([^{}]*)\}\s*$", heading)
    return bool(m) and bool(re.search(r"(^|\s)(\.unnumbered|-)(\s|$)", m.group(1)))


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        out = []
        for v in value:
            if isinstance(v, dict):
                out.append(str(v.get("name", "")))
            else:
                out.append(str(v))
        return [v for v in out if v]
    if isinstance(value, dict):
        return [str(value.get("name", ""))]
    return [str(value)]


def read_book(project_dir: str | Path) -> Book:
    """Read the Quarto book project in ``project_dir``.

    Parameters
    ----------
    project_dir : folder holding ``_quarto.yml``.

    Returns
    -------
    Book
        Title, metadata and the pages in book order. Chapters are numbered 1, 2, …
        in that order and appendices A, B, …, as Quarto numbers them: a page whose
        title carries ``{.unnumbered}`` gets no number and does not use one up. A
        page's title is its first level-1 heading (or its front matter ``title:``).

    Raises
    ------
    BookError
        ``_quarto.yml`` is missing or malformed, is not a book project, or lists a page
        that is neither ``.ipynb`` nor ``.qmd``/``.md`` (or lists one twice), or a page has
        both a front matter ``title:`` and a level-1 heading (Quarto would show two
        titles and count the page twice in the PDF's contents). Pages that
        do not exist are reported by :meth:`Book.check`, which execution calls on the
        pages it is asked to build.
    """
    project_dir = Path(project_dir).resolve()
    cfg_path = project_dir / "_quarto.yml"
    if not cfg_path.is_file():
        raise BookError(f"{cfg_path}: not found (a Quarto book project needs _quarto.yml)")
    try:
        config = yaml.safe_load(cfg_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise BookError(f"{cfg_path}: not valid YAML: {exc}") from None
    if not isinstance(config, dict) or not isinstance(config.get("book"), dict):
        raise BookError(f"{cfg_path}: key 'book' must be a mapping with 'title' and 'chapters'")
    book_cfg = config["book"]
    chapters = book_cfg.get("chapters")
    if not isinstance(chapters, list) or not chapters:
        raise BookError(f"{cfg_path}, key 'book.chapters': must be a non-empty list of pages")

    raw: list[tuple[str, str | None, str | None, bool]] = []  # path, part, part_file, appendix

    def add_page(value: Any, key: str, part: str | None, part_file: str | None, appendix: bool):
        if not isinstance(value, str):
            raise BookError(f"{cfg_path}, key '{key}': expected a page path, got {value!r}")
        raw.append((value.strip(), part, part_file, appendix))

    for i, item in enumerate(chapters):
        key = f"book.chapters[{i}]"
        if isinstance(item, dict) and "part" in item:
            part_value = str(item["part"])
            part_title, part_file = part_value, None
            if part_value.endswith(PAGE_SUFFIXES):
                part_file = part_value
                page = project_dir / part_value
                if not page.is_file():
                    raise BookError(f"{cfg_path}, key '{key}.part': page {part_value} not found")
                heading = first_heading(page)
                fm, _ = strip_front_matter(page.read_text(encoding="utf-8"))
                part_title = _heading_text(heading) if heading else str(fm.get("title", part_value))
            for j, sub in enumerate(item.get("chapters") or []):
                add_page(sub, f"{key}.chapters[{j}]", part_title, part_file, False)
        elif isinstance(item, dict) and "href" in item:
            add_page(item["href"], key, None, None, False)
        else:
            add_page(item, key, None, None, False)
    for i, item in enumerate(book_cfg.get("appendices") or []):
        key = f"book.appendices[{i}]"
        if isinstance(item, dict) and "part" in item:
            for j, sub in enumerate(item.get("chapters") or []):
                add_page(sub, f"{key}.chapters[{j}]", str(item["part"]), None, True)
        else:
            add_page(item, key, None, None, True)

    entries: list[Entry] = []
    chapter_no = 0
    appendix_no = 0
    seen: set[str] = set()
    for path, part, part_file, appendix in raw:
        page = project_dir / path
        if not path.endswith((NOTEBOOK_SUFFIX, *PAGE_SUFFIXES)):
            raise BookError(
                f"{cfg_path}: page {path} is neither a notebook (.ipynb) nor a .qmd/.md page"
            )
        if path in seen:
            raise BookError(f"{cfg_path}: page {path} is listed twice")
        seen.add(path)
        heading = _page_title(page, cfg_path) if page.is_file() else None  # missing: check()
        number: str | None
        if is_unnumbered(heading):
            number = None
        elif appendix:
            number = _letters(appendix_no)
            appendix_no += 1
        else:
            chapter_no += 1
            number = str(chapter_no)
        entries.append(Entry(path, part, appendix, number, part_file))

    execute = config.get("execute") if isinstance(config.get("execute"), dict) else {}
    meta = {k: v for k, v in book_cfg.items() if k not in ("chapters", "appendices")}
    return Book(
        project_dir=project_dir,
        title=str(book_cfg.get("title") or project_dir.name),
        subtitle=str(book_cfg["subtitle"]) if book_cfg.get("subtitle") else None,
        author=tuple(_as_list(book_cfg.get("author"))),
        date=str(book_cfg["date"]) if book_cfg.get("date") else None,
        metadata=meta,
        config=config,
        entries=tuple(entries),
        book_entries=tuple(entries),
        echo=execute.get("echo") is True,
    )


def _page_title(page: Path, cfg_path: Path) -> str | None:
    """A page's title line as Quarto reads it: front matter ``title:`` or first heading."""
    heading = first_heading(page)
    if page.suffix == NOTEBOOK_SUFFIX:
        return heading
    fm, _ = strip_front_matter(page.read_text(encoding="utf-8"))
    title = fm.get("title")
    if isinstance(title, str) and heading is not None:
        raise BookError(
            f"{page}: has both 'title: {title}' in its front matter and the heading "
            f"'# {heading}'; a page has one title: keep the heading (listed in {cfg_path.name})"
        )
    return title if isinstance(title, str) else heading


def _letters(i: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = string.ascii_uppercase[r] + out
    return out


def _heading_text(heading: str) -> str:
    """A heading line without its trailing ``{...}`` attributes."""
    return re.sub(r"\s*\{[^{}]*\}\s*$", "", heading).strip()
