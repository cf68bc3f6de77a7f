"""Render a format again only when its inputs changed.

After a format is written, its **stamp** records a digest of everything the engine
reads to write it (:func:`inputs_key`) and a listing of the output (every file's
path, size and modification time). The next render with the same inputs finds the
output as it was left and does not write it again: with every chapter taken from the
execution cache, a re-render of an unchanged book is then a few seconds instead of
the 10-20 s pandoc and typst take for a large book's site and PDF.

What the key covers (any change renders the format again):

- every file of the build folder except the engines' own work folders (top-level
  names starting with ``_`` or ``.``): the executed chapters, with their outputs and
  current prose, and the pages, images and styles copied beside them;
- the book: its configuration (``_quarto.yml``), the chapters selected, and this
  render's metadata (title, subtitle, export date and the date of the render, so a
  render on a new day writes the title page again);
- the engine and its tools (pandoc's and typst's versions; Quarto's executable), the
  format, the output's place, and flbook itself (its version and a digest of every
  file of the package: filters, templates, stylesheets, code).

The stamps live in ``BUILD/_stamps/``. Deleting or editing an output, or deleting its
stamp, renders it again; so does ``flbook render --no-cache``.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = [
    "forget",
    "inputs_key",
    "is_up_to_date",
    "output_listing",
    "record",
    "stamp_path",
]

STAMP_DIR = "_stamps"


def _build_files(build_dir: Path) -> list[Path]:
    """Every file of the build folder outside the engines' work folders, sorted."""
    files = []
    for top in sorted(build_dir.iterdir()):
        if top.name.startswith(("_", ".")):
            continue
        if top.is_file():
            files.append(top)
        elif top.is_dir():
            files.extend(sorted(p for p in top.rglob("*") if p.is_file()))
    return files


def inputs_key(build_dir: str | Path, *parts: Any) -> str:
    """A digest of the build folder's files and of ``parts`` (engine, tools, book...).

    ``parts`` are made into JSON (keys sorted; anything else as its ``str``), so a
    dict of settings can be passed as it is. flbook's fingerprint is always included.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "page.ipynb").write_text("{}")
    >>> _ = (folder / "_pandoc").mkdir()
    >>> _ = (folder / "_pandoc" / "book.ipynb").write_text("work")
    >>> key = inputs_key(folder, "pandoc", {"format": "pdf"})
    >>> key == inputs_key(folder, "pandoc", {"format": "pdf"})
    True
    >>> _ = (folder / "_pandoc" / "book.ipynb").write_text("changed work")  # not an input
    >>> key == inputs_key(folder, "pandoc", {"format": "pdf"})
    True
    >>> _ = (folder / "page.ipynb").write_text('{"cells": []}')
    >>> key == inputs_key(folder, "pandoc", {"format": "pdf"})
    False
    """
    import xxhash

    from flbook.resources import flbook_fingerprint

    build_dir = Path(build_dir)
    h = xxhash.xxh3_128()
    h.update(json.dumps([flbook_fingerprint(), *parts], sort_keys=True, default=str).encode())
    for path in _build_files(build_dir):
        h.update(b"\0" + path.relative_to(build_dir).as_posix().encode() + b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


def output_listing(target: str | Path) -> list[list[Any]]:
    """What an output is now: each file's path (relative), size and modification time.

    A folder (the book website) lists every file inside it; a missing output is ``[]``.
    """
    target = Path(target)
    if target.is_file():
        paths = [target]
        base = target.parent
    elif target.is_dir():
        paths = sorted(p for p in target.rglob("*") if p.is_file())
        base = target
    else:
        return []
    listing = []
    for path in paths:
        st = path.stat()
        listing.append([path.relative_to(base).as_posix(), st.st_size, st.st_mtime_ns])
    return listing


def stamp_path(build_dir: str | Path, engine: str, fmt: str) -> Path:
    """Where the stamp of one engine's format is kept."""
    return Path(build_dir) / STAMP_DIR / f"{engine}-{fmt}.json"


def is_up_to_date(stamp: Path, key: str, target: Path) -> list[str] | None:
    """The warnings of the last render if ``target`` is as it left it with ``key``; else None."""
    try:
        data = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("key") != key or data.get("target") != str(target):
        return None
    listing = output_listing(target)
    if not listing or listing != data.get("listing"):
        return None
    warnings = data.get("warnings", [])
    return [str(w) for w in warnings] if isinstance(warnings, list) else []


def record(stamp: Path, key: str, target: Path, warnings: Iterable[str] = ()) -> None:
    """Write the stamp of an output just rendered (atomically), with its warnings."""
    stamp.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "key": key,
        "target": str(target),
        "listing": output_listing(target),
        "warnings": list(warnings),
    }
    tmp = stamp.with_name(f".{stamp.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    tmp.replace(stamp)


def forget(stamp: Path) -> None:
    """Delete a stamp (before its output is rewritten, so a failed render is not stamped)."""
    with contextlib.suppress(OSError):
        stamp.unlink()
