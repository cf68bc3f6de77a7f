"""Where a rendered book's chapter time went: a flame-style tree from papermill's timings.

Reads the executed chapters of a build folder (``OUT/_build``; papermill records each
notebook's start and end and each cell's duration) and prints, per chapter, its wall
time split into the kernel's start (papermill's start to the first cell: a fresh
kernel, or nothing for a warm one), the set-up cell (``fl.setup``: imports and opening
the store) and its costliest cells, then the same summed over the book.

Usage::

    python benchmarks/flame.py out/learn-to-code-1/_build [--top 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _first_line(source: str | list[str]) -> str:
    text = "".join(source) if isinstance(source, list) else source
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith(("#", "%"))]
    line = lines[0].strip() if lines else "(empty)"
    return line if len(line) <= 58 else line[:55] + "..."


def chapter_times(path: Path) -> dict | None:
    """One executed chapter's timings, or None when papermill left none."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    pm = nb.get("metadata", {}).get("papermill") or {}
    if not pm.get("start_time") or not pm.get("duration"):
        return None
    cells = []
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("papermill") or {}
        if cell["cell_type"] == "code" and meta.get("duration") is not None:
            cells.append((meta["start_time"], float(meta["duration"]), cell))
    if not cells:
        return None
    first = min(_time(c[0]) for c in cells)
    kernel = max(0.0, (first - _time(pm["start_time"])).total_seconds())
    setup = next(
        (d for _, d, c in cells if "fl.setup(" in "".join(c["source"])),
        0.0,
    )
    others = sorted(
        (
            (d, _first_line(c["source"]))
            for _, d, c in cells
            if "fl.setup(" not in "".join(c["source"])
        ),
        reverse=True,
    )
    return {
        "name": path.stem,
        "wall": float(pm["duration"]),
        "kernel": kernel,
        "setup": setup,
        "cells": others,
    }


def breakdown(build_dir: str | Path, top: int = 3) -> str:
    """The flame-style tree of every executed chapter under ``build_dir``, as text."""
    build_dir = Path(build_dir)
    found = [
        t
        for p in sorted(build_dir.rglob("*.ipynb"))
        if not any(part.startswith("_") for part in p.relative_to(build_dir).parts)
        and (t := chapter_times(p)) is not None
    ]
    if not found:
        return f"{build_dir}: no executed chapter with papermill timings"
    total = sum(t["wall"] for t in found)
    lines = [f"chapters summed {'':.<44} {total:7.1f} s"]
    for t in sorted(found, key=lambda t: -t["wall"]):
        lines.append(
            f"├─ {t['name']:<30}{'':.<20} {t['wall']:7.1f} s {100 * t['wall'] / total:4.0f} %"
        )
        parts = [("kernel start", t["kernel"]), ("set-up cell (imports, store)", t["setup"])]
        parts += [(name, d) for d, name in t["cells"][:top]]
        rest = t["wall"] - sum(d for _, d in parts)
        parts.append((f"the other {max(0, len(t['cells']) - top)} cells and papermill", rest))
        for i, (name, d) in enumerate(parts):
            branch = "└─" if i == len(parts) - 1 else "├─"
            lines.append(f"│  {branch} {name:<58} {d:6.1f} s")
    kernel = sum(t["kernel"] for t in found)
    setup = sum(t["setup"] for t in found)
    lines.append(
        f"fixed cost: kernel start {kernel:.1f} s ({100 * kernel / total:.0f} %), "
        f"set-up cells {setup:.1f} s ({100 * setup / total:.0f} %)"
    )
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("build_dir", type=Path)
    p.add_argument("--top", type=int, default=3, help="costliest cells shown per chapter")
    args = p.parse_args()
    print(breakdown(args.build_dir, args.top))


if __name__ == "__main__":
    main()
