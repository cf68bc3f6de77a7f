"""The chapter execution cache: a chapter is executed again only when something it
depends on has changed.

A chapter's key is a digest of

- its **code**: every code cell's source and metadata, in order (markdown cells are
  not part of the key: prose edited since the last run is merged into the cached
  outputs, without executing anything);
- its **parameters**, as injected into the ``parameters`` cell;
- the **data** it reads: a key naming the course's data, for flbook books the name of
  the course's store, itself a digest of every export file's content, the notebook
  logs and the store's format (so a new day's export with one changed file executes
  every chapter, while the store is rebuilt only as far as the files changed);
- **flbook**: its version, a digest of its own source files, and the versions of
  Python and of the libraries that draw and compute (pandas, numpy, matplotlib,
  pyarrow, scikit-learn, plotly, papermill);
- the Jupyter kernel's name.

The executed notebook is kept under ``ROOT/<key>.ipynb``. A chapter that failed is
never cached. ``flbook render --no-cache`` neither reads nor writes it. An entry not
used for :data:`KEEP_DAYS` days is deleted when the next chapter is stored.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flbook.render.project import read_notebook
from flbook.resources import flbook_fingerprint

if TYPE_CHECKING:  # imported where used: importing flbook.render stays light
    import nbformat

__all__ = ["ChapterCache", "chapter_key", "flbook_fingerprint", "merge_prose"]

# Entries unused for this many days are deleted.
KEEP_DAYS = 30
# Cell metadata that papermill and Jupyter write while executing: not part of the key.
VOLATILE_CELL_METADATA = {"execution", "papermill", "collapsed", "scrolled", "jupyter"}


def _code_cells(nb: nbformat.NotebookNode) -> list[dict[str, Any]]:
    return [
        {
            "source": c.source,
            "metadata": {k: v for k, v in c.metadata.items() if k not in VOLATILE_CELL_METADATA},
        }
        for c in nb.cells
        if c.cell_type == "code"
    ]


def chapter_key(
    notebook: nbformat.NotebookNode,
    parameters: dict[str, Any],
    data_key: str | None,
    *,
    kernel_name: str = "python3",
    fingerprint: str | None = None,
) -> str:
    """The cache key of one chapter (a hex digest): see the module's docstring.

    Parameters
    ----------
    notebook : the chapter's source notebook.
    parameters : the values injected into its ``parameters`` cell.
    data_key : names the data the chapter reads (for a course, its store's name).
    kernel_name : the Jupyter kernel.
    fingerprint : flbook's fingerprint (default :func:`flbook_fingerprint`).
    """
    blob = json.dumps(
        {
            "code": _code_cells(notebook),
            "parameters": parameters,
            "data": data_key,
            "flbook": fingerprint if fingerprint is not None else flbook_fingerprint(),
            "kernel": kernel_name,
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.blake2b(blob.encode(), digest_size=16).hexdigest()


def merge_prose(
    executed: nbformat.NotebookNode, source: nbformat.NotebookNode
) -> nbformat.NotebookNode:
    """The cached executed notebook with the current source's markdown cells.

    The code cells of both match one to one (their sources are part of the key), apart
    from papermill's injected-parameters cell, which stays after the ``parameters``
    cell, and a chapter that stopped early (``fl.stop_chapter``), which ends again at
    the cell that stopped it.
    """
    merged = copy.deepcopy(executed)
    code = [c for c in executed.cells if c.cell_type == "code"]
    injected = [c for c in code if "injected-parameters" in c.metadata.get("tags", [])]
    code = [c for c in code if c not in injected]
    stopped = bool(executed.metadata.get("flbook", {}).get("stopped_at_cell"))
    cells: list[nbformat.NotebookNode] = []
    taken = 0
    for cell in source.cells:
        if cell.cell_type != "code":
            cells.append(copy.deepcopy(cell))
            continue
        if taken == len(code):  # the cached chapter stopped before this cell
            break
        cells.append(copy.deepcopy(code[taken]))
        taken += 1
        if "parameters" in cell.metadata.get("tags", []):
            cells += [copy.deepcopy(c) for c in injected]
        if stopped and taken == len(code):
            break
    merged.cells = cells
    return merged


class ChapterCache:
    """Executed chapters kept by key in one folder.

    Parameters
    ----------
    root : the folder (created when the first chapter is stored).
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        """Where the chapter of this key is kept."""
        return self.root / f"{key}.ipynb"

    def get(self, key: str, source: nbformat.NotebookNode) -> nbformat.NotebookNode | None:
        """The executed chapter of ``key`` with ``source``'s prose, or ``None``."""

        path = self.path(key)
        if not path.exists():
            return None
        try:
            executed = read_notebook(path)
        except Exception:  # a damaged entry is a miss; it is replaced when stored again
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # used now: kept for another KEEP_DAYS days
        return merge_prose(executed, source)

    def put(self, key: str, executed: str | Path) -> None:
        """Keep the executed notebook at ``executed`` under ``key`` (atomically)."""
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{key}.{os.getpid()}.tmp"
        tmp.write_bytes(Path(executed).read_bytes())
        tmp.replace(self.path(key))
        self.prune()

    def timings(self) -> dict[str, float]:
        """Each chapter's last execution time in seconds (by chapter name), from any data."""
        try:
            data = json.loads((self.root / "timings.json").read_text())
        except (OSError, ValueError):
            return {}
        return {k: float(v) for k, v in data.items() if isinstance(v, (int, float))}

    def remember_time(self, chapter: str, seconds: float) -> None:
        """Record a chapter's execution time (read by :meth:`timings`), atomically."""
        data = self.timings()
        data[chapter] = round(float(seconds), 2)
        self._write_json("timings.json", data)

    def peaks(self) -> dict[str, tuple[float, float]]:
        """Each chapter's last recorded peak memory: ``(peak MB, data MB)`` by chapter name.

        The peak is that of the chapter's worker and kernel together; the data's size is
        what :func:`flbook.render.execute.expected_peak_mb` scales it by.
        """
        try:
            data = json.loads((self.root / "memory.json").read_text())
        except (OSError, ValueError):
            return {}
        return {
            k: (float(v[0]), float(v[1]))
            for k, v in data.items()
            if isinstance(v, list) and len(v) == 2 and all(isinstance(x, (int, float)) for x in v)
        }

    def remember_peak(self, chapter: str, peak_mb: float, data_mb: float) -> None:
        """Record a chapter's peak memory on data of ``data_mb`` (read by :meth:`peaks`)."""
        data = {k: list(v) for k, v in self.peaks().items()}
        data[chapter] = [round(float(peak_mb), 1), round(float(data_mb), 3)]
        self._write_json("memory.json", data)

    def _write_json(self, name: str, data: dict) -> None:
        """Write ``data`` to the cache folder's file ``name`` at once (a temporary file
        renamed over it), so that a render running beside this one never reads half."""
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{name}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(data, sort_keys=True))
        tmp.replace(self.root / name)

    def prune(self, days: float = KEEP_DAYS) -> list[Path]:
        """Delete the entries not used for ``days`` days; return what was deleted."""
        cutoff = time.time() - days * 86400
        gone = []
        for path in self.root.glob("*.ipynb"):
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    gone.append(path)
        return gone
