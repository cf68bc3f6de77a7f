"""The book website: the portable engine's HTML body split into a page per chapter.

pandoc writes the whole book as one HTML body in which the Lua filter (run with metadata
``flbook-site: true``) marks where each page starts (``<!--flbook-page SOURCE-->``) and
where a part begins (``<!--flbook-part-->``). :func:`write_site` cuts the body at those
marks and writes, into one folder that works opened from disk (``file://``, no server):

- ``index.html`` (the title block and the first page) and one ``NAME.html`` per chapter;
- on every page a sidebar table of contents (parts, chapters, and the current chapter's
  sections) that collapses behind a button on narrow screens, previous/next links, and a
  search box;
- cross-references that point into another page rewritten to ``PAGE.html#id``;
- ``site_libs/``: the stylesheets, ``site.js``, MiniSearch (``minisearch.js``, MIT,
  vendored from npm ``minisearch`` 7.2.0 with its licence), ``search-index.js`` (the
  text of every section, written at render time and loaded as a script, because a page
  opened from disk may not fetch JSON), ``plotly.min.js`` (once, loaded only by pages
  that draw an explorer) and the images.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from flbook.render.project import Book

__all__ = ["SitePage", "write_site", "split_pages"]

ASSETS = Path(__file__).parent / "assets"
LIBS = "site_libs"
VENDORED = ("minisearch.js", "minisearch-LICENSE.txt", "site.js", "site.css", "book.css")

_PAGE_MARK = re.compile(r"<!--flbook-(page|part)(?: ([^>]*?))?-->")
_ID = re.compile(r'\bid="([^"]+)"')
_HREF = re.compile(r'href="#([^"]+)"')
_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.S)
_H2 = re.compile(r'<h2\b[^>]*\bid="([^"]+)"[^>]*>(.*?)</h2>', re.S)
_SECTION_HEAD = re.compile(r'<h([1-3])\b[^>]*\bid="([^"]+)"[^>]*>(.*?)</h\1>', re.S)
_TAG = re.compile(r"<[^>]+>")
_INLINE_TAG = re.compile(r"</?(?:a|code|em|strong|span|mark|sub|sup|b|i|abbr|cite|q|small)\b[^>]*>")
_DROP = re.compile(r"<(script|style|math)\b.*?</\1>", re.S)


def _text(fragment: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    text = _INLINE_TAG.sub("", _DROP.sub(" ", fragment))
    return re.sub(r"\s+", " ", html.unescape(_TAG.sub(" ", text))).strip()


@dataclass
class SitePage:
    """One page of the website."""

    source: str  # the book entry's path ("chapters/03-enrolment.ipynb")
    file: str  # "03-enrolment.html"
    body: str
    title: str = ""  # "3 Enrolment"
    part: str | None = None
    ids: set[str] = field(default_factory=set)


def split_pages(body: str, book: Book) -> list[SitePage]:
    """Cut pandoc's marked HTML body into pages, in book order."""
    entries = {e.path: e for e in book.entries}
    pages: list[SitePage] = []
    pending = ""  # what follows a part mark belongs to the part's first page
    pos, current = 0, None
    marks = list(_PAGE_MARK.finditer(body))
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(body)
        chunk = body[m.end() : end]
        if m.group(1) == "part":
            pending += chunk
            continue
        source = (m.group(2) or "").strip()
        entry = entries.get(source)
        current = SitePage(source=source, file="", body=pending + chunk)
        pending = ""
        if entry is not None and entry.part not in book.single_chapter_parts:
            # a part of a single chapter shows no group title in the contents
            current.part = entry.part or ("Appendices" if entry.is_appendix else None)
        pages.append(current)
        pos = end
    if not pages:  # no marks: one page
        pages.append(SitePage(source="", file="", body=body))
    elif pos < len(body):
        pages[-1].body += body[pos:]
    used: set[str] = set()
    for n, page in enumerate(pages):
        stem = "index" if n == 0 else (Path(page.source).stem or f"page-{n}")
        name, k = stem, 2
        while name in used or (n > 0 and name == "index"):
            name, k = f"{stem}-{k}", k + 1
        used.add(name)
        page.file = f"{name}.html"
        h1 = _H1.search(page.body)
        page.title = _text(h1.group(1)) if h1 else (book.title or name)
        page.ids = set(_ID.findall(page.body))
    return pages


def _link_across_pages(pages: list[SitePage]) -> None:
    owner: dict[str, str] = {}
    for page in pages:
        for i in page.ids:
            owner.setdefault(i, page.file)
    for page in pages:

        def fix(m: re.Match, page: SitePage = page) -> str:
            target = m.group(1)
            if target in page.ids or target not in owner:
                return m.group(0)
            return f'href="{owner[target]}#{target}"'

        page.body = _HREF.sub(fix, page.body)


def _sidebar(pages: list[SitePage], current: SitePage) -> str:
    out, part = ['<ul class="toc-pages">'], None
    for page in pages:
        if page.part != part:
            if part is not None:
                out.append("</ul></li>")
            if page.part is not None:
                out.append(
                    f'<li class="toc-part"><span class="toc-part-title">{html.escape(page.part)}'
                    '</span><ul class="toc-part-pages">'
                )
            part = page.part
        here = page is current
        attrs = ' aria-current="page" class="current"' if here else ""
        out.append(f'<li><a href="{page.file}"{attrs}>{html.escape(page.title)}</a>')
        if here:
            sections = [(i, _text(t)) for i, t in _H2.findall(page.body)]
            if sections:
                out.append('<ul class="toc-sections">')
                out += [
                    f'<li><a href="#{html.escape(i)}">{html.escape(t)}</a></li>'
                    for i, t in sections
                ]
                out.append("</ul>")
        out.append("</li>")
    if part is not None:
        out.append("</ul></li>")
    out.append("</ul>")
    return "\n".join(out)


def _search_docs(pages: list[SitePage]) -> list[dict[str, str]]:
    """One search document per section (h1–h3) of every page."""
    docs = []
    for page in pages:
        heads = list(_SECTION_HEAD.finditer(page.body))
        starts = [(0, "", page.title)] + [(h.start(), h.group(2), _text(h.group(3))) for h in heads]
        for k, (start, anchor, title) in enumerate(starts):
            end = starts[k + 1][0] if k + 1 < len(starts) else len(page.body)
            text = _text(page.body[start:end])
            if k > 0:  # the heading itself is the title
                text = text[len(title) :].strip() if text.startswith(title) else text
            if not text and k == 0:
                continue
            docs.append(
                {
                    "id": str(len(docs)),
                    "url": page.file + (f"#{anchor}" if anchor else ""),
                    "page": page.title,
                    "title": title,
                    "text": text,
                }
            )
    return docs


def _title_block(meta: dict) -> str:
    parts = ['<header id="title-block-header">']
    parts.append(f'<p class="title">{html.escape(str(meta.get("title") or ""))}</p>')
    if meta.get("subtitle"):
        parts.append(f'<p class="subtitle">{html.escape(str(meta["subtitle"]))}</p>')
    for who in meta.get("author") or []:
        parts.append(f'<p class="author">{html.escape(str(who))}</p>')
    facts = []
    if meta.get("course-stub"):
        facts.append(f"Run <code>{html.escape(str(meta['course-stub']))}</code>")
    if meta.get("export-date"):
        facts.append(f"export dated {html.escape(str(meta['export-date']))}")
    if facts:
        parts.append(f'<p class="run">{", ".join(facts)}</p>')
    if meta.get("date"):
        parts.append(f'<p class="date">Rendered {html.escape(str(meta["date"]))}</p>')
    parts.append("</header>")
    return "\n".join(parts)


def _nav_link(page: SitePage | None, rel: str) -> str:
    if page is None:
        return "<span></span>"
    arrow = ("← ", "") if rel == "prev" else ("", " →")
    label = "Previous" if rel == "prev" else "Next"
    return (
        f'<a class="page-{rel}" rel="{rel}" href="{page.file}">'
        f'<span class="page-nav-label">{label}</span>'
        f"<span>{arrow[0]}{html.escape(page.title)}{arrow[1]}</span></a>"
    )


def write_site(
    body: str,
    book: Book,
    meta: dict,
    site: Path,
    *,
    plotly_js: str | None = None,
    css: list[Path] | None = None,
) -> Path:
    """Write the website for pandoc's marked HTML ``body`` into ``site``; return index.html.

    Parameters
    ----------
    body : pandoc's HTML (not standalone) of the whole book, with the filter's marks.
    book : the book (its entries give each page's part).
    meta : the book metadata (title, subtitle, author, date, lang).
    site : the output folder (its pages and ``site_libs`` are replaced).
    plotly_js : the plotly.js library, written once as ``site_libs/plotly.min.js``.
    css : the book's own stylesheets, loaded after flbook's.
    """
    libs = site / LIBS
    libs.mkdir(parents=True, exist_ok=True)
    for name in VENDORED:
        shutil.copy2(ASSETS / name, libs / name)
    styles = ["book.css", "site.css"]
    for k, path in enumerate(css or []):
        own = f"book-{k}{path.suffix}"
        shutil.copy2(path, libs / own)
        styles.append(own)
    if plotly_js:
        (libs / "plotly.min.js").write_text(plotly_js, encoding="utf-8")

    pages = split_pages(body, book)
    _link_across_pages(pages)
    docs = _search_docs(pages)
    (libs / "search-index.js").write_text(
        "window.flbookSearchDocs = " + json.dumps(docs, ensure_ascii=False) + ";\n",
        encoding="utf-8",
    )
    title = html.escape(str(meta.get("title") or "Book"))
    lang = html.escape(str(meta.get("lang") or "en"))
    links = "\n".join(f'<link rel="stylesheet" href="{LIBS}/{s}">' for s in styles)
    for n, page in enumerate(pages):
        prev_page = pages[n - 1] if n > 0 else None
        next_page = pages[n + 1] if n + 1 < len(pages) else None
        plotly = (
            f'<script src="{LIBS}/plotly.min.js"></script>\n'
            if plotly_js and "Plotly." in page.body
            else ""
        )
        content = (_title_block(meta) + "\n" if n == 0 else "") + page.body
        page_title = title if n == 0 else f"{html.escape(page.title)} – {title}"
        (site / page.file).write_text(
            f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{page_title}</title>
{links}
{plotly}</head>
<body class="flbook-site">
<header class="site-header">
<button type="button" class="toc-toggle" aria-controls="sidebar" aria-expanded="false">
<span aria-hidden="true">☰</span> Contents</button>
<a class="site-title" href="index.html">{title}</a>
<div class="site-search" role="search">
<input type="search" id="search-input" placeholder="Search the book" aria-label="Search the book" autocomplete="off">
<div id="search-results" hidden></div>
</div>
</header>
<div class="site-body">
<nav id="sidebar" class="sidebar" aria-label="Contents">
{_sidebar(pages, page)}
</nav>
<main id="content" class="content">
{content}
<nav class="page-nav" aria-label="Previous and next chapter">
{_nav_link(prev_page, "prev")}
{_nav_link(next_page, "next")}
</nav>
</main>
</div>
<script src="{LIBS}/minisearch.js"></script>
<script src="{LIBS}/search-index.js"></script>
<script src="{LIBS}/site.js"></script>
</body>
</html>
""",
            encoding="utf-8",
        )
    return site / "index.html"
