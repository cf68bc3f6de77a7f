"""The Quarto engine: used when a ``quarto`` executable is on PATH (or asked for).

The build folder (executed notebooks, copied pages) becomes a Quarto book project of
its own: its ``_quarto.yml`` is the project's, with the chapter list cut to the pages
that were built, execution switched off (papermill already ran the notebooks), code
hidden unless the book shows it, and the formats ``html`` and ``typst`` (PDF without
TeX). ``quarto render`` then writes the HTML book website and the PDF to ``out_dir``.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from flbook.render.pandoc_engine import RenderError
from flbook.render.project import Book

__all__ = ["quarto_available", "quarto_project", "render_quarto"]

QUARTO_FORMATS = {"html": "html", "pdf": "typst", "epub": "epub"}
# Quarto renders into this folder of the build folder (and may clean it); the results
# are then copied to the output folder, which Quarto never touches.
QUARTO_OUTPUT_DIR = "_book"


def quarto_available() -> bool:
    """Whether a ``quarto`` executable is on PATH."""
    return shutil.which("quarto") is not None


def _chapter_list(book: Book) -> tuple[list[Any], list[Any]]:
    """``book.chapters`` and ``book.appendices`` for the pages of ``book``, with parts."""
    chapters: list[Any] = []
    appendices: list[Any] = []
    for entry in book.entries:
        target = appendices if entry.is_appendix else chapters
        if entry.part is not None:
            part_key = entry.part_file or entry.part
            if not target or not isinstance(target[-1], dict) or target[-1]["part"] != part_key:
                target.append({"part": part_key, "chapters": []})
            target[-1]["chapters"].append(entry.path)
        else:
            target.append(entry.path)
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
    for key in ("title", "subtitle", "author", "date"):
        if key in book.variables:
            book_cfg[key] = book.variables[key]
    for key, value in book.variables.items():
        if key not in ("title", "subtitle", "author", "date", "project", "book", "format"):
            config[key] = value
    execute = config.get("execute") if isinstance(config.get("execute"), dict) else {}
    execute = dict(execute)
    execute["enabled"] = False
    execute.setdefault("echo", False)
    config["execute"] = execute
    old_formats = config.get("format") if isinstance(config.get("format"), dict) else {}
    new_formats: dict[str, Any] = {}
    for fmt in formats:
        name = QUARTO_FORMATS[fmt]
        options = old_formats.get(name)
        new_formats[name] = options if isinstance(options, dict) else {}
    new_formats.setdefault("html", {})  # a book project always has its website format
    config["format"] = new_formats
    return config


def render_quarto(
    book: Book,
    build_dir: str | Path,
    out_dir: str | Path,
    formats: Iterable[str] = ("html", "pdf"),
) -> dict[str, Path]:
    """Render ``build_dir`` (executed by :func:`execute_chapters`) with ``quarto render``.

    Returns
    -------
    dict mapping each format to its output (``html``: the website's ``index.html``).
    """
    formats = tuple(formats)
    unknown = sorted(set(formats) - set(QUARTO_FORMATS))
    if unknown:
        raise RenderError(f"unknown output format(s) {', '.join(unknown)}")
    quarto = shutil.which("quarto")
    if quarto is None:
        raise RenderError("quarto not found on PATH; use engine='pandoc'")
    build_dir = Path(build_dir).resolve()
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    config = quarto_project(book, formats)
    (build_dir / "_quarto.yml").write_text(
        yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    name = config["book"]["output-file"]
    rendered = build_dir / QUARTO_OUTPUT_DIR
    outputs: dict[str, Path] = {}
    for fmt in formats:
        cmd = [quarto, "render", str(build_dir), "--to", QUARTO_FORMATS[fmt], "--no-execute"]
        proc = subprocess.run(cmd, cwd=build_dir, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RenderError(
                f"quarto render failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}"
            )
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
        outputs[fmt] = out_dir / produced.name
    return outputs
