"""Execute the chapter notebooks and render the book: one interface, two engines.

Usage (renders a whole book, so it is shown here rather than run as a doctest)::

    from flbook.render import render_book
    result = render_book(".", config.to_parameters(), "out/")
    result.ok, result.outputs["html"]

``engine="auto"`` uses Quarto when a ``quarto`` executable is on PATH and the portable
pandoc + typst engine otherwise. Each course renders into its own output folder; the
build folder (executed notebooks) defaults to ``OUT/_build``.
"""

from __future__ import annotations

import time
import warnings as _warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from flbook.render.execute import (
    MEMORY_SHARE,
    ChapterError,
    ChapterResult,
    ParameterError,
    ProgressEvent,
    check_parameters,
    execute_chapters,
)
from flbook.render.pandoc_engine import RenderError, RenderWarning, render_pandoc
from flbook.render.project import Book, BookError, Entry, read_book
from flbook.render.quarto_engine import quarto_available, render_quarto

__all__ = [
    "Book",
    "BookError",
    "ChapterError",
    "ChapterResult",
    "Entry",
    "ParameterError",
    "ProgressEvent",
    "RenderError",
    "RenderResult",
    "RenderWarning",
    "check_parameters",
    "execute_chapters",
    "quarto_available",
    "read_book",
    "render_book",
    "render_pandoc",
    "render_quarto",
]


@dataclass
class RenderResult:
    """What :func:`render_book` produced.

    Attributes
    ----------
    outputs : each format's output file (``{"html": ..., "pdf": ...}``).
    chapters : one :class:`ChapterResult` per page, in book order (seconds, error).
    engine : ``"pandoc"`` or ``"quarto"``.
    build_dir : the folder of executed notebooks.
    warnings : what the renderer warned about (e.g. an unresolved cross-reference;
        with Quarto, every warning Quarto printed).
    execute_seconds, render_seconds : wall time of the two stages.
    reused : the formats not written again because nothing they are made from had
        changed since they were (only with a ``cache``; see :mod:`flbook.render.stamps`).
    """

    outputs: dict[str, Path]
    chapters: list[ChapterResult]
    engine: str
    build_dir: Path
    warnings: list[str] = field(default_factory=list)
    execute_seconds: float = 0.0
    render_seconds: float = 0.0
    reused: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[ChapterResult]:
        return [c for c in self.chapters if not c.ok]

    @property
    def ok(self) -> bool:
        """Every chapter ran and every output exists."""
        return not self.failed and all(p.exists() for p in self.outputs.values())


def render_book(
    project_dir: str | Path,
    parameters: dict[str, Any],
    out_dir: str | Path,
    *,
    formats: Iterable[str] = ("html", "pdf"),
    engine: Literal["auto", "pandoc", "quarto"] = "auto",
    chapters: list[str] | tuple[str, ...] | None = None,
    jobs: int | None = 1,
    progress: Callable[[ProgressEvent], None] | None = None,
    build_dir: str | Path | None = None,
    kernel_name: str = "python3",
    metadata: dict[str, Any] | None = None,
    cache: str | Path | None = None,
    data_key: str | None = None,
    warm: bool = True,
    memory_share: float = MEMORY_SHARE,
    data_mb: float | None = None,
) -> RenderResult:
    """Execute the book in ``project_dir`` with ``parameters`` and render it to ``out_dir``.

    Parameters
    ----------
    project_dir : the Quarto book project (its ``_quarto.yml`` lists the chapters).
    parameters : injected into every chapter's ``parameters`` cell; each must be declared
        there (:class:`ParameterError` otherwise, before anything runs).
    out_dir : the course's output folder.
    formats : ``"html"``, ``"pdf"`` and/or ``"epub"``.
    engine : ``"pandoc"``, ``"quarto"``, or ``"auto"`` (quarto if on PATH, else pandoc).
    chapters : render only these pages (by stem, file name, path or number prefix).
    jobs : chapters executed in parallel, each in its own process and kernel (``None``:
        one per core, within the memory guard of :func:`execute_chapters`).
    progress : called with a :class:`ProgressEvent` as each chapter starts and ends.
    build_dir : where executed notebooks go (default ``out_dir / "_build"``).
    kernel_name : the Jupyter kernel.
    metadata : book metadata for this render: ``title``, ``subtitle``, ``author`` and
        ``date`` replace the book's own, and every key can be shown in a page with
        ``{{< meta KEY >}}`` (e.g. ``{"subtitle": cfg.title, "course-stub": cfg.stub}``).
    cache : folder of the chapter execution cache, or ``None`` (execute every chapter
        and write every format). With a cache, a format whose inputs are unchanged since
        it was last written is kept as it is (:mod:`flbook.render.stamps`).
    data_key : names the data the chapters read, part of each chapter's cache key.
    warm : each worker keeps its kernel from chapter to chapter, reset between them
        (:mod:`flbook.render.kernels`); ``False``: a fresh kernel per chapter.
    memory_share : the memory guard's bound, as a share of the machine's memory: a
        chapter starts beside others only while the process tree stays under it.
    data_mb : the size of the chapters' data (the course's store) in MB, by which the
        guard scales each chapter's recorded peak memory
        (:func:`flbook.render.execute.expected_peak_mb`).

    Returns
    -------
    RenderResult
        A failing chapter does not stop the render: it shows in the book as a page
        naming the cell and the error, and in ``result.failed``.
    """
    if engine == "auto":
        engine = "quarto" if quarto_available() else "pandoc"
    if engine not in ("pandoc", "quarto"):
        raise RenderError(f"unknown engine {engine!r}; choose 'auto', 'pandoc' or 'quarto'")
    formats = tuple(formats)
    out_dir = Path(out_dir).resolve()
    build_dir = Path(build_dir).resolve() if build_dir is not None else out_dir / "_build"
    book = read_book(project_dir).select(chapters).with_metadata(metadata)

    start = time.perf_counter()
    results = execute_chapters(
        book,
        parameters,
        build_dir,
        jobs=jobs,
        progress=progress,
        kernel_name=kernel_name,
        cache=cache,
        data_key=data_key,
        warm=warm,
        memory_share=memory_share,
        data_mb=data_mb,
    )
    executed = time.perf_counter()
    found: list[str] = []
    reused: list[str] = []
    render = render_pandoc if engine == "pandoc" else render_quarto
    outputs = render(
        book,
        build_dir,
        out_dir,
        formats=formats,
        on_warning=found.append,
        reuse=cache is not None,
        reused=reused,
    )
    for msg in found:
        _warnings.warn(msg, RenderWarning, stacklevel=2)
    return RenderResult(
        outputs=outputs,
        chapters=results,
        engine=engine,
        build_dir=build_dir,
        warnings=found,
        execute_seconds=executed - start,
        render_seconds=time.perf_counter() - executed,
        reused=reused,
    )
